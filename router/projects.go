package router

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/detect"
	"github.com/godot-mcp-router/godot-mcp-router/store"
)

// ProjectsOptions tunes the project catalog. The zero value means the
// defaults.
type ProjectsOptions struct {
	// Depth is how many levels below a session's folder (or a folder of
	// GODOT_PROJECTS_PATH) are watched for projects; 0 means 4, as
	// detection scans.
	Depth int
	// Parents is how many parents of a session's project (or folder) are
	// watched too, each ParentDepth levels deep, stopping below the home
	// folder and the folders just below the filesystem root (/tmp, /home);
	// 0 means 2, negative none.
	Parents     int
	ParentDepth int // 0 means 2
	// MaxWatches bounds the watcher's watches; 0 means the detect default.
	MaxWatches int
	// NoWatch turns the watcher off: folders are scanned when named, and
	// detection scans the disk as it did before the catalog.
	NoWatch bool
	// Remember is how long a watched folder of a past session is watched
	// again when the router starts; 0 means 30 days.
	Remember time.Duration
}

func (o ProjectsOptions) withDefaults() ProjectsOptions {
	if o.Depth <= 0 {
		o.Depth = 4
	}
	if o.Parents == 0 {
		o.Parents = 2
	}
	if o.ParentDepth <= 0 {
		o.ParentDepth = 2
	}
	if o.Remember <= 0 {
		o.Remember = 30 * 24 * time.Hour
	}
	return o
}

// Projects is the router's catalog of Godot projects: every project below
// the folders it watches (GODOT_PROJECTS_PATH, the folders sessions start
// in, their parents), found by a scan when a folder is first watched and
// kept current by the file watcher as project.godot files appear, change
// and vanish. It is kept in the store (bucket catalog), so a restarted
// router knows the projects before any scan. list_projects and
// list_versions answer from it, and detection asks it before scanning.
type Projects struct {
	log  *slog.Logger
	st   *store.Store // nil: memory only
	opts ProjectsOptions
	w    *detect.Watcher // nil: not watching

	// work orders every change of the catalog: a folder's scan and what
	// the watcher reports are applied one at a time, and each reads the
	// disk while it holds work, so a later one always sees the later disk
	// (a project made or removed during a scan is applied after it).
	work sync.Mutex

	mu       sync.Mutex
	projects map[string]store.CatalogProject // by root
	folders  map[string]*folder              // by path
	degraded string                          // why the watcher cannot cover everything; "" when it can
	lost     int                             // times events were lost (a rescan followed)
	closed   bool

	scans sync.WaitGroup // folder scans in flight
	stop  chan struct{}
	done  chan struct{}
}

// folder is a folder the catalog watches.
type folder struct {
	store.WatchedFolder
	scanned chan struct{} // closed once its first scan has ended
	scanErr error         // that scan's error (a partial scan: ErrScanLimit); guarded by mu
	// viaLinks says the scan reached projects through symlinked folders,
	// which the watcher does not follow: detection scans such a folder.
	viaLinks bool // guarded by mu
	// gone says the folder itself went away (moved, deleted): naming it
	// again watches and scans it anew.
	gone bool // guarded by mu
}

