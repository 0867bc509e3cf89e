package index

import "testing"

// snapshotBench is a generated project of 2,000 files, its index and the
// index's snapshot.
func snapshotBench(b *testing.B) (root string, ix *Index, data []byte) {
	b.Helper()
	root = GenerateProject(b, b.TempDir(), 2000)
	ix, err := Build(root)
	if err != nil {
		b.Fatal(err)
	}
	data, err = ix.Snapshot(testBuild)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { b.ReportMetric(float64(len(data)), "snapshot-bytes") })
	return root, ix, data
}

// BenchmarkBuild2000 is the cold start a snapshot saves: the index of a
// 2,000-file project built from the disk.
func BenchmarkBuild2000(b *testing.B) {
	root, _, _ := snapshotBench(b)
	for b.Loop() {
		if _, err := Build(root); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSnapshotEncode2000(b *testing.B) {
	_, ix, _ := snapshotBench(b)
	for b.Loop() {
		if _, err := ix.Snapshot(testBuild); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRestore2000 decodes the snapshot alone.
func BenchmarkRestore2000(b *testing.B) {
	root, _, data := snapshotBench(b)
	for b.Loop() {
		if _, err := Restore(root, testBuild, data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRestoreAndCheck2000 is a warm start: the snapshot decoded, then
// every file checked against the disk, nothing having changed.
func BenchmarkRestoreAndCheck2000(b *testing.B) {
	root, _, data := snapshotBench(b)
	for b.Loop() {
		ix, err := Restore(root, testBuild, data)
		if err != nil {
			b.Fatal(err)
		}
		up, err := Update(root, ix)
		if err != nil || up != ix {
			b.Fatalf("Update built a new index (%v)", err)
		}
	}
}
