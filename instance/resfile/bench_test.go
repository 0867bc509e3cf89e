package resfile

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkParseCorpus parses every .tscn and .tres file of the corpus
// once per iteration.
func BenchmarkParseCorpus(b *testing.B) {
	var srcs [][]byte
	var size int64
	for _, path := range corpusFiles(b, ".tscn", ".tres") {
		src, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		srcs = append(srcs, src)
		size += int64(len(src))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, src := range srcs {
			if _, err := Parse("x", src); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func benchFile(b *testing.B, rel string) {
	src, err := os.ReadFile(filepath.Join(corpusDir(b), rel))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(rel, src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseBiggest reads the biggest file of the corpus, a 1.3 MB
// Godot 3 MeshLibrary.
func BenchmarkParseBiggest(b *testing.B) { benchFile(b, "godot3-demos/3d/platformer/stage/tiles.tres") }

// BenchmarkParseParticles reads the 500 KB scene with a huge PackedByteArray.
func BenchmarkParseParticles(b *testing.B) { benchFile(b, "godot4-demos/2d/particles/particles.tscn") }

// BenchmarkParseManyNodes reads a scene of 1044 nodes, the slowest file
// per byte.
func BenchmarkParseManyNodes(b *testing.B) {
	benchFile(b, "godot4-demos/3d/occlusion_culling_mesh_lod/node_3d.tscn")
}
