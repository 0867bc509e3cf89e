package router

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeDaemon speaks the daemon's side of the relay protocol on a Unix
// socket. After the hello it answers every request with the same id:
// initialize with a server's answer, "hang" never, "drop" by closing the
// connection, anything else with {"echo":method}. A line that is not JSON
// gets a parse error, as mcpconn answers it.
type fakeDaemon struct {
	t    *testing.T
	ln   net.Listener
	path string

	refuse   atomic.Pointer[string] // when set, hellos are refused with this reason
	hangInit atomic.Bool            // initialize requests are not answered
	forget   atomic.Bool            // connections are not recorded (for the fuzz test)
	wg       sync.WaitGroup

	mu    sync.Mutex // guards conns
	conns []*fakeConn
}

// fakeConn is one connection the fake daemon accepted.
type fakeConn struct {
	c     net.Conn
	hello Hello

	wmu sync.Mutex // guards writes to c

	mu     sync.Mutex // guards lines and closed
	lines  []string   // every line after the hello, as received
	closed bool       // the relay closed its end (EOF)
}

func newFakeDaemon(t testing.TB) *fakeDaemon {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "gmrr")
	if err != nil {
		t.Fatal(err)
	}
	d := &fakeDaemon{path: filepath.Join(dir, "d.sock")}
	d.ln, err = net.Listen("unix", d.path)
	if err != nil {
		t.Fatal(err)
	}
	d.wg.Go(d.accept)
	t.Cleanup(func() {
		d.ln.Close()
		d.mu.Lock()
		for _, fc := range d.conns {
			fc.c.Close()
		}
		d.mu.Unlock()
		d.wg.Wait()
		os.RemoveAll(dir)
	})
	return d
}

func (d *fakeDaemon) dial() (net.Conn, error) { return net.Dial("unix", d.path) }

func (d *fakeDaemon) accept() {
	for {
		c, err := d.ln.Accept()
		if err != nil {
			return
		}
		d.wg.Go(func() { d.serve(c) })
	}
}

func (d *fakeDaemon) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReaderSize(c, 64<<10)
	line, err := br.ReadSlice('\n')
	if err != nil {
		return
	}
	fc := &fakeConn{c: c}
	if err := json.Unmarshal(line, &fc.hello); err != nil {
		fc.write(`{"ok":false,"error":"malformed hello"}`)
		return
	}
	if reason := d.refuse.Load(); reason != nil {
		b, _ := json.Marshal(HelloReply{Error: *reason})
		fc.write(string(b))
		return
	}
	if !fc.write(`{"ok":true,"relay":1,"version":"test","pid":1}`) {
		return
	}
	if !d.forget.Load() {
		d.mu.Lock()
		d.conns = append(d.conns, fc)
		d.mu.Unlock()
	}

	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			fc.mu.Lock()
			fc.closed = true
			fc.mu.Unlock()
			return
		}
		if !d.forget.Load() {
			fc.mu.Lock()
			fc.lines = append(fc.lines, string(buf))
			fc.mu.Unlock()
		}
		if !d.answer(fc, buf) {
			return
		}
		buf = buf[:0]
	}
}

// answer answers one line; false means the connection is to be dropped.
func (d *fakeDaemon) answer(fc *fakeConn, line []byte) bool {
	var env struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
	}
	if err := json.Unmarshal(line, &env); err != nil {
		return fc.write(`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}`)
	}
	if env.Method == "" || len(env.ID) == 0 { // a notification or a response
		return true
	}
	switch env.Method {
	case "hang":
		return true
	case "drop":
		return false
	case "initialize":
		if d.hangInit.Load() {
			return true
		}
		return fc.write(`{"jsonrpc":"2.0","id":` + string(env.ID) + `,"result":{"protocolVersion":"2025-06-18","capabilities":{},"serverInfo":{"name":"fake","version":"1"}}}`)
	}
	m, _ := json.Marshal(env.Method)
	return fc.write(`{"jsonrpc":"2.0","id":` + string(env.ID) + `,"result":{"echo":` + string(m) + `}}`)
}

func (fc *fakeConn) write(line string) bool {
	fc.wmu.Lock()
	defer fc.wmu.Unlock()
	_, err := io.WriteString(fc.c, line+"\n")
	return err == nil
}

