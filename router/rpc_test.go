package router

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFastResult(t *testing.T) {
	tests := []struct {
		line   string
		ok     bool
		id     int64
		result string
	}{
		{`{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"}"}]}}` + "\n", true, 7, `{"content":[{"type":"text","text":"}"}]}`},
		{`{"jsonrpc":"2.0","id":12,"result":{}}`, true, 12, `{}`},
		{`{"jsonrpc":"2.0","id":12,"result":{}}` + "\r\n", true, 12, `{}`},
		{`{"jsonrpc":"2.0","id":1,"error":{"code":-1,"message":"x"}}`, false, 0, ""},
		{`{"jsonrpc":"2.0","id":"a","result":{}}`, false, 0, ""},
		{`{"jsonrpc":"2.0","method":"notifications/progress","params":{}}`, false, 0, ""},
		{`{"id":1,"jsonrpc":"2.0","result":{}}`, false, 0, ""},
		{`{"jsonrpc":"2.0","id":1,"result":[]}`, false, 0, ""},
		{`{"jsonrpc":"2.0","id":1,"result":{}`, false, 0, ""},
		{`{"jsonrpc":"2.0","id":99999999999999999999,"result":{}}`, false, 0, ""},
	}
	for _, tt := range tests {
		id, res, ok := fastResult([]byte(tt.line))
		if ok != tt.ok || id != tt.id || string(res) != tt.result {
			t.Errorf("fastResult(%q) = %d, %s, %v; want %d, %s, %v", tt.line, id, res, ok, tt.id, tt.result, tt.ok)
		}
	}
}

