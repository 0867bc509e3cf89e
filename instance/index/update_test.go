package index

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
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

// A reference into a folder the walk skips (.gdignore'd) is checked on the
// disk; the file appearing there later must be seen by Update, also of an
// index restored from a snapshot, though no walked file changed.
func TestUpdateSeesFilesOutsideTheWalk(t *testing.T) {
	root := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(root, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-time.Hour)
		os.Chtimes(p, old, old)
	}
	write("project.godot", "config_version=5\n")
	write("a.gd", "extends Node\nconst X = preload(\"res://ignored/x.gd\")\n")
	write("ignored/.gdignore", "")
	ix, err := Build(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(ix.Problems) != 1 || ix.Problems[0].Kind != "missing_file" {
		t.Fatalf("before: problems %+v; want the missing preload", ix.Problems)
	}
	snap, err := ix.Snapshot("b")
	if err != nil {
		t.Fatal(err)
	}
	write("ignored/x.gd", "extends Node\n")
	restored, err := Restore(root, "b", snap)
	if err != nil {
		t.Fatal(err)
	}
	for name, prev := range map[string]*Index{"updated": ix, "restored": restored} {
		up, err := Update(root, prev)
		if err != nil {
			t.Fatal(err)
		}
		if len(up.Problems) != 0 {
			t.Errorf("%s: problems %+v after the file appeared; want none", name, up.Problems)
		}
	}
}

// A file rewritten with the same size within the same timestamp tick after
// it was read keeps its modification time; Update must not trust the
// metadata for such a racy entry (as git does not).
func TestUpdateRacyFile(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, "a.gd")
	os.WriteFile(filepath.Join(root, "project.godot"), []byte("config_version=5\n"), 0o644)
	os.WriteFile(p, []byte("class_name Aaaa\nextends Node\n"), 0o644)
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := Build(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ix.Classes["Aaaa"]; !ok {
		t.Fatalf("classes %v", ix.Classes)
	}
	// Same size, same modification time, new content.
	os.WriteFile(p, []byte("class_name Bbbb\nextends Node\n"), 0o644)
	os.Chtimes(p, st.ModTime(), st.ModTime())
	up, err := Update(root, ix)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := up.Classes["Bbbb"]; !ok {
		t.Fatalf("after a same-size rewrite within the tick: classes %v; want Bbbb", up.Classes)
	}
	// The same for project.godot: a same-size rewrite of its settings
	// within the tick is seen too.
	cfg := filepath.Join(root, "project.godot")
	cst, _ := os.Stat(cfg)
	os.WriteFile(cfg, []byte("config_version=4\n"), 0o644)
	os.Chtimes(cfg, cst.ModTime(), cst.ModTime())
	up, err = Update(root, up)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := up.Config.Get("config_version"); v.String() != "4" {
		t.Fatalf("after a same-size rewrite of project.godot within the tick: config_version %s; want 4", v.String())
	}
	// Unchanged racy files are hashed again but the index stands (nothing
	// linked again), and once the window has passed the same index returns.
	again, err := Update(root, up)
	if err != nil {
		t.Fatal(err)
	}
	if again.Edges == nil && up.Edges != nil || summary(t, again) != summary(t, up) {
		t.Fatal("an unchanged racy check changed the index")
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(p, old, old)
	os.Chtimes(cfg, old, old)
	settled, err := Update(root, again)
	if err != nil {
		t.Fatal(err)
	}
	if last, _ := Update(root, settled); last != settled {
		t.Fatal("an index with no racy entries was not returned as is")
	}
}

// TestOrphanImportsSameUID: two .import files whose assets are missing
// claim one uid: every build gives it to the same one (the first in path
// order), and the problems come in the same order.
func TestOrphanImportsSameUID(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "project.godot"), []byte("config_version=5\n"), 0o644)
	imp := "[remap]\n\nimporter=\"texture\"\ntype=\"CompressedTexture2D\"\nuid=\"uid://dup123\"\n"
	for _, n := range []string{"m.png.import", "b.png.import", "x.png.import", "a.png.import"} {
		os.WriteFile(filepath.Join(root, n), []byte(imp), 0o644)
	}
	var first string
	for i := range 30 {
		ix, err := Build(root)
		if err != nil {
			t.Fatal(err)
		}
		got := ix.ByUID["uid://dup123"]
		var probs []string
		for _, p := range ix.Problems {
			probs = append(probs, p.File)
		}
		s := got + " " + strings.Join(probs, ",")
		if i == 0 {
			first = s
			if got != "res://a.png" {
				t.Fatalf("uid goes to %s, want res://a.png (first in path order)", got)
			}
		} else if s != first {
			t.Fatalf("build %d: %s, first build: %s", i, s, first)
		}
	}
}
