package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// fakeBin is the fakegodot binary TestMain builds once for all tests.
var fakeBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fakegodot-test-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "making the build folder: %v\n", err)
		os.Exit(1)
	}
	fakeBin = filepath.Join(dir, "godot4")
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	build := exec.Command(goTool, "build", "-o", fakeBin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "building fakegodot: %v\n", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const banner = "Godot Engine v4.3.stable.official.77dcf97d8 - https://godotengine.org\n\n"

// testEnv is the environment of one fake run: this process's, without any
// FAKE_GODOT_*, XDG or HOME setting, then HOME=home and the extras.
func testEnv(home string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "FAKE_GODOT_") || strings.HasPrefix(name, "XDG_") || name == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "HOME="+home)
	return append(env, extra...)
}

type result struct {
	stdout string
	stderr string
	code   int
}

// runFake runs the fake to its end with separate stdout and stderr.
func runFake(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, fakeBin, args...)
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	code := 0
	switch {
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("running %v: %v", args, err)
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

func (r result) check(t *testing.T, wantCode int, wantStdout, wantStderr string) {
	t.Helper()
	if r.code != wantCode {
		t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, wantCode, r.stdout, r.stderr)
	}
	if r.stdout != wantStdout {
		t.Errorf("stdout:\n%q\nwant:\n%q", r.stdout, wantStdout)
	}
	if r.stderr != wantStderr {
		t.Errorf("stderr:\n%q\nwant:\n%q", r.stderr, wantStderr)
	}
}

// newProject makes a Godot project folder with a script, a scene and
// export_presets.cfg holding presetsCfg (none when empty).
func newProject(t *testing.T, presetsCfg string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "project.godot"), "config_version=5\n\n[application]\n\nconfig/name=\"Test\"\n")
	writeFile(t, filepath.Join(dir, "main.gd"), "extends Node\n\nfunc _ready():\n\tpass\n")
	writeFile(t, filepath.Join(dir, "main.tscn"), "[gd_scene format=3]\n\n[node name=\"Main\" type=\"Node\"]\n")
	writeFile(t, filepath.Join(dir, ".godot", "imported", "hidden.res"), "not exported")
	if presetsCfg != "" {
		writeFile(t, filepath.Join(dir, "export_presets.cfg"), presetsCfg)
	}
	return dir
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestVersion(t *testing.T) {
	home := t.TempDir()
	tests := []struct {
		name    string
		env     []string
		want    string
		minTime time.Duration
	}{
		{"default", nil, "4.3.stable.official.77dcf97d8\n", 0},
		{"override", []string{"FAKE_GODOT_VERSION=4.2.2.stable.official.15073afe3"}, "4.2.2.stable.official.15073afe3\n", 0},
		{"slow", []string{"FAKE_GODOT_VERSION_SLEEP_MS=200"}, "4.3.stable.official.77dcf97d8\n", 200 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			r := runFake(t, testEnv(home, tt.env...), "--version")
			r.check(t, 0, tt.want, "")
			if took := time.Since(start); took < tt.minTime {
				t.Errorf("took %v, want at least %v", took, tt.minTime)
			}
		})
	}
}

func TestBannerUsesVersion(t *testing.T) {
	proj := newProject(t, "")
	r := runFake(t, testEnv(t.TempDir(), "FAKE_GODOT_VERSION=4.4.1.stable.official.49a5bc7b6"), "--path", proj)
	r.check(t, 0, "Godot Engine v4.4.1.stable.official.49a5bc7b6 - https://godotengine.org\n\nhello from the game\nargs: []\n", "")
}

func TestInvocationLog(t *testing.T) {
	proj := newProject(t, "")
	cwd := t.TempDir()
	logPath := filepath.Join(t.TempDir(), "calls.jsonl")
	env := testEnv(t.TempDir(), "FAKE_GODOT_LOG="+logPath)
	calls := []struct {
		args []string
		code int
	}{
		{[]string{"--version"}, 0},
		{[]string{"--path", proj, "--headless", "--", "a b", "-d"}, 0},
		{[]string{"--path", proj, "--bogus"}, 2}, // recorded before it is rejected
		{[]string{"-d", "--path", proj}, 3},
		{[]string{}, 2},
	}
	for _, c := range calls {
		cmd := exec.Command(fakeBin, c.args...)
		cmd.Env, cmd.Dir = env, cwd
		err := cmd.Run()
		code := 0
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			code = exitErr.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != c.code {
			t.Errorf("%v: exit code %d, want %d", c.args, code, c.code)
		}
	}
	lines := strings.Split(strings.TrimSuffix(readFile(t, logPath), "\n"), "\n")
	if len(lines) != len(calls) {
		t.Fatalf("%d log lines, want %d:\n%s", len(lines), len(calls), strings.Join(lines, "\n"))
	}
	wantCwd, err := filepath.EvalSymlinks(cwd)
	if err != nil {
		t.Fatal(err)
	}
	pids := map[int]bool{}
	for i, line := range lines {
		var rec struct {
			Args []string `json:"args"`
			Cwd  string   `json:"cwd"`
			Pid  int      `json:"pid"`
		}
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			t.Fatalf("line %d %q: %v", i+1, line, err)
		}
		if rec.Args == nil {
			t.Errorf("line %d: args is null, want a list", i+1)
		}
		if strings.Join(rec.Args, "\x00") != strings.Join(calls[i].args, "\x00") || len(rec.Args) != len(calls[i].args) {
			t.Errorf("line %d: args %q, want %q", i+1, rec.Args, calls[i].args)
		}
		if got, _ := filepath.EvalSymlinks(rec.Cwd); got != wantCwd {
			t.Errorf("line %d: cwd %q, want %q", i+1, rec.Cwd, wantCwd)
		}
		if rec.Pid <= 0 || pids[rec.Pid] {
			t.Errorf("line %d: pid %d is not a fresh process id", i+1, rec.Pid)
		}
		pids[rec.Pid] = true
	}
}

func TestDebuggerFlag(t *testing.T) {
	proj := newProject(t, "")
	env := testEnv(t.TempDir())
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"short", []string{"--path", proj, "-d"}, 3},
		{"long", []string{"--debug", "--path", proj}, 3},
		{"before anything is checked", []string{"-d"}, 3},
		{"with --version", []string{"--version", "-d"}, 3},
		{"with export", []string{"--headless", "--path", proj, "-d", "--export-release", "Linux", "/tmp/x"}, 3},
		{"after --", []string{"--path", proj, "--", "-d", "--debug"}, 0},
		{"after ++", []string{"--path", proj, "++", "-d"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runFake(t, env, tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit code %d, want %d\nstderr: %s", r.code, tt.code, r.stderr)
			}
			if tt.code == 3 {
				r.check(t, 3, "", "fakegodot: the debugger flag was passed\n")
			}
		})
	}
}

