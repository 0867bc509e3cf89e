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
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/instance/mcpconn"
)

// The relay: what `godot-mcp-router` runs on a client's stdio when a daemon
// serves the sessions (issue 5). It passes JSON-RPC lines both ways without
// re-encoding them, and keeps just enough of the session to survive a daemon
// restart: the client's initialize and initialized messages, and the ids of
// the requests the daemon has not answered yet.

// RelayProtocol is the version of the hello exchange and of what follows it.
const RelayProtocol = 1

// Hello is the first line a relay (or the status and stop commands) sends on
// a daemon connection.
type Hello struct {
	Relay      int    `json:"relay"`       // RelayProtocol
	Op         string `json:"op"`          // "session", "status", "stop"
	Version    string `json:"version"`     // the sender's build version
	WorkDir    string `json:"workdir"`     // the client's working directory
	ProjectDir string `json:"project_dir"` // the client's CLAUDE_PROJECT_DIR, if set
	// ProjectsPath is the client's GODOT_PROJECTS_PATH, split.
	ProjectsPath []string `json:"projects_path,omitempty"`
	Build        int64    `json:"build,omitempty"` // the sender's BuildStamp
}

// HelloReply is the daemon's one-line answer to a Hello.
type HelloReply struct {
	OK      bool   `json:"ok"`
	Relay   int    `json:"relay,omitempty"`   // the daemon's RelayProtocol
	Version string `json:"version,omitempty"` // the daemon's build version
	PID     int    `json:"pid,omitempty"`
	Build   int64  `json:"build,omitempty"` // the daemon's BuildStamp
	Error   string `json:"error,omitempty"` // why, when OK is false
}

// ErrNoDaemon is wrapped by the error Relay returns when its first
// connection failed: nothing has been read from the client yet, so the
// caller may serve the session itself instead.
var ErrNoDaemon = errors.New("no godot-mcp-router daemon to relay to")

// ErrRefused is wrapped by the error Relay returns when the daemon answers
// the hello with ok=false; the daemon's reason follows it.
var ErrRefused = errors.New("the godot-mcp-router daemon refused the session")

// RelayOptions configure a relay. Dial is required; for the rest the zero
// value means the defaults.
type RelayOptions struct {
	// Dial connects to the daemon, starting one if none answers. It is
	// called again, with a short backoff, to reconnect after the daemon
	// connection breaks.
	Dial func() (net.Conn, error)
	// Hello is sent first on every connection. A zero Relay means
	// RelayProtocol, an empty Op means "session".
	Hello Hello
	// Logger receives what happens to the connection; nil discards it.
	// Logs never go to out.
	Logger *slog.Logger
	// MaxLine bounds one message from the client; longer ones are refused
	// (answered with an error when their id can be found). 0 means
	// mcpconn.DefaultMaxMessageBytes (16 MiB), as for the router's own
	// sessions.
	MaxLine int

	// For tests: 0 means the defaults below.
	reconnectFor time.Duration // how long to keep trying to reconnect
	answerWait   time.Duration // bound on the hello answer and the replayed initialize's answer
}

const (
	relayReconnectFor = 30 * time.Second // longer than a daemon's own shutdown (snapshots 3 s, instance stop 5 s)
	relayAnswerWait   = 5 * time.Second
	relayFirstBackoff = 50 * time.Millisecond
	relayMaxBackoff   = time.Second

	relayClientBuffer = 64 << 10  // bufio size for the client's lines
	relayDaemonBuffer = 256 << 10 // bufio size for the daemon's lines (tool results)
	relayMaxHelloLine = 64 << 10  // bound on the daemon's hello answer
	relayKeepBuffer   = 1 << 20   // a line buffer larger than this is not kept for the next line
	// relayMaxDaemonLine bounds one line from the daemon. Tool results are
	// bounded far below it; a longer line means a broken daemon.
	relayMaxDaemonLine = 64 << 20

	// sniffHead and sniffTail: how much of an oversized line is kept to look
	// for its id. Go clients put the id first, TypeScript ones last.
	sniffHead = 4 << 10
	sniffTail = 256

	// replayIDPrefix names the relay's own initialize requests, so their
	// answers can be told from the client's.
	replayIDPrefix = "godot-mcp-router-relay-"

	restartedError = `,"error":{"code":-32603,"message":"the godot-mcp-router daemon restarted during this call; please retry"}}` + "\n"
)

