package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// writeGodot3Game writes a Godot 3 project whose main scene prints, hits a
// runtime error on line 5 of main.gd (after which it never quits), and a
// script that does not parse (Godot 3.2.3 says line 6).
func writeGodot3Game(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "game")
	files := map[string]string{
		"project.godot":  "config_version=4\n\n[application]\n\nconfig/name=\"Game\"\nrun/main_scene=\"res://main.tscn\"\n",
		"main.gd":        "extends Node\n\nfunc _ready():\n\tprint(\"game up\")\n\tnull.foo()\n",
		"main.tscn":      "[gd_scene load_steps=2 format=2]\n\n[ext_resource path=\"res://main.gd\" type=\"Script\" id=1]\n\n[node name=\"Main\" type=\"Node\"]\nscript = ExtResource( 1 )\n",
		"scripts/bad.gd": "extends Node\n\nfunc f():\n\tvar x = 1\n\tx +=\n\treturn x\n",
	}
	for name, content := range files {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func requireGodot3(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("godot3-server"); err != nil {
		t.Fatalf("godot3-server is not installed (apt-get install godot3-server; .ci/run does it): %v", err)
	}
}

// TestEngineEndToEnd runs the real engine (godot3-server) through the
// binary: validate_scripts finds the parse error on its line, run_project
// reports the game's runtime error, a game running keeps its instance from
// being stopped as idle, and a game outlives neither stop_project nor its
// instance killed with SIGKILL.
func TestEngineEndToEnd(t *testing.T) {
	requireGodot3(t)
	game := writeGodot3Game(t)
	env := newRouterEnv(t)
	env.extra = append(env.extra, "GODOT_MCP_ROUTER_IDLE_TIMEOUT=400ms", "GODOT_MCP_ROUTER_IDLE_CHECK=100ms", "GODOT_BIN=")
	s := startRouter(t, env, game)

	var v struct {
		Checked int `json:"checked"`
		Failed  int `json:"failed"`
		Scripts []struct {
			Path   string `json:"path"`
			Errors []struct {
				Line    int    `json:"line"`
				Message string `json:"message"`
				By      string `json:"by"`
			} `json:"errors"`
		} `json:"scripts"`
	}
	if res := s.call("validate_scripts", nil, &v); res.IsError {
		t.Fatalf("validate_scripts: %s", resultText(res))
	}
	if v.Checked != 2 || v.Failed != 1 || v.Scripts[0].Path != "res://scripts/bad.gd" || v.Scripts[0].Errors[0].Line != 6 || v.Scripts[0].Errors[0].By != "engine" {
		t.Fatalf("validation: %+v", v)
	}

	type run struct {
		Run struct {
			ID     string `json:"id"`
			Status struct {
				State string `json:"state"`
				Pid   int    `json:"pid"`
			} `json:"status"`
		} `json:"run"`
		Issues []struct {
			File string `json:"file"`
			Line int    `json:"line"`
			Kind string `json:"kind"`
		} `json:"issues"`
	}
	var r run
	if res := s.call("run_project", map[string]any{"wait_seconds": 2, "time_limit_seconds": 120}, &r); res.IsError {
		t.Fatalf("run_project: %s", resultText(res))
	}
	found := false
	for _, is := range r.Issues {
		found = found || (is.File == "res://main.gd" && is.Line == 5 && is.Kind == "script")
	}
	if !found || r.Run.Status.State != "running" {
		t.Fatalf("run: %+v", r)
	}
	gamePID := r.Run.Status.Pid
	instPID, _ := s.instanceOf(game)

	// Idle for ten idle timeouts, but a game runs: the instance stays.
	time.Sleep(1500 * time.Millisecond)
	if processGone(instPID) || processGone(gamePID) {
		t.Fatalf("with a game running, the instance (%v) or the game (%v) was stopped", !processGone(instPID), !processGone(gamePID))
	}
	if res := s.call("stop_project", nil, nil); res.IsError {
		t.Fatalf("stop_project: %s", resultText(res))
	}
	waitGone(t, gamePID, 10*time.Second)
	// No game: now it is idle, and stopped.
	waitGone(t, instPID, 10*time.Second)

	// A game whose instance is killed outright dies with it.
	if res := s.call("run_project", map[string]any{"time_limit_seconds": 120}, &r); res.IsError {
		t.Fatalf("run_project: %s", resultText(res))
	}
	gamePID = r.Run.Status.Pid
	instPID, _ = s.instanceOf(game)
	if err := syscall.Kill(instPID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, gamePID, 10*time.Second)
}

// TestEngineOrphansEndToEnd: a game that started a process of its own, in
// an instance killed with SIGKILL: the game dies with the instance
// (parent-death signal), and the router ends the rest of its process group.
// The game is the Godot 4 test double in its "spawn" mode.
func TestEngineOrphansEndToEnd(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "godot4")
	if out, err := exec.Command("go", "build", "-o", fake, "./instance/engine/testdata/fakegodot").CombinedOutput(); err != nil {
		t.Fatalf("building the Godot 4 test double: %v\n%s", err, out)
	}
	proj := filepath.Join(dir, "game4")
	os.MkdirAll(proj, 0o755)
	os.WriteFile(filepath.Join(proj, "project.godot"), []byte("config_version=5\n\n[application]\n\nconfig/name=\"Game4\"\nconfig/features=PackedStringArray(\"4.3\")\n"), 0o644)
	pids := filepath.Join(dir, "pids")
	env := newRouterEnv(t)
	env.extra = append(env.extra, "GODOT_BIN="+fake, "FAKE_GODOT_RUN=spawn", "FAKE_GODOT_PIDS="+pids)
	s := startRouter(t, env, proj)
	if res := s.call("run_project", map[string]any{"headless": true}, nil); res.IsError {
		t.Fatalf("run_project: %s", resultText(res))
	}
	var game, child int
	until(t, "the game writes its pids", func() bool {
		b, _ := os.ReadFile(pids)
		_, err := fmt.Sscan(string(b), &game, &child)
		return err == nil
	})
	if processGone(game) || processGone(child) {
		t.Fatalf("game %d or its child %d is not running", game, child)
	}
	instPID, _ := s.instanceOf(proj)
	// The report of the game's group reaches the router on the control
	// connection; give it a moment before the kill.
	time.Sleep(200 * time.Millisecond)
	if err := syscall.Kill(instPID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, game, 10*time.Second)
	waitGone(t, child, 10*time.Second)
}

