package index

import (
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/detect"
	"github.com/godot-mcp-router/godot-mcp-router/instance/uid"
)

// requireEqualIndex fails when an index differs from a fresh build of the
// same tree in anything but when and how it was made (Built, Took, Reused,
// checkedAt): every exported field, the cache, the derived maps and which
// pointers they share, deeply (see differ).
func requireEqualIndex(t testing.TB, fresh, got *Index) {
	t.Helper()
	if diffs := indexDiffs(fresh, got); len(diffs) > 0 {
		t.Fatalf("updated index differs from a fresh build (\"restored\" is the update):\n%s", strings.Join(diffs, "\n"))
	}
}

func indexDiffs(fresh, got *Index) []string {
	a, b := *fresh, *got
	for _, ix := range []*Index{&a, &b} {
		ix.Built, ix.Took, ix.Reused, ix.checkedAt = time.Time{}, 0, 0, time.Time{}
	}
	c := &differ{fwd: map[uintptr]uintptr{}, back: map[uintptr]uintptr{}, path: []string{"Index"}}
	c.compare(reflect.ValueOf(&a), reflect.ValueOf(&b))
	return c.diffs
}

// tree is a project on the disk that a test edits, and the index of its
// last check.
type tree struct {
	t    testing.TB
	root string
	prev *Index
	tick time.Time // the modification time of the next write: old, so not racy
}

func newTree(t testing.TB, root string) *tree {
	t.Helper()
	ix, err := Build(root)
	if err != nil {
		t.Fatal(err)
	}
	return &tree{t: t, root: root, prev: ix, tick: time.Now().Add(-30 * time.Minute)}
}

func (tr *tree) abs(rel string) string { return filepath.Join(tr.root, filepath.FromSlash(rel)) }

// write writes a file with the next old modification time.
func (tr *tree) write(rel, content string) {
	tr.t.Helper()
	tr.writeAt(rel, content, tr.tick)
	tr.tick = tr.tick.Add(time.Second)
}

// writeAt writes a file with the given modification time (zero: now).
func (tr *tree) writeAt(rel, content string, mtime time.Time) {
	tr.t.Helper()
	p := tr.abs(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tr.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		tr.t.Fatal(err)
	}
	if !mtime.IsZero() {
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			tr.t.Fatal(err)
		}
	}
}

func (tr *tree) read(rel string) string {
	tr.t.Helper()
	b, err := os.ReadFile(tr.abs(rel))
	if err != nil {
		tr.t.Fatal(err)
	}
	return string(b)
}

func (tr *tree) remove(rel string) {
	tr.t.Helper()
	if err := os.RemoveAll(tr.abs(rel)); err != nil {
		tr.t.Fatal(err)
	}
}

func (tr *tree) rename(from, to string) {
	tr.t.Helper()
	if err := os.MkdirAll(filepath.Dir(tr.abs(to)), 0o755); err != nil {
		tr.t.Fatal(err)
	}
	if err := os.Rename(tr.abs(from), tr.abs(to)); err != nil {
		tr.t.Fatal(err)
	}
}

// check gives changed (slash-separated, relative) to UpdatePaths in three
// forms: as they are; absolute with OS separators; and with duplicates,
// "./" prefixes and each path's parent folders. The first result must
// equal a fresh Build, the others the first (compared more cheaply), and
// each be what Update returns: prev itself exactly when Update returns
// prev, with as many files reused. The first becomes prev.
func (tr *tree) check(changed ...string) *Index {
	tr.t.Helper()
	fresh, err := Build(tr.root)
	if err != nil {
		tr.t.Fatal(err)
	}
	viaUpdate, err := Update(tr.root, tr.prev)
	if err != nil {
		tr.t.Fatal(err)
	}
	var abs, mixed []string
	for _, c := range changed {
		abs = append(abs, tr.abs(c))
		mixed = append(mixed, "./"+c, c)
		for d := path.Dir(c); d != "."; d = path.Dir(d) {
			mixed = append(mixed, d)
		}
	}
	var first *Index
	for i, form := range [][]string{changed, abs, mixed} {
		got, err := UpdatePaths(tr.root, tr.prev, form)
		if err != nil {
			tr.t.Fatal(err)
		}
		if first == nil {
			requireEqualIndex(tr.t, fresh, got)
		} else if err := compareUpdates(first, got); err != nil {
			tr.t.Fatalf("form %d: %v", i, err)
		}
		if (got == tr.prev) != (viaUpdate == tr.prev) {
			tr.t.Fatalf("form %d: UpdatePaths returned prev: %v; Update: %v", i, got == tr.prev, viaUpdate == tr.prev)
		}
		if got.Reused != viaUpdate.Reused {
			tr.t.Fatalf("form %d: UpdatePaths reused %d files, Update %d", i, got.Reused, viaUpdate.Reused)
		}
		if first == nil {
			first = got
		}
	}
	tr.prev = first
	return first
}

