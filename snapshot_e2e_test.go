package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/instance/index"
	"github.com/godot-mcp-router/godot-mcp-router/store"
)

// waitSnapshot waits until the router keeps a snapshot of root.
func (s *session) waitSnapshot(root string) instancesReport {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		rep := s.instances()
		for _, sn := range rep.Snapshots {
			if sn.Root == root && sn.Size > 0 {
				return rep
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("no snapshot of %s after 15 s: %+v", root, rep)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// answers are the results the snapshot tests compare: the whole index seen
// through the tools.
func (s *session) answers() []string {
	s.t.Helper()
	var out []string
	for _, c := range []struct {
		tool string
		args map[string]any
	}{
		{"get_project_info", nil},
		{"list_scripts", map[string]any{"limit": 200}},
		{"list_scenes", map[string]any{"limit": 200}},
		{"check_project", nil},
		{"get_dependency_graph", map[string]any{"max_edges": 1000}},
		{"find_references", map[string]any{"target": "res://player/player.gd"}},
	} {
		out = append(out, c.tool+": "+jsonOf(s.check(c.tool, c.args)))
	}
	return out
}

func sameAnswers(t *testing.T, what string, got, want []string) {
	t.Helper()
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s: answers differ\n got: %.600s\nwant: %.600s", what, got[i], want[i])
		}
	}
}

// copyProject copies a corpus project somewhere writable.
func copyProject(t *testing.T, rel string) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), filepath.Base(rel))
	if err := os.CopyFS(root, os.DirFS(corpus(t, rel))); err != nil {
		t.Fatal(err)
	}
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		t.Fatal(err)
	}
	return real
}

