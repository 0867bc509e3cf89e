package index

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// summary is what an index says, for comparing two of them.
func summary(t *testing.T, ix *Index) string {
	t.Helper()
	type file struct {
		Kind, UID string
		Script    any
		Scene     any
	}
	files := map[string]file{}
	for p, f := range ix.Files {
		files[p] = file{f.Kind, f.UID, f.Script, f.Scene}
	}
	b, err := json.Marshal(map[string]any{"files": files, "uids": ix.ByUID, "classes": ix.Classes,
		"edges": ix.Edges, "problems": ix.Problems, "autoload": ix.Autoload})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestUpdateEqualsFreshBuild edits, adds and deletes files between builds:
// Update re-reads only what changed and ends equal to a fresh Build.
func TestUpdateEqualsFreshBuild(t *testing.T) {
	root := GenerateProject(t, t.TempDir(), 200)
	ix, err := Build(root)
	if err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(2 * time.Second)
	edit := func(rel, content string) {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, later, later)
	}
	edit("scripts/script_0003.gd", "class_name Renamed\nextends Node\nconst X = preload(\"res://missing.gd\")\n")
	edit("scripts/extra.gd", "extends Renamed\n")
	if err := os.Remove(filepath.Join(root, "scenes", "scene_0007.tscn")); err != nil {
		t.Fatal(err)
	}
	up, err := Update(root, ix)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := Build(root)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := summary(t, up), summary(t, fresh); a != b {
		t.Fatalf("updated index differs from a fresh one")
	}
	if up.Reused == 0 || up.Reused >= len(up.cache) {
		t.Fatalf("reused %d of %d files; want all but the changed ones", up.Reused, len(up.cache))
	}
	if want := len(up.cache) - 2; up.Reused != want {
		t.Errorf("reused %d files, want %d (two were written)", up.Reused, want)
	}
	// The old index still says what it said.
	if _, ok := ix.Files["res://scenes/scene_0007.tscn"]; !ok || ix.Classes["Gen0003"] == "" {
		t.Fatal("Update changed the previous index")
	}
}
