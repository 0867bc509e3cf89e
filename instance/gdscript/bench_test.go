package gdscript

import (
	"bytes"
	"os"
	"testing"
)

// large_godot4.gd is the player controller fixture with its functions
// repeated to about 1000 lines.
func benchSource(b *testing.B) []byte {
	src, err := os.ReadFile("testdata/bench/large_godot4.gd")
	if err != nil {
		b.Fatal(err)
	}
	return src
}

func BenchmarkTokenize(b *testing.B) {
	src := benchSource(b)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		Tokenize(src)
	}
}

func BenchmarkParse(b *testing.B) {
	src := benchSource(b)
	lines := bytes.Count(src, []byte("\n")) + 1
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if s := Parse(src); len(s.Errors) != 0 {
			b.Fatalf("errors: %v", s.Errors)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(lines)*1000, "ns/1000lines")
}