// TestBuildEndToEnd exports a project with the real engine through the
// binary: wait_for_build sends rising progress to the client, the build
// succeeds, and its record outlives the router: after `stop`, a new router
// restores it from the state file with the instance's snapshot.
func TestBuildEndToEnd(t *testing.T) {
	requireGodot3(t)
	game := writeGodot3Game(t)
	tmpl := filepath.Join(t.TempDir(), "template")
	os.WriteFile(tmpl, []byte("#!/bin/sh\n"), 0o755)
	os.WriteFile(filepath.Join(game, "export_presets.cfg"), []byte(`[preset.0]

name="Linux"
platform="Linux/X11"
runnable=true
export_filter="all_resources"
include_filter=""
exclude_filter=""
export_path="game.x86_64"
patch_list=PoolStringArray(  )

[preset.0.options]

custom_template/release="`+tmpl+`"
custom_template/debug="`+tmpl+`"
`), 0o644)
	env := newRouterEnv(t)
	env.extra = append(env.extra, "GODOT_BIN=", "HOME="+t.TempDir())
	s := startRouter(t, env, game)
	var mu sync.Mutex
	var progress []float64
	s.client.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method == "notifications/progress" {
			mu.Lock()
			if p, ok := n.Params.AdditionalFields["progress"].(float64); ok {
				progress = append(progress, p)
			}
			mu.Unlock()
		}
	})
	var rec struct {
		ID     string `json:"id"`
		Output string `json:"output"`
	}
	if res := s.call("trigger_build", nil, &rec); res.IsError {
		t.Fatalf("trigger_build: %s", resultText(res))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = "wait_for_build"
	req.Params.Meta = &mcp.Meta{ProgressToken: "build-1"}
	res, err := s.client.CallTool(ctx, req)
	if err != nil || res.IsError {
		t.Fatalf("wait_for_build: %v %s", err, resultText(res))
	}
	type status struct {
		Finished bool `json:"finished"`
		Build    struct {
			ID    string `json:"id"`
			State string `json:"state"`
			Bytes int64  `json:"bytes"`
		} `json:"build"`
	}
	var st status
	b, _ := json.Marshal(res.StructuredContent)
	json.Unmarshal(b, &st)
	if !st.Finished || st.Build.State != "succeeded" || st.Build.Bytes == 0 || rec.Output != "build/Linux/game.x86_64" {
		t.Fatalf("build: %s", b)
	}
	mu.Lock()
	got := slices.Clone(progress)
	mu.Unlock()
	if len(got) == 0 || !slices.IsSorted(got) || got[len(got)-1] > 100 {
		t.Fatalf("progress notifications: %v", got)
	}
	t.Logf("progress: %v", got)

	s.client.Close()
	stop := exec.Command(binary, "stop")
	stop.Env = env.environ()
	if out, err := stop.CombinedOutput(); err != nil {
		t.Fatalf("stop: %v\n%s", err, out)
	}
	s2 := startRouter(t, env, game)
	st = status{}
	if res := s2.call("get_build_status", map[string]any{"id": rec.ID}, &st); res.IsError || st.Build.State != "succeeded" || st.Build.Bytes == 0 {
		t.Fatalf("after a restart: %s %+v", resultText(res), st)
	}
}

