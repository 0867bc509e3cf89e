package mcpconn_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/godot-mcp-router/godot-mcp-router/instance/mcpconn"
)

// TestFlushNotStarved: one call floods notifications, and a client reads
// slowly; another call that asked for progress is still answered while the
// flood goes on (its barrier writes what was queued before it, not every
// notification that comes after). Found by a reviewer: the first barrier
// drained until the queue was empty.
func TestFlushNotStarved(t *testing.T) {
	opts := mcpconn.Options{Intercept: func(ctx context.Context, sess *mcpconn.Session, method string, params json.RawMessage) (json.RawMessage, bool) {
		switch method {
		case "custom/flood":
			n := mcp.JSONRPCNotification{JSONRPC: "2.0", Notification: mcp.Notification{Method: "notifications/message",
				Params: mcp.NotificationParams{AdditionalFields: map[string]any{"level": "info", "data": "x"}}}}
			deadline := time.Now().Add(6 * time.Second)
			for ctx.Err() == nil && time.Now().Before(deadline) {
				select {
				case sess.NotificationChannel() <- n:
				default:
				}
			}
			return json.RawMessage(`{}`), true
		case "custom/quick":
			return json.RawMessage(`{}`), true
		}
		return nil, false
	}}
	p := startSession(t, opts)
	p.initialize()
	p.send(`{"jsonrpc":"2.0","id":2,"method":"custom/flood","params":{}}`)
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	p.send(`{"jsonrpc":"2.0","id":3,"method":"custom/quick","params":{"_meta":{"progressToken":"q"}}}`)
	for {
		time.Sleep(200 * time.Microsecond) // a slow client
		m := p.recv()
		if id, ok := m["id"].(float64); ok {
			t.Logf("first answer: id %v after %v", id, time.Since(start))
			if id != 3 {
				t.Errorf("quick call (id 3) answered only after the 6 s flood ended")
			}
			break
		}
	}
	for seen := 1; seen < 2; { // drain to the other answer
		if m := p.recv(); m["id"] != nil {
			seen++
		}
	}
}
