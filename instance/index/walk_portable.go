package index

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// walkPortable lists the project's files as walk does, with
// filepath.WalkDir: the walk of systems without fstatat, and the reference
// the faster unix walk is tested against.
func walkPortable(root string) ([]walked, error) {
	out, err := walkPortableFrom(root, "")
	if err != nil {
		return nil, fmt.Errorf("walking %s: %w", root, err)
	}
	return out, nil
}

// walkPortableAt is walkAt with filepath.WalkDir.
func walkPortableAt(root string, rels []string) []walked {
	var out []walked
	for _, rel := range rels {
		found, _ := walkPortableFrom(root, rel)
		out = append(out, found...)
	}
	return out
}

// walkPortableFrom lists what walkPortable would list at rel ("" for the
// root): a folder's subtree, a regular file, or nothing. Only a failure to
// read the root is an error.
func walkPortableFrom(root, rel string) ([]walked, error) {
	var out []walked
	start := filepath.Join(root, filepath.FromSlash(rel))
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == start && rel == "" {
				return err
			}
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		name := d.Name()
		if d.IsDir() {
			// The root is taken whatever it holds; any other folder,
			// where the walk starts too, is the engine's to skip.
			if p == start && rel == "" {
				return nil
			}
			if strings.HasPrefix(name, ".") || exists(filepath.Join(p, ".gdignore")) || exists(filepath.Join(p, "project.godot")) {
				return fs.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(name, ".") || !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		r, err := filepath.Rel(root, p)
		if err != nil {
			return nil
		}
		out = append(out, walked{rel: filepath.ToSlash(r), size: info.Size(), mtime: info.ModTime()})
		return nil
	})
	return out, err
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}
