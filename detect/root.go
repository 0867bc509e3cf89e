package detect

import (
	"fmt"
	"os"
	"path/filepath"
)

// FindRoot returns the nearest folder at or above path that holds
// project.godot or, for Godot 2, engine.cfg (Load then reports it
// unsupported). path may be a file; symlinks are resolved first. The error
// wraps ErrNoProject when no folder up to the filesystem root qualifies.
func FindRoot(path string) (root string, err error) {
	root, _, err = findRoot(path)
	return root, err
}

// findRoot is FindRoot, also saying how many levels up the root was.
func findRoot(path string) (root string, levels int, err error) {
	dir, err := realDir(path)
	if err != nil {
		return "", 0, fmt.Errorf("finding the project root of %s: %w", path, err)
	}
	for d := dir; ; levels++ {
		if fileExists(filepath.Join(d, projectFile)) || fileExists(filepath.Join(d, godot2File)) {
			return d, levels, nil
		}
		up := filepath.Dir(d)
		if up == d {
			return "", 0, fmt.Errorf("finding the project root of %s: no %s in it or any folder above: %w", dir, projectFile, ErrNoProject)
		}
		d = up
	}
}

// realDir resolves path and returns it, or its folder when it is a file.
func realDir(path string) (string, error) {
	real, err := realPath(path)
	if err != nil {
		return "", err
	}
	info, err := os.Stat(real)
	if err != nil {
		return "", err
	}
	if !info.IsDir() {
		return filepath.Dir(real), nil
	}
	return real, nil
}
