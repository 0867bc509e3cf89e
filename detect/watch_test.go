package detect

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// newTestWatcher starts a Watcher that the test closes at its end.
func newTestWatcher(t *testing.T, opts WatchOptions) *Watcher {
	t.Helper()
	w, err := NewWatcher(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func addTree(t *testing.T, w *Watcher, root string, depth int) {
	t.Helper()
	if err := w.AddTree(root, depth); err != nil {
		t.Fatal(err)
	}
}

// seen is what the batches taken so far said.
type seen struct {
	changes  map[string]bool // path -> Dir
	lost     bool
	degraded error
}

func (s *seen) has(path string) bool     { _, ok := s.changes[path]; return ok }
func (s *seen) hasDir(path string) bool  { return s.changes[path] }
func (s *seen) hasFile(path string) bool { dir, ok := s.changes[path]; return ok && !dir }
func (s *seen) String() string {
	var out []string
	for path, dir := range s.changes {
		out = append(out, fmt.Sprintf("%s dir=%v", path, dir))
	}
	slices.Sort(out)
	return fmt.Sprintf("lost=%v degraded=%v changes=[%s]", s.lost, s.degraded, strings.Join(out, ", "))
}

// waitFor takes batches as Ready says until ok holds for what they said,
// failing the test after two seconds.
func waitFor(t *testing.T, w *Watcher, what string, ok func(*seen) bool) *seen {
	t.Helper()
	return waitForWithin(t, w, 2*time.Second, what, ok)
}

func waitForWithin(t *testing.T, w *Watcher, d time.Duration, what string, ok func(*seen) bool) *seen {
	t.Helper()
	s := &seen{changes: map[string]bool{}}
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		b := w.Take()
		for _, c := range b.Changes {
			s.changes[c.Path] = s.changes[c.Path] || c.Dir
		}
		s.lost = s.lost || b.Lost
		s.degraded = b.Degraded
		if ok(s) {
			return s
		}
		select {
		case <-w.Ready():
		case <-deadline.C:
			t.Fatalf("waiting for %s: %v", what, s)
		}
	}
}

// settle waits for a write to a file in dir to be seen, so that the events
// of what came before are in.
func settle(t *testing.T, w *Watcher, dir string) *seen {
	t.Helper()
	mark := filepath.Join(dir, "settle.mark")
	write(t, mark, "")
	return waitFor(t, w, "the settle mark", func(s *seen) bool { return s.has(mark) })
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func rename(t *testing.T, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}

func wantWatches(t *testing.T, w *Watcher, n int) {
	t.Helper()
	if got := w.Stats().Watches; got != n {
		t.Fatalf("%d watches, want %d", got, n)
	}
}

// noneWithin fails when a change was seen at or below one of dirs.
func noneWithin(t *testing.T, s *seen, dirs ...string) {
	t.Helper()
	for path := range s.changes {
		for _, dir := range dirs {
			if within(path, dir) {
				t.Errorf("unexpected change %s (in %s)", path, dir)
			}
		}
	}
}

func TestWatchFiles(t *testing.T) {
	root := writeTree(t, map[string]string{"a.gd": "x", "sub/b.gd": "", "sub/save.gd": "old"})
	w := newTestWatcher(t, WatchOptions{})
	addTree(t, w, root, -1)
	wantWatches(t, w, 2)
	p := func(rel string) string { return filepath.Join(root, rel) }
	tests := []struct {
		name string
		do   func(t *testing.T)
		want []string
	}{
		{"create", func(t *testing.T) { write(t, p("new.gd"), "") }, []string{"new.gd"}},
		{"write", func(t *testing.T) { write(t, p("sub/b.gd"), "y") }, []string{"sub/b.gd"}},
		{"touch", func(t *testing.T) {
			if err := os.Chtimes(p("a.gd"), time.Now(), time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}, []string{"a.gd"}},
		{"rename", func(t *testing.T) { rename(t, p("a.gd"), p("c.gd")) }, []string{"a.gd", "c.gd"}},
		{"remove", func(t *testing.T) {
			if err := os.Remove(p("c.gd")); err != nil {
				t.Fatal(err)
			}
		}, []string{"c.gd"}},
		{"editor save", func(t *testing.T) {
			write(t, p("sub/.save.gd.tmp"), "new")
			rename(t, p("sub/.save.gd.tmp"), p("sub/save.gd"))
		}, []string{"sub/save.gd"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.do(t)
			waitFor(t, w, strings.Join(tt.want, " "), func(s *seen) bool {
				return !slices.ContainsFunc(tt.want, func(rel string) bool { return !s.hasFile(p(rel)) })
			})
		})
	}
}

func TestWatchMkdirP(t *testing.T) {
	root := writeTree(t, map[string]string{"x/": ""})
	w := newTestWatcher(t, WatchOptions{})
	addTree(t, w, root, -1)
	c := filepath.Join(root, "a", "b", "c")
	mkdir(t, c)
	// The Dir change for a may come before b exists; b's own Create then
	// follows.
	waitFor(t, w, "a Dir change for a, and c watched", func(s *seen) bool {
		return s.hasDir(filepath.Join(root, "a")) && w.Stats().Watches == 5
	})
	f := filepath.Join(c, "f.gd")
	write(t, f, "")
	waitFor(t, w, "the file in c", func(s *seen) bool { return s.hasFile(f) })
}

func TestWatchMoveIn(t *testing.T) {
	root := writeTree(t, map[string]string{"keep/": ""})
	outside := writeTree(t, map[string]string{"x/y/z/f.gd": "", "x/g.gd": "", "x/w/": ""})
	w := newTestWatcher(t, WatchOptions{})
	addTree(t, w, root, -1)
	x := filepath.Join(root, "x")
	rename(t, filepath.Join(outside, "x"), x)
	waitFor(t, w, "a Dir change for x", func(s *seen) bool { return s.hasDir(x) })
	wantWatches(t, w, 2+4)
	f := filepath.Join(x, "y", "z", "new.gd")
	write(t, f, "")
	waitFor(t, w, "the new file", func(s *seen) bool { return s.hasFile(f) })
}

func TestWatchMoveOut(t *testing.T) {
	root := writeTree(t, map[string]string{"keep/": "", "out/sub/f.gd": "", "out/g.gd": ""})
	outside := writeTree(t, map[string]string{})
	w := newTestWatcher(t, WatchOptions{})
	addTree(t, w, root, -1)
	wantWatches(t, w, 4)
	out := filepath.Join(root, "out")
	moved := filepath.Join(outside, "out")
	rename(t, out, moved)
	waitFor(t, w, "a Dir change for out", func(s *seen) bool { return s.hasDir(out) })
	wantWatches(t, w, 2)
	write(t, filepath.Join(moved, "sub", "f.gd"), "y")
	write(t, filepath.Join(moved, "g.gd"), "y")
	s := settle(t, w, filepath.Join(root, "keep"))
	noneWithin(t, s, outside, filepath.Join(out, "sub"), filepath.Join(out, "g.gd"))
}

func TestWatchRenameInside(t *testing.T) {
	root := writeTree(t, map[string]string{"a/b/sub/f.gd": ""})
	w := newTestWatcher(t, WatchOptions{})
	addTree(t, w, root, -1)
	b, c := filepath.Join(root, "a", "b"), filepath.Join(root, "a", "c")
	rename(t, b, c)
	waitFor(t, w, "Dir changes for b and c", func(s *seen) bool { return s.hasDir(b) && s.hasDir(c) })
	wantWatches(t, w, 4)
	f := filepath.Join(c, "sub", "f.gd")
	write(t, f, "y")
	s := waitFor(t, w, "the write under the new path", func(s *seen) bool { return s.hasFile(f) })
	noneWithin(t, s, b)
	// Renamed again: the watches placed under c follow.
	d := filepath.Join(root, "d")
	rename(t, c, d)
	waitFor(t, w, "a Dir change for d", func(s *seen) bool { return s.hasDir(d) })
	wantWatches(t, w, 4)
	f = filepath.Join(d, "sub", "f.gd")
	write(t, f, "z")
	s = waitFor(t, w, "the write under d", func(s *seen) bool { return s.hasFile(f) })
	noneWithin(t, s, b, c)
}

func TestWatchDepth(t *testing.T) {
	root := writeTree(t, map[string]string{"a/b/c/": ""})
	w := newTestWatcher(t, WatchOptions{})
	addTree(t, w, root, 1)
	wantWatches(t, w, 2)
	a := filepath.Join(root, "a")
	write(t, filepath.Join(a, "b", "f.gd"), "")
	mkdir(t, filepath.Join(a, "new"))
	s := settle(t, w, a)
	if !s.hasFile(filepath.Join(a, "new")) {
		t.Errorf("want a plain change for a/new beyond the depth: %v", s)
	}
	noneWithin(t, s, filepath.Join(a, "b"))
	wantWatches(t, w, 2)

	// Added again deeper: widened.
	addTree(t, w, root, -1)
	wantWatches(t, w, 5)
	if err := w.AddTree(root, 0); err != nil {
		t.Fatal(err)
	}
	wantWatches(t, w, 5)
}

func TestWatchModes(t *testing.T) {
	root := writeTree(t, map[string]string{".godot/x/": "", "leaf/inner/": "", "src/deep/": ""})
	w := newTestWatcher(t, WatchOptions{Mode: func(dir string) WatchMode {
		switch base := filepath.Base(dir); {
		case strings.HasPrefix(base, "."):
			return WatchSkip
		case base == "leaf":
			return WatchLeaf
		}
		return WatchFull
	}})
	addTree(t, w, root, -1)
	wantWatches(t, w, 4) // root, leaf, src, src/deep
	write(t, filepath.Join(root, ".godot", "f"), "")
	write(t, filepath.Join(root, "leaf", "inner", "f"), "")
	hidden := filepath.Join(root, "src", ".hidden")
	mkdir(t, filepath.Join(hidden, "y"))
	s := settle(t, w, filepath.Join(root, "src", "deep"))
	noneWithin(t, s, filepath.Join(root, ".godot"), filepath.Join(root, "leaf", "inner"), filepath.Join(hidden, "y"))
	if !s.hasFile(hidden) {
		t.Errorf("want a plain change for the skipped folder created: %v", s)
	}
	wantWatches(t, w, 4)
}

func TestWatchMarkers(t *testing.T) {
	root := writeTree(t, map[string]string{"sub/a/b/": ""})
	w := newTestWatcher(t, WatchOptions{
		Markers: []string{".gdignore"},
		Mode: func(dir string) WatchMode {
			if _, err := os.Lstat(filepath.Join(dir, ".gdignore")); err == nil {
				return WatchLeaf
			}
			return WatchFull
		},
	})
	addTree(t, w, root, -1)
	wantWatches(t, w, 4)
	sub := filepath.Join(root, "sub")
	ignore := filepath.Join(sub, ".gdignore")
	write(t, ignore, "")
	waitFor(t, w, "a Dir change for sub", func(s *seen) bool { return s.hasDir(sub) && s.hasFile(ignore) })
	wantWatches(t, w, 2)

	if err := os.Remove(ignore); err != nil {
		t.Fatal(err)
	}
	waitFor(t, w, "a Dir change for sub", func(s *seen) bool { return s.hasDir(sub) })
	wantWatches(t, w, 4)
	f := filepath.Join(sub, "a", "b", "f.gd")
	write(t, f, "")
	waitFor(t, w, "the file below sub", func(s *seen) bool { return s.hasFile(f) })

	// Written again without changing the mode: no Dir change.
	write(t, ignore, "")
	write(t, ignore, "x")
	s := settle(t, w, root)
	if !s.hasDir(sub) {
		t.Fatalf("want a Dir change for sub: %v", s)
	}
	write(t, ignore, "y")
	s = settle(t, w, root)
	if s.hasDir(sub) {
		t.Errorf("want no Dir change for sub when its mode stays: %v", s)
	}
}

// TestWatchMarkerSkip: a marker that makes its folder skipped drops the
// folder's own watch too; its removal is then not seen (documented).
func TestWatchMarkerSkip(t *testing.T) {
	root := writeTree(t, map[string]string{"sub/a/": "", "keep/": ""})
	w := newTestWatcher(t, WatchOptions{
		Markers: []string{".gdignore"},
		Mode: func(dir string) WatchMode {
			if _, err := os.Lstat(filepath.Join(dir, ".gdignore")); err == nil {
				return WatchSkip
			}
			return WatchFull
		},
	})
	addTree(t, w, root, -1)
	wantWatches(t, w, 4)
	sub := filepath.Join(root, "sub")
	write(t, filepath.Join(sub, ".gdignore"), "")
	waitFor(t, w, "a Dir change for sub", func(s *seen) bool { return s.hasDir(sub) })
	wantWatches(t, w, 2)
	write(t, filepath.Join(sub, "a", "f"), "")
	s := settle(t, w, filepath.Join(root, "keep"))
	noneWithin(t, s, filepath.Join(sub, "a"))
}

func TestWatchSymlinkNotFollowed(t *testing.T) {
	root := writeTree(t, map[string]string{"real/x/": "", "link -> real": ""})
	w := newTestWatcher(t, WatchOptions{})
	addTree(t, w, root, -1)
	wantWatches(t, w, 3)
	link2 := filepath.Join(root, "link2")
	if err := os.Symlink("real", link2); err != nil {
		t.Fatal(err)
	}
	s := settle(t, w, root)
	if !s.hasFile(link2) {
		t.Errorf("want a plain change for the new symlink: %v", s)
	}
	wantWatches(t, w, 3)
}

func TestWatchLimit(t *testing.T) {
	root := writeTree(t, map[string]string{"a/": "", "b/": "", "c/": "", "d/": ""})
	other := writeTree(t, map[string]string{})
	w := newTestWatcher(t, WatchOptions{MaxWatches: 3})
	err := w.AddTree(root, -1)
	if !errors.Is(err, ErrWatchLimit) {
		t.Fatalf("AddTree: %v, want ErrWatchLimit", err)
	}
	wantWatches(t, w, 3)
	select {
	case <-w.Ready():
	default:
		t.Fatal("Ready not signalled when degraded")
	}
	for range 2 {
		if b := w.Take(); !errors.Is(b.Degraded, ErrWatchLimit) {
			t.Fatalf("Degraded %v, want ErrWatchLimit", b.Degraded)
		}
	}
	if err := w.AddTree(other, -1); !errors.Is(err, ErrWatchLimit) {
		t.Fatalf("AddTree of a new tree when degraded: %v", err)
	}
	if err := w.AddTree(root, -1); !errors.Is(err, ErrWatchLimit) {
		t.Fatalf("AddTree of the tree again when degraded: %v", err)
	}
	if s := w.Stats(); s.Trees != 1 || s.Watches != 3 || s.Degraded == "" {
		t.Fatalf("stats %+v", s)
	}
	// The watches placed still work.
	settle(t, w, root)
}

func TestWatchRemoveTree(t *testing.T) {
	root := writeTree(t, map[string]string{"x/y/": "", "z/": ""})
	x := filepath.Join(root, "x")
	w := newTestWatcher(t, WatchOptions{})
	addTree(t, w, root, -1)
	addTree(t, w, x, -1)
	if s := w.Stats(); s.Trees != 2 || s.Watches != 4 {
		t.Fatalf("stats %+v", s)
	}
	w.RemoveTree(root)
	if s := w.Stats(); s.Trees != 1 || s.Watches != 2 {
		t.Fatalf("stats after removing the outer tree %+v", s)
	}
	write(t, filepath.Join(root, "f"), "")
	write(t, filepath.Join(root, "z", "f"), "")
	s := settle(t, w, filepath.Join(x, "y"))
	noneWithin(t, s, filepath.Join(root, "f"), filepath.Join(root, "z"))
	w.RemoveTree(x)
	w.RemoveTree(x)
	if s := w.Stats(); s.Trees != 0 || s.Watches != 0 {
		t.Fatalf("stats after removing both %+v", s)
	}
}

func TestWatchRootGone(t *testing.T) {
	tests := []struct {
		name string
		gone func(t *testing.T, root, outside string)
	}{
		{"removed", func(t *testing.T, root, _ string) {
			if err := os.RemoveAll(root); err != nil {
				t.Fatal(err)
			}
		}},
		{"moved away", func(t *testing.T, root, outside string) {
			rename(t, root, filepath.Join(outside, "moved"))
			write(t, filepath.Join(outside, "moved", "a", "b", "f.gd"), "y")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := filepath.Join(writeTree(t, map[string]string{"root/a/b/f.gd": ""}), "root")
			other := writeTree(t, map[string]string{})
			outside := writeTree(t, map[string]string{})
			w := newTestWatcher(t, WatchOptions{})
			addTree(t, w, root, -1)
			addTree(t, w, other, -1)
			tt.gone(t, root, outside)
			waitFor(t, w, "a Dir change for the root", func(s *seen) bool { return s.hasDir(root) })
			if s := w.Stats(); s.Trees != 2 || s.Watches != 1 {
				t.Fatalf("stats %+v", s)
			}
			// A folder at the root's path again is not watched until
			// AddTree is called again.
			mkdir(t, root)
			write(t, filepath.Join(root, "f"), "")
			s := settle(t, w, other)
			noneWithin(t, s, filepath.Join(root, "a"), filepath.Join(root, "f"), outside)
			addTree(t, w, root, -1)
			f := filepath.Join(root, "g")
			write(t, f, "")
			waitFor(t, w, "the root watched again", func(s *seen) bool { return s.hasFile(f) })
		})
	}
}

func TestWatchConcurrentAddTree(t *testing.T) {
	files := map[string]string{}
	for i := range 8 {
		files[fmt.Sprintf("t%d/a/b/", i)] = ""
	}
	root := writeTree(t, files)
	w := newTestWatcher(t, WatchOptions{})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if err := w.AddTree(filepath.Join(root, fmt.Sprintf("t%d", i)), -1); err != nil {
				t.Error(err)
			}
			write(t, filepath.Join(root, fmt.Sprintf("t%d", i), "a", "f"), "")
			if err := w.AddTree(root, -1); err != nil {
				t.Error(err)
			}
			w.Stats()
		})
	}
	wg.Wait()
	if s := w.Stats(); s.Trees != 9 || s.Watches != 1+8*3 {
		t.Fatalf("stats %+v", s)
	}
	settle(t, w, filepath.Join(root, "t7", "a", "b"))
}

