package instance

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/detect"
)

// The index follows the project's files through a watcher: one inotify
// watch per folder the engine's scan covers. Hidden folders are not watched
// (their creation and removal are seen by their parent's watch); folders
// holding .gdignore and nested projects are watched themselves, to see
// their marker come or go, but not below. The watcher's changes pile up until the next
// call, or until they have been quiet for WatchDebounce, and are then applied
// by index.UpdatePaths, which reads only what changed. A call with nothing
// pending touches no file.
//
// When the watcher cannot cover the tree (out of watches: the OS limit or
// MaxWatches) the instance says so once in its log, lets go of its watches
// and checks the files before each call, as it does without a watcher. When
// events were lost (the kernel queue overflowed) the next update checks the
// whole tree, then following the events resumes.

// DefaultMaxWatches bounds the watches one instance holds.
const DefaultMaxWatches = 8192

// WatchDebounce is how long changes must be quiet before the instance
// applies them without waiting for a call; watchMaxDelay bounds that wait
// under a steady stream of changes.
const (
	WatchDebounce = 20 * time.Millisecond
	watchMaxDelay = 200 * time.Millisecond
)

// maxDirty is how many changed paths are kept before the next update
// checks the whole tree instead.
const maxDirty = 20000

// WatchReport says how the instance follows its files; debug_instances
// shows it (control line "watch").
type WatchReport struct {
	Mode      string  `json:"mode"`                // "events" (a watcher), "starting" (placing watches), "poll" (the files are checked before each call)
	Watches   int     `json:"watches"`             // folders watched
	Overflows int     `json:"overflows,omitempty"` // times events were lost and the whole tree was checked
	Updates   int     `json:"updates"`             // index updates made from the watcher's changes
	Reason    string  `json:"reason,omitempty"`    // why the instance polls
	TookMS    float64 `json:"took_ms,omitempty"`   // placing the watches
}

// changeSource is what the index needs of a watcher (detect.Watcher; tests
// wrap it to inject lost events).
type changeSource interface {
	Take() detect.Batch
	Ready() <-chan struct{}
	Stats() detect.WatchStats
	Close() error
}

// watchMode is how the instance watches a folder of its project.
func watchMode(root string) func(dir string) detect.WatchMode {
	return func(dir string) detect.WatchMode {
		if dir == root {
			return detect.WatchFull
		}
		if strings.HasPrefix(filepath.Base(dir), ".") {
			return detect.WatchSkip
		}
		for _, marker := range []string{".gdignore", "project.godot"} {
			if _, err := os.Lstat(filepath.Join(dir, marker)); err == nil {
				return detect.WatchLeaf
			}
		}
		return detect.WatchFull
	}
}

// watch starts following the files: it places the watches (in the
// background: calls check the whole tree until they are in place) and
// applies changes as they come, until stop is closed. A call with nothing
// pending reads no file (it only re-checks the few paths outside the walk
// that references point to, see index.OutsideChanged).
func (p *projectIndex) watch(maxWatches int, stop <-chan struct{}, report func(WatchReport)) {
	start := time.Now()
	p.mu.Lock()
	p.watchRep = WatchReport{Mode: "starting"}
	p.reportWatch = report
	p.mu.Unlock()
	w, err := detect.NewWatcher(detect.WatchOptions{
		Mode:       watchMode(p.root),
		Markers:    []string{".gdignore", "project.godot"},
		MaxWatches: maxWatches,
		Logger:     p.log,
	})
	if err == nil {
		err = w.AddTree(p.root, -1)
		if err != nil {
			w.Close()
		}
	}
	if err != nil {
		p.mu.Lock()
		p.pollFrom(err)
		rep := p.watchRep
		p.mu.Unlock()
		p.tellWatch(rep)
		return
	}
	p.follow(w, start, stop)
}