// checkSame is check for changes that walk does not see: the result is
// prev itself.
func (tr *tree) checkSame(changed ...string) {
	tr.t.Helper()
	prev := tr.prev
	if tr.check(changed...) != prev {
		tr.t.Fatalf("a change walk does not see (%q) made a new index", changed)
	}
}

// compareUpdates compares what differs between two indexes of the same tree
// when one was made from other files than the other: which files, with
// which metadata and content, and what was linked from them.
func compareUpdates(want, got *Index) error {
	if len(want.cache) != len(got.cache) || len(want.Files) != len(got.Files) {
		return fmt.Errorf("%d entries, %d files; want %d, %d", len(got.cache), len(got.Files), len(want.cache), len(want.Files))
	}
	for rel, w := range want.cache {
		g, ok := got.cache[rel]
		if !ok || g.Size != w.Size || !g.ModTime.Equal(w.ModTime) || g.hash != w.hash || g.Kind != w.Kind {
			return fmt.Errorf("entry %s: %+v; want %+v", rel, g, w)
		}
	}
	for p, w := range want.Files {
		if g, ok := got.Files[p]; !ok || g.UID != w.UID {
			return fmt.Errorf("file %s missing, or of another uid", p)
		}
	}
	switch {
	case !slices.Equal(want.Edges, got.Edges):
		return fmt.Errorf("other edges")
	case !slices.Equal(want.Problems, got.Problems):
		return fmt.Errorf("problems %+v; want %+v", got.Problems, want.Problems)
	case !maps.Equal(want.ByUID, got.ByUID) || !maps.Equal(want.Classes, got.Classes) || !maps.Equal(want.outside, got.outside):
		return fmt.Errorf("other uids, classes or paths outside the walk")
	case !reflect.DeepEqual(want.Config, got.Config):
		return fmt.Errorf("other project settings")
	}
	return nil
}

// copyProject copies the project at src (regular files and folders) to
// dst, every file an hour old, as most of a real project is.
func copyProject(t testing.TB, src, dst string) string {
	t.Helper()
	old := time.Now().Add(-time.Hour)
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case d.Type().IsRegular():
			in, err := os.Open(p)
			if err != nil {
				return err
			}
			defer in.Close()
			out, err := os.Create(to)
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, in); err != nil {
				out.Close()
				return err
			}
			if err := out.Close(); err != nil {
				return err
			}
			return os.Chtimes(to, old, old)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// picks are the files and the folder of a project that the scenarios edit.
type picks struct {
	folder  string // a folder holding walked files
	script  string // a .gd file, in folder when it holds one
	scene   string // a .tscn file
	sidecar string // a .uid file, if any
	imp     string // an .import file, if any
}

func pick(t testing.TB, ix *Index) picks {
	t.Helper()
	rels := slices.Sorted(func(yield func(string) bool) {
		for rel := range ix.cache {
			if !yield(rel) {
				return
			}
		}
	})
	var pk picks
	for _, rel := range rels {
		if dir := path.Dir(rel); dir != "." && pk.folder == "" {
			pk.folder = dir
		}
	}
	for _, rel := range rels {
		switch {
		case strings.HasSuffix(rel, ".gd") && (pk.script == "" || path.Dir(pk.script) != pk.folder && path.Dir(rel) == pk.folder):
			pk.script = rel
		case strings.HasSuffix(rel, ".tscn") && pk.scene == "":
			pk.scene = rel
		case strings.HasSuffix(rel, ".uid") && pk.sidecar == "":
			pk.sidecar = rel
		case strings.HasSuffix(rel, ".import") && pk.imp == "":
			pk.imp = rel
		}
	}
	if pk.folder == "" || pk.script == "" || pk.scene == "" {
		t.Fatalf("no folder, script or scene to edit: %+v", pk)
	}
	return pk
}