// NewProjects loads the catalog from st (nil: memory only), starts the
// watcher and watches the folders of GODOT_PROJECTS_PATH (envPaths) and
// those of recent sessions again.
func NewProjects(st *store.Store, log *slog.Logger, envPaths []string, opts ProjectsOptions) *Projects {
	c := &Projects{
		log:      log,
		st:       st,
		opts:     opts.withDefaults(),
		projects: map[string]store.CatalogProject{},
		folders:  map[string]*folder{},
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	var remembered []store.WatchedFolder
	if st != nil {
		ps, err := st.Projects()
		if err != nil {
			log.Warn("reading the project catalog", "err", err)
		}
		for _, p := range ps {
			c.projects[p.Root] = p
		}
		fs, err := st.Folders()
		if err != nil {
			log.Warn("reading the watched folders", "err", err)
		}
		remembered = fs
	}
	if !c.opts.NoWatch {
		w, err := detect.NewWatcher(detect.WatchOptions{
			Mode:       catalogMode,
			Markers:    []string{"project.godot", "engine.cfg", ".gdignore"},
			MaxWatches: c.opts.MaxWatches,
			Logger:     log,
		})
		if err != nil {
			c.degraded = "no file watcher: " + err.Error()
			log.Warn("cannot watch folders for projects; detection scans the disk instead", "err", err)
		} else {
			c.w = w
		}
	}
	if c.w != nil {
		go c.loop()
	} else {
		close(c.done)
	}
	for _, p := range envPaths {
		c.Watch(p, "env", c.opts.Depth)
	}
	cutoff := time.Now().Add(-c.opts.Remember)
	again := 0
	for _, f := range remembered { // most recently used first
		if f.UsedAt.Before(cutoff) || f.Kind == "env" || again == maxRemembered {
			continue // env folders are named by each start
		}
		again++
		if _, err := os.Stat(f.Path); err != nil {
			continue
		}
		c.watchResolved(f.Path, f.Kind, f.Depth, f.UsedAt)
	}
	c.scans.Go(func() {
		c.work.Lock()
		defer c.work.Unlock()
		c.verifyOthers()
	})
	return c
}

// maxRemembered bounds the folders of past sessions watched again at start.
const maxRemembered = 16

// catalogMode is how the catalog watches folders: hidden folders and
// node_modules are skipped, as detection's scan skips them; a project's
// root, and a folder holding .gdignore, are watched themselves (to see
// project.godot or .gdignore come and go) but not below.
func catalogMode(dir string) detect.WatchMode {
	name := filepath.Base(dir)
	if strings.HasPrefix(name, ".") || name == "node_modules" {
		return detect.WatchSkip
	}
	for _, marker := range []string{"project.godot", "engine.cfg", ".gdignore"} {
		if _, err := os.Lstat(filepath.Join(dir, marker)); err == nil {
			return detect.WatchLeaf
		}
	}
	return detect.WatchFull
}

// Watch makes the catalog cover the folder path down to depth levels, and
// returns a channel closed once the folder has been scanned. kind is
// "env", "session" or "parent". Naming a folder again renews it.
func (c *Projects) Watch(path, kind string, depth int) <-chan struct{} {
	real, err := filepath.EvalSymlinks(detect.ExpandHome(path))
	if err != nil {
		c.log.Debug("not watching a folder that cannot be resolved", "path", path, "err", err)
		return closedChan
	}
	if info, err := os.Stat(real); err != nil || !info.IsDir() {
		return closedChan
	}
	return c.watchResolved(real, kind, depth, time.Now())
}

var closedChan = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()

func (c *Projects) watchResolved(path, kind string, depth int, used time.Time) <-chan struct{} {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return closedChan
	}
	f, ok := c.folders[path]
	if ok && f.Depth >= depth && !f.gone {
		renew := used.Sub(f.UsedAt) > time.Minute
		if renew {
			f.UsedAt = used
		}
		ch, rec := f.scanned, f.WatchedFolder
		if renew {
			// Started under c.mu: Close waits for scans only after it
			// set closed under c.mu.
			c.scans.Go(func() { c.saveFolder(rec) })
		}
		c.mu.Unlock()
		return ch
	}
	if ok && kind == "parent" {
		kind = f.Kind // a session's own folder stays one
	}
	f = &folder{WatchedFolder: store.WatchedFolder{Path: path, Kind: kind, Depth: depth, UsedAt: used}, scanned: make(chan struct{})}
	c.folders[path] = f
	rec := f.WatchedFolder
	defer c.mu.Unlock() // scans.Go under c.mu, as above
	c.scans.Go(func() {
		defer close(f.scanned)
		c.saveFolder(rec)
		c.work.Lock()
		defer c.work.Unlock()
		if c.isClosed() {
			return
		}
		if c.w != nil {
			if err := c.w.AddTree(path, depth); err != nil {
				c.watchProblem(err)
			}
		}
		c.rescan(path, depth)
	})
	return f.scanned
}

