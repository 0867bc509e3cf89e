// Package mcpconn serves an mcp-go MCPServer on one byte stream (stdio, a Unix
// socket connection) as a client session of its own.
//
// mcp-go's StdioServer serves exactly one package-level session per process,
// so every stream we serve (the router's stdio, each connection to an
// instance socket, later each daemon connection) goes through this package
// instead: it registers its own ClientSession with the server and feeds lines
// to MCPServer.HandleMessage.
package mcpconn

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Defaults for Options.
const (
	DefaultMaxMessageBytes = 16 << 20
	DefaultMaxInflight     = 64
)

// ErrSessionClosed is returned by requests the server sends to the client
// (roots/list) when the stream ends before the answer arrives.
var ErrSessionClosed = errors.New("mcp session closed")

// Interceptor may answer a request in place of the MCPServer: it returns the
// raw JSON result and true, or false to leave the request to the server. It
// runs on the request's own goroutine with the request's context, so
// notifications/cancelled reaches it.
type Interceptor func(ctx context.Context, s *Session, method string, params json.RawMessage) (json.RawMessage, bool)

// Options tunes a Session. The zero value means the defaults.
type Options struct {
	// Intercept, when set, sees every request before the server does.
	Intercept Interceptor
	// Logger receives transport problems (write errors, oversized lines).
	// nil discards them.
	Logger *slog.Logger
	// MaxMessageBytes bounds one JSON-RPC line; longer lines are answered
	// with an error and skipped. 0 means DefaultMaxMessageBytes.
	MaxMessageBytes int
	// MaxInflight bounds requests handled at once; the reader waits when it
	// is reached. 0 means DefaultMaxInflight.
	MaxInflight int
	// ID names the session; "" means a generated one.
	ID string
}

// Session is one client connection to an MCPServer.
type Session struct {
	srv    *server.MCPServer
	w      io.Writer
	log    *slog.Logger
	opts   Options
	id     string
	value  any
	notify chan mcp.JSONRPCNotification
	// barrier asks the notification writer to write every notification
	// queued so far, then close the channel sent; notifier is closed when
	// the writer has ended. See flushNotifications.
	barrier  chan chan struct{}
	notifier chan struct{}

	writeMu sync.Mutex // guards w: one JSON-RPC line at a time

	initialized atomic.Bool
	logLevel    atomic.Value // mcp.LoggingLevel
	clientInfo  atomic.Value // mcp.Implementation
	clientCaps  atomic.Value // mcp.ClientCapabilities
	protoVer    atomic.Value // string

	inflightMu sync.Mutex // guards inflight
	inflight   map[string]context.CancelFunc

	nextID    atomic.Int64
	pendingMu sync.Mutex // guards pending and closed
	pending   map[string]chan rpcResponse
	closed    bool
}

type rpcResponse struct {
	result json.RawMessage
	err    error
}

// New prepares a session of srv that writes to w. value is attached for the
// tool handlers to find with Value (the router keeps its per-client state
// there). Call Serve to run it.
func New(srv *server.MCPServer, w io.Writer, value any, opts Options) *Session {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if opts.MaxInflight <= 0 {
		opts.MaxInflight = DefaultMaxInflight
	}
	id := opts.ID
	if id == "" {
		id = "conn-" + rand.Text()[:12]
	}
	return &Session{
		srv:      srv,
		w:        w,
		log:      opts.Logger,
		opts:     opts,
		id:       id,
		value:    value,
		notify:   make(chan mcp.JSONRPCNotification, 256),
		barrier:  make(chan chan struct{}),
		notifier: make(chan struct{}),
		pending:  make(map[string]chan rpcResponse),
		inflight: make(map[string]context.CancelFunc),
	}
}

// FromContext returns the Session serving the request that ctx belongs to,
// or nil when ctx does not come from this package.
func FromContext(ctx context.Context) *Session {
	s, _ := server.ClientSessionFromContext(ctx).(*Session)
	return s
}

