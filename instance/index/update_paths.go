package index

import (
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// UpdatePaths is Update for a caller that knows what changed since prev was
// checked: changed lists paths (absolute under root, or relative to it; OS
// or slash separators) of files and folders that were created, written,
// removed or renamed (either name). A folder in changed is listed again as a
// whole (its subtree walked again with the engine's skip rules); a file is
// read again (its content decides whether its summary stands, so a copy that
// keeps size and time is seen too). Everything else is taken from prev
// without touching the disk.
// The result equals what Update(root, prev) would return at that moment,
// provided changed is complete. With prev nil or of another root it is Update.
//
// A .gdignore or project.godot in changed stands for its folder, which may
// have become skipped or no longer be. Paths walk skips (hidden, or under a
// folder the engine skips) and paths outside root change nothing; root
// itself in changed is a walk of the whole tree. As in Update, files written
// in the seconds before prev was checked are hashed again, and the paths
// outside the walk that linking looked up are checked on the disk.
func UpdatePaths(root string, prev *Index, changed []string) (*Index, error) {
	if prev == nil || prev.Root != root {
		return Update(root, prev)
	}
	start := time.Now()
	targets, whole := changedTargets(root, changed)
	if whole {
		paths, err := walk(root)
		if err != nil {
			return nil, err
		}
		return update(root, start, paths, prev)
	}
	live := liveTargets(root, targets)

	covered := coverage(targets)
	paths := make([]walked, 0, len(prev.cache)+len(live))
	for rel, c := range prev.cache {
		if !covered(rel) {
			paths = append(paths, walked{rel: rel, size: c.Size, mtime: c.ModTime})
		}
	}
	for _, w := range walkAt(root, live) {
		// A file named as changed is read again even when its size and
		// time match (a copy that keeps times, say): the content decides.
		w.force = targets[w.rel]
		paths = append(paths, w)
	}
	return update(root, start, paths, prev)
}

// changedTargets turns the changed paths into the set of slash-separated
// paths relative to root whose listing is to be taken again, none under
// another. whole reports that root itself changed.
func changedTargets(root string, changed []string) (targets map[string]bool, whole bool) {
	targets = make(map[string]bool, len(changed))
	for _, p := range changed {
		rel, ok := relativePath(root, p)
		if !ok {
			continue
		}
		if rel == "" {
			return nil, true
		}
		// A marker file decides whether its folder is walked at all; the
		// root's project.godot is an ordinary file of the walk, and a
		// .gdignore in the root skips nothing.
		if base := path.Base(rel); base == ".gdignore" || base == "project.godot" {
			if dir := path.Dir(rel); dir != "." {
				rel = dir
			}
		}
		if hidden(rel) {
			continue
		}
		targets[rel] = true
	}
	for t := range targets {
		if under(t, targets) {
			delete(targets, t) // its ancestor's listing covers it
		}
	}
	return targets, false
}

// relativePath makes p relative to root, slash-separated and clean; ok is
// false for "" and for a path outside root. The root itself is "".
func relativePath(root, p string) (rel string, ok bool) {
	if p == "" {
		return "", false
	}
	if filepath.IsAbs(p) {
		r, err := filepath.Rel(root, p)
		if err != nil {
			return "", false
		}
		p = r
	} else if filepath.VolumeName(p) != "" {
		return "", false // C:x, relative to another folder than root
	}
	rel = path.Clean(filepath.ToSlash(p))
	if rel == ".." || strings.HasPrefix(rel, "../") || strings.HasPrefix(rel, "/") {
		return "", false
	}
	if rel == "." {
		return "", true
	}
	return rel, true
}

// hidden reports whether a path has a component the engine's scan skips by
// name.
func hidden(rel string) bool {
	return strings.HasPrefix(rel, ".") || strings.Contains(rel, "/.")
}

// under reports whether one of rel's ancestors is in set.
func under(rel string, set map[string]bool) bool {
	for i := len(rel) - 1; i > 0; i-- {
		if rel[i] == '/' && set[rel[:i]] {
			return true
		}
	}
	return false
}

// coverage returns a test of whether a path is one of targets or under
// one. It runs on every file of the index: a few targets (a watcher's
// usual report) are compared directly, more are looked up.
func coverage(targets map[string]bool) func(rel string) bool {
	if len(targets) > 4 {
		return func(rel string) bool { return targets[rel] || under(rel, targets) }
	}
	few := slices.Collect(maps.Keys(targets))
	return func(rel string) bool {
		for _, t := range few {
			if strings.HasPrefix(rel, t) && (len(rel) == len(t) || rel[len(t)] == '/') {
				return true
			}
		}
		return false
	}
}

// liveTargets returns the targets walk can reach: every folder between
// the root and each is a folder (not a symlink) that the engine does not
// skip. What is under an unreachable folder is in no walk, so such a
// target stands for nothing; it still removes what prev had there.
func liveTargets(root string, targets map[string]bool) []string {
	entered := map[string]bool{"": true}
	var enters func(dir string) bool
	enters = func(dir string) bool {
		if ok, seen := entered[dir]; seen {
			return ok
		}
		parent := path.Dir(dir)
		if parent == "." {
			parent = ""
		}
		ok := enters(parent) && enterable(filepath.Join(root, filepath.FromSlash(dir)))
		entered[dir] = ok
		return ok
	}
	live := make([]string, 0, len(targets))
	for t := range targets {
		dir := path.Dir(t)
		if dir == "." {
			dir = ""
		}
		if enters(dir) {
			live = append(live, t)
		}
	}
	return live
}

// enterable reports whether walk lists what the folder at abs (not the
// root, not hidden) holds: it is a folder, not a symlink, and holds neither
// a .gdignore nor a project.godot.
func enterable(abs string) bool {
	st, err := os.Lstat(abs)
	return err == nil && st.IsDir() && !exists(filepath.Join(abs, ".gdignore")) && !exists(filepath.Join(abs, "project.godot"))
}
