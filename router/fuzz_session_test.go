package router

// FuzzRouterSession feeds the router's client side random and malformed
// input (bad JSON, huge lines, wrong types, unknown methods) and checks that
// it answers every request with one JSON-RPC response, answers what is not
// a request with an error or nothing, and never dies.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/godot-mcp-router/godot-mcp-router/instance"
	"github.com/godot-mcp-router/godot-mcp-router/instance/mcpconn"
)

// fuzzInputTimeout bounds one input: every answer it is owed, and the end
// of its session.
const fuzzInputTimeout = 5 * time.Second

func FuzzRouterSession(f *testing.F) {
	fr := newFuzzRouter(f)
	for _, seed := range fuzzSessionSeeds(fr.project) {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr.check(t, data)
	})
}

// TestRouterSessionHugeLines runs the fuzz target's checks on the inputs
// too big to be fuzz seeds (mutating and minimizing megabytes would leave
// the fuzzer a few runs a second): a 1 MiB request, 1 MiB of garbage, 1 MiB
// of blanks, and a line over the session's limit, which is answered with
// an error and skipped.
func TestRouterSessionHugeLines(t *testing.T) {
	fr := newFuzzRouter(t)
	const mib = 1 << 20
	ping := `{"jsonrpc":"2.0","id":1,"method":"ping"}`
	tests := []struct {
		name  string
		input string
	}{
		{"1 MiB request", initPlainSeed + "\n" + toolCallSeed(2, "ping", `{"message":"`+strings.Repeat("x", mib)+`"}`) + "\n" + ping},
		{"1 MiB of garbage", strings.Repeat("{x", mib/2) + "\n" + ping},
		{"1 MiB of blanks", strings.Repeat(" \t\r", mib/3) + "\n" + ping},
		{"1 MiB string id", `{"jsonrpc":"2.0","id":"` + strings.Repeat("i", mib) + `","method":"tools/list"}` + "\n" + ping},
		{"over the limit", strings.Repeat("x", mcpconn.DefaultMaxMessageBytes) + "\n" + ping},
		{"over the limit, valid JSON", `{"jsonrpc":"2.0","id":7,"method":"ping","params":{"p":"` + strings.Repeat("x", mcpconn.DefaultMaxMessageBytes) + `"}}` + "\n" + ping},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := fr.check(t, []byte(tt.input))
			if !slices.ContainsFunc(out, func(l []byte) bool { return bytes.HasPrefix(l, []byte(`{"jsonrpc":"2.0","id":1,"result":{}}`)) }) {
				t.Fatalf("the ping after the huge line got no answer: %q", clipLines(out))
			}
		})
	}
}

// fuzzRouter is one real router per fuzz worker process. Its instances can
// never start: the pool's executable does not exist, so a call that names a
// real project fails at once instead of spawning a process.
type fuzzRouter struct {
	r       *Router
	env     Env    // an empty working folder: calls resolve to no project
	project string // a real project folder, for inputs that name one
	logs    *panicLog
}

func newFuzzRouter(tb testing.TB) *fuzzRouter {
	tb.Helper()
	// Short, for socket paths (t.TempDir names carry the test name).
	rt, err := os.MkdirTemp("/tmp", "gmrf")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(rt) })
	work := filepath.Join(rt, "work")
	project := filepath.Join(rt, "proj")
	for _, dir := range []string{work, project} {
		if err := os.Mkdir(dir, 0o700); err != nil {
			tb.Fatal(err)
		}
	}
	godot := "config_version=5\n\n[application]\n\nconfig/name=\"fuzz\"\n"
	if err := os.WriteFile(filepath.Join(project, "project.godot"), []byte(godot), 0o600); err != nil {
		tb.Fatal(err)
	}
	logs := &panicLog{}
	r, err := New(nil, Options{
		Logger: slog.New(logs),
		Pool: PoolOptions{
			Executable: filepath.Join(rt, "no-such-router"),
			RuntimeDir: filepath.Join(rt, "run"),
			LogDir:     filepath.Join(rt, "logs"),
		},
		Projects: ProjectsOptions{NoWatch: true, Parents: -1},
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { r.Close() })
	return &fuzzRouter{r: r, env: Env{WorkDir: work}, project: project, logs: logs}
}