func (c *Projects) saveFolder(f store.WatchedFolder) {
	if c.st == nil {
		return
	}
	if err := c.st.PutFolders([]store.WatchedFolder{f}); err != nil {
		c.log.Warn("saving a watched folder", "path", f.Path, "err", err)
	}
}

func (c *Projects) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// watchProblem notes, once, that the watcher cannot cover every folder.
// Only running out of watches counts: a folder that vanished or cannot be
// read just holds no projects.
func (c *Projects) watchProblem(err error) {
	if !errors.Is(err, detect.ErrWatchLimit) {
		c.log.Debug("watching a folder", "err", err)
		return
	}
	c.mu.Lock()
	first := c.degraded == "" && !c.closed
	if first {
		c.degraded = err.Error()
	}
	c.mu.Unlock()
	if first {
		c.log.Warn("the file watcher cannot cover every folder; detection scans the disk, and list_projects scans the watched folders before it answers", "err", err)
	}
}

// Session watches the folders a new session is about: each one, its
// project's root (or the folder itself, depth levels down) and its
// parents. It returns at once; the scans run in the background.
func (c *Projects) Session(dirs ...string) {
	for _, dir := range dirs {
		if strings.TrimSpace(dir) == "" {
			continue
		}
		real, err := filepath.EvalSymlinks(detect.ExpandHome(dir))
		if err != nil {
			continue
		}
		base, depth := real, c.opts.Depth
		if root, err := detect.FindRoot(real); err == nil {
			base, depth = root, 0
		}
		home, _ := os.UserHomeDir()
		switch {
		case topLevel(base):
			continue // "/" or "/tmp": far too wide to watch
		case base == home:
			depth = min(depth, 2) // detection scans deeper itself where it must
		}
		c.watchResolved(base, "session", depth, time.Now())
		if c.opts.Parents < 0 {
			continue
		}
		p := base
		for range c.opts.Parents {
			parent := filepath.Dir(p)
			if parent == p || parent == home || topLevel(parent) {
				break // never the home folder, the filesystem root or a folder just below it (/tmp, /home)
			}
			c.watchResolved(parent, "parent", c.opts.ParentDepth, time.Now())
			p = parent
		}
	}
}

// topLevel reports whether dir is the filesystem root or a folder right
// below it.
func topLevel(dir string) bool {
	parent := filepath.Dir(dir)
	return parent == dir || filepath.Dir(parent) == parent
}

// rescan scans the folder path down to depth levels and makes the catalog
// agree with what it found below it. The caller holds c.work.
func (c *Projects) rescan(path string, depth int) error {
	var found []detect.Project
	var err error
	if depth == 0 {
		// Only the folder itself (Scan's zero depth means its default).
		p, loadErr := detect.Load(path)
		switch {
		case errors.Is(loadErr, detect.ErrNoProject) || p.Root == "":
		default:
			found = []detect.Project{p}
		}
	} else {
		found, err = detect.Scan(path, detect.ScanOptions{MaxDepth: depth})
	}
	if err != nil && !errors.Is(err, detect.ErrScanLimit) {
		// The folder is gone or unreadable: what the catalog had below it
		// is checked one by one.
		c.dropBelow(path, depth, nil)
		c.noteScan(path, err, false)
		return err
	}
	now := time.Now()
	seen := make(map[string]bool, len(found))
	var put []store.CatalogProject
	links := false
	for _, p := range found {
		seen[p.Root] = true
		rec := c.record(p, "", path, now)
		// A project reached through a symlink lies outside the watched
		// tree: watch its root itself.
		if !isUnder(p.Root, path) {
			links = true
			if c.w != nil {
				if err := c.w.AddTree(p.Root, 0); err != nil {
					c.watchProblem(err)
				}
			}
		}
		put = append(put, rec)
	}
	c.upsert(put)
	if err == nil {
		c.dropBelow(path, depth, seen)
	}
	c.noteScan(path, err, links)
	return err
}

