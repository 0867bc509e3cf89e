package uid

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func benchBinary(b *testing.B, rel string) {
	src, err := os.ReadFile(filepath.Join(corpusDir(b), rel))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadBinary(bytes.NewReader(src)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadBinary reads an uncompressed header.
func BenchmarkReadBinary(b *testing.B) {
	benchBinary(b, "godot4-demos/3d/truck_town/vehicles/meshes/wheel.res")
}

// BenchmarkReadBinaryCompressed reads the header of an RSCC file.
func BenchmarkReadBinaryCompressed(b *testing.B) {
	benchBinary(b, "godot4-demos/3d/platformer/stage/grid_map.scn")
}

func BenchmarkDecode(b *testing.B) {
	for b.Loop() {
		Decode("uid://bqrwin8ccgptt")
	}
}