// errStopped ends a reconnect because the relay is ending (client gone,
// ctx done).
var errStopped = errors.New("relay stopped")

// Relay passes MCP messages between a client (in and out: the relay's stdin
// and stdout) and the daemon that opts.Dial connects to, until in reaches
// EOF or ctx ends; both return nil. It returns an error when the first
// connection fails or the daemon refuses the hello (ErrRefused), when
// reconnecting after a break gives up (after about 10 s), or when out
// cannot be written.
//
// Nothing is read from in before the daemon has accepted the hello, so after
// an error on the first connection the caller may still serve in itself.
//
// When the daemon connection breaks, the requests it had not answered get a
// JSON-RPC error (-32603, "retry"), and the relay reconnects, replays the
// client's initialize (under an id of its own, whose answer the client never
// sees) and initialized, then sends what the client wrote in the meantime, in
// order.
//
// A read of in cannot be interrupted: when ctx ends, Relay closes the daemon
// connection and returns without waiting for the goroutine reading in, which
// ends at in's next EOF or error and writes nothing more. A write to out
// blocked by a client that stopped reading is interrupted when out has
// SetWriteDeadline (a pipe or socket *os.File); the deadline is left set.
func Relay(ctx context.Context, in io.Reader, out io.Writer, opts RelayOptions) error {
	r, err := newRelay(out, opts)
	if err != nil {
		return err
	}
	return r.run(ctx, in)
}

// relay is one client's connection to the daemon.
type relay struct {
	opts RelayOptions
	log  *slog.Logger
	out  io.Writer

	outMu   sync.Mutex // guards writes to out and outDone: one line at a time
	outDone bool       // out failed or Relay returned: nothing more is written

	endOnce sync.Once
	ended   chan struct{} // closed when the client side ends (EOF, read or write error)
	endErr  error         // why; nil for EOF. Written before ended closes.

	// sendMu is held while a client line is written to the daemon, so that
	// lines keep their order across a reconnect. The daemon's read loop never
	// takes it: a blocked write cannot block the answers that unblock it.
	sendMu      sync.Mutex
	conn        net.Conn  // where client lines go; nil while (re)connecting
	queue       []pending // client lines held while conn is nil, in order
	closed      bool      // Relay returned: client lines are dropped
	init        []byte    // the client's last initialize request sent to a daemon
	initKey     string    // its id
	initialized []byte    // the client's last notifications/initialized sent

	idsMu    sync.Mutex          // guards inflight
	inflight map[string]struct{} // ids (raw JSON) of client requests the daemon has not answered

	replays int // numbers the replayed initialize requests; only run's goroutine uses it
}

// pending is a client line on its way to the daemon.
type pending struct {
	line []byte
	key  string  // request id as raw JSON; "" when the line is no request
	kind msgKind // initialize and initialized are kept for a replay
}

type msgKind uint8

const (
	msgOther msgKind = iota
	msgInitialize
	msgInitialized
)

// daemonConn is one connection to the daemon and its read loop.
type daemonConn struct {
	c     net.Conn
	br    *bufio.Reader
	reply HelloReply

	watch    string        // id of a replayed initialize; its answer closes replayed
	drop     bool          // the answer to watch is the relay's own: not passed on
	replayed chan struct{} // closed when the answer to watch arrives
	done     chan struct{} // closed when the read loop ends
	err      error         // why it ended; written before done closes
}