// conn waits for the i-th connection (from 0) that passed the hello.
func (d *fakeDaemon) conn(t *testing.T, i int) *fakeConn {
	t.Helper()
	var fc *fakeConn
	eventually(t, "daemon connection "+string(rune('0'+i)), func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		if len(d.conns) > i {
			fc = d.conns[i]
			return true
		}
		return false
	})
	return fc
}

func (d *fakeDaemon) connCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.conns)
}

// waitLines waits until the connection received n lines and returns them.
func (fc *fakeConn) waitLines(t *testing.T, n int) []string {
	t.Helper()
	var got []string
	eventually(t, "lines at the daemon", func() bool {
		fc.mu.Lock()
		defer fc.mu.Unlock()
		got = slices.Clone(fc.lines)
		return len(got) >= n
	})
	return got
}

func (fc *fakeConn) isClosed() bool {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	return fc.closed
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// relayClient is the client side of a relay under test: it writes the
// relay's stdin and reads its stdout.
type relayClient struct {
	in    *io.PipeWriter
	lines chan string // the relay's stdout, line by line
	done  chan error  // Relay's result
	outR  *io.PipeReader
}

func startRelay(t *testing.T, d *fakeDaemon, opts RelayOptions) *relayClient {
	t.Helper()
	return startRelayCtx(t, context.Background(), d, opts)
}

func startRelayCtx(t *testing.T, ctx context.Context, d *fakeDaemon, opts RelayOptions) *relayClient {
	t.Helper()
	if opts.Dial == nil {
		opts.Dial = d.dial
	}
	if opts.Logger == nil {
		opts.Logger = testLogger(t)
	}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	rc := &relayClient{in: inW, lines: make(chan string, 1000), done: make(chan error, 1), outR: outR}
	go func() {
		err := Relay(ctx, inR, outW, opts)
		outW.Close()
		rc.done <- err
	}()
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		defer close(rc.lines)
		br := bufio.NewReader(outR)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			rc.lines <- line
		}
	}()
	t.Cleanup(func() {
		inW.Close()
		inR.Close()
		outR.Close()
		<-readerDone
	})
	return rc
}

func (rc *relayClient) send(t *testing.T, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if _, err := io.WriteString(rc.in, l+"\n"); err != nil {
			t.Fatalf("writing to the relay: %v", err)
		}
	}
}

// next returns the relay's next stdout line.
func (rc *relayClient) next(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-rc.lines:
		if !ok {
			t.Fatal("the relay's stdout ended")
		}
		return l
	case <-time.After(5 * time.Second):
		t.Fatal("timed out waiting for a line from the relay")
	}
	return ""
}

// quiet checks that the relay writes nothing for a moment.
func (rc *relayClient) quiet(t *testing.T) {
	t.Helper()
	select {
	case l := <-rc.lines:
		t.Fatalf("unexpected line from the relay: %s", l)
	case <-time.After(50 * time.Millisecond):
	}
}

func (rc *relayClient) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-rc.done:
		return err
	case <-time.After(15 * time.Second):
		t.Fatal("Relay did not return")
	}
	return nil
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

const (
	initReq     = `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{"roots":{}},"clientInfo":{"name":"test","version":"1"}}}`
	initialized = `{"jsonrpc":"2.0","method":"notifications/initialized"}`
	restartMsg  = "the godot-mcp-router daemon restarted during this call; please retry"
)

// handshake initializes the session through the relay.
func handshake(t *testing.T, rc *relayClient) {
	t.Helper()
	rc.send(t, initReq)
	if l := rc.next(t); !strings.Contains(l, `"id":0,"result":{"protocolVersion"`) {
		t.Fatalf("initialize answer = %s", l)
	}
	rc.send(t, initialized)
}

type rpcAnswer struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  json.RawMessage `json:"result"`
	Error   *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func decodeAnswer(t *testing.T, line string) rpcAnswer {
	t.Helper()
	var a rpcAnswer
	if err := json.Unmarshal([]byte(line), &a); err != nil {
		t.Fatalf("relay wrote %q: %v", line, err)
	}
	if a.JSONRPC != "2.0" || len(a.ID) == 0 || (a.Result == nil) == (a.Error == nil) {
		t.Fatalf("not a JSON-RPC 2.0 response: %s", line)
	}
	return a
}