// noteScan records how the last scan of a watched folder went.
func (c *Projects) noteScan(path string, err error, links bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f, ok := c.folders[path]; ok {
		f.scanErr, f.viaLinks = err, links
	}
}

// record makes the catalog record of a project loaded or scanned now.
func (c *Projects) record(p detect.Project, problem, via string, now time.Time) store.CatalogProject {
	rec := store.CatalogProject{
		Root: p.Root, Name: p.Name, Slug: p.Slug, Version: p.Version, Engine: p.Engine,
		ConfigVersion: p.ConfigVersion, Supported: p.Supported, Problem: problem,
		ModTime: p.ModTime, FoundAt: now, SeenAt: now, Via: via,
	}
	c.mu.Lock()
	if old, ok := c.projects[p.Root]; ok {
		rec.FoundAt = old.FoundAt
		if old.Via != "" && via == "" {
			rec.Via = old.Via
		}
	}
	c.mu.Unlock()
	return rec
}

// upsert puts records into the catalog and the store.
func (c *Projects) upsert(recs []store.CatalogProject) {
	if len(recs) == 0 {
		return
	}
	if c.st != nil {
		if err := c.st.PutProjects(recs); err != nil {
			c.log.Warn("saving the project catalog", "err", err)
		}
	}
	c.mu.Lock()
	for _, r := range recs {
		c.projects[r.Root] = r
	}
	c.mu.Unlock()
}

// remove takes roots out of the catalog and the store.
func (c *Projects) remove(roots []string) {
	if len(roots) == 0 {
		return
	}
	if c.st != nil {
		if err := c.st.DeleteProjects(roots); err != nil {
			c.log.Warn("saving the project catalog", "err", err)
		}
	}
	c.mu.Lock()
	for _, r := range roots {
		delete(c.projects, r)
	}
	c.mu.Unlock()
}

// dropBelow removes the catalog's projects at or below path, within depth
// levels, that keep is missing and that no longer hold a project file
// (keep nil: every one whose project file is gone).
func (c *Projects) dropBelow(path string, depth int, keep map[string]bool) {
	c.mu.Lock()
	var check []string
	for root := range c.projects {
		if keep[root] || !isUnder(root, path) || levelsBelow(root, path) > depth {
			continue
		}
		check = append(check, root)
	}
	c.mu.Unlock()
	var gone []string
	for _, root := range check {
		if !hasProjectFile(root) {
			gone = append(gone, root)
			continue
		}
		// Still a project, yet the complete scan did not find it: under a
		// folder the scan skips (.gdignore, hidden, nested). It stays only
		// when a session used it.
		if keep != nil && c.via(root) != "session" {
			gone = append(gone, root)
		}
	}
	c.remove(gone)
}

func (c *Projects) via(root string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.projects[root].Via
}

func hasProjectFile(root string) bool {
	for _, name := range []string{"project.godot", "engine.cfg"} {
		if info, err := os.Stat(filepath.Join(root, name)); err == nil && info.Mode().IsRegular() {
			return true
		}
	}
	return false
}

// isUnder reports whether path is dir or inside it.
func isUnder(path, dir string) bool {
	if path == dir {
		return true
	}
	if dir == "/" {
		return strings.HasPrefix(path, "/")
	}
	return strings.HasPrefix(path, dir+string(filepath.Separator))
}

// levelsBelow counts the folders from dir down to path (path inside dir).
func levelsBelow(path, dir string) int {
	if path == dir {
		return 0
	}
	rel, err := filepath.Rel(dir, path)
	if err != nil {
		return 1 << 30
	}
	return strings.Count(rel, string(filepath.Separator)) + 1
}