// Value returns what New attached to the session.
func (s *Session) Value() any { return s.value }

// Serve reads JSON-RPC lines from r until EOF, a read error or ctx ends.
// It runs once per Session.
// Requests run concurrently (bounded by MaxInflight); notifications run in
// order on the read loop. When Serve returns, every handler it started has
// returned and the session is unregistered. EOF is a normal end (nil).
func (s *Session) Serve(ctx context.Context, r io.Reader) error {
	if err := s.srv.RegisterSession(ctx, s); err != nil {
		return fmt.Errorf("registering session %s: %w", s.id, err)
	}
	defer s.srv.UnregisterSession(context.Background(), s.id)

	ctx, cancel := context.WithCancel(s.srv.WithContext(ctx, s))
	defer cancel()

	var handlers sync.WaitGroup
	notifyDone := s.notifier
	go func() {
		defer close(notifyDone)
		s.writeNotifications(ctx)
	}()

	sem := make(chan struct{}, s.opts.MaxInflight)
	br := bufio.NewReaderSize(r, 64<<10)
	var readErr error
	for {
		line, tooLong, err := readLine(br, s.opts.MaxMessageBytes)
		if tooLong {
			s.log.Warn("dropping oversized message", "session", s.id, "limit", s.opts.MaxMessageBytes)
			s.writeMessage(errorResponse(nil, mcp.INVALID_REQUEST,
				fmt.Sprintf("message larger than %d bytes", s.opts.MaxMessageBytes)))
		} else if len(bytes.TrimSpace(line)) > 0 {
			s.dispatch(ctx, line, sem, &handlers)
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && ctx.Err() == nil {
				readErr = fmt.Errorf("reading session %s: %w", s.id, err)
			}
			break
		}
		if ctx.Err() != nil {
			break
		}
	}

	cancel()
	handlers.Wait()
	<-notifyDone
	s.failPending()
	return readErr
}