func TestRelayPassesLinesUnchanged(t *testing.T) {
	d := newFakeDaemon(t)
	rc := startRelay(t, d, RelayOptions{Hello: Hello{Version: "v9", WorkDir: "/w", ProjectDir: "/p", ProjectsPath: []string{"/a", "/b"}}})
	handshake(t, rc)
	fc := d.conn(t, 0)
	if want := (Hello{Relay: RelayProtocol, Op: "session", Version: "v9", WorkDir: "/w", ProjectDir: "/p", ProjectsPath: []string{"/a", "/b"}}); !reflect.DeepEqual(fc.hello, want) {
		t.Fatalf("hello = %+v, want %+v", fc.hello, want)
	}

	// Odd spacing, key order and escapes reach the daemon byte for byte.
	odd := ` { "method" : "tools/call", "params":{"name":"x","arguments":{"s":"\u00e9\n<&>"}} ,"id":"a\"b", "jsonrpc":"2.0" }`
	big := `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"blob":"` + strings.Repeat("x", 300<<10) + `"}}`
	note := `{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}}`
	rc.send(t, odd, big, note)
	got := fc.waitLines(t, 5)
	for i, want := range []string{initReq, initialized, odd, big, note} {
		if got[i] != want+"\n" {
			t.Fatalf("daemon line %d = %.200q, want %.200q", i, got[i], want)
		}
	}
	if l := rc.next(t); l != `{"jsonrpc":"2.0","id":"a\"b","result":{"echo":"tools/call"}}`+"\n" {
		t.Fatalf("answer = %s", l)
	}
	if l := rc.next(t); l != `{"jsonrpc":"2.0","id":5,"result":{"echo":"tools/call"}}`+"\n" {
		t.Fatalf("answer = %s", l)
	}

	// The daemon's requests and notifications reach the client unchanged,
	// and the client's answers the daemon.
	fromDaemon := []string{
		`{"id":"srv-1","jsonrpc":"2.0","method":"roots/list"}`,
		`{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"hé"}}`,
		`{"jsonrpc":"2.0","id":9,"error":{"code":-32601,"message":"unknown"}}`,
		`{ "result" : {"big":"` + strings.Repeat("y", 600<<10) + `"}, "id" : 10 , "jsonrpc":"2.0"}`,
	}
	for _, l := range fromDaemon {
		fc.write(l)
	}
	for _, want := range fromDaemon {
		if l := rc.next(t); l != want+"\n" {
			t.Fatalf("client got %.200q, want %.200q", l, want)
		}
	}
	answer := `{"jsonrpc":"2.0","id":"srv-1","result":{"roots":[{"uri":"file:///w"}]}}`
	rc.send(t, answer)
	if got := fc.waitLines(t, 6); got[5] != answer+"\n" {
		t.Fatalf("daemon got %s", got[5])
	}

	rc.in.Close()
	if err := rc.wait(t); err != nil {
		t.Fatalf("Relay = %v", err)
	}
}

