package mcpconn_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/godot-mcp-router/godot-mcp-router/instance/mcpconn"
)

// newServer returns an MCP server with an echo tool, a tool that blocks until
// cancelled, and a tool that asks the client for its roots.
func newServer() *server.MCPServer {
	s := server.NewMCPServer("test", "1", server.WithToolCapabilities(false))
	s.AddTool(mcp.NewTool("echo", mcp.WithString("text")), func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultText(req.GetString("text", "")), nil
	})
	s.AddTool(mcp.NewTool("block"), func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		<-ctx.Done()
		return mcp.NewToolResultText("cancelled"), nil
	})
	s.AddTool(mcp.NewTool("roots"), func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		res, err := mcpconn.FromContext(ctx).ListRoots(ctx, mcp.ListRootsRequest{})
		if err != nil {
			return mcp.NewToolResultError(err.Error()), nil
		}
		return mcp.NewToolResultText(res.Roots[0].URI), nil
	})
	s.AddTool(mcp.NewTool("panic"), func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		panic("boom")
	})
	s.AddTool(mcp.NewTool("progress", mcp.WithNumber("steps")), func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		steps := int(req.GetFloat("steps", 3))
		for i := 1; i <= steps; i++ {
			server.ServerFromContext(ctx).SendNotificationToClient(ctx, "notifications/progress", map[string]any{
				"progressToken": req.Params.Meta.ProgressToken, "progress": i, "total": steps})
		}
		return mcp.NewToolResultText("done"), nil
	})
	s.AddTool(mcp.NewTool("value"), func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultText(fmt.Sprint(mcpconn.FromContext(ctx).Value())), nil
	})
	return s
}

// peer is the client end of a session under test.
type peer struct {
	t    *testing.T
	in   *os.File
	out  *bufio.Reader
	done chan error
}

func startSession(t *testing.T, opts mcpconn.Options) *peer {
	t.Helper()
	// OS pipes, unlike io.Pipe, buffer like a real client's stdio does.
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	sess := mcpconn.New(newServer(), outW, "attached", opts)
	p := &peer{t: t, in: inW, out: bufio.NewReader(outR), done: make(chan error, 1)}
	go func() {
		p.done <- sess.Serve(context.Background(), inR)
		outW.Close()
	}()
	t.Cleanup(func() {
		inW.Close()
		go io.Copy(io.Discard, outR)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			t.Error("session did not end after its input closed")
		}
	})
	return p
}

func (p *peer) send(line string) {
	p.t.Helper()
	if _, err := io.WriteString(p.in, line+"\n"); err != nil {
		p.t.Fatalf("writing %q: %v", line, err)
	}
}

