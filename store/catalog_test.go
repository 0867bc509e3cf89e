package store_test

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/godot-mcp-router/godot-mcp-router/store"
)

var catalogEpoch = time.Date(2026, 3, 4, 5, 6, 7, 890, time.UTC)

func sampleProject(root string) store.CatalogProject {
	return store.CatalogProject{
		Root: root, Name: "Noxii", Slug: "noxii", Version: "0.16", Engine: "4.3",
		ConfigVersion: 5, Supported: true, Problem: "",
		ModTime: catalogEpoch, FoundAt: catalogEpoch.Add(time.Minute), SeenAt: catalogEpoch.Add(time.Hour),
		Via: "/home/u/games",
	}
}

func putProjects(t testing.TB, s *store.Store, ps ...store.CatalogProject) {
	t.Helper()
	if err := s.PutProjects(ps); err != nil {
		t.Fatalf("PutProjects: %v", err)
	}
}

func projects(t testing.TB, s *store.Store) []store.CatalogProject {
	t.Helper()
	all, err := s.Projects()
	if err != nil {
		t.Fatalf("Projects: %v", err)
	}
	return all
}

func projectRoots(t testing.TB, s *store.Store) []string {
	t.Helper()
	var out []string
	for _, p := range projects(t, s) {
		out = append(out, p.Root)
	}
	return out
}

func folderPaths(t testing.TB, s *store.Store) []string {
	t.Helper()
	all, err := s.Folders()
	if err != nil {
		t.Fatalf("Folders: %v", err)
	}
	var out []string
	for _, f := range all {
		out = append(out, f.Path)
	}
	return out
}

func TestProjectRoundTrip(t *testing.T) {
	local := time.FixedZone("CET", 3600)
	tests := []struct {
		name string
		in   store.CatalogProject
		want store.CatalogProject // zero: same as in
	}{
		{name: "every field", in: sampleProject("/home/u/games/noxii")},
		{name: "root only", in: store.CatalogProject{Root: "/p"}},
		{name: "unsupported with a problem", in: store.CatalogProject{
			Root: "/home/u/old", Engine: "3.x", ConfigVersion: 4, Problem: "project.godot:3:1: expected '=' after key",
			Via: "session", SeenAt: catalogEpoch,
		}},
		{name: "unicode and spaces", in: store.CatalogProject{Root: "/home/ü/My Game ✓", Name: "My \"Game\"\n✓", Slug: "my-game"}},
		{
			name: "times come back in UTC without monotonic reading",
			in: store.CatalogProject{Root: "/t",
				ModTime: time.Date(2026, 1, 2, 3, 4, 5, 6, local), FoundAt: time.Now(), SeenAt: time.Date(2026, 1, 2, 3, 4, 5, 7, local)},
		},
	}
	s := newStore(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			putProjects(t, s, tt.in)
			var got *store.CatalogProject
			for _, p := range projects(t, s) {
				if p.Root == tt.in.Root {
					got = &p
				}
			}
			if got == nil {
				t.Fatalf("%s is not listed", tt.in.Root)
			}
			want := tt.want
			if want.Root == "" {
				want = tt.in
				want.ModTime, want.FoundAt, want.SeenAt = utc(want.ModTime), utc(want.FoundAt), utc(want.SeenAt)
			}
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("round trip:\n got %+v\nwant %+v", *got, want)
			}
		})
	}
}

// utc is t as the store returns it: in UTC, without a monotonic reading.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.Round(0).UTC()
}

