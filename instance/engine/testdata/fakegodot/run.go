package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// runGame plays `--path DIR [--headless] [SCENE] [-- ARGS...]`: the game,
// behaving as FAKE_GODOT_RUN says.
func (f *fake) runGame(o *options) int {
	if o.scene != "" {
		if code := f.loadScene(o); code != exitOK {
			return code
		}
	}
	run := os.Getenv("FAKE_GODOT_RUN")
	switch {
	case run == "" || run == "quit":
		fmt.Fprintln(f.stdout, "hello from the game")
		fmt.Fprintf(f.stdout, "args: %s\n", jsonText(o.user))
		return exitOK
	case run == "error-loop":
		return f.errorLoop(o)
	case strings.HasPrefix(run, "exit:"):
		code, err := strconv.Atoi(strings.TrimPrefix(run, "exit:"))
		if err != nil || code < 0 || code > 255 {
			fmt.Fprintf(f.stderr, "fakegodot: FAKE_GODOT_RUN=%q: the exit code must be 0 to 255\n", run)
			return exitUnexpected
		}
		fmt.Fprintln(f.stdout, "bye")
		return code
	case run == "spawn":
		if code := f.spawnChild(); code != exitOK {
			return code
		}
		return f.errorLoop(o)
	case run == "ignore-term":
		signal.Ignore(syscall.SIGTERM)
		return f.errorLoop(o)
	case run == "flood":
		return f.flood()
	}
	fmt.Fprintf(f.stderr, "fakegodot: unknown FAKE_GODOT_RUN=%q (want quit, error-loop, exit:<code>, spawn, ignore-term or flood)\n", run)
	return exitUnexpected
}

// loadScene checks the scene given on the command line the way Main::start
// loads it: a missing file fails the run.
func (f *fake) loadScene(o *options) int {
	var local, file string
	switch {
	case strings.HasPrefix(o.scene, "res://"):
		local, file = o.scene, projectFile(o.path, o.scene)
	case filepath.IsAbs(o.scene):
		local, file = localize(o.path, o.scene), o.scene
	default: // relative to the working directory, which --path made the project
		file = filepath.Join(o.path, o.scene)
		local = localize(o.path, file)
	}
	if isFile(file) {
		return exitOK
	}
	at := siteTextLoad
	if strings.HasSuffix(file, ".scn") {
		at = siteBinaryLoad
	}
	f.engineError(fmt.Sprintf("Cannot open file '%s'.", local), at)
	f.loadFailed(local)
	f.engineError(fmt.Sprintf("Failed loading scene: %s.", local), siteStartScene)
	return exitFailure
}

// errorLoop is a game whose _ready hits a runtime error and a warning, then
// prints "tick N" every 50 ms and never quits (unless --quit asked it to stop
// after the first frame).
func (f *fake) errorLoop(o *options) int {
	fmt.Fprintln(f.stdout, "hello from the game")
	f.scriptError("Cannot call method 'foo' on a null value.", "_ready", "res://main.gd", 9)
	f.warning("the game has a warning for you", sitePushWarning)
	if o.quit {
		return exitOK
	}
	ticker := time.NewTicker(50 * time.Millisecond)
	defer ticker.Stop()
	for n := 1; ; n++ {
		<-ticker.C
		fmt.Fprintf(f.stdout, "tick %d\n", n)
	}
}

// spawnChild starts this program again as FAKE_GODOT_RUN=sleep-child, in our
// process group and on our stdout and stderr, and writes "<ownpid>
// <childpid>\n" to FAKE_GODOT_PIDS. The child is never waited for: it is
// there to show whether the whole group gets killed.
func (f *fake) spawnChild() int {
	pidsPath := os.Getenv("FAKE_GODOT_PIDS")
	if pidsPath == "" {
		fmt.Fprintln(f.stderr, "fakegodot: FAKE_GODOT_RUN=spawn needs FAKE_GODOT_PIDS")
		return exitUnexpected
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(f.stderr, "fakegodot: finding this executable: %v\n", err)
		return exitUnexpected
	}
	child := exec.Command(exe)
	// The child is an implementation detail, not an invocation: keep it out
	// of FAKE_GODOT_LOG.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FAKE_GODOT_LOG=") && !strings.HasPrefix(kv, "FAKE_GODOT_RUN=") {
			child.Env = append(child.Env, kv)
		}
	}
	child.Env = append(child.Env, "FAKE_GODOT_RUN=sleep-child")
	if out, ok := f.stdout.(*os.File); ok {
		child.Stdout = out
	}
	if errOut, ok := f.stderr.(*os.File); ok {
		child.Stderr = errOut
	}
	if err := child.Start(); err != nil {
		fmt.Fprintf(f.stderr, "fakegodot: starting the child: %v\n", err)
		return exitUnexpected
	}
	// Written whole and renamed into place, so a reader never sees half of it.
	tmp := pidsPath + ".tmp"
	line := fmt.Sprintf("%d %d\n", os.Getpid(), child.Process.Pid)
	if err := os.WriteFile(tmp, []byte(line), 0o644); err != nil {
		fmt.Fprintf(f.stderr, "fakegodot: writing %s: %v\n", tmp, err)
		return exitUnexpected
	}
	if err := os.Rename(tmp, pidsPath); err != nil {
		fmt.Fprintf(f.stderr, "fakegodot: renaming %s: %v\n", tmp, err)
		return exitUnexpected
	}
	return exitOK
}

// Flood output: floodLines lines of floodLineLen bytes each, newline included.
const (
	floodLines   = 100000
	floodLineLen = 200
)

// flood prints floodLines numbered lines as fast as it can, then quits.
func (f *fake) flood() int {
	w := bufio.NewWriterSize(f.stdout, 1<<16)
	line := bytes.Repeat([]byte{'x'}, floodLineLen)
	line[floodLineLen-1] = '\n'
	for i := 1; i <= floodLines; i++ {
		copy(line, fmt.Sprintf("flood %06d ", i))
		if _, err := w.Write(line); err != nil {
			return exitFailure
		}
	}
	if err := w.Flush(); err != nil {
		return exitFailure
	}
	return exitOK
}