func TestWatchClose(t *testing.T) {
	before := runtime.NumGoroutine()
	root := writeTree(t, map[string]string{"a/": ""})
	w, err := NewWatcher(WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	addTree(t, w, root, -1)
	write(t, filepath.Join(root, "a", "f"), "")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if b := w.Take(); b.Changes != nil || b.Lost || b.Degraded != nil {
		t.Fatalf("Take after Close: %+v", b)
	}
	if err := w.AddTree(root, -1); err == nil {
		t.Fatal("AddTree after Close worked")
	}
	w.RemoveTree(root)
	if s := w.Stats(); s.Watches != 0 || s.Trees != 0 {
		t.Fatalf("stats after Close %+v", s)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines after Close, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestWatchClosePaused closes a Watcher whose loop is paused, with
// fsnotify blocked sending it an event.
func TestWatchClosePaused(t *testing.T) {
	root := writeTree(t, map[string]string{})
	w := newTestWatcher(t, WatchOptions{})
	addTree(t, w, root, -1)
	w.pause <- make(chan struct{})
	write(t, filepath.Join(root, "f"), "")
	done := make(chan error)
	go func() { done <- w.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close hung")
	}
}

func TestWatchNotAFolder(t *testing.T) {
	root := writeTree(t, map[string]string{"f.gd": ""})
	w := newTestWatcher(t, WatchOptions{})
	for _, path := range []string{filepath.Join(root, "f.gd"), filepath.Join(root, "missing")} {
		if err := w.AddTree(path, -1); err == nil {
			t.Errorf("AddTree(%s) worked", path)
		}
	}
	if s := w.Stats(); s.Trees != 0 || s.Watches != 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestWatchMaxPending(t *testing.T) {
	w := newTestWatcher(t, WatchOptions{})
	w.mu.Lock()
	for i := range MaxPending + 1 {
		w.record("/p/"+strconv.Itoa(i), false)
	}
	w.mu.Unlock()
	if b := w.Take(); !b.Lost || len(b.Changes) != 0 {
		t.Fatalf("Lost %v with %d changes, want Lost and none", b.Lost, len(b.Changes))
	}
	w.record("/p/a", false)
	w.record("/p/a", true)
	w.record("/p/a", false)
	w.record("/p/0", false)
	b := w.Take()
	if want := []Change{{"/p/0", false}, {"/p/a", true}}; b.Lost || !slices.Equal(b.Changes, want) {
		t.Fatalf("got %+v, want %v", b, want)
	}
}

// TestWatchOverflow makes the kernel queue overflow for real: with the
// loop paused, fsnotify blocks sending it the first event and stops
// reading, and the kernel queues the rest until max_queued_events.
func TestWatchOverflow(t *testing.T) {
	raw, err := os.ReadFile("/proc/sys/fs/inotify/max_queued_events")
	if err != nil {
		t.Skip(err)
	}
	queued, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil || queued > 100000 {
		t.Skipf("max_queued_events %q: too many events to overflow quickly", raw)
	}
	root := writeTree(t, map[string]string{"a/": ""})
	w := newTestWatcher(t, WatchOptions{})
	addTree(t, w, root, -1)
	f, err := os.Create(filepath.Join(root, "a", "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	resume := make(chan struct{})
	w.pause <- resume
	// Writes and chmods by turns, so that no event repeats the one before
	// (the kernel merges those); fsnotify reads up to 64 KiB of events
	// ahead (2048 of these), then blocks sending us the first.
	for i := range queued + 8192 {
		if i%2 == 0 {
			_, err = f.Write([]byte{'x'})
		} else {
			err = f.Chmod(0o644) // IN_ATTRIB, changed or not
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	// A folder made while events are lost: watched again by the rebuild.
	mkdir(t, filepath.Join(root, "late", "deeper"))
	close(resume)
	// Lost comes once the rebuild placed the watches again.
	waitForWithin(t, w, 3*time.Second, "Lost after an overflow", func(s *seen) bool {
		st := w.Stats()
		return s.lost && st.Overflows >= 1 && st.Watches == 4
	})
	late := filepath.Join(root, "late", "deeper", "f")
	write(t, late, "")
	waitFor(t, w, "a write in a folder made during the overflow", func(s *seen) bool { return s.hasFile(late) })
}

func TestWatchAddFailed(t *testing.T) {
	tests := []struct {
		err       error
		stop      bool
		wantLimit bool
	}{
		{syscall.ENOENT, false, false},
		{syscall.EACCES, false, false},
		{syscall.ENOSPC, true, true},
		{syscall.EMFILE, true, true},
		{syscall.EINVAL, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			w := newTestWatcher(t, WatchOptions{})
			stop, err := w.addFailed("/x", tt.err)
			if stop != tt.stop || !errors.Is(err, tt.err) || errors.Is(err, ErrWatchLimit) != tt.wantLimit {
				t.Fatalf("stop %v, err %v", stop, err)
			}
			b := w.Take()
			if (b.Degraded != nil) != tt.stop || errors.Is(b.Degraded, ErrWatchLimit) != tt.wantLimit {
				t.Fatalf("Degraded %v", b.Degraded)
			}
		})
	}
}

// TestWatchErrors sends fsnotify errors other than an overflow.
func TestWatchErrors(t *testing.T) {
	w := newTestWatcher(t, WatchOptions{})
	w.fs.Errors <- errors.New("read error")
	waitFor(t, w, "Lost", func(s *seen) bool { return s.lost })
	if b := w.Take(); b.Lost {
		t.Fatal("Lost twice")
	}
	if s := w.Stats(); s.Overflows != 0 {
		t.Fatalf("stats %+v", s)
	}
}

// BenchmarkAddTree adds and removes a tree of 500 folders.
func BenchmarkAddTree(b *testing.B) {
	root, err := filepath.EvalSymlinks(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	for i := range 20 {
		for j := range 24 {
			if err := os.MkdirAll(filepath.Join(root, fmt.Sprintf("d%02d", i), fmt.Sprintf("e%02d", j)), 0o755); err != nil {
				b.Fatal(err)
			}
		}
	}
	w, err := NewWatcher(WatchOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	b.ReportAllocs()
	for b.Loop() {
		if err := w.AddTree(root, -1); err != nil {
			b.Fatal(err)
		}
		w.RemoveTree(root)
	}
}
