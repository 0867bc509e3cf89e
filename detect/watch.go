package detect

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/fsnotify/fsnotify"
)

// WatchMode says how a folder is watched.
type WatchMode int

const (
	WatchSkip WatchMode = iota // not watched (its creation/removal is still seen by its parent's watch)
	WatchLeaf                  // this folder is watched, its subfolders are not
	WatchFull                  // this folder and (within the depth) its subfolders
)

// WatchOptions configure a Watcher. The zero value means the defaults.
type WatchOptions struct {
	// Mode decides how to watch a folder found below a tree's root; dir is
	// the absolute path. The root itself is always watched, but Mode is
	// still asked for it to know whether to descend: WatchLeaf (or
	// WatchSkip) at the root means the root only. nil: WatchFull for all.
	// Mode is called with the Watcher's lock held: it must not call the
	// Watcher's methods.
	Mode func(dir string) WatchMode
	// Markers are file names whose appearance or disappearance in a folder
	// can change that folder's Mode ("project.godot", ".gdignore"): a
	// change to a direct child with one of these names makes the Watcher
	// ask Mode again for that folder and add or remove the watches below
	// it to match, with a Dir Change for the folder when its mode changed.
	// A marker inside a folder Mode skips is not seen: return WatchLeaf for
	// folders whose markers matter.
	Markers []string
	// MaxWatches bounds the watches this Watcher holds; 0 means 8192.
	// Reaching it, or the OS refusing a watch (ENOSPC: out of inotify
	// watches; EMFILE, ENOMEM), degrades the Watcher (see Batch.Degraded).
	MaxWatches int
	// Logger gets debug-level logs only; the consumers log the warnings a
	// user should see. nil: discard.
	Logger *slog.Logger
}

// Change is one path that changed under a watched tree. Path is absolute
// and clean. Dir is true when Path is a folder whose contents must be
// looked at again as a whole: a folder created or moved in (already
// watched by the time the Change is visible), a watched folder removed or
// moved away, or a folder whose Mode changed.
type Change struct {
	Path string
	Dir  bool
}

// Batch is what Take hands over.
type Batch struct {
	// Changes are deduplicated by Path (Dir wins) and sorted by Path.
	Changes []Change
	// Lost is true when events may have been missed since the last Take:
	// the kernel queue overflowed, more than MaxPending changes piled up,
	// or fsnotify reported another error. Changes is then empty: the
	// consumer must re-check everything it watches. After an overflow the
	// Watcher places its watches again before it reports Lost.
	Lost bool
	// Degraded is non-nil from the moment the Watcher could not place a
	// watch it needed, and stays set for every later Batch. It wraps
	// ErrWatchLimit when a limit was the cause, and the OS error (such as
	// syscall.ENOSPC) when the OS refused. The trees are then only partly
	// watched: the consumer falls back to checking the disk itself.
	Degraded error
}

// ErrWatchLimit: the Watcher reached WatchOptions.MaxWatches, or the OS
// ran out of watches; the trees are only partly watched.
var ErrWatchLimit = errors.New("out of file watches")

// MaxPending is how many changes a Watcher holds before it drops them and
// reports Lost instead.
const MaxPending = 10000

// WatchStats is a snapshot of a Watcher's state, for status reports.
type WatchStats struct {
	Watches   int    // folders watched
	Trees     int    // trees added and not removed
	Overflows int    // kernel queue overflows since NewWatcher
	Degraded  string // Batch.Degraded's message, or ""
	Pending   int    // changes waiting for Take
}

// Watcher watches trees of folders for changes, recursively, on top of
// fsnotify (which watches single folders). Its event loop never waits for
// the consumer: it records changes in a pending set that Take hands over,
// and signals Ready.
type Watcher struct {
	fs       *fsnotify.Watcher
	mode     func(dir string) WatchMode
	markers  []string
	max      int
	log      *slog.Logger
	ready    chan struct{}      // capacity 1: something to Take
	resync   chan struct{}      // capacity 1: the kernel queue overflowed
	pause    chan chan struct{} // test hook: the loop waits until the channel it receives is closed
	done     chan struct{}      // closed by Close
	closeErr error              // fs.Close's, returned by every Close
	once     sync.Once          // guards Close
	wg       sync.WaitGroup     // the loop and the error reader

	// mu guards trees, dirs and closed, and serialises our calls into fs,
	// so that the bookkeeping and fsnotify's watches change together.
	// Taken before pmu, never while holding it.
	mu     sync.Mutex
	trees  map[string]int         // root -> depth (< 0: no limit)
	dirs   map[string]*watchedDir // the truth on what is watched; fsnotify may keep stale paths
	closed bool

	// pmu guards what Take hands over. It is never held across a call that
	// may block, so the error reader can always record.
	pmu       sync.Mutex
	pending   map[string]bool // path -> Dir
	lost      bool
	degraded  error
	overflows int
	stopped   bool // closed: Take returns nothing
}