// loop applies what the watcher reports.
func (c *Projects) loop() {
	defer close(c.done)
	for {
		select {
		case <-c.stop:
			return
		case <-c.w.Ready():
		}
		c.handle(c.w.Take())
	}
}

// handle applies one batch of the watcher's.
func (c *Projects) handle(b detect.Batch) {
	c.work.Lock()
	defer c.work.Unlock()
	if b.Degraded != nil {
		c.watchProblem(b.Degraded)
	}
	if b.Lost {
		c.mu.Lock()
		c.lost++
		first := c.lost == 1
		folders := make([]store.WatchedFolder, 0, len(c.folders))
		for _, f := range c.folders {
			folders = append(folders, f.WatchedFolder)
		}
		c.mu.Unlock()
		if first {
			c.log.Warn("the file watcher lost events (its queue overflowed); scanning the watched folders again")
		}
		c.rescanAll(folders)
		return
	}
	c.apply(b.Changes)
}

// apply updates the catalog for the changes of one batch: a project file
// that came, changed or went reloads that project and its siblings (whose
// slugs depend on each other); a folder that came or went is scanned again.
// The caller holds c.work.
func (c *Projects) apply(changes []detect.Change) {
	reload := map[string]bool{}
	for _, ch := range changes {
		if !ch.Dir {
			switch filepath.Base(ch.Path) {
			case "project.godot", "engine.cfg":
				reload[filepath.Dir(ch.Path)] = true
			}
			continue
		}
		if c.rewatch(ch.Path) {
			continue
		}
		reload[ch.Path] = true // the folder and its siblings
		depth, ok := c.depthLeft(ch.Path)
		if !ok {
			continue
		}
		if _, err := os.Lstat(filepath.Join(ch.Path, ".gdignore")); err == nil {
			// Skipped by every scan from now on: nothing below it counts.
			c.dropBelow(ch.Path, depth, map[string]bool{})
			continue
		}
		c.rescan(ch.Path, depth)
	}
	for dir := range reload {
		c.reload(dir)
	}
}

// rewatch handles a watched folder itself that went away or was replaced
// (moved, deleted, cloned again): the watcher no longer covers it, so it is
// watched and scanned again when it exists, and its projects are checked
// when it does not. It reports whether dir is such a folder. The caller
// holds c.work.
func (c *Projects) rewatch(dir string) bool {
	c.mu.Lock()
	f, ok := c.folders[dir]
	c.mu.Unlock()
	if !ok {
		return false
	}
	if c.w != nil {
		c.w.RemoveTree(dir)
	}
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		c.dropBelow(dir, f.Depth, nil)
		c.noteScan(dir, fmt.Errorf("the folder is gone"), false)
		c.mu.Lock()
		f.gone = true
		c.mu.Unlock()
		return true
	}
	if c.w != nil {
		if err := c.w.AddTree(dir, f.Depth); err != nil {
			c.watchProblem(err)
		}
	}
	c.rescan(dir, f.Depth)
	return true
}

// rescanAll scans the given folders again, and checks the projects no
// folder covers. The caller holds c.work.
func (c *Projects) rescanAll(folders []store.WatchedFolder) {
	for _, f := range folders {
		c.rescan(f.Path, f.Depth)
	}
	c.verifyOthers()
}

// Refresh scans every watched folder again when no watcher keeps them
// current (out of watches, or watching is off), so list_projects answers
// from the disk then.
func (c *Projects) Refresh() {
	c.mu.Lock()
	degraded := c.degraded != "" || c.w == nil
	folders := make([]store.WatchedFolder, 0, len(c.folders))
	for _, f := range c.folders {
		folders = append(folders, f.WatchedFolder)
	}
	c.mu.Unlock()
	if !degraded {
		return
	}
	c.work.Lock()
	defer c.work.Unlock()
	c.rescanAll(folders)
}