func TestRelayReconnect(t *testing.T) {
	for _, tc := range []struct {
		name     string
		initDone bool // the client initialized before the break
	}{
		{"after initialize", true},
		{"before initialize", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newFakeDaemon(t)
			rc := startRelay(t, d, RelayOptions{})
			if tc.initDone {
				handshake(t, rc)
			}
			fc := d.conn(t, 0)
			sent := 0
			if tc.initDone {
				sent = 2
			}
			rc.send(t,
				`{"jsonrpc":"2.0","id":"a","method":"hang"}`,
				`{"jsonrpc":"2.0","id":7,"method":"hang"}`,
				`{"jsonrpc":"2.0","id":8,"method":"ping"}`) // answered before the break
			fc.waitLines(t, sent+3)
			if a := decodeAnswer(t, rc.next(t)); string(a.ID) != "8" {
				t.Fatalf("answer to %s", a.ID)
			}
			fc.c.Close() // the daemon goes away

			ids := map[string]bool{}
			for range 2 {
				a := decodeAnswer(t, rc.next(t))
				if a.Error == nil || a.Error.Code != -32603 || a.Error.Message != restartMsg {
					t.Fatalf("answer = %+v", a)
				}
				ids[string(a.ID)] = true
			}
			if !ids[`"a"`] || !ids["7"] {
				t.Fatalf("error answers for %v, want \"a\" and 7", ids)
			}

			fc2 := d.conn(t, 1)
			if fc2.hello.Op != "session" || fc2.hello.Relay != RelayProtocol {
				t.Fatalf("hello on reconnect = %+v", fc2.hello)
			}
			rc.send(t, `{"jsonrpc":"2.0","id":9,"method":"tools/list"}`)
			if a := decodeAnswer(t, rc.next(t)); string(a.ID) != "9" || a.Result == nil {
				t.Fatalf("answer after the reconnect = %+v", a)
			}
			var want []string
			if tc.initDone {
				want = []string{
					`{"id":"godot-mcp-router-relay-1","jsonrpc":"2.0","method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{"roots":{}},"clientInfo":{"name":"test","version":"1"}}}`,
					initialized,
				}
			}
			want = append(want, `{"jsonrpc":"2.0","id":9,"method":"tools/list"}`)
			got := fc2.waitLines(t, len(want))
			for i := range want {
				if got[i] != want[i]+"\n" {
					t.Fatalf("new daemon line %d = %s, want %s", i, got[i], want[i])
				}
			}
			rc.quiet(t) // the replayed initialize's answer is not passed on

			// A second break: the relay counts its own ids up.
			fc2.c.Close()
			fc3 := d.conn(t, 2)
			if tc.initDone {
				if got := fc3.waitLines(t, 1); !strings.Contains(got[0], `"id":"godot-mcp-router-relay-2"`) {
					t.Fatalf("second replay = %s", got[0])
				}
			}
			rc.send(t, `{"jsonrpc":"2.0","id":10,"method":"ping"}`)
			if a := decodeAnswer(t, rc.next(t)); string(a.ID) != "10" || a.Result == nil {
				t.Fatalf("answer after the second reconnect = %+v", a)
			}
			rc.in.Close()
			if err := rc.wait(t); err != nil {
				t.Fatalf("Relay = %v", err)
			}
		})
	}
}

// The daemon goes away while the client's initialize is unanswered: the new
// daemon gets it with the client's id and the client gets that answer.
func TestRelayReconnectDuringInitialize(t *testing.T) {
	d := newFakeDaemon(t)
	d.hangInit.Store(true)
	rc := startRelay(t, d, RelayOptions{})
	rc.send(t, initReq)
	fc := d.conn(t, 0)
	fc.waitLines(t, 1)
	d.hangInit.Store(false)
	fc.c.Close()
	if a := decodeAnswer(t, rc.next(t)); string(a.ID) != "0" || a.Result == nil {
		t.Fatalf("initialize answer = %+v", a)
	}
	if got := d.conn(t, 1).waitLines(t, 1); got[0] != initReq+"\n" {
		t.Fatalf("new daemon got %s", got[0])
	}
	rc.quiet(t)
}