func TestRejectsUnexpectedArguments(t *testing.T) {
	proj := newProject(t, "")
	env := testEnv(t.TempDir())
	tests := []struct {
		name   string
		args   []string
		reason string
	}{
		{"unknown option", []string{"--path", proj, "--bogus"}, `unknown option "--bogus"`},
		{"unknown short option", []string{"--path", proj, "-v"}, `unknown option "-v"`},
		{"--scene is not used", []string{"--path", proj, "--scene", "res://main.tscn"}, `unknown option "--scene"`},
		{"no arguments", []string{}, "--path is required"},
		{"no --path", []string{"--headless", "--quit"}, "--path is required"},
		{"--path without value", []string{"--path"}, "--path needs a directory"},
		{"--path twice", []string{"--path", proj, "--path", proj}, "--path given twice"},
		{"--headless twice", []string{"--headless", "--path", proj, "--headless"}, "--headless given twice"},
		{"--version with more", []string{"--version", "--headless"}, `unknown option "--version"`},
		{"export without --headless", []string{"--path", proj, "--export-release", "Linux", "/tmp/out/game"}, "--export-release without --headless needs a display"},
		{"relative export path", []string{"--headless", "--path", proj, "--export-debug", "Linux", "build/game.x86_64"}, `export path "build/game.x86_64" is not absolute`},
		{"export without path", []string{"--headless", "--path", proj, "--export-pack", "Linux"}, "--export-pack needs <preset> <path>"},
		{"two modes", []string{"--headless", "--path", proj, "--export-pack", "Linux", "/tmp/x.pck", "-s", "/tmp/v.gd"}, "-s with another mode"},
		{"two exports", []string{"--headless", "--path", proj, "--export-pack", "A", "/tmp/x.pck", "--export-release", "B", "/tmp/y"}, "--export-release with another mode"},
		{"scene with export", []string{"--headless", "--path", proj, "res://main.tscn", "--export-pack", "A", "/tmp/x.pck"}, `scene "res://main.tscn" with --export-pack`},
		{"script without --headless", []string{"--path", proj, "-s", "/tmp/v.gd"}, "a script without --headless needs a display"},
		{"relative script", []string{"--headless", "--path", proj, "--script", "v.gd"}, `script "v.gd" is not an absolute path to a .gd file`},
		{"script not .gd", []string{"--headless", "--path", proj, "-s", "/tmp/v.txt"}, `script "/tmp/v.txt" is not an absolute path to a .gd file`},
		{"script without value", []string{"--headless", "--path", proj, "-s"}, "-s needs a script"},
		{"positional not a scene", []string{"--path", proj, "main.gd"}, `positional argument "main.gd" is not a scene`},
		{"two scenes", []string{"--path", proj, "res://a.tscn", "res://b.tscn"}, `second positional argument "res://b.tscn"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runFake(t, env, tt.args...)
			argv, _ := json.Marshal(tt.args)
			want := "fakegodot: unexpected arguments: " + string(argv) + "\n"
			if !strings.HasPrefix(r.stderr, want) || !strings.Contains(r.stderr, tt.reason) {
				t.Errorf("stderr:\n%s\nwant it to start with %q and hold %q", r.stderr, want, tt.reason)
			}
			if r.code != 2 || r.stdout != "" {
				t.Errorf("exit code %d and stdout %q, want 2 and nothing", r.code, r.stdout)
			}
		})
	}
}

func TestInvalidProjectPath(t *testing.T) {
	env := testEnv(t.TempDir())
	missing := filepath.Join(t.TempDir(), "nope")
	noProject := t.TempDir()
	file := filepath.Join(t.TempDir(), "file")
	writeFile(t, file, "x")
	invalid := func(p string) string { return "Invalid project path specified: \"" + p + "\", aborting.\n" }
	tests := []struct {
		name       string
		args       []string
		wantStdout string
		wantStderr string
	}{
		{"missing folder", []string{"--path", missing}, invalid(missing), ""},
		{"relative path", []string{"--path", "proj"}, invalid("proj"), ""},
		{"a file", []string{"--path", file, "--headless"}, invalid(file), ""},
		{"no project.godot, run", []string{"--path", noProject}, invalid(noProject), ""},
		{"no project.godot, script", []string{"--headless", "--path", noProject, "-s", "/tmp/v.gd"}, invalid(noProject), ""},
		{"no project.godot, export", []string{"--headless", "--path", noProject, "--export-release", "Linux", "/tmp/out/game"},
			banner, "ERROR: Please provide a valid project path when exporting, aborting.\n   at: start (main/main.cpp:3439)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runFake(t, env, tt.args...).check(t, 1, tt.wantStdout, tt.wantStderr)
		})
	}
}

// presetsCfg is an export_presets.cfg as Godot 4.3 writes it (shortened),
// with a multi-line string and a packed array to parse through.
func presetsCfg(customRelease string) string {
	return `[preset.0]

name="Linux"
platform="Linux"
runnable=true
dedicated_server=false
custom_features=""
export_filter="all_resources"
include_filter=""
exclude_filter=""
export_path="build/game.x86_64"

[preset.0.options]

custom_template/debug=""
custom_template/release=""
debug/export_console_wrapper=1
binary_format/embed_pck=false
texture_format/s3tc_bptc=true
binary_format/architecture="x86_64"
ssh_remote_deploy/run_script="#!/usr/bin/env bash
export DISPLAY=:0
unzip -o -q \"{temp_dir}/{archive_name}\" -d \"{temp_dir}\"
\"{temp_dir}/{exe_name}\" {cmd_args}"
dotnet/extra=PackedStringArray("a]", "b")

[preset.1]

name="Linux Embedded"
platform="Linux"
export_path=""

[preset.1.options]

binary_format/embed_pck=true

[preset.2]

name="Custom"
platform="Linux"
export_path=""

[preset.2.options]

custom_template/debug="/nonexistent/debug_template"
custom_template/release="` + customRelease + `"

[preset.3]

name="Windows"
platform="Windows Desktop"
export_path=""

[preset.3.options]

binary_format/architecture="x86_64"
`
}

func TestExport(t *testing.T) {
	const steps3 = "savepack: begin: Packing steps: 102\n" +
		"\tsavepack: step 2: Storing File: res://main.gd\n" +
		"\tsavepack: step 35: Storing File: res://main.tscn\n" +
		"\tsavepack: step 68: Storing File: res://project.binary\n"
	const failed = "ERROR: Project export for preset \"Linux\" failed.\n   at: _fs_changed (editor/editor_node.cpp:1050)\n"

	type fixture struct {
		home, proj, out, custom, cache, data string
	}
	noTemplateFound := func(fx fixture, dir string) string {
		return "No export template found at the expected path:\n" + filepath.Join(dir, "linux_debug.x86_64") + "\n" +
			"No export template found at the expected path:\n" + filepath.Join(dir, "linux_release.x86_64") + "\n"
	}
	homeTemplates := func(fx fixture) string {
		return filepath.Join(fx.home, ".local", "share", "godot", "export_templates", "4.3.stable")
	}
	install := func(t *testing.T, dir string, names ...string) {
		for _, n := range names {
			writeFile(t, filepath.Join(dir, n), "TEMPLATE "+n)
		}
	}
	exportArgs := func(fx fixture, flag, preset, out string) []string {
		return []string{"--headless", "--path", fx.proj, flag, preset, out}
	}

	tests := []struct {
		name  string
		setup func(t *testing.T, fx fixture) (args, env []string)
		code  int
		// stdout and stderr after the banner, with fixture paths filled in
		stdout, stderr func(fx fixture) string
		check          func(t *testing.T, fx fixture)
	}{
		{
			name: "release",
			setup: func(t *testing.T, fx fixture) ([]string, []string) {
				install(t, homeTemplates(fx), "linux_debug.x86_64", "linux_release.x86_64")
				return exportArgs(fx, "--export-release", "Linux", fx.out), nil
			},
			stdout: func(fixture) string { return steps3 + "savepack: end\n" },
			check: func(t *testing.T, fx fixture) {
				if got := readFile(t, fx.out); got != "TEMPLATE linux_release.x86_64" {
					t.Errorf("binary %q, want the release template", got)
				}
				if fi, err := os.Stat(fx.out); err != nil || fi.Mode().Perm() != 0o755 {
					t.Errorf("binary mode: %v %v, want 0755", fi.Mode(), err)
				}
				pck := readFile(t, strings.TrimSuffix(fx.out, ".x86_64")+".pck")
				if !strings.HasPrefix(pck, "GDPC") || !strings.Contains(pck, "res://project.binary") {
					t.Errorf("pck %q: want a GDPC pack naming its files", pck)
				}
			},
		},
		{
			name: "debug",
			setup: func(t *testing.T, fx fixture) ([]string, []string) {
				install(t, homeTemplates(fx), "linux_debug.x86_64", "linux_release.x86_64")
				return exportArgs(fx, "--export-debug", "Linux", fx.out), nil
			},
			stdout: func(fixture) string { return steps3 + "savepack: end\n" },
			check: func(t *testing.T, fx fixture) {
				if got := readFile(t, fx.out); got != "TEMPLATE linux_debug.x86_64" {
					t.Errorf("binary %q, want the debug template", got)
				}
			},
		},
		{
			name: "embedded pck",
			setup: func(t *testing.T, fx fixture) ([]string, []string) {
				install(t, homeTemplates(fx), "linux_debug.x86_64", "linux_release.x86_64")
				return exportArgs(fx, "--export-release", "Linux Embedded", fx.out), nil
			},
			stdout: func(fixture) string { return steps3 + "savepack: end\n" },
			check: func(t *testing.T, fx fixture) {
				if got := readFile(t, fx.out); !strings.HasPrefix(got, "TEMPLATE linux_release.x86_64GDPC") {
					t.Errorf("binary %q, want the template with the pack appended", got)
				}
				if _, err := os.Stat(strings.TrimSuffix(fx.out, ".x86_64") + ".pck"); err == nil {
					t.Error("a separate .pck was written for an embedded export")
				}
			},
		},
		{
			name: "custom release template, no official ones",
			setup: func(t *testing.T, fx fixture) ([]string, []string) {
				writeFile(t, fx.custom, "CUSTOM")
				return exportArgs(fx, "--export-release", "Custom", fx.out), nil
			},
			stdout: func(fixture) string { return steps3 + "savepack: end\n" },
			check: func(t *testing.T, fx fixture) {
				if got := readFile(t, fx.out); got != "CUSTOM" {
					t.Errorf("binary %q, want the custom template", got)
				}
			},
		},
		{
			name: "XDG_DATA_HOME templates",
			setup: func(t *testing.T, fx fixture) ([]string, []string) {
				install(t, filepath.Join(fx.data, "godot", "export_templates", "4.3.stable"), "linux_release.x86_64")
				return exportArgs(fx, "--export-release", "Linux", fx.out), []string{"XDG_DATA_HOME=" + fx.data}
			},
			stdout: func(fixture) string { return steps3 + "savepack: end\n" },
		},
		{
			name: "no templates",
			setup: func(t *testing.T, fx fixture) ([]string, []string) {
				return exportArgs(fx, "--export-release", "Linux", fx.out), nil
			},
			code: 1,
			stderr: func(fx fixture) string {
				return "ERROR: Cannot export project with preset \"Linux\" due to configuration errors:\n" +
					noTemplateFound(fx, homeTemplates(fx)) + "\n   at: _fs_changed (editor/editor_node.cpp:1030)\n" + failed
			},
			check: func(t *testing.T, fx fixture) {
				if _, err := os.Stat(fx.out); err == nil {
					t.Error("the binary was written")
				}
			},
		},
		{
			name: "relative XDG_DATA_HOME is ignored",
			setup: func(t *testing.T, fx fixture) ([]string, []string) {
				install(t, filepath.Join(fx.proj, "rel", "godot", "export_templates", "4.3.stable"), "linux_release.x86_64")
				return exportArgs(fx, "--export-release", "Linux", fx.out), []string{"XDG_DATA_HOME=rel"}
			},
			code: 1,
			stderr: func(fx fixture) string {
				return "ERROR: Cannot export project with preset \"Linux\" due to configuration errors:\n" +
					noTemplateFound(fx, homeTemplates(fx)) + "\n   at: _fs_changed (editor/editor_node.cpp:1030)\n" + failed
			},
		},
		{
			name: "templates folder follows the version",
			setup: func(t *testing.T, fx fixture) ([]string, []string) {
				install(t, homeTemplates(fx), "linux_debug.x86_64", "linux_release.x86_64")
				return exportArgs(fx, "--export-release", "Linux", fx.out), []string{"FAKE_GODOT_VERSION=4.4.1.stable.mono.official.49a5bc7b6"}
			},
			code: 1,
			stderr: func(fx fixture) string {
				dir := filepath.Join(fx.home, ".local", "share", "godot", "export_templates", "4.4.1.stable.mono")
				return "ERROR: Cannot export project with preset \"Linux\" due to configuration errors:\n" +
					noTemplateFound(fx, dir) + "\n   at: _fs_changed (editor/editor_node.cpp:1030)\n" + failed
			},
		},
		{
			name: "custom templates missing",
			setup: func(t *testing.T, fx fixture) ([]string, []string) {
				return exportArgs(fx, "--export-release", "Custom", fx.out), nil
			},
			code: 1,
			stderr: func(fx fixture) string {
				return "ERROR: Cannot export project with preset \"Custom\" due to configuration errors:\n" +
					noTemplateFound(fx, homeTemplates(fx)) + "Custom debug template not found.\nCustom release template not found.\n" +
					"\n   at: _fs_changed (editor/editor_node.cpp:1030)\n" +
					"ERROR: Project export for preset \"Custom\" failed.\n   at: _fs_changed (editor/editor_node.cpp:1050)\n"
			},
		},
		{
			name: "only the other mode's template",
			setup: func(t *testing.T, fx fixture) ([]string, []string) {
				install(t, homeTemplates(fx), "linux_debug.x86_64")
				return exportArgs(fx, "--export-release", "Linux", fx.out), nil
			},
			code: 1,
			stderr: func(fixture) string {
				return "ERROR: Failed to open \n   at: copy (core/io/dir_access.cpp:408)\n" +
					"ERROR: Prepare Template: Failed to copy export template.\n   at: add_message (editor/export/editor_export_platform.h:182)\n" + failed
			},
		},
		{
			name: "missing target folder",
			setup: func(t *testing.T, fx fixture) ([]string, []string) {
				install(t, homeTemplates(fx), "linux_debug.x86_64", "linux_release.x86_64")
				return exportArgs(fx, "--export-release", "Linux", filepath.Join(fx.out+".d", "game")), nil
			},
			code: 1,
			stderr: func(fixture) string {
				return "ERROR: Prepare Template: The given export path doesn't exist.\n   at: add_message (editor/export/editor_export_platform.h:182)\n" + failed
			},
		},
		{
			name: "pack",
			setup: func(t *testing.T, fx fixture) ([]string, []string) {
				return exportArgs(fx, "--export-pack", "Linux", filepath.Join(filepath.Dir(fx.out), "game.pck")), nil
			},
			stdout: func(fixture) string { return steps3 + "savepack: end\n" },
			check: func(t *testing.T, fx fixture) {
				if got := readFile(t, filepath.Join(filepath.Dir(fx.out), "game.pck")); !strings.HasPrefix(got, "GDPC") {
					t.Errorf("pack %q, want GDPC", got)
				}
			},
		},
		{
			name: "zip pack",
			setup: func(t *testing.T, fx fixture) ([]string, []string) {
				return exportArgs(fx, "--export-pack", "Linux", filepath.Join(filepath.Dir(fx.out), "game.zip")), nil
			},
			stdout: func(fixture) string {
				return strings.ReplaceAll(steps3, "savepack", "savezip") + "savezip: end\n"
			},
			check: func(t *testing.T, fx fixture) {
				if got := readFile(t, filepath.Join(filepath.Dir(fx.out), "game.zip")); !strings.HasPrefix(got, "PK\x05\x06") {
					t.Errorf("zip %q, want an empty zip", got)
				}
			},
		},
		{
			name: "pack with another extension",
			setup: func(t *testing.T, fx fixture) ([]string, []string) {
				return exportArgs(fx, "--export-pack", "Linux", fx.out), nil
			},
			code: 1,
			stderr: func(fx fixture) string {
				return "ERROR: Export path \"" + fx.out + "\" doesn't end with a supported extension.\n   at: _fs_changed (editor/editor_node.cpp:1030)\n" + failed
			},
		},
		{
			name: "pack into a missing folder",
			setup: func(t *testing.T, fx fixture) ([]string, []string) {
				return exportArgs(fx, "--export-pack", "Linux", filepath.Join(fx.out+".d", "game.pck")), []string{"XDG_CACHE_HOME=" + fx.cache}
			},
			code:   1,
			stdout: func(fixture) string { return steps3 + "savepack: end\n" },
			stderr: func(fx fixture) string {
				return "ERROR: Save PCK: Can't open file to read from path \"" + filepath.Join(fx.cache, "godot", "packtmp") + "\".\n   at: add_message (editor/export/editor_export_platform.h:182)\n" + failed
			},
		},
		{
			name: "no export_presets.cfg",
			setup: func(t *testing.T, fx fixture) ([]string, []string) {
				if err := os.Remove(filepath.Join(fx.proj, "export_presets.cfg")); err != nil {
					t.Fatal(err)
				}
				return exportArgs(fx, "--export-release", "Linux", fx.out), nil
			},
			code: 1,
			stderr: func(fixture) string {
				return "ERROR: This project doesn't have an `export_presets.cfg` file at its root.\nCreate an export preset from the \"Project > Export\" dialog and try again.\n   at: _fs_changed (editor/editor_node.cpp:1050)\n"
			},
		},
		{
			name: "unknown preset",
			setup: func(t *testing.T, fx fixture) ([]string, []string) {
				return exportArgs(fx, "--export-pack", "Mac", filepath.Join(filepath.Dir(fx.out), "game.pck")), nil
			},
			code: 1,
			stderr: func(fixture) string {
				return "ERROR: Invalid export preset name: Mac.\nThe following presets were detected in this project's `export_presets.cfg`:\n\n" +
					"        \"Linux\"\n        \"Linux Embedded\"\n        \"Custom\"\n        \"Windows\"\n\n   at: _fs_changed (editor/editor_node.cpp:1050)\n"
			},
		},
		{
			name: "preset of an unknown platform",
			setup: func(t *testing.T, fx fixture) ([]string, []string) {
				writeFile(t, filepath.Join(fx.proj, "export_presets.cfg"), "[preset.0]\n\nname=\"Amiga\"\nplatform=\"Amiga\"\n\n[preset.1]\n\nname=\"Linux\"\nplatform=\"Linux\"\n")
				return exportArgs(fx, "--export-pack", "Amiga", filepath.Join(filepath.Dir(fx.out), "game.pck")), nil
			},
			code: 1,
			stderr: func(fixture) string {
				return "ERROR: Condition \"!preset.is_valid()\" is true. Continuing.\n   at: load_config (editor/export/editor_export.cpp:225)\n" +
					"ERROR: Invalid export preset name: Amiga.\nThe following presets were detected in this project's `export_presets.cfg`:\n\n" +
					"        \"Linux\"\n\n   at: _fs_changed (editor/editor_node.cpp:1050)\n"
			},
		},
		{
			name: "Windows templates",
			setup: func(t *testing.T, fx fixture) ([]string, []string) {
				install(t, homeTemplates(fx), "windows_release_x86_64.exe")
				return exportArgs(fx, "--export-release", "Windows", filepath.Join(filepath.Dir(fx.out), "game.exe")), nil
			},
			stdout: func(fixture) string { return steps3 + "savepack: end\n" },
			check: func(t *testing.T, fx fixture) {
				if got := readFile(t, filepath.Join(filepath.Dir(fx.out), "game.exe")); got != "TEMPLATE windows_release_x86_64.exe" {
					t.Errorf("binary %q, want the Windows release template", got)
				}
			},
		},
		{
			name: "failing export",
			setup: func(t *testing.T, fx fixture) ([]string, []string) {
				install(t, homeTemplates(fx), "linux_debug.x86_64", "linux_release.x86_64")
				return exportArgs(fx, "--export-release", "Linux", fx.out), []string{"FAKE_GODOT_FAIL_EXPORT=1"}
			},
			code:   1,
			stdout: func(fixture) string { return steps3 + "savepack: end\n" },
			stderr: func(fixture) string {
				return "ERROR: Save PCK: Failed to export project files.\n   at: add_message (editor/export/editor_export_platform.h:182)\n" + failed
			},
			check: func(t *testing.T, fx fixture) {
				// prepare_template copied the template before packing
				// failed: it is left, with no .pck beside it.
				entries, _ := os.ReadDir(filepath.Dir(fx.out))
				if len(entries) != 1 || entries[0].Name() != filepath.Base(fx.out) {
					t.Errorf("files written: %v", entries)
				}
			},
		},
		{
			name: "failing pack export",
			setup: func(t *testing.T, fx fixture) ([]string, []string) {
				return exportArgs(fx, "--export-pack", "Linux", filepath.Join(filepath.Dir(fx.out), "game.zip")), []string{"FAKE_GODOT_FAIL_EXPORT=1"}
			},
			code:   1,
			stdout: func(fixture) string { return strings.ReplaceAll(steps3, "savepack", "savezip") + "savezip: end\n" },
			stderr: func(fixture) string {
				return "ERROR: Save ZIP: Failed to export project files.\n   at: add_message (editor/export/editor_export_platform.h:182)\n" + failed
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			fx := fixture{
				home:   filepath.Join(tmp, "home"),
				out:    filepath.Join(tmp, "out", "game.x86_64"),
				custom: filepath.Join(tmp, "custom_release"),
				cache:  filepath.Join(tmp, "cache"),
				data:   filepath.Join(tmp, "data"),
			}
			fx.proj = newProject(t, presetsCfg(fx.custom))
			if err := os.MkdirAll(filepath.Dir(fx.out), 0o755); err != nil {
				t.Fatal(err)
			}
			args, extra := tt.setup(t, fx)
			env := testEnv(fx.home, append([]string{"FAKE_GODOT_STEPS=3", "FAKE_GODOT_STEP_MS=0"}, extra...)...)
			var wantStdout, wantStderr string
			if tt.stdout != nil {
				wantStdout = tt.stdout(fx)
			}
			if tt.stderr != nil {
				wantStderr = tt.stderr(fx)
			}
			banner := banner
			for _, kv := range extra {
				if v, ok := strings.CutPrefix(kv, "FAKE_GODOT_VERSION="); ok {
					banner = "Godot Engine v" + v + " - https://godotengine.org\n\n"
				}
			}
			runFake(t, env, args...).check(t, tt.code, banner+wantStdout, wantStderr)
			if tt.check != nil {
				tt.check(t, fx)
			}
		})
	}
}

func TestExportStepPacing(t *testing.T) {
	proj := newProject(t, presetsCfg("/nonexistent"))
	out := filepath.Join(t.TempDir(), "game.pck")
	env := testEnv(t.TempDir(), "FAKE_GODOT_STEPS=5", "FAKE_GODOT_STEP_MS=60")
	start := time.Now()
	r := runFake(t, env, "--headless", "--path", proj, "--export-pack", "Linux", out)
	took := time.Since(start)
	if r.code != 0 {
		t.Fatalf("exit code %d: %s", r.code, r.stderr)
	}
	if n := strings.Count(r.stdout, "\tsavepack: step "); n != 5 {
		t.Errorf("%d steps, want 5:\n%s", n, r.stdout)
	}
	for _, step := range []string{"step 2: Storing File: res://main.gd", "step 22: Storing File: res://main.tscn", "step 42: Storing File: res://.godot/imported/fake_2.res", "step 82: Storing File: res://project.binary"} {
		if !strings.Contains(r.stdout, step) {
			t.Errorf("no %q in:\n%s", step, r.stdout)
		}
	}
	if took < 4*60*time.Millisecond {
		t.Errorf("took %v, want at least 4 pauses of 60ms", took)
	}
}

// validatorFixture is a project with a good, a broken and a missing script,
// and the validator our program would write for them.
func validatorFixture(t *testing.T) (proj, validator string) {
	proj = newProject(t, "")
	writeFile(t, filepath.Join(proj, "bad.gd"), "extends Node\n\nfunc _ready():\n\tvar x = 1 fake-parse-error: Unexpected \"Identifier\" in class body.\n")
	writeFile(t, filepath.Join(proj, "dir", "odd \"name\" \\.gd"), "extends Node\n# fake-parse-error\n")
	validator = filepath.Join(t.TempDir(), "gmr_validate.gd")
	writeFile(t, validator, `extends SceneTree

const PATHS = [
	"res://main.gd",
	"res://bad.gd",
	"res://missing.gd",
	"res://dir/odd \"name\" \\.gd",
]

func _init():
	for p in PATHS:
		print("GMR-VALIDATE-BEGIN ", p)
	quit()
`)
	return proj, validator
}

const (
	validateStdout = "GMR-VALIDATE-BEGIN res://main.gd\n" +
		"GMR-VALIDATE-END res://main.gd ok\n" +
		"GMR-VALIDATE-BEGIN res://bad.gd\n" +
		"GMR-VALIDATE-END res://bad.gd invalid\n" +
		"GMR-VALIDATE-BEGIN res://missing.gd\n" +
		"GMR-VALIDATE-END res://missing.gd failed\n" +
		"GMR-VALIDATE-BEGIN res://dir/odd \"name\" \\.gd\n" +
		"GMR-VALIDATE-END res://dir/odd \"name\" \\.gd invalid\n"
	badParse = "SCRIPT ERROR: Parse Error: Unexpected \"Identifier\" in class body.\n" +
		"          at: GDScript::reload (res://bad.gd:4)\n" +
		"ERROR: Failed to load script \"res://bad.gd\" with error \"Parse error\".\n" +
		"   at: load (modules/gdscript/gdscript.cpp:2705)\n"
	missingLoad = "ERROR: Attempt to open script 'res://missing.gd' resulted in error 'File not found'.\n" +
		"   at: load_source_code (modules/gdscript/gdscript.cpp:1096)\n" +
		"ERROR: Failed loading resource: res://missing.gd. Make sure resources have been imported by opening the project in the editor at least once.\n" +
		"   at: _load (core/io/resource_loader.cpp:283)\n"
	oddParse = "SCRIPT ERROR: Parse Error: Expected end of statement after expression.\n" +
		"          at: GDScript::reload (res://dir/odd \"name\" \\.gd:2)\n" +
		"ERROR: Failed to load script \"res://dir/odd \"name\" \\.gd\" with error \"Parse error\".\n" +
		"   at: load (modules/gdscript/gdscript.cpp:2705)\n"
)

func TestValidate(t *testing.T) {
	proj, validator := validatorFixture(t)
	for _, flag := range []string{"-s", "--script"} {
		t.Run(flag, func(t *testing.T) {
			r := runFake(t, testEnv(t.TempDir()), "--headless", "--path", proj, flag, validator, "--quit")
			r.check(t, 0, banner+validateStdout, badParse+missingLoad+oddParse)
		})
	}
}

// TestValidateSharedPipeOrder runs the validation with stdout and stderr on
// one pipe, as a reader of both would, and wants Godot's order.
func TestValidateSharedPipeOrder(t *testing.T) {
	proj, validator := validatorFixture(t)
	cmd := exec.Command(fakeBin, "--headless", "--path", proj, "-s", validator)
	cmd.Env = testEnv(t.TempDir())
	var both bytes.Buffer
	cmd.Stdout, cmd.Stderr = &both, &both // one pipe: exec shares it when the writers are equal
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	want := banner +
		"GMR-VALIDATE-BEGIN res://main.gd\n" +
		"GMR-VALIDATE-END res://main.gd ok\n" +
		"GMR-VALIDATE-BEGIN res://bad.gd\n" + badParse +
		"GMR-VALIDATE-END res://bad.gd invalid\n" +
		"GMR-VALIDATE-BEGIN res://missing.gd\n" + missingLoad +
		"GMR-VALIDATE-END res://missing.gd failed\n" +
		"GMR-VALIDATE-BEGIN res://dir/odd \"name\" \\.gd\n" + oddParse +
		"GMR-VALIDATE-END res://dir/odd \"name\" \\.gd invalid\n"
	if got := both.String(); got != want {
		t.Errorf("combined output:\n%s\nwant:\n%s", got, want)
	}
}

func TestValidatorProblems(t *testing.T) {
	proj := newProject(t, "")
	env := testEnv(t.TempDir())
	t.Run("missing validator", func(t *testing.T) {
		outside := filepath.Join(t.TempDir(), "v.gd")
		inside := filepath.Join(proj, "tools", "v.gd")
		for _, tc := range []struct{ path, local string }{{outside, outside}, {inside, "res://tools/v.gd"}} {
			r := runFake(t, env, "--headless", "--path", proj, "-s", tc.path)
			r.check(t, 1, banner,
				"ERROR: Attempt to open script '"+tc.local+"' resulted in error 'File not found'.\n   at: load_source_code (modules/gdscript/gdscript.cpp:1096)\n"+
					"ERROR: Failed loading resource: "+tc.local+". Make sure resources have been imported by opening the project in the editor at least once.\n   at: _load (core/io/resource_loader.cpp:283)\n"+
					"ERROR: Can't load script: "+tc.path+"\n   at: start (main/main.cpp:3711)\n")
		}
	})
	for _, tc := range []struct{ name, src, reason string }{
		{"no PATHS", "extends SceneTree\nfunc _init():\n\tquit()\n", "no line `const PATHS = [`"},
		{"never closed", "const PATHS = [\n\t\"res://a.gd\",\n", "is never closed"},
		{"not a string", "const PATHS = [\n\tres://a.gd,\n]\n", "line 2: expected a \"string\""},
		{"bad escape", "const PATHS = [\n\t\"res://\\q.gd\",\n]\n", "unsupported escape"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := filepath.Join(t.TempDir(), "v.gd")
			writeFile(t, v, tc.src)
			r := runFake(t, env, "--headless", "--path", proj, "-s", v)
			if r.code != 2 || !strings.HasPrefix(r.stderr, "fakegodot: validator "+v+": ") || !strings.Contains(r.stderr, tc.reason) {
				t.Errorf("exit code %d, stderr %q: want 2 and a validator error holding %q", r.code, r.stderr, tc.reason)
			}
		})
	}
}

func TestRun(t *testing.T) {
	proj := newProject(t, "")
	writeFile(t, filepath.Join(proj, "levels", "one.scn"), "RSRC")
	missingTscn := "ERROR: Cannot open file 'res://nope.tscn'.\n   at: load (scene/resources/resource_format_text.cpp:1646)\n" +
		"ERROR: Failed loading resource: res://nope.tscn. Make sure resources have been imported by opening the project in the editor at least once.\n   at: _load (core/io/resource_loader.cpp:283)\n" +
		"ERROR: Failed loading scene: res://nope.tscn.\n   at: start (main/main.cpp:3939)\n"
	hello := "hello from the game\n"
	tests := []struct {
		name       string
		run        string
		args       []string
		code       int
		wantStdout string
		wantStderr string
	}{
		{"default", "", []string{"--path", proj, "--", "a", "b c", "--x"}, 0, banner + hello + "args: [\"a\",\"b c\",\"--x\"]\n", ""},
		{"quit without user args", "quit", []string{"--headless", "--quit", "--verbose", "--path", proj}, 0, banner + hello + "args: []\n", ""},
		{"++ separator", "quit", []string{"--path", proj, "++", "x"}, 0, banner + hello + "args: [\"x\"]\n", ""},
		{"res:// scene", "", []string{"--path", proj, "res://main.tscn"}, 0, banner + hello + "args: []\n", ""},
		{"absolute scene", "", []string{filepath.Join(proj, "main.tscn"), "--path", proj}, 0, banner + hello + "args: []\n", ""},
		{"relative scene", "", []string{"--path", proj, "levels/one.scn"}, 0, banner + hello + "args: []\n", ""},
		{"missing scene", "", []string{"--path", proj, "res://nope.tscn"}, 1, banner, missingTscn},
		{"missing binary scene", "", []string{"--path", proj, "res://nope.scn"}, 1, banner,
			"ERROR: Cannot open file 'res://nope.scn'.\n   at: load (core/io/resource_format_binary.cpp:1180)\n" +
				"ERROR: Failed loading resource: res://nope.scn. Make sure resources have been imported by opening the project in the editor at least once.\n   at: _load (core/io/resource_loader.cpp:283)\n" +
				"ERROR: Failed loading scene: res://nope.scn.\n   at: start (main/main.cpp:3939)\n"},
		{"exit code", "exit:7", []string{"--path", proj}, 7, banner + "bye\n", ""},
		{"exit zero", "exit:0", []string{"--path", proj}, 0, banner + "bye\n", ""},
		{"error-loop with --quit", "error-loop", []string{"--path", proj, "--quit"}, 0, banner + hello,
			"SCRIPT ERROR: Cannot call method 'foo' on a null value.\n          at: _ready (res://main.gd:9)\n" +
				"WARNING: the game has a warning for you\n     at: push_warning (core/variant/variant_utility.cpp:1118)\n"},
		{"bad exit code", "exit:x", []string{"--path", proj}, 2, banner, "fakegodot: FAKE_GODOT_RUN=\"exit:x\": the exit code must be 0 to 255\n"},
		{"unknown behaviour", "dance", []string{"--path", proj}, 2, banner,
			"fakegodot: unknown FAKE_GODOT_RUN=\"dance\" (want quit, error-loop, exit:<code>, spawn, ignore-term or flood)\n"},
		{"spawn without FAKE_GODOT_PIDS", "spawn", []string{"--path", proj}, 2, banner, "fakegodot: FAKE_GODOT_RUN=spawn needs FAKE_GODOT_PIDS\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var extra []string
			if tt.run != "" {
				extra = append(extra, "FAKE_GODOT_RUN="+tt.run)
			}
			runFake(t, testEnv(t.TempDir(), extra...), tt.args...).check(t, tt.code, tt.wantStdout, tt.wantStderr)
		})
	}
}

// syncBuffer is a bytes.Buffer safe for the exec copier and the test.
type syncBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// game is a fake game running in its own process group.
type game struct {
	cmd    *exec.Cmd
	stdout syncBuffer
	stderr syncBuffer
	done   chan struct{}
	err    error // set before done is closed
}

// startGame starts the fake in a new process group; the test's cleanup kills
// the group and waits for the fake.
func startGame(t *testing.T, env []string, args ...string) *game {
	t.Helper()
	g := &game{cmd: exec.Command(fakeBin, args...), done: make(chan struct{})}
	g.cmd.Env = env
	g.cmd.Stdout, g.cmd.Stderr = &g.stdout, &g.stderr
	g.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	g.cmd.WaitDelay = 5 * time.Second
	if err := g.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		g.err = g.cmd.Wait()
		close(g.done)
	}()
	t.Cleanup(func() {
		_ = syscall.Kill(-g.cmd.Process.Pid, syscall.SIGKILL)
		select {
		case <-g.done:
		case <-time.After(10 * time.Second):
			t.Error("the fake did not end after SIGKILL")
		}
	})
	return g
}

// waitStdout waits until stdout holds s.
func (g *game) waitStdout(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(g.stdout.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in stdout:\n%s\nstderr:\n%s", s, g.stdout.String(), g.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitExit waits for the fake to end and returns how.
func (g *game) waitExit(t *testing.T, within time.Duration) syscall.WaitStatus {
	t.Helper()
	select {
	case <-g.done:
	case <-time.After(within):
		t.Fatalf("still running after %v", within)
	}
	var exitErr *exec.ExitError
	if g.err != nil && !errors.As(g.err, &exitErr) {
		t.Fatalf("waiting: %v", g.err)
	}
	return g.cmd.ProcessState.Sys().(syscall.WaitStatus)
}

func (g *game) running() bool {
	select {
	case <-g.done:
		return false
	default:
		return true
	}
}

func TestRunErrorLoop(t *testing.T) {
	proj := newProject(t, "")
	g := startGame(t, testEnv(t.TempDir(), "FAKE_GODOT_RUN=error-loop"), "--path", proj, "--headless")
	g.waitStdout(t, "tick 3\n")
	if got := g.stdout.String(); !strings.HasPrefix(got, banner+"hello from the game\ntick 1\ntick 2\ntick 3\n") {
		t.Errorf("stdout:\n%s", got)
	}
	wantStderr := "SCRIPT ERROR: Cannot call method 'foo' on a null value.\n          at: _ready (res://main.gd:9)\n" +
		"WARNING: the game has a warning for you\n     at: push_warning (core/variant/variant_utility.cpp:1118)\n"
	if got := g.stderr.String(); got != wantStderr {
		t.Errorf("stderr:\n%q\nwant:\n%q", got, wantStderr)
	}
	// No handler is installed: SIGTERM ends it the default way.
	if err := g.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if ws := g.waitExit(t, 5*time.Second); !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Errorf("ended with %v, want killed by SIGTERM", ws)
	}
}

func TestRunIgnoreTerm(t *testing.T) {
	proj := newProject(t, "")
	g := startGame(t, testEnv(t.TempDir(), "FAKE_GODOT_RUN=ignore-term"), "--path", proj)
	g.waitStdout(t, "tick 1\n")
	if err := g.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if !g.running() {
		t.Fatal("SIGTERM stopped the game")
	}
	ticks := strings.Count(g.stdout.String(), "tick ")
	g.waitStdout(t, fmt.Sprintf("tick %d\n", ticks+1))
	if err := g.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if ws := g.waitExit(t, 5*time.Second); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("ended with %v, want killed by SIGKILL", ws)
	}
}

// gone says whether a process has ended: no such process, or a zombie that
// nobody reaped (the container's init may not).
func gone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] == 'Z' || stat[i+2] == 'X'
}

func TestRunSpawnProcessGroup(t *testing.T) {
	proj := newProject(t, "")
	tmp := t.TempDir()
	pidsPath := filepath.Join(tmp, "pids")
	logPath := filepath.Join(tmp, "calls.jsonl")
	g := startGame(t, testEnv(t.TempDir(), "FAKE_GODOT_RUN=spawn", "FAKE_GODOT_PIDS="+pidsPath, "FAKE_GODOT_LOG="+logPath), "--path", proj)
	g.waitStdout(t, "tick 1\n")

	fields := strings.Fields(readFile(t, pidsPath))
	if len(fields) != 2 || !strings.HasSuffix(readFile(t, pidsPath), "\n") {
		t.Fatalf("pids file %q, want \"<ownpid> <childpid>\\n\"", readFile(t, pidsPath))
	}
	parent, err1 := strconv.Atoi(fields[0])
	child, err2 := strconv.Atoi(fields[1])
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	if parent != g.cmd.Process.Pid {
		t.Errorf("own pid %d, want %d", parent, g.cmd.Process.Pid)
	}
	if gone(child) {
		t.Fatal("the child is not running")
	}
	if pgid, err := syscall.Getpgid(child); err != nil || pgid != parent {
		t.Errorf("child process group %d (%v), want the fake's %d", pgid, err, parent)
	}
	if n := strings.Count(readFile(t, logPath), "\n"); n != 1 {
		t.Errorf("%d invocations logged, want 1 (the child is not one)", n)
	}
	if !strings.Contains(g.stderr.String(), "SCRIPT ERROR: Cannot call method 'foo' on a null value.") {
		t.Errorf("stderr %q: want the error-loop's script error", g.stderr.String())
	}

	// Killing only the fake leaves the child; killing the group ends both.
	if err := syscall.Kill(-parent, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	g.waitExit(t, 10*time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for !gone(child) {
		if time.Now().After(deadline) {
			t.Fatal("the child outlived its process group's SIGKILL")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRunFlood(t *testing.T) {
	proj := newProject(t, "")
	r := runFake(t, testEnv(t.TempDir(), "FAKE_GODOT_RUN=flood"), "--path", proj)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit code %d, stderr %q", r.code, r.stderr)
	}
	body, ok := strings.CutPrefix(r.stdout, banner)
	if !ok {
		t.Fatalf("no banner: %q", r.stdout[:min(len(r.stdout), 200)])
	}
	if len(body) != floodLines*floodLineLen {
		t.Fatalf("%d bytes of flood, want %d", len(body), floodLines*floodLineLen)
	}
	lines := strings.SplitAfter(body, "\n")
	lines = lines[:len(lines)-1] // after the last newline
	if len(lines) != floodLines {
		t.Fatalf("%d lines, want %d", len(lines), floodLines)
	}
	for i, l := range []int{0, 1, floodLines - 1} {
		want := fmt.Sprintf("flood %06d x", l+1)
		if len(lines[l]) != floodLineLen || !strings.HasPrefix(lines[l], want) {
			t.Errorf("line %d (#%d) %q: want %d bytes starting %q", l+1, i, lines[l], floodLineLen, want)
		}
	}
}

func TestVersionConfig(t *testing.T) {
	for full, want := range map[string]string{
		"4.3.stable.official.77dcf97d8":      "4.3.stable",
		"4.3.stable.mono.official.77dcf97d8": "4.3.stable.mono",
		"4.4.1.rc2.official.49a5bc7b6":       "4.4.1.rc2",
		"4.3.stable":                         "4.3.stable",
		"4.3":                                "4.3",
		"":                                   "",
	} {
		if got := versionConfig(full); got != want {
			t.Errorf("versionConfig(%q) = %q, want %q", full, got, want)
		}
	}
}

func TestParseConfig(t *testing.T) {
	cfg, err := parseConfig(presetsCfg("/x/custom"))
	if err != nil {
		t.Fatal(err)
	}
	presets := presetsFrom(cfg)
	if len(presets) != 4 {
		t.Fatalf("%d presets, want 4", len(presets))
	}
	p := presets[0]
	if p.name != "Linux" || p.platform != "Linux" || p.exportPath != "build/game.x86_64" {
		t.Errorf("preset 0: %+v", p)
	}
	if got, want := p.options["ssh_remote_deploy/run_script"], "#!/usr/bin/env bash\nexport DISPLAY=:0\nunzip -o -q \"{temp_dir}/{archive_name}\" -d \"{temp_dir}\"\n\"{temp_dir}/{exe_name}\" {cmd_args}"; got != want {
		t.Errorf("run_script %q, want %q", got, want)
	}
	if got := p.options["dotnet/extra"]; got != `PackedStringArray("a]", "b")` {
		t.Errorf("packed array kept as %q", got)
	}
	if got := p.options["binary_format/embed_pck"]; got != "false" {
		t.Errorf("embed_pck %q", got)
	}
	if got := presets[2].options["custom_template/release"]; got != "/x/custom" {
		t.Errorf("custom release %q", got)
	}

	for _, bad := range []struct{ src, want string }{
		{"[preset.0\nname=\"x\"\n", "line 1: section header without ']'"},
		{"[a]\nname\n", "line 2: expected key=value"},
		{"[a]\n\nname=\"x\n", "line 3: value of \"name\": unterminated string"},
		{"[a]\nv=[1, (2]\n", "line 2: value of \"v\": unbalanced ']'"},
		{"[a]\nv=\"x\" y\n", "line 2: value of \"v\": unexpected \"y\" after the string"},
	} {
		if _, err := parseConfig(bad.src); err == nil || err.Error() != bad.want {
			t.Errorf("parseConfig(%q) error %v, want %q", bad.src, err, bad.want)
		}
	}
}

func TestParseValidatorPaths(t *testing.T) {
	tests := []struct {
		src  string
		want []string
	}{
		{"const PATHS = [\n]\n", []string{}},
		{"extends SceneTree\n\tconst PATHS = [\n\t\"res://a.gd\",\n\n\t# a comment\n\t\"res://b \\\"c\\\" \\\\ d.gd\"\n]\n", []string{"res://a.gd", `res://b "c" \ d.gd`}},
		{"const PATHS = [\r\n\t\"res://é\\u00e9.gd\",\r\n]\r\n", []string{"res://éé.gd"}},
	}
	for _, tt := range tests {
		got, err := parseValidatorPaths(tt.src)
		if err != nil || strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("parseValidatorPaths(%q) = %q, %v; want %q", tt.src, got, err, tt.want)
		}
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add(presetsCfg("/x"))
	f.Add("[a]\nv=\"\\u00\"\n")
	f.Add("[a]\nv={\"k\": [1, 2]}\n; comment\n")
	f.Fuzz(func(t *testing.T, src string) {
		cfg, err := parseConfig(src)
		if err == nil {
			_ = presetsFrom(cfg)
		}
	})
}

func FuzzParseValidatorPaths(f *testing.F) {
	f.Add("const PATHS = [\n\t\"res://a.gd\",\n]\n")
	f.Add("const PATHS = [\n\t\"\\u12\",\n]\n")
	f.Add("const PATHS = [\n\t\"a\\\",\n]\n")
	f.Fuzz(func(t *testing.T, src string) {
		_, _ = parseValidatorPaths(src)
		_, _, _ = fakeParseError(src)
	})
}
