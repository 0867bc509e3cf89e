package instance

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// errOutsideRoot is returned for any path that leaves the project root,
// before or after symlinks are resolved.
var errOutsideRoot = errors.New("path is outside the project root")

// resolvePath maps a tool's path argument (res://x, a path relative to the
// project root, or an absolute path inside it) to the real absolute path of
// an existing file inside the root, symlinks resolved, and its res:// form.
func (s *Server) resolvePath(arg string) (abs, res string, err error) {
	p := strings.TrimSpace(arg)
	switch {
	case p == "":
		return "", "", errors.New("empty path")
	case strings.ContainsRune(p, 0):
		return "", "", errors.New("path contains a NUL byte")
	case strings.HasPrefix(p, "uid://"):
		return "", "", fmt.Errorf("%s: uid:// paths are not accepted here; pass the res:// path", p)
	case strings.HasPrefix(p, "user://"):
		return "", "", fmt.Errorf("%s: user:// is the game's save folder, outside the project", p)
	case strings.HasPrefix(p, "res://"):
		p = strings.TrimPrefix(p, "res://")
	case strings.Contains(p, "://"):
		return "", "", fmt.Errorf("%s: unknown scheme; use res:// or a path relative to the project root", p)
	}

	var joined string
	if filepath.IsAbs(p) {
		joined = filepath.Clean(p)
	} else {
		joined = filepath.Join(s.root, filepath.FromSlash(p))
	}
	if !within(s.root, joined) {
		// An absolute path may reach the root through a symlinked
		// ancestor (a shell's cwd under /tmp on macOS): judge it by where
		// it leads. Any failure reads as "outside", so nothing is said
		// about files beyond the root.
		real, err := filepath.EvalSymlinks(joined)
		if !filepath.IsAbs(p) || err != nil || !within(s.root, real) {
			return "", "", fmt.Errorf("%s: %w", arg, errOutsideRoot)
		}
	}
	real, err := filepath.EvalSymlinks(joined)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", "", fmt.Errorf("%s: no such file in the project", arg)
		}
		return "", "", fmt.Errorf("resolving %s: %w", arg, err)
	}
	if !within(s.root, real) {
		// Where the link leads is not said: that would tell what lies
		// outside the project.
		return "", "", fmt.Errorf("%s: %w (through a symlink)", arg, errOutsideRoot)
	}
	return real, s.resPath(real), nil
}

// resPath turns an absolute path inside the root into its res:// form.
func (s *Server) resPath(abs string) string {
	rel, err := filepath.Rel(s.root, abs)
	if err != nil || rel == "." {
		return "res://"
	}
	return "res://" + filepath.ToSlash(rel)
}

// within reports whether p is root or below it. Both must be clean.
func within(root, p string) bool {
	if p == root {
		return true
	}
	if root == string(filepath.Separator) {
		return strings.HasPrefix(p, root)
	}
	return strings.HasPrefix(p, root+string(filepath.Separator))
}
