package instance

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/godot-mcp-router/godot-mcp-router/instance/index"
)

// FileCounts says how many files of each kind a project holds.
type FileCounts struct {
	Scenes    int `json:"scenes" jsonschema:".tscn, .scn and .escn files"`
	Scripts   int `json:"scripts" jsonschema:".gd and .cs files"`
	Resources int `json:"resources" jsonschema:".tres and .res files"`
	Shaders   int `json:"shaders" jsonschema:".gdshader, .shader and .gdshaderinc files"`
	Files     int `json:"files" jsonschema:"all files the engine would import or load, including the above"`
}

// skipDir reports whether the engine ignores this folder: its caches, VCS
// folders, hidden folders, folders marked with a .gdignore file, and
// folders holding another project (EditorFileSystem::_should_skip_directory).
func skipDir(path string, d fs.DirEntry) bool {
	name := d.Name()
	if strings.HasPrefix(name, ".") {
		return true // .godot, .import, .git and every other hidden folder
	}
	for _, marker := range []string{".gdignore", "project.godot"} {
		if _, err := os.Lstat(filepath.Join(path, marker)); err == nil {
			return true
		}
	}
	return false
}

// countFiles walks the project the way the engine's file system scan does
// and counts its files by kind. Unreadable folders are skipped, not fatal.
func countFiles(root string) FileCounts {
	var c FileCounts
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if d != nil && d.IsDir() && path != root {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if path != root && skipDir(path, d) {
				return fs.SkipDir
			}
			return nil
		}
		name := d.Name()
		if strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".import") || strings.HasSuffix(name, ".uid") {
			return nil // sidecars and hidden files are metadata, not project files
		}
		c.Files++
		switch strings.ToLower(filepath.Ext(name)) {
		case ".tscn", ".scn", ".escn":
			c.Scenes++
		case ".gd", ".cs":
			c.Scripts++
		case ".tres", ".res":
			c.Resources++
		case ".gdshader", ".shader", ".gdshaderinc":
			c.Shaders++
		}
		return nil
	})
	return c
}

// countIndexed counts the files of an index by kind: the same files
// countFiles finds, without walking the tree again.
func countIndexed(ix *index.Index) FileCounts {
	var c FileCounts
	for _, f := range ix.Files {
		c.Files++
		switch f.Ext {
		case ".tscn", ".scn", ".escn":
			c.Scenes++
		case ".gd", ".cs":
			c.Scripts++
		case ".tres", ".res":
			c.Resources++
		case ".gdshader", ".shader", ".gdshaderinc":
			c.Shaders++
		}
	}
	return c
}
