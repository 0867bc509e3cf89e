package instance

import (
	"fmt"
	"log/slog"
	"sync"

	"github.com/godot-mcp-router/godot-mcp-router/instance/index"
)

// projectIndex keeps the instance's index current. With a watcher (see
// watch.go) a call applies the changes it reported, reading only those
// paths (index.UpdatePaths), and touches no file when there are none.
// Without one, or after events were lost, a call checks the whole tree
// (one walk, one stat per file, no reads) through index.UpdateFrom, which
// returns the same index when nothing changed and re-reads only what did.
type projectIndex struct {
	root string
	log  *slog.Logger

	mu   sync.Mutex // guards the fields below; held during an update so calls wait for it
	ix   *index.Index
	gen  uint64 // counts the indexes ix has held
	sent uint64 // the generation the router holds a snapshot of (0: none)

	changed chan struct{} // signalled (never blocking) when gen grows

	// After a restore: the index being decoded (nil when none), and who is
	// told how the first check against the disk went.
	restoring func() (*index.Index, error)
	onChecked func(ix *index.Index, reread int, restoreErr error)

	// Following the files (watch.go).
	w           changeSource    // nil: every call checks the whole tree
	dirty       map[string]bool // absolute paths changed since the last update
	full        bool            // the next update checks the whole tree (events were lost)
	watchRep    WatchReport
	reportWatch func(WatchReport) // told when watchRep changes; nil: nobody
}

func newProjectIndex(root string, log *slog.Logger) *projectIndex {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &projectIndex{root: root, log: log, changed: make(chan struct{}, 1), dirty: map[string]bool{}}
}

// current returns an index that matches the disk.
func (p *projectIndex) current() (*index.Index, error) {
	ix, checked, err := p.update()
	if checked != nil {
		// Told outside p.mu: the report goes out on the control
		// connection, whose writers may wait for p.mu.
		checked()
	}
	return ix, err
}

// update is current under p.mu; checked, when not nil, reports the first
// check of a restored index and must be called after the lock is released.
func (p *projectIndex) update() (ix *index.Index, checked func(), err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	restoring := p.restoring
	var restored *index.Index
	var restoreErr error
	p.drain()
	switch {
	case p.w != nil && !p.full && restoring == nil && p.ix != nil:
		// Following events: only what the watcher reported is looked at.
		if len(p.dirty) == 0 && !p.ix.OutsideChanged() {
			return p.ix, nil, nil
		}
		changed := p.changedPaths()
		ix, err = index.UpdatePaths(p.root, p.ix, changed)
		if err != nil {
			// The next call checks the whole tree.
			p.full = true
			return nil, nil, fmt.Errorf("indexing the project: %w", err)
		}
		if ix != p.ix {
			p.watchRep.Updates++
		}
	default:
		ix, err = index.UpdateFrom(p.root, func() *index.Index {
			if restoring != nil {
				// The decoding started at New has had the walk's time.
				restored, restoreErr = restoring()
				p.ix = restored
			}
			return p.ix
		})
		if err != nil {
			// A restore still pending is tried again by the next call.
			return nil, nil, fmt.Errorf("indexing the project: %w", err)
		}
		// The walk saw every change made before it began.
		p.full = false
		clear(p.dirty)
	}
	if restoring != nil {
		p.restoring = nil
		reread := 0
		if restored != nil && ix != restored {
			reread = ix.Entries() - ix.Reused
		}
		tell, got := p.onChecked, ix
		checked = func() { tell(got, reread, restoreErr) }
	}
	if ix != p.ix {
		p.ix = ix
		p.gen++
		select {
		case p.changed <- struct{}{}:
		default:
		}
	}
	return ix, checked, nil
}

// bump marks the state changed outside the index (build records): a new
// snapshot is due.
func (p *projectIndex) bump() {
	p.mu.Lock()
	p.gen++
	p.mu.Unlock()
	select {
	case p.changed <- struct{}{}:
	default:
	}
}

// restore starts the index from a snapshot the router holds: it is decoded
// in the background while the first call walks the tree, and that call's
// check against the disk then tells onChecked how it went (a snapshot that
// turned out unusable is reported there, and the call builds the index
// from the files).
func (p *projectIndex) restore(root, build string, data []byte, onChecked func(ix *index.Index, reread int, restoreErr error)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gen++
	p.sent = p.gen // the router holds this snapshot
	ch := decodeAsync(root, build, data)
	p.restoring = sync.OnceValues(func() (*index.Index, error) {
		r := <-ch
		return r.ix, r.err
	})
	p.onChecked = onChecked
}

type restoreResult struct {
	ix  *index.Index
	err error
}

func decodeAsync(root, build string, data []byte) <-chan restoreResult {
	ch := make(chan restoreResult, 1)
	go func() {
		ix, err := index.Restore(root, build, data)
		ch <- restoreResult{ix, err}
	}()
	return ch
}