// depthLeft is how many levels below dir the catalog covers, when any
// folder it watches holds dir.
func (c *Projects) depthLeft(dir string) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	best, ok := -1, false
	for _, f := range c.folders {
		if isUnder(dir, f.Path) {
			if left := f.Depth - levelsBelow(dir, f.Path); left >= 0 && left > best {
				best, ok = left, true
			}
		}
	}
	return best, ok
}

// reload reads the project at dir again (when it is one, or was), with
// every catalog project that is its sibling.
func (c *Projects) reload(dir string) {
	dirs := []string{dir}
	parent := filepath.Dir(dir)
	c.mu.Lock()
	for root := range c.projects {
		if filepath.Dir(root) == parent && root != dir {
			dirs = append(dirs, root)
		}
	}
	c.mu.Unlock()
	now := time.Now()
	var put []store.CatalogProject
	var gone []string
	for _, d := range dirs {
		p, err := detect.Load(d)
		switch {
		case errors.Is(err, detect.ErrNoProject) || p.Root == "":
			if c.has(d) {
				gone = append(gone, d)
			}
			continue
		case errors.Is(err, detect.ErrUnsupported):
			err = nil // a Godot 2 project: Supported says it
		}
		problem := ""
		if err != nil {
			problem = err.Error()
		}
		put = append(put, c.record(p, problem, "", now))
	}
	c.remove(gone)
	c.upsert(put)
}

func (c *Projects) has(root string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.projects[root]
	return ok
}

// verifyOthers checks, once at start, the catalog's projects that no
// watched folder covers: a project whose file is gone leaves the catalog.
func (c *Projects) verifyOthers() {
	c.mu.Lock()
	var roots []string
	for root := range c.projects {
		covered := false
		for _, f := range c.folders {
			if isUnder(root, f.Path) {
				covered = true
				break
			}
		}
		if !covered {
			roots = append(roots, root)
		}
	}
	c.mu.Unlock()
	var gone []string
	for _, root := range roots {
		if !hasProjectFile(root) {
			gone = append(gone, root)
		}
	}
	c.remove(gone)
}

// Add puts a project a session resolved to into the catalog (with its
// root watched), so list_projects shows every project in use.
func (c *Projects) Add(p detect.Project) {
	c.mu.Lock()
	_, known := c.projects[p.Root]
	c.mu.Unlock()
	if known || p.Root == "" {
		return
	}
	c.upsert([]store.CatalogProject{c.record(p, "", "session", time.Now())})
	if c.w != nil {
		if err := c.w.AddTree(p.Root, 0); err != nil {
			c.watchProblem(err)
		}
	}
}

// List returns the catalog, sorted by slug, then version, then root.
func (c *Projects) List() []store.CatalogProject {
	c.mu.Lock()
	out := make([]store.CatalogProject, 0, len(c.projects))
	for _, p := range c.projects {
		out = append(out, p)
	}
	c.mu.Unlock()
	slices.SortFunc(out, compareCatalog)
	return out
}

func compareCatalog(a, b store.CatalogProject) int {
	if c := strings.Compare(a.Slug, b.Slug); c != 0 {
		return c
	}
	if c := detect.CompareVersions(a.Version, b.Version); c != 0 {
		return c
	}
	return strings.Compare(a.Root, b.Root)
}

// Wait waits until the scans of the folders named so far have ended, or
// the timeout passed; it reports whether they ended.
func (c *Projects) Wait(timeout time.Duration) bool {
	c.mu.Lock()
	chans := make([]chan struct{}, 0, len(c.folders))
	for _, f := range c.folders {
		chans = append(chans, f.scanned)
	}
	c.mu.Unlock()
	t := time.NewTimer(timeout)
	defer t.Stop()
	for _, ch := range chans {
		select {
		case <-ch:
		case <-t.C:
			return false
		}
	}
	return true
}

