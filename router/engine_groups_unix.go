//go:build unix

package router

import (
	"syscall"

	"github.com/godot-mcp-router/godot-mcp-router/instance"
)

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
// instance reported running, once it has exited: an instance stopped
// gracefully ends them itself, but one killed outright cannot, and its
// engines' leaders die with it (parent-death signal) while what they
// started would live on.
func (p *process) killEngineGroups() {
	for _, g := range p.engineReport().Groups {
		if g > 1 {
			syscall.Kill(-g, syscall.SIGKILL)
		}
	}
}