// Lines the client writes while the relay reconnects reach the new daemon
// after the replay, in order, and are answered normally.
func TestRelayQueuesDuringReconnect(t *testing.T) {
	d := newFakeDaemon(t)
	gate := make(chan struct{})
	var dials atomic.Int32
	dialing := make(chan struct{}, 10)
	opts := RelayOptions{Dial: func() (net.Conn, error) {
		if dials.Add(1) > 1 {
			dialing <- struct{}{}
			<-gate
		}
		return d.dial()
	}}
	opts.Logger = testLogger(t)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	defer inW.Close()
	r, err := newRelay(outW, opts)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.run(context.Background(), inR) }()
	lines := make(chan string, 100)
	go func() {
		br := bufio.NewReader(outR)
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				close(lines)
				return
			}
			lines <- l
		}
	}()
	rc := &relayClient{in: inW, lines: lines}
	handshake(t, rc)
	fc := d.conn(t, 0)
	fc.waitLines(t, 2)
	fc.c.Close()
	select {
	case <-dialing:
	case <-time.After(5 * time.Second):
		t.Fatal("no reconnect")
	}

	gap := []string{
		`{"jsonrpc":"2.0","id":1,"method":"one"}`,
		`{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}`,
		`{"jsonrpc":"2.0","id":"two","method":"two"}`,
		`{"jsonrpc":"2.0","id":3,"method":"three"}`,
	}
	rc.send(t, gap...)
	eventually(t, "queued lines", func() bool {
		r.sendMu.Lock()
		defer r.sendMu.Unlock()
		return len(r.queue) == len(gap)
	})
	close(gate)

	for _, want := range []string{"1", `"two"`, "3"} {
		if a := decodeAnswer(t, rc.next(t)); string(a.ID) != want || a.Result == nil {
			t.Fatalf("answer = %+v, want a result for %s", a, want)
		}
	}
	got := d.conn(t, 1).waitLines(t, 2+len(gap))
	if !strings.Contains(got[0], `"method":"initialize"`) || got[1] != initialized+"\n" {
		t.Fatalf("replay = %v", got[:2])
	}
	for i, want := range gap {
		if got[2+i] != want+"\n" {
			t.Fatalf("line %d after the replay = %s, want %s", i, got[2+i], want)
		}
	}
	inW.Close()
	if err := <-done; err != nil {
		t.Fatalf("Relay = %v", err)
	}
	outR.Close()
}

// failingConn fails its writes once told to: nothing written, or half.
type failingConn struct {
	net.Conn
	fail    atomic.Bool
	partial bool
}

func (c *failingConn) Write(b []byte) (int, error) {
	if !c.fail.Load() {
		return c.Conn.Write(b)
	}
	n := 0
	if c.partial {
		n, _ = c.Conn.Write(b[:len(b)/2])
	}
	c.Conn.Close()
	return n, errors.New("broken pipe (test)")
}

// A request whose write to a dead daemon failed before any byte went out
// is sent to the next daemon and answered; one cut short in the middle is
// in flight, so it gets the restart error.
func TestRelayWriteFails(t *testing.T) {
	for _, tc := range []struct {
		name    string
		partial bool
	}{{"nothing written", false}, {"half written", true}} {
		t.Run(tc.name, func(t *testing.T) {
			d := newFakeDaemon(t)
			var first atomic.Pointer[failingConn]
			rc := startRelay(t, d, RelayOptions{Dial: func() (net.Conn, error) {
				c, err := d.dial()
				if err == nil && first.Load() == nil {
					fc := &failingConn{Conn: c, partial: tc.partial}
					first.Store(fc)
					return fc, nil
				}
				return c, err
			}})
			handshake(t, rc)
			d.conn(t, 0).waitLines(t, 2)
			first.Load().fail.Store(true)
			rc.send(t, `{"jsonrpc":"2.0","id":5,"method":"ping"}`)
			a := decodeAnswer(t, rc.next(t))
			if string(a.ID) != "5" || (a.Error != nil) != tc.partial {
				t.Fatalf("answer = %s %s %+v", a.ID, a.Result, a.Error)
			}
			if tc.partial && (a.Error.Code != -32603 || a.Error.Message != restartMsg) {
				t.Fatalf("error = %+v", a.Error)
			}
			got := d.conn(t, 1).waitLines(t, 2)
			if !strings.Contains(got[0], `"godot-mcp-router-relay-1"`) || got[1] != initialized+"\n" {
				t.Fatalf("replay = %v", got)
			}
		})
	}
}

// A client that stops reading its stdout does not keep Relay from
// returning when ctx ends.
func TestRelayContextEndsWithStuckClient(t *testing.T) {
	d := newFakeDaemon(t)
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		inW.Close()
		inR.Close()
		outR.Close()
		outW.Close()
	}()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Relay(ctx, inR, outW, RelayOptions{Dial: d.dial, Logger: testLogger(t)}) }()
	fc := d.conn(t, 0)
	note := `{"jsonrpc":"2.0","method":"notifications/message","params":{"data":"` + strings.Repeat("z", 8<<10) + `"}}`
	go func() {
		for range 100 { // far more than a pipe holds
			if !fc.write(note) {
				return
			}
		}
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Relay = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Relay did not return")
	}
}

