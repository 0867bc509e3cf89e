//go:build unix

package index

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/godot-mcp-router/godot-mcp-router/detect"
)

// walk must list exactly what the portable filepath.WalkDir walk lists:
// on every corpus project, and on a tree with each kind of thing the engine
// skips.
func TestWalkMatchesPortable(t *testing.T) {
	root := t.TempDir()
	files := []string{
		"project.godot", "a.gd", "sub/b.tscn", "sub/deeper/c.tres",
		".hidden.gd", ".git/config", "sub/.import/x.stex",
		"ignored/.gdignore", "ignored/d.gd",
		"nested/project.godot", "nested/e.gd",
		"odd name with spaces/f.gd",
	}
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.Symlink(filepath.Join(root, "a.gd"), filepath.Join(root, "link.gd"))
	os.Symlink(filepath.Join(root, "sub"), filepath.Join(root, "linkdir"))
	syscall.Mkfifo(filepath.Join(root, "fifo.gd"), 0o644)
	os.Mkdir(filepath.Join(root, "unreadable"), 0o000)
	defer os.Chmod(filepath.Join(root, "unreadable"), 0o755)

	got := walkOrFail(t, root)
	var names []string
	for _, w := range got {
		names = append(names, w.rel)
	}
	want := []string{"a.gd", "odd name with spaces/f.gd", "project.godot", "sub/b.tscn", "sub/deeper/c.tres"}
	if !slices.Equal(names, want) {
		t.Fatalf("walk = %q; want %q", names, want)
	}
	compareWalks(t, root)

	projects, err := detect.Scan(corpusDir(t), detect.ScanOptions{MaxDepth: 6, MaxDirs: 100000})
	if err != nil || len(projects) < 200 {
		t.Fatalf("corpus scan: %d projects, %v", len(projects), err)
	}
	for _, p := range projects {
		compareWalks(t, p.Root)
	}
}

func walkOrFail(t *testing.T, root string) []walked {
	t.Helper()
	got, err := walk(root)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func compareWalks(t *testing.T, root string) {
	t.Helper()
	got := walkOrFail(t, root)
	want, err := walkPortable(root)
	if err != nil {
		t.Fatal(err)
	}
	// Order is not part of the contract: walk sorts by path, WalkDir by
	// name within each folder.
	slices.SortFunc(want, func(a, b walked) int { return strings.Compare(a.rel, b.rel) })
	if len(got) != len(want) {
		t.Fatalf("%s: walk found %d files, the portable walk %d", root, len(got), len(want))
	}
	for i := range got {
		if got[i].rel != want[i].rel || got[i].size != want[i].size || !got[i].mtime.Equal(want[i].mtime) {
			t.Fatalf("%s: walk[%d] = %+v; portable %+v", root, i, got[i], want[i])
		}
	}
}

func TestWalkMissingRoot(t *testing.T) {
	if _, err := walk(filepath.Join(t.TempDir(), "gone")); err == nil {
		t.Fatal("walk of a missing root: no error")
	}
}