func newRelay(out io.Writer, opts RelayOptions) (*relay, error) {
	if opts.Dial == nil {
		return nil, errors.New("relay: no Dial function")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxLine <= 0 {
		opts.MaxLine = mcpconn.DefaultMaxMessageBytes
	}
	if opts.Hello.Relay == 0 {
		opts.Hello.Relay = RelayProtocol
	}
	if opts.Hello.Op == "" {
		opts.Hello.Op = "session"
	}
	if opts.reconnectFor <= 0 {
		opts.reconnectFor = relayReconnectFor
	}
	if opts.answerWait <= 0 {
		opts.answerWait = relayAnswerWait
	}
	return &relay{
		opts:     opts,
		log:      opts.Logger,
		out:      out,
		ended:    make(chan struct{}),
		inflight: map[string]struct{}{},
	}, nil
}

func (r *relay) run(ctx context.Context, in io.Reader) error {
	if err := ctx.Err(); err != nil {
		return nil
	}
	dc, err := r.connect()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNoDaemon, err)
	}
	r.log.Debug("relay connected", "daemon_pid", dc.reply.PID, "daemon_version", dc.reply.Version)
	if err := r.resume(ctx, dc, &replay{}); err != nil {
		r.drop(dc)
		return fmt.Errorf("%w: %w", ErrNoDaemon, err)
	}
	go r.readClient(in)

	for {
		select {
		case <-ctx.Done():
			r.shutdown(dc)
			return nil
		case <-r.ended:
			r.shutdown(dc)
			return r.endErr
		case <-dc.done:
			// The client may have left at the same moment: then there is
			// nothing to reconnect for.
			select {
			case <-r.ended:
				r.shutdown(dc)
				return r.endErr
			default:
			}
			dc, err = r.reconnect(ctx, dc)
			switch {
			case errors.Is(err, errStopped):
				r.shutdown(nil)
				if ctx.Err() != nil {
					return nil
				}
				return r.endErr
			case err != nil:
				r.shutdown(nil)
				return err
			}
		}
	}
}

// shutdown closes the daemon connection, waits for its read loop and stops
// all further writes to the daemon and to out.
func (r *relay) shutdown(dc *daemonConn) {
	// A client that stopped reading must not keep the read loop in a write
	// to out forever; a write that can proceed is not cut short.
	if d, ok := r.out.(interface{ SetWriteDeadline(time.Time) error }); ok {
		d.SetWriteDeadline(time.Now())
	}
	if dc != nil {
		r.drop(dc)
	}
	r.sendMu.Lock()
	r.closed = true
	r.conn = nil
	r.queue = nil
	r.sendMu.Unlock()
	r.outMu.Lock()
	r.outDone = true
	r.outMu.Unlock()
}

// drop closes a connection and waits for its read loop, if it runs.
func (r *relay) drop(dc *daemonConn) {
	dc.c.Close()
	if dc.done != nil {
		<-dc.done
	}
}

// end records that the client side is gone; the first reason wins.
func (r *relay) end(err error) {
	r.endOnce.Do(func() {
		r.endErr = err
		close(r.ended)
	})
}

// connect dials the daemon and exchanges the hello.
func (r *relay) connect() (*daemonConn, error) {
	c, err := r.opts.Dial()
	if err != nil {
		return nil, fmt.Errorf("connecting to the godot-mcp-router daemon: %w", err)
	}
	dc := &daemonConn{c: c, br: bufio.NewReaderSize(c, relayDaemonBuffer)}
	if err := r.hello(dc); err != nil {
		c.Close()
		return nil, err
	}
	return dc, nil
}

func (r *relay) hello(dc *daemonConn) error {
	b, err := json.Marshal(r.opts.Hello)
	if err != nil {
		return fmt.Errorf("encoding the hello: %w", err)
	}
	dc.c.SetDeadline(time.Now().Add(r.opts.answerWait))
	if _, err := dc.c.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("sending the hello to the daemon: %w", err)
	}
	lr := lineReader{br: dc.br, max: relayMaxHelloLine}
	line, tooLong, err := lr.next()
	if tooLong {
		return fmt.Errorf("the daemon's hello answer is over %d bytes", relayMaxHelloLine)
	}
	if err != nil {
		return fmt.Errorf("reading the daemon's hello answer: %w", err)
	}
	dc.c.SetDeadline(time.Time{})
	if err := json.Unmarshal(line, &dc.reply); err != nil {
		return fmt.Errorf("reading the daemon's hello answer %q: %w", truncate(line, 200), err)
	}
	if !dc.reply.OK {
		reason := dc.reply.Error
		if reason == "" {
			reason = "no reason given"
		}
		return fmt.Errorf("%w: %s", ErrRefused, reason)
	}
	return nil
}

// replay is what a new connection must be told before the client's queued
// lines: the session's state as the previous connection had it.
type replay struct {
	init        []byte
	initKey     string
	initPending bool // the client's initialize was not answered: resend it as is
	initialized []byte
}