// updateScenarios are the edits a watcher reports, each with exactly the
// paths it reports.
var updateScenarios = []struct {
	name string
	run  func(tr *tree, pk picks)
}{
	{"script edited", func(tr *tree, pk picks) {
		tr.write(pk.script, "class_name Edited\nextends Node\nconst X = preload(\"res://missing.gd\")\n")
		if up := tr.check(pk.script); up.Classes["Edited"] == "" {
			tr.t.Fatal("the edit was not seen")
		}
	}},
	{"script rewritten within the tick", func(tr *tree, pk picks) {
		// Written now and checked: racy for the next two seconds.
		tr.writeAt(pk.script, "class_name Aaaa\nextends Node\n", time.Time{})
		tr.check(pk.script)
		st, err := os.Stat(tr.abs(pk.script))
		if err != nil {
			tr.t.Fatal(err)
		}
		tr.writeAt(pk.script, "class_name Bbbb\nextends Node\n", st.ModTime())
		if up := tr.check(pk.script); up.Classes["Bbbb"] == "" {
			tr.t.Fatal("the same-size rewrite in the same tick was not seen")
		}
	}},
	{"file added", func(tr *tree, pk picks) {
		rel := pk.folder + "/added.gd"
		tr.write(rel, "class_name Added\nextends Node\nconst S = preload(\"res://"+pk.scene+"\")\n")
		tr.check(rel)
	}},
	{"file deleted", func(tr *tree, pk picks) {
		tr.remove(pk.scene)
		tr.check(pk.scene)
	}},
	{"file renamed", func(tr *tree, pk picks) {
		to := pk.folder + "/renamed.gd"
		tr.rename(pk.script, to)
		tr.check(pk.script, to)
	}},
	{"folder renamed", func(tr *tree, pk picks) {
		tr.rename(pk.folder, pk.folder+"_moved")
		tr.check(pk.folder, pk.folder+"_moved")
	}},
	{"folder deleted", func(tr *tree, pk picks) {
		tr.remove(pk.folder)
		tr.check(pk.folder)
	}},
	{"new folder with files", func(tr *tree, pk picks) {
		tr.write("added_dir/a.gd", "class_name InAddedDir\nextends Node\n")
		tr.write("added_dir/deeper/b.tscn", "[gd_scene format=3]\n\n[ext_resource type=\"Script\" path=\"res://added_dir/a.gd\" id=\"1\"]\n\n[node name=\"B\" type=\"Node\"]\nscript = ExtResource(\"1\")\n")
		tr.write("added_dir/.hidden/c.gd", "extends Node\n")
		tr.check("added_dir")
	}},
	{".gdignore added and removed", func(tr *tree, pk picks) {
		tr.write(pk.folder+"/.gdignore", "")
		tr.check(pk.folder + "/.gdignore")
		tr.write(pk.folder+"/in/ignored.gd", "extends Node\n")
		tr.checkSame(pk.folder+"/in/ignored.gd", pk.folder+"/in")
		tr.remove(pk.folder + "/.gdignore")
		tr.check(pk.folder + "/.gdignore")
	}},
	{"nested project added and removed", func(tr *tree, pk picks) {
		tr.write(pk.folder+"/project.godot", "config_version=5\n")
		tr.check(pk.folder + "/project.godot")
		tr.write(pk.folder+"/in/nested.gd", "extends Node\n")
		tr.checkSame(pk.folder + "/in/nested.gd")
		tr.remove(pk.folder + "/project.godot")
		tr.check(pk.folder + "/project.godot")
	}},
	{"symlinks", func(tr *tree, pk picks) {
		if err := os.Symlink(tr.abs(pk.folder), tr.abs("linkdir")); err != nil {
			tr.t.Skip("no symlinks here:", err)
		}
		if err := os.Symlink(tr.abs(pk.script), tr.abs("link.gd")); err != nil {
			tr.t.Fatal(err)
		}
		tr.checkSame("linkdir", "link.gd")
		tr.write("linkdir/through_link.gd", "class_name ThroughLink\nextends Node\n")
		tr.check("linkdir/through_link.gd", pk.folder+"/through_link.gd")
	}},
	{"hidden files changed", func(tr *tree, pk picks) {
		tr.write(".hidden.gd", "extends Node\n")
		tr.write(pk.folder+"/.cache/x.gd", "extends Node\n")
		tr.write(".godot/editor/state.cfg", "[state]\n")
		tr.checkSame(".hidden.gd", pk.folder+"/.cache/x.gd", ".godot/editor/state.cfg")
	}},
	{"root project.godot changed", func(tr *tree, pk picks) {
		tr.write("project.godot", tr.read("project.godot")+"\n[test_section]\n\nvalue=641\n")
		up := tr.check("project.godot")
		if v, _ := up.Config.Get("test_section/value"); v.Int != 641 {
			tr.t.Fatalf("project setting %+v; want the new 641", v)
		}
	}},
	{"editor save", func(tr *tree, pk picks) {
		tmp := pk.script + ".tmp"
		tr.write(tmp, "class_name Saved\nextends Node\n")
		tr.rename(tmp, pk.script)
		if up := tr.check(tmp, pk.script); up.Classes["Saved"] == "" {
			tr.t.Fatal("the save was not seen")
		}
	}},
	{"uid sidecar and import changed", func(tr *tree, pk picks) {
		var changed []string
		if pk.sidecar != "" {
			tr.write(pk.sidecar, uid.Encode(123456789)+"\n")
			changed = append(changed, pk.sidecar)
		}
		if pk.imp != "" {
			asset := strings.TrimSuffix(pk.imp, ".import")
			tr.write(pk.imp, fmt.Sprintf("[remap]\n\nimporter=\"texture\"\ntype=\"CompressedTexture2D\"\nuid=\"%s\"\npath=\"res://.godot/imported/x.ctex\"\n\n[deps]\n\nsource_file=\"res://%s\"\n", uid.Encode(987654321), asset))
			changed = append(changed, pk.imp)
		}
		tr.check(changed...)
	}},
	{"root listed again", func(tr *tree, pk picks) {
		tr.write(pk.script, "class_name Whole\nextends Node\n")
		tr.write("new_at_root.gd", "extends Whole\n")
		tr.check(".")
	}},
}