// watchedDir is one watched folder.
type watchedDir struct {
	mode   WatchMode
	covers []cover // the trees it is watched for; never empty
}

// cover says that a folder is watched for the tree at root, with left
// levels still to watch below it (< 0: no limit).
type cover struct {
	root string
	left int
}

// NewWatcher starts a Watcher's event loop; Close stops it.
func NewWatcher(opts WatchOptions) (*Watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("starting the file watcher: %w", err)
	}
	w := &Watcher{
		fs:      fw,
		mode:    opts.Mode,
		markers: slices.Clone(opts.Markers),
		max:     cmp.Or(opts.MaxWatches, 8192),
		log:     opts.Logger,
		ready:   make(chan struct{}, 1),
		resync:  make(chan struct{}, 1),
		pause:   make(chan chan struct{}),
		done:    make(chan struct{}),
		trees:   make(map[string]int),
		dirs:    make(map[string]*watchedDir),
		pending: make(map[string]bool),
	}
	if w.mode == nil {
		w.mode = func(string) WatchMode { return WatchFull }
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	w.wg.Add(2)
	go w.loop()
	go w.readErrors()
	return w, nil
}

// AddTree watches root, a folder, and per Mode the folders below it down
// to depth levels (depth < 0: no limit; 0: root only). Symlinked folders
// below root are not followed. Adding a tree already watched, or a tree
// inside one, widens the watches where needed. Once the Watcher is
// degraded, the error wraps Batch.Degraded (and so ErrWatchLimit when a
// limit was the cause): the watches placed so far stay, a tree added
// before is walked again to fill the gaps, and a new tree is not added.
//
// A removed root stays registered, unwatched, until RemoveTree: when a
// folder appears at its path again, AddTree must be called again to watch
// it.
func (w *Watcher) AddTree(root string, depth int) error {
	root, err := filepath.Abs(root)
	if err != nil {
		return fmt.Errorf("watching %s: %w", root, err)
	}
	info, err := os.Stat(root)
	if err != nil {
		return fmt.Errorf("watching %s: %w", root, err)
	}
	if !info.IsDir() {
		return fmt.Errorf("watching %s: not a folder", root)
	}
	if depth < 0 {
		depth = -1
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return fmt.Errorf("watching %s: the watcher is closed", root)
	}
	old, known := w.trees[root]
	degraded := w.degradedErr()
	if degraded != nil && !known {
		return fmt.Errorf("adding tree %s: %w", root, degraded)
	}
	if known && deeper(old, depth) {
		depth = old
	}
	w.trees[root] = depth
	// Degraded, a known tree may have been left half walked: walk it all.
	stop, err := w.walk(root, []cover{{root, depth}}, w.mode(root), degraded != nil)
	if err != nil && !stop {
		if !known {
			delete(w.trees, root)
		}
		return fmt.Errorf("watching %s: %w", root, err)
	}
	if degraded = w.degradedErr(); degraded != nil {
		return fmt.Errorf("adding tree %s: %w", root, degraded)
	}
	return err // stopped by Close
}

// RemoveTree stops watching root and the folders below it that were
// watched for that tree; a folder also covered by another tree stays
// watched.
func (w *Watcher) RemoveTree(root string) {
	root, err := filepath.Abs(root)
	if err != nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.trees[root]; !ok || w.closed {
		return
	}
	delete(w.trees, root)
	for dir, d := range w.dirs {
		d.covers = slices.DeleteFunc(d.covers, func(c cover) bool { return c.root == root })
		if len(d.covers) == 0 {
			w.unwatch(dir)
		}
	}
}