// envelope is the part of a JSON-RPC message needed to route it.
type envelope struct {
	JSONRPC any             `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
	Result  json.RawMessage `json:"result"`
	Error   *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (s *Session) dispatch(ctx context.Context, line []byte, sem chan struct{}, handlers *sync.WaitGroup) {
	var env envelope
	if err := json.Unmarshal(line, &env); err != nil {
		var probe any
		if json.Unmarshal(line, &probe) != nil {
			s.writeMessage(errorResponse(nil, mcp.PARSE_ERROR, "parse error: "+err.Error()))
			return
		}
		s.writeMessage(errorResponse(nil, mcp.INVALID_REQUEST, "invalid request: expected one JSON-RPC object per line"))
		return
	}
	hasID := len(env.ID) > 0 && !bytes.Equal(env.ID, []byte("null"))
	switch {
	case env.Method == "" && hasID:
		s.deliverResponse(env)
	case env.Method == "":
		s.writeMessage(errorResponse(nil, mcp.INVALID_REQUEST, "invalid request: no method"))
	case !hasID:
		// Notifications run inline so that they keep their order; handlers
		// must not block.
		if env.Method == string(mcp.MethodNotificationCancelled) {
			s.cancelRequest(line)
		}
		s.handle(ctx, nil, line)
	case env.Method == string(mcp.MethodPing) && env.JSONRPC == "2.0" && s.initialized.Load() && plainID(env.ID):
		// Answered on the read loop, never queued behind busy handlers: a
		// ping says the connection and its reader are alive (the router's
		// heartbeat), however busy the tools are.
		s.writeResult(string(bytes.TrimSpace(env.ID)), json.RawMessage(`{}`))
	default:
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		// The request's cancel func is registered before its goroutine
		// starts, so a notifications/cancelled read right after it always
		// finds it (mcp-go registers its own only once the handler runs).
		key := string(bytes.TrimSpace(env.ID))
		rctx, cancel := context.WithCancel(ctx)
		s.inflightMu.Lock()
		s.inflight[key] = cancel
		s.inflightMu.Unlock()
		handlers.Add(1)
		go func() {
			defer handlers.Done()
			defer func() { <-sem }()
			defer func() {
				s.inflightMu.Lock()
				delete(s.inflight, key)
				s.inflightMu.Unlock()
				cancel()
			}()
			progress := bytes.Contains(env.Params, progressToken)
			if s.opts.Intercept != nil {
				if s.intercept(rctx, env.ID, key, env.Method, env.Params, progress) {
					return
				}
			}
			if resp := s.handle(rctx, rawID(env.ID), line); resp != nil {
				if progress {
					s.flushNotifications()
				}
				s.writeMessage(resp)
			}
		}()
	}
}

// cancelRequest ends the context of the request a notifications/cancelled
// names, if it is still running.
func (s *Session) cancelRequest(line []byte) {
	var n struct {
		Params struct {
			RequestID json.RawMessage `json:"requestId"`
		} `json:"params"`
	}
	if json.Unmarshal(line, &n) != nil || len(n.Params.RequestID) == 0 {
		return
	}
	s.inflightMu.Lock()
	cancel := s.inflight[string(bytes.TrimSpace(n.Params.RequestID))]
	s.inflightMu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// handle runs one message through the server; a panicking handler becomes an
// internal error for that request instead of ending the process.
func (s *Session) handle(ctx context.Context, id any, line []byte) (resp mcp.JSONRPCMessage) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic in MCP handler", "session", s.id, "panic", r)
			if id != nil {
				resp = errorResponse(id, mcp.INTERNAL_ERROR, fmt.Sprintf("internal error: %v", r))
			} else {
				resp = nil
			}
		}
	}()
	resp = s.srv.HandleMessage(ctx, json.RawMessage(line))
	if id == nil {
		// mcp-go answers some malformed notifications with an error; a
		// notification never gets a response.
		return nil
	}
	return resp
}

// intercept runs the Interceptor. When it answered, intercept has written
// the answer (a panic or an empty result becomes an internal error).
func (s *Session) intercept(ctx context.Context, rawid json.RawMessage, key, method string, params json.RawMessage, progress bool) (answered bool) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic in MCP interceptor", "session", s.id, "panic", r)
			if progress {
				s.flushNotifications()
			}
			s.writeMessage(errorResponse(rawID(rawid), mcp.INTERNAL_ERROR, fmt.Sprintf("internal error: %v", r)))
			answered = true
		}
	}()
	res, ok := s.opts.Intercept(ctx, s, method, params)
	if ok && progress {
		s.flushNotifications()
	}
	switch {
	case !ok:
		return false
	case len(res) == 0:
		s.writeMessage(errorResponse(rawID(rawid), mcp.INTERNAL_ERROR, "internal error: empty result"))
	default:
		s.writeResult(key, res)
	}
	return true
}

// writeResult writes a response whose id and result are raw JSON.
func (s *Session) writeResult(id string, result json.RawMessage) {
	b := make([]byte, 0, len(id)+len(result)+40)
	b = append(b, `{"jsonrpc":"2.0","id":`...)
	b = append(b, id...)
	b = append(b, `,"result":`...)
	b = append(b, result...)
	b = append(b, "}\n"...)
	s.writeMu.Lock()
	_, err := s.w.Write(b)
	s.writeMu.Unlock()
	if err != nil {
		s.log.Debug("writing MCP message", "session", s.id, "err", err)
	}
}

// plainID reports whether a raw id can be echoed as it came: a whole number
// that fits int64, or a string without escapes in valid UTF-8. Other ids
// take mcp-go's path, which decodes (and may refuse) them.
func plainID(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	if _, err := strconv.ParseInt(string(t), 10, 64); err == nil {
		return true
	}
	return len(t) >= 2 && t[0] == '"' && t[len(t)-1] == '"' && !bytes.ContainsAny(t[1:len(t)-1], "\\\"") && utf8.Valid(t)
}

// rawID decodes a request id for mcp-go, which wants it as a Go value. Only
// the paths that answer through mcp-go pay for it.
func rawID(raw json.RawMessage) any {
	t := bytes.TrimSpace(raw)
	// The common forms without a decoder: 12 and "abc".
	if i, err := strconv.ParseInt(string(t), 10, 64); err == nil {
		return i
	}
	if len(t) >= 2 && t[0] == '"' && bytes.IndexByte(t[1:len(t)-1], '\\') < 0 && bytes.IndexByte(t[1:len(t)-1], '"') < 0 {
		return string(t[1 : len(t)-1])
	}
	var id any
	dec := json.NewDecoder(bytes.NewReader(t))
	dec.UseNumber()
	if dec.Decode(&id) != nil {
		return string(t)
	}
	if n, ok := id.(json.Number); ok {
		if i, err := n.Int64(); err == nil {
			return i
		}
		return n.String()
	}
	return id
}

func errorResponse(id any, code int, msg string) mcp.JSONRPCMessage {
	return mcp.JSONRPCError{
		JSONRPC: mcp.JSONRPC_VERSION,
		ID:      mcp.NewRequestId(id),
		Error:   mcp.NewJSONRPCErrorDetails(code, msg, nil),
	}
}

// writeMessage writes one JSON-RPC message as one line.
func (s *Session) writeMessage(msg any) {
	b, err := json.Marshal(msg)
	if err != nil {
		s.log.Error("encoding MCP message", "session", s.id, "err", err)
		return
	}
	b = append(b, '\n')
	s.writeMu.Lock()
	_, err = s.w.Write(b)
	s.writeMu.Unlock()
	if err != nil {
		s.log.Debug("writing MCP message", "session", s.id, "err", err)
	}
}

func (s *Session) writeNotifications(ctx context.Context) {
	for {
		select {
		case n := <-s.notify:
			s.writeMessage(n)
		case done := <-s.barrier:
			// One goroutine writes notifications, in order: whatever it
			// took before this barrier is written, and whatever is
			// queued now is written before the barrier is released.
			// Only those: a steady stream of new ones (another call's)
			// must not hold the answer back. This goroutine is the only
			// reader, so len is what is queued at least.
			for k := len(s.notify); k > 0; k-- {
				s.writeMessage(<-s.notify)
			}
			close(done)
		case <-ctx.Done():
			// Flush what handlers queued before they returned.
			for {
				select {
				case n := <-s.notify:
					s.writeMessage(n)
				default:
					return
				}
			}
		}
	}
}

// flushNotifications returns once every notification queued before it
// was called has been written. A request that asked for progress has its
// answer written after it, so that no progress notification follows the
// answer (MCP allows progress only for requests still in progress).
func (s *Session) flushNotifications() {
	done := make(chan struct{})
	select {
	case s.barrier <- done:
		select {
		case <-done:
		case <-s.notifier:
		}
	case <-s.notifier:
	}
}

// progressToken is how a request asks for progress notifications.
var progressToken = []byte(`"progressToken"`)

// readLine reads one '\n'-terminated line of at most max bytes. A longer
// line is consumed and reported with tooLong.
func readLine(br *bufio.Reader, max int) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > max {
				tooLong = true
				line = nil
			} else {
				line = append(line, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return line, tooLong, err
	}
}

// request sends a request to the client and waits for its answer.
func (s *Session) request(ctx context.Context, method string, params any) (json.RawMessage, error) {
	id := "srv-" + strconv.FormatInt(s.nextID.Add(1), 10)
	ch := make(chan rpcResponse, 1)
	s.pendingMu.Lock()
	if s.closed {
		s.pendingMu.Unlock()
		return nil, ErrSessionClosed
	}
	s.pending[strconv.Quote(id)] = ch
	s.pendingMu.Unlock()
	defer func() {
		s.pendingMu.Lock()
		delete(s.pending, strconv.Quote(id))
		s.pendingMu.Unlock()
	}()

	msg := map[string]any{"jsonrpc": mcp.JSONRPC_VERSION, "id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	s.writeMessage(msg)
	select {
	case r := <-ch:
		return r.result, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *Session) deliverResponse(env envelope) {
	key := string(bytes.TrimSpace(env.ID))
	// Taken out under the lock: a second answer with the same id finds
	// nothing, and the send below never blocks the read loop.
	s.pendingMu.Lock()
	ch, ok := s.pending[key]
	delete(s.pending, key)
	s.pendingMu.Unlock()
	if !ok {
		s.log.Debug("response to an unknown request", "session", s.id, "id", key)
		return
	}
	var r rpcResponse
	if env.Error != nil {
		r.err = fmt.Errorf("client answered %s: %s (code %d)", key, env.Error.Message, env.Error.Code)
	} else {
		r.result = env.Result
	}
	ch <- r // buffered (1), and the only send for this id
}

func (s *Session) failPending() {
	s.pendingMu.Lock()
	defer s.pendingMu.Unlock()
	s.closed = true
	for k, ch := range s.pending {
		select {
		case ch <- rpcResponse{err: ErrSessionClosed}:
		default:
		}
		delete(s.pending, k)
	}
}

// SessionID implements server.ClientSession.
func (s *Session) SessionID() string { return s.id }

// Initialize implements server.ClientSession.
func (s *Session) Initialize() {
	s.logLevel.Store(mcp.LoggingLevelError)
	s.initialized.Store(true)
}

// Initialized implements server.ClientSession.
func (s *Session) Initialized() bool { return s.initialized.Load() }

// NotificationChannel implements server.ClientSession.
func (s *Session) NotificationChannel() chan<- mcp.JSONRPCNotification { return s.notify }

// SetLogLevel implements server.SessionWithLogging.
func (s *Session) SetLogLevel(level mcp.LoggingLevel) { s.logLevel.Store(level) }

// GetLogLevel implements server.SessionWithLogging.
func (s *Session) GetLogLevel() mcp.LoggingLevel {
	if l, ok := s.logLevel.Load().(mcp.LoggingLevel); ok {
		return l
	}
	return mcp.LoggingLevelError
}

// GetClientInfo implements server.SessionWithClientInfo.
func (s *Session) GetClientInfo() mcp.Implementation {
	v, _ := s.clientInfo.Load().(mcp.Implementation)
	return v
}

// SetClientInfo implements server.SessionWithClientInfo.
func (s *Session) SetClientInfo(v mcp.Implementation) { s.clientInfo.Store(v) }

// GetClientCapabilities implements server.SessionWithClientInfo.
func (s *Session) GetClientCapabilities() mcp.ClientCapabilities {
	v, _ := s.clientCaps.Load().(mcp.ClientCapabilities)
	return v
}

// SetClientCapabilities implements server.SessionWithClientInfo.
func (s *Session) SetClientCapabilities(v mcp.ClientCapabilities) { s.clientCaps.Store(v) }

// SetProtocolVersion records the version negotiated by initialize.
func (s *Session) SetProtocolVersion(v string) { s.protoVer.Store(v) }

// ProtocolVersion is the version negotiated by initialize, "" before it.
func (s *Session) ProtocolVersion() string {
	v, _ := s.protoVer.Load().(string)
	return v
}

// ListRoots implements server.SessionWithRoots: it asks the client for its
// roots. Never call it from a notification handler (they run on the read
// loop, which must stay free to read the answer).
func (s *Session) ListRoots(ctx context.Context, _ mcp.ListRootsRequest) (*mcp.ListRootsResult, error) {
	raw, err := s.request(ctx, string(mcp.MethodListRoots), nil)
	if err != nil {
		return nil, err
	}
	var res mcp.ListRootsResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, fmt.Errorf("decoding roots/list answer: %w", err)
	}
	return &res, nil
}

var (
	_ server.ClientSession         = (*Session)(nil)
	_ server.SessionWithLogging    = (*Session)(nil)
	_ server.SessionWithClientInfo = (*Session)(nil)
	_ server.SessionWithRoots      = (*Session)(nil)
)