// TestUpdatePathsScenarios applies each edit to corpus projects and a
// generated one: UpdatePaths with exactly the paths changed equals a fresh
// Build, and Update.
func TestUpdatePathsScenarios(t *testing.T) {
	corpus := corpusDir(t)
	projects := map[string]func(t *testing.T) string{
		"generated": func(t *testing.T) string { return GenerateProject(t, t.TempDir(), 100) },
	}
	for _, p := range []string{"godot4-demos/2d/finite_state_machine", "godot4-demos/3d/voxel", "godot3-demos/networking/websocket_multiplayer", "godot3-demos/networking/webrtc_signaling"} {
		projects[p] = func(t *testing.T) string {
			return copyProject(t, filepath.Join(corpus, filepath.FromSlash(p)), filepath.Join(t.TempDir(), "game"))
		}
	}
	for name, project := range projects {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, sc := range updateScenarios {
				t.Run(sc.name, func(t *testing.T) {
					tr := newTree(t, project(t))
					sc.run(tr, pick(t, tr.prev))
				})
			}
		})
	}
}

// TestUpdatePathsIgnoresOutside: paths outside the root, or that clean to
// outside it, change nothing; a path that cleans into it counts.
func TestUpdatePathsIgnoresOutside(t *testing.T) {
	dir := t.TempDir()
	tr := newTree(t, GenerateProject(t, dir, 40))
	for _, rel := range []string{"x.gd", "game2/a.gd", "game2/project.godot"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(rel)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, rel), []byte("extends Node\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	outside := []string{
		"", filepath.Join(dir, "x.gd"), filepath.Join(dir, "game2", "a.gd"), filepath.Join(dir, "game2"),
		dir, "../x.gd", "../game2/a.gd", "scripts/../../x.gd", "..", "../game/../x.gd",
		filepath.Join(tr.root, "..", "x.gd"), filepath.Join(string(filepath.Separator), "elsewhere", "a.gd"),
	}
	if up, err := UpdatePaths(tr.root, tr.prev, outside); err != nil || up != tr.prev {
		t.Fatalf("paths outside the root made a new index (%v)", err)
	}
	tr.write("scripts/new.gd", "class_name New\nextends Node\n")
	up, err := UpdatePaths(tr.root, tr.prev, []string{filepath.Join(tr.root, "scripts", "..", "scripts", "new.gd")})
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := Build(tr.root)
	if err != nil {
		t.Fatal(err)
	}
	requireEqualIndex(t, fresh, up)
}