// panicLog records the router's log messages about panics (mcpconn logs a
// recovered handler panic before turning it into an error response).
type panicLog struct {
	mu   sync.Mutex
	msgs []string
}

func (h *panicLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (h *panicLog) WithAttrs([]slog.Attr) slog.Handler           { return h }
func (h *panicLog) WithGroup(string) slog.Handler                { return h }

func (h *panicLog) Handle(_ context.Context, r slog.Record) error {
	if !strings.Contains(r.Message, "panic") {
		return nil
	}
	msg := r.Message
	r.Attrs(func(a slog.Attr) bool {
		msg += " " + a.String()
		return true
	})
	h.mu.Lock()
	h.msgs = append(h.msgs, msg)
	h.mu.Unlock()
	return nil
}

func (h *panicLog) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	msgs := h.msgs
	h.msgs = nil
	return msgs
}

// check serves data as one client session and checks every answer; then
// that the router still serves a new session and started no instance. It
// returns the session's output lines.
func (fr *fuzzRouter) check(t *testing.T, data []byte) [][]byte {
	t.Helper()
	fr.logs.take()
	in := splitInput(data)
	want := make([]inputLine, len(in))
	for i, l := range in {
		want[i] = classify(l)
	}
	out := fr.serve(t, in, want)
	checkAnswers(t, want, out, utf8.Valid(data))
	if msgs := fr.logs.take(); len(msgs) > 0 {
		t.Fatalf("the router recovered from a panic: %q", msgs)
	}

	// Still alive: a new session gets its ping answered, and a tool call
	// (not the ping tool: its uptime, formatted anew each time, would make
	// every input look like new coverage to the fuzzer).
	alive := fr.serve(t, splitInput([]byte(aliveSession)), nil)
	answered := map[string]bool{}
	for _, line := range alive {
		var m struct {
			ID     json.RawMessage `json:"id"`
			Result json.RawMessage `json:"result"`
		}
		if json.Unmarshal(line, &m) == nil && len(m.Result) > 0 {
			answered[string(m.ID)] = true
		}
	}
	if !answered["1"] || !answered["2"] || !answered["3"] {
		t.Fatalf("after the input, a new session got %q", alive)
	}
	// A call that ends (cancelled, or at EOF) while its instance is being
	// spawned leaves the spawn to finish: here, to fail at once.
	for start := time.Now(); fr.r.Pool().Running() > 0; time.Sleep(time.Millisecond) {
		if time.Since(start) > fuzzInputTimeout {
			t.Fatalf("an instance spawn still runs %v after the session", fuzzInputTimeout)
		}
	}
	for _, info := range fr.r.Pool().Snapshot() {
		if info.PID != 0 {
			t.Fatalf("instance %d started for %s; the fuzz router must never start one", info.PID, info.Root)
		}
	}
	return out
}