func TestRelayHelloRefused(t *testing.T) {
	d := newFakeDaemon(t)
	reason := "relay protocol 1; this daemon speaks 2"
	d.refuse.Store(&reason)
	rc := startRelay(t, d, RelayOptions{})
	err := rc.wait(t)
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), reason) {
		t.Fatalf("Relay = %v, want ErrRefused with %q", err, reason)
	}
}

func TestRelayReconnectGivesUp(t *testing.T) {
	for _, tc := range []struct {
		name   string
		break_ func(d *fakeDaemon)
		want   string
	}{
		{"no daemon", func(d *fakeDaemon) { d.ln.Close() }, "connecting to the godot-mcp-router daemon"},
		{"hello refused", func(d *fakeDaemon) {
			reason := "draining"
			d.refuse.Store(&reason)
		}, "draining"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newFakeDaemon(t)
			rc := startRelay(t, d, RelayOptions{reconnectFor: 300 * time.Millisecond})
			handshake(t, rc)
			rc.send(t, `{"jsonrpc":"2.0","id":1,"method":"hang"}`)
			fc := d.conn(t, 0)
			fc.waitLines(t, 3)
			tc.break_(d)
			start := time.Now()
			fc.c.Close()
			if a := decodeAnswer(t, rc.next(t)); a.Error == nil || a.Error.Code != -32603 {
				t.Fatalf("answer = %+v", a)
			}
			err := rc.wait(t)
			if err == nil || !strings.Contains(err.Error(), "gave up") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Relay = %v", err)
			}
			if took := time.Since(start); took > 3*time.Second {
				t.Fatalf("gave up after %s", took)
			}
		})
	}
}

// A refused hello during a reconnect is a failed attempt, not the end.
func TestRelayReconnectRetriesRefusal(t *testing.T) {
	d := newFakeDaemon(t)
	rc := startRelay(t, d, RelayOptions{})
	handshake(t, rc)
	reason := "starting"
	d.refuse.Store(&reason)
	d.conn(t, 0).c.Close()
	time.Sleep(120 * time.Millisecond) // two or three refused attempts
	d.refuse.Store(nil)
	rc.send(t, `{"jsonrpc":"2.0","id":1,"method":"ping"}`)
	if a := decodeAnswer(t, rc.next(t)); string(a.ID) != "1" || a.Result == nil {
		t.Fatalf("answer = %+v", a)
	}
}

func TestRelayClientEOF(t *testing.T) {
	d := newFakeDaemon(t)
	base := runtime.NumGoroutine()
	rc := startRelay(t, d, RelayOptions{})
	handshake(t, rc)
	rc.send(t, `{"jsonrpc":"2.0","id":1,"method":"hang"}`)
	fc := d.conn(t, 0)
	fc.waitLines(t, 3)
	rc.in.Close()
	if err := rc.wait(t); err != nil {
		t.Fatalf("Relay = %v", err)
	}
	eventually(t, "the daemon connection closed", fc.isClosed)
	rc.outR.Close()
	// The relay's goroutines and the fake daemon's for this connection end.
	eventually(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= base })
}

func TestRelayContextEnds(t *testing.T) {
	d := newFakeDaemon(t)
	ctx, cancel := context.WithCancel(context.Background())
	rc := startRelayCtx(t, ctx, d, RelayOptions{})
	handshake(t, rc)
	fc := d.conn(t, 0)
	cancel()
	if err := rc.wait(t); err != nil {
		t.Fatalf("Relay = %v", err)
	}
	eventually(t, "the daemon connection closed", fc.isClosed)
	// The client's line after the end goes nowhere.
	rc.send(t, `{"jsonrpc":"2.0","id":1,"method":"ping"}`)
	if _, ok := <-rc.lines; ok {
		t.Fatal("the relay wrote after returning")
	}
}