func (p *peer) recv() map[string]any {
	p.t.Helper()
	line, err := p.out.ReadString('\n')
	if err != nil {
		p.t.Fatalf("reading answer: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		p.t.Fatalf("answer %q is not JSON: %v", line, err)
	}
	return m
}

func (p *peer) initialize() {
	p.t.Helper()
	p.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"roots":{}},"clientInfo":{"name":"t","version":"1"}}}`)
	if m := p.recv(); m["result"] == nil {
		p.t.Fatalf("initialize failed: %v", m)
	}
	p.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
}

func errorCode(m map[string]any) float64 {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(float64)
	return c
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name string
		line string
		code float64
	}{
		{"not json", `{"jsonrpc":`, mcp.PARSE_ERROR},
		{"array batch", `[{"jsonrpc":"2.0","id":1,"method":"ping"}]`, mcp.INVALID_REQUEST},
		{"no method", `{"jsonrpc":"2.0","id":7}`, 0}, // a response to nothing: ignored
		{"null id no method", `{"jsonrpc":"2.0","id":null}`, mcp.INVALID_REQUEST},
		{"unknown method", `{"jsonrpc":"2.0","id":3,"method":"nope/nope"}`, mcp.METHOD_NOT_FOUND},
		{"wrong version", `{"jsonrpc":"1.0","id":4,"method":"ping"}`, mcp.INVALID_REQUEST},
		{"string", `"hello"`, mcp.INVALID_REQUEST},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startSession(t, mcpconn.Options{})
			p.initialize()
			p.send(tt.line)
			// A ping after the bad line proves the session still works and
			// orders the answers: the bad line's answer (if any) comes first.
			p.send(`{"jsonrpc":"2.0","id":"after","method":"ping"}`)
			// Requests run concurrently, so the two answers may come in
			// either order.
			m := p.recv()
			if tt.code == 0 {
				if m["id"] != "after" {
					t.Fatalf("expected no answer to %s, got %v", tt.line, m)
				}
				return
			}
			m2 := p.recv()
			if m["id"] == "after" {
				m, m2 = m2, m
			}
			if got := errorCode(m); got != tt.code {
				t.Fatalf("error code = %v, want %v (answer %v)", got, tt.code, m)
			}
			if m2["id"] != "after" {
				t.Fatalf("session broken after bad input: %v", m2)
			}
		})
	}
}

func TestOversizedLine(t *testing.T) {
	p := startSession(t, mcpconn.Options{MaxMessageBytes: 1024})
	p.initialize()
	p.send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"` + strings.Repeat("x", 5000) + `"}}}`)
	m := p.recv()
	if errorCode(m) != mcp.INVALID_REQUEST || !strings.Contains(fmt.Sprint(m["error"]), "larger than 1024") {
		t.Fatalf("oversized line: got %v", m)
	}
	p.send(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"ok"}}}`)
	if m := p.recv(); !strings.Contains(fmt.Sprint(m["result"]), "ok") {
		t.Fatalf("session broken after oversized line: %v", m)
	}
}

func TestNotificationGetsNoAnswer(t *testing.T) {
	p := startSession(t, mcpconn.Options{})
	p.initialize()
	p.send(`{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}`)
	p.send(`{"jsonrpc":"2.0","method":"no/such/notification","params":[1,2]}`)
	p.send(`{"jsonrpc":"2.0","id":9,"method":"ping"}`)
	if m := p.recv(); m["id"] != float64(9) {
		t.Fatalf("a notification was answered: %v", m)
	}
}

func TestCancelStopsHandler(t *testing.T) {
	p := startSession(t, mcpconn.Options{})
	p.initialize()
	p.send(`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"block"}}`)
	p.send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":5}}`)
	m := p.recv()
	if m["id"] != float64(5) || !strings.Contains(fmt.Sprint(m["result"]), "cancelled") {
		t.Fatalf("cancelled call answered %v", m)
	}
}

func TestPanicBecomesError(t *testing.T) {
	p := startSession(t, mcpconn.Options{})
	p.initialize()
	p.send(`{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"panic"}}`)
	m := p.recv()
	if m["id"] != float64(6) || (m["error"] == nil && !strings.Contains(fmt.Sprint(m["result"]), "panic")) {
		t.Fatalf("panicking tool answered %v", m)
	}
	p.send(`{"jsonrpc":"2.0","id":7,"method":"ping"}`)
	if m := p.recv(); m["id"] != float64(7) {
		t.Fatalf("session broken after a panic: %v", m)
	}
}

func TestListRootsRoundTrip(t *testing.T) {
	p := startSession(t, mcpconn.Options{})
	p.initialize()
	p.send(`{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"roots"}}`)
	req := p.recv()
	if req["method"] != "roots/list" {
		t.Fatalf("expected a roots/list request, got %v", req)
	}
	id, _ := json.Marshal(req["id"])
	p.send(`{"jsonrpc":"2.0","id":` + string(id) + `,"result":{"roots":[{"uri":"file:///tmp/proj"}]}}`)
	m := p.recv()
	if m["id"] != float64(8) || !strings.Contains(fmt.Sprint(m["result"]), "file:///tmp/proj") {
		t.Fatalf("roots tool answered %v", m)
	}
}