// aliveSession proves the router still serves: initialize, ping, and a
// tool call (which resolves to no project).
const aliveSession = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"after","version":"1"}}}
{"jsonrpc":"2.0","method":"notifications/initialized"}
{"jsonrpc":"2.0","id":2,"method":"ping"}
{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_project_info","arguments":{}}}
`

// inputLine is one line of client input and what the client is owed for it.
type inputLine struct {
	kind lineKind
	// For requests: the id as canonical JSON (ids are compared by value:
	// 1 and 1.0 are one id, 1 and "1" are two), or "" when it cannot be
	// decoded.
	id string
	// loose: mcp-go may answer with id null (-32700) instead: it cannot
	// decode the message (a jsonrpc member that is not a string, a number
	// beyond float64).
	loose bool
	// silent: mcp-go takes a message with a method, an id and a result for
	// an answer and says nothing; the router's own fast paths answer it.
	silent bool
}

type lineKind int

const (
	lineBlank        lineKind = iota
	lineNotJSON               // one error, id null, code -32700
	lineInvalid               // one error, id null, code -32600
	lineNotification          // nothing
	lineAnswer                // an answer to a request of the router: nothing
	lineRequest               // one response with the request's id
)

// splitInput cuts data into lines as the session reads them.
func splitInput(data []byte) [][]byte {
	lines := bytes.Split(data, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// classify says what the router owes the client for one line. A message is
// read the way the session reads it (encoding/json into the same envelope:
// case-insensitive keys, the last of duplicate keys).
func classify(line []byte) inputLine {
	// Blank as the session sees it (Unicode spaces: a lone "\v" is
	// skipped), JSON by JSON's rules (where "{}\v" is not JSON).
	t := bytes.Trim(line, " \t\r")
	switch {
	case len(line)+1 > mcpconn.DefaultMaxMessageBytes:
		return inputLine{kind: lineInvalid}
	case len(bytes.TrimSpace(line)) == 0:
		return inputLine{kind: lineBlank}
	case !json.Valid(line):
		return inputLine{kind: lineNotJSON}
	case t[0] != '{':
		return inputLine{kind: lineInvalid} // a batch, a number, null...
	}
	var env struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params json.RawMessage `json:"params"`
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(t, &env) != nil {
		return inputLine{kind: lineInvalid} // a method or error of the wrong type
	}
	hasID := len(env.ID) > 0 && string(env.ID) != "null"
	switch {
	case env.Method == "" && hasID:
		return inputLine{kind: lineAnswer}
	case env.Method == "":
		return inputLine{kind: lineInvalid}
	case !hasID:
		return inputLine{kind: lineNotification}
	}
	req := inputLine{kind: lineRequest, id: canonicalID(env.ID)}
	var base struct {
		JSONRPC string `json:"jsonrpc"`
		ID      any    `json:"id"`
		Result  any    `json:"result"`
	}
	if json.Unmarshal(t, &base) != nil || base.JSONRPC != mcp.JSONRPC_VERSION || req.id == "" {
		req.loose = true
	}
	req.silent = base.Result != nil || (len(env.Result) > 0 && string(env.Result) != "null")
	return req
}

// canonicalID is an id as canonical JSON, so that the request's id and the
// one its response carries (echoed raw, or decoded and encoded again by
// mcp-go) compare by value; "" when it does not decode.
func canonicalID(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// serve runs one client session over pipes: it writes the lines, answers
// the router's requests (roots/list) as a client does, waits for every
// answer it is owed (want, the lines classified; nil: classify them here),
// then closes the input and waits for the session's end.
func (fr *fuzzRouter) serve(t *testing.T, lines [][]byte, want []inputLine) [][]byte {
	t.Helper()
	if want == nil {
		for _, l := range lines {
			want = append(want, classify(l))
		}
	}
	owed := 0
	for _, c := range want {
		if c.kind == lineNotJSON || c.kind == lineInvalid || (c.kind == lineRequest && !c.silent) {
			owed++
		}
	}

	deadline := time.Now().Add(fuzzInputTimeout)
	ctx, cancel := context.WithDeadline(context.Background(), deadline.Add(time.Second))
	defer cancel()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	served := make(chan error, 1)
	go func() {
		served <- fr.r.ServeSession(ctx, inR, outW, fr.env)
		outW.Close()
	}()

	// Each Write on an io.Pipe is delivered whole before the next one, so
	// the lines and the answers below never mix within a line.
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		for _, l := range lines {
			if _, err := inW.Write(append(l[:len(l):len(l)], '\n')); err != nil {
				return
			}
		}
	}()

	var out [][]byte
	var answers sync.WaitGroup
	paid := make(chan struct{})
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		br := bufio.NewReader(outR)
		n := 0
		if owed == 0 {
			close(paid)
		}
		for {
			line, err := br.ReadBytes('\n')
			if len(line) > 0 {
				out = append(out, line)
				var m struct {
					ID     json.RawMessage `json:"id"`
					Method *string         `json:"method"`
				}
				json.Unmarshal(line, &m)
				switch {
				case m.Method == nil:
					if n++; n == owed {
						close(paid)
					}
				case len(m.ID) > 0:
					// Never write from here: the writes wait for the
					// router's read loop, which may wait for this reader.
					answers.Go(func() { inW.Write(clientAnswer(m.ID, *m.Method, fr.env.WorkDir)) })
				}
			}
			if err != nil {
				return
			}
		}
	}()

	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	var late string
	select {
	case <-wrote:
		select {
		case <-paid:
		case <-timer.C:
			late = "the answers it is owed"
		}
	case <-timer.C:
		late = "the router to read the input"
	}
	var stacks []byte
	if late != "" {
		stacks = goroutines()
	}
	inW.Close()
	var serveErr error
	select {
	case serveErr = <-served:
	case <-time.After(fuzzInputTimeout):
		t.Fatalf("ServeSession did not return %v after the input ended; goroutines:\n%s", fuzzInputTimeout, goroutines())
	}
	inR.Close()
	answers.Wait()
	<-readDone
	<-wrote
	if late != "" {
		t.Fatalf("waited %v for %s; output so far: %q\n\ngoroutines then:\n%s", fuzzInputTimeout, late, clipLines(out), stacks)
	}
	if serveErr != nil {
		t.Fatalf("ServeSession = %v", serveErr)
	}
	return out
}

// goroutines is a dump of every goroutine's stack, for a failure to show
// where the router waits.
func goroutines() []byte {
	buf := make([]byte, 256<<10)
	return buf[:runtime.Stack(buf, true)]
}

// clientAnswer is what a client answers to a request of the router.
func clientAnswer(id json.RawMessage, method, workDir string) []byte {
	var b []byte
	if method == string(mcp.MethodListRoots) {
		roots, _ := json.Marshal(mcp.ListRootsResult{Roots: []mcp.Root{{URI: "file://" + workDir, Name: "work"}}})
		b = fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%s,"result":%s}`, id, roots)
	} else {
		b = fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%s,"error":{"code":-32601,"message":"not supported"}}`, id)
	}
	return append(b, '\n')
}

// checkAnswers checks the session's output against what the input is owed.
func checkAnswers(t *testing.T, want []inputLine, out [][]byte, validUTF8 bool) {
	t.Helper()
	type response struct {
		id   string // canonical JSON; "null" for id null
		code int    // error code; 0 for a result
		line []byte
	}
	var resps []response
	for _, line := range out {
		if !bytes.HasSuffix(line, []byte("\n")) {
			t.Fatalf("output line without its end: %q", clip(line))
		}
		if validUTF8 && !utf8.Valid(line) {
			t.Fatalf("output line is not UTF-8 (the input was): %q", clip(line))
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("output line is not a JSON object: %q", clip(line)) // nor JSON at all
		}
		if string(m["jsonrpc"]) != `"2.0"` {
			t.Fatalf(`output line without "jsonrpc":"2.0": %q`, clip(line))
		}
		if method, ok := m["method"]; ok {
			var s string
			if json.Unmarshal(method, &s) != nil || s == "" {
				t.Fatalf("router's message with a bad method: %q", clip(line))
			}
			continue // a notification or a request of the router
		}
		rawID, hasID := m["id"]
		result, hasResult := m["result"]
		errObj, hasError := m["error"]
		if !hasID || hasResult == hasError {
			t.Fatalf("a response needs an id and one of result and error: %q", clip(line))
		}
		r := response{id: canonicalID(rawID), line: line}
		if r.id == "" {
			t.Fatalf("response id does not decode: %q", clip(line))
		}
		if hasResult {
			if r := bytes.TrimSpace(result); len(r) == 0 || r[0] != '{' {
				t.Fatalf("result is not an object: %q", clip(line))
			}
		} else {
			var e struct {
				Code    *int    `json:"code"`
				Message *string `json:"message"`
			}
			if json.Unmarshal(errObj, &e) != nil || e.Code == nil || e.Message == nil {
				t.Fatalf("error without an integer code and a message: %q", clip(line))
			}
			r.code = *e.Code
			if r.code == mcp.INTERNAL_ERROR && (strings.HasPrefix(*e.Message, "panic recovered in") || strings.HasPrefix(*e.Message, "internal error: ")) {
				t.Fatalf("a handler panicked: %q", clip(line))
			}
		}
		resps = append(resps, r)
	}

	// What the input is owed.
	var notJSON, invalid int
	requests := map[string][]inputLine{}
	for _, c := range want {
		switch c.kind {
		case lineNotJSON:
			notJSON++
		case lineInvalid:
			invalid++
		case lineRequest:
			requests[c.id] = append(requests[c.id], c)
		}
	}
	byID := map[string]int{}
	var nullParse, nullInvalid int
	for _, r := range resps {
		if r.id != "null" {
			byID[r.id]++
			continue
		}
		switch r.code {
		case mcp.PARSE_ERROR:
			nullParse++
		case mcp.INVALID_REQUEST:
			nullInvalid++
		default:
			t.Fatalf("a response with id null that is not a parse error or an invalid request: %q", clip(r.line))
		}
	}
	for id, n := range byID {
		if len(requests[id]) == 0 {
			t.Fatalf("a response to id %s, which no request had: %q", id, clipLines(out))
		}
		if n > len(requests[id]) {
			t.Fatalf("%d responses to id %s, asked %d times", n, id, len(requests[id]))
		}
	}
	// Each request gets one response with its id; a loose one may get one
	// with id null; a silent one may get none. Ids asked twice make the
	// answers ambiguous: only the counts are checked.
	mustNull, mayNull := 0, 0
	for id, reqs := range requests {
		if id == "" || len(reqs) > 1 {
			for _, c := range reqs {
				if c.loose {
					mayNull++
				}
			}
			continue
		}
		c := reqs[0]
		switch {
		case byID[id] == 1:
		case c.loose && c.silent:
			mayNull++
		case c.loose:
			mustNull++
		case c.silent:
		default:
			t.Fatalf("request %s got no response; output: %q", id, clipLines(out))
		}
	}
	if nullInvalid != invalid {
		t.Fatalf("%d invalid-request errors (id null) for %d invalid lines; output: %q", nullInvalid, invalid, clipLines(out))
	}
	if nullParse < notJSON+mustNull || nullParse > notJSON+mustNull+mayNull {
		t.Fatalf("%d parse errors (id null) for %d lines that are not JSON (+%d..%d requests mcp-go cannot read); output: %q",
			nullParse, notJSON, mustNull, mustNull+mayNull, clipLines(out))
	}
}

func clip(b []byte) []byte {
	if len(b) > 300 {
		return append(b[:300:300], "..."...)
	}
	return b
}

func clipLines(lines [][]byte) []string {
	out := make([]string, 0, min(len(lines), 20))
	for i, l := range lines {
		if i == 20 {
			out = append(out, fmt.Sprintf("(%d more)", len(lines)-i))
			break
		}
		out = append(out, string(clip(l)))
	}
	return out
}

// Lines the seeds are made of.
const (
	initRootsSeed = `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"roots":{"listChanged":true}},"clientInfo":{"name":"fuzz","version":"1"}}}`
	initPlainSeed = `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"fuzz","version":"1"}}}`
	initedSeed    = `{"jsonrpc":"2.0","method":"notifications/initialized"}`
	modernMeta    = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"claude-code","version":"2.1.0"},"io.modelcontextprotocol/clientCapabilities":{"roots":{"listChanged":true}}}`
)