// reconnect fails the requests the broken connection had not answered, then
// connects again and replays the session, for up to reconnectFor.
func (r *relay) reconnect(ctx context.Context, old *daemonConn) (*daemonConn, error) {
	r.drop(old)
	rp, lost := r.detach()
	r.log.Warn("connection to the godot-mcp-router daemon lost; reconnecting",
		"err", old.err, "failed_calls", len(lost))
	for _, key := range lost {
		r.writeError(key, restartedError)
	}

	start := time.Now()
	backoff := relayFirstBackoff
	for attempt := 1; ; attempt++ {
		dc, err := r.connect()
		if err == nil {
			if err = r.resume(ctx, dc, &rp); err == nil {
				r.log.Info("reconnected to the godot-mcp-router daemon",
					"attempts", attempt, "took", time.Since(start).Round(time.Millisecond),
					"daemon_pid", dc.reply.PID, "daemon_version", dc.reply.Version)
				return dc, nil
			}
			r.drop(dc)
			if errors.Is(err, errStopped) {
				return nil, err
			}
		}
		left := r.opts.reconnectFor - time.Since(start)
		if left <= 0 {
			return nil, fmt.Errorf("reconnecting to the godot-mcp-router daemon: gave up after %d attempts in %s: %w",
				attempt, r.opts.reconnectFor, err)
		}
		r.log.Debug("reconnect attempt failed", "attempt", attempt, "err", err)
		t := time.NewTimer(min(backoff, left))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, errStopped
		case <-r.ended:
			t.Stop()
			return nil, errStopped
		}
		backoff = min(2*backoff, relayMaxBackoff)
	}
}

// detach stops sending to the broken connection (client lines queue from now
// on) and takes the requests it had not answered: the replay carries the
// client's initialize when that is one of them, the rest are returned.
func (r *relay) detach() (replay, []string) {
	r.sendMu.Lock()
	r.conn = nil
	rp := replay{init: r.init, initKey: r.initKey, initialized: r.initialized}
	r.sendMu.Unlock()

	r.idsMu.Lock()
	lost := make([]string, 0, len(r.inflight))
	for key := range r.inflight {
		if rp.init != nil && key == rp.initKey {
			rp.initPending = true
			continue
		}
		lost = append(lost, key)
	}
	clear(r.inflight)
	r.idsMu.Unlock()
	slices.Sort(lost)
	return rp, lost
}

// resume starts dc's read loop, tells the daemon what rp holds, waiting for
// the answer to initialize as a client would, then sends the queued client
// lines and makes dc the connection client lines go to.
func (r *relay) resume(ctx context.Context, dc *daemonConn, rp *replay) error {
	var initLine []byte
	if rp.init != nil {
		dc.replayed = make(chan struct{})
		if rp.initPending {
			// The client still waits for this answer: it gets the new
			// daemon's.
			initLine, dc.watch = rp.init, rp.initKey
			r.idsMu.Lock()
			r.inflight[rp.initKey] = struct{}{}
			r.idsMu.Unlock()
		} else {
			r.replays++
			id := strconv.AppendQuote(nil, replayIDPrefix+strconv.Itoa(r.replays))
			var err error
			if initLine, err = withID(rp.init, id); err != nil {
				return fmt.Errorf("replaying initialize: %w", err)
			}
			dc.watch, dc.drop = string(id), true
		}
	}
	dc.done = make(chan struct{})
	go r.readDaemon(dc)

	if initLine != nil {
		dc.c.SetWriteDeadline(time.Now().Add(r.opts.answerWait))
		if _, err := dc.c.Write(initLine); err != nil {
			return fmt.Errorf("replaying initialize: %w", err)
		}
		t := time.NewTimer(r.opts.answerWait)
		defer t.Stop()
		select {
		case <-dc.replayed:
			// The client has its answer now: a later attempt replays
			// under the relay's own id.
			rp.initPending = false
		case <-dc.done:
			return fmt.Errorf("replaying initialize: connection closed: %v", dc.err)
		case <-t.C:
			return fmt.Errorf("replaying initialize: no answer within %s", r.opts.answerWait)
		case <-ctx.Done():
			return errStopped
		case <-r.ended:
			return errStopped
		}
		if rp.initialized != nil {
			if _, err := dc.c.Write(rp.initialized); err != nil {
				return fmt.Errorf("replaying notifications/initialized: %w", err)
			}
		}
		dc.c.SetWriteDeadline(time.Time{})
	}

	r.sendMu.Lock()
	defer r.sendMu.Unlock()
	q := r.queue
	r.queue = nil
	r.conn = dc.c
	for i, p := range q {
		if !r.writeLocked(p, true) {
			// The read loop sees the closed connection; run reconnects
			// and sends the rest then.
			r.queue = append(r.queue, q[i+1:]...)
			break
		}
	}
	return nil
}

