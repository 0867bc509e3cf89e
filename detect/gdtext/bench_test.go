package gdtext

import (
	"os"
	"path/filepath"
	"testing"
)

func benchFile(b *testing.B, rel string) []byte {
	src, err := os.ReadFile(filepath.Join(corpusDir(b), rel))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	return src
}

// BenchmarkParseConfig reads the largest project.godot of the corpus
// (16 KB, with a big [input] section).
func BenchmarkParseConfig(b *testing.B) {
	src := benchFile(b, "godot4-demos/3d/truck_town/project.godot")
	for b.Loop() {
		if _, err := ParseConfig("project.godot", src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseScene reads a large scene with the same reader.
func BenchmarkParseScene(b *testing.B) {
	src := benchFile(b, "godot4-demos/2d/particles/particles.tscn")
	for b.Loop() {
		if _, err := ParseConfig("particles.tscn", src); err != nil {
			b.Fatal(err)
		}
	}
}
