package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/godot-mcp-router/godot-mcp-router/store"
)

// fakeClock moves one second per reading, so every Put and Touch has its own
// time and the LRU order does not depend on the machine's clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

// openSnapStore opens a store at path with the given snapshot cap (0: the
// default) and a fake clock, and closes it when the test ends.
func openSnapStore(t testing.TB, path string, snapCap int64, logs *logBuffer) *store.Store {
	t.Helper()
	opts := &store.Options{SnapshotCap: snapCap}
	if logs != nil {
		opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	}
	s := openStore(t, path, opts)
	store.SetClock(s, (&fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}).now)
	return s
}

func newSnapStore(t testing.TB, snapCap int64) *store.Store {
	t.Helper()
	return openSnapStore(t, filepath.Join(t.TempDir(), "router.db"), snapCap, nil)
}

func put(t testing.TB, s *store.Store, root string, data []byte) []string {
	t.Helper()
	evicted, err := s.PutSnapshot(store.SnapshotInfo{Root: root, Files: len(data) / 10, Format: 3}, data)
	if err != nil {
		t.Fatalf("PutSnapshot(%s): %v", root, err)
	}
	return evicted
}

// roots lists the stored snapshots' roots.
func roots(t testing.TB, s *store.Store) []string {
	t.Helper()
	all, err := s.Snapshots()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, in := range all {
		out = append(out, in.Root)
	}
	return out
}

func TestSnapshotRoundTrip(t *testing.T) {
	s := newSnapStore(t, 0)
	data := randomBytes(1, 300<<10) // spans overflow pages
	in := store.SnapshotInfo{Root: "/home/u/games/noxii", Size: 1, Files: 812, Format: 3,
		SavedAt: time.Unix(1, 0), UsedAt: time.Unix(1, 0)} // Size and times are the store's to set
	if _, err := s.PutSnapshot(in, data); err != nil {
		t.Fatal(err)
	}
	data[0] ^= 0xFF // the store keeps no reference to the caller's slice
	data[0] ^= 0xFF

	got, gotData, ok, err := s.Snapshot(in.Root)
	if err != nil || !ok {
		t.Fatalf("Snapshot = ok %v, err %v", ok, err)
	}
	at := time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC)
	want := store.SnapshotInfo{Root: in.Root, Size: int64(len(data)), Files: 812, Format: 3, SavedAt: at, UsedAt: at}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("info:\n got %+v\nwant %+v", got, want)
	}
	if !bytes.Equal(gotData, data) {
		t.Error("data differs")
	}
	gotData[0] ^= 0xFF // a copy: changing it changes nothing stored
	if _, again, _, _ := s.Snapshot(in.Root); !bytes.Equal(again, data) {
		t.Error("changing the returned data changed the stored data")
	}

	// Replace: new data, new SavedAt, the old data gone.
	small := []byte("smaller index")
	if ev, err := s.PutSnapshot(store.SnapshotInfo{Root: in.Root, Files: 2, Format: 4}, small); err != nil || len(ev) != 0 {
		t.Fatalf("replacing: evicted %q, %v", ev, err)
	}
	got, gotData, ok, err = s.Snapshot(in.Root)
	if err != nil || !ok || !bytes.Equal(gotData, small) {
		t.Fatalf("after replace: %q, ok %v, err %v", gotData, ok, err)
	}
	at = at.Add(time.Second)
	want = store.SnapshotInfo{Root: in.Root, Size: int64(len(small)), Files: 2, Format: 4, SavedAt: at, UsedAt: at}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after replace:\n got %+v\nwant %+v", got, want)
	}

	if _, d, ok, err := s.Snapshot("/missing"); ok || d != nil || err != nil {
		t.Errorf("missing root: data %d bytes, ok %v, err %v", len(d), ok, err)
	}
	if _, err := s.PutSnapshot(store.SnapshotInfo{}, data); err == nil {
		t.Error("PutSnapshot with an empty root succeeded")
	}
	if _, err := s.PutSnapshot(store.SnapshotInfo{Root: "/empty"}, nil); err == nil {
		t.Error("PutSnapshot with no data succeeded")
	}
}

