package resfile

import (
	"bytes"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// corpusDir returns the shared corpus of real projects, failing the test
// when it is missing: these tests prove the reader on real files and must
// not pass silently without them.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "corpus")
	for _, tree := range []string{"godot3-demos", "godot4-demos"} {
		if _, err := os.Stat(filepath.Join(dir, tree)); err != nil {
			t.Fatalf("the test corpus is missing (want ../shared/corpus next to the repository, with godot3-demos and godot4-demos): %v", err)
		}
	}
	return dir
}

// corpusFiles returns the corpus files whose names end with one of exts.
func corpusFiles(t testing.TB, exts ...string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(corpusDir(t), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		for _, ext := range exts {
			if !d.IsDir() && strings.HasSuffix(d.Name(), ext) {
				files = append(files, path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking the corpus: %v", err)
	}
	return files
}

// countNodeHeaders counts the lines that start with "[node ", independently
// of the parser (no line of a string in the corpus starts that way).
func countNodeHeaders(src []byte) int {
	n := 0
	for line := range bytes.SplitSeq(src, []byte("\n")) {
		if bytes.HasPrefix(line, []byte("[node ")) {
			n++
		}
	}
	return n
}

func TestCorpus(t *testing.T) {
	files := corpusFiles(t, ".tscn", ".tres")
	if len(files) != 885 {
		t.Errorf("found %d .tscn and .tres files in the corpus, want 885", len(files))
	}
	var nodes, refs, exts, subs, conns, elided int
	var slowest time.Duration
	var times []time.Duration
	var slowestFile string
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// The best of three runs, to keep the GC of earlier files out of
		// the measure.
		var f *File
		best := time.Duration(math.MaxInt64)
		for range 3 {
			start := time.Now()
			f, err = Parse(path, src)
			best = min(best, time.Since(start))
		}
		times = append(times, best)
		if best > slowest {
			slowest, slowestFile = best, path
		}
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		exts += len(f.ExtResources)
		subs += len(f.SubResources)
		conns += len(f.Connections)
		elided += countElided(f)
		if strings.HasSuffix(path, ".tscn") {
			if f.Kind != "scene" {
				t.Errorf("%s: Kind %q, want scene", path, f.Kind)
			}
			if got, want := len(f.Nodes), countNodeHeaders(src); got != want {
				t.Errorf("%s: %d nodes, want %d [node headers", path, got, want)
			}
			nodes += len(f.Nodes)
			checkTree(t, path, f)
		} else if f.Kind != "resource" {
			t.Errorf("%s: Kind %q, want resource", path, f.Kind)
		}
		for _, u := range f.ExtRefs() {
			refs++
			if _, ok := f.ExtByID(u.ID); !ok {
				t.Errorf("%s:%d: ExtResource(%q) (%s in %s) resolves to no ext_resource", path, u.Line, u.ID, u.Where, u.In)
			}
		}
	}
	t.Logf("%d files: %d nodes, %d ext_resources, %d sub_resources, %d connections, %d ExtResource uses, %d arrays elided; slowest %v (%s)",
		len(files), nodes, exts, subs, conns, refs, elided, slowest, slowestFile)
	slices.Sort(times)
	over := func(d time.Duration) int { n, _ := slices.BinarySearch(times, d); return len(times) - n }
	t.Logf("parse times: median %v, 99th percentile %v, %d files over 1ms, %d over 5ms",
		times[len(times)/2], times[len(times)*99/100], over(time.Millisecond), over(5*time.Millisecond))
}

// checkTree checks that every non-root node's parent is an earlier node,
// or lies inside an instanced node (a node added under a child of an
// instanced scene whose children are editable).
func checkTree(t *testing.T, path string, f *File) {
	t.Helper()
	seen := map[string]Node{}
	for i, n := range f.Nodes {
		if i == 0 {
			if n.Path != "." || n.Parent != "" {
				t.Errorf("%s:%d: root has Path %q and Parent %q", path, n.Line, n.Path, n.Parent)
			}
			seen["."] = n
			continue
		}
		parent := n.Parent
		if _, ok := seen[parent]; !ok && !insideInstance(seen, parent) {
			t.Errorf("%s:%d: node %q has parent %q, which is no earlier node", path, n.Line, n.Name, parent)
		}
		seen[n.Path] = n
	}
}

// insideInstance reports whether path lies below an instanced node.
func insideInstance(seen map[string]Node, path string) bool {
	for p := path; ; {
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			p = "."
		} else {
			p = p[:i]
		}
		if n, ok := seen[p]; ok {
			return n.Instance != "" || n.Override && insideInstance(seen, p)
		}
		if p == "." {
			return false
		}
	}
}
