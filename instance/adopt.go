package instance

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"os"
	"sync/atomic"

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

// adoption is what Run and the sessions share about adoption.
type adoption struct {
	nonce    string
	orphaned atomic.Bool            // the router is gone: an adoption is welcome
	adopted  chan (<-chan struct{}) // an adopting connection's end
}

// interceptor answers AdoptMethod for the session on one connection; done
// closes when that connection's session ends.
func (s *Server) interceptor(done <-chan struct{}) mcpconn.Interceptor {
	return func(_ context.Context, _ *mcpconn.Session, method string, params json.RawMessage) (json.RawMessage, bool) {
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
		if ok {
			s.log.Info("adopted by a new router")
		} else {
			s.log.Warn("refused an adoption (wrong nonce, or the router is not gone)")
		}
		return json.RawMessage(fmt.Sprintf(`{"adopted":%t,"pid":%d}`, ok, os.Getpid())), true
	}
}