func TestSnapshotsList(t *testing.T) {
	s := newSnapStore(t, 0)
	sizes := map[string]int{"/b": 10, "/a/z": 70 << 10, "/a": 5, "/c": 1 << 20}
	for _, root := range []string{"/b", "/a/z", "/a", "/c"} {
		put(t, s, root, randomBytes(2, sizes[root]))
	}
	all, err := s.Snapshots()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range all {
		got = append(got, in.Root)
		if in.Size != int64(sizes[in.Root]) || in.Format != 3 || in.SavedAt.IsZero() || !in.UsedAt.Equal(in.SavedAt) {
			t.Errorf("%s: %+v", in.Root, in)
		}
	}
	if want := []string{"/a", "/a/z", "/b", "/c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Snapshots roots = %q, want %q", got, want)
	}
	if err := s.DeleteSnapshot("/b"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSnapshot("/missing"); err != nil {
		t.Errorf("deleting a missing snapshot: %v", err)
	}
	if got, want := roots(t, s), []string{"/a", "/a/z", "/c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after delete: %q, want %q", got, want)
	}
	if _, _, ok, _ := s.Snapshot("/b"); ok {
		t.Error("a deleted snapshot is still there")
	}
}

// TestSnapshotEviction: over the cap, the least recently used go first, and
// TouchSnapshot counts as use.
func TestSnapshotEviction(t *testing.T) {
	s := newSnapStore(t, 100)
	steps := []struct {
		name    string
		touch   string // a root to touch before the put
		root    string
		size    int
		evicted []string
		left    []string
	}{
		{name: "first", root: "/a", size: 40, left: []string{"/a"}},
		{name: "within the cap", root: "/b", size: 40, left: []string{"/a", "/b"}},
		{name: "touched /a outlives /b", touch: "/a", root: "/c", size: 40, evicted: []string{"/b"}, left: []string{"/a", "/c"}},
		{name: "two go, oldest first", root: "/d", size: 90, evicted: []string{"/a", "/c"}, left: []string{"/d"}},
		{name: "exactly the cap", root: "/e", size: 10, left: []string{"/d", "/e"}},
		{name: "replacing grows it", root: "/e", size: 50, evicted: []string{"/d"}, left: []string{"/e"}},
		{name: "the new one is never evicted", root: "/f", size: 100, evicted: []string{"/e"}, left: []string{"/f"}},
	}
	for _, st := range steps {
		if st.touch != "" {
			if err := s.TouchSnapshot(st.touch); err != nil {
				t.Fatalf("%s: TouchSnapshot: %v", st.name, err)
			}
		}
		got := put(t, s, st.root, randomBytes(3, st.size))
		if !reflect.DeepEqual(got, st.evicted) {
			t.Errorf("%s: evicted %q, want %q", st.name, got, st.evicted)
		}
		if left := roots(t, s); !reflect.DeepEqual(left, st.left) {
			t.Errorf("%s: left %q, want %q", st.name, left, st.left)
		}
	}
	if err := s.TouchSnapshot("/missing"); err != nil {
		t.Errorf("touching a missing snapshot: %v", err)
	}
}

func TestSnapshotTouch(t *testing.T) {
	s := newSnapStore(t, 0)
	put(t, s, "/p", []byte("data"))
	before, _, _, _ := s.Snapshot("/p")
	if err := s.TouchSnapshot("/p"); err != nil {
		t.Fatal(err)
	}
	after, data, _, _ := s.Snapshot("/p")
	if !after.UsedAt.After(before.UsedAt) || !after.SavedAt.Equal(before.SavedAt) || string(data) != "data" {
		t.Errorf("after touch: %+v (before %+v), data %q", after, before, data)
	}
}

func TestSnapshotTooLarge(t *testing.T) {
	s := newSnapStore(t, 100)
	put(t, s, "/a", bytes.Repeat([]byte("a"), 60))
	put(t, s, "/b", bytes.Repeat([]byte("b"), 40))
	for _, root := range []string{"/a", "/new"} {
		ev, err := s.PutSnapshot(store.SnapshotInfo{Root: root}, make([]byte, 101))
		if !errors.Is(err, store.ErrSnapshotTooLarge) || ev != nil {
			t.Errorf("PutSnapshot(%s, 101 bytes) = %q, %v; want ErrSnapshotTooLarge", root, ev, err)
		}
	}
	if _, data, ok, _ := s.Snapshot("/a"); !ok || !bytes.Equal(data, bytes.Repeat([]byte("a"), 60)) {
		t.Errorf("the old /a is not kept: ok %v, %q", ok, data)
	}
	if got, want := roots(t, s), []string{"/a", "/b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("left %q, want %q", got, want)
	}
}