// TestEngineAdoptedEndToEnd: the daemon dies while a game runs; the new
// daemon adopts the instance and hears what it runs (the adopt answer,
// then notifications), so it does not stop it as idle while the game goes
// on, and does once the game is stopped.
func TestEngineAdoptedEndToEnd(t *testing.T) {
	requireGodot3(t)
	game := writeGodot3Game(t)
	env := relayEnv(t)
	env.extra = append(env.extra, "GODOT_MCP_ROUTER_IDLE_TIMEOUT=1s", "GODOT_MCP_ROUTER_IDLE_CHECK=100ms", "GODOT_BIN=")
	s := startRouter(t, env, game)
	var r struct {
		Run struct {
			Status struct {
				Pid int `json:"pid"`
			} `json:"status"`
		} `json:"run"`
	}
	if res := s.call("run_project", map[string]any{"time_limit_seconds": 120}, &r); res.IsError {
		t.Fatalf("run_project: %s", resultText(res))
	}
	gamePID := r.Run.Status.Pid
	instPID, _ := s.instanceOf(game)
	// The registry records the instance (with its adoption secret) when it
	// is ready; give the write a moment, then kill the daemon.
	time.Sleep(500 * time.Millisecond)
	killDaemon(t, daemonPIDs(t, env)[0])
	if res := s.call("get_run_output", nil, nil); res.IsError {
		t.Fatalf("get_run_output after the daemon died: %s", resultText(res))
	}
	if pid, _ := s.instanceOf(game); pid != instPID {
		t.Fatalf("the instance was not adopted: %d, then %d", instPID, pid)
	}
	until(t, "the new daemon knows the game runs", func() bool {
		for _, in := range s.instances().Instances {
			if in.PID == instPID && in.EngineProcs != nil && in.EngineProcs.Runs == 1 {
				return true
			}
		}
		return false
	})
	time.Sleep(2500 * time.Millisecond) // idle timeout 1 s, checked every 100 ms
	if processGone(instPID) || processGone(gamePID) {
		t.Fatalf("the adopted instance (%v) or its game (%v) was stopped while the game ran", !processGone(instPID), !processGone(gamePID))
	}
	if res := s.call("stop_project", nil, nil); res.IsError {
		t.Fatalf("stop_project: %s", resultText(res))
	}
	waitGone(t, gamePID, 10*time.Second)
	waitGone(t, instPID, 15*time.Second) // now idle, and stopped
}