func TestRelayBadClientInput(t *testing.T) {
	d := newFakeDaemon(t)
	rc := startRelay(t, d, RelayOptions{MaxLine: 1000})
	handshake(t, rc)
	pad := strings.Repeat("x", 5000)
	for _, tc := range []struct {
		name string
		line string
		want string // the id of the -32600 answer; "" for none
	}{
		{"id first", `{"jsonrpc":"2.0","id":41,"method":"tools/call","params":{"s":"` + pad + `"}}`, "41"},
		{"id last", `{"method":"tools/call","params":{"s":"` + pad + `"},"jsonrpc":"2.0","id":"last"}`, `"last"`},
		{"id after nested", `{"method":"x","params":{"a":[1,{"id":3}],"s":"` + pad + `"},"id":42}`, "42"},
		{"id in a string only", `{"method":"x","params":{"s":"` + pad + `\",\"id\":5"}}`, ""},
		{"no id", `{"jsonrpc":"2.0","method":"notifications/progress","params":{"s":"` + pad + `"}}`, ""},
		{"response", `{"jsonrpc":"2.0","id":"srv-1","result":{"s":"` + pad + `"}}`, ""},
		{"response id last", `{"result":{"s":"` + pad + `"},"jsonrpc":"2.0","id":"srv-2"}`, ""},
		{"not JSON", strings.Repeat("{[", 3000), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc.send(t, tc.line)
			if tc.want != "" {
				a := decodeAnswer(t, rc.next(t))
				if string(a.ID) != tc.want || a.Error == nil || a.Error.Code != -32600 || !strings.HasPrefix(a.Error.Message, "message larger than ") {
					t.Fatalf("answer = %+v", a)
				}
			}
			// The session carries on.
			rc.send(t, `{"jsonrpc":"2.0","id":"after","method":"ping"}`)
			if a := decodeAnswer(t, rc.next(t)); string(a.ID) != `"after"` || a.Result == nil {
				t.Fatalf("answer after = %+v", a)
			}
		})
	}
	// Malformed lines go to the daemon, which answers them.
	for _, l := range []string{`{not json`, `[1,2]`, `{"id":{"a":1},"method":"x"}`, "\x00\xff", `   `} {
		rc.send(t, l)
	}
	for _, want := range []string{"null", "null", `{"a":1}`, "null"} {
		if a := decodeAnswer(t, rc.next(t)); string(a.ID) != want {
			t.Fatalf("answer = %+v, want id %s", a, want)
		}
	}
	// The request with an object id was not tracked: a break answers
	// nothing for it.
	d.conn(t, 0).c.Close()
	d.conn(t, 1)
	rc.send(t, `{"jsonrpc":"2.0","id":"end","method":"ping"}`)
	if a := decodeAnswer(t, rc.next(t)); string(a.ID) != `"end"` {
		t.Fatalf("answer = %+v", a)
	}
}

func TestSniffID(t *testing.T) {
	for _, tc := range []struct {
		head, tail string
		id         string
		response   bool
	}{
		{`{"jsonrpc":"2.0","id":1,"method":"x","params":{"a":"`, ``, "1", false},
		{`{"id":"a\"b","method":"x`, ``, `"a\"b"`, false},
		{`{"jsonrpc":"2.0","id":1,"result":{"a":"`, ``, "", true},
		{`{"error":{`, ``, "", true},
		{`{"method":"x","params":{"a":"`, `xxxx"},"id": -12 }` + "\n", "-12", false},
		{`{"method":"x","params":{"a":"`, `xx","id":"q"}}` + "\n", "", false},
		{`{"method":"x","params":{"a":"`, `x\"id\":3}`, "", false},
		{`{"method":"x","params":{"a":"`, `x","id":{"o":1}}`, "", false},
		{`[`, `"id":1}`, "", false},
		{``, ``, "", false},
	} {
		id, resp := sniffID([]byte(tc.head), []byte(tc.tail))
		if string(id) != tc.id || resp != tc.response {
			t.Errorf("sniffID(%q, %q) = %s, %v; want %s, %v", tc.head, tc.tail, id, resp, tc.id, tc.response)
		}
	}
}