func toolCallSeed(id int, tool, args string) string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":%q,"arguments":%s}}`, id, tool, args)
}

// fuzzSessionSeeds are whole sessions and single bad lines. project is a
// real project folder (its instance can never start in the fuzz router).
func fuzzSessionSeeds(project string) []string {
	const (
		initRoots = initRootsSeed
		initPlain = initPlainSeed
		inited    = initedSeed
	)
	call := toolCallSeed
	lines := func(ls ...string) string { return strings.Join(ls, "\n") + "\n" }
	quotedProject, _ := json.Marshal(project)

	full := []string{initRoots, inited, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`}
	id := 2
	for _, tool := range []string{"ping", "debug_detection", "debug_instances", "list_projects", "list_versions"} {
		full = append(full, call(id, tool, `{}`))
		id++
	}
	full = append(full,
		call(id, "ping", `{"message":"hi"}`),
		call(id+1, "debug_detection", `{"project":`+string(quotedProject)+`}`),
		call(id+2, "list_projects", `{"filter":"fuzz","limit":5,"offset":0}`),
		call(id+3, "list_versions", `{"project":"fuzz"}`),
	)
	var instanceTools []string
	for i, def := range instance.Tools() {
		instanceTools = append(instanceTools, call(100+i, def.Name, `{}`))
	}

	return []string{
		lines(full...),
		lines(append([]string{initPlain, inited}, instanceTools...)...),
		lines(initPlain, inited,
			call(1, "get_project_info", `{"project":`+string(quotedProject)+`}`),
			call(2, "list_scenes", `{"project":"fuzz"}`),
			call(3, "get_scene", `{"path":5,"project":null}`),
			call(4, "get_source_file", `{"project":5}`),
			call(5, "get_script", `[]`),
			call(6, "search_scripts", `"x"`),
			call(7, "get_project_info", `{"project":"/nonexistent/folder"}`),
			call(8, "get_project_info", `{"project":"~"}`),
			`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1,"reason":"bored"}}`),
		// Claude Code 2.1: server/discover first, then the legacy handshake.
		lines(`{"jsonrpc":"2.0","id":0,"method":"server/discover","params":{`+modernMeta+`}}`,
			strings.Replace(initRoots, `"id":0`, `"id":1`, 1), inited,
			`{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{`+modernMeta+`}}`,
			`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_project_info","arguments":{},`+modernMeta+`}}`,
			`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"ping","arguments":{},`+modernMeta+`}}`),
		// Bad JSON.
		lines(`{`, `{"jsonrpc":"2.0","id":1,"method":"ping"`, `not json`, `}`, `{"a":1}}`, `'single'`, "\x00"),
		// Batches, scalars, objects without jsonrpc.
		lines(`[{"jsonrpc":"2.0","id":1,"method":"ping"}]`, `[]`, `42`, `"string"`, `null`, `true`, `{}`),
		lines(initPlain, `{"id":1,"method":"ping"}`, `{"jsonrpc":"1.0","id":2,"method":"ping"}`,
			`{"jsonrpc":2,"id":3,"method":"ping"}`, `{"jsonrpc":null,"id":4,"method":"tools/list"}`,
			`{"id":5,"method":"tools/call","params":{"name":"get_project_info"}}`),
		// Ids of every type.
		lines(initPlain,
			`{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}`,
			`{"jsonrpc":"2.0","id":[1,2],"method":"ping"}`,
			`{"jsonrpc":"2.0","id":true,"method":"ping"}`,
			`{"jsonrpc":"2.0","id":1.5,"method":"ping"}`,
			`{"jsonrpc":"2.0","id":99999999999999999999,"method":"ping"}`,
			`{"jsonrpc":"2.0","id":1e400,"method":"ping"}`,
			`{"jsonrpc":"2.0","id":-7,"method":"ping"}`,
			`{"jsonrpc":"2.0","id":-0,"method":"tools/list"}`,
			`{"jsonrpc":"2.0","id":"","method":"ping"}`,
			`{"jsonrpc":"2.0","id":"7","method":"ping"}`,
			`{"jsonrpc":"2.0","id":7,"method":"ping"}`,
			`{"jsonrpc":"2.0","id":"a\u0041<b>","method":"tools/list"}`,
			`{"jsonrpc":"2.0","id":{"x":[1]},"method":"tools/call","params":{"name":"get_project_info"}}`,
			`{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}`,
			`{"jsonrpc":"2.0","id":null,"method":"ping"}`,
			`{"jsonrpc":"2.0","id":8,"id":9,"method":"ping"}`,
			`{"jsonrpc":"2.0","ID":10,"METHOD":"ping"}`,
			`{"jsonrpc":"2.0","id":11,"method":"ping"}`,
			`{"jsonrpc":"2.0","id":11,"method":"ping"}`),
		// Methods and params of the wrong type.
		lines(initPlain,
			`{"jsonrpc":"2.0","id":1,"method":5}`,
			`{"jsonrpc":"2.0","id":2,"method":null}`,
			`{"jsonrpc":"2.0","id":3,"method":{}}`,
			`{"jsonrpc":"2.0","id":4,"method":""}`,
			`{"jsonrpc":"2.0","method":["ping"]}`,
			`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":[]}`,
			`{"jsonrpc":"2.0","id":6,"method":"tools/call","params":"ping"}`,
			`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":5}`,
			`{"jsonrpc":"2.0","id":8,"method":"tools/call","params":null}`,
			`{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":5}}`,
			`{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"nope"}}`,
			`{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"ping","arguments":[]}}`,
			`{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"ping","arguments":"x"}}`,
			`{"jsonrpc":"2.0","id":13,"method":"tools/call","params":{"name":"ping","arguments":{"message":5}}}`,
			`{"jsonrpc":"2.0","id":14,"method":"tools/call","params":{"name":"list_projects","arguments":{"limit":"ten","offset":-3}}}`,
			`{"jsonrpc":"2.0","id":15,"method":"tools/call","params":{"name":"list_scenes","arguments":7}}`,
			`{"jsonrpc":"2.0","id":16,"method":"tools/list","params":{"cursor":5}}`,
			`{"jsonrpc":"2.0","id":17,"method":"initialize","params":"x"}`,
			`{"jsonrpc":"2.0","id":18,"method":"ping","error":5}`,
			`{"jsonrpc":"2.0","id":19,"method":"ping","result":{}}`,
			`{"jsonrpc":"2.0","id":20,"method":"tools/list","result":1e400}`),
		// Unknown methods, notifications with ids, answers nobody asked for.
		lines(initPlain, inited,
			`{"jsonrpc":"2.0","id":1,"method":"foo/bar"}`,
			`{"jsonrpc":"2.0","method":"foo/bar"}`,
			`{"jsonrpc":"2.0","id":2,"method":"notifications/initialized"}`,
			`{"jsonrpc":"2.0","id":3,"method":"notifications/cancelled","params":{"requestId":3}}`,
			`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"never-sent"}}`,
			`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":[1]}}`,
			`{"jsonrpc":"2.0","method":"notifications/cancelled","params":5}`,
			`{"jsonrpc":"2.0","id":"srv-1","result":{"roots":[]}}`,
			`{"jsonrpc":"2.0","id":"srv-99","error":{"code":-1,"message":"no"}}`,
			`{"jsonrpc":"2.0","id":4,"result":{},"error":{"code":1,"message":"both"}}`,
			`{"jsonrpc":"2.0","error":{"code":1,"message":"no id"}}`,
			`{"jsonrpc":"2.0","id":5,"method":"ping"}`,
			`{"jsonrpc":"2.0","id":6,"method":"ping","params":{"_meta":{"progressToken":1}}}`),
		// Roots: the client changes them; a call waits for the first answer.
		lines(initRoots, inited,
			`{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}`,
			call(1, "debug_detection", `{}`),
			`{"jsonrpc":"2.0","method":"notifications/roots/list_changed","params":"x"}`,
			`{"jsonrpc":"2.0","id":"srv-2","result":{"roots":[{"uri":"file:///"},{"uri":"http://x"},{"uri":5}]}}`,
			call(2, "get_project_info", `{}`)),
		// Long lines (TestRouterSessionHugeLines has the megabytes).
		lines(initPlain, call(1, "ping", `{"message":"`+strings.Repeat("x", 64<<10)+`"}`)),
		strings.Repeat(" ", 64<<10) + "\n" + strings.Repeat("x", 64<<10) + "\n" + `{"jsonrpc":"2.0","id":1,"method":"ping"}`,
		// Deep nesting.
		strings.Repeat("[", 100_000) + "\n" + `{"jsonrpc":"2.0","id":1,"method":"ping","params":` + strings.Repeat(`{"a":`, 5_000) + "1" + strings.Repeat("}", 5_000) + "}",
		// Invalid UTF-8.
		lines("\xff\xfe\xfd", `{"jsonrpc":"2.0","id":"`+"\xff"+`","method":"ping"}`, `{"jsonrpc":"2.0","id":1,"method":"ping\xc3"}`),
		// CRLF, no final newline, blank lines, spaces JSON does not know.
		"\r\n\n   \n\v\n\u0085\n{}\v\n\u00a0{}\n" + initPlain + "\r\n" + `{"jsonrpc":"2.0","id":1,"method":"ping"}`,
	}
}