// follow runs the watcher w until stop is closed.
func (p *projectIndex) follow(w changeSource, start time.Time, stop <-chan struct{}) {
	p.mu.Lock()
	p.w = w
	p.full = true // what changed while the watches were placed
	p.mu.Unlock()
	// That check now, not in the next call: from here on only events count.
	if _, err := p.current(); err != nil {
		p.log.Debug("checking the files once the watches are placed", "err", err)
	}
	p.mu.Lock()
	p.watchRep = WatchReport{Mode: "events", Watches: w.Stats().Watches, TookMS: float64(time.Since(start).Microseconds()) / 1000}
	rep := p.watchRep
	p.mu.Unlock()
	p.log.Info("watching the project's files", "folders", rep.Watches, "took_ms", rep.TookMS)
	p.tellWatch(rep)
	reported := 0
	defer func() {
		p.mu.Lock()
		if p.w == w {
			p.w = nil
		}
		p.mu.Unlock()
		w.Close()
	}()
	for {
		select {
		case <-stop:
			return
		case <-w.Ready():
		}
		// Let a burst (a checkout, a save that writes several files)
		// settle, so it costs one update; a call meanwhile applies it at
		// once.
		quiet := time.NewTimer(WatchDebounce)
		limit := time.NewTimer(watchMaxDelay)
	settle:
		for {
			select {
			case <-stop:
				quiet.Stop()
				limit.Stop()
				return
			case <-w.Ready():
				quiet.Reset(WatchDebounce)
			case <-quiet.C:
				break settle
			case <-limit.C:
				break settle
			}
		}
		quiet.Stop()
		limit.Stop()
		if _, err := p.current(); err != nil {
			p.log.Debug("applying file changes", "err", err)
		}
		p.mu.Lock()
		gone := p.w == nil
		rep := p.watchRep
		p.mu.Unlock()
		if gone {
			return // fell back to checking the files before each call
		}
		if rep.Updates != reported {
			// The router shows the count; one line per settled burst.
			reported = rep.Updates
			rep.Watches = w.Stats().Watches
			p.tellWatch(rep)
		}
	}
}

// drain takes what the watcher has for the next update; under p.mu.
func (p *projectIndex) drain() {
	if p.w == nil {
		return
	}
	b := p.w.Take()
	if b.Degraded != nil {
		p.pollFrom(b.Degraded)
		go p.tellWatch(p.watchRep)
		return
	}
	if b.Lost {
		p.full = true
		p.watchRep.Overflows++
		if p.watchRep.Overflows == 1 {
			p.log.Warn("the file watcher lost events (its queue overflowed); checking the whole project, then following events again")
		}
		go p.tellWatch(p.watchRep)
	}
	for _, ch := range b.Changes {
		if ch.Dir && ch.Path == p.root {
			// The project folder itself was moved, deleted or replaced
			// (a restore, a fresh clone): the watches went with it.
			p.pollFrom(errors.New("the project folder was moved or replaced, and its watches with it"))
			go p.tellWatch(p.watchRep)
			return
		}
	}
	if p.full {
		clear(p.dirty)
		return
	}
	for _, ch := range b.Changes {
		p.dirty[ch.Path] = true
	}
	if len(p.dirty) > maxDirty {
		p.full = true
		clear(p.dirty)
	}
}

// pollFrom gives up watching after err: from now on every call checks the
// files. Under p.mu.
func (p *projectIndex) pollFrom(err error) {
	if p.w != nil {
		w := p.w
		go w.Close() // frees the watches for other programs
		p.w = nil
	}
	clear(p.dirty)
	p.full = false
	p.watchRep.Mode = "poll"
	p.watchRep.Reason = err.Error()
	p.watchRep.Watches = 0
	p.log.Warn("cannot watch the project's files; checking them before each call instead", "err", err)
}

// changedPaths returns the pending changes, sorted, and clears them.
func (p *projectIndex) changedPaths() []string {
	out := make([]string, 0, len(p.dirty))
	for path := range p.dirty {
		out = append(out, path)
	}
	clear(p.dirty)
	slices.Sort(out)
	return out
}

func (p *projectIndex) tellWatch(rep WatchReport) {
	p.mu.Lock()
	tell := p.reportWatch
	p.mu.Unlock()
	if tell != nil {
		tell(rep)
	}
}

// Watch reports how the index follows the files.
func (p *projectIndex) Watch() WatchReport {
	p.mu.Lock()
	defer p.mu.Unlock()
	rep := p.watchRep
	if p.w != nil {
		rep.Watches = p.w.Stats().Watches
	}
	if rep.Mode == "" {
		rep.Mode = "poll"
	}
	return rep
}
