//go:build linux

package instance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/detect"
	"github.com/godot-mcp-router/godot-mcp-router/instance/index"
	"github.com/godot-mcp-router/godot-mcp-router/instance/index/indextest"
)

// copyCorpusProject copies a corpus project into a temp folder.
func copyCorpusProject(t testing.TB, rel ...string) string {
	t.Helper()
	src := corpusDir(t, rel...)
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		r, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, r)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	real, err := filepath.EvalSymlinks(dst)
	if err != nil {
		t.Fatal(err)
	}
	return real
}

// indexText is everything an index says, for comparing two of them: every
// file's entry in full (kind, size, modification time, uid, summaries) and
// the linked results.
func indexText(t testing.TB, ix *index.Index) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"files": ix.Files, "uids": ix.ByUID, "classes": ix.Classes,
		"edges": ix.Edges, "problems": ix.Problems, "autoload": ix.Autoload, "config": ix.Config})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// watched starts following root's files the way Serve does and waits until
// the watches are in place (or the instance fell back to polling).
func watched(t testing.TB, root string, maxWatches int, log *slog.Logger) *Server {
	t.Helper()
	s, err := New(root, Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { s.index.watch(maxWatches, stop, nil) })
	t.Cleanup(func() {
		close(stop)
		wg.Wait()
	})
	waitUntil(t, 5*time.Second, "the watches are placed", func() bool {
		m := s.Watching().Mode
		return m == "events" || (m == "poll" && s.Watching().Reason != "")
	})
	// The first call after the watches are placed checks the whole tree
	// once; from here on only events count.
	if _, err := s.index.current(); err != nil {
		t.Fatal(err)
	}
	return s
}