// TestUpdatePathsWithoutPrev: with no previous index, or one of another
// root, UpdatePaths is a Build.
func TestUpdatePathsWithoutPrev(t *testing.T) {
	a := GenerateProject(t, t.TempDir(), 40)
	b := GenerateProject(t, t.TempDir(), 60)
	other, err := Build(b)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := Build(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, prev := range []*Index{nil, other} {
		got, err := UpdatePaths(a, prev, []string{"scripts"})
		if err != nil {
			t.Fatal(err)
		}
		requireEqualIndex(t, fresh, got)
	}
	if _, err := UpdatePaths(filepath.Join(a, "gone"), nil, nil); err == nil {
		t.Fatal("UpdatePaths of a missing root: no error")
	}
}

// TestWalkAt: the walk of one folder or file lists what the walk of the
// whole tree lists there, in the unix and the portable walks, on a tree of
// each kind of thing the engine skips and on every corpus project.
func TestWalkAt(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{
		"project.godot", "a.gd", "sub/b.tscn", "sub/deeper/c.tres", "sub/deeper/.h.gd",
		".hidden.gd", ".git/config", "sub/.import/x.stex", "sub/.import/y/z.gd",
		"ignored/.gdignore", "ignored/d.gd", "ignored/in/e.gd",
		"nested/project.godot", "nested/e.gd", "nested/in/f.gd",
		"odd name with spaces/f.gd",
	} {
		p := filepath.Join(root, filepath.FromSlash(f))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.Symlink(filepath.Join(root, "a.gd"), filepath.Join(root, "link.gd"))
	os.Symlink(filepath.Join(root, "sub"), filepath.Join(root, "linkdir"))
	compareWalksAt(t, root)

	projects, err := detect.Scan(corpusDir(t), detect.ScanOptions{MaxDepth: 6, MaxDirs: 100000})
	if err != nil || len(projects) < 200 {
		t.Fatalf("corpus scan: %d projects, %v", len(projects), err)
	}
	for _, p := range projects {
		compareWalksAt(t, p.Root)
	}
}

// compareWalksAt compares walkAt of each folder and a few files under root
// with walkPortableAt and, where the whole walk reaches, with it.
func compareWalksAt(t *testing.T, root string) {
	t.Helper()
	all, err := walk(root)
	if err != nil {
		t.Fatal(err)
	}
	// reached: every folder from the root to rel is one walk lists.
	reached := map[string]bool{"": true}
	var rels []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		r, _ := filepath.Rel(root, p)
		rel := filepath.ToSlash(r)
		parent := path.Dir(rel)
		if parent == "." {
			parent = ""
		}
		if d.IsDir() {
			reached[rel] = reached[parent] && !strings.HasPrefix(d.Name(), ".") &&
				!exists(filepath.Join(p, ".gdignore")) && !exists(filepath.Join(p, "project.godot"))
			rels = append(rels, rel)
		} else if len(rels) < 5 || strings.HasSuffix(rel, ".gd") {
			rels = append(rels, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	byRel := func(a, b walked) int { return strings.Compare(a.rel, b.rel) }
	for _, rel := range rels {
		if hidden(rel) {
			continue // walkAt is not for those
		}
		got := walkAt(root, []string{rel})
		want := walkPortableAt(root, []string{rel})
		slices.SortFunc(got, byRel)
		slices.SortFunc(want, byRel)
		parent := path.Dir(rel)
		if parent == "." {
			parent = ""
		}
		if reached[parent] {
			var inWalk []walked
			for _, w := range all {
				if w.rel == rel || strings.HasPrefix(w.rel, rel+"/") {
					inWalk = append(inWalk, w)
				}
			}
			requireSameWalk(t, root, rel, "walk", inWalk, got)
		}
		requireSameWalk(t, root, rel, "portable walkAt", want, got)
	}
}

func requireSameWalk(t *testing.T, root, rel, what string, want, got []walked) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: walkAt %q found %d files, %s %d", root, rel, len(got), what, len(want))
	}
	for i := range got {
		if got[i].rel != want[i].rel || got[i].size != want[i].size || !got[i].mtime.Equal(want[i].mtime) {
			t.Fatalf("%s: walkAt %q [%d] = %+v; %s %+v", root, rel, i, got[i], what, want[i])
		}
	}
}

// git runs git in dir, isolated from the user's and the system's settings.
func git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", "-c", "core.autocrlf=false"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestUpdatePathsGitCheckout switches a repository between two branches
// that differ in hundreds of files (edited, added, deleted, renamed, a
// folder newly ignored, a nested project): UpdatePaths with the paths git
// diff lists, or with every top-level name, equals a fresh Build, both
// ways.
func TestUpdatePathsGitCheckout(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	root := GenerateProject(t, t.TempDir(), 600)
	git(t, root, "init", "-q", "-b", "a")
	git(t, root, "add", "-A")
	git(t, root, "commit", "-q", "-m", "a")
	git(t, root, "checkout", "-q", "-b", "b")

	tr := &tree{t: t, root: root, tick: time.Now().Add(-30 * time.Minute)}
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 75 { // every script
		if r.IntN(3) > 0 {
			rel := fmt.Sprintf("scripts/script_%04d.gd", i)
			tr.write(rel, tr.read(rel)+fmt.Sprintf("\nfunc added_%d() -> void:\n\tpass\n", i))
		}
	}
	for i := 0; i < 80; i++ {
		tr.remove(fmt.Sprintf("art/tex_%04d.png", i))
	}
	for i := 0; i < 60; i++ {
		tr.rename(fmt.Sprintf("scenes/scene_%04d.tscn", 60+i), fmt.Sprintf("scenes/moved/group_%d/scene_%04d.tscn", i%4, 60+i))
	}
	for i := 0; i < 50; i++ {
		tr.rename(fmt.Sprintf("resources/res_%04d.tres", i), fmt.Sprintf("assets/res_%04d.tres", i))
	}
	for i := 0; i < 80; i++ {
		tr.write(fmt.Sprintf("levels/level_%02d/level_%d.gd", i%8, i), fmt.Sprintf("class_name Level%d\nextends Gen%04d\n", i, i%75))
		tr.write(fmt.Sprintf("levels/level_%02d/level_%d.tscn", i%8, i), fmt.Sprintf("[gd_scene format=3]\n\n[ext_resource type=\"Script\" path=\"res://levels/level_%02d/level_%d.gd\" id=\"1\"]\n\n[node name=\"L\" type=\"Node\"]\nscript = ExtResource(\"1\")\n", i%8, i))
	}
	tr.write("levels/level_03/.gdignore", "")
	tr.write("levels/level_05/project.godot", "config_version=5\n")
	tr.write(".editorconfig", "root = true\n")
	tr.write("project.godot", tr.read("project.godot")+"\n[display]\n\nwindow/size/viewport_width=640\n")
	git(t, root, "add", "-A")
	git(t, root, "commit", "-q", "-m", "b")

	// Renames as a delete and an add: both names, as a watcher sees them.
	diff := strings.Fields(git(t, root, "diff", "--name-only", "--no-renames", "a", "b"))
	if len(diff) < 500 {
		t.Fatalf("branches differ in %d files; want hundreds", len(diff))
	}
	names := map[string]bool{}
	for _, branch := range []string{"a", "b"} {
		for _, n := range strings.Fields(git(t, root, "ls-tree", "--name-only", branch)) {
			names[n] = true
		}
	}
	coarse := slices.Sorted(func(yield func(string) bool) {
		for n := range names {
			if !yield(n) {
				return
			}
		}
	})
	withFolders := slices.Clone(diff)
	for _, p := range diff {
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			withFolders = append(withFolders, d)
		}
	}

	for _, lists := range []struct {
		name    string
		changed []string
	}{{"diff", diff}, {"diff and folders", withFolders}, {"top-level names", coarse}} {
		t.Run(lists.name, func(t *testing.T) {
			git(t, root, "checkout", "-q", "a")
			prev, err := Build(root)
			if err != nil {
				t.Fatal(err)
			}
			for _, branch := range []string{"b", "a"} {
				git(t, root, "checkout", "-q", branch)
				up, err := UpdatePaths(root, prev, lists.changed)
				if err != nil {
					t.Fatal(err)
				}
				fresh, err := Build(root)
				if err != nil {
					t.Fatal(err)
				}
				requireEqualIndex(t, fresh, up)
				if up == prev {
					t.Fatalf("checkout of %s: the index did not change", branch)
				}
				prev = up
			}
		})
	}
}

// TestUpdatePathsRandom makes random edits to a generated project, a few a
// round, and gives UpdatePaths exactly the paths they touched: every round
// it must equal a fresh Build.
func TestUpdatePathsRandom(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 7))
	tr := newTree(t, GenerateProject(t, t.TempDir(), 100))
	e := &editor{tr: tr, r: r, recent: map[string]time.Time{}, done: map[int]int{}}
	start := time.Now()
	for round := range 200 {
		var changed []string
		e.now = map[string]time.Time{}
		for range 1 + r.IntN(3) {
			c := e.edit()
			if len(c) > 0 {
				e.done[e.op]++
			}
			changed = append(changed, c...)
		}
		fresh, err := Build(tr.root)
		if err != nil {
			t.Fatal(err)
		}
		up, err := UpdatePaths(tr.root, tr.prev, changed)
		if err != nil {
			t.Fatal(err)
		}
		if diffs := indexDiffs(fresh, up); len(diffs) > 0 {
			t.Fatalf("round %d: changed %q (edits: %s): updated index differs from a fresh build:\n%s",
				round, changed, strings.Join(e.log, "; "), strings.Join(diffs, "\n"))
		}
		e.log = e.log[:0]
		tr.prev = up
		e.recent = e.now
	}
	t.Logf("200 rounds in %v; edits made of each kind: %v", time.Since(start), e.done)
}

