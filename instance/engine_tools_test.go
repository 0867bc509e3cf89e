package instance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/detect"
	"github.com/godot-mcp-router/godot-mcp-router/instance/engine"
)

// The engine tools are tested with a real engine, Debian's godot3-server
// (Godot 3.2.3, headless, with the editor's export tools), which .ci/run
// installs; and for Godot 4's command lines with a test double
// (engine/testdata/fakegodot) that checks the arguments and replays Godot
// 4's output.

// godot3 returns the path of godot3-server. Missing, the test fails: a
// skipped engine test would hide that nothing was checked.
func godot3(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("godot3-server")
	if err != nil {
		t.Fatalf("godot3-server is not installed (apt-get install godot3-server; .ci/run does it): %v", err)
	}
	return p
}

var (
	fakeOnce sync.Once
	fakePath string
	fakeErr  error
)

// fakeGodot4 builds the Godot 4 test double once, as "godot4" in a folder
// of its own.
func fakeGodot4(t *testing.T) string {
	t.Helper()
	fakeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gmr-fakegodot-")
		if err != nil {
			fakeErr = err
			return
		}
		fakePath = filepath.Join(dir, "godot4")
		out, err := exec.Command("go", "build", "-o", fakePath, "./engine/testdata/fakegodot").CombinedOutput()
		if err != nil {
			fakeErr = errors.New(string(out))
		}
	})
	if fakeErr != nil {
		t.Fatalf("building the Godot 4 test double: %v", fakeErr)
	}
	return fakePath
}

// engineEnv points the engine tools at one engine: PATH holds only its
// folder, GODOT_BIN is unset, and HOME is a fresh folder (no export
// templates installed).
func engineEnv(t *testing.T, bin string) (home string) {
	t.Helper()
	home = t.TempDir()
	t.Setenv("GODOT_BIN", "")
	t.Setenv("PATH", filepath.Dir(bin))
	t.Setenv("HOME", home)
	t.Setenv("XDG_DATA_HOME", "")
	return home
}

const fixtureMain = `extends Node

func _ready():
	print("hello from fixture")
	push_warning("a warning here")
	print("args: ", OS.get_cmdline_args())
	var a = null
	a.foo()
	get_tree().quit()
`

// A script that does not parse: Godot 3.2.3 reports the error on line 6.
const fixtureBad = "extends Node\n\nfunc f():\n\tvar x = 1\n\tx +=\n\treturn x\n"

// engine3Fixture writes a Godot 3 project whose main scene prints, errors
// (a call on null, after which _ready stops, so the game never quits) and
// loops; a script that does not parse; and export presets.
func engine3Fixture(t *testing.T) string {
	t.Helper()
	tmpl := filepath.Join(t.TempDir(), "template.x86_64")
	if err := os.WriteFile(tmpl, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	presets := `[preset.0]

name="Linux/X11"
platform="Linux/X11"
runnable=true
export_filter="all_resources"
export_path="../out/fixture.x86_64"
script_export_mode=1

[preset.0.options]

binary_format/64_bits=true
custom_template/release=""
custom_template/debug=""

[preset.1]

name="Custom"
platform="Linux/X11"
runnable=false
export_filter="all_resources"
export_path=""
script_export_mode=1

[preset.1.options]

binary_format/64_bits=true
custom_template/release="` + tmpl + `"
custom_template/debug="` + tmpl + `"
`
	return writeTree(t, map[string]string{
		"project.godot":              "config_version=4\n\n[application]\n\nconfig/name=\"Fixture\"\nrun/main_scene=\"res://main.tscn\"\n",
		"main.gd":                    fixtureMain,
		"main.tscn":                  "[gd_scene load_steps=2 format=2]\n\n[ext_resource path=\"res://main.gd\" type=\"Script\" id=1]\n\n[node name=\"Main\" type=\"Node\"]\nscript = ExtResource( 1 )\n",
		"scripts/bad.gd":             fixtureBad,
		"scripts/good.gd":            "extends Node\n\nfunc hello():\n\treturn 1\n",
		"scripts/it's \"quoted\".gd": "extends Node\n",
		"export_presets.cfg":         presets,
	})
}

func godot4Fixture(t *testing.T) string {
	t.Helper()
	return writeTree(t, map[string]string{
		"project.godot":      "config_version=5\n\n[application]\n\nconfig/name=\"Fixture4\"\nrun/main_scene=\"res://main.tscn\"\nconfig/features=PackedStringArray(\"4.3\")\n",
		"main.gd":            "extends Node\n\nfunc _ready():\n\tprint(\"hi\")\n",
		"main.tscn":          "[gd_scene format=3]\n\n[node name=\"Main\" type=\"Node\"]\n",
		"scripts/bad.gd":     "extends Node\n\nfunc f():\n\tvar x = 1 # fake-parse-error: Expected expression after \"+=\" operator.\n",
		"scripts/good.gd":    "extends Node\n",
		"export_presets.cfg": "[preset.0]\n\nname=\"Linux\"\nplatform=\"Linux\"\nrunnable=true\nexport_path=\"bin/game.x86_64\"\n\n[preset.0.options]\n\ncustom_template/debug=\"\"\ncustom_template/release=\"\"\n",
	})
}

// engineServer serves root with its engine state closed at the end of the
// test (as Serve does when the instance stops).
func engineServer(t *testing.T, root string) *Server {
	t.Helper()
	s := newServer(t, root)
	t.Cleanup(s.eng.close)
	return s
}

// alive reports whether a process exists (and is not a zombie of ours).
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z")
}