// Below answers detection's question for dir: the catalog's projects
// below it within depth levels, when a watched folder that has been
// scanned covers dir that deep and the watcher misses nothing.
func (c *Projects) Below(dir string, depth int) ([]detect.Project, map[string]string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.w == nil || c.degraded != "" {
		return nil, nil, false
	}
	covered := false
	for _, f := range c.folders {
		if !isUnder(dir, f.Path) || f.Depth-levelsBelow(dir, f.Path) < depth {
			continue
		}
		select {
		case <-f.scanned:
			if f.scanErr == nil && !f.viaLinks {
				covered = true
			}
		default:
		}
		if covered {
			break
		}
	}
	if !covered {
		return nil, nil, false
	}
	var ps []detect.Project
	problems := map[string]string{}
	for root, rec := range c.projects {
		if root == dir || !isUnder(root, dir) || levelsBelow(root, dir) > depth {
			continue
		}
		ps = append(ps, projectOf(rec))
		if rec.Problem != "" {
			problems[root] = rec.Problem
		}
	}
	return ps, problems, true
}

// projectOf turns a catalog record back into what detection knows.
func projectOf(rec store.CatalogProject) detect.Project {
	major := 0
	if rec.Engine != "" && rec.Engine[0] >= '0' && rec.Engine[0] <= '9' {
		major = int(rec.Engine[0] - '0')
	}
	return detect.Project{
		Root: rec.Root, Name: rec.Name, Slug: rec.Slug, Version: rec.Version, Engine: rec.Engine,
		EngineMajor: major, ConfigVersion: rec.ConfigVersion, Supported: rec.Supported, ModTime: rec.ModTime,
	}
}

// Known lists the catalog as detection's projects.
func (c *Projects) Known() []detect.Project {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]detect.Project, 0, len(c.projects))
	for _, rec := range c.projects {
		out = append(out, projectOf(rec))
	}
	return out
}

// ProjectsStatus is what debug_instances and list_projects say about the
// catalog and its watcher.
type ProjectsStatus struct {
	Watching  bool            `json:"watching" jsonschema:"whether a file watcher keeps the catalog current"`
	Degraded  string          `json:"degraded,omitempty" jsonschema:"why the watcher cannot cover every folder"`
	Watches   int             `json:"watches"`
	LostTimes int             `json:"lost_events,omitempty" jsonschema:"times the watcher lost events and the folders were scanned again"`
	Folders   []WatchedFolder `json:"folders"`
	Projects  int             `json:"projects"`
}

// WatchedFolder is one folder the catalog watches.
type WatchedFolder struct {
	Path    string `json:"path"`
	Kind    string `json:"kind" jsonschema:"env (GODOT_PROJECTS_PATH), session (a session's folder or project) or parent"`
	Depth   int    `json:"depth"`
	Scanned bool   `json:"scanned"`
}

// Status reports the catalog's state.
func (c *Projects) Status() ProjectsStatus {
	c.mu.Lock()
	st := ProjectsStatus{Watching: c.w != nil, Degraded: c.degraded, LostTimes: c.lost, Projects: len(c.projects), Folders: []WatchedFolder{}}
	for _, f := range c.folders {
		scanned := false
		select {
		case <-f.scanned:
			scanned = true
		default:
		}
		st.Folders = append(st.Folders, WatchedFolder{Path: f.Path, Kind: f.Kind, Depth: f.Depth, Scanned: scanned})
	}
	c.mu.Unlock()
	slices.SortFunc(st.Folders, func(a, b WatchedFolder) int { return strings.Compare(a.Path, b.Path) })
	if c.w != nil {
		st.Watches = c.w.Stats().Watches
	}
	return st
}

// Close stops the watcher and waits for the scans in flight.
func (c *Projects) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.mu.Unlock()
	close(c.stop)
	<-c.done
	if c.w != nil {
		c.w.Close()
	}
	c.scans.Wait()
}
