package store_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/store"
)

// The write benchmarks include bbolt's fsync, so they measure the disk under
// TMPDIR as much as the code: compare runs on the same machine and folder.

func BenchmarkPutInstance(b *testing.B) {
	s := newStore(b)
	in := sampleInstance("/home/user/games/noxii/0.16")
	b.ReportAllocs()
	for b.Loop() {
		if err := s.PutInstance(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUpdateInstance(b *testing.B) {
	s := newStore(b)
	key := "/home/user/games/noxii/0.16"
	if err := s.PutInstance(sampleInstance(key)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.UpdateInstance(key, func(in *store.Instance) error { in.Calls++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInstances(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			s := newStore(b)
			for i := range n {
				if err := s.PutInstance(sampleInstance(fmt.Sprintf("/home/user/games/p%03d", i))); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				all, err := s.Instances()
				if err != nil || len(all) != n {
					b.Fatalf("Instances = %d, %v", len(all), err)
				}
			}
		})
	}
}

// BenchmarkOpen measures Open and Close, including the structure check, of
// an empty store, of 100 records, and of 200 MB of snapshots: the check
// reads no snapshot data, so the last should cost about what the first does.
func BenchmarkOpen(b *testing.B) {
	cases := []struct {
		name string
		fill func(b *testing.B, s *store.Store)
	}{
		{"empty", func(*testing.B, *store.Store) {}},
		{"records=100", func(b *testing.B, s *store.Store) {
			for i := range 100 {
				in := sampleInstance(fmt.Sprintf("/home/user/games/project-%04d/%s", i, strings.Repeat("v", 40)))
				if err := s.PutInstance(in); err != nil {
					b.Fatal(err)
				}
			}
		}},
		{"snapshots=200x1MB", func(b *testing.B, s *store.Store) {
			data := randomBytes(1, 1<<20)
			for i := range 200 {
				data[0] = byte(i)
				if _, err := s.PutSnapshot(store.SnapshotInfo{Root: fmt.Sprintf("/home/user/games/project-%04d", i)}, data); err != nil {
					b.Fatal(err)
				}
			}
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "router.db")
			s, err := store.Open(path, nil)
			if err != nil {
				b.Fatal(err)
			}
			c.fill(b, s)
			if err := s.Close(); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				s, err := store.Open(path, nil)
				if err != nil {
					b.Fatal(err)
				}
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
			}
			if info, err := os.Stat(path); err == nil {
				b.ReportMetric(float64(info.Size())/(1<<20), "file-MB")
			}
		})
	}
}

func BenchmarkPutSnapshot(b *testing.B) {
	s := newStore(b)
	data := randomBytes(1, 1<<20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		// Eight roots: each Put replaces one, and the file stops growing.
		if _, err := s.PutSnapshot(store.SnapshotInfo{Root: fmt.Sprintf("/home/user/games/p%d", i%8)}, data); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkSnapshotGet(b *testing.B) {
	s := newStore(b)
	data := randomBytes(1, 1<<20)
	root := "/home/user/games/noxii"
	if _, err := s.PutSnapshot(store.SnapshotInfo{Root: root}, data); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, got, ok, err := s.Snapshot(root); err != nil || !ok || len(got) != len(data) {
			b.Fatalf("Snapshot = %d bytes, ok %v, err %v", len(got), ok, err)
		}
	}
}

// BenchmarkSnapshots lists the metadata of 100 snapshots of 1 MB: it should
// not depend on the size of the data.
func BenchmarkSnapshots(b *testing.B) {
	s := newStore(b)
	data := randomBytes(1, 1<<20)
	for i := range 100 {
		if _, err := s.PutSnapshot(store.SnapshotInfo{Root: fmt.Sprintf("/home/user/games/p%03d", i)}, data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if all, err := s.Snapshots(); err != nil || len(all) != 100 {
			b.Fatalf("Snapshots = %d, %v", len(all), err)
		}
	}
}

// BenchmarkPutProjects stores 100 projects per call, as a watcher's rescan
// of a folder would, over 1,000 stored records: each call replaces 100 of
// them, keeping their FoundAt.
func BenchmarkPutProjects(b *testing.B) {
	s := newStore(b)
	ps := make([]store.CatalogProject, 1000)
	for i := range ps {
		ps[i] = sampleProject(fmt.Sprintf("/home/user/games/project-%04d", i))
	}
	if err := s.PutProjects(ps); err != nil {
		b.Fatal(err)
	}
	for i := range ps {
		ps[i].FoundAt = time.Time{}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		batch := ps[i%10*100 : i%10*100+100]
		if err := s.PutProjects(batch); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkProjects lists 1,000 records.
func BenchmarkProjects(b *testing.B) {
	s := newStore(b)
	ps := make([]store.CatalogProject, 1000)
	for i := range ps {
		ps[i] = sampleProject(fmt.Sprintf("/home/user/games/project-%04d", i))
	}
	if err := s.PutProjects(ps); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if all, err := s.Projects(); err != nil || len(all) != len(ps) {
			b.Fatalf("Projects = %d, %v", len(all), err)
		}
	}
}

// flushDeltas is one flush of a busy router: 10 projects, each with its own
// events and 4 tools called a few times, 50 deltas in all.
func flushDeltas() []store.MetricsDelta {
	var ds []store.MetricsDelta
	for p := range 10 {
		root := fmt.Sprintf("/home/user/games/project-%04d", p)
		ds = append(ds, store.MetricsDelta{Root: root, MissedHeartbeats: 1})
		for _, tool := range []string{"get_scene", "find_nodes", "get_script", "run_scene"} {
			ds = append(ds, toolDelta(root, tool, 5, 1, time.Duration(p+1)*3*time.Millisecond))
		}
	}
	return ds
}

// fullMetricsStore is a store with MaxHourlyRecords roll-ups (120 records
// an hour for a week) dated 200 to 367 hours after metricsEpoch, so flushes
// between metricsEpoch and 100 hours after it find the bucket full and
// prune none of it by age.
func fullMetricsStore(b *testing.B) *store.Store {
	b.Helper()
	s := newStore(b)
	for h := range store.MaxHourlyRecords/120 + 1 {
		var fill []store.MetricsDelta
		for i := range 120 {
			fill = append(fill, toolDelta(fmt.Sprintf("/home/user/games/old-%03d", i/4), fmt.Sprint("tool-", i%4), 2, 0, time.Millisecond))
		}
		if err := s.AddMetrics(metricsEpoch.Add(time.Duration(200+h)*time.Hour), fill); err != nil {
			b.Fatal(err)
		}
	}
	if all, err := s.MetricsHourly(time.Time{}); err != nil || len(all) != store.MaxHourlyRecords {
		b.Fatalf("MetricsHourly = %d, %v", len(all), err)
	}
	return s
}

// BenchmarkAddMetrics flushes 50 deltas, as a router does every few
// seconds, into a store whose roll-ups are at MaxHourlyRecords. steady:
// flushes 5s apart in one hour, adding into records that exist, as all
// but the first flush of an hour do. new-hour: each flush starts an hour,
// the most a flush costs: 50 new roll-ups, a walk of the bucket to count
// it, and the 50 oldest dropped.
func BenchmarkAddMetrics(b *testing.B) {
	ds := flushDeltas()
	b.Run("steady", func(b *testing.B) {
		s := fullMetricsStore(b)
		if err := s.AddMetrics(metricsEpoch, ds); err != nil {
			b.Fatal(err)
		}
		i := 0
		b.ReportAllocs()
		for b.Loop() {
			// Within the hour: 720 flushes, then again from its start.
			if err := s.AddMetrics(metricsEpoch.Add(time.Duration(i%720)*5*time.Second), ds); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("new-hour", func(b *testing.B) {
		s := fullMetricsStore(b)
		i := 0
		b.ReportAllocs()
		for b.Loop() {
			// An hour's roll-ups are dropped, as the oldest, long before
			// the hour comes round again.
			if err := s.AddMetrics(metricsEpoch.Add(time.Duration(i%100)*time.Hour), ds); err != nil {
				b.Fatal(err)
			}
			i++
		}
		if all, err := s.MetricsHourly(time.Time{}); err != nil || len(all) != store.MaxHourlyRecords {
			b.Fatalf("MetricsHourly = %d, %v", len(all), err)
		}
		if info, err := os.Stat(s.Path()); err == nil {
			b.ReportMetric(float64(info.Size())/(1<<20), "file-MB")
		}
	})
}

// BenchmarkMetrics lists 1,000 totals, as a status command would.
func BenchmarkMetrics(b *testing.B) {
	s := newStore(b)
	var ds []store.MetricsDelta
	for p := range 200 {
		root := fmt.Sprintf("/home/user/games/project-%04d", p)
		ds = append(ds, store.MetricsDelta{Root: root, Spawns: 1})
		for _, tool := range []string{"get_scene", "find_nodes", "get_script", "run_scene"} {
			ds = append(ds, toolDelta(root, tool, 5, 1, time.Duration(p+1)*time.Millisecond))
		}
	}
	if err := s.AddMetrics(metricsEpoch, ds); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if all, err := s.Metrics(); err != nil || len(all) != 1000 {
			b.Fatalf("Metrics = %d, %v", len(all), err)
		}
	}
}

// BenchmarkMetricsHourly lists a day of roll-ups out of a full week at the
// cap.
func BenchmarkMetricsHourly(b *testing.B) {
	s := newStore(b)
	at := metricsEpoch
	const perHour = store.MaxHourlyRecords / 168
	for range 168 {
		var fill []store.MetricsDelta
		for i := range perHour {
			fill = append(fill, toolDelta(fmt.Sprintf("/home/user/games/project-%04d", i/4), fmt.Sprint("tool-", i%4), 3, 0, time.Millisecond))
		}
		if err := s.AddMetrics(at, fill); err != nil {
			b.Fatal(err)
		}
		at = at.Add(time.Hour)
	}
	since := at.Add(-24 * time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		if all, err := s.MetricsHourly(since); err != nil || len(all) != 24*perHour {
			b.Fatalf("MetricsHourly = %d, %v", len(all), err)
		}
	}
	if info, err := os.Stat(s.Path()); err == nil {
		b.ReportMetric(float64(info.Size())/(1<<20), "file-MB")
	}
}

// BenchmarkHistogramObserve is the router's cost per call counted.
func BenchmarkHistogramObserve(b *testing.B) {
	var h store.Histogram
	d := time.Duration(0)
	for b.Loop() {
		h.Observe(d)
		d = (d + 7919*time.Microsecond) % (2 * time.Minute)
	}
}

func BenchmarkHistogramQuantile(b *testing.B) {
	var h store.Histogram
	for i := range 10000 {
		h.Observe(time.Duration(i) * 997 * time.Microsecond)
	}
	for b.Loop() {
		_ = h.Quantile(0.99)
	}
}