// withID returns a copy of the request line with its id replaced.
func withID(line []byte, id []byte) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(line, &m); err != nil {
		return nil, err
	}
	m["id"] = id
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// readClient passes the client's lines to the daemon until in ends.
func (r *relay) readClient(in io.Reader) {
	lr := lineReader{br: bufio.NewReaderSize(in, relayClientBuffer), max: r.opts.MaxLine}
	for {
		line, tooLong, err := lr.next()
		if tooLong {
			r.oversized(lr.head, lr.tail)
		} else if len(line) > 0 {
			r.fromClient(line)
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = nil
			} else {
				err = fmt.Errorf("reading from the client: %w", err)
			}
			r.end(err)
			return
		}
	}
}

func (r *relay) fromClient(line []byte) {
	if isBlank(line) {
		return
	}
	if line[len(line)-1] != '\n' { // the last line, at EOF
		line = append(line[:len(line):len(line)], '\n')
	}
	p := pending{line: line}
	var cancelled string
	p.key, p.kind, cancelled = classifyClient(line)

	r.sendMu.Lock()
	defer r.sendMu.Unlock()
	if r.closed {
		return
	}
	if cancelled != "" {
		// The daemon need not answer a cancelled request.
		r.idsMu.Lock()
		delete(r.inflight, cancelled)
		r.idsMu.Unlock()
	}
	if r.conn == nil {
		p.line = bytes.Clone(line)
		r.queue = append(r.queue, p)
		return
	}
	r.writeLocked(p, false)
}

// writeLocked sends p on r.conn; sendMu is held and r.conn is set. owned
// says whether p.line may be kept (else it is the read buffer). On failure
// the connection is closed (its read loop ends and run reconnects), r.conn
// is cleared and p, if the daemon got none of it, is queued for the next
// connection; it returns false.
func (r *relay) writeLocked(p pending, owned bool) bool {
	if p.key != "" {
		r.idsMu.Lock()
		r.inflight[p.key] = struct{}{}
		r.idsMu.Unlock()
	}
	n, err := r.conn.Write(p.line)
	if n > 0 && p.kind != msgOther {
		// Partly written counts as sent: the daemon may have acted on it.
		line := p.line
		if !owned {
			line = bytes.Clone(line)
		}
		if p.kind == msgInitialize {
			r.init, r.initKey = line, p.key
		} else {
			r.initialized = line
		}
	}
	if err == nil {
		return true
	}
	r.log.Debug("writing to the daemon", "err", err)
	r.conn.Close()
	r.conn = nil
	if n == 0 {
		if p.key != "" {
			r.idsMu.Lock()
			delete(r.inflight, p.key)
			r.idsMu.Unlock()
		}
		if !owned {
			p.line = bytes.Clone(p.line)
		}
		r.queue = append(r.queue, p)
	}
	return false
}

// classifyClient finds what the relay tracks in a client line: the id of a
// request, whether it is initialize or initialized, and the request a
// notifications/cancelled names. Lines it cannot read are passed on
// untracked: the daemon answers them as it would on stdio.
func classifyClient(line []byte) (key string, kind msgKind, cancelled string) {
	var env struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
	}
	if json.Unmarshal(line, &env) != nil || env.Method == "" {
		return "", msgOther, ""
	}
	if isID(env.ID) {
		key = idKey(env.ID)
	}
	switch {
	case env.Method == "initialize" && key != "":
		kind = msgInitialize
	case env.Method == "notifications/initialized" && key == "":
		kind = msgInitialized
	case env.Method == "notifications/cancelled" && key == "":
		var n struct {
			Params struct {
				RequestID json.RawMessage `json:"requestId"`
			} `json:"params"`
		}
		if json.Unmarshal(line, &n) == nil && isID(n.Params.RequestID) {
			cancelled = idKey(n.Params.RequestID)
		}
	}
	return key, kind, cancelled
}

// isID reports whether raw (a valid JSON value) is a JSON-RPC id the relay
// can answer: a string or a number.
func isID(raw json.RawMessage) bool {
	if len(raw) == 0 {
		return false
	}
	c := raw[0]
	return c == '"' || c == '-' || (c >= '0' && c <= '9')
}

