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
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// errConnLost is returned for calls in flight, and calls made after, when the
// connection to an instance ends.
var errConnLost = errors.New("connection to the instance lost")

// maxInstanceMessage bounds one line from an instance. Tools bound their
// answers far below this; a longer line means a broken instance.
const maxInstanceMessage = 64 << 20

// writeTimeout bounds one write to an instance.
const writeTimeout = 10 * time.Second

// rpcClient is the router's MCP client for one instance connection. It is a
// plain JSON-RPC 2.0 client that passes params and results through as raw
// JSON: the router forwards tool results unchanged, so decoding and
// re-encoding them (as mcp-go's typed client does) would only cost time.
type rpcClient struct {
	conn    net.Conn
	log     *slog.Logger
	next    atomic.Int64
	maxLine int // longest line accepted from the instance

	writeMu sync.Mutex     // guards writes to conn: one line at a time
	notes   sync.WaitGroup // cancellation notices being sent

	// onNotify, when set, gets the instance's notifications (progress);
	// it must not block. onBroken, when set, is told once that the
	// instance broke the protocol (a line that is not JSON-RPC, an answer
	// to an id never sent): the connection is closed and the instance is
	// to be replaced.
	onNotify func(method string, params json.RawMessage)
	onBroken func(reason string)

	mu        sync.Mutex // guards pending, cancelled and err
	pending   map[int64]chan rpcResult
	cancelled map[int64]struct{} // calls given up whose answers may still come
	err       error              // set when the read loop ends

	done chan struct{} // closed when the read loop ends
}

type rpcResult struct {
	result json.RawMessage
	err    error
}

// rpcError is a JSON-RPC error answer.
type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *rpcError) Error() string { return fmt.Sprintf("%s (code %d)", e.Message, e.Code) }

func newRPCClient(conn net.Conn, log *slog.Logger) *rpcClient {
	return startRPCClient(conn, log, maxInstanceMessage, nil, nil)
}

func startRPCClient(conn net.Conn, log *slog.Logger, maxLine int, onNotify func(string, json.RawMessage), onBroken func(string)) *rpcClient {
	c := &rpcClient{conn: conn, log: log, maxLine: maxLine, pending: map[int64]chan rpcResult{},
		cancelled: map[int64]struct{}{}, onNotify: onNotify, onBroken: onBroken, done: make(chan struct{})}
	go c.readLoop()
	return c
}

// maxCancelled bounds the ids of given-up calls remembered for their late
// answers.
const maxCancelled = 4096

// call sends a request and waits for its answer. When ctx ends first, the
// instance is told with notifications/cancelled.
func (c *rpcClient) call(ctx context.Context, method string, params json.RawMessage) (json.RawMessage, error) {
	id := c.next.Add(1)
	ch := make(chan rpcResult, 1)
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return nil, err
	}
	c.pending[id] = ch
	c.mu.Unlock()

	buf := make([]byte, 0, 64+len(method)+len(params))
	buf = append(buf, `{"jsonrpc":"2.0","id":`...)
	buf = strconv.AppendInt(buf, id, 10)
	buf = append(buf, `,"method":`...)
	buf = strconv.AppendQuote(buf, method)
	if len(params) > 0 {
		buf = append(buf, `,"params":`...)
		buf = append(buf, params...)
	}
	buf = append(buf, "}\n"...)
	if err := c.write(buf); err != nil {
		c.forget(id)
		return nil, err
	}

	select {
	case r := <-ch:
		return r.result, r.err
	case <-ctx.Done():
		c.forgetCancelled(id)
		// Told in the background: the caller returns at once even when
		// the instance is too busy to read. No notice once the
		// connection is gone (Close may be waiting for notes already).
		c.mu.Lock()
		live := c.err == nil
		if live {
			c.notes.Add(1)
		}
		c.mu.Unlock()
		if live {
			go func() {
				defer c.notes.Done()
				c.notify("notifications/cancelled", json.RawMessage(`{"requestId":`+strconv.FormatInt(id, 10)+`,"reason":"the client cancelled the call"}`))
			}()
		}
		return nil, ctx.Err()
	}
}

// notify sends a notification; errors are ignored, as the read loop will
// report a dead connection.
func (c *rpcClient) notify(method string, params json.RawMessage) {
	buf := append([]byte(`{"jsonrpc":"2.0","method":`), strconv.Quote(method)...)
	if len(params) > 0 {
		buf = append(buf, `,"params":`...)
		buf = append(buf, params...)
	}
	buf = append(buf, "}\n"...)
	_ = c.write(buf)
}

func (c *rpcClient) write(b []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	// An instance that stops reading (hung, or stopped with SIGSTOP) must
	// not hang its callers once the socket buffer is full.
	c.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := c.conn.Write(b); err != nil {
		// A partial line may be on the wire: nothing written after it
		// would parse. End the connection; the instance is replaced.
		c.conn.Close()
		return fmt.Errorf("%w: %v", errConnLost, err)
	}
	return nil
}

func (c *rpcClient) forget(id int64) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