// instanceOf returns the instance of root as debug_instances shows it,
// once its index report is final (a restored index reports its check
// against the files on the control connection, just after the first call).
func (s *session) instanceOf(root string) (pid int, rep instancesReport) {
	s.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		rep = s.instances()
		for _, in := range rep.Instances {
			if in.Root == root && (in.Index == nil || in.Index.Checked || time.Now().After(deadline)) {
				return in.PID, rep
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("no instance of %s: %+v", root, rep)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSnapshotAfterKill: kill -9 an instance; the next call restores its
// index from the snapshot (nothing read again) and answers as before; edits
// made while it is down are picked up, and the answers then equal a router
// that indexed the edited tree from scratch.
func TestSnapshotAfterKill(t *testing.T) {
	root := copyProject(t, "godot4-demos/3d/platformer")
	env := standaloneEnv(t)
	env.extra = append(env.extra, "GODOT_MCP_ROUTER_SNAPSHOT_DELAY=20ms")
	s := startRouter(t, env, root)
	before := s.answers()
	rep := s.waitSnapshot(root)
	pid, rep := s.instanceOf(root)
	if rep.Instances[0].Index == nil || rep.Instances[0].Index.Index != "scan" {
		t.Fatalf("first start: index %+v; want scan", rep.Instances[0].Index)
	}

	kill := func() {
		t.Helper()
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitGone(t, pid, 5*time.Second)
	}
	kill()
	after := s.answers()
	sameAnswers(t, "after kill -9 and restore", after, before)
	pid, rep = s.instanceOf(root)
	in := rep.Instances[0]
	if in.Index == nil || in.Index.Index != "snapshot" || in.Index.Reread != 0 || in.Restarts != 1 {
		t.Fatalf("after kill -9: index %+v restarts %d; want restored from the snapshot, nothing read again", in.Index, in.Restarts)
	}

	// Edit, add and delete while the instance is down.
	kill()
	later := time.Now().Add(time.Second)
	write := func(rel, content string) {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, later, later)
	}
	write("player/player.gd", "class_name Player\nextends CharacterBody3D\nconst Gone = preload(\"res://nowhere.gd\")\nfunc _physics_process(delta: float) -> void:\n\tpass\n")
	write("added.gd", "extends Player\nfunc jump() -> void:\n\tpass\n")
	if err := os.Remove(filepath.Join(root, "icon.webp")); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	edited := s.answers()
	_, rep = s.instanceOf(root)
	in = rep.Instances[0]
	if in.Index == nil || in.Index.Index != "snapshot" || in.Index.Reread < 2 || in.Index.Reread > 3 {
		t.Fatalf("after edits while down: index %+v; want restored with the 2 changed files read again", in.Index)
	}
	mustContain(t, "the edit", edited, `res://nowhere.gd`, `res://added.gd`)

	fresh := startRouter(t, standaloneEnv(t), root)
	sameAnswers(t, "restored+edited vs fresh", edited, fresh.answers())
}

// TestSnapshotOnShutdownAndIdleStop: a router that exits, and an idle stop,
// save the index first (the debounce is an hour here, so only those can),
// and the next start restores it.
func TestSnapshotOnShutdownAndIdleStop(t *testing.T) {
	root := copyProject(t, "godot4-demos/2d/platformer")
	env := standaloneEnv(t)
	env.extra = append(env.extra, "GODOT_MCP_ROUTER_SNAPSHOT_DELAY=1h")
	s := startRouter(t, env, root)
	before := s.answers()
	if rep := s.instances(); len(rep.Snapshots) != 0 {
		t.Fatalf("snapshots before any stop: %+v", rep.Snapshots)
	}
	// stdin EOF: the router stops its instances, asking each for a
	// snapshot. Close waits for the router to exit.
	if err := s.client.Close(); err != nil {
		t.Fatalf("router exit: %v", err)
	}

	s = startRouter(t, env, root)
	sameAnswers(t, "after a router restart", s.answers(), before)
	_, rep := s.instanceOf(root)
	if in := rep.Instances[0]; in.Index == nil || in.Index.Index != "snapshot" || in.Index.Reread != 0 {
		t.Fatalf("after a router restart: index %+v; want restored", in.Index)
	}
	s.client.Close()

	// Idle stop: edit first, so the instance holds an index newer than the
	// stored snapshot and must send it before it goes.
	env.extra = append(env.extra, "GODOT_MCP_ROUTER_IDLE_TIMEOUT=300ms", "GODOT_MCP_ROUTER_IDLE_CHECK=50ms")
	s = startRouter(t, env, root)
	s.answers()
	p := filepath.Join(root, "added.gd")
	os.WriteFile(p, []byte("extends Node\n"), 0o644)
	until(t, "the new script is seen", func() bool {
		var out map[string]any
		s.call("list_scripts", nil, &out)
		b, _ := json.Marshal(out)
		return strings.Contains(string(b), "added.gd")
	})
	edited := s.answers()
	pid, _ := s.instanceOf(root)
	waitGone(t, pid, 10*time.Second)
	sameAnswers(t, "after an idle stop", s.answers(), edited)
	_, rep = s.instanceOf(root)
	if in := rep.Instances[0]; in.Index == nil || in.Index.Index != "snapshot" || in.Index.Reread != 0 {
		t.Fatalf("after an idle stop: index %+v; want restored with nothing read again", in.Index)
	}
}

// TestCorruptSnapshot: a damaged snapshot in the store is ignored with a
// reason; the instance indexes from the files and answers correctly.
func TestCorruptSnapshot(t *testing.T) {
	root := copyProject(t, "godot4-demos/2d/platformer")
	env := standaloneEnv(t)
	env.extra = append(env.extra, "GODOT_MCP_ROUTER_SNAPSHOT_DELAY=20ms")
	s := startRouter(t, env, root)
	before := s.answers()
	s.waitSnapshot(root)
	s.client.Close()

	st, err := store.Open(filepath.Join(env.state, "router.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	info, data, ok, err := st.Snapshot(root)
	if err != nil || !ok {
		t.Fatalf("stored snapshot: %v %v", ok, err)
	}
	for i := len(data) / 2; i < len(data); i += 7 {
		data[i] ^= 0x5a
	}
	if _, err := st.PutSnapshot(info, data); err != nil {
		t.Fatal(err)
	}
	st.Close()

	// status reads the state file while no router holds it.
	cmd := exec.Command(binary, "status", "--json")
	cmd.Env = env.environ()
	outb, err := cmd.Output()
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	var status struct {
		Held      bool            `json:"held_by_router"`
		Snapshots []snapshotState `json:"snapshots"`
	}
	if err := json.Unmarshal(outb, &status); err != nil {
		t.Fatalf("status --json: %v\n%s", err, outb)
	}
	if status.Held || len(status.Snapshots) != 1 || status.Snapshots[0].Root != root || status.Snapshots[0].Size != info.Size || status.Snapshots[0].Files < 10 || status.Snapshots[0].Age <= 0 {
		t.Fatalf("status --json = %s", outb)
	}
	cmd = exec.Command(binary, "status")
	cmd.Env = env.environ()
	if outb, err = cmd.Output(); err != nil || !strings.Contains(string(outb), root) || !strings.Contains(string(outb), "KiB") {
		t.Fatalf("status: %v\n%s", err, outb)
	}

	s = startRouter(t, env, root)
	sameAnswers(t, "with a corrupt snapshot", s.answers(), before)
	cmd = exec.Command(binary, "status")
	cmd.Env = env.environ()
	if outb, err = cmd.Output(); err != nil || !strings.Contains(string(outb), "router is running") {
		t.Fatalf("status while a router runs: %v\n%s", err, outb)
	}
	_, rep := s.instanceOf(root)
	if in := rep.Instances[0]; in.Index == nil || in.Index.Index != "scan" || in.Index.SnapshotError == "" {
		t.Fatalf("with a corrupt snapshot: index %+v; want a scan, saying why", in.Index)
	}

	// A snapshot of an older format (what an upgrade leaves behind).
	s.client.Close()
	st, err = store.Open(filepath.Join(env.state, "router.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	info, data, ok, err = st.Snapshot(root)
	if err != nil || !ok {
		t.Fatalf("stored snapshot: %v %v", ok, err)
	}
	const formatAt = len("GMRINDEX") // the format number follows the magic
	if data[formatAt] != index.SnapshotFormat {
		t.Fatalf("format byte %d; the layout changed", data[formatAt])
	}
	data[formatAt] = index.SnapshotFormat - 1
	if _, err := st.PutSnapshot(info, data); err != nil {
		t.Fatal(err)
	}
	st.Close()
	s = startRouter(t, env, root)
	sameAnswers(t, "with an older snapshot format", s.answers(), before)
	_, rep = s.instanceOf(root)
	if in := rep.Instances[0]; in.Index == nil || in.Index.Index != "scan" || !strings.Contains(in.Index.SnapshotError, "format") {
		t.Fatalf("with an older format: index %+v; want a scan, saying the format", in.Index)
	}
}