// editor makes random edits under a tree.
type editor struct {
	tr     *tree
	r      *rand.Rand
	n      int
	log    []string
	op     int                  // the last edit's kind
	done   map[int]int          // edits made, by kind
	recent map[string]time.Time // files written last round with the time now, and their times
	now    map[string]time.Time // those written this round
}

// list returns the tree's folders (not the root) and files (not
// project.godot at the root, not .git), hidden and skipped ones included.
func (e *editor) list() (dirs, files []string) {
	filepath.WalkDir(e.tr.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == e.tr.root {
			return nil
		}
		r, _ := filepath.Rel(e.tr.root, p)
		rel := filepath.ToSlash(r)
		switch {
		case d.IsDir():
			dirs = append(dirs, rel)
		case rel != "project.godot":
			files = append(files, rel)
		}
		return nil
	})
	return dirs, files
}

func (e *editor) name(ext string) string {
	e.n++
	names := []string{"f%d", "file_%d", ".h%d", "x%d"}
	return fmt.Sprintf(names[e.r.IntN(len(names))], e.n) + ext
}

func (e *editor) anyOf(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[e.r.IntN(len(list))]
}

// content is a file of the kind its name says, referring to others.
func (e *editor) content(rel string, files []string) string {
	other := e.anyOf(files)
	switch path.Ext(rel) {
	case ".gd":
		switch e.r.IntN(4) {
		case 0:
			return fmt.Sprintf("class_name R%d\nextends Node\nconst P = preload(\"res://%s\")\n", e.r.IntN(20), other)
		case 1:
			return fmt.Sprintf("extends R%d\n", e.r.IntN(20))
		case 2:
			return "extends Node\nfunc (:\n"
		}
		return fmt.Sprintf("extends \"res://%s\"\n", other)
	case ".tscn":
		return fmt.Sprintf("[gd_scene format=3]\n\n[ext_resource type=\"Script\" path=\"res://%s\" id=\"1\"]\n\n[node name=\"N\" type=\"Node\"]\nscript = ExtResource(\"1\")\n", other)
	case ".uid":
		return uid.Encode(uint64(e.r.IntN(40))+1_000_000) + "\n"
	case ".tres":
		return fmt.Sprintf("[gd_resource type=\"SpriteFrames\" format=3]\n\n[ext_resource type=\"Texture2D\" path=\"res://%s\" id=\"1\"]\n\n[resource]\n", other)
	}
	return strings.Repeat("x", e.r.IntN(10))
}

