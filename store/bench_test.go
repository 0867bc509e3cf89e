package store_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

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

// BenchmarkOpen measures Open and Close of a 100-record file, including the
// structure check.
func BenchmarkOpen(b *testing.B) {
	data := validDB(b, 100)
	path := filepath.Join(b.TempDir(), "router.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
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
}
