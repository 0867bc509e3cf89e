package router

import (
	"encoding/json"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/godot-mcp-router/godot-mcp-router/instance/mcpconn"
)

// Progress: a client that sends a progressToken with a tool call gets the
// instance's notifications/progress for that call. The router gives each
// forwarded call a token of its own (clients choose theirs freely, so two
// sessions may use the same one) and maps it back to the session and the
// client's token when the instance reports progress.
type progressRelay struct {
	next  atomic.Int64
	mu    sync.Mutex
	sinks map[string]*progressSink // router token -> where it goes
}

type progressSink struct {
	sess  *mcpconn.Session
	token any     // the client's progressToken, as it sent it
	last  float64 // the last progress passed on: it must increase
}

// open registers a call's progress sink and returns the token to send the
// instance, and a func that unregisters it.
func (p *progressRelay) open(sess *mcpconn.Session, clientToken any) (string, func()) {
	tok := "gmr-" + strconv.FormatInt(p.next.Add(1), 10)
	p.mu.Lock()
	if p.sinks == nil {
		p.sinks = map[string]*progressSink{}
	}
	p.sinks[tok] = &progressSink{sess: sess, token: clientToken, last: -1}
	p.mu.Unlock()
	return tok, func() {
		p.mu.Lock()
		delete(p.sinks, tok)
		p.mu.Unlock()
	}
}

// deliver passes an instance's notification on: progress to the session
// whose call it belongs to. It never blocks (a full session queue drops
// the notice: progress is advisory).
func (p *progressRelay) deliver(method string, params json.RawMessage) {
	if method != string(mcp.MethodNotificationProgress) {
		return // log messages of instances stay in their logs
	}
	var fields map[string]any
	if err := json.Unmarshal(params, &fields); err != nil {
		return
	}
	tok, _ := fields["progressToken"].(string)
	progress, _ := fields["progress"].(float64)
	// Queued under p.mu, where the call's end removes its sink: a notice
	// is either queued before the call ends (and so written before its
	// answer, see mcpconn) or not at all.
	p.mu.Lock()
	defer p.mu.Unlock()
	sink, ok := p.sinks[tok]
	if !ok || progress <= sink.last {
		return // the call ended, or the notice is out of order (MCP wants progress to increase)
	}
	sink.last = progress
	fields["progressToken"] = sink.token
	n := mcp.JSONRPCNotification{
		JSONRPC:      mcp.JSONRPC_VERSION,
		Notification: mcp.Notification{Method: method, Params: mcp.NotificationParams{AdditionalFields: fields}},
	}
	select {
	case sink.sess.NotificationChannel() <- n:
	default:
	}
}