// forgetCancelled gives up a call whose answer may still come.
func (c *rpcClient) forgetCancelled(id int64) {
	c.mu.Lock()
	if _, ok := c.pending[id]; ok {
		delete(c.pending, id)
		if len(c.cancelled) >= maxCancelled {
			clear(c.cancelled)
		}
		c.cancelled[id] = struct{}{}
	}
	c.mu.Unlock()
}

// broken ends the connection after the instance broke the protocol.
func (c *rpcClient) broken(reason string, line []byte) {
	c.log.Warn("instance broke the protocol; replacing it", "why", reason, "line", truncate(line, 200))
	if c.onBroken != nil {
		c.onBroken(reason)
	}
	c.conn.Close()
}

func (c *rpcClient) readLoop() {
	br := bufio.NewReaderSize(c.conn, 64<<10)
	var err error
	var line []byte
	for {
		line, err = readMessage(br, line[:0], c.maxLine)
		if err != nil {
			break
		}
		c.dispatch(line)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		err = errConnLost
	} else {
		err = fmt.Errorf("%w: %v", errConnLost, err)
	}
	c.mu.Lock()
	c.err = err
	pending := c.pending
	c.pending = map[int64]chan rpcResult{}
	c.mu.Unlock()
	for _, ch := range pending {
		ch <- rpcResult{err: err}
	}
	close(c.done)
}

// resultPrefix is how mcp-go writes every successful response: the fields in
// this order, no spaces.
const resultPrefix = `{"jsonrpc":"2.0","id":`

// fastResult takes a successful response apart without decoding its result,
// which is most of the line and goes to the client unchanged. Any other shape
// returns ok=false and is decoded in full.
func fastResult(line []byte) (id int64, result json.RawMessage, ok bool) {
	line = bytes.TrimRight(line, "\r\n")
	rest, found := bytes.CutPrefix(line, []byte(resultPrefix))
	if !found {
		return 0, nil, false
	}
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	if i == 0 || i > 18 {
		return 0, nil, false
	}
	id, err := strconv.ParseInt(string(rest[:i]), 10, 64)
	if err != nil {
		return 0, nil, false
	}
	body, found := bytes.CutPrefix(rest[i:], []byte(`,"result":`))
	if !found || len(body) < 3 || body[0] != '{' || body[len(body)-1] != '}' || body[len(body)-2] != '}' {
		return 0, nil, false
	}
	body = body[:len(body)-1]
	// Valid also proves the result is the whole rest of the line (no field
	// after it), at half the cost of decoding.
	if !json.Valid(body) {
		return 0, nil, false
	}
	// A copy: the line buffer is reused for the next read.
	return id, append(json.RawMessage(nil), body...), true
}

func (c *rpcClient) dispatch(line []byte) {
	if id, result, ok := fastResult(line); ok {
		if !c.expected(id) {
			c.broken("an answer to an id the router never sent", line)
			return
		}
		c.deliver(id, rpcResult{result: result})
		return
	}
	var env struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Method  string          `json:"method"`
		Params  json.RawMessage `json:"params"`
		Result  json.RawMessage `json:"result"`
		Error   *rpcError       `json:"error"`
	}
	if err := json.Unmarshal(line, &env); err != nil || env.JSONRPC != "2.0" {
		if len(bytes.TrimSpace(line)) == 0 {
			return // a blank line is no message
		}
		c.broken("a line that is not JSON-RPC 2.0", line)
		return
	}
	if env.Method != "" {
		if len(env.ID) == 0 && c.onNotify != nil {
			c.onNotify(env.Method, env.Params) // progress, log messages
		}
		return // an instance sends no requests the router answers
	}
	id, err := strconv.ParseInt(string(bytes.TrimSpace(env.ID)), 10, 64)
	if err != nil || !c.expected(id) {
		c.broken("an answer to an id the router never sent", line)
		return
	}
	// json.RawMessage copies what it decodes, so the result does not alias
	// the line buffer, which the next read reuses.
	r := rpcResult{result: env.Result}
	if env.Error != nil {
		r.err = env.Error
	} else if len(env.Result) == 0 {
		r.err = errors.New("instance answered with neither a result nor an error")
	}
	c.deliver(id, r)
}

// expected reports whether an answer with this id may come: a call in
// flight, or one given up (its late answer is dropped).
func (c *rpcClient) expected(id int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.pending[id]; ok {
		return true
	}
	if _, ok := c.cancelled[id]; ok {
		delete(c.cancelled, id)
		return true
	}
	return false
}

func (c *rpcClient) deliver(id int64, r rpcResult) {
	c.mu.Lock()
	ch, ok := c.pending[id]
	delete(c.pending, id)
	c.mu.Unlock()
	if ok { // else the call was cancelled
		ch <- r
	}
}

// Close ends the connection; calls in flight get errConnLost.
func (c *rpcClient) Close() error {
	err := c.conn.Close()
	<-c.done
	c.notes.Wait()
	return err
}

// readMessage reads one line into buf, bounded by max bytes.
func readMessage(br *bufio.Reader, buf []byte, max int) ([]byte, error) {
	for {
		chunk, err := br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(buf) > max {
			return nil, fmt.Errorf("instance sent a message over %d bytes", max)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return buf, nil
	}
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