func TestPruneSnapshots(t *testing.T) {
	s := newSnapStore(t, 0)
	for _, root := range []string{"/a", "/b", "/c", "/d"} {
		put(t, s, root, []byte(root))
	}
	removed, err := s.PruneSnapshots(nil)
	if err != nil || len(removed) != 0 {
		t.Fatalf("PruneSnapshots(nil) = %q, %v", removed, err)
	}
	var asked []string
	removed, err = s.PruneSnapshots(func(root string) bool {
		asked = append(asked, root)
		// keep may call the Store: it runs outside any transaction.
		if _, _, _, err := s.Snapshot(root); err != nil {
			t.Error(err)
		}
		if root == "/d" {
			// Stored again while keep runs: not removed.
			put(t, s, "/d", []byte("new d"))
		}
		return root == "/a"
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/a", "/b", "/c", "/d"}; !reflect.DeepEqual(asked, want) {
		t.Errorf("keep asked about %q, want %q", asked, want)
	}
	if want := []string{"/b", "/c"}; !reflect.DeepEqual(removed, want) {
		t.Errorf("removed %q, want %q", removed, want)
	}
	if got, want := roots(t, s), []string{"/a", "/d"}; !reflect.DeepEqual(got, want) {
		t.Errorf("left %q, want %q", got, want)
	}
}

func TestSnapshotReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.db")
	s, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	big := randomBytes(4, 3<<20)
	put(t, s, "/big", big)
	put(t, s, "/small", []byte("small"))
	if err := s.PutInstance(sampleInstance("/big")); err != nil {
		t.Fatal(err)
	}
	before, err := s.Snapshots()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openStore(t, path, nil)
	if s.Recovered() != "" {
		t.Fatalf("Recovered() = %q", s.Recovered())
	}
	after, err := s.Snapshots()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("Snapshots after reopening:\n got %+v\nwant %+v", after, before)
	}
	if _, data, ok, err := s.Snapshot("/big"); !ok || err != nil || !bytes.Equal(data, big) {
		t.Errorf("Snapshot(/big) after reopening: %d bytes, ok %v, err %v", len(data), ok, err)
	}
	if _, ok, err := s.Instance("/big"); !ok || err != nil {
		t.Errorf("Instance after reopening: ok %v, err %v", ok, err)
	}
}

// editBuckets changes a closed store file with bbolt directly, as damage or
// another program would.
func editBuckets(t *testing.T, path string, fn func(meta, data *bolt.Bucket) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		return fn(tx.Bucket([]byte("snapshot_meta")), tx.Bucket([]byte("snapshot_data")))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestHalfSnapshots: a metadata record that does not decode, metadata
// without data and data without metadata are all absent, and PutSnapshot
// and PruneSnapshots clean them away.
func TestHalfSnapshots(t *testing.T) {
	for _, clean := range []string{"PutSnapshot", "PruneSnapshots"} {
		t.Run(clean, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "router.db")
			s, err := store.Open(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			put(t, s, "/a", []byte("a"))
			put(t, s, "/b", []byte("b"))
			put(t, s, "/c", []byte("c"))
			s.Close()
			editBuckets(t, path, func(meta, data *bolt.Bucket) error {
				return errors.Join(
					meta.Put([]byte("/b"), []byte("{not json")),
					meta.Delete([]byte("/c")),
					meta.Put([]byte("/d"), []byte(`{"root":"/d","size":1}`)),
					// A record from a newer build: unknown fields are ignored.
					meta.Put([]byte("/e"), []byte(`{"root":"/e","format":9,"future":[1]}`)),
					data.Put([]byte("/e"), []byte("e")),
				)
			})

			var logs logBuffer
			s = openSnapStore(t, path, 0, &logs)
			if got, want := roots(t, s), []string{"/a", "/e"}; !reflect.DeepEqual(got, want) {
				t.Errorf("Snapshots = %q, want %q", got, want)
			}
			for _, root := range []string{"/b", "/c", "/d"} {
				if _, _, ok, err := s.Snapshot(root); ok || err != nil {
					t.Errorf("Snapshot(%s) = ok %v, err %v; want absent", root, ok, err)
				}
			}
			if !strings.Contains(logs.String(), "does not decode") {
				t.Errorf("no warning logged; logs:\n%s", logs.String())
			}
			if clean == "PutSnapshot" {
				put(t, s, "/f", []byte("f"))
			} else {
				removed, err := s.PruneSnapshots(func(string) bool { return true })
				if want := []string{"/b", "/c", "/d"}; err != nil || !reflect.DeepEqual(removed, want) {
					t.Errorf("PruneSnapshots = %q, %v; want %q", removed, err, want)
				}
			}
			s.Close()
			editBuckets(t, path, func(meta, data *bolt.Bucket) error {
				for _, root := range []string{"/b", "/c", "/d"} {
					if meta.Get([]byte(root)) != nil || data.Get([]byte(root)) != nil {
						t.Errorf("%s: half a snapshot left after %s", root, clean)
					}
				}
				if meta.Get([]byte("/e")) == nil || data.Get([]byte("/e")) == nil {
					t.Errorf("the newer build's record was removed")
				}
				return nil
			})
		})
	}
}

func TestSnapshotReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.db")
	w, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	put(t, w, "/p", []byte("data"))
	w.Close()

	r := openStore(t, path, &store.Options{ReadOnly: true})
	if _, data, ok, err := r.Snapshot("/p"); !ok || err != nil || string(data) != "data" {
		t.Errorf("read-only Snapshot = %q, ok %v, err %v", data, ok, err)
	}
	if got := roots(t, r); !reflect.DeepEqual(got, []string{"/p"}) {
		t.Errorf("read-only Snapshots = %q", got)
	}
	writes := []struct {
		name string
		call func() error
	}{
		{"PutSnapshot", func() error { _, err := r.PutSnapshot(store.SnapshotInfo{Root: "/q"}, []byte("x")); return err }},
		{"TouchSnapshot", func() error { return r.TouchSnapshot("/p") }},
		{"DeleteSnapshot", func() error { return r.DeleteSnapshot("/p") }},
		{"PruneSnapshots", func() error {
			_, err := r.PruneSnapshots(func(string) bool { t.Error("keep called on a read-only store"); return true })
			return err
		}},
	}
	for _, c := range writes {
		if err := c.call(); !errors.Is(err, store.ErrReadOnly) {
			t.Errorf("%s on a read-only store = %v, want ErrReadOnly", c.name, err)
		}
	}
}

// TestOlderFiles: a file an older build wrote (no snapshot buckets) gets
// them and keeps its records; read-only, it has no snapshots. A file this
// build wrote keeps schema 1, so an older build opens it as its own: it
// checks only its own buckets, and its structure check walks any bucket.
func TestOlderFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		m, err := tx.CreateBucket([]byte("meta"))
		if err != nil {
			return err
		}
		in, err := tx.CreateBucket([]byte("instances"))
		if err != nil {
			return err
		}
		return errors.Join(m.Put([]byte("schema"), []byte("1")), in.Put([]byte("/p"), []byte(`{"key":"/p","status":"ready"}`)))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	r, err := store.Open(path, &store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if all, err := r.Snapshots(); len(all) != 0 || err != nil {
		t.Errorf("read-only Snapshots on an older file = %v, %v", all, err)
	}
	if _, _, ok, err := r.Snapshot("/p"); ok || err != nil {
		t.Errorf("read-only Snapshot on an older file = ok %v, err %v", ok, err)
	}
	r.Close()

	s := openStore(t, path, nil)
	if s.Recovered() != "" {
		t.Fatalf("Recovered() = %q", s.Recovered())
	}
	if _, ok, err := s.Instance("/p"); !ok || err != nil {
		t.Errorf("the older file's record: ok %v, err %v", ok, err)
	}
	put(t, s, "/p", randomBytes(5, 100<<10))
	s.Close()

	if _, err := store.DataEnd(path); err != nil {
		t.Errorf("the structure check refuses the file: %v", err)
	}
	db, err = bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte("meta")).Get([]byte("schema")); string(v) != "1" {
			t.Errorf("meta/schema = %q, want 1: an older build would refuse the file", v)
		}
		return nil
	})
}

func TestSnapshotClosed(t *testing.T) {
	s, err := store.Open(filepath.Join(t.TempDir(), "router.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	calls := []struct {
		name string
		call func() error
	}{
		{"PutSnapshot", func() error { _, err := s.PutSnapshot(store.SnapshotInfo{Root: "/q"}, []byte("x")); return err }},
		{"Snapshot", func() error { _, _, _, err := s.Snapshot("/p"); return err }},
		{"Snapshots", func() error { _, err := s.Snapshots(); return err }},
		{"TouchSnapshot", func() error { return s.TouchSnapshot("/p") }},
		{"DeleteSnapshot", func() error { return s.DeleteSnapshot("/p") }},
		{"PruneSnapshots", func() error { _, err := s.PruneSnapshots(nil); return err }},
	}
	for _, c := range calls {
		if err := c.call(); !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", c.name, err)
		}
	}
}

