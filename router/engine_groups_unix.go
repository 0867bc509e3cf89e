//go:build unix

package router

import (
	"encoding/json"
	"syscall"

	"github.com/godot-mcp-router/godot-mcp-router/instance"
)

// setEngine keeps what the instance says of its engine processes, unless
// a newer report came first (an adopted instance's notifications can
// overtake its adopt answer).
func (p *process) setEngine(r instance.EngineReport) {
	p.reportMu.Lock()
	if r.Seq >= p.engine.Seq {
		p.engine = r
	}
	p.reportMu.Unlock()
}

// hearEngine passes the instance's notifications on to next, but keeps
// the engine reports (an adopted instance sends them as notifications).
func (p *process) hearEngine(next func(string, json.RawMessage)) func(string, json.RawMessage) {
	return func(method string, params json.RawMessage) {
		if method == instance.EngineNotification {
			var r instance.EngineReport
			if json.Unmarshal(params, &r) == nil {
				p.setEngine(r)
			}
			return
		}
		if next != nil {
			next(method, params)
		}
	}
}

// engineReport is what the instance last said of its engine processes.
func (p *process) engineReport() instance.EngineReport {
	p.reportMu.Lock()
	defer p.reportMu.Unlock()
	return p.engine
}

// engineBusy reports whether the instance runs a game or a build: it is
// then not stopped for being idle.
func (p *process) engineBusy() bool {
	r := p.engineReport()
	return r.Runs > 0 || r.Builds > 0
}

// killEngineGroups ends the process groups of the games and builds the
// instance reported running, once it has exited otherwise than well: an
// instance stopped gracefully ends them itself, but one killed outright
// cannot, and its engines' leaders die with it (parent-death signal) while
// what they started would live on. A group is killed only while it still
// exists (the risk left: its id reused by a new group in between, which
// needs the pid to come round again within moments).
func (p *process) killEngineGroups() {
	r := p.engineReport()
	for _, g := range r.Groups {
		if g > 1 && syscall.Kill(-g, 0) == nil {
			syscall.Kill(-g, syscall.SIGKILL)
		}
	}
	p.reportMu.Lock()
	p.engine = instance.EngineReport{Seq: p.engine.Seq}
	p.reportMu.Unlock()
}
