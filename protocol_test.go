package main

// Protocol tests: the exact messages Claude Code 2.1 and older clients send,
// written to the real binary's stdin, and every byte of its stdout checked.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// rawRouter is the binary driven line by line.
type rawRouter struct {
	t     *testing.T
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan map[string]any
	raw   chan string
}

func startRaw(t *testing.T, dir string) *rawRouter {
	t.Helper()
	env := newRouterEnv(t)
	cmd := exec.Command(binary)
	cmd.Dir = dir
	cmd.Env = env.environ()
	cmd.Stderr = testWriter{t}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &rawRouter{t: t, cmd: cmd, stdin: stdin, lines: make(chan map[string]any, 100), raw: make(chan string, 100)}
	go func() {
		defer close(r.lines)
		br := bufio.NewReaderSize(stdout, 1<<20)
		for {
			line, err := br.ReadString('\n')
			if line != "" {
				var m map[string]any
				if jerr := json.Unmarshal([]byte(line), &m); jerr != nil || m["jsonrpc"] != "2.0" {
					r.raw <- line // not JSON-RPC: reported by the test
					continue
				}
				r.lines <- m
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			t.Error("router did not exit after stdin closed")
		}
	})
	return r
}

func (r *rawRouter) send(msg string) {
	r.t.Helper()
	if _, err := io.WriteString(r.stdin, msg+"\n"); err != nil {
		r.t.Fatalf("writing: %v", err)
	}
}

func (r *rawRouter) next() map[string]any {
	r.t.Helper()
	select {
	case m, ok := <-r.lines:
		if !ok {
			r.t.Fatal("router closed stdout")
		}
		return m
	case line := <-r.raw:
		r.t.Fatalf("stdout carried a line that is not JSON-RPC: %q", line)
	case <-time.After(30 * time.Second):
		r.t.Fatal("no answer from the router")
	}
	return nil
}

// answer waits for the response to id, answering roots/list requests on the
// way with the given roots.
func (r *rawRouter) answer(id any, roots ...string) map[string]any {
	r.t.Helper()
	want := fmt.Sprint(id)
	for {
		m := r.next()
		if m["method"] == "roots/list" {
			list := []string{}
			for _, p := range roots {
				list = append(list, fmt.Sprintf(`{"uri":"file://%s"}`, p))
			}
			rid, _ := json.Marshal(m["id"])
			r.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"result":{"roots":[%s]}}`, rid, strings.Join(list, ",")))
			continue
		}
		if _, isNote := m["method"]; isNote && m["id"] == nil {
			continue // notifications
		}
		if fmt.Sprint(m["id"]) == want {
			return m
		}
		r.t.Fatalf("unexpected message while waiting for %v: %v", id, m)
	}
}

func TestClaudeCodeHandshake(t *testing.T) {
	g4 := corpus(t, "godot4-demos/2d/platformer")
	r := startRaw(t, t.TempDir())

	// Claude Code 2.1 probes with server/discover (protocol 2026-07-28)...
	r.send(`{"jsonrpc":"2.0","id":0,"method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"claude-code","version":"2.1.0"},"io.modelcontextprotocol/clientCapabilities":{"roots":{"listChanged":true}}}}}`)
	m := r.answer(0)
	res, _ := m["result"].(map[string]any)
	if !strings.Contains(fmt.Sprint(res["supportedVersions"]), "2025-11-25") {
		t.Fatalf("server/discover: %v", m)
	}
	// ... then initializes with 2025-11-25.
	r.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"roots":{"listChanged":true}},"clientInfo":{"name":"claude-code","version":"2.1.0"}}}`)
	m = r.answer(1)
	res, _ = m["result"].(map[string]any)
	if res["protocolVersion"] != "2025-11-25" {
		t.Fatalf("initialize: %v", m)
	}
	r.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)

	r.send(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
	m = r.answer(2, g4)
	tools, _ := m["result"].(map[string]any)["tools"].([]any)
	if len(tools) < 5 {
		t.Fatalf("tools/list: %v", m)
	}
	r.send(`{"jsonrpc":"2.0","id":3,"method":"ping"}`)
	if m = r.answer(3, g4); m["result"] == nil {
		t.Fatalf("ping: %v", m)
	}

	// The roots answer decides the project (the working folder has none).
	r.send(`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"get_project_info","arguments":{},"_meta":{"progressToken":"p4"}}}`)
	m = r.answer(4, g4)
	if !strings.Contains(fmt.Sprint(m["result"]), "Platformer 2D") {
		t.Fatalf("get_project_info from roots: %v", m)
	}

	// Bad input: each gets a clear error, and the session carries on.
	bad := []struct {
		msg  string
		id   any
		want string
	}{
		{`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"no_such_tool","arguments":{}}}`, 5, "no_such_tool"},
		{`{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"get_source_file","arguments":{"path":42}}}`, 6, "must be a string"},
		{`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get_source_file","arguments":{"path":"project.godot","project":["x"]}}}`, 7, "must be a string"},
		{`{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"get_source_file","arguments":{"path":"project.godot","start_line":"abc"}}}`, 8, "whole number"},
		{`{"jsonrpc":"2.0","id":9,"method":"no/such/method"}`, 9, "not found"},
		{`{"jsonrpc":"2.0","id":10,"method":"tools/call","params":"nonsense"}`, 10, "error"},
		{`{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"get_project_info","arguments":{"project":"no-such-project/9.9"}}}`, 11, "no-such-project"},
	}
	for _, b := range bad {
		r.send(b.msg)
		m = r.answer(b.id, g4)
		if !strings.Contains(strings.ToLower(fmt.Sprint(m)), strings.ToLower(b.want)) {
			t.Errorf("%s: answer %v lacks %q", b.msg, m, b.want)
		}
	}
	r.send(`{"jsonrpc":"2.0","id":`)
	if m = r.next(); fmt.Sprint(m["error"]) == "<nil>" {
		t.Errorf("malformed JSON: %v", m)
	}
	r.send(`{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"ping","arguments":{"message":"` + strings.Repeat("a", 20<<20) + `"}}}`)
	if m = r.next(); !strings.Contains(fmt.Sprint(m["error"]), "larger than") {
		t.Errorf("huge line: %v", m)
	}
	r.send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":999,"reason":"gone"}}`)
	r.send(`{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}`)
	r.send(`{"jsonrpc":"2.0","id":13,"method":"tools/call","params":{"name":"ping","arguments":{"message":"alive"}}}`)
	if m = r.answer(13, g4); !strings.Contains(fmt.Sprint(m["result"]), "alive") {
		t.Fatalf("session broken after bad input: %v", m)
	}
}

func TestOlderProtocolVersions(t *testing.T) {
	for _, v := range []string{"2025-06-18", "2025-03-26", "2024-11-05"} {
		t.Run(v, func(t *testing.T) {
			r := startRaw(t, t.TempDir())
			r.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"` + v + `","capabilities":{},"clientInfo":{"name":"old","version":"1"}}}`)
			m := r.answer(1)
			if got := m["result"].(map[string]any)["protocolVersion"]; got != v {
				t.Fatalf("negotiated %v, want %s", got, v)
			}
			r.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
			r.send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"ping","arguments":{}}}`)
			if m = r.answer(2); !strings.Contains(fmt.Sprint(m["result"]), "pong") {
				t.Fatalf("ping: %v", m)
			}
		})
	}
}

func TestExitsOnStdinEOF(t *testing.T) {
	r := startRaw(t, t.TempDir())
	r.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	r.answer(1)
	r.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- r.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("router still runs after stdin EOF")
	}
}