func TestPutProjectsKeepsFoundAt(t *testing.T) {
	s := newStore(t)
	first, later := catalogEpoch, catalogEpoch.Add(24*time.Hour)
	steps := []struct {
		name    string
		foundAt time.Time
		want    time.Time
	}{
		{"new record, zero FoundAt", time.Time{}, time.Time{}},
		{"given", first, first},
		{"zero keeps the stored one", time.Time{}, first},
		{"a new one replaces it", later, later},
		{"zero again", time.Time{}, later},
	}
	for i, st := range steps {
		p := sampleProject("/p")
		p.FoundAt, p.SeenAt, p.Name = st.foundAt, catalogEpoch.Add(time.Duration(i)*time.Hour), fmt.Sprint("name ", i)
		putProjects(t, s, p)
		got := projects(t, s)
		if len(got) != 1 {
			t.Fatalf("%s: %d records", st.name, len(got))
		}
		if !got[0].FoundAt.Equal(st.want) || !got[0].SeenAt.Equal(p.SeenAt) || got[0].Name != p.Name {
			t.Errorf("%s: FoundAt %v, SeenAt %v, Name %q; want FoundAt %v and the rest replaced",
				st.name, got[0].FoundAt, got[0].SeenAt, got[0].Name, st.want)
		}
	}

	// The same root twice in one call: the later one wins, and keeps the
	// FoundAt the earlier one stored.
	a, b := sampleProject("/q"), sampleProject("/q")
	a.FoundAt, a.Name = first, "a"
	b.FoundAt, b.Name = time.Time{}, "b"
	putProjects(t, s, a, b)
	for _, p := range projects(t, s) {
		if p.Root == "/q" && (p.Name != "b" || !p.FoundAt.Equal(first)) {
			t.Errorf("twice in one call: %+v", p)
		}
	}
}

func TestProjectsSortedAndDelete(t *testing.T) {
	s := newStore(t)
	var ps []store.CatalogProject
	for _, root := range []string{"/b", "/a/z", "/a", "/c", "/a b"} {
		ps = append(ps, sampleProject(root))
	}
	putProjects(t, s, ps...)
	if got, want := projectRoots(t, s), []string{"/a", "/a b", "/a/z", "/b", "/c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Projects roots = %q, want %q", got, want)
	}
	if err := s.DeleteProjects([]string{"/c", "/a/z", "/missing", ""}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteProjects(nil); err != nil {
		t.Errorf("DeleteProjects(nil) = %v", err)
	}
	if got, want := projectRoots(t, s), []string{"/a", "/a b", "/b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after delete = %q, want %q", got, want)
	}
	if err := s.PutProjects(nil); err != nil {
		t.Errorf("PutProjects(nil) = %v", err)
	}
}

func TestPutProjectsInvalid(t *testing.T) {
	tests := []struct {
		name, root, errPart string
	}{
		{"empty", "", "empty root"},
		{"relative", "games/noxii", "not absolute"},
		{"dot", ".", "not absolute"},
	}
	s := newStore(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One bad project among good ones: nothing is stored.
			err := s.PutProjects([]store.CatalogProject{sampleProject("/good"), {Root: tt.root}})
			if err == nil || !strings.Contains(err.Error(), tt.errPart) {
				t.Errorf("PutProjects(%q) = %v, want an error saying %q", tt.root, err, tt.errPart)
			}
			if got := projectRoots(t, s); len(got) != 0 {
				t.Errorf("a refused call stored %q", got)
			}
		})
	}
}