// FuzzFastResult: whenever the fast path accepts a line that is valid JSON,
// it must agree with a full decode.
func FuzzFastResult(f *testing.F) {
	f.Add([]byte(`{"jsonrpc":"2.0","id":7,"result":{"a":"}}"}}`))
	f.Add([]byte(`{"jsonrpc":"2.0","id":7,"result":{}}` + "\n"))
	f.Add([]byte(`{"jsonrpc":"2.0","id":7,"result":{"x":{}},"extra":{}}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		id, res, ok := fastResult(line)
		if !ok || !json.Valid(line) {
			return
		}
		var env struct {
			ID     int64           `json:"id"`
			Result json.RawMessage `json:"result"`
		}
		if err := json.Unmarshal(line, &env); err != nil {
			return // e.g. duplicate keys of another type; the fast path is for mcp-go's output
		}
		var a, b any
		if json.Unmarshal(res, &a) != nil || json.Unmarshal(env.Result, &b) != nil {
			t.Fatalf("fast result %s is not the decoded %s", res, env.Result)
		}
		if env.ID != id || fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("fast path (%d, %s) disagrees with decoding (%d, %s)", id, res, env.ID, env.Result)
		}
	})
}

// fakePeer answers requests on the far end of a net.Pipe as the test says.
type fakePeer struct {
	conn  net.Conn
	br    *bufio.Reader
	mu    sync.Mutex
	notes []string
}

func newRPCPair(t *testing.T) (*rpcClient, *fakePeer) {
	t.Helper()
	a, b := net.Pipe()
	c := startRPCClient(a, slog.New(slog.DiscardHandler), 1<<20, nil, nil)
	t.Cleanup(func() { c.Close(); b.Close() })
	return c, &fakePeer{conn: b, br: bufio.NewReader(b)}
}

func (p *fakePeer) readRequest(t *testing.T) (id int64, method string) {
	t.Helper()
	for {
		line, err := p.br.ReadBytes('\n')
		if err != nil {
			t.Errorf("peer read: %v", err)
			return 0, ""
		}
		var m struct {
			ID     *int64 `json:"id"`
			Method string `json:"method"`
		}
		if err := json.Unmarshal(line, &m); err != nil {
			t.Errorf("client wrote bad JSON %q", line)
			return 0, ""
		}
		if m.ID == nil {
			p.mu.Lock()
			p.notes = append(p.notes, string(line))
			p.mu.Unlock()
			continue
		}
		return *m.ID, m.Method
	}
}

func TestRPCClientOutOfOrderAnswers(t *testing.T) {
	c, peer := newRPCPair(t)
	const n = 10
	results := make(chan string, n)
	for i := range n {
		go func() {
			res, err := c.call(context.Background(), "tools/call", json.RawMessage(fmt.Sprintf(`{"n":%d}`, i)))
			if err != nil {
				results <- "error: " + err.Error()
				return
			}
			results <- string(res)
		}()
	}
	ids := make([]int64, 0, n)
	for range n {
		id, _ := peer.readRequest(t)
		ids = append(ids, id)
	}
	// Answer in reverse order, with noise in between.
	for i := len(ids) - 1; i >= 0; i-- {
		fmt.Fprintf(peer.conn, `{"jsonrpc":"2.0","method":"notifications/message","params":{}}`+"\n")
		fmt.Fprintf(peer.conn, "\n") // a blank line is nothing
		fmt.Fprintf(peer.conn, `{"jsonrpc":"2.0","id":%d,"result":{"echo":%d}}`+"\n", ids[i], ids[i])
	}
	seen := map[string]bool{}
	for range n {
		r := <-results
		if !strings.HasPrefix(r, `{"echo":`) || seen[r] {
			t.Fatalf("result %q", r)
		}
		seen[r] = true
	}
}

func TestRPCClientErrorAndCancel(t *testing.T) {
	c, peer := newRPCPair(t)
	done := make(chan error, 1)
	go func() {
		_, err := c.call(context.Background(), "tools/call", nil)
		done <- err
	}()
	id, _ := peer.readRequest(t)
	fmt.Fprintf(peer.conn, `{"jsonrpc":"2.0","id":%d,"error":{"code":-32601,"message":"nope"}}`+"\n", id)
	var re *rpcError
	if err := <-done; !errors.As(err, &re) || re.Code != -32601 {
		t.Fatalf("error answer: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		_, err := c.call(ctx, "tools/call", nil)
		done <- err
	}()
	id, _ = peer.readRequest(t)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call: %v", err)
	}
	// The peer is told, and a late answer is dropped quietly.
	peer.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := peer.br.ReadString('\n')
	if err != nil || !strings.Contains(line, "notifications/cancelled") || !strings.Contains(line, fmt.Sprintf(`"requestId":%d`, id)) {
		t.Fatalf("cancellation not sent: %q %v", line, err)
	}
	fmt.Fprintf(peer.conn, `{"jsonrpc":"2.0","id":%d,"result":{}}`+"\n", id)
}

func TestRPCClientConnectionLoss(t *testing.T) {
	c, peer := newRPCPair(t)
	done := make(chan error, 1)
	go func() {
		_, err := c.call(context.Background(), "tools/call", nil)
		done <- err
	}()
	peer.readRequest(t)
	peer.conn.Close()
	if err := <-done; !errors.Is(err, errConnLost) {
		t.Fatalf("call in flight at connection loss: %v", err)
	}
	if _, err := c.call(context.Background(), "ping", nil); !errors.Is(err, errConnLost) {
		t.Fatalf("call after connection loss: %v", err)
	}
}

func TestRPCClientOversizedLine(t *testing.T) {
	c, peer := newRPCPair(t)
	done := make(chan error, 1)
	go func() {
		_, err := c.call(context.Background(), "tools/call", nil)
		done <- err
	}()
	peer.readRequest(t)
	go peer.conn.Write(bytes.Repeat([]byte("x"), 2<<20))
	if err := <-done; !errors.Is(err, errConnLost) || !strings.Contains(err.Error(), "over") {
		t.Fatalf("oversized line: %v", err)
	}
}

// Garbage from an instance (a line that is not JSON-RPC, an answer to an id
// never sent) ends the connection and says why; a late answer to a call
// given up is not garbage; notifications go to onNotify.
func TestRPCClientGarbageBreaks(t *testing.T) {
	for _, tc := range []struct {
		name    string
		line    func(sent int64) string
		broken  bool
		notices int
	}{
		{"not json", func(int64) string { return "panic: runtime error\n" }, true, 0},
		{"json, not json-rpc", func(int64) string { return `{"hello":1}` + "\n" }, true, 0},
		{"unknown id", func(sent int64) string { return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":{}}`+"\n", sent+100) }, true, 0},
		{"unknown id, error answer", func(sent int64) string {
			return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"error":{"code":1,"message":"x"}}`+"\n", sent+100)
		}, true, 0},
		{"late answer to a cancelled call", func(sent int64) string { return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":{}}`+"\n", sent) }, false, 0},
		{"progress", func(int64) string {
			return `{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":7,"progress":1}}` + "\n"
		}, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := net.Pipe()
			defer b.Close()
			var mu sync.Mutex
			var why []string
			notices := 0
			c := startRPCClient(a, slog.New(slog.DiscardHandler), 1<<20,
				func(method string, params json.RawMessage) { mu.Lock(); notices++; mu.Unlock() },
				func(reason string) { mu.Lock(); why = append(why, reason); mu.Unlock() })
			defer c.Close()
			peer := &fakePeer{conn: b, br: bufio.NewReader(b)}
			go io.Copy(io.Discard, peer.br) // the cancel notice and later requests
			ctx, cancel := context.WithCancel(context.Background())
			first := make(chan error, 1)
			go func() { _, err := c.call(ctx, "tools/call", nil); first <- err }()
			// The first request is id 1; give it up, then send the line.
			time.Sleep(20 * time.Millisecond)
			cancel()
			<-first
			fmt.Fprint(b, tc.line(1))
			// A call after the line: answered when the line was fine.
			second := make(chan error, 1)
			go func() { _, err := c.call(context.Background(), "ping", nil); second <- err }()
			time.Sleep(20 * time.Millisecond)
			fmt.Fprint(b, `{"jsonrpc":"2.0","id":2,"result":{}}`+"\n")
			err := <-second
			mu.Lock()
			defer mu.Unlock()
			if tc.broken {
				if len(why) != 1 || !errors.Is(err, errConnLost) {
					t.Fatalf("broken %q, second call %v; want one reason and a lost connection", why, err)
				}
				return
			}
			if len(why) != 0 || err != nil || notices != tc.notices {
				t.Fatalf("broken %q, second call %v, notices %d", why, err, notices)
			}
		})
	}
}