func TestValueAndConcurrentCalls(t *testing.T) {
	p := startSession(t, mcpconn.Options{MaxInflight: 4})
	p.initialize()
	const n = 50
	for i := range n {
		p.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"echo","arguments":{"text":"t%d"}}}`, 100+i, i))
	}
	seen := map[float64]bool{}
	for range n {
		m := p.recv()
		id := m["id"].(float64)
		want := fmt.Sprintf("t%d", int(id)-100)
		if !strings.Contains(fmt.Sprint(m["result"]), want) {
			t.Fatalf("answer %v does not carry %s", m, want)
		}
		if seen[id] {
			t.Fatalf("id %v answered twice", id)
		}
		seen[id] = true
	}
	p.send(`{"jsonrpc":"2.0","id":1000,"method":"tools/call","params":{"name":"value"}}`)
	if m := p.recv(); !strings.Contains(fmt.Sprint(m["result"]), "attached") {
		t.Fatalf("session value not visible to handlers: %v", m)
	}
}

func TestServeEndsOnEOFWithBlockedHandler(t *testing.T) {
	inR, inW := io.Pipe()
	var out bytes.Buffer
	var mu sync.Mutex
	sess := mcpconn.New(newServer(), writerFunc(func(b []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return out.Write(b)
	}), nil, mcpconn.Options{})
	done := make(chan error, 1)
	go func() { done <- sess.Serve(context.Background(), inR) }()
	io.WriteString(inW, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`+"\n")
	io.WriteString(inW, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"block"}}`+"\n")
	inW.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after EOF while a handler was blocked")
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// FuzzServe feeds arbitrary bytes to a session: it must answer or ignore
// every line, never panic, and end at EOF.
func FuzzServe(f *testing.F) {
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}` + "\n" + `{"jsonrpc":"2.0","id":2,"method":"tools/list"}` + "\n"))
	f.Add([]byte(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":1}}}` + "\n"))
	f.Add([]byte(`{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}` + "\n" + `{"id":"srv-1","result":{}}` + "\n"))
	f.Add([]byte("\x00\xff\n\n{}\n[]\nnull\n"))
	f.Add([]byte(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":[1]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sess := mcpconn.New(newServer(), io.Discard, nil, mcpconn.Options{MaxMessageBytes: 4096})
		done := make(chan error, 1)
		go func() { done <- sess.Serve(context.Background(), bytes.NewReader(data)) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Serve hung")
		}
	})
}

func TestRawID(t *testing.T) {
	tests := []struct {
		raw  string
		want any
	}{
		{`12`, int64(12)},
		{` -3 `, int64(-3)},
		{`"abc"`, "abc"},
		{`"a\"b"`, `a"b`},
		{`"\u00e9"`, "é"},
		{`1.5`, "1.5"},
		{`99999999999999999999`, "99999999999999999999"},
	}
	for _, tt := range tests {
		if got := mcpconn.RawID([]byte(tt.raw)); got != tt.want {
			t.Errorf("rawID(%s) = %#v, want %#v", tt.raw, got, tt.want)
		}
	}
}

// TestProgressBeforeAnswer: a handler that sends progress and returns at
// once, many calls at a time: every progress notification of a call is
// written before its answer (MCP allows progress only while the request is
// in progress), on both answer paths (mcp-go's and the interceptor's).
func TestProgressBeforeAnswer(t *testing.T) {
	for _, intercept := range []bool{false, true} {
		opts := mcpconn.Options{MaxInflight: 8}
		if intercept {
			opts.Intercept = func(ctx context.Context, sess *mcpconn.Session, method string, params json.RawMessage) (json.RawMessage, bool) {
				if method != "custom/progress" {
					return nil, false
				}
				var p struct {
					Meta struct {
						ProgressToken any `json:"progressToken"`
					} `json:"_meta"`
				}
				json.Unmarshal(params, &p)
				for i := 1; i <= 5; i++ {
					sess.NotificationChannel() <- mcp.JSONRPCNotification{JSONRPC: "2.0", Notification: mcp.Notification{
						Method: "notifications/progress", Params: mcp.NotificationParams{AdditionalFields: map[string]any{"progressToken": p.Meta.ProgressToken, "progress": i}}}}
				}
				return json.RawMessage(`{}`), true
			}
		}
		p := startSession(t, opts)
		p.initialize()
		const calls = 200
		for i := range calls {
			if intercept {
				p.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"custom/progress","params":{"_meta":{"progressToken":"tok%d"}}}`, 100+i, i))
			} else {
				p.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"progress","arguments":{"steps":5},"_meta":{"progressToken":"tok%d"}}}`, 100+i, i))
			}
		}
		answered := map[string]bool{}
		progress := map[string]int{}
		for answers := 0; answers < calls; {
			m := p.recv()
			if m["method"] == "notifications/progress" {
				params := m["params"].(map[string]any)
				tok := params["progressToken"].(string)
				if answered[tok] {
					t.Fatalf("intercept %v: progress for %s after its answer", intercept, tok)
				}
				progress[tok]++
				continue
			}
			id := int(m["id"].(float64))
			tok := fmt.Sprintf("tok%d", id-100)
			if progress[tok] != 5 {
				t.Fatalf("intercept %v: answer to %s after %d of its 5 progress notifications", intercept, tok, progress[tok])
			}
			answered[tok] = true
			answers++
		}
	}
}
