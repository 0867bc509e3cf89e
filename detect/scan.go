package detect

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ScanOptions bound a Scan. The zero value means the defaults.
type ScanOptions struct {
	// MaxDepth is how many levels below the folder a project root may be;
	// 0 means 4.
	MaxDepth int
	// MaxDirs is how many folders Scan reads before it stops with
	// ErrScanLimit; 0 means 5000.
	MaxDirs int
}

func (o ScanOptions) withDefaults() ScanOptions {
	if o.MaxDepth <= 0 {
		o.MaxDepth = 4
	}
	if o.MaxDirs <= 0 {
		o.MaxDirs = 5000
	}
	return o
}

// skipDir reports whether a folder is never worth scanning: hidden ones
// (.godot, .git, .import, ...) and node_modules.
func skipDir(name string) bool {
	return strings.HasPrefix(name, ".") || name == "node_modules"
}

// Scan returns the projects at or below dir, sorted by slug, then version,
// then root. It reads folders breadth first, so that when it stops at
// MaxDirs the shallow projects are in; it skips hidden folders (.godot,
// .git, .import, ...), node_modules and folders holding .gdignore, and it
// does not descend into a project it has found. Symlinked folders are
// followed, each real folder read once, so a symlink loop ends. Godot 2
// projects are included with Supported false; projects whose settings are
// broken are included as Load returns them.
//
// The error is not nil when dir cannot be read, or wraps ErrScanLimit when
// the result is partial; folders below dir that cannot be read are skipped.
func Scan(dir string, opts ScanOptions) ([]Project, error) {
	found, err := scan(dir, opts)
	ps := make([]Project, len(found))
	for i, f := range found {
		ps[i] = f.p
	}
	return ps, err
}

// scanned is a project Scan found, with what Load said about it.
type scanned struct {
	p   Project
	err error
}

// scan is Scan, keeping each project's load error for Resolve's reasons.
func scan(dir string, opts ScanOptions) ([]scanned, error) {
	opts = opts.withDefaults()
	start, err := realDir(dir)
	if err != nil {
		return nil, fmt.Errorf("scanning %s: %w", dir, err)
	}
	type folder struct {
		path  string
		depth int
	}
	queue := []folder{{start, 0}}
	seen := map[string]bool{start: true}
	var projects []scanned
	read := 0
	var scanErr error
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		if read >= opts.MaxDirs {
			scanErr = fmt.Errorf("scanning %s: stopped after %d folders, deeper projects may be missing: %w", start, read, ErrScanLimit)
			break
		}
		read++
		entries, err := os.ReadDir(f.path)
		if err != nil {
			if f.depth == 0 {
				return nil, fmt.Errorf("scanning %s: %w", start, err)
			}
			continue
		}
		if p, ok, err := projectIn(f.path, entries); ok {
			projects = append(projects, scanned{p, err})
			continue
		}
		if f.depth >= opts.MaxDepth || (f.depth > 0 && hasEntry(entries, gdignoreFile)) {
			continue
		}
		for _, e := range entries {
			name := e.Name()
			if skipDir(name) {
				continue
			}
			path := filepath.Join(f.path, name)
			switch {
			case e.IsDir():
			case e.Type()&os.ModeSymlink != 0:
				real, err := filepath.EvalSymlinks(path)
				if err != nil {
					continue
				}
				if info, err := os.Stat(real); err != nil || !info.IsDir() {
					continue
				}
				path = real
			default:
				continue
			}
			if seen[path] {
				continue
			}
			seen[path] = true
			queue = append(queue, folder{path, f.depth + 1})
		}
	}
	slices.SortFunc(projects, func(a, b scanned) int { return compareProjects(a.p, b.p) })
	return projects, scanErr
}

// projectIn loads the project whose root is dir, when entries (dir's
// listing) hold project.godot or engine.cfg.
// The error is Load's, for a project that is found but not fully read.
func projectIn(dir string, entries []os.DirEntry) (p Project, ok bool, err error) {
	if !hasEntry(entries, projectFile) && !hasEntry(entries, godot2File) {
		return Project{}, false, nil
	}
	p, err = load(dir)
	if errors.Is(err, ErrNoProject) {
		return Project{}, false, nil // a folder named project.godot, say
	}
	return p, true, err
}

func hasEntry(entries []os.DirEntry, name string) bool {
	for _, e := range entries {
		if e.Name() == name {
			return true
		}
	}
	return false
}

// compareProjects orders projects by slug, then version, then root.
func compareProjects(a, b Project) int {
	return cmp.Or(cmp.Compare(a.Slug, b.Slug), compareVersions(a.Version, b.Version), cmp.Compare(a.Root, b.Root))
}