func waitGone(t *testing.T, pids ...int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for alive(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("process %d is still running", pid)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func TestGodotVersionReal(t *testing.T) {
	bin := godot3(t)
	engineEnv(t, bin)
	s := engineServer(t, engine3Fixture(t))
	var out GodotVersions
	callTool(t, s, "get_godot_version", nil).decode(t, &out)
	if out.Serving == nil || out.Serving.Major != 3 || out.Serving.Minor != 2 || out.Serving.Patch != 3 || out.Serving.Path != bin {
		t.Fatalf("serving: %+v (problem %q)", out.Serving, out.Problem)
	}
	if out.Project != "3.x" || len(out.Presets) != 2 || out.Presets[1].Name != "Custom" {
		t.Fatalf("project %q presets %+v", out.Project, out.Presets)
	}

	// A Godot 4 project is not served by Godot 3: the answer says what
	// was found and what to install or set.
	s4 := engineServer(t, godot4Fixture(t))
	out = GodotVersions{}
	callTool(t, s4, "get_godot_version", nil).decode(t, &out)
	if out.Serving != nil || !strings.Contains(out.Problem, "only Godot 3.2.3") || !strings.Contains(out.Problem, "GODOT_BIN") {
		t.Fatalf("wrong major: serving %+v, problem %q", out.Serving, out.Problem)
	}
	for _, tool := range []string{"run_project", "validate_scripts", "trigger_build"} {
		r := callTool(t, s4, tool, nil)
		if !r.IsError || !strings.Contains(r.text(), "install Godot 4") {
			t.Fatalf("%s with the wrong major: %s", tool, r.text())
		}
	}
}

func TestEngineToolsWithoutEngine(t *testing.T) {
	engineEnv(t, filepath.Join(t.TempDir(), "nothing-here"))
	s := engineServer(t, engine3Fixture(t))
	var out GodotVersions
	callTool(t, s, "get_godot_version", nil).decode(t, &out)
	if out.Serving != nil || len(out.Found) != 0 || !strings.Contains(out.Problem, "no Godot engine found") {
		t.Fatalf("no engine: %+v", out)
	}
	for _, tool := range []string{"run_project", "validate_scripts", "trigger_build"} {
		r := callTool(t, s, tool, map[string]any{"preset": "Custom"})
		if !r.IsError || !strings.Contains(r.text(), "no Godot engine found") || !strings.Contains(r.text(), "GODOT_BIN") {
			t.Fatalf("%s without an engine: %s", tool, r.text())
		}
	}
	// GODOT_BIN naming nothing says so.
	t.Setenv("GODOT_BIN", "/nonexistent/godot")
	out = GodotVersions{}
	callTool(t, s, "get_godot_version", nil).decode(t, &out)
	if len(out.Found) != 1 || !strings.Contains(out.Found[0].Err, "does not exist") {
		t.Fatalf("GODOT_BIN missing: %+v", out.Found)
	}
}

// treeOf lists the files and folders under root.
func treeOf(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil {
			rel, _ := filepath.Rel(root, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

func TestValidateScriptsReal(t *testing.T) {
	engineEnv(t, godot3(t))
	// An empty XDG_DATA_HOME made Godot 3 write its user:// folder into
	// the working folder, the project: the engine runs without it, and
	// nothing new appears in the project.
	t.Setenv("XDG_DATA_HOME", "")
	root := engine3Fixture(t)
	before := treeOf(t, root)
	t.Cleanup(func() {
		if after := treeOf(t, root); !slices.Equal(before, after) {
			t.Errorf("the engine tools changed the project's files:\nbefore %v\nafter  %v", before, after)
		}
	})
	s := engineServer(t, root)
	var v Validation
	callTool(t, s, "validate_scripts", nil).decode(t, &v)
	if v.Checked != 4 || v.OK != 3 || v.Failed != 1 || v.NotRun != 0 || v.ExitCode == nil || *v.ExitCode != 0 {
		t.Fatalf("validation: %+v", v)
	}
	bad := v.Scripts[0]
	if bad.Path != "res://scripts/bad.gd" || bad.State != engine.ScriptInvalid {
		t.Fatalf("bad script: %+v", bad)
	}
	var engineErr *ScriptError
	for i, e := range bad.Errors {
		if e.By == "engine" && engineErr == nil {
			engineErr = &bad.Errors[i]
		}
	}
	if engineErr == nil || engineErr.File != "res://scripts/bad.gd" || engineErr.Line != 6 || !strings.Contains(engineErr.Message, "Parse Error") {
		t.Fatalf("the engine's parse error: %+v", bad.Errors)
	}
	t.Logf("agreement %s, errors %+v", bad.Agreement, bad.Errors)

	// Some scripts only; a path outside the project is refused.
	callTool(t, s, "validate_scripts", map[string]any{"paths": []string{"scripts/good.gd", "res://main.gd"}}).decode(t, &v)
	if v.Checked != 2 || v.OK != 2 || len(v.Scripts) != 0 {
		t.Fatalf("two good scripts: %+v", v)
	}
	for _, bad := range []any{[]string{"../outside.gd"}, []string{"project.godot"}, []string{"res://nope.gd"}, 5} {
		if r := callTool(t, s, "validate_scripts", map[string]any{"paths": bad}); !r.IsError {
			t.Fatalf("paths %v accepted: %s", bad, r.text())
		}
	}
}

func TestRunProjectReal(t *testing.T) {
	engineEnv(t, godot3(t))
	s := engineServer(t, engine3Fixture(t))
	var started RunStarted
	callTool(t, s, "run_project", map[string]any{"args": []string{"--level=2", "hard"}, "wait_seconds": 3, "time_limit_seconds": 60}).decode(t, &started)
	run := started.Run
	if run.ID != "r1" || run.Status.State != engine.StateRunning || !alive(run.Status.Pid) {
		t.Fatalf("run: %+v", run)
	}
	for _, a := range run.Command {
		if a == "-d" || a == "--debug" {
			t.Fatalf("started under the debugger: %v", run.Command)
		}
	}
	var scriptErr *engine.Issue
	for i, is := range started.Issues {
		if is.Kind == "script" && is.Level == "error" {
			scriptErr = &started.Issues[i]
		}
	}
	if scriptErr == nil || scriptErr.File != "res://main.gd" || scriptErr.Line != 8 || !strings.Contains(scriptErr.Message, "Nonexistent function 'foo'") {
		t.Fatalf("the runtime error: %+v", started.Issues)
	}

	var out RunOutput
	callTool(t, s, "get_run_output", map[string]any{"since": 0}).decode(t, &out)
	text := ""
	for _, l := range out.Output.Lines {
		text += l.Text + "\n"
	}
	if !strings.Contains(text, "hello from fixture") || !strings.Contains(text, "args: [") || !strings.Contains(text, "--level=2, hard]") {
		t.Fatalf("output:\n%s", text)
	}
	callTool(t, s, "get_run_output", map[string]any{"level": "error", "since": 0}).decode(t, &out)
	for _, l := range out.Output.Lines {
		if l.Level != "error" {
			t.Fatalf("level error gave %+v", l)
		}
	}
	if out.Issues.Errors == 0 || len(out.Issues.Issues) == 0 {
		t.Fatalf("issues: %+v", out.Issues)
	}
	next := out.Output.Next
	callTool(t, s, "get_run_output", map[string]any{"since": next}).decode(t, &out)
	if len(out.Output.Lines) != 0 || len(out.Issues.Issues) != 0 {
		t.Fatalf("since the last line: %+v", out)
	}

	var stopped RunsStopped
	callTool(t, s, "stop_project", map[string]any{"id": "r1"}).decode(t, &stopped)
	if len(stopped.Runs) != 1 || stopped.Runs[0].Status.State != engine.StateStopped || stopped.Runs[0].Status.ExitCode == nil {
		t.Fatalf("stopped: %+v", stopped)
	}
	waitGone(t, run.Status.Pid)
	// Stopping again is fine; an unknown run is an error.
	if r := callTool(t, s, "stop_project", map[string]any{"id": "r1"}); r.IsError {
		t.Fatal(r.text())
	}
	if r := callTool(t, s, "get_run_output", map[string]any{"id": "r9"}); !r.IsError {
		t.Fatal("an unknown run answered")
	}
	// Engine options among the game's arguments are refused (Godot 3
	// would read them even after "--").
	for _, a := range []string{"-d", "--debug", "--path=/", "-s", "--export", "--editor"} {
		if r := callTool(t, s, "run_project", map[string]any{"args": []string{a}}); !r.IsError {
			t.Fatalf("argument %q accepted", a)
		}
	}
	if r := callTool(t, s, "run_project", map[string]any{"scene": "../elsewhere.tscn"}); !r.IsError {
		t.Fatal("a scene outside the project was accepted")
	}
}

func TestRunTimeLimitReal(t *testing.T) {
	engineEnv(t, godot3(t))
	s := engineServer(t, engine3Fixture(t))
	var started RunStarted
	callTool(t, s, "run_project", map[string]any{"time_limit_seconds": 1, "wait_seconds": 10}).decode(t, &started)
	st := started.Run.Status
	if st.State != engine.StateTimeLimit || st.ExitCode == nil || st.Seconds < 0.9 || st.Seconds > 6 {
		t.Fatalf("a run past its time limit: %+v", st)
	}
	waitGone(t, st.Pid)
}

func TestBuildReal(t *testing.T) {
	home := engineEnv(t, godot3(t))
	root := engine3Fixture(t)
	s := engineServer(t, root)

	// A custom template: a real export.
	var rec BuildRecord
	callTool(t, s, "trigger_build", map[string]any{"preset": "Custom"}).decode(t, &rec)
	if rec.ID != "b1" || rec.State != BuildRunning || rec.Output != "build/Custom/Fixture.x86_64" {
		t.Fatalf("started: %+v", rec)
	}
	var st BuildStatus
	callTool(t, s, "wait_for_build", map[string]any{"timeout_seconds": 60}).decode(t, &st)
	if !st.Finished || st.Build.State != BuildSucceeded || st.Build.Bytes == 0 || st.Build.Progress != 100 {
		t.Fatalf("build: %+v", st.Build)
	}
	if _, err := os.Stat(filepath.Join(root, "build", "Custom", "Fixture.x86_64")); err != nil {
		t.Fatal(err)
	}

	// A pack needs no templates.
	callTool(t, s, "trigger_build", map[string]any{"preset": "Linux/X11", "mode": "pack"}).decode(t, &rec)
	callTool(t, s, "wait_for_build", map[string]any{"id": rec.ID}).decode(t, &st)
	if st.Build.State != BuildSucceeded || st.Build.Output != "build/Linux_X11/fixture.pck" {
		t.Fatalf("pack: %+v", st.Build)
	}

	// No templates installed: said before anything runs.
	r := callTool(t, s, "trigger_build", map[string]any{"preset": "Linux/X11"})
	if !r.IsError || !strings.Contains(r.text(), "export templates of Godot 3.2.3.stable.custom_build are not installed") ||
		!strings.Contains(r.text(), filepath.Join(home, ".local/share/godot/templates/3.2.3.stable")) {
		t.Fatalf("no templates: %s", r.text())
	}
	// Templates folder there but without this platform's: the engine says
	// so, and the build fails saying what to install.
	os.MkdirAll(filepath.Join(home, ".local/share/godot/templates/3.2.3.stable"), 0o755)
	os.WriteFile(filepath.Join(home, ".local/share/godot/templates/3.2.3.stable/version.txt"), []byte("3.2.3.stable"), 0o644)
	callTool(t, s, "trigger_build", map[string]any{"preset": "Linux/X11", "mode": "debug"}).decode(t, &rec)
	callTool(t, s, "wait_for_build", map[string]any{"id": rec.ID}).decode(t, &st)
	if st.Build.State != BuildFailed || !strings.Contains(st.Build.Error, "export templates are missing") || len(st.Build.Issues) == 0 {
		t.Fatalf("templates missing: %+v", st.Build)
	}

	for _, c := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"preset": "Nope"}, `the presets are "Linux/X11", "Custom"`},
		{nil, "preset\" is required"},
		{map[string]any{"preset": "Custom", "mode": "fast"}, "mode"},
		{map[string]any{"preset": "Custom", "output": "../../x"}, ""},
	} {
		r := callTool(t, s, "trigger_build", c.args)
		if c.want == "" {
			// "../../x" is cleaned to build/x: still inside.
			var rec BuildRecord
			r.decode(t, &rec)
			if rec.Output != "build/x" {
				t.Fatalf("output ../../x went to %s", rec.Output)
			}
			callTool(t, s, "wait_for_build", nil)
			continue
		}
		if !r.IsError || !strings.Contains(r.text(), c.want) {
			t.Fatalf("trigger_build %v: %s", c.args, r.text())
		}
	}

	var status BuildStatus
	callTool(t, s, "get_build_status", map[string]any{"id": "b1"}).decode(t, &status)
	if status.Build.State != BuildSucceeded || len(status.Recent) != 4 || status.Recent[0].ID != "b4" {
		t.Fatalf("status: %+v", status)
	}

	// The records are part of the instance's snapshot: a new instance
	// restored from it knows them.
	data, _, ok, err := s.snapshotIfNew()
	if err != nil || !ok {
		t.Fatalf("snapshot: %v %v", ok, err)
	}
	s2, err := New(root, Options{Snapshot: data})
	if err != nil {
		t.Fatal(err)
	}
	callTool(t, s2, "get_build_status", map[string]any{"id": "b1"}).decode(t, &status)
	if status.Build.State != BuildSucceeded || status.Build.Bytes != st.Build.Bytes && false || len(status.Recent) != 4 {
		t.Fatalf("restored: %+v", status)
	}
	callTool(t, s2, "trigger_build", map[string]any{"preset": "Custom"}).decode(t, &rec)
	if rec.ID != "b5" {
		t.Fatalf("the next build after a restore is %s", rec.ID)
	}
	callTool(t, s2, "wait_for_build", nil)
	s2.eng.close()
}

// fake4 sets up the Godot 4 test double and its log of command lines.
func fake4(t *testing.T) (log string) {
	t.Helper()
	bin := fakeGodot4(t)
	engineEnv(t, bin)
	log = filepath.Join(t.TempDir(), "args.jsonl")
	t.Setenv("FAKE_GODOT_LOG", log)
	for _, k := range []string{"FAKE_GODOT_RUN", "FAKE_GODOT_STEPS", "FAKE_GODOT_STEP_MS", "FAKE_GODOT_PIDS", "FAKE_GODOT_FAIL_EXPORT", "FAKE_GODOT_VERSION"} {
		t.Setenv(k, "")
	}
	return log
}

// commandLines reads the test double's log.
func commandLines(t *testing.T, log string) [][]string {
	t.Helper()
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for line := range strings.SplitSeq(strings.TrimSpace(string(b)), "\n") {
		var rec struct{ Args []string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		out = append(out, rec.Args)
	}
	return out
}

func TestGodot4CommandLines(t *testing.T) {
	log := fake4(t)
	root := godot4Fixture(t)
	s := engineServer(t, root)
	templates := filepath.Join(os.Getenv("HOME"), ".local/share/godot/export_templates/4.3.stable")

	// Export: --headless --export-release, the output under build/.
	r := callTool(t, s, "trigger_build", nil)
	if !r.IsError || !strings.Contains(r.text(), templates) {
		t.Fatalf("no templates: %s", r.text())
	}
	os.MkdirAll(templates, 0o755)
	os.WriteFile(filepath.Join(templates, "linux_release.x86_64"), []byte("x"), 0o755)
	var rec BuildRecord
	callTool(t, s, "trigger_build", nil).decode(t, &rec)
	var st BuildStatus
	callTool(t, s, "wait_for_build", nil).decode(t, &st)
	if st.Build.State != BuildSucceeded || st.Build.Output != "build/Linux/game.x86_64" || st.Build.Progress != 100 {
		t.Fatalf("godot 4 export: %+v", st.Build)
	}
	// The debug template is not installed: the engine's error is read.
	callTool(t, s, "trigger_build", map[string]any{"mode": "debug"}).decode(t, &rec)
	st = BuildStatus{}
	callTool(t, s, "wait_for_build", nil).decode(t, &st)
	if st.Build.State != BuildFailed || !strings.Contains(st.Build.Error, "export templates are missing") {
		t.Fatalf("godot 4 debug export without its template: %+v", st.Build)
	}

	// Validation: --headless -s, the parse error read from Godot 4's format.
	var v Validation
	callTool(t, s, "validate_scripts", nil).decode(t, &v)
	if v.Checked != 3 || v.Failed != 1 || v.Scripts[0].Path != "res://scripts/bad.gd" || v.Scripts[0].Errors[0].Line != 4 ||
		!strings.Contains(v.Scripts[0].Errors[0].Message, `Expected expression after "+=" operator.`) {
		t.Fatalf("godot 4 validation: %+v", v)
	}

	// A run: the game's arguments after "--", never -d.
	if r := callTool(t, s, "run_project", map[string]any{"args": []string{"-d"}}); !r.IsError {
		t.Fatal("-d accepted")
	}
	t.Setenv("FAKE_GODOT_RUN", "quit")
	var started RunStarted
	callTool(t, s, "run_project", map[string]any{"scene": "main.tscn", "args": []string{"--level", "-x"}, "headless": true, "wait_seconds": 10}).decode(t, &started)
	if started.Run.Status.State != engine.StateExited || *started.Run.Status.ExitCode != 0 || !strings.Contains(strings.Join(started.Tail, "\n"), `args: ["--level","-x"]`) {
		t.Fatalf("godot 4 run: %+v", started)
	}

	// Exports write into a staging folder beside the file, then move it.
	stage := filepath.Join(root, "build", "Linux", stagePrefix)
	want := map[string][]string{
		"export":   {"--headless", "--path", root, "--export-release", "Linux", stage},
		"debug":    {"--headless", "--path", root, "--export-debug", "Linux", stage},
		"validate": {"--headless", "--path", root, "-s"},
		"run":      {"--path", root, "--headless", "res://main.tscn", "--", "--level", "-x"},
	}
	seen := map[string]bool{}
	for _, args := range commandLines(t, log) {
		got := strings.Join(args, " ")
		for name, w := range want {
			if strings.HasPrefix(got, strings.Join(w, " ")) && (name != "validate" || len(args) == 5 && strings.HasSuffix(args[4], "validate.gd")) {
				seen[name] = true
			}
		}
		if strings.Contains(got, "--version") && len(args) != 1 {
			t.Fatalf("--version with more: %v", args)
		}
	}
	for name := range want {
		if !seen[name] {
			t.Fatalf("no %s command line among %v", name, commandLines(t, log))
		}
	}
}

// TestBuildCancelled cancels an export half way: the process group ends,
// the record says cancelled, and no partial file is left.
func TestBuildCancelled(t *testing.T) {
	fake4(t)
	t.Setenv("FAKE_GODOT_STEPS", "100")
	t.Setenv("FAKE_GODOT_STEP_MS", "50")
	templates := filepath.Join(os.Getenv("HOME"), ".local/share/godot/export_templates/4.3.stable")
	os.MkdirAll(templates, 0o755)
	os.WriteFile(filepath.Join(templates, "linux_release.x86_64"), []byte("template"), 0o755)
	root := godot4Fixture(t)
	out := filepath.Join(root, "build", "Linux", "game.x86_64")
	s := engineServer(t, root)
	var rec BuildRecord
	callTool(t, s, "trigger_build", nil).decode(t, &rec)
	if r := callTool(t, s, "trigger_build", map[string]any{"mode": "pack"}); !r.IsError || !strings.Contains(r.text(), "still running") {
		t.Fatalf("a second build at once: %s", r.text())
	}
	var st BuildStatus
	for st.Build.Progress == 0 {
		callTool(t, s, "get_build_status", nil).decode(t, &st)
		time.Sleep(20 * time.Millisecond)
	}
	// Half way: the engine has copied the template to its output (as
	// Godot does before packing), in the staging folder, not in place.
	staged := func() []string {
		m, _ := filepath.Glob(filepath.Join(root, "build", "Linux", stagePrefix+"*", "*"))
		return m
	}
	if len(staged()) == 0 {
		t.Fatal("no partial file half way")
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("a partial file in place half way: %v", err)
	}
	pid := s.eng.build.proc.Pid
	callTool(t, s, "cancel_build", nil).decode(t, &st)
	if st.Build.State != BuildCancelled || !st.Finished || st.Build.Progress >= 100 {
		t.Fatalf("cancelled: %+v", st.Build)
	}
	waitGone(t, pid)
	if _, err := os.Stat(out); !os.IsNotExist(err) || len(staged()) != 0 {
		t.Fatalf("the partial file is left: %v %v", err, staged())
	}
	// A failed export removes what it wrote too.
	t.Setenv("FAKE_GODOT_STEPS", "3")
	t.Setenv("FAKE_GODOT_FAIL_EXPORT", "1")
	callTool(t, s, "trigger_build", nil).decode(t, &rec)
	st = BuildStatus{}
	callTool(t, s, "wait_for_build", nil).decode(t, &st)
	if st.Build.State != BuildFailed || !strings.Contains(st.Build.Error, "Failed to export project files") {
		t.Fatalf("failed export: %+v", st.Build)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) || len(staged()) != 0 {
		t.Fatalf("a failed export's file is left: %v %v", err, staged())
	}
	t.Setenv("FAKE_GODOT_FAIL_EXPORT", "")
	t.Setenv("FAKE_GODOT_STEPS", "100")
	// A wait cancelled by the client stops the waiting, not the build.
	callTool(t, s, "trigger_build", map[string]any{"mode": "pack"}).decode(t, &rec)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	resp := s.MCP().HandleMessage(ctx, callMessage(t, "wait_for_build", nil))
	if b, _ := json.Marshal(resp); !strings.Contains(string(b), "the build goes on") {
		t.Fatalf("cancelled wait: %s", b)
	}
	callTool(t, s, "get_build_status", nil).decode(t, &st)
	if st.Build.State != BuildRunning {
		t.Fatalf("after a cancelled wait the build is %s", st.Build.State)
	}
	callTool(t, s, "cancel_build", nil)
}

// TestInstanceStopEndsRuns stops a serving instance while a game runs that
// started a child of its own: the whole group ends, no orphan is left.
func TestInstanceStopEndsRuns(t *testing.T) {
	fake4(t)
	pids := filepath.Join(t.TempDir(), "pids")
	t.Setenv("FAKE_GODOT_RUN", "spawn")
	t.Setenv("FAKE_GODOT_PIDS", pids)
	root := godot4Fixture(t)
	s := newServer(t, root)
	ctx, cancel := context.WithCancel(context.Background())
	sockDir := t.TempDir()
	os.Chmod(sockDir, 0o700)
	sock := filepath.Join(sockDir, "s.sock")
	ln, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	var started RunStarted
	callTool(t, s, "run_project", map[string]any{"time_limit_seconds": 600}).decode(t, &started)
	var game, child int
	for deadline := time.Now().Add(10 * time.Second); ; {
		b, _ := os.ReadFile(pids)
		if _, err := fmt.Sscan(string(b), &game, &child); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the game did not write its pids")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if game != started.Run.Status.Pid || !alive(child) {
		t.Fatalf("game %d (run says %d), child %d alive %v", game, started.Run.Status.Pid, child, alive(child))
	}
	cancel()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	waitGone(t, game, child)
}

// TestValidateCorpusReal checks every GDScript of every Godot 3 project of
// the corpus with the real engine: the official demos all compile, and
// this server's own parser agrees (it finds no error in them either).
func TestValidateCorpusReal(t *testing.T) {
	engineEnv(t, godot3(t))
	projects, err := detect.Scan(corpusDir(t, "godot3-demos"), detect.ScanOptions{MaxDepth: 6, MaxDirs: 100000})
	if err != nil {
		t.Fatal(err)
	}
	checked, scripts := 0, 0
	for _, p := range projects {
		s := engineServer(t, p.Root)
		r := callTool(t, s, "validate_scripts", nil)
		if r.IsError {
			if strings.Contains(r.text(), "no scripts to check") {
				continue
			}
			t.Fatalf("%s: %s", p.Root, r.text())
		}
		var v Validation
		r.decode(t, &v)
		checked++
		scripts += v.Checked
		if v.Failed != 0 || v.OK != v.Checked {
			t.Errorf("%s: %d of %d scripts failed: %+v", p.Root, v.Failed, v.Checked, v.Scripts)
		}
	}
	if checked < 60 || scripts < 250 {
		t.Fatalf("only %d projects, %d scripts checked", checked, scripts)
	}
	t.Logf("%d projects, %d scripts: all compile in Godot 3.2.3, and the static parser agrees", checked, scripts)
}

// BenchmarkValidateScriptsReal times validate_scripts with the real engine
// on the corpus project with the most scripts (godot3-demos/2d/physics_tests,
// 29): almost all of it is the engine's start.
func BenchmarkValidateScriptsReal(b *testing.B) {
	bin, err := exec.LookPath("godot3-server")
	if err != nil {
		b.Fatalf("godot3-server is not installed: %v", err)
	}
	b.Setenv("PATH", filepath.Dir(bin))
	b.Setenv("GODOT_BIN", "")
	s := newServer(b, corpusDir(b, "godot3-demos", "2d", "physics_tests"))
	defer s.eng.close()
	for b.Loop() {
		if r := callTool(b, s, "validate_scripts", nil); r.IsError {
			b.Fatal(r.text())
		}
	}
}

// BenchmarkRunToFirstError times run_project until the game's runtime
// error is in get_run_output, with the real engine.
func BenchmarkRunToFirstError(b *testing.B) {
	bin, err := exec.LookPath("godot3-server")
	if err != nil {
		b.Fatalf("godot3-server is not installed: %v", err)
	}
	b.Setenv("PATH", filepath.Dir(bin))
	b.Setenv("GODOT_BIN", "")
	s := newServer(b, writeTree(b, map[string]string{
		"project.godot": "config_version=4\n\n[application]\n\nconfig/name=\"Bench\"\nrun/main_scene=\"res://main.tscn\"\n",
		"main.gd":       "extends Node\n\nfunc _ready():\n\tnull.foo()\n",
		"main.tscn":     "[gd_scene load_steps=2 format=2]\n\n[ext_resource path=\"res://main.gd\" type=\"Script\" id=1]\n\n[node name=\"Main\" type=\"Node\"]\nscript = ExtResource( 1 )\n",
	}))
	defer s.eng.close()
	for b.Loop() {
		if r := callTool(b, s, "run_project", nil); r.IsError {
			b.Fatal(r.text())
		}
		for {
			var out RunOutput
			callTool(b, s, "get_run_output", map[string]any{"level": "error"}).decode(b, &out)
			if out.Run.Errors > 0 {
				break
			}
			time.Sleep(time.Millisecond)
		}
		callTool(b, s, "stop_project", nil)
	}
}

// TestRunFlood: a game printing 100,000 lines of 200 bytes as fast as it
// can: every line is counted, the buffer keeps its bounds, and a page of
// output stays bounded in bytes.
func TestRunFlood(t *testing.T) {
	fake4(t)
	t.Setenv("FAKE_GODOT_RUN", "flood")
	s := engineServer(t, godot4Fixture(t))
	var started RunStarted
	callTool(t, s, "run_project", map[string]any{"headless": true, "wait_seconds": 30}).decode(t, &started)
	if started.Run.Status.State != engine.StateExited || started.Run.Lines < 100000 {
		t.Fatalf("flood: %+v", started.Run)
	}
	var out RunOutput
	callTool(t, s, "get_run_output", map[string]any{"limit": 1000}).decode(t, &out)
	if out.Output.Dropped < 100000-engine.DefaultRingLines || out.Output.Total != started.Run.Lines {
		t.Fatalf("dropped %d of %d", out.Output.Dropped, out.Output.Total)
	}
	size := 0
	for _, l := range out.Output.Lines {
		size += len(l.Text)
	}
	if size > engine.DefaultPageBytes || len(out.Output.Lines) == 0 || out.Output.Lines[len(out.Output.Lines)-1].Seq != out.Output.Total {
		t.Fatalf("a page of %d lines, %d bytes", len(out.Output.Lines), size)
	}
}

// TestRunArgsGodot3Refused: with Godot 3, which reads its options anywhere
// and opens the project of any argument ending in project.godot, such
// arguments are refused; without a main scene, any argument would be run
// as the scene, so arguments need a scene.
func TestRunArgsGodot3Refused(t *testing.T) {
	engineEnv(t, godot3(t))
	outside := writeTree(t, map[string]string{
		"project.godot": "config_version=4\n\n[application]\n\nconfig/name=\"Evil\"\n",
		"evil.tscn":     "[gd_scene format=2]\n\n[node name=\"Evil\" type=\"Node\"]\n",
	})
	s := engineServer(t, engine3Fixture(t))
	for _, a := range []string{filepath.Join(outside, "project.godot"), "PROJECT.GODOT"} {
		r := callTool(t, s, "run_project", map[string]any{"args": []string{a}})
		if !r.IsError || !strings.Contains(r.text(), "would open the project") {
			t.Fatalf("argument %q: %s", a, r.text())
		}
	}
	noMain := writeTree(t, map[string]string{
		"project.godot": "config_version=4\n\n[application]\n\nconfig/name=\"NoMain\"\n",
		"a.tscn":        "[gd_scene format=2]\n\n[node name=\"A\" type=\"Node\"]\n",
	})
	s2 := engineServer(t, noMain)
	r := callTool(t, s2, "run_project", map[string]any{"args": []string{filepath.Join(outside, "evil.tscn")}})
	if !r.IsError || !strings.Contains(r.text(), "pass scene") {
		t.Fatalf("an argument without a main scene: %s", r.text())
	}
	// With the scene named, the same argument is only the game's.
	var started RunStarted
	callTool(t, s2, "run_project", map[string]any{"scene": "a.tscn", "args": []string{filepath.Join(outside, "evil.tscn")}, "time_limit_seconds": 1, "wait_seconds": 10}).decode(t, &started)
	if started.Run.Status.State != engine.StateTimeLimit {
		t.Fatalf("run with a scene: %+v", started.Run)
	}
	// Too much in arguments is refused.
	big := make([]string, 10)
	for i := range big {
		big[i] = strings.Repeat("a", 1000)
	}
	if r := callTool(t, s2, "run_project", map[string]any{"scene": "a.tscn", "args": big}); !r.IsError {
		t.Fatal("10 kB of arguments accepted")
	}
}

// TestBuildOutputStaysInBuild: a preset named "..", an export_path naming
// project.godot, a build/ folder that is a symlink out of the project:
// nothing is written outside build/, and nothing is made outside the
// project.
func TestBuildOutputStaysInBuild(t *testing.T) {
	fake4(t)
	root := writeTree(t, map[string]string{
		"project.godot":      "config_version=5\n\n[application]\n\nconfig/name=\"P\"\nconfig/features=PackedStringArray(\"4.3\")\n",
		"export_presets.cfg": "[preset.0]\n\nname=\"..\"\nplatform=\"Linux\"\nexport_path=\"project.godot\"\n\n[preset.1]\n\nname=\".hidden/../x\"\nplatform=\"Linux\"\nexport_path=\"../../..\"\n",
	})
	before, _ := os.ReadFile(filepath.Join(root, "project.godot"))
	s := engineServer(t, root)
	var rec BuildRecord
	callTool(t, s, "trigger_build", map[string]any{"preset": "..", "mode": "pack"}).decode(t, &rec)
	callTool(t, s, "wait_for_build", nil)
	if rec.Output != "build/_../project.pck" {
		t.Fatalf("preset \"..\" writes %s", rec.Output)
	}
	callTool(t, s, "trigger_build", map[string]any{"preset": ".hidden/../x", "mode": "pack"}).decode(t, &rec)
	callTool(t, s, "wait_for_build", nil)
	if rec.Output != "build/_.hidden_.._x/P.pck" {
		t.Fatalf("preset \".hidden/../x\" writes %s", rec.Output)
	}
	if after, _ := os.ReadFile(filepath.Join(root, "project.godot")); string(after) != string(before) {
		t.Fatal("project.godot was overwritten")
	}

	// A symlink already beside the file (a .pck Godot writes next to the
	// binary, say) is replaced, not written through.
	outsideFile := filepath.Join(t.TempDir(), "precious")
	os.WriteFile(outsideFile, []byte("precious"), 0o644)
	os.MkdirAll(filepath.Join(root, "build", "Linux"), 0o755)
	os.Symlink(outsideFile, filepath.Join(root, "build", "Linux", "game.pck"))
	os.WriteFile(filepath.Join(root, "export_presets.cfg"), []byte("[preset.0]\n\nname=\"Linux\"\nplatform=\"Linux\"\nexport_path=\"game.x86_64\"\n\n[preset.0.options]\n\ncustom_template/release=\"res://tmpl\"\n"), 0o644)
	os.WriteFile(filepath.Join(root, "tmpl"), []byte("template"), 0o755)
	callTool(t, s, "trigger_build", map[string]any{"preset": "Linux"}).decode(t, &rec)
	var st BuildStatus
	callTool(t, s, "wait_for_build", nil).decode(t, &st)
	if st.Build.State != BuildSucceeded {
		t.Fatalf("build beside a symlink: %+v", st.Build)
	}
	if b, _ := os.ReadFile(outsideFile); string(b) != "precious" {
		t.Fatalf("a file outside the project was written through a symlink: %q", b)
	}
	if fi, err := os.Lstat(filepath.Join(root, "build", "Linux", "game.pck")); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("the .pck in place: %v %v", fi, err)
	}

	// Symlinked folders are refused, leading out of the project or not,
	// and nothing is made through them.
	outside := t.TempDir()
	for _, c := range []struct{ link, target string }{
		{"build", outside},
		{"build", "."},
		{"build/Linux", filepath.Join(root, "scripts")},
	} {
		os.RemoveAll(filepath.Join(root, "build"))
		os.MkdirAll(filepath.Join(root, "build"), 0o755)
		if c.link == "build" {
			os.Remove(filepath.Join(root, "build"))
		}
		if err := os.Symlink(c.target, filepath.Join(root, c.link)); err != nil {
			t.Fatal(err)
		}
		r := callTool(t, s, "trigger_build", map[string]any{"preset": "Linux", "output": "Linux/made/us.x86_64"})
		if !r.IsError || !strings.Contains(r.text(), "is a symlink") {
			t.Fatalf("%s -> %s: %s", c.link, c.target, r.text())
		}
		os.Remove(filepath.Join(root, c.link))
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Fatalf("made outside the project: %v", entries)
	}
	if _, err := os.Stat(filepath.Join(root, "Linux")); !os.IsNotExist(err) {
		t.Fatalf("made in the project's root through build -> .: %v", err)
	}
}

// TestRunOutputBoundedAnswers: a game printing a thousand errors of 5 kB
// each, and other runs with many arguments: every answer stays bounded.
func TestRunOutputBoundedAnswers(t *testing.T) {
	engineEnv(t, godot3(t))
	root := writeTree(t, map[string]string{
		"project.godot": "config_version=4\n\n[application]\n\nconfig/name=\"Loud\"\nrun/main_scene=\"res://main.tscn\"\n",
		"main.gd":       "extends Node\n\nfunc _ready():\n\tvar s = \"\"\n\tfor j in 500:\n\t\ts += \"0123456789\"\n\tfor i in 1000:\n\t\tpush_error(s)\n\tprint(\"done\")\n\tget_tree().quit()\n",
		"main.tscn":     "[gd_scene load_steps=2 format=2]\n\n[ext_resource path=\"res://main.gd\" type=\"Script\" id=1]\n\n[node name=\"Main\" type=\"Node\"]\nscript = ExtResource( 1 )\n",
	})
	s := engineServer(t, root)
	args := make([]string, 8)
	for i := range args {
		args[i] = strings.Repeat("b", 1000)
	}
	for range 3 {
		callTool(t, s, "run_project", map[string]any{"args": args, "time_limit_seconds": 30})
	}
	r := callTool(t, s, "run_project", map[string]any{"args": args, "wait_seconds": 20, "time_limit_seconds": 30})
	size := func(r toolResult) int { return len(r.Structured) + len(r.text()) }
	var started RunStarted
	r.decode(t, &started)
	if started.Run.Errors < 1000 || size(r) > 150_000 {
		t.Fatalf("run_project: %d errors, answer of %d bytes", started.Run.Errors, size(r))
	}
	for _, limit := range []int{200, 1000} {
		r := callTool(t, s, "get_run_output", map[string]any{"limit": limit, "since": 0})
		var out RunOutput
		r.decode(t, &out)
		if size(r) > 600_000 || len(out.Issues.Issues) == 0 || out.Issues.Omitted == 0 || len(out.Runs) != 3 {
			t.Fatalf("get_run_output limit %d: %d bytes, %d issues (%d omitted), %d other runs", limit, size(r), len(out.Issues.Issues), out.Issues.Omitted, len(out.Runs))
		}
	}
	callTool(t, s, "stop_project", nil)
}

// TestValidateAutoloadFlood: an autoload that prints twenty thousand lines
// and fifteen thousand errors when it loads: the markers and the scripts'
// errors are kept, and the broken script is still found.
func TestValidateAutoloadFlood(t *testing.T) {
	engineEnv(t, godot3(t))
	root := writeTree(t, map[string]string{
		"project.godot":  "config_version=4\n\n[application]\n\nconfig/name=\"Flood\"\n\n[autoload]\n\nNoisy=\"*res://noisy.gd\"\n",
		"noisy.gd":       "extends Node\n\nfunc _ready():\n\tfor i in 20000:\n\t\tprint(\"noise \", i)\n\tfor i in 15000:\n\t\tpush_error(\"loud \" + str(i))\n",
		"user.gd":        "extends Node\n\nfunc f():\n\treturn Noisy.name\n",
		"scripts/bad.gd": fixtureBad,
	})
	s := engineServer(t, root)
	var v Validation
	callTool(t, s, "validate_scripts", nil).decode(t, &v)
	if v.Checked != 3 || v.Failed != 1 || v.NotRun != 0 || v.Scripts[0].Path != "res://scripts/bad.gd" {
		t.Fatalf("validation under a flood: %+v", v)
	}
}
