package store_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"runtime/pprof"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/godot-mcp-router/godot-mcp-router/store"
)

// resign recomputes the checksums of both meta pages, so the fuzzer's changes
// to meta fields (root, freelist, high water mark, page size) get past the
// checksum and reach the structure check and bbolt.
func resign(b []byte) {
	for _, off := range []int{16, pageSize + 16} {
		if len(b) < off+64 {
			return
		}
		h := fnv.New64a()
		h.Write(b[off : off+56])
		le.PutUint64(b[off+56:], h.Sum64())
	}
}

// compactDB rewrites a store file with bbolt's Compact, which packs the
// pages and drops the free ones, and cuts it to the pages in use.
func compactDB(t testing.TB, data []byte) []byte {
	t.Helper()
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src.db"), filepath.Join(dir, "dst.db")
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}
	from, err := bolt.Open(src, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer from.Close()
	to, err := bolt.Open(dst, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := bolt.Compact(to, from, 0); err != nil {
		t.Fatal(err)
	}
	if err := to.Close(); err != nil {
		t.Fatal(err)
	}
	n, err := store.DataEnd(dst)
	if err != nil {
		t.Fatalf("the compacted file fails the check: %v", err)
	}
	out, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	return out[:n]
}

// snapshotDB writes a store with three snapshots of 3000 bytes, which bbolt
// puts in one leaf page with overflow pages, and returns its bytes.
func snapshotDB(t testing.TB) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "router.db")
	s, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := s.PutSnapshot(store.SnapshotInfo{Root: fmt.Sprintf("/s%d", i)}, randomBytes(uint64(i), 3000)); err != nil {
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

// catalogDB writes a store with three projects and two watched folders and
// returns its bytes.
func catalogDB(t testing.TB) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "router.db")
	s, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ps := []store.CatalogProject{sampleProject("/c0"), sampleProject("/c1"), sampleProject("/c2")}
	fs := []store.WatchedFolder{{Path: "/f0", Kind: "env", Depth: 2}, {Path: "/f1", Kind: "parent", Depth: 1}}
	if err := errors.Join(s.PutProjects(ps), s.PutFolders(fs), s.Close()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// metricsDB writes a store with the totals and roll-ups of three projects
// and their tools over two hours and returns its bytes.
func metricsDB(t testing.TB) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "router.db")
	s, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for h := range 2 {
		var ds []store.MetricsDelta
		for i := range 3 {
			root := fmt.Sprintf("/m%d", i)
			ds = append(ds, store.MetricsDelta{Root: root, Spawns: 1, IdleStops: int64(h)},
				toolDelta(root, "t", 3, 1, time.Duration(i+1)*time.Millisecond))
		}
		if err := s.AddMetrics(metricsEpoch.Add(time.Duration(h)*time.Hour), ds); err != nil {
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

// FuzzOpen writes arbitrary bytes as the store file: Open must succeed (a
// damaged file is moved aside), and the store must then work, without a
// panic, a fault or a hang. Each try opens a real file, so run it with TMPDIR
// on a tmpfs (fsync on a disk makes it 20 times slower) and a short
// minimization (the fuzzer minimizes a new input byte by byte, which for a
// 16 KiB file takes it the default 60 s):
//
//	TMPDIR=/dev/shm go test -run='^$' -fuzz=FuzzOpen -fuzztime=45s -fuzzminimizetime=2s ./store/
func FuzzOpen(f *testing.F) {
	// Small seeds keep the fuzzer quick: it minimizes each new input byte
	// by byte, at one Open per try.
	valid := compactDB(f, validDB(f, 12)) // leaf pages under a branch page
	empty := compactDB(f, validDB(f, 0))
	snaps := compactDB(f, snapshotDB(f)) // keys inside another value's overflow pages
	cat := compactDB(f, catalogDB(f))
	mets := compactDB(f, metricsDB(f))
	f.Add(empty, false)
	f.Add(valid, false)
	f.Add(valid, true)
	f.Add(snaps, false)
	f.Add(snaps, true)
	f.Add(cat, false)
	f.Add(cat, true)
	f.Add(mets, false)
	f.Add(mets, true)
	for _, n := range []int{0, 1, 4096, 8192, 3 * 4096, len(valid) / 2, len(valid) - 1} {
		f.Add(valid[:n], false)
	}
	f.Add(randomBytes(1, 4096), false)

	f.Fuzz(func(t *testing.T, data []byte, sign bool) {
		// The fuzzer has no per-input time limit: a hang would just stall it.
		watchdog := time.AfterFunc(20*time.Second, func() {
			_ = pprof.Lookup("goroutine").WriteTo(os.Stderr, 2)
			panic("store hung on this input")
		})
		defer watchdog.Stop()
		data = append([]byte(nil), data...)
		if sign {
			resign(data)
		}
		path := filepath.Join(t.TempDir(), "router.db")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := store.Open(path, &store.Options{Timeout: 100 * time.Millisecond})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer s.Close()
		if _, err := s.Instances(); err != nil {
			t.Fatalf("Instances (recovered %q): %v", s.Recovered(), err)
		}
		if err := s.PutInstance(sampleInstance("/fuzz")); err != nil {
			t.Fatalf("PutInstance (recovered %q): %v", s.Recovered(), err)
		}
		if err := s.UpdateInstance("/home/user/games/project-0001/x", func(in *store.Instance) error { in.Calls++; return nil }); err != nil {
			t.Fatalf("UpdateInstance (recovered %q): %v", s.Recovered(), err)
		}
		if err := s.DeleteInstance("/fuzz"); err != nil {
			t.Fatalf("DeleteInstance (recovered %q): %v", s.Recovered(), err)
		}
		if _, err := s.Snapshots(); err != nil {
			t.Fatalf("Snapshots (recovered %q): %v", s.Recovered(), err)
		}
		if _, _, _, err := s.Snapshot("/s1"); err != nil {
			t.Fatalf("Snapshot (recovered %q): %v", s.Recovered(), err)
		}
		if _, err := s.PutSnapshot(store.SnapshotInfo{Root: "/s0"}, []byte("fuzz")); err != nil {
			t.Fatalf("PutSnapshot (recovered %q): %v", s.Recovered(), err)
		}
		if _, err := s.PruneSnapshots(func(root string) bool { return root != "/s2" }); err != nil {
			t.Fatalf("PruneSnapshots (recovered %q): %v", s.Recovered(), err)
		}
		if _, err := s.Projects(); err != nil {
			t.Fatalf("Projects (recovered %q): %v", s.Recovered(), err)
		}
		if err := s.PutProjects([]store.CatalogProject{sampleProject("/fuzz"), sampleProject("/c1")}); err != nil {
			t.Fatalf("PutProjects (recovered %q): %v", s.Recovered(), err)
		}
		if err := s.DeleteProjects([]string{"/c0", "/fuzz"}); err != nil {
			t.Fatalf("DeleteProjects (recovered %q): %v", s.Recovered(), err)
		}
		if _, err := s.Folders(); err != nil {
			t.Fatalf("Folders (recovered %q): %v", s.Recovered(), err)
		}
		if err := s.PutFolders([]store.WatchedFolder{{Path: "/fuzz", Kind: "env"}}); err != nil {
			t.Fatalf("PutFolders (recovered %q): %v", s.Recovered(), err)
		}
		if err := s.DeleteFolders([]string{"/f0", "/fuzz"}); err != nil {
			t.Fatalf("DeleteFolders (recovered %q): %v", s.Recovered(), err)
		}
		if _, err := s.Metrics(); err != nil {
			t.Fatalf("Metrics (recovered %q): %v", s.Recovered(), err)
		}
		if _, err := s.MetricsHourly(metricsEpoch); err != nil {
			t.Fatalf("MetricsHourly (recovered %q): %v", s.Recovered(), err)
		}
		// Into the seed's records, whatever the fuzzer made of them.
		deltas := []store.MetricsDelta{toolDelta("/m1", "t", 2, 1, time.Second), {Root: "/m2", Crashes: 1}, {Root: "/fuzz", Calls: 1}}
		if err := s.AddMetrics(metricsEpoch.Add(time.Hour+time.Minute), deltas); err != nil {
			t.Fatalf("AddMetrics (recovered %q): %v", s.Recovered(), err)
		}
		if err := s.DeleteMetrics([]string{"/m0", "/fuzz"}); err != nil {
			t.Fatalf("DeleteMetrics (recovered %q): %v", s.Recovered(), err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	})
}

// FuzzHistogram decodes arbitrary JSON as a metrics record, as the store's
// readers do, and arbitrary bytes as raw counts, and checks what must hold
// for any histogram: no panic, Count the saturated sum, quantiles within
// [0, the last bound] and never decreasing in q, Observe and Merge adding
// as they say, and a JSON round trip.
//
//	go test -run='^$' -fuzz=FuzzHistogram -fuzztime=30s ./store/
func FuzzHistogram(f *testing.F) {
	seed := toolDelta("/p", "t", 3, 1, 2*time.Millisecond)
	seed.Latency.Observe(2 * time.Minute)
	rec, err := json.Marshal(store.MetricsRecord{Root: "/p", Tool: "t", Calls: 4, Latency: seed.Latency, Hour: metricsEpoch})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(rec, []byte(nil), 0.5, int64(time.Millisecond))
	f.Add([]byte(`{}`), []byte{1, 2, 3}, 0.99, int64(-1))
	f.Add([]byte(`{"latency":{"counts":[18446744073709551615,18446744073709551615,1],"sum_us":18446744073709551615}}`),
		bytes.Repeat([]byte{0xff}, 8*store.NumBuckets), 1.0, int64(math.MaxInt64))
	f.Add([]byte(`{"latency":{"counts":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,5,7]}}`), []byte{0, 0, 0, 0, 0, 0, 0, 1}, math.NaN(), int64(time.Hour))
	f.Add([]byte(`{"latency":{"counts":[-1]}}`), []byte{}, -1.0, int64(0))
	f.Add([]byte(`{"latency":{"counts":{}}}`), []byte{}, math.Inf(1), int64(50*time.Microsecond))

	f.Fuzz(func(t *testing.T, record, raw []byte, q float64, d int64) {
		var hs []store.Histogram
		var r store.MetricsRecord
		if json.Unmarshal(record, &r) == nil {
			hs = append(hs, r.Latency)
		}
		var fromRaw store.Histogram
		for i := 0; i+8 <= len(raw) && i/8 < store.NumBuckets; i += 8 {
			fromRaw.Counts[i/8] = le.Uint64(raw[i:])
		}
		hs = append(hs, fromRaw)
		bounds := store.LatencyBounds()
		for _, h := range hs {
			checkQuantiles(t, h)
			if got := h.Quantile(q); got < 0 || got > bounds[len(bounds)-1] {
				t.Fatalf("Quantile(%v) = %v", q, got)
			}
			if h.Mean() < 0 {
				t.Fatalf("Mean = %v", h.Mean())
			}
			sum, over := uint64(0), false
			for _, c := range h.Counts {
				if sum+c < sum {
					over = true
				}
				sum += c
			}
			if want := sum; (over && h.Count() != math.MaxUint64) || (!over && h.Count() != want) {
				t.Fatalf("Count = %d, want %d (overflow %v)", h.Count(), want, over)
			}

			observed := h
			observed.Observe(time.Duration(d))
			if h.Count() < math.MaxUint64 && observed.Count() != h.Count()+1 {
				t.Fatalf("Observe: Count %d, then %d", h.Count(), observed.Count())
			}
			if observed.SumMicros < h.SumMicros {
				t.Fatalf("Observe lowered the sum: %d, then %d", h.SumMicros, observed.SumMicros)
			}

			merged := h
			merged.Merge(fromRaw)
			for i := range merged.Counts {
				if merged.Counts[i] < h.Counts[i] || merged.Counts[i] < fromRaw.Counts[i] {
					t.Fatalf("Merge lowered bucket %d: %d and %d made %d", i, h.Counts[i], fromRaw.Counts[i], merged.Counts[i])
				}
			}
			checkQuantiles(t, merged)

			b, err := json.Marshal(h)
			if err != nil {
				t.Fatal(err)
			}
			var back store.Histogram
			if err := json.Unmarshal(b, &back); err != nil || back != h {
				t.Fatalf("JSON round trip: %s gave %+v, %v", b, back, err)
			}
		}
	})
}
