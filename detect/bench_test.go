package detect

import (
	"path/filepath"
	"testing"
)

// BenchmarkLoad reads one real project: the largest project.godot of the
// corpus.
func BenchmarkLoad(b *testing.B) {
	root := filepath.Join(corpusDir(b), "godot4-demos", "3d", "truck_town")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(root); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResolveDeep resolves from a folder three levels inside a
// project, the common case of a session started in a subfolder.
func BenchmarkResolveDeep(b *testing.B) {
	dir := filepath.Join(corpusDir(b), "godot4-demos", "3d", "truck_town", "town", "model", "textures")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Resolve(Request{WorkDir: dir}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScan scans the godot4-demos tree (139 projects).
func BenchmarkScan(b *testing.B) {
	dir := filepath.Join(corpusDir(b), "godot4-demos")
	b.ReportAllocs()
	for b.Loop() {
		ps, err := Scan(dir, ScanOptions{})
		if err != nil || len(ps) != 139 {
			b.Fatalf("%d projects, %v", len(ps), err)
		}
	}
}