// Ready is signalled whenever Take has something to return: changes, Lost,
// or a new Degraded. It has capacity 1 and is never waited on by the
// Watcher.
func (w *Watcher) Ready() <-chan struct{} { return w.ready }

// Take returns and clears what is pending. It never blocks.
func (w *Watcher) Take() Batch {
	w.pmu.Lock()
	defer w.pmu.Unlock()
	if w.stopped {
		return Batch{}
	}
	b := Batch{Lost: w.lost, Degraded: w.degraded}
	if len(w.pending) > 0 {
		b.Changes = make([]Change, 0, len(w.pending))
		for path, dir := range w.pending {
			b.Changes = append(b.Changes, Change{path, dir})
		}
		slices.SortFunc(b.Changes, func(a, b Change) int { return strings.Compare(a.Path, b.Path) })
		clear(w.pending)
	}
	w.lost = false
	return b
}

// Stats reports the Watcher's state.
func (w *Watcher) Stats() WatchStats {
	w.mu.Lock()
	s := WatchStats{Watches: len(w.dirs), Trees: len(w.trees)}
	w.mu.Unlock()
	w.pmu.Lock()
	defer w.pmu.Unlock()
	s.Overflows = w.overflows
	s.Pending = len(w.pending)
	if w.degraded != nil {
		s.Degraded = w.degraded.Error()
	}
	return s
}

// Close stops the event loop and releases every watch. It is safe to call
// twice; Take then returns an empty Batch.
func (w *Watcher) Close() error {
	w.once.Do(func() {
		close(w.done)
		// Closing the inotify descriptor drops every kernel watch, ends
		// fsnotify's reader and closes its channels, which ends ours.
		if err := w.fs.Close(); err != nil {
			w.closeErr = fmt.Errorf("closing the file watcher: %w", err)
		}
		w.wg.Wait()
		w.mu.Lock()
		w.closed = true
		clear(w.dirs)
		clear(w.trees)
		w.mu.Unlock()
		w.pmu.Lock()
		w.stopped = true
		clear(w.pending)
		w.pmu.Unlock()
	})
	return w.closeErr
}

// loop handles fsnotify's events, one at a time, in the kernel's order.
func (w *Watcher) loop() {
	defer w.wg.Done()
	for {
		select {
		case ev, ok := <-w.fs.Events:
			if !ok {
				return
			}
			w.handle(ev)
		case <-w.resync:
			w.rebuild()
		case resume := <-w.pause:
			select {
			case <-resume:
			case <-w.done:
				return
			}
		case <-w.done:
			return
		}
	}
}

// readErrors drains fsnotify's Errors on its own goroutine: fsnotify may
// send an error while holding the lock our calls into it wait for, so the
// loop, which makes those calls, cannot be the one to receive it.
func (w *Watcher) readErrors() {
	defer w.wg.Done()
	for err := range w.fs.Errors {
		w.pmu.Lock()
		if errors.Is(err, fsnotify.ErrEventOverflow) {
			w.overflows++
		} else {
			w.setLost()
		}
		w.pmu.Unlock()
		if errors.Is(err, fsnotify.ErrEventOverflow) {
			w.log.Debug("file watcher: kernel queue overflow, placing the watches again")
			select {
			case w.resync <- struct{}{}:
			default:
			}
		} else {
			w.log.Debug("file watcher: error", "err", err)
		}
	}
}

// handle turns one fsnotify event into changes, and places or drops the
// watches it calls for.
func (w *Watcher) handle(ev fsnotify.Event) {
	path := filepath.Clean(ev.Name)
	parent := filepath.Dir(path)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	switch {
	case ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename):
		if w.dirs[parent] == nil && w.dirs[path] == nil && !w.holdsRoot(path) {
			return // a stale watch's event
		}
		w.record(path, w.dropWithin(path) > 0)
	case ev.Has(fsnotify.Create):
		if w.dirs[parent] == nil {
			return
		}
		w.record(path, w.created(path, w.dirs[parent]))
	default: // Write, Chmod
		if w.dirs[parent] == nil && w.dirs[path] == nil {
			return
		}
		w.record(path, false)
	}
	if w.dirs[parent] != nil && slices.Contains(w.markers, filepath.Base(path)) {
		w.remode(parent)
	}
}

