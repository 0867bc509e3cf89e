package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// relayEnv is a router environment whose stdio command relays to a daemon
// (the test stops the daemon at its end).
func relayEnv(t *testing.T) routerEnv {
	t.Helper()
	env := newRouterEnv(t) // stops the daemon at the end
	env.extra = append(env.extra, "GODOT_MCP_ROUTER_STANDALONE=0")
	return env
}

// daemonPIDs lists the daemons serving env's runtime folder.
func daemonPIDs(t *testing.T, env routerEnv) []int {
	t.Helper()
	want := filepath.Join(env.runtime, "godot-mcp-router")
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(bytes.TrimRight(b, "\x00")), "\x00")
		if len(args) >= 4 && args[1] == "daemon" && args[2] == "--runtime-dir" && args[3] == want && !processGone(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// killDaemon kill -9s a daemon and waits until it is reaped. Not waitGone:
// the thread group leader turns zombie while the other threads still hold
// the descriptors, and a call then could reach the dying daemon (and get
// the restart error, as a call in flight does). The relay reaps the daemon
// it started once every thread is gone.
func killDaemon(t *testing.T, pid int) {
	t.Helper()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the killed daemon was not reaped within 5 s")
		}
	}
}

func statusJSON(t *testing.T, env routerEnv) map[string]any {
	t.Helper()
	cmd := exec.Command(binary, "status", "--json")
	cmd.Env = env.environ()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	return v
}

// Ten clients starting at the same moment: exactly one daemon, ten working
// sessions sharing one instance.
func TestDaemonTenRelaysAtOnce(t *testing.T) {
	env := relayEnv(t)
	project := corpus(t, "godot4-demos/2d/platformer")
	var wg sync.WaitGroup
	sessions := make([]*session, 10)
	for i := range sessions {
		wg.Go(func() { sessions[i] = startRouter(t, env, project) })
	}
	wg.Wait()
	for i, s := range sessions {
		var info projectInfo
		if res := s.call("get_project_info", nil, &info); res.IsError || info.Root == "" {
			t.Fatalf("session %d: %s", i, resultText(res))
		}
	}
	if pids := daemonPIDs(t, env); len(pids) != 1 {
		t.Fatalf("daemons running: %v; want exactly one", pids)
	}
	rep := sessions[0].instances()
	if len(rep.Instances) != 1 || rep.Instances[0].Calls < 10 {
		t.Fatalf("instances: %+v; want one, shared by the ten sessions", rep.Instances)
	}
	st := statusJSON(t, env)
	if router, _ := st["router"].(map[string]any); router == nil || int(router["pid"].(float64)) != daemonPIDs(t, env)[0] {
		t.Fatalf("status --json router = %v", st["router"])
	}
}

// kill -9 the daemon in the middle of a session: the same client session's
// next call succeeds (the relay starts a new daemon and replays the
// handshake).
func TestDaemonKilledMidSession(t *testing.T) {
	env := relayEnv(t)
	project := corpus(t, "godot4-demos/2d/platformer")
	s := startRouter(t, env, project)
	var before projectInfo
	s.call("get_project_info", nil, &before)
	pids := daemonPIDs(t, env)
	if len(pids) != 1 {
		t.Fatalf("daemons: %v", pids)
	}
	killDaemon(t, pids[0])
	var after projectInfo
	if res := s.call("get_project_info", nil, &after); res.IsError || after.Root != before.Root {
		t.Fatalf("call after the daemon was killed: %s", resultText(res))
	}
	if now := daemonPIDs(t, env); len(now) != 1 || now[0] == pids[0] {
		t.Fatalf("daemons after the kill: %v (killed %d)", now, pids[0])
	}
}