// idKey is how a request id is kept: its raw JSON, except that a string
// with escapes or characters encoding/json escapes is written the way the
// daemon (mcp-go, encoding/json) writes it back in some of its answers.
func idKey(raw []byte) string {
	if raw[0] == '"' && simpleIDLen(raw) != len(raw) {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			b, _ := json.Marshal(s)
			return string(b)
		}
	}
	return string(raw)
}

// oversized answers a client line over MaxLine with an error, when its id
// can be found in the bytes kept of it; a response (to a request of the
// daemon) or a line without an id is dropped.
func (r *relay) oversized(head, tail []byte) {
	id, response := sniffID(head, tail)
	r.log.Warn("dropped a message from the client over the size limit",
		"limit", r.opts.MaxLine, "id", string(id), "response", response)
	if id != nil && !response {
		// The words the router's own sessions use (mcpconn), so a client
		// sees the same answer whichever serves it.
		r.writeError(string(id), fmt.Sprintf(`,"error":{"code":-32600,"message":"message larger than %d bytes"}}`+"\n", r.opts.MaxLine))
	}
}

// sniffID looks for the id of a line that was too long to keep: among the
// top-level members at its start, else as its last member. response reports
// a result or error member at the start.
func sniffID(head, tail []byte) (id json.RawMessage, response bool) {
	dec := json.NewDecoder(bytes.NewReader(head))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	for id == nil {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		key, ok := tok.(string)
		if !ok {
			break
		}
		switch key {
		case "result", "error":
			return nil, true
		case "id":
			var raw json.RawMessage
			if dec.Decode(&raw) != nil || !isID(raw) {
				return nil, false
			}
			id = raw
			continue
		}
		if !skipValue(dec) {
			break
		}
	}
	// A result or error after the id still makes it a response.
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		key, ok := tok.(string)
		if !ok {
			break
		}
		if key == "result" || key == "error" {
			return nil, true
		}
		if !skipValue(dec) {
			break
		}
	}
	if id != nil {
		return id, false
	}
	return tailID(tail), false
}

// skipValue reads one value's tokens.
func skipValue(dec *json.Decoder) bool {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			return true
		}
	}
}

// tailID finds an id written as the last member of the line's object
// (`..."id":7}`). In valid JSON that closing brace is the outer object's, so
// the member is a top-level one; a quote preceded by a backslash would be
// inside a string, hence the check on the byte before the key.
func tailID(tail []byte) json.RawMessage {
	t := bytes.TrimRight(tail, " \t\r\n")
	if len(t) == 0 || t[len(t)-1] != '}' {
		return nil
	}
	for end := len(t); ; {
		i := bytes.LastIndex(t[:end], []byte(`"id"`))
		if i <= 0 {
			return nil
		}
		end = i
		before := bytes.TrimRight(t[:i], " \t\r\n")
		if len(before) == 0 || (before[len(before)-1] != ',' && before[len(before)-1] != '{') {
			continue
		}
		var v struct {
			ID json.RawMessage `json:"id"`
		}
		obj := append([]byte{'{'}, t[i:]...)
		if json.Unmarshal(obj, &v) == nil && isID(v.ID) {
			return v.ID
		}
	}
}

// readDaemon passes the daemon's lines to the client until the connection
// ends, keeping track of the requests answered.
func (r *relay) readDaemon(dc *daemonConn) {
	defer close(dc.done)
	lr := lineReader{br: dc.br, max: relayMaxDaemonLine}
	for {
		line, tooLong, err := lr.next()
		if err != nil {
			// A last line without its newline is cut short: not passed on.
			dc.err = err
			return
		}
		if tooLong {
			r.log.Error("dropped a message from the daemon over the size limit", "limit", relayMaxDaemonLine)
			continue
		}
		if isBlank(line) {
			continue
		}
		if key := responseKey(line); key != nil {
			if dc.watch != "" && string(key) == dc.watch {
				select {
				case <-dc.replayed:
				default:
					close(dc.replayed)
				}
				if dc.drop {
					continue
				}
			}
			r.idsMu.Lock()
			delete(r.inflight, string(key))
			r.idsMu.Unlock()
		}
		r.writeOut(line)
	}
}

// Prefixes of the lines mcp-go writes: the fields in this order, no spaces.
var (
	prefixWithID     = []byte(`{"jsonrpc":"2.0","id":`)
	prefixWithMethod = []byte(`{"jsonrpc":"2.0","method":`)
	afterIDResult    = []byte(`,"result":`)
	afterIDError     = []byte(`,"error":`)
)