// write writes a file, half the time an old one, else one of now.
func (e *editor) write(rel, content string) {
	if e.r.IntN(2) == 0 {
		e.tr.write(rel, content)
		delete(e.now, rel)
		return
	}
	now := time.Now()
	e.tr.writeAt(rel, content, now)
	e.now[rel] = now
}

// edit makes one random edit and returns the paths a watcher reports.
func (e *editor) edit() []string {
	dirs, files := e.list()
	dir := e.anyOf(dirs)
	newPath := func() string {
		parent := dir
		if e.r.IntN(4) == 0 {
			parent = path.Join(parent, e.name(""))
		}
		exts := []string{".gd", ".tscn", ".tres", ".gd.uid", ".png"}
		return path.Join(parent, e.name(exts[e.r.IntN(len(exts))]))
	}
	op := e.r.IntN(13)
	e.op = op
	e.log = append(e.log, fmt.Sprintf("op %d", op))
	switch op {
	case 0, 1: // write a file
		if f := e.anyOf(files); f != "" {
			e.write(f, e.content(f, files))
			return []string{f}
		}
	case 2: // create a file
		f := newPath()
		e.write(f, e.content(f, files))
		return []string{f}
	case 3: // delete a file
		if f := e.anyOf(files); f != "" {
			e.tr.remove(f)
			return []string{f}
		}
	case 4: // rename a file
		if f := e.anyOf(files); f != "" {
			to := newPath()
			e.tr.rename(f, to)
			return []string{f, to}
		}
	case 5: // a folder with files
		d := path.Join(dir, e.name(""))
		for range 1 + e.r.IntN(4) {
			f := path.Join(d, e.name(".gd"))
			if e.r.IntN(3) == 0 {
				f = path.Join(d, e.name(""), e.name(".tscn"))
			}
			e.write(f, e.content(f, files))
		}
		return []string{d}
	case 6: // delete a folder
		if dir != "" {
			e.tr.remove(dir)
			return []string{dir}
		}
	case 7: // rename a folder, not into itself
		if dir != "" {
			to := path.Join(e.anyOf(append(dirs, "")), e.name(""))
			if to == dir || strings.HasPrefix(to, dir+"/") {
				return nil
			}
			e.tr.rename(dir, to)
			return []string{dir, to}
		}
	case 8, 9: // a marker added or removed
		if dir != "" {
			marker := path.Join(dir, []string{".gdignore", "project.godot"}[op-8])
			if _, err := os.Lstat(e.tr.abs(marker)); err == nil {
				e.tr.remove(marker)
			} else {
				e.tr.write(marker, "config_version=5\n")
			}
			return []string{marker}
		}
	case 10: // a file written again within its tick, same size
		for f, mtime := range e.recent {
			b, err := os.ReadFile(e.tr.abs(f))
			if err != nil || len(b) == 0 || time.Since(mtime) > time.Second {
				continue
			}
			b[0] ^= 1
			e.tr.writeAt(f, string(b), mtime)
			e.log = append(e.log, "racy "+f)
			delete(e.recent, f)
			return []string{f}
		}
	case 11: // project settings
		e.tr.write("project.godot", fmt.Sprintf("config_version=5\n\n[application]\n\nrun/main_scene=\"res://%s\"\n\n[autoload]\n\nA=\"*res://%s\"\n", e.anyOf(files), e.anyOf(files)))
		return []string{"project.godot"}
	case 12: // an editor's save: a temporary file renamed over the file
		if f := e.anyOf(files); f != "" {
			tmp := f + ".tmp"
			e.write(tmp, e.content(f, files))
			e.tr.rename(tmp, f)
			if mtime, ok := e.now[tmp]; ok {
				delete(e.now, tmp)
				e.now[f] = mtime
			}
			return []string{tmp, f}
		}
	}
	return nil
}