func TestResponseKey(t *testing.T) {
	for _, tc := range []struct{ line, key string }{
		{`{"jsonrpc":"2.0","id":12,"result":{}}`, "12"},
		{`{"jsonrpc":"2.0","id":"a","error":{"code":1,"message":"m"}}`, `"a"`},
		{`{"jsonrpc":"2.0","id":"a<b","result":{}}`, `"a\u003cb"`},
		{`{"jsonrpc":"2.0","id":"\u0041","result":{}}`, `"A"`},
		{`{"result":{},"id":3,"jsonrpc":"2.0"}`, "3"},
		{`{"jsonrpc":"2.0","method":"notifications/message","params":{}}`, ""},
		{`{"id":"srv-1","jsonrpc":"2.0","method":"roots/list"}`, ""},
		{`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}`, ""},
		{`not json`, ""},
	} {
		if got := string(responseKey([]byte(tc.line))); got != tc.key {
			t.Errorf("responseKey(%s) = %q, want %q", tc.line, got, tc.key)
		}
	}
	// Both sides keep the same key for an id that is escaped differently.
	if k := idKey([]byte(`"a<b"`)); k != `"a\u003cb"` {
		t.Errorf("idKey = %s", k)
	}
}

// FuzzRelayClientLines feeds arbitrary client bytes through the relay: no
// panic, no hang, and stdout carries JSON lines only.
func FuzzRelayClientLines(f *testing.F) {
	f.Add([]byte(initReq + "\n" + initialized + "\n"))
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"method":"drop"}` + "\n" + `{"jsonrpc":"2.0","id":2,"method":"ping"}`))
	f.Add([]byte(`{"method":"x","params":{"s":"` + strings.Repeat("x", 300) + `"},"id":"z"}`))
	f.Add([]byte("{not json\n\n\r\n[1]\n"))
	f.Add([]byte(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}`))
	d := newFakeDaemon(f)
	d.forget.Store(true)
	f.Fuzz(func(t *testing.T, data []byte) {
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		done := make(chan error, 1)
		go func() {
			done <- Relay(context.Background(), inR, outW, RelayOptions{Dial: d.dial, MaxLine: 256, Logger: slog.New(slog.DiscardHandler)})
			outW.Close()
		}()
		wrote := make(chan struct{})
		go func() {
			defer close(wrote)
			inW.Write(data)
			inW.Write([]byte("\n" + `{"jsonrpc":"2.0","id":"fuzz-end","method":"ping"}` + "\n"))
		}()
		br := bufio.NewReader(outR)
		timeout := time.AfterFunc(10*time.Second, func() { outR.CloseWithError(errors.New("timed out")) })
		defer timeout.Stop()
		for {
			line, err := br.ReadBytes('\n')
			if err != nil {
				t.Fatalf("no answer to the last request: %v", err)
			}
			if !json.Valid(line) {
				t.Fatalf("relay wrote a line that is not JSON: %q", line)
			}
			if bytes.Contains(line, []byte(`"fuzz-end"`)) {
				break
			}
		}
		<-wrote
		inW.Close()
		go io.Copy(io.Discard, outR)
		if err := <-done; err != nil {
			t.Fatalf("Relay = %v", err)
		}
		outR.Close()
	})
}

// The benchmarks compare a round trip through the relay with one straight
// to the fake daemon; the difference is what the relay adds. Both use OS
// pipes for the client, as a stdio client does.
func BenchmarkRelayRoundTrip(b *testing.B) {
	d := newFakeDaemon(b)
	inR, inW, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- Relay(context.Background(), inR, outW, RelayOptions{Dial: d.dial, Logger: slog.New(slog.DiscardHandler)})
		outW.Close()
	}()
	benchRoundTrips(b, inW, outR)
	inW.Close()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	inR.Close()
	outR.Close()
}

func BenchmarkDirectRoundTrip(b *testing.B) {
	d := newFakeDaemon(b)
	c, err := d.dial()
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	c.Write([]byte(`{"relay":1,"op":"session"}` + "\n"))
	if _, err := br.ReadSlice('\n'); err != nil {
		b.Fatal(err)
	}
	benchRoundTrips(b, c, br)
}

func benchRoundTrips(b *testing.B, w io.Writer, r io.Reader) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReader(r)
	}
	req := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ping","arguments":{}}}` + "\n")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := w.Write(req); err != nil {
			b.Fatal(err)
		}
		if _, err := br.ReadSlice('\n'); err != nil {
			b.Fatal(err)
		}
	}
}
