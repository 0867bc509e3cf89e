package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHealthEndToEnd, on the real binary (relay and daemon): an instance
// stopped with SIGSTOP is found by its missed heartbeats and replaced while
// a call waits on it, which is then answered; status shows health and
// metrics as a table and as JSON, and after the daemon stops, the metrics
// it flushed are still in the state file.
func TestHealthEndToEnd(t *testing.T) {
	proj := copyProject(t, "godot4-demos/2d/platformer")
	env := newRouterEnv(t)
	env.extra = append(env.extra, "GODOT_MCP_ROUTER_HEARTBEAT=100ms")
	s := startRouter(t, env, proj)
	var info projectInfo
	for range 5 {
		if res := s.call("get_project_info", nil, &info); res.IsError {
			t.Fatalf("get_project_info: %s", resultText(res))
		}
	}
	pid, _ := s.instanceOf(proj)
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	until(t, "the instance stops", func() bool {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		i := strings.LastIndexByte(string(b), ')')
		return i > 0 && len(b) > i+2 && b[i+2] == 'T'
	})
	start := time.Now()
	if res := s.call("get_project_info", nil, &info); res.IsError {
		t.Fatalf("get_project_info on a stopped instance: %s", resultText(res))
	}
	t.Logf("a call to a stopped instance answered in %v", time.Since(start).Round(time.Millisecond))
	newPID, _ := s.instanceOf(proj)
	if newPID == pid {
		t.Fatal("the stopped instance was not replaced")
	}
	syscall.Kill(pid, syscall.SIGCONT) // if it is somehow still there

	if standalone := strings.Contains(strings.Join(env.environ(), " "), "GODOT_MCP_ROUTER_STANDALONE=1"); standalone {
		return // status below asks the daemon
	}
	var live struct {
		Instances []struct {
			Root   string `json:"root"`
			Health struct {
				HungKills int `json:"hung_kills"`
				Crashes   int `json:"crashes"`
			} `json:"health"`
			Metrics *struct {
				Calls int64   `json:"calls"`
				P99MS float64 `json:"p99_ms"`
				Tools []struct {
					Tool string `json:"tool"`
				} `json:"tools"`
			} `json:"metrics"`
		} `json:"instances"`
	}
	b, _ := json.Marshal(statusJSON(t, env))
	json.Unmarshal(b, &live)
	if len(live.Instances) != 1 || live.Instances[0].Health.HungKills != 1 || live.Instances[0].Metrics == nil ||
		live.Instances[0].Metrics.Calls < 6 || live.Instances[0].Metrics.P99MS <= 0 {
		t.Fatalf("status --json: %s", b)
	}
	cmd := exec.Command(binary, "status")
	cmd.Env = env.environ()
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), "P99 MS") || !strings.Contains(string(out), "HEARTBEAT") {
		t.Fatalf("status: %v\n%s", err, out)
	}

	s.client.Close()
	stop := exec.Command(binary, "stop")
	stop.Env = env.environ()
	if out, err := stop.CombinedOutput(); err != nil {
		t.Fatalf("stop: %v\n%s", err, out)
	}
	cmd = exec.Command(binary, "status", "--json")
	cmd.Env = env.environ()
	out, err = cmd.Output()
	var stored struct {
		Daemon  bool `json:"daemon_running"`
		Metrics []struct {
			Tool  string `json:"tool"`
			Calls int64  `json:"calls"`
		} `json:"metrics"`
	}
	if err != nil || json.Unmarshal(out, &stored) != nil || stored.Daemon {
		t.Fatalf("status --json without a daemon: %v\n%s", err, out)
	}
	var calls int64
	for _, m := range stored.Metrics {
		if m.Tool == "get_project_info" {
			calls = m.Calls
		}
	}
	if calls < 6 {
		t.Fatalf("the state file holds %d get_project_info calls, want 6: %s", calls, out)
	}
}