// TestChangedTargets: how changed paths become the paths listed again.
func TestChangedTargets(t *testing.T) {
	root := filepath.Join(t.TempDir(), "game")
	abs := func(rel string) string { return filepath.Join(root, filepath.FromSlash(rel)) }
	tests := []struct {
		name    string
		changed []string
		want    []string
		whole   bool
	}{
		{"relative and absolute", []string{"a/b.gd", abs("c/d.tscn")}, []string{"a/b.gd", "c/d.tscn"}, false},
		{"cleaned", []string{"./a//b/../c.gd", abs("a/./x/../d.gd")}, []string{"a/c.gd", "a/d.gd"}, false},
		{"duplicates", []string{"a/b.gd", "a/b.gd", abs("a/b.gd")}, []string{"a/b.gd"}, false},
		{"a folder covers what it holds", []string{"a/b/c.gd", "a", "a/d.gd", "ab/e.gd", "a-b/f.gd"}, []string{"a", "a-b/f.gd", "ab/e.gd"}, false},
		{"markers stand for their folder", []string{"a/.gdignore", "b/c/project.godot"}, []string{"a", "b/c"}, false},
		{"root markers", []string{"project.godot", ".gdignore"}, []string{"project.godot"}, false},
		{"hidden", []string{".godot/x.cfg", "a/.h.gd", "a/.cache/b.gd", ".hidden/.gdignore", "a/.x/project.godot"}, nil, false},
		{"outside", []string{"", "..", "../x.gd", "a/../../x.gd", abs("../x.gd"), root + "2/x.gd", filepath.Dir(root)}, nil, false},
		{"the root", []string{"a/b.gd", "."}, nil, true},
		{"the root, absolute", []string{abs("a/.."), "a/b.gd"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, whole := changedTargets(root, tt.changed)
			if whole != tt.whole || !slices.Equal(slices.Sorted(maps.Keys(got)), tt.want) {
				t.Fatalf("changedTargets(%q) = %q, %v; want %q, %v", tt.changed, slices.Sorted(maps.Keys(got)), whole, tt.want, tt.whole)
			}
		})
	}
}

// TestCoverage: a target covers itself and what is under it, not a
// sibling whose name it begins; with few targets and with many.
func TestCoverage(t *testing.T) {
	for _, extra := range [][]string{nil, {"x1", "x2", "x3", "x4", "x5"}} {
		targets := map[string]bool{"a": true, "b/c.gd": true}
		for _, x := range extra {
			targets[x] = true
		}
		covered := coverage(targets)
		for rel, want := range map[string]bool{
			"a": true, "a/b.gd": true, "a/b/c.gd": true, "b/c.gd": true,
			"ab": false, "a-b/c.gd": false, "b": false, "b/c.gd.uid": false, "b/c": false, "c/a": false,
		} {
			if got := covered(rel); got != want {
				t.Errorf("%d targets: covered(%q) = %v; want %v", len(targets), rel, got, want)
			}
		}
	}
}