// TestSnapshotConcurrent: Puts (with evictions), reads and touches from
// several goroutines; the cap holds throughout and every read is whole.
func TestSnapshotConcurrent(t *testing.T) {
	const snapCap = 32 << 10
	s := newSnapStore(t, snapCap)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 10 {
				root := fmt.Sprintf("/p%d", (g+i)%5)
				data := bytes.Repeat([]byte{byte(g)}, 10<<10+i)
				if _, err := s.PutSnapshot(store.SnapshotInfo{Root: root}, data); err != nil {
					t.Error(err)
					return
				}
				info, got, ok, err := s.Snapshot(fmt.Sprintf("/p%d", i%5))
				if err != nil {
					t.Error(err)
					return
				}
				if ok && (int64(len(got)) != info.Size || !bytes.Equal(got, bytes.Repeat(got[:1], len(got)))) {
					t.Errorf("a torn snapshot: %d bytes, info %+v", len(got), info)
				}
				if err := s.TouchSnapshot(root); err != nil {
					t.Error(err)
				}
				all, err := s.Snapshots()
				if err != nil {
					t.Error(err)
					return
				}
				var total int64
				for _, in := range all {
					total += in.Size
				}
				if total > snapCap {
					t.Errorf("%d bytes stored, over the cap %d", total, snapCap)
				}
			}
		})
	}
	wg.Wait()
}

// TestOpenSkipsSnapshotData: the structure check reads the file's structure,
// not the snapshot data, so Open costs the same however much it holds.
func TestOpenSkipsSnapshotData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.db")
	s, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 24 {
		// Uneven sizes put several values, and keys, into one leaf's overflow.
		put(t, s, fmt.Sprintf("/home/u/games/p%02d", i), randomBytes(uint64(i), 512<<10+i*4099))
	}
	for i := range 50 {
		if err := s.PutInstance(sampleInstance(fmt.Sprintf("/home/u/games/p%02d", i))); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	read, err := store.CheckReads(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the check read %d bytes of a %d-byte file", read, info.Size())
	if read > 256<<10 {
		t.Errorf("the check read %d bytes of a %d-byte file: it reads snapshot data", read, info.Size())
	}
}

// snapshotLeaf finds a leaf page with overflow pages holding a snapshot.
func snapshotLeaf(t *testing.T, data []byte) int {
	t.Helper()
	hwm := int(readMeta(data, newestMeta(data)).pgid)
	for p := 2; p < hwm && (p+1)*pageSize <= len(data); p++ {
		h := data[p*pageSize:]
		if le.Uint16(h[8:]) == 0x02 && int(le.Uint64(h)) == p && le.Uint32(h[12:]) > 0 {
			return p
		}
	}
	t.Fatal("no leaf page with overflow")
	return 0
}

// TestCorruptSnapshotFiles: damage in the pages of snapshot data is caught
// by the structure check although it does not read the data.
func TestCorruptSnapshotFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.db")
	s, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		put(t, s, fmt.Sprintf("/p%d", i), randomBytes(uint64(i), 40<<10+i*999))
	}
	s.Close()
	valid, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	end, err := store.DataEnd(path)
	if err != nil {
		t.Fatal(err)
	}
	edits := []struct {
		name string
		fn   func(b []byte) []byte
	}{
		{"value runs past its overflow pages", func(b []byte) []byte {
			p := snapshotLeaf(t, b)
			le.PutUint32(b[p*pageSize+16+12:], 1<<30) // vsize of element 0
			return b
		}},
		{"overflow count cut short", func(b []byte) []byte {
			p := snapshotLeaf(t, b)
			le.PutUint32(b[p*pageSize+12:], 0)
			return b
		}},
		{"overflow count reaches into other pages", func(b []byte) []byte {
			p := snapshotLeaf(t, b)
			le.PutUint32(b[p*pageSize+12:], le.Uint32(b[p*pageSize+12:])+40)
			return b
		}},
		{"truncated inside the data", func(b []byte) []byte { return b[:end/2] }},
	}
	for _, e := range edits {
		t.Run(e.name, func(t *testing.T) {
			b := e.fn(bytes.Clone(valid))
			if bytes.Equal(b, valid) {
				t.Fatal("the damage left the file unchanged")
			}
			checkRecovered(t, b)
		})
	}
}