// created watches a folder that appeared at path, below parent, and its
// subtree, and says whether it did: the Change is recorded after the
// watches are placed, so that a consumer reading the folder then misses
// nothing.
func (w *Watcher) created(path string, parent *watchedDir) (dir bool) {
	info, err := os.Lstat(path)
	if err != nil || !info.IsDir() || parent.mode != WatchFull {
		return false
	}
	kids := below(parent.covers)
	if len(kids) == 0 {
		return false
	}
	mode := w.mode(path)
	if mode == WatchSkip {
		return false
	}
	// Placed again even when the bookkeeping has it: the folder at this
	// path may be a new one, and its watch a stale fsnotify path.
	w.walk(path, kids, mode, true)
	return true
}

// remode asks Mode again for a watched folder after one of its markers
// changed, and adds or drops the watches below it to match.
func (w *Watcher) remode(dir string) {
	d := w.dirs[dir]
	mode := w.mode(dir)
	if mode == d.mode {
		return
	}
	w.log.Debug("file watcher: folder mode changed", "dir", dir, "from", d.mode, "to", mode)
	old := d.mode
	d.mode = mode
	switch {
	case mode == WatchFull:
		w.walk(dir, slices.Clone(d.covers), mode, true)
	case old == WatchFull || mode == WatchSkip:
		w.strip(dir)
	}
	w.record(dir, true)
}

// strip drops the watches that dir's tree placed below dir, after dir
// stopped being WatchFull; with WatchSkip, dir's own watch goes too,
// unless dir is a tree's root. Watches of trees rooted below dir stay.
func (w *Watcher) strip(dir string) {
	skip := w.dirs[dir].mode == WatchSkip
	for path, d := range w.dirs {
		if !within(path, dir) || (path == dir && !skip) {
			continue
		}
		d.covers = slices.DeleteFunc(d.covers, func(c cover) bool {
			return !within(c.root, dir) || (c.root == dir && path != dir)
		})
		if len(d.covers) == 0 {
			w.unwatch(path)
		}
	}
}

// rebuild drops every watch and places them again, after the kernel queue
// overflowed: folders may have been created, moved or removed unseen, and
// fsnotify may hold watches under paths that are no longer theirs. Trees
// whose root was not watched stay so. Then it reports Lost.
func (w *Watcher) rebuild() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	var roots []string
	for root := range w.trees {
		if w.dirs[root] != nil {
			roots = append(roots, root)
		}
	}
	for dir := range w.dirs {
		w.unwatch(dir)
	}
	for _, dir := range w.fs.WatchList() {
		w.fs.Remove(dir)
	}
	slices.Sort(roots)
	for _, root := range roots {
		if stop, _ := w.walk(root, []cover{{root, w.trees[root]}}, w.mode(root), false); stop {
			break
		}
	}
	w.pmu.Lock()
	w.setLost()
	w.pmu.Unlock()
}

// walk watches dir for covers, with the given mode, then the folders below
// it that the covers reach. Without force, a folder already watched for
// these covers is not visited again. stop is true when the Watcher got
// degraded: err then says why, and the walk is over. Otherwise err is
// dir's own failure (gone, unreadable); failures below dir are skipped.
func (w *Watcher) walk(dir string, covers []cover, mode WatchMode, force bool) (stop bool, err error) {
	d := w.dirs[dir]
	if d == nil || force {
		if d == nil && len(w.dirs) >= w.max {
			return true, w.degrade(fmt.Errorf("watching %s: %w (the limit is %d)", dir, ErrWatchLimit, w.max))
		}
		if err := w.fs.Add(dir); err != nil {
			return w.addFailed(dir, err)
		}
		if d == nil {
			d = &watchedDir{}
			w.dirs[dir] = d
		}
	}
	d.mode = mode
	widened := d.merge(covers)
	if (!widened && !force) || mode != WatchFull {
		return false, nil
	}
	kids := below(d.covers)
	if len(kids) == 0 {
		return false, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		w.log.Debug("file watcher: cannot list a folder", "dir", dir, "err", err)
		return false, nil
	}
	for _, e := range entries {
		if !e.IsDir() { // symlinks included: not followed
			continue
		}
		kid := filepath.Join(dir, e.Name())
		mode := w.mode(kid)
		if mode == WatchSkip {
			continue
		}
		if stop, err := w.walk(kid, kids, mode, force); stop {
			return true, err
		}
	}
	return false, nil
}

