package instance

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"os"
	"sync/atomic"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/godot-mcp-router/godot-mcp-router/instance/mcpconn"
)

// AdoptMethod is the request a new router sends on an instance's socket to
// adopt it after the router that started it died: params {"nonce": "..."},
// the secret that router gave the instance at spawn (environment variable
// NonceEnv) and kept in its registry. The answer is {"adopted": bool}. An
// adopted instance treats the adopting connection as it treated its control
// connection: when it closes, the grace period starts again.
const AdoptMethod = "godot-mcp-router/adopt"

// NonceEnv names the environment variable carrying the instance's nonce.
const NonceEnv = "GODOT_MCP_ROUTER_NONCE"

// EngineNotification carries an EngineReport ({"runs", "builds",
// "groups"}) to a router that adopted the instance, which has no control
// connection to hear it on; the adopt answer holds the report of that
// moment under "engine".
const EngineNotification = "notifications/godot-mcp-router/engine"

// adoption is what Run and the sessions share about adoption.
type adoption struct {
	nonce    string
	orphaned atomic.Bool            // the router is gone: an adoption is welcome
	adopted  chan (<-chan struct{}) // an adopting connection's end
}

// interceptor answers AdoptMethod for the session on one connection; done
// closes when that connection's session ends.
func (s *Server) interceptor(done <-chan struct{}) mcpconn.Interceptor {
	return func(_ context.Context, sess *mcpconn.Session, method string, params json.RawMessage) (json.RawMessage, bool) {
		if method != AdoptMethod {
			return nil, false
		}
		a := s.adoption
		var p struct {
			Nonce string `json:"nonce"`
		}
		json.Unmarshal(params, &p)
		ok := a != nil && a.nonce != "" && a.orphaned.Load() &&
			subtle.ConstantTimeCompare([]byte(p.Nonce), []byte(a.nonce)) == 1
		if ok {
			select {
			case a.adopted <- done:
			default:
				ok = false // another router adopts it right now
			}
		}
		var rep EngineReport
		if ok {
			s.log.Info("adopted by a new router")
			rep = s.eng.reportTo(sess, done)
		} else {
			s.log.Warn("refused an adoption (wrong nonce, or the router is not gone)")
		}
		eng, _ := json.Marshal(rep)
		return json.RawMessage(fmt.Sprintf(`{"adopted":%t,"pid":%d,"engine":%s}`, ok, os.Getpid(), eng)), true
	}
}

// reportTo sends the engine reports to the adopting router, as
// notifications on its connection, until that connection ends; it returns
// the report of now.
func (e *engineState) reportTo(sess *mcpconn.Session, done <-chan struct{}) EngineReport {
	ch := sess.NotificationChannel()
	send := func(rep EngineReport) {
		b, _ := json.Marshal(rep)
		var fields map[string]any
		json.Unmarshal(b, &fields)
		n := mcp.JSONRPCNotification{JSONRPC: mcp.JSONRPC_VERSION,
			Notification: mcp.Notification{Method: EngineNotification, Params: mcp.NotificationParams{AdditionalFields: fields}}}
		select {
		case ch <- n:
		case <-done:
		default: // a full queue: the next report says the same and more
		}
	}
	e.tellMu.Lock()
	defer e.tellMu.Unlock()
	e.mu.Lock()
	e.adopted = send
	e.adoptions++
	gen := e.adoptions
	rep := e.reportLocked()
	e.mu.Unlock()
	go func() { // ends with the adopting connection
		<-done
		e.mu.Lock()
		if e.adoptions == gen { // not replaced by a later adoption
			e.adopted = nil
		}
		e.mu.Unlock()
	}()
	return rep
}
