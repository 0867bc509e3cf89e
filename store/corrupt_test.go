package store_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godot-mcp-router/godot-mcp-router/store"
)

// validDB writes a store with n records into a fresh folder and returns its
// bytes.
func validDB(t testing.TB, n int) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "router.db")
	s, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		in := sampleInstance(fmt.Sprintf("/home/user/games/project-%04d/%s", i, strings.Repeat("v", 40)))
		if err := s.PutInstance(in); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The raw layout of bbolt v1.5.0 (see verify.go), for damaging files on purpose.
const pageSize = 4096 // what validDB writes on the machines we test on

var le = binary.NativeEndian

type rawMeta struct{ root, freelist, pgid, txid uint64 }

func readMeta(data []byte, page int) rawMeta {
	m := data[page*pageSize+16:]
	return rawMeta{root: le.Uint64(m[16:]), freelist: le.Uint64(m[32:]), pgid: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}
}

// newestMeta is the meta page (0 or 1) with the higher txid.
func newestMeta(data []byte) int {
	if readMeta(data, 1).txid > readMeta(data, 0).txid {
		return 1
	}
	return 0
}

// findPage returns the first page below the high water mark with flags.
func findPage(t *testing.T, data []byte, flags uint16) int {
	t.Helper()
	hwm := int(readMeta(data, newestMeta(data)).pgid)
	for p := 2; p < hwm && (p+1)*pageSize <= len(data); p++ {
		if le.Uint16(data[p*pageSize+8:]) == flags && int(le.Uint64(data[p*pageSize:])) == p {
			return p
		}
	}
	t.Fatalf("no page with flags %#x", flags)
	return 0
}

func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// checkRecovered opens data as a store and checks that it was moved aside
// intact and that the new store works.
func checkRecovered(t *testing.T, data []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "router.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var logs logBuffer
	s := openStore(t, path, &store.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	aside := s.Recovered()
	if aside == "" {
		t.Fatal("Recovered() is empty for a damaged file")
	}
	if !strings.HasPrefix(aside, path+".corrupt-") {
		t.Errorf("Recovered() = %q, want %s.corrupt-<time>", aside, path)
	}
	kept, err := os.ReadFile(aside)
	if err != nil {
		t.Fatalf("reading the file moved aside: %v", err)
	}
	if !bytes.Equal(kept, data) {
		t.Error("the file moved aside differs from the damaged file")
	}
	if !strings.Contains(logs.String(), "moved it aside") {
		t.Errorf("no warning logged; logs:\n%s", logs.String())
	}
	if all, err := s.Instances(); err != nil || len(all) != 0 {
		t.Fatalf("new store: %d records, %v", len(all), err)
	}
	if err := s.PutInstance(sampleInstance("/new")); err != nil {
		t.Fatalf("new store: %v", err)
	}
	if _, ok, err := s.Instance("/new"); !ok || err != nil {
		t.Fatalf("new store: ok %v, err %v", ok, err)
	}
}

func TestCorruptFiles(t *testing.T) {
	valid := validDB(t, 300) // several leaf pages under a branch page
	end, err := func() (int64, error) {
		path := filepath.Join(t.TempDir(), "v.db")
		if err := os.WriteFile(path, valid, 0o600); err != nil {
			return 0, err
		}
		return store.DataEnd(path)
	}()
	if err != nil {
		t.Fatalf("the valid file fails the check: %v", err)
	}
	newest := newestMeta(valid)
	m := readMeta(valid, newest)

	type damage struct {
		name string
		data []byte
	}
	var cases []damage
	for _, seed := range []uint64{1, 2, 3, 4} {
		for _, n := range []int{1, 100, 4096, 3 * 4096, 64 << 10} {
			cases = append(cases, damage{fmt.Sprintf("random seed %d size %d", seed, n), randomBytes(seed, n)})
		}
	}
	for _, n := range []int64{1, 100, 4095, 4096, 8191, 8192, 8193, 3 * 4096, end - 4096, end - 1} {
		cases = append(cases, damage{fmt.Sprintf("truncated to %d of %d", n, len(valid)), valid[:n]})
	}
	edit := func(name string, fn func(b []byte)) {
		b := bytes.Clone(valid)
		fn(b)
		cases = append(cases, damage{name, b})
	}
	edit("both meta pages flipped", func(b []byte) {
		b[16+20] ^= 0xFF
		b[pageSize+16+20] ^= 0xFF
	})
	edit("meta magic zeroed", func(b []byte) {
		clear(b[16:20])
		clear(b[pageSize+16 : pageSize+20])
	})
	edit("branch page points at itself", func(b []byte) {
		p := findPage(t, b, 0x01)
		le.PutUint64(b[p*pageSize+16+8:], uint64(p))
	})
	edit("branch page points past the file", func(b []byte) {
		p := findPage(t, b, 0x01)
		le.PutUint64(b[p*pageSize+16+8:], m.pgid-1+1000)
	})
	edit("root page says it is another page", func(b []byte) {
		le.PutUint64(b[int(m.root)*pageSize:], m.root+1)
	})
	edit("root page has no known type", func(b []byte) {
		le.PutUint16(b[int(m.root)*pageSize+8:], 0x40)
	})
	edit("leaf key runs past its page", func(b []byte) {
		p := findPage(t, b, 0x02)
		le.PutUint32(b[p*pageSize+16+8:], 1<<20) // ksize of element 0
	})
	edit("leaf keys out of order", func(b []byte) {
		p := findPage(t, b, 0x02)
		e1 := p*pageSize + 16 + 16
		le.PutUint32(b[e1+8:], 0) // element 1 gets an empty key
	})
	edit("overflow runs past the file", func(b []byte) {
		le.PutUint32(b[int(m.root)*pageSize+12:], 1<<30)
	})
	edit("freelist lists the root page", func(b []byte) {
		f := int(m.freelist) * pageSize
		le.PutUint16(b[f+10:], 1)
		le.PutUint64(b[f+16:], m.root)
	})
	edit("freelist claims more ids than fit", func(b []byte) {
		f := int(m.freelist) * pageSize
		le.PutUint16(b[f+10:], 0xFFFF)
		le.PutUint64(b[f+16:], 1<<40)
	})

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Each case edits its own copy; make sure the edit did something.
			if bytes.Equal(c.data, valid) {
				t.Fatal("the damage left the file unchanged")
			}
			checkRecovered(t, c.data)
		})
	}
}