// 16 sessions x 200 calls over 4 projects: every answer comes, once, for
// the project its call named.
func TestDaemonManySessions(t *testing.T) {
	env := relayEnv(t)
	projects := []string{
		corpus(t, "godot4-demos/2d/platformer"),
		corpus(t, "godot4-demos/3d/platformer"),
		corpus(t, "godot3-demos/2d/platformer"),
		corpus(t, "godot4-demos/2d/pong"),
	}
	const sessions, calls = 16, 200
	var wg sync.WaitGroup
	errs := make(chan error, sessions)
	for i := range sessions {
		wg.Go(func() {
			s := startRouter(t, env, t.TempDir())
			for j := range calls {
				want := projects[(i+j)%len(projects)]
				var info projectInfo
				res := s.call("get_project_info", map[string]any{"project": want}, &info)
				if res.IsError || info.Root != want {
					errs <- fmt.Errorf("session %d call %d: root %q, want %q: %s", i, j, info.Root, want, resultText(res))
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// stop ends the daemon and its instances; status then says none runs.
func TestDaemonStop(t *testing.T) {
	env := relayEnv(t)
	s := startRouter(t, env, corpus(t, "godot4-demos/2d/platformer"))
	s.call("get_project_info", nil, nil)
	rep := s.instances()
	if len(rep.Instances) != 1 {
		t.Fatalf("instances %+v", rep.Instances)
	}
	inst := rep.Instances[0].PID
	// A relay whose daemon goes starts a new one (its client's session
	// must live on): end the session first.
	s.client.Close()
	cmd := exec.Command(binary, "stop")
	cmd.Env = env.environ()
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "stopped") {
		t.Fatalf("stop: %v: %s", err, out)
	}
	waitGone(t, inst, 10*time.Second)
	if pids := daemonPIDs(t, env); len(pids) != 0 {
		t.Fatalf("daemons after stop: %v", pids)
	}
	cmd = exec.Command(binary, "status")
	cmd.Env = env.environ()
	if out, err := cmd.Output(); err != nil || strings.Contains(string(out), "router pid") {
		t.Fatalf("status after stop: %v: %s", err, out)
	}
}

// A relay of a newer build asks the older daemon to stop and starts its
// own; the older build's relay, whose daemon went, carries on with the
// newer daemon; state in the store survives.
func TestDaemonReplacedByNewerBuild(t *testing.T) {
	env := relayEnv(t)
	project := corpus(t, "godot4-demos/2d/platformer")
	old := startRouter(t, env, project)
	var info projectInfo
	old.call("get_project_info", nil, &info)
	before := daemonPIDs(t, env)
	if len(before) != 1 {
		t.Fatalf("daemons: %v", before)
	}

	// The "new build": the same program installed later.
	newer := filepath.Join(t.TempDir(), "godot-mcp-router")
	b, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(newer, b, 0o755); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	os.Chtimes(newer, later, later)
	saved := binary
	binary = newer
	s := startRouter(t, env, project)
	binary = saved
	var got projectInfo
	if res := s.call("get_project_info", nil, &got); res.IsError || got.Root != info.Root {
		t.Fatalf("call through the newer relay: %s", resultText(res))
	}
	after := daemonPIDs(t, env)
	if len(after) != 1 || after[0] == before[0] {
		t.Fatalf("daemons: %v before, %v after; want the old one replaced by one new daemon", before, after)
	}
	if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", after[0])); exe != newer {
		t.Fatalf("the daemon runs %s; want the newer build %s", exe, newer)
	}
	// The older relay's session carries on, with the newer daemon.
	if res := old.call("get_project_info", nil, &got); res.IsError || got.Root != info.Root {
		t.Fatalf("call through the older relay after the switch: %s", resultText(res))
	}
	if now := daemonPIDs(t, env); len(now) != 1 || now[0] != after[0] {
		t.Fatalf("daemons after the older relay's call: %v; want still %v", now, after)
	}
}

// When no daemon can run (here: a plain file sits where its socket goes,
// and it will not remove what is not a socket), the client's process serves
// the session itself, at once: the client never sees the relay fail.
func TestRelayFallsBackToStandalone(t *testing.T) {
	env := relayEnv(t)
	dir := filepath.Join(env.runtime, "godot-mcp-router")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "router.sock"), []byte("not a socket"), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	s := startRouter(t, env, corpus(t, "godot4-demos/2d/platformer"))
	var info projectInfo
	if res := s.call("get_project_info", nil, &info); res.IsError || info.Root == "" {
		t.Fatalf("get_project_info: %s", resultText(res))
	}
	if pids := daemonPIDs(t, env); len(pids) != 0 {
		t.Fatalf("daemons: %v; want none", pids)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the fallback took %v", took)
	}
}

// kill -9 the daemon: the new daemon adopts the instance the dead one
// started (same pid; it proved the nonce the registry kept) instead of
// starting another, and calls go to it.
func TestDaemonAdoptsLiveInstances(t *testing.T) {
	env := relayEnv(t)
	project := corpus(t, "godot4-demos/2d/platformer")
	s := startRouter(t, env, project)
	var info projectInfo
	s.call("get_project_info", nil, &info)
	rep := s.instances()
	if len(rep.Instances) != 1 || rep.Instances[0].PID == 0 {
		t.Fatalf("instances: %+v", rep.Instances)
	}
	inst := rep.Instances[0].PID
	daemons := daemonPIDs(t, env)
	if len(daemons) != 1 {
		t.Fatalf("daemons: %v", daemons)
	}
	// Let the registry write (coalesced, at most once a second) land.
	time.Sleep(1200 * time.Millisecond)
	killDaemon(t, daemons[0])
	var after projectInfo
	if res := s.call("get_project_info", nil, &after); res.IsError || after.Root != info.Root {
		t.Fatalf("call after the daemon was killed: %s", resultText(res))
	}
	rep = s.instances()
	if len(rep.Instances) != 1 || rep.Instances[0].PID != inst {
		t.Fatalf("instances after the daemon's death: %+v; want pid %d adopted", rep.Instances, inst)
	}
	if processGone(inst) {
		t.Fatalf("the adopted instance %d is gone", inst)
	}
}
