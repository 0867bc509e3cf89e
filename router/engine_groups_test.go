//go:build unix

package router

import (
	"encoding/json"
	"testing"

	"github.com/godot-mcp-router/godot-mcp-router/instance"
)

// TestEngineReportNewestWins: an adopted instance's notifications can
// overtake its adopt answer; the newest report (by Seq) is kept whichever
// way it came, and other notifications pass on.
func TestEngineReportNewestWins(t *testing.T) {
	p := &process{}
	var passed []string
	hear := p.hearEngine(func(method string, _ json.RawMessage) { passed = append(passed, method) })
	hear(instance.EngineNotification, json.RawMessage(`{"runs":0,"builds":0,"seq":7}`))
	p.setEngine(instance.EngineReport{Runs: 1, Groups: []int{99}, Seq: 6}) // the adopt answer, older
	if r := p.engineReport(); r.Runs != 0 || r.Seq != 7 || p.engineBusy() {
		t.Fatalf("an older report replaced a newer one: %+v", r)
	}
	hear(instance.EngineNotification, json.RawMessage(`{"runs":2,"builds":1,"groups":[5,6],"seq":8}`))
	hear(instance.EngineNotification, json.RawMessage(`not json`))
	hear("notifications/progress", json.RawMessage(`{}`))
	if r := p.engineReport(); r.Runs != 2 || r.Builds != 1 || !p.engineBusy() || len(passed) != 1 || passed[0] != "notifications/progress" {
		t.Fatalf("report %+v, passed on %v", r, passed)
	}
}