// TestNotDamage covers files that look damaged but are not ours to discard.
func TestNotDamage(t *testing.T) {
	t.Run("zero-length file is a new database", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "router.db")
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		s := openStore(t, path, nil)
		if s.Recovered() != "" {
			t.Errorf("Recovered() = %q", s.Recovered())
		}
		if err := s.PutInstance(sampleInstance("/p")); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("cut at the high water mark (bbolt grew the file further)", func(t *testing.T) {
		valid := validDB(t, 300)
		path := filepath.Join(t.TempDir(), "router.db")
		if err := os.WriteFile(path, valid, 0o600); err != nil {
			t.Fatal(err)
		}
		end, err := store.DataEnd(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(path, end); err != nil {
			t.Fatal(err)
		}
		s := openStore(t, path, nil)
		if s.Recovered() != "" {
			t.Errorf("Recovered() = %q", s.Recovered())
		}
		if all, err := s.Instances(); err != nil || len(all) != 300 {
			t.Errorf("Instances = %d, %v; want 300", len(all), err)
		}
	})

	t.Run("newest meta page damaged falls back to the previous write", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "router.db")
		s, err := store.Open(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"/first", "/second"} {
			if err := s.PutInstance(sampleInstance(k)); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		data[newestMeta(data)*pageSize+16+20] ^= 0xFF
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}

		var logs logBuffer
		s = openStore(t, path, &store.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if s.Recovered() != "" {
			t.Errorf("Recovered() = %q", s.Recovered())
		}
		if _, ok, _ := s.Instance("/first"); !ok {
			t.Error("the write before the damaged one is lost")
		}
		if _, ok, _ := s.Instance("/second"); ok {
			t.Error("the write of the damaged meta page is still there")
		}
		if !strings.Contains(logs.String(), "meta page is damaged") {
			t.Errorf("no warning logged; logs:\n%s", logs.String())
		}
		if err := s.PutInstance(sampleInstance("/third")); err != nil {
			t.Fatal(err)
		}
	})
}

// TestBadSchemaValue: the structure is sound but meta/schema is not a
// number, which only bbolt (not the raw check) sees: the file is still moved
// aside.
func TestBadSchemaValue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.db")
	s, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	setSchema(t, path, "one")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checkRecovered(t, data)

	// Read-only never moves a file: it reports the damage.
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(path, &store.Options{ReadOnly: true}); !isCorrupt(err) {
		t.Errorf("read-only Open = %v, want ErrCorrupt", err)
	}
}

func isCorrupt(err error) bool { return errors.Is(err, store.ErrCorrupt) }

func TestReadOnlyCorrupt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.db")
	data := randomBytes(7, 3*4096)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(path, &store.Options{ReadOnly: true}); !isCorrupt(err) {
		t.Errorf("read-only Open = %v, want ErrCorrupt", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
		t.Error("read-only Open changed the file")
	}
}

func TestKeepsFewDamagedCopies(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "router.db")
	for i := range 6 {
		if err := os.WriteFile(path, randomBytes(uint64(i), 4096), 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := store.Open(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if s.Recovered() == "" {
			t.Fatal("not recovered")
		}
		s.Close()
	}
	m, err := filepath.Glob(path + ".corrupt-*")
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 3 {
		t.Errorf("%d damaged copies kept, want 3: %v", len(m), m)
	}
	// The newest is kept.
	newest, _ := os.ReadFile(m[len(m)-1])
	if !bytes.Equal(newest, randomBytes(5, 4096)) {
		t.Errorf("the newest damaged copy %s is not the last damaged file", m[len(m)-1])
	}
}

// TestDamageWhileOpen: a file cut short behind the router's back makes bbolt
// touch memory past the end of its mapping (SIGBUS). Calls return ErrCorrupt
// instead of killing the process.
func TestDamageWhileOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.db")
	s := openStore(t, path, nil)
	for i := range 300 {
		if err := s.PutInstance(sampleInstance(fmt.Sprintf("/p/%04d/%s", i, strings.Repeat("x", 60)))); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Truncate(path, 2*pageSize); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Instances(); !isCorrupt(err) {
		t.Errorf("Instances on a file cut short = %v, want ErrCorrupt", err)
	}
	if _, _, err := s.Instance("/p/0299/" + strings.Repeat("x", 60)); !isCorrupt(err) {
		t.Errorf("Instance on a file cut short = %v, want ErrCorrupt", err)
	}
	// Closing and opening again moves the damaged file aside.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openStore(t, path, nil)
	if s2.Recovered() == "" {
		t.Error("reopening a file cut short did not recover")
	}
}