// responseKey returns the id of a response (raw JSON, aliasing line), or nil
// for a request or notification. The daemon is ours, so the lines it writes
// (mcp-go's field order) are recognised from their first bytes, without
// reading the rest: a tool result may be megabytes long.
func responseKey(line []byte) []byte {
	if rest, ok := bytes.CutPrefix(line, prefixWithID); ok {
		if n := simpleIDLen(rest); n > 0 {
			after := rest[n:]
			if bytes.HasPrefix(after, afterIDResult) || bytes.HasPrefix(after, afterIDError) {
				return rest[:n]
			}
		}
	} else if bytes.HasPrefix(line, prefixWithMethod) {
		return nil
	}
	var env struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
	}
	if json.Unmarshal(line, &env) != nil || env.Method != "" || !isID(env.ID) {
		return nil
	}
	return []byte(idKey(env.ID))
}

// simpleIDLen is the length of the id at the start of b when it is an
// integer or a string that encoding/json writes as it is (no escapes, ASCII,
// none of <>&); 0 otherwise.
func simpleIDLen(b []byte) int {
	if len(b) == 0 {
		return 0
	}
	if b[0] == '"' {
		for i := 1; i < len(b); i++ {
			switch c := b[i]; {
			case c == '"':
				return i + 1
			case c == '\\' || c == '<' || c == '>' || c == '&' || c < 0x20 || c >= 0x80:
				return 0
			}
		}
		return 0
	}
	i := 0
	if b[0] == '-' {
		i++
	}
	start := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i == start {
		return 0
	}
	return i
}

// writeError answers the request with id key with an error; tail is the
// rest of the line after the id.
func (r *relay) writeError(key, tail string) {
	b := make([]byte, 0, len(prefixWithID)+len(key)+len(tail))
	b = append(b, prefixWithID...)
	b = append(b, key...)
	b = append(b, tail...)
	r.writeOut(b)
}

// writeOut writes one line to the client. The first failure ends the relay:
// a client that cannot be written to is gone.
func (r *relay) writeOut(line []byte) {
	r.outMu.Lock()
	defer r.outMu.Unlock()
	if r.outDone {
		return
	}
	if _, err := r.out.Write(line); err != nil {
		r.outDone = true
		r.end(fmt.Errorf("writing to the client: %w", err))
	}
}

func isBlank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// lineReader reads newline-delimited messages with a bound on their size,
// reusing its buffers.
type lineReader struct {
	br   *bufio.Reader
	max  int
	buf  []byte // a line longer than br's buffer
	head []byte // the first bytes of the last line over max
	tail []byte // its last bytes
}

// next returns the next line, with its '\n' unless the stream ended first
// (then err is set too). The line is valid until the next call. A line over
// max bytes is skipped, tooLong is reported, and only lr.head and lr.tail
// are kept of it.
func (lr *lineReader) next() (line []byte, tooLong bool, err error) {
	if cap(lr.buf) > relayKeepBuffer {
		lr.buf = nil
	}
	lr.buf = lr.buf[:0]
	for first := true; ; first = false {
		chunk, err := lr.br.ReadSlice('\n')
		full := errors.Is(err, bufio.ErrBufferFull)
		switch {
		case tooLong:
			lr.tail = keepTail(lr.tail, chunk)
		case len(lr.buf)+len(chunk) > lr.max:
			tooLong = true
			lr.head = append(lr.head[:0], lr.buf[:min(len(lr.buf), sniffHead)]...)
			lr.head = append(lr.head, chunk[:min(len(chunk), sniffHead-len(lr.head))]...)
			lr.tail = keepTail(keepTail(lr.tail[:0], lr.buf), chunk)
			lr.buf = lr.buf[:0]
		case first && !full:
			return chunk, false, err // most lines: no copy
		default:
			lr.buf = append(lr.buf, chunk...)
		}
		if !full {
			if tooLong {
				return nil, true, err
			}
			return lr.buf, false, err
		}
	}
}

// keepTail appends b to tail, keeping the last sniffTail bytes.
func keepTail(tail, b []byte) []byte {
	if len(b) >= sniffTail {
		return append(tail[:0], b[len(b)-sniffTail:]...)
	}
	tail = append(tail, b...)
	if len(tail) > sniffTail {
		n := copy(tail, tail[len(tail)-sniffTail:])
		tail = tail[:n]
	}
	return tail
}
