package detect

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func scanIDs(ps []Project, base string) string {
	var out []string
	for _, p := range ps {
		rel, _ := filepath.Rel(base, p.Root)
		out = append(out, p.ID()+"@"+rel)
	}
	return strings.Join(out, " ")
}

func TestScan(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"2d/platformer/project.godot":    godot4("Platformer"),
		"2d/pong/project.godot":          godot3("Pong"),
		"2d/pong/inner/project.godot":    godot4("Inner"), // inside a project: not scanned
		"3d/deep/a/b/c/project.godot":    godot4("Too Deep"),
		".hidden/project.godot":          godot4("Hidden"),
		".godot/project.godot":           godot4("Cache"),
		"node_modules/x/project.godot":   godot4("Npm"),
		"screenshots/.gdignore":          "",
		"screenshots/shot/project.godot": godot4("Ignored"),
		"old/engine.cfg":                 godot2,
		"broken/project.godot":           "config_version=5\n[application]\nconfig/name=\"Broken\"\nx=[\n",
		"loop/self -> ..":                "",
		"loop/again -> ../loop":          "",
		"alias -> 2d/platformer":         "",
		"noxii/0.9/project.godot":        godot4("Noxii"),
		"noxii/0.16/project.godot":       godot4("Noxii"),
	})
	done := make(chan struct{})
	var got []Project
	var err error
	go func() {
		defer close(done)
		got, err = Scan(dir, ScanOptions{})
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Scan did not return: a symlink loop?")
	}
	if err != nil {
		t.Fatal(err)
	}
	want := "broken@broken noxii/0.9@noxii/0.9 noxii/0.16@noxii/0.16 old-platformer@old platformer@2d/platformer pong@2d/pong"
	if ids := scanIDs(got, dir); ids != want {
		t.Errorf("Scan =\n%s\nwant\n%s", ids, want)
	}
	for _, p := range got {
		if p.Slug == "old-platformer" && (p.Supported || p.Engine != "2.x") {
			t.Errorf("Godot 2 project = %+v", p)
		}
	}

	// A project folder scans to itself; nothing below a project is seen.
	ps, err := Scan(filepath.Join(dir, "2d/pong"), ScanOptions{})
	if err != nil || scanIDs(ps, dir) != "pong@2d/pong" {
		t.Errorf("Scan of a project = %s, %v", scanIDs(ps, dir), err)
	}
	// Depth bound.
	ps, _ = Scan(filepath.Join(dir, "3d"), ScanOptions{MaxDepth: 3})
	if len(ps) != 0 {
		t.Errorf("MaxDepth 3 found %s", scanIDs(ps, dir))
	}
	ps, _ = Scan(filepath.Join(dir, "3d"), ScanOptions{MaxDepth: 4})
	if scanIDs(ps, dir) != "too-deep@3d/deep/a/b/c" {
		t.Errorf("MaxDepth 4 found %s", scanIDs(ps, dir))
	}
	// Folder bound: partial results and ErrScanLimit.
	ps, err = Scan(dir, ScanOptions{MaxDirs: 3})
	if !errors.Is(err, ErrScanLimit) || len(ps) > 3 {
		t.Errorf("MaxDirs 3: %d projects, error %v", len(ps), err)
	}
	// A missing folder is an error.
	if _, err := Scan(filepath.Join(dir, "nope"), ScanOptions{}); err == nil {
		t.Error("Scan of a missing folder: no error")
	}
}
