package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/godot-mcp-router/godot-mcp-router/store"
)

// logBuffer collects log output; safe for the goroutines of one test.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// openStore opens a store at path and closes it when the test ends.
func openStore(t testing.TB, path string, opts *store.Options) *store.Store {
	t.Helper()
	s, err := store.Open(path, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// newStore opens a store in a fresh temporary folder.
func newStore(t testing.TB) *store.Store {
	t.Helper()
	return openStore(t, filepath.Join(t.TempDir(), "router.db"), nil)
}

func sampleInstance(key string) store.Instance {
	at := time.Date(2026, 3, 4, 5, 6, 7, 890, time.UTC)
	return store.Instance{
		Key: key, Root: key, Slug: "noxii", Version: "0.16", Engine: "4.3.stable",
		PID: 4242, StartTime: 123456789, Socket: "/run/user/1000/godot-mcp-router/ab12.sock",
		Status: "ready", Created: at, LastHeartbeat: at.Add(time.Second), LastActivity: at.Add(2 * time.Second),
		LastError: "", Restarts: 2, Calls: 1 << 40,
	}
}

func TestInstanceRoundTrip(t *testing.T) {
	local := time.FixedZone("CET", 3600)
	tests := []struct {
		name string
		in   store.Instance
		want store.Instance // zero: same as in
	}{
		{name: "full", in: sampleInstance("/home/u/games/noxii/0.16")},
		{name: "key only", in: store.Instance{Key: "/p"}},
		{name: "unicode and spaces", in: store.Instance{Key: "/home/ü/My Game ✓", Slug: "my-game", LastError: "boom:\n\"quoted\""}},
		{
			name: "times come back in UTC without monotonic reading",
			in:   store.Instance{Key: "/t", Created: time.Date(2026, 1, 2, 3, 4, 5, 6, local)},
			want: store.Instance{Key: "/t", Created: time.Date(2026, 1, 2, 2, 4, 5, 6, time.UTC)},
		},
	}
	s := newStore(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.PutInstance(tt.in); err != nil {
				t.Fatalf("PutInstance: %v", err)
			}
			got, ok, err := s.Instance(tt.in.Key)
			if err != nil || !ok {
				t.Fatalf("Instance(%q) = _, %v, %v", tt.in.Key, ok, err)
			}
			want := tt.want
			if want.Key == "" {
				want = tt.in
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestInstancesSortedAndDelete(t *testing.T) {
	s := newStore(t)
	keys := []string{"/b", "/a/z", "/a", "/c"}
	for _, k := range keys {
		if err := s.PutInstance(store.Instance{Key: k, Status: "ready"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteInstance("/c"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteInstance("/missing"); err != nil {
		t.Errorf("deleting a missing record: %v", err)
	}
	all, err := s.Instances()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range all {
		got = append(got, in.Key)
	}
	if want := []string{"/a", "/a/z", "/b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Instances keys = %q, want %q", got, want)
	}
	if _, ok, err := s.Instance("/c"); ok || err != nil {
		t.Errorf("Instance after delete = ok %v, err %v", ok, err)
	}
	if err := s.PutInstance(store.Instance{}); err == nil {
		t.Error("PutInstance with an empty key succeeded")
	}
}

func TestUpdateInstance(t *testing.T) {
	s := newStore(t)
	errStop := errors.New("stop")

	// Missing: fn sees a zero record with Key set, and the result is created.
	err := s.UpdateInstance("/p", func(in *store.Instance) error {
		if !reflect.DeepEqual(*in, store.Instance{Key: "/p"}) {
			t.Errorf("fn saw %+v for a missing record", *in)
		}
		in.Status = "starting"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Existing: fn sees the stored record.
	err = s.UpdateInstance("/p", func(in *store.Instance) error {
		if in.Status != "starting" {
			t.Errorf("fn saw status %q, want starting", in.Status)
		}
		in.Status = "ready"
		in.Restarts++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// An error from fn leaves the store unchanged and comes back wrapped.
	err = s.UpdateInstance("/p", func(in *store.Instance) error {
		in.Status = "error"
		return errStop
	})
	if !errors.Is(err, errStop) {
		t.Errorf("UpdateInstance error = %v, want errStop", err)
	}
	if err := s.UpdateInstance("/none", func(*store.Instance) error { return errStop }); !errors.Is(err, errStop) {
		t.Errorf("UpdateInstance error = %v, want errStop", err)
	}
	// Changing the key is refused.
	if err := s.UpdateInstance("/p", func(in *store.Instance) error { in.Key = "/q"; return nil }); err == nil {
		t.Error("changing the key succeeded")
	}
	got, _, err := s.Instance("/p")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "ready" || got.Restarts != 1 {
		t.Errorf("after updates: %+v", got)
	}
	if _, ok, _ := s.Instance("/none"); ok {
		t.Error("a failed update created a record")
	}
	if _, ok, _ := s.Instance("/q"); ok {
		t.Error("a refused key change created a record")
	}
}

// TestUpdateInstanceConcurrent shows updates from many goroutines are not
// lost: each runs its read-modify-write in one transaction.
func TestUpdateInstanceConcurrent(t *testing.T) {
	s := newStore(t)
	const n = 32
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			err := s.UpdateInstance("/p", func(in *store.Instance) error { in.Calls++; return nil })
			if err != nil {
				t.Error(err)
			}
			if _, err := s.Instances(); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, _, err := s.Instance("/p")
	if err != nil {
		t.Fatal(err)
	}
	if got.Calls != n {
		t.Errorf("Calls = %d, want %d", got.Calls, n)
	}
}

func TestClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.db")
	s, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutInstance(sampleInstance("/p")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("first Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	calls := []struct {
		name string
		call func() error
	}{
		{"PutInstance", func() error { return s.PutInstance(sampleInstance("/q")) }},
		{"Instance", func() error { _, _, err := s.Instance("/p"); return err }},
		{"Instances", func() error { _, err := s.Instances(); return err }},
		{"UpdateInstance", func() error { return s.UpdateInstance("/p", func(*store.Instance) error { return nil }) }},
		{"DeleteInstance", func() error { return s.DeleteInstance("/p") }},
	}
	for _, c := range calls {
		if err := c.call(); !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", c.name, err)
		}
	}
	// The lock is released: the file opens again, with the record.
	s2 := openStore(t, path, nil)
	if _, ok, err := s2.Instance("/p"); !ok || err != nil {
		t.Errorf("reopened store: ok %v, err %v", ok, err)
	}
}

// TestCloseConcurrent races Close with calls: each call either works or
// returns ErrClosed, and the race detector sees no race.
func TestCloseConcurrent(t *testing.T) {
	s, err := store.Open(filepath.Join(t.TempDir(), "router.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 20 {
				err := s.PutInstance(store.Instance{Key: fmt.Sprintf("/p%d/%d", i, j)})
				if err != nil && !errors.Is(err, store.ErrClosed) {
					t.Error(err)
				}
				if _, err := s.Instances(); err != nil && !errors.Is(err, store.ErrClosed) {
					t.Error(err)
				}
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			if err := s.Close(); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func TestReadOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "router.db")

	_, err := store.Open(path, &store.Options{ReadOnly: true})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("read-only Open of a missing file = %v, want fs.ErrNotExist", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("read-only Open created the file: %v", err)
	}

	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(path, &store.Options{ReadOnly: true}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("read-only Open of an empty file = %v, want fs.ErrNotExist", err)
	}

	w, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.PutInstance(sampleInstance("/p")); err != nil {
		t.Fatal(err)
	}
	// bbolt's shared lock conflicts with the writer's exclusive one.
	if _, err := store.Open(path, &store.Options{ReadOnly: true, Timeout: 100 * time.Millisecond}); !errors.Is(err, store.ErrLocked) {
		t.Errorf("read-only Open while a writer holds the file = %v, want ErrLocked", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	r := openStore(t, path, &store.Options{ReadOnly: true})
	r2 := openStore(t, path, &store.Options{ReadOnly: true}) // readers share
	for _, s := range []*store.Store{r, r2} {
		if all, err := s.Instances(); err != nil || len(all) != 1 {
			t.Errorf("read-only Instances = %d records, %v", len(all), err)
		}
	}
	if err := r.PutInstance(sampleInstance("/q")); !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("PutInstance on a read-only store = %v, want ErrReadOnly", err)
	}
	if err := r.UpdateInstance("/p", func(*store.Instance) error { return nil }); !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("UpdateInstance on a read-only store = %v, want ErrReadOnly", err)
	}
	if err := r.DeleteInstance("/p"); !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("DeleteInstance on a read-only store = %v, want ErrReadOnly", err)
	}
	// A writer waits for readers too.
	if _, err := store.Open(path, &store.Options{Timeout: 100 * time.Millisecond}); !errors.Is(err, store.ErrLocked) {
		t.Errorf("Open while readers hold the file = %v, want ErrLocked", err)
	}
}

// TestLockedInProcess: a flock belongs to an open file, so a second Store on
// the same path in the same process is refused like another process.
func TestLockedInProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.db")
	openStore(t, path, nil)
	start := time.Now()
	_, err := store.Open(path, &store.Options{Timeout: 200 * time.Millisecond})
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("second Open = %v, want ErrLocked", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("second Open took %s", d)
	}
}

func TestDefaultPath(t *testing.T) {
	home := t.TempDir()
	tests := []struct {
		name, stateDir, xdg, want string
	}{
		{"state dir wins", "/srv/state", "/x", "/srv/state/router.db"},
		{"xdg state home", "", "/x/state", "/x/state/godot-mcp-router/router.db"},
		{"relative xdg is ignored", "", "rel/state", filepath.Join(home, ".local/state/godot-mcp-router/router.db")},
		{"home", "", "", filepath.Join(home, ".local/state/godot-mcp-router/router.db")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("HOME", home)
			t.Setenv("GODOT_MCP_ROUTER_STATE_DIR", tt.stateDir)
			t.Setenv("XDG_STATE_HOME", tt.xdg)
			got, err := store.DefaultPath()
			if err != nil || got != tt.want {
				t.Errorf("DefaultPath() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	t.Run("relative state dir is made absolute", func(t *testing.T) {
		t.Setenv("GODOT_MCP_ROUTER_STATE_DIR", "rel")
		got, err := store.DefaultPath()
		wd, _ := os.Getwd()
		if want := filepath.Join(wd, "rel", "router.db"); err != nil || got != want {
			t.Errorf("DefaultPath() = %q, %v; want %q", got, err, want)
		}
	})
}

func TestPermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "godot-mcp-router")
	path := filepath.Join(dir, "router.db")
	openStore(t, path, nil)
	for _, c := range []struct {
		path string
		want fs.FileMode
	}{{dir, 0o700 | fs.ModeDir}, {path, 0o600}} {
		info, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode() & (fs.ModePerm | fs.ModeDir); got != c.want {
			t.Errorf("%s mode = %v, want %v", c.path, got, c.want)
		}
	}
}

// setSchema writes meta/schema with bbolt directly, as another build would.
func setSchema(t *testing.T, path string, value string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("meta"))
		if err != nil {
			return err
		}
		return b.Put([]byte("schema"), []byte(value))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.db")
	s, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutInstance(sampleInstance("/p")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	setSchema(t, path, fmt.Sprint(store.SchemaVersion+1))
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, opts := range []*store.Options{nil, {ReadOnly: true}} {
		s, err := store.Open(path, opts)
		if !errors.Is(err, store.ErrNewerSchema) {
			if s != nil {
				s.Close()
			}
			t.Errorf("Open(%+v) = %v, want ErrNewerSchema", opts, err)
		}
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("Open changed a file written by a newer build")
	}
	if m, _ := filepath.Glob(path + ".corrupt-*"); len(m) != 0 {
		t.Errorf("a newer file was moved aside: %v", m)
	}
}

// TestForeignBoltFile: a valid bbolt file without our buckets is set up, and
// what else it holds is left alone.
func TestForeignBoltFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("other"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("v"))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Recovered() != "" {
		t.Errorf("Recovered() = %q for a valid file", s.Recovered())
	}
	if err := s.PutInstance(sampleInstance("/p")); err != nil {
		t.Fatal(err)
	}
	s.Close()

	db, err = bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte("other")).Get([]byte("k")); string(v) != "v" {
			t.Errorf("other/k = %q, want v", v)
		}
		if v := tx.Bucket([]byte("meta")).Get([]byte("schema")); string(v) != fmt.Sprint(store.SchemaVersion) {
			t.Errorf("meta/schema = %q", v)
		}
		return nil
	})
}

// TestUndecodableRecord: a record that is not JSON is skipped with a warning;
// the others still list.
func TestUndecodableRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.db")
	s, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"/a", "/c"} {
		if err := s.PutInstance(sampleInstance(k)); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("instances"))
		if err := b.Put([]byte("/b"), []byte("{not json")); err != nil {
			return err
		}
		// A record from a newer build: unknown fields are ignored.
		return b.Put([]byte("/d"), []byte(`{"key":"/d","status":"ready","future_field":[1,2]}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	var logs logBuffer
	s = openStore(t, path, &store.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	all, err := s.Instances()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, in := range all {
		keys = append(keys, in.Key)
	}
	if want := []string{"/a", "/c", "/d"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("Instances keys = %q, want %q", keys, want)
	}
	if _, ok, err := s.Instance("/b"); ok || err != nil {
		t.Errorf("Instance of an undecodable record = ok %v, err %v", ok, err)
	}
	if !bytes.Contains([]byte(logs.String()), []byte("does not decode")) {
		t.Errorf("no warning logged; logs:\n%s", logs.String())
	}
	// UpdateInstance replaces the bad record.
	if err := s.UpdateInstance("/b", func(in *store.Instance) error { in.Status = "stopped"; return nil }); err != nil {
		t.Fatal(err)
	}
	if got, ok, _ := s.Instance("/b"); !ok || got.Status != "stopped" {
		t.Errorf("after UpdateInstance: %+v, %v", got, ok)
	}
}