// TestCatalogCap: past MaxCatalog, the least recently seen go, those just
// put last.
func TestCatalogCap(t *testing.T) {
	var logs logBuffer
	s := openStore(t, filepath.Join(t.TempDir(), "router.db"), &store.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	root := func(i int) string { return fmt.Sprintf("/home/u/games/p%05d", i) }
	project := func(i int, seen time.Time) store.CatalogProject {
		return store.CatalogProject{Root: root(i), SeenAt: seen}
	}
	full := make([]store.CatalogProject, store.MaxCatalog)
	for i := range full {
		// p0 seen most recently, the last seen least.
		full[i] = project(i, catalogEpoch.Add(time.Duration(store.MaxCatalog-i)*time.Minute))
	}
	putProjects(t, s, full...)
	if got := len(projects(t, s)); got != store.MaxCatalog {
		t.Fatalf("%d records after filling, want %d", got, store.MaxCatalog)
	}
	if logs.String() != "" {
		t.Errorf("a warning at exactly the cap:\n%s", logs.String())
	}

	// Two new ones, seen before anything stored: they stay, because they
	// were just put, and the two least recently seen others go.
	putProjects(t, s, project(-1, catalogEpoch), project(-2, catalogEpoch.Add(-time.Hour)))
	got := projectRoots(t, s)
	if len(got) != store.MaxCatalog {
		t.Fatalf("%d records, want %d", len(got), store.MaxCatalog)
	}
	has := make(map[string]bool)
	for _, r := range got {
		has[r] = true
	}
	for i, want := range map[int]bool{-1: true, -2: true, 0: true, store.MaxCatalog - 3: true, store.MaxCatalog - 2: false, store.MaxCatalog - 1: false} {
		if has[root(i)] != want {
			t.Errorf("%s stored: %v, want %v", root(i), has[root(i)], want)
		}
	}
	if !strings.Contains(logs.String(), "catalog is full") {
		t.Errorf("no warning about dropped projects; logs:\n%s", logs.String())
	}

	// A call with more than MaxCatalog keeps its most recently seen.
	over := make([]store.CatalogProject, store.MaxCatalog+10)
	for i := range over {
		over[i] = project(100000+i, catalogEpoch.Add(time.Duration(i)*time.Minute+time.Hour*24*365))
	}
	putProjects(t, s, over...)
	got = projectRoots(t, s)
	if len(got) != store.MaxCatalog || got[0] != root(100010) || got[len(got)-1] != root(100000+store.MaxCatalog+9) {
		t.Errorf("%d records from %s to %s; want %d from %s to %s", len(got), got[0], got[len(got)-1],
			store.MaxCatalog, root(100010), root(100000+store.MaxCatalog+9))
	}
}

func TestFolders(t *testing.T) {
	s := newStore(t)
	local := time.FixedZone("CET", 3600)
	in := []store.WatchedFolder{
		{Path: "/home/u/games", Kind: "env", Depth: 3, UsedAt: catalogEpoch.In(local)},
		{Path: "/home/u", Kind: "parent", Depth: 1, UsedAt: catalogEpoch.Add(time.Hour)},
		{Path: "/srv/b", Kind: "session", UsedAt: catalogEpoch},
		{Path: "/srv/a", Kind: "session", UsedAt: catalogEpoch},
		{Path: "/never", Kind: "session"},
	}
	if err := s.PutFolders(in); err != nil {
		t.Fatal(err)
	}
	all, err := s.Folders()
	if err != nil {
		t.Fatal(err)
	}
	want := []store.WatchedFolder{
		{Path: "/home/u", Kind: "parent", Depth: 1, UsedAt: catalogEpoch.Add(time.Hour)},
		// Equal UsedAt: by path; times in UTC.
		{Path: "/home/u/games", Kind: "env", Depth: 3, UsedAt: catalogEpoch},
		{Path: "/srv/a", Kind: "session", UsedAt: catalogEpoch},
		{Path: "/srv/b", Kind: "session", UsedAt: catalogEpoch},
		{Path: "/never", Kind: "session"},
	}
	if !reflect.DeepEqual(all, want) {
		t.Errorf("Folders:\n got %+v\nwant %+v", all, want)
	}

	// Upsert: a session names /srv/b again.
	if err := s.PutFolders([]store.WatchedFolder{{Path: "/srv/b", Kind: "session", Depth: 2, UsedAt: catalogEpoch.Add(2 * time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	if got, want := folderPaths(t, s), []string{"/srv/b", "/home/u", "/home/u/games", "/srv/a", "/never"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after upsert: %q, want %q", got, want)
	}
	if err := s.DeleteFolders([]string{"/home/u", "/missing"}); err != nil {
		t.Fatal(err)
	}
	if got, want := folderPaths(t, s), []string{"/srv/b", "/home/u/games", "/srv/a", "/never"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after delete: %q, want %q", got, want)
	}

	if err := s.PutFolders([]store.WatchedFolder{{Path: "/ok"}, {Kind: "env"}}); err == nil || !strings.Contains(err.Error(), "empty path") {
		t.Errorf("PutFolders with an empty path = %v", err)
	}
	if got := folderPaths(t, s); len(got) != 4 {
		t.Errorf("a refused call changed the folders: %q", got)
	}
	if err := errors.Join(s.PutFolders(nil), s.DeleteFolders(nil)); err != nil {
		t.Errorf("empty calls: %v", err)
	}
}

func TestFoldersCap(t *testing.T) {
	s := newStore(t)
	path := func(i int) string { return fmt.Sprintf("/f%03d", i) }
	var fs []store.WatchedFolder
	for i := range store.MaxFolders {
		fs = append(fs, store.WatchedFolder{Path: path(i), Kind: "parent", UsedAt: catalogEpoch.Add(time.Duration(i) * time.Minute)})
	}
	if err := s.PutFolders(fs); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name       string
		put        []store.WatchedFolder
		first      []string // the most recently used, in order
		last       string
		gone, kept []string
	}{
		{
			name:  "a folder never used stays, as it was just put; the oldest goes",
			put:   []store.WatchedFolder{{Path: "/new", Kind: "env"}},
			first: []string{path(store.MaxFolders - 1), path(store.MaxFolders - 2)}, last: "/new",
			gone: []string{path(0)}, kept: []string{path(1)},
		},
		{
			name:  "next time it is the oldest",
			put:   []store.WatchedFolder{{Path: "/new2", Kind: "env", UsedAt: catalogEpoch.Add(2 * time.Hour)}},
			first: []string{"/new2", path(store.MaxFolders - 1)}, last: path(1),
			gone: []string{"/new"},
		},
		{
			name: "renewing one and adding another drops the next oldest",
			put: []store.WatchedFolder{
				{Path: path(1), UsedAt: catalogEpoch.Add(3 * time.Hour)},
				{Path: "/new3", UsedAt: catalogEpoch.Add(4 * time.Hour)},
			},
			first: []string{"/new3", path(1), "/new2"}, last: path(3),
			gone: []string{path(2)},
		},
	}
	for _, st := range steps {
		if err := s.PutFolders(st.put); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got := folderPaths(t, s)
		if len(got) != store.MaxFolders {
			t.Fatalf("%s: %d folders, want %d", st.name, len(got), store.MaxFolders)
		}
		if !reflect.DeepEqual(got[:len(st.first)], st.first) || got[len(got)-1] != st.last {
			t.Errorf("%s: folders begin %q and end %q; want %q and %q", st.name, got[:len(st.first)], got[len(got)-1], st.first, st.last)
		}
		for _, p := range st.gone {
			if slices.Contains(got, p) {
				t.Errorf("%s: %s is still there", st.name, p)
			}
		}
		for _, p := range st.kept {
			if !slices.Contains(got, p) {
				t.Errorf("%s: %s is gone", st.name, p)
			}
		}
	}
}

// editCatalog changes a closed store file with bbolt directly, as damage or
// another build would.
func editCatalog(t *testing.T, path string, fn func(projects, folders *bolt.Bucket) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		return fn(tx.Bucket([]byte("catalog")), tx.Bucket([]byte("catalog_folders")))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCatalogUndecodable: records that are not JSON are skipped with a
// warning, a newer build's unknown fields are ignored, a nested bucket is
// not a record, and Put replaces a bad record.
func TestCatalogUndecodable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.db")
	s, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	putProjects(t, s, sampleProject("/a"), sampleProject("/c"))
	if err := s.PutFolders([]store.WatchedFolder{{Path: "/f1", Kind: "env", UsedAt: catalogEpoch}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	editCatalog(t, path, func(p, f *bolt.Bucket) error {
		_, nested := p.CreateBucket([]byte("/nested"))
		return errors.Join(
			p.Put([]byte("/b"), []byte("{not json")),
			p.Put([]byte("/d"), []byte(`{"root":"/elsewhere","supported":true,"future_field":[1,2]}`)),
			nested,
			f.Put([]byte("/f0"), []byte(`{"path":"/f0","kind":1}`)),
			f.Put([]byte("/f2"), []byte(`{"path":"/f2","kind":"future","used_at":"2027-01-01T00:00:00Z","x":{}}`)),
		)
	})

	var logs logBuffer
	s = openStore(t, path, &store.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	all := projects(t, s)
	if got, want := projectRoots(t, s), []string{"/a", "/c", "/d"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Projects = %q, want %q", got, want)
	}
	if d := all[len(all)-1]; !d.Supported {
		t.Errorf("the newer build's record: %+v", d)
	}
	if got, want := folderPaths(t, s), []string{"/f2", "/f1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Folders = %q, want %q", got, want)
	}
	for _, what := range []string{"project catalog record that does not decode", "watched folder record that does not decode"} {
		if !strings.Contains(logs.String(), what) {
			t.Errorf("no warning %q; logs:\n%s", what, logs.String())
		}
	}

	// Put replaces a bad record; Delete leaves a nested bucket alone.
	putProjects(t, s, store.CatalogProject{Root: "/b", Name: "fixed"})
	if err := s.PutFolders([]store.WatchedFolder{{Path: "/f0", Kind: "env"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteProjects([]string{"/nested"}); err != nil {
		t.Errorf("DeleteProjects of a nested bucket: %v", err)
	}
	if got, want := projectRoots(t, s), []string{"/a", "/b", "/c", "/d"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after replacing: %q, want %q", got, want)
	}
	if got, want := folderPaths(t, s), []string{"/f2", "/f1", "/f0"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after replacing: %q, want %q", got, want)
	}
}

func TestCatalogReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.db")
	w, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	putProjects(t, w, sampleProject("/p"))
	if err := w.PutFolders([]store.WatchedFolder{{Path: "/f", Kind: "env"}}); err != nil {
		t.Fatal(err)
	}
	w.Close()

	r := openStore(t, path, &store.Options{ReadOnly: true})
	if got := projectRoots(t, r); !reflect.DeepEqual(got, []string{"/p"}) {
		t.Errorf("read-only Projects = %q", got)
	}
	if got := folderPaths(t, r); !reflect.DeepEqual(got, []string{"/f"}) {
		t.Errorf("read-only Folders = %q", got)
	}
	writes := []struct {
		name string
		call func() error
	}{
		{"PutProjects", func() error { return r.PutProjects([]store.CatalogProject{sampleProject("/q")}) }},
		{"DeleteProjects", func() error { return r.DeleteProjects([]string{"/p"}) }},
		{"PutFolders", func() error { return r.PutFolders([]store.WatchedFolder{{Path: "/g"}}) }},
		{"DeleteFolders", func() error { return r.DeleteFolders([]string{"/f"}) }},
	}
	for _, c := range writes {
		if err := c.call(); !errors.Is(err, store.ErrReadOnly) {
			t.Errorf("%s on a read-only store = %v, want ErrReadOnly", c.name, err)
		}
	}
}

func TestCatalogClosed(t *testing.T) {
	s, err := store.Open(filepath.Join(t.TempDir(), "router.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	calls := []struct {
		name string
		call func() error
	}{
		{"PutProjects", func() error { return s.PutProjects([]store.CatalogProject{sampleProject("/q")}) }},
		{"Projects", func() error { _, err := s.Projects(); return err }},
		{"DeleteProjects", func() error { return s.DeleteProjects([]string{"/p"}) }},
		{"PutFolders", func() error { return s.PutFolders([]store.WatchedFolder{{Path: "/g"}}) }},
		{"Folders", func() error { _, err := s.Folders(); return err }},
		{"DeleteFolders", func() error { return s.DeleteFolders([]string{"/f"}) }},
	}
	for _, c := range calls {
		if err := c.call(); !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", c.name, err)
		}
	}
}

// TestCatalogOlderFile: a file the previous build wrote (instances and
// snapshots, no catalog) has no catalog read-only, and gains the catalog
// buckets on a writable Open, keeping its records and schema 1, so the
// previous build still opens it as its own.
func TestCatalogOlderFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		var bs []*bolt.Bucket
		for _, name := range []string{"meta", "instances", "snapshot_meta", "snapshot_data"} {
			b, err := tx.CreateBucket([]byte(name))
			if err != nil {
				return err
			}
			bs = append(bs, b)
		}
		return errors.Join(
			bs[0].Put([]byte("schema"), []byte("1")),
			bs[1].Put([]byte("/p"), []byte(`{"key":"/p","status":"ready"}`)),
			bs[2].Put([]byte("/p"), []byte(`{"root":"/p","files":3}`)),
			bs[3].Put([]byte("/p"), []byte("data")),
		)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	r, err := store.Open(path, &store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if all, err := r.Projects(); len(all) != 0 || err != nil {
		t.Errorf("read-only Projects on an older file = %v, %v", all, err)
	}
	if all, err := r.Folders(); len(all) != 0 || err != nil {
		t.Errorf("read-only Folders on an older file = %v, %v", all, err)
	}
	r.Close()

	s, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Recovered() != "" {
		t.Fatalf("Recovered() = %q", s.Recovered())
	}
	if _, ok, err := s.Instance("/p"); !ok || err != nil {
		t.Errorf("the older file's instance: ok %v, err %v", ok, err)
	}
	if _, data, ok, err := s.Snapshot("/p"); !ok || err != nil || string(data) != "data" {
		t.Errorf("the older file's snapshot: %q, ok %v, err %v", data, ok, err)
	}
	putProjects(t, s, sampleProject("/p"))
	if err := s.PutFolders([]store.WatchedFolder{{Path: "/f", Kind: "env", UsedAt: catalogEpoch}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	if _, err := store.DataEnd(path); err != nil {
		t.Errorf("the structure check refuses the file: %v", err)
	}
	db, err = bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte("meta")).Get([]byte("schema")); string(v) != "1" {
			t.Errorf("meta/schema = %q, want 1: an older build would refuse the file", v)
		}
		for _, name := range []string{"catalog", "catalog_folders"} {
			if tx.Bucket([]byte(name)) == nil {
				t.Errorf("no bucket %s", name)
			}
		}
		return nil
	})
	db.Close()

	// Reopened, the records are there.
	s = openStore(t, path, nil)
	if got := projects(t, s); len(got) != 1 || !reflect.DeepEqual(got[0], sampleProject("/p")) {
		t.Errorf("Projects after reopening = %+v", got)
	}
	if got := folderPaths(t, s); !reflect.DeepEqual(got, []string{"/f"}) {
		t.Errorf("Folders after reopening = %q", got)
	}
}

// TestCatalogConcurrent: Puts, Deletes and lists from several goroutines;
// every list is sorted and within the caps, and the race detector sees no
// race. More folders are put than MaxFolders allows, so the cap is at work.
func TestCatalogConcurrent(t *testing.T) {
	s := newStore(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 20 {
				root := fmt.Sprintf("/p%d", (g*7+i)%13)
				p := sampleProject(root)
				p.FoundAt, p.SeenAt = time.Time{}, catalogEpoch.Add(time.Duration(i)*time.Second)
				if err := s.PutProjects([]store.CatalogProject{p}); err != nil {
					t.Error(err)
					return
				}
				f := store.WatchedFolder{Path: fmt.Sprintf("/f%d/%d", g, i), Kind: "session", UsedAt: p.SeenAt}
				if err := s.PutFolders([]store.WatchedFolder{f}); err != nil {
					t.Error(err)
					return
				}
				if i%5 == 4 {
					if err := s.DeleteProjects([]string{root}); err != nil {
						t.Error(err)
						return
					}
				}
				all, err := s.Projects()
				if err != nil {
					t.Error(err)
					return
				}
				for j := 1; j < len(all); j++ {
					if all[j-1].Root >= all[j].Root {
						t.Errorf("Projects not sorted at %d: %s, %s", j, all[j-1].Root, all[j].Root)
					}
				}
				fs, err := s.Folders()
				if err != nil {
					t.Error(err)
					return
				}
				if len(fs) > store.MaxFolders {
					t.Errorf("%d folders, over the cap %d", len(fs), store.MaxFolders)
				}
			}
		})
	}
	wg.Wait()
	if got := len(folderPaths(t, s)); got != store.MaxFolders {
		t.Errorf("%d folders at the end, want the cap %d", got, store.MaxFolders)
	}
}