// addFailed sorts fsnotify's refusal to watch dir: a folder gone or not
// ours to read is skipped; anything else degrades the Watcher.
func (w *Watcher) addFailed(dir string, err error) (stop bool, _ error) {
	select {
	case <-w.done: // Close raced us: the descriptor is gone
		return true, err
	default:
	}
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.ENOTDIR):
		w.log.Debug("file watcher: folder not watched", "dir", dir, "err", err)
		return false, err
	case errors.Is(err, fsnotify.ErrClosed):
		return true, err
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENOMEM):
		return true, w.degrade(fmt.Errorf("watching %s: %w (%w)", dir, ErrWatchLimit, err))
	default:
		return true, w.degrade(fmt.Errorf("watching %s: %w", dir, err))
	}
}

// degrade records the first failure to place a needed watch, signals it,
// and returns what Degraded holds.
func (w *Watcher) degrade(err error) error {
	w.pmu.Lock()
	defer w.pmu.Unlock()
	if w.degraded == nil {
		w.degraded = err
		w.log.Debug("file watcher: degraded", "err", err)
		w.signal()
	}
	return w.degraded
}

func (w *Watcher) degradedErr() error {
	w.pmu.Lock()
	defer w.pmu.Unlock()
	return w.degraded
}

// dropWithin stops watching path and every watched folder below it, and
// says how many there were.
func (w *Watcher) dropWithin(path string) int {
	if w.dirs[path] == nil && !w.holdsRoot(path) {
		return 0 // every other watched folder's parent is watched
	}
	n := 0
	for dir := range w.dirs {
		if within(dir, path) {
			w.unwatch(dir)
			n++
		}
	}
	return n
}

// holdsRoot says whether a tree's root lies strictly below path.
func (w *Watcher) holdsRoot(path string) bool {
	for root := range w.trees {
		if root != path && within(root, path) {
			return true
		}
	}
	return false
}

// unwatch drops dir's watch. fsnotify may have dropped it already (a
// folder removed or moved away), or hold it under a stale path, which is
// the one we know it by.
func (w *Watcher) unwatch(dir string) {
	delete(w.dirs, dir)
	if err := w.fs.Remove(dir); err != nil && !errors.Is(err, fsnotify.ErrNonExistentWatch) {
		w.log.Debug("file watcher: removing a watch", "dir", dir, "err", err)
	}
}

// record adds a change to what Take hands over; w.mu may be held.
func (w *Watcher) record(path string, dir bool) {
	w.pmu.Lock()
	defer w.pmu.Unlock()
	if w.lost {
		return // everything is to be checked again anyway
	}
	w.pending[path] = w.pending[path] || dir
	if len(w.pending) > MaxPending {
		w.setLost()
	}
	w.signal()
}

// setLost reports that events were missed; w.pmu is held.
func (w *Watcher) setLost() {
	w.lost = true
	clear(w.pending)
	w.signal()
}

func (w *Watcher) signal() {
	select {
	case w.ready <- struct{}{}:
	default:
	}
}

// merge adds covers to d, keeping the deeper of two for the same tree, and
// says whether any reaches further than before.
func (d *watchedDir) merge(covers []cover) (widened bool) {
	for _, c := range covers {
		i := slices.IndexFunc(d.covers, func(o cover) bool { return o.root == c.root })
		switch {
		case i < 0:
			d.covers = append(d.covers, c)
			widened = true
		case deeper(c.left, d.covers[i].left):
			d.covers[i].left = c.left
			widened = true
		}
	}
	return widened
}

// below returns the covers for the subfolders of a folder with covers.
func below(covers []cover) []cover {
	var kids []cover
	for _, c := range covers {
		switch {
		case c.left < 0:
			kids = append(kids, c)
		case c.left > 0:
			kids = append(kids, cover{c.root, c.left - 1})
		}
	}
	return kids
}

// deeper says whether depth a reaches further than b (< 0: no limit).
func deeper(a, b int) bool {
	return b >= 0 && (a < 0 || a > b)
}

// within says whether path is dir or below it.
func within(path, dir string) bool {
	if !strings.HasPrefix(path, dir) {
		return false
	}
	return len(path) == len(dir) || strings.HasSuffix(dir, string(filepath.Separator)) || path[len(dir)] == filepath.Separator
}
