//go:build linux

package router

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/detect"
	"github.com/godot-mcp-router/godot-mcp-router/store"
)

const catalogProjectFile = "config_version=5\n\n[application]\n\nconfig/name=\"%s\"\nconfig/features=PackedStringArray(\"4.3\")\n"

// makeProject writes a project.godot named name into dir.
func makeProject(t testing.TB, dir, name string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "project.godot"), []byte(fmt.Sprintf(catalogProjectFile, name)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// ids lists the catalog as "id root-relative-to-base" strings, sorted.
func ids(c *Projects, base string) []string {
	var out []string
	for _, p := range c.List() {
		rel, _ := filepath.Rel(base, p.Root)
		id := p.Slug
		if p.Version != "" {
			id += "/" + p.Version
		}
		out = append(out, id+" "+rel)
	}
	slices.Sort(out)
	return out
}

func catalogIs(t *testing.T, c *Projects, base string, want ...string) {
	t.Helper()
	slices.Sort(want)
	var got []string
	deadline := time.Now().Add(3 * time.Second)
	for {
		got = ids(c, base)
		if slices.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("catalog = %q\nwant      %q", got, want)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func openTestStore(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// The catalog finds the projects below GODOT_PROJECTS_PATH, follows
// project.godot files appearing, changing and vanishing (slugs of sibling
// versions included), keeps to its depth, skips hidden folders, and keeps
// it all in the store for the next router.
func TestCatalogFollowsProjects(t *testing.T) {
	base, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	games := filepath.Join(base, "games")
	makeProject(t, filepath.Join(games, "noxii", "0.15"), "Noxii")
	makeProject(t, filepath.Join(games, "noxii", "0.16"), "Noxii")
	makeProject(t, filepath.Join(games, "solo"), "Solo")
	makeProject(t, filepath.Join(games, ".hidden", "secret"), "Secret")
	dbPath := filepath.Join(base, "router.db")
	st := openTestStore(t, dbPath)

	c := NewProjects(st, slog.New(slog.DiscardHandler), []string{games}, ProjectsOptions{})
	if !c.Wait(5 * time.Second) {
		t.Fatal("first scan did not end")
	}
	catalogIs(t, c, games, "noxii/0.15 noxii/0.15", "noxii/0.16 noxii/0.16", "solo solo")

	// A new version: its siblings keep their slug.
	makeProject(t, filepath.Join(games, "noxii", "0.17"), "Noxii")
	catalogIs(t, c, games, "noxii/0.15 noxii/0.15", "noxii/0.16 noxii/0.16", "noxii/0.17 noxii/0.17", "solo solo")

	// A project renamed in its settings.
	makeProject(t, filepath.Join(games, "solo"), "Solo Two")
	catalogIs(t, c, games, "noxii/0.15 noxii/0.15", "noxii/0.16 noxii/0.16", "noxii/0.17 noxii/0.17", "solo-two solo")

	// project.godot deleted; a version folder renamed.
	if err := os.Remove(filepath.Join(games, "solo", "project.godot")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(games, "noxii", "0.15"), filepath.Join(games, "noxii", "0.14")); err != nil {
		t.Fatal(err)
	}
	catalogIs(t, c, games, "noxii/0.14 noxii/0.14", "noxii/0.16 noxii/0.16", "noxii/0.17 noxii/0.17")

	// Two of three versions go: the last one is a project of its own,
	// named by its settings, no longer by the folder layout.
	os.RemoveAll(filepath.Join(games, "noxii", "0.14"))
	os.RemoveAll(filepath.Join(games, "noxii", "0.16"))
	catalogIs(t, c, games, "noxii noxii/0.17")

	// Depth: 4 levels below the watched folder are covered, 5 are not; a
	// tree made at once (mkdir -p) is found.
	makeProject(t, filepath.Join(games, "a", "b", "c", "deep4"), "Deep Four")
	makeProject(t, filepath.Join(games, "a", "b", "c", "d", "deep5"), "Deep Five")
	catalogIs(t, c, games, "noxii noxii/0.17", "deep-four a/b/c/deep4")

	// A folder moved in whole.
	outside := filepath.Join(base, "outside")
	makeProject(t, filepath.Join(outside, "moved"), "Moved")
	if err := os.Rename(outside, filepath.Join(games, "in")); err != nil {
		t.Fatal(err)
	}
	catalogIs(t, c, games, "noxii noxii/0.17", "deep-four a/b/c/deep4", "moved in/moved")

	// The store holds what the catalog holds.
	recs, err := st.Projects()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 {
		t.Fatalf("store holds %d projects, want 3: %+v", len(recs), recs)
	}
	c.Close()
	st.Close()

	// The next router knows them before any scan (and with no folder
	// named, it scans nothing).
	st = openTestStore(t, dbPath)
	defer st.Close()
	c2 := NewProjects(st, slog.New(slog.DiscardHandler), nil, ProjectsOptions{NoWatch: true})
	defer c2.Close()
	catalogIs(t, c2, games, "noxii noxii/0.17", "deep-four a/b/c/deep4", "moved in/moved")
}

// Detection asks the catalog about a folder it covers instead of scanning,
// and the catalog declines for a folder it does not cover deeply enough.
func TestCatalogAnswersDetection(t *testing.T) {
	base, _ := filepath.EvalSymlinks(t.TempDir())
	games := filepath.Join(base, "games")
	makeProject(t, filepath.Join(games, "noxii", "0.15"), "Noxii")
	makeProject(t, filepath.Join(games, "noxii", "0.16"), "Noxii")
	c := NewProjects(nil, slog.New(slog.DiscardHandler), []string{games}, ProjectsOptions{})
	defer c.Close()
	c.Wait(5 * time.Second)

	ps, _, ok := c.Below(games, 4)
	if !ok || len(ps) != 2 {
		t.Fatalf("Below(games) = %v, %v; want 2 projects", ps, ok)
	}
	if _, _, ok := c.Below(filepath.Join(games, "noxii"), 4); ok {
		t.Fatal("Below answered for a folder covered only 3 levels deep")
	}
	if _, _, ok := c.Below(base, 4); ok {
		t.Fatal("Below answered for a folder it does not watch")
	}

	// Resolve from a folder above the versions: the catalog's answer,
	// the rule picks the highest version.
	d, err := detect.Resolve(detect.Request{WorkDir: games, Known: c.Known(), Below: c.Below})
	if err != nil {
		t.Fatal(err)
	}
	if d.Project.ID() != "noxii/0.16" || len(d.Alternatives) != 1 {
		t.Fatalf("resolved %s (%s), alternatives %v", d.Project.ID(), d.Reason, d.Alternatives)
	}
	// A version made just now is seen by the next detection.
	makeProject(t, filepath.Join(games, "noxii", "0.17"), "Noxii")
	eventually(t, "the new version is detected", func() bool {
		d, err := detect.Resolve(detect.Request{WorkDir: games, Known: c.Known(), Below: c.Below})
		return err == nil && d.Project.ID() == "noxii/0.17"
	})
}

// Lost events: every watched folder is scanned again.
func TestCatalogLostEventsRescan(t *testing.T) {
	base, _ := filepath.EvalSymlinks(t.TempDir())
	games := filepath.Join(base, "games")
	makeProject(t, filepath.Join(games, "one"), "One")
	c := NewProjects(nil, slog.New(slog.DiscardHandler), []string{games}, ProjectsOptions{NoWatch: true})
	defer c.Close()
	c.Wait(5 * time.Second)
	catalogIs(t, c, games, "one one")
	// Without a watcher the change is not seen...
	makeProject(t, filepath.Join(games, "two"), "Two")
	os.Remove(filepath.Join(games, "one", "project.godot"))
	time.Sleep(50 * time.Millisecond)
	catalogIs(t, c, games, "one one")
	// ...until the catalog is told events were lost.
	c.handle(detect.Batch{Lost: true})
	catalogIs(t, c, games, "two two")
	if st := c.Status(); st.LostTimes != 1 {
		t.Fatalf("status %+v; want one loss counted", st)
	}
}

// Out of watches: the catalog says so, and detection scans the disk again.
func TestCatalogWatchLimit(t *testing.T) {
	base, _ := filepath.EvalSymlinks(t.TempDir())
	games := filepath.Join(base, "games")
	for i := range 5 {
		makeProject(t, filepath.Join(games, fmt.Sprintf("g%d", i), "p"), fmt.Sprintf("P%d", i))
	}
	c := NewProjects(nil, slog.New(slog.DiscardHandler), []string{games}, ProjectsOptions{MaxWatches: 3})
	defer c.Close()
	c.Wait(5 * time.Second)
	st := c.Status()
	if st.Degraded == "" || !strings.Contains(st.Degraded, "watch") {
		t.Fatalf("status %+v; want degraded", st)
	}
	if _, _, ok := c.Below(games, 4); ok {
		t.Fatal("a degraded catalog answered detection")
	}
	// The scan still found them all.
	if n := len(c.List()); n != 5 {
		t.Fatalf("catalog holds %d projects, want 5", n)
	}
}

// A session's folder and its parents are watched, bounded: never the home
// folder or a folder right below the filesystem root.
func TestCatalogSessionFolders(t *testing.T) {
	base, _ := filepath.EvalSymlinks(t.TempDir())
	proj := filepath.Join(base, "games", "noxii", "0.16")
	makeProject(t, proj, "Noxii")
	makeProject(t, filepath.Join(base, "games", "noxii", "0.15"), "Noxii")
	makeProject(t, filepath.Join(base, "games", "other"), "Other")
	c := NewProjects(nil, slog.New(slog.DiscardHandler), nil, ProjectsOptions{})
	defer c.Close()
	c.Session(filepath.Join(proj, "scripts-that-do-not-exist"), proj)
	c.Wait(5 * time.Second)
	var folders []string
	for _, f := range c.Status().Folders {
		folders = append(folders, fmt.Sprintf("%s %s %d", strings.TrimPrefix(f.Path, base), f.Kind, f.Depth))
	}
	want := []string{"/games parent 2", "/games/noxii parent 2", "/games/noxii/0.16 session 0"}
	if !slices.Equal(folders, want) {
		t.Fatalf("watched %q, want %q", folders, want)
	}
	catalogIs(t, c, filepath.Join(base, "games"), "noxii/0.15 noxii/0.15", "noxii/0.16 noxii/0.16", "other other")

	c.Session("/tmp", "/")
	for _, f := range c.Status().Folders {
		if topLevel(f.Path) {
			t.Fatalf("watches %s", f.Path)
		}
	}
}

// A project made, and one removed, while the first scan of a big folder
// runs: scans and events are applied in order, so the catalog ends as the
// disk is.
func TestCatalogScanRacesEvents(t *testing.T) {
	for attempt := range 2 {
		base, _ := filepath.EvalSymlinks(t.TempDir())
		games := filepath.Join(base, "games")
		for i := range 1500 {
			os.MkdirAll(filepath.Join(games, fmt.Sprintf("d%04d", i)), 0o755)
		}
		makeProject(t, filepath.Join(games, "gone"), "Gone")
		c := NewProjects(nil, slog.New(slog.DiscardHandler), []string{games}, ProjectsOptions{})
		for c.w.Stats().Watches < 1000 {
			time.Sleep(100 * time.Microsecond)
		}
		time.Sleep(time.Duration(attempt) * time.Millisecond)
		makeProject(t, filepath.Join(games, "late"), "Late")
		os.Remove(filepath.Join(games, "gone", "project.godot"))
		c.Wait(10 * time.Second)
		catalogIs(t, c, games, "late late")
		c.Close()
	}
}

// A watched folder replaced by another tree (moved away, a new one moved
// in): it is watched and scanned again, and followed from then on.
func TestCatalogFolderReplaced(t *testing.T) {
	base, _ := filepath.EvalSymlinks(t.TempDir())
	games := filepath.Join(base, "games")
	makeProject(t, filepath.Join(games, "one"), "One")
	c := NewProjects(nil, slog.New(slog.DiscardHandler), []string{games}, ProjectsOptions{})
	defer c.Close()
	c.Wait(5 * time.Second)
	catalogIs(t, c, games, "one one")
	makeProject(t, filepath.Join(base, "new", "two"), "Two")
	if err := os.Rename(games, filepath.Join(base, "old")); err != nil {
		t.Fatal(err)
	}
	catalogIs(t, c, games)
	if err := os.Rename(filepath.Join(base, "new"), games); err != nil {
		t.Fatal(err)
	}
	// The folder came back while unwatched: a session naming it again
	// watches it again.
	c.Watch(games, "env", 4)
	catalogIs(t, c, games, "two two")
	makeProject(t, filepath.Join(games, "three"), "Three")
	catalogIs(t, c, games, "two two", "three three")
	if ps, _, ok := c.Below(games, 4); !ok || len(ps) != 2 {
		t.Fatalf("Below = %d projects, %v; want 2, true", len(ps), ok)
	}
}

// Projects reached through a symlinked folder: the watcher does not follow
// symlinks, so the catalog leaves that folder to detection's own scan.
func TestCatalogSymlinkedProject(t *testing.T) {
	base, _ := filepath.EvalSymlinks(t.TempDir())
	games := filepath.Join(base, "games")
	os.MkdirAll(games, 0o755)
	makeProject(t, filepath.Join(base, "elsewhere", "proj"), "Linked")
	if err := os.Symlink(filepath.Join(base, "elsewhere", "proj"), filepath.Join(games, "linked")); err != nil {
		t.Fatal(err)
	}
	c := NewProjects(nil, slog.New(slog.DiscardHandler), []string{games}, ProjectsOptions{})
	defer c.Close()
	c.Wait(5 * time.Second)
	if _, _, ok := c.Below(games, 4); ok {
		t.Fatal("Below answered for a folder whose projects lie behind a symlink")
	}
	d, err := detect.Resolve(detect.Request{WorkDir: games, Known: c.Known(), Below: c.Below})
	if err != nil || d.Project.Root != filepath.Join(base, "elsewhere", "proj") {
		t.Fatalf("resolved %+v, %v", d.Project, err)
	}
}

// A .gdignore makes a folder's projects leave the catalog (as a scan
// skips them); removing it brings them back. A project moved in below the
// watched depth is not cataloged.
func TestCatalogGdignoreAndDepth(t *testing.T) {
	base, _ := filepath.EvalSymlinks(t.TempDir())
	games := filepath.Join(base, "games")
	makeProject(t, filepath.Join(games, "sub", "p1"), "P1")
	makeProject(t, filepath.Join(games, "top"), "Top")
	os.MkdirAll(filepath.Join(games, "a", "b", "c"), 0o755)
	c := NewProjects(nil, slog.New(slog.DiscardHandler), []string{games}, ProjectsOptions{})
	defer c.Close()
	c.Wait(5 * time.Second)
	catalogIs(t, c, games, "p1 sub/p1", "top top")
	if err := os.WriteFile(filepath.Join(games, "sub", ".gdignore"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	catalogIs(t, c, games, "top top")
	os.Remove(filepath.Join(games, "sub", ".gdignore"))
	catalogIs(t, c, games, "p1 sub/p1", "top top")

	makeProject(t, filepath.Join(base, "out", "d", "deep5"), "Deep Five")
	if err := os.Rename(filepath.Join(base, "out", "d"), filepath.Join(games, "a", "b", "c", "d")); err != nil {
		t.Fatal(err)
	}
	makeProject(t, filepath.Join(games, "marker"), "Marker") // an event after the move
	catalogIs(t, c, games, "p1 sub/p1", "top top", "marker marker")
}
