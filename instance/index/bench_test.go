package index

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/godot-mcp-router/godot-mcp-router/detect"
	"github.com/godot-mcp-router/godot-mcp-router/instance/index/indextest"
)

// BenchmarkBuildGodot4Demos indexes every project of the godot4-demos
// corpus tree (139 projects) per iteration.
func BenchmarkBuildGodot4Demos(b *testing.B) {
	projects, err := detect.Scan(filepath.Join(corpusDir(b), "godot4-demos"), detect.ScanOptions{MaxDepth: 6, MaxDirs: 100000})
	if err != nil || len(projects) != 139 {
		b.Fatalf("corpus scan: %d projects, %v", len(projects), err)
	}
	files := 0
	for b.Loop() {
		files = 0
		for _, p := range projects {
			ix, err := Build(p.Root)
			if err != nil {
				b.Fatal(err)
			}
			files += len(ix.Files)
		}
	}
	b.ReportMetric(float64(files), "files/op")
}

// BenchmarkBuildGenerated1000 indexes a generated Godot 4 project of 1,000
// files in real syntax: scripts with class_name, preloads, signals and
// functions; scenes that attach them and instance each other; resources;
// .uid sidecars; textures. Target: under 300 ms on 2 cores.
func BenchmarkBuildGenerated1000(b *testing.B) {
	root := GenerateProject(b, b.TempDir(), 1000)
	var ix *Index
	for b.Loop() {
		var err error
		ix, err = Build(root)
		if err != nil {
			b.Fatal(err)
		}
	}
	if len(ix.Problems) != 0 {
		b.Fatalf("generated project has problems: %+v", ix.Problems[:min(5, len(ix.Problems))])
	}
	b.ReportMetric(float64(len(ix.Files)), "files")
	b.ReportMetric(float64(len(ix.Edges)), "edges")
}

// BenchmarkSubgraph is a warm get_dependency_graph around one scene.
func BenchmarkSubgraph(b *testing.B) {
	root := GenerateProject(b, b.TempDir(), 1000)
	ix, err := Build(root)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		g := ix.Subgraph(GraphOptions{Around: "res://scenes/scene_0010.tscn", Depth: 3, MaxEdges: 300})
		if len(g.Edges) == 0 {
			b.Fatal("empty graph")
		}
	}
}

// GenerateProject is indextest.GenerateProject, the generated project of
// this package's benchmarks and tests.
func GenerateProject(tb testing.TB, dir string, n int) string {
	return indextest.GenerateProject(tb, dir, n)
}

// BenchmarkUpdateOneChange: the index of a 1,000-file project after one
// script changed (what a call pays after an edit, until the watcher).
func BenchmarkUpdateOneChange(b *testing.B) {
	benchmarkOneChange(b, 1000, func(root string, ix *Index, _ string) (*Index, error) { return Update(root, ix) })
}

// BenchmarkUpdateOneChange2000 is BenchmarkUpdateOneChange on 2,000 files.
func BenchmarkUpdateOneChange2000(b *testing.B) {
	benchmarkOneChange(b, 2000, func(root string, ix *Index, _ string) (*Index, error) { return Update(root, ix) })
}

// BenchmarkUpdatePathsOneChange2000: the same after the watcher named the
// script: no walk.
func BenchmarkUpdatePathsOneChange2000(b *testing.B) {
	benchmarkOneChange(b, 2000, func(root string, ix *Index, changed string) (*Index, error) {
		return UpdatePaths(root, ix, []string{changed})
	})
}

// benchmarkOneChange rewrites one script of an n-file project before each
// update.
func benchmarkOneChange(b *testing.B, n int, update func(root string, ix *Index, changed string) (*Index, error)) {
	root := GenerateProject(b, b.TempDir(), n)
	ix, err := Build(root)
	if err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(root, "scripts", "script_0001.gd")
	src, _ := os.ReadFile(p)
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		os.WriteFile(p, append(src, fmt.Sprintf("\n# edit %d\n", i)...), 0o644)
		b.StartTimer()
		if ix, err = update(root, ix, p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(ix.Reused), "reused")
}

// BenchmarkWalk2000: listing a 2,000-file project with each file's size and
// modification time, what every check of the index against the disk costs.
func BenchmarkWalk2000(b *testing.B) {
	root := GenerateProject(b, b.TempDir(), 2000)
	for b.Loop() {
		if _, err := walk(root); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdateUnchanged2000: the check a call makes when nothing changed
// (a walk, then the same index back).
func BenchmarkUpdateUnchanged2000(b *testing.B) {
	root := GenerateProject(b, b.TempDir(), 2000)
	ix, err := Build(root)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if up, err := Update(root, ix); err != nil || up != ix {
			b.Fatal("Update of an unchanged tree built a new index", err)
		}
	}
}

// BenchmarkUpdatePathsUnchanged2000: the watcher named a file that is as
// the index has it (written with the same bytes and time, or a change
// undone).
func BenchmarkUpdatePathsUnchanged2000(b *testing.B) {
	root := GenerateProject(b, b.TempDir(), 2000)
	ix, err := Build(root)
	if err != nil {
		b.Fatal(err)
	}
	changed := []string{filepath.Join(root, "scripts", "script_0001.gd")}
	for b.Loop() {
		if up, err := UpdatePaths(root, ix, changed); err != nil || up != ix {
			b.Fatal("UpdatePaths of an unchanged file built a new index", err)
		}
	}
}
