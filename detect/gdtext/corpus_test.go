package gdtext

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusDir returns the shared corpus of real projects, failing the test
// when it is missing: these tests prove the reader on real files and must
// not pass silently without them.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "corpus")
	if _, err := os.Stat(filepath.Join(dir, "godot4-demos")); err != nil {
		t.Fatalf("the test corpus is missing (want ../shared/corpus next to the repository, with godot3-demos and godot4-demos): %v", err)
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

func TestCorpusProjectGodot(t *testing.T) {
	files := corpusFiles(t, "project.godot")
	if len(files) != 228 {
		t.Errorf("found %d project.godot files in the corpus, want 228", len(files))
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c, err := ParseConfig(f, src)
		if err != nil {
			t.Errorf("ParseConfig: %v", err)
			continue
		}
		cv, ok := c.Get("config_version")
		if n, _ := cv.AsInt(); !ok || (n != 4 && n != 5) {
			t.Errorf("%s: config_version = %v, want 4 or 5", f, cv)
		}
		if c.GetString("application/config/name") == "" {
			t.Errorf("%s: no application/config/name", f)
		}
	}
}

// TestCorpusScenesAndResources reads every .tscn and .tres file of the
// corpus with the same reader: tags, then name = value lines.
func TestCorpusScenesAndResources(t *testing.T) {
	files := corpusFiles(t, ".tscn", ".tres")
	if len(files) < 800 {
		t.Errorf("found %d .tscn/.tres files in the corpus, want at least 800", len(files))
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c, err := ParseConfig(f, src)
		if err != nil {
			t.Errorf("ParseConfig: %v", err)
			continue
		}
		_ = c
	}
}