// waitUntil polls cond until it holds or the time is up.
func waitUntil(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting until %s", limit, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// followsDisk waits until the server's index equals a fresh index of the
// tree. With the watcher in events mode, a change it missed is never seen
// (no call walks the tree), so this fails then.
func followsDisk(t *testing.T, s *Server, step string) {
	t.Helper()
	fresh, err := index.Build(s.root)
	if err != nil {
		t.Fatal(err)
	}
	want := indexText(t, fresh)
	start := time.Now()
	var got string
	for time.Since(start) < 3*time.Second {
		ix, err := s.index.current()
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if got = indexText(t, ix); got == want {
			t.Logf("%s: index equal to a fresh one after %v", step, time.Since(start).Round(time.Microsecond))
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("%s: the index never came to equal a fresh index of the tree (mode %+v)\ngot  %.400s\nwant %.400s", step, s.Watching(), got, want)
}

func mustWrite(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustRename(t testing.TB, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}

// Every kind of change, one after the other, on a real project: the index
// follows each through the watcher's events alone.
func TestWatchFollowsEdits(t *testing.T) {
	root := copyCorpusProject(t, "godot4-demos", "2d", "platformer")
	s := watched(t, root, 0, nil)
	if m := s.Watching(); m.Mode != "events" || m.Watches < 5 {
		t.Fatalf("watch report %+v; want events with a watch per folder", m)
	}
	at := func(rel string) string { return filepath.Join(root, filepath.FromSlash(rel)) }

	mustWrite(t, at("player/player.gd"), "extends CharacterBody2D\n\nfunc watched_edit() -> void:\n\tpass\n")
	followsDisk(t, s, "script edited")

	mustWrite(t, at("player/extra.gd"), "class_name Extra\nextends Node\n")
	mustWrite(t, at("player/extra.tscn"), "[gd_scene load_steps=2 format=3]\n\n[ext_resource type=\"Script\" path=\"res://player/extra.gd\" id=\"1\"]\n\n[node name=\"Extra\" type=\"Node\"]\nscript = ExtResource(\"1\")\n")
	followsDisk(t, s, "script and scene added")

	if err := os.Remove(at("enemy/enemy.webp")); err != nil {
		t.Fatal(err)
	}
	followsDisk(t, s, "texture deleted (a broken reference now)")

	mustRename(t, at("player/extra.gd"), at("player/renamed.gd"))
	followsDisk(t, s, "script renamed")

	// An editor's save: a temp file written, then renamed over the target.
	mustWrite(t, at("level/.coin.gd.swp"), "extends Area2D\nsignal taken\n")
	mustRename(t, at("level/.coin.gd.swp"), at("level/coin.gd"))
	mustWrite(t, at("gui/pause_menu.gd.tmp~"), "extends Control\nfunc resume() -> void:\n\tpass\n")
	mustRename(t, at("gui/pause_menu.gd.tmp~"), at("gui/pause_menu.gd"))
	followsDisk(t, s, "editor-style saves")

	mustRename(t, at("enemy"), at("enemies"))
	followsDisk(t, s, "folder renamed")

	mustWrite(t, at("new/deep/er/a.gd"), "extends Node\n")
	mustWrite(t, at("new/deep/er/b.gd"), "extends \"res://new/deep/er/a.gd\"\n")
	followsDisk(t, s, "nested folders created with files")
	mustWrite(t, at("new/deep/er/c.gd"), "extends Node\n")
	followsDisk(t, s, "file in a folder created after the watch")

	mustWrite(t, at("new/.gdignore"), "")
	followsDisk(t, s, ".gdignore added")
	if err := os.Remove(at("new/.gdignore")); err != nil {
		t.Fatal(err)
	}
	followsDisk(t, s, ".gdignore removed")

	mustWrite(t, at("new/project.godot"), godot4Project)
	followsDisk(t, s, "nested project appeared")
	if err := os.Remove(at("new/project.godot")); err != nil {
		t.Fatal(err)
	}
	followsDisk(t, s, "nested project gone")

	if err := os.RemoveAll(at("new")); err != nil {
		t.Fatal(err)
	}
	followsDisk(t, s, "folder tree deleted")

	later := time.Now().Add(3 * time.Second)
	if err := os.Chtimes(at("game.gd"), later, later); err != nil {
		t.Fatal(err)
	}
	followsDisk(t, s, "touched")

	// A folder moved in from outside the project, and one moved out.
	outside := t.TempDir()
	mustWrite(t, filepath.Join(outside, "pack", "p.gd"), "extends Node\nclass_name Packed\n")
	mustRename(t, filepath.Join(outside, "pack"), at("pack"))
	followsDisk(t, s, "folder moved in")
	mustRename(t, at("gui"), filepath.Join(outside, "gui"))
	followsDisk(t, s, "folder moved out")
	mustWrite(t, filepath.Join(outside, "gui", "late.gd"), "extends Node\n")
	followsDisk(t, s, "a write in the moved-out folder changes nothing")

	mustWrite(t, at("project.godot"), godot4Project+"\n[autoload]\n\nExtra=\"*res://player/renamed.gd\"\n")
	followsDisk(t, s, "project.godot edited")

	if rep := s.Watching(); rep.Mode != "events" || rep.Overflows != 0 || rep.Updates == 0 {
		t.Fatalf("watch report %+v; want events, no overflow, updates made", rep)
	}
}

// git checkout of another branch rewrites hundreds of files at once: the
// index ends equal to a cold index of the new tree, and back again.
func TestWatchGitCheckout(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatalf("git is needed for this test: %v", err)
	}
	dir := t.TempDir()
	root := indextest.GenerateProject(t, dir, 600)
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q", "-b", "main")
	git("add", "-A")
	git("commit", "-q", "-m", "a")
	git("checkout", "-q", "-b", "other")
	// Branch "other": 200 scripts rewritten, 100 scenes deleted, a new
	// folder of 50 scripts, 30 files renamed.
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(p, "/.git/") {
			return err
		}
		name := d.Name()
		var n int
		if _, scanErr := fmt.Sscanf(strings.TrimLeft(name, "abcdefghijklmnopqrstuvwxyz_"), "%d", &n); scanErr != nil {
			return nil
		}
		switch {
		case strings.HasSuffix(name, ".gd") && n%3 == 0:
			return os.WriteFile(p, []byte(fmt.Sprintf("extends Node\nclass_name Other%d\nfunc f%d() -> int:\n\treturn %d\n", n, n, n)), 0o644)
		case strings.HasSuffix(name, ".tscn") && n%2 == 0:
			return os.Remove(p)
		case strings.HasSuffix(name, ".gd") && n%7 == 1:
			return os.Rename(p, p+".renamed.gd")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		mustWrite(t, filepath.Join(root, "branch_only", fmt.Sprintf("b%02d.gd", i)), fmt.Sprintf("extends Node\nclass_name Branch%d\n", i))
	}
	git("add", "-A")
	git("commit", "-q", "-m", "other")
	git("checkout", "-q", "main")

	s := watched(t, root, 0, nil)
	followsDisk(t, s, "on main")
	git("checkout", "-q", "other")
	followsDisk(t, s, "checked out other")
	git("checkout", "-q", "main")
	followsDisk(t, s, "back on main")
	if rep := s.Watching(); rep.Mode != "events" {
		t.Fatalf("watch report %+v; want events", rep)
	}
}

// lossy wraps a watcher: while lose is set, it drops the changes and says
// events were lost, as after a kernel queue overflow.
type lossy struct {
	changeSource
	lose atomic.Bool
}

func (l *lossy) Take() detect.Batch {
	b := l.changeSource.Take()
	if l.lose.Load() && (len(b.Changes) > 0 || b.Lost) {
		b.Changes, b.Lost = nil, true
	}
	return b
}

// After lost events, the next call checks the whole tree (and sees what the
// lost events said), the log says so once, and events are followed again.
func TestWatchLostEventsCheckTheTree(t *testing.T) {
	root := copyCorpusProject(t, "godot4-demos", "2d", "platformer")
	var logs bytes.Buffer
	var logMu sync.Mutex
	log := slog.New(slog.NewTextHandler(lockedWriter{&logs, &logMu}, nil))
	s, err := New(root, Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	w, err := detect.NewWatcher(detect.WatchOptions{Mode: watchMode(root), Markers: []string{".gdignore", "project.godot"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddTree(root, -1); err != nil {
		t.Fatal(err)
	}
	src := &lossy{changeSource: w}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { s.index.follow(src, time.Now(), stop) })
	defer func() {
		close(stop)
		wg.Wait()
	}()
	waitUntil(t, 5*time.Second, "following", func() bool { return s.Watching().Mode == "events" })
	if _, err := s.index.current(); err != nil {
		t.Fatal(err)
	}

	for round := range 3 {
		src.lose.Store(true)
		mustWrite(t, filepath.Join(root, "player", fmt.Sprintf("lost%d.gd", round)), "extends Node\n")
		waitUntil(t, 3*time.Second, "the loss is seen", func() bool { return s.Watching().Overflows == round+1 })
		src.lose.Store(false)
		followsDisk(t, s, fmt.Sprintf("round %d: after lost events", round))
		// Events are followed again.
		mustWrite(t, filepath.Join(root, "player", fmt.Sprintf("seen%d.gd", round)), "extends Node\n")
		followsDisk(t, s, fmt.Sprintf("round %d: events again", round))
	}
	if rep := s.Watching(); rep.Mode != "events" || rep.Overflows != 3 {
		t.Fatalf("watch report %+v; want events after 3 overflows", rep)
	}
	logMu.Lock()
	n := strings.Count(logs.String(), "lost events")
	logMu.Unlock()
	if n != 1 {
		t.Fatalf("the log mentions lost events %d times; want once:\n%s", n, logs.String())
	}
}

type lockedWriter struct {
	b  *bytes.Buffer
	mu *sync.Mutex
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// Out of watches, at start or later as folders are made: the instance
// says so, lets go of its watches and checks the files before each call,
// answering correctly all along.
func TestWatchLimitFallsBackToChecking(t *testing.T) {
	t.Run("at start", func(t *testing.T) {
		root := copyCorpusProject(t, "godot4-demos", "2d", "platformer")
		s := watched(t, root, 2, nil)
		rep := s.Watching()
		if rep.Mode != "poll" || !strings.Contains(rep.Reason, "watch") {
			t.Fatalf("watch report %+v; want poll with the reason", rep)
		}
		mustWrite(t, filepath.Join(root, "player", "player.gd"), "extends Node\nfunc polled() -> void:\n\tpass\n")
		followsDisk(t, s, "an edit while polling")
	})
	t.Run("later", func(t *testing.T) {
		root := copyCorpusProject(t, "godot4-demos", "2d", "platformer")
		folders := 0
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				if strings.HasPrefix(d.Name(), ".") && p != root {
					return filepath.SkipDir
				}
				folders++
			}
			return nil
		})
		s := watched(t, root, folders+1, nil)
		if rep := s.Watching(); rep.Mode != "events" {
			t.Fatalf("watch report %+v; want events with room for one more folder", rep)
		}
		for i := range 4 {
			mustWrite(t, filepath.Join(root, fmt.Sprintf("more%d", i), "x.gd"), "extends Node\n")
		}
		waitUntil(t, 3*time.Second, "the fallback", func() bool {
			s.index.current()
			return s.Watching().Mode == "poll"
		})
		followsDisk(t, s, "folders made past the limit")
		mustWrite(t, filepath.Join(root, "more3", "y.gd"), "extends Node\n")
		followsDisk(t, s, "an edit while polling")
	})
}

// Without pending changes a call returns the index it has, and with the
// watcher off every call checks the tree.
func TestWatchOffChecksEachCall(t *testing.T) {
	root := copyCorpusProject(t, "godot4-demos", "2d", "platformer")
	s, err := New(root, Options{NoWatch: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep := s.Watching(); rep.Mode != "poll" {
		t.Fatalf("watch report %+v; want poll", rep)
	}
	mustWrite(t, filepath.Join(root, "player", "player.gd"), "extends Node\n")
	followsDisk(t, s, "an edit without a watcher")
}

// BenchmarkWriteToAnswer2000: from a script written on a 2,000-file
// project to a get_script answer that shows the change, with the watcher
// (events) and without it (poll: every call checks the tree). The loop
// calls until the answer is new, as an agent's next call would find it.
func BenchmarkWriteToAnswer2000(b *testing.B) {
	for _, mode := range []string{"events", "poll"} {
		b.Run(mode, func(b *testing.B) {
			root := indextest.GenerateProject(b, b.TempDir(), 2000)
			var s *Server
			if mode == "events" {
				s = watched(b, root, 0, nil)
			} else {
				var err error
				if s, err = New(root, Options{NoWatch: true}); err != nil {
					b.Fatal(err)
				}
			}
			path := filepath.Join(root, "scripts", "script_0001.gd")
			args := map[string]any{"path": "res://scripts/script_0001.gd", "content": false}
			ctx := context.Background()
			calls := 0
			i := 0
			b.ResetTimer()
			for b.Loop() {
				i++
				name := fmt.Sprintf("changed_%d", i)
				if err := os.WriteFile(path, []byte("extends Node\n\nfunc "+name+"() -> void:\n\tpass\n"), 0o644); err != nil {
					b.Fatal(err)
				}
				for {
					calls++
					resp := s.MCP().HandleMessage(ctx, callMessage(b, "get_script", args))
					raw, _ := json.Marshal(resp)
					if bytes.Contains(raw, []byte(name)) {
						break
					}
				}
			}
			b.ReportMetric(float64(calls)/float64(i), "calls/op")
		})
	}
}

// BenchmarkCallUnchanged2000: a get_script call on a 2,000-file project
// when nothing changed: with the watcher the call touches no file; without
// it every call checks the tree.
func BenchmarkCallUnchanged2000(b *testing.B) {
	for _, mode := range []string{"events", "poll"} {
		b.Run(mode, func(b *testing.B) {
			root := indextest.GenerateProject(b, b.TempDir(), 2000)
			var s *Server
			if mode == "events" {
				s = watched(b, root, 0, nil)
			} else {
				var err error
				if s, err = New(root, Options{NoWatch: true}); err != nil {
					b.Fatal(err)
				}
			}
			benchCall(b, s, "get_script", map[string]any{"path": "res://scripts/script_0001.gd", "content": false})
		})
	}
}

// The project folder moved away and back (or replaced by a copy): its
// watches went with it, so the instance says so and checks the tree before
// each call from then on, answering correctly.
func TestWatchRootReplaced(t *testing.T) {
	root := copyCorpusProject(t, "godot4-demos", "2d", "platformer")
	s := watched(t, root, 0, nil)
	mustRename(t, root, root+".bak")
	waitUntil(t, 3*time.Second, "the instance gives up its watches", func() bool {
		s.index.current()
		return s.Watching().Mode == "poll"
	})
	mustRename(t, root+".bak", root)
	mustWrite(t, filepath.Join(root, "player", "new_after.gd"), "extends Node\n")
	followsDisk(t, s, "an edit after the folder came back")
	if rep := s.Watching(); !strings.Contains(rep.Reason, "moved or replaced") {
		t.Fatalf("watch report %+v; want the reason", rep)
	}
}
