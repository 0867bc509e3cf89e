package detect

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// projectDirs returns the folders holding project.godot below dir, found
// by a plain walk, as the reference Scan is checked against.
func projectDirs(t testing.TB, dir string) map[string]bool {
	t.Helper()
	dirs := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && d.Name() == projectFile {
			dirs[filepath.Dir(path)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking %s: %v", dir, err)
	}
	return dirs
}

func TestCorpus(t *testing.T) {
	corpus := corpusDir(t)
	trees := []struct {
		name  string
		count int
		major int
	}{
		{"godot3-demos", 89, 3},
		{"godot4-demos", 139, 4},
	}
	all := map[string]bool{}
	for _, tree := range trees {
		t.Run(tree.name, func(t *testing.T) {
			dir := filepath.Join(corpus, tree.name)
			want := projectDirs(t, dir)
			if len(want) != tree.count {
				t.Errorf("the corpus has %d project.godot files in %s, want %d", len(want), tree.name, tree.count)
			}
			ps, err := Scan(dir, ScanOptions{MaxDepth: 8})
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != tree.count {
				t.Errorf("Scan found %d projects, want %d", len(ps), tree.count)
			}
			ids := map[string]string{}
			for _, p := range ps {
				all[p.Root] = true
				if !want[p.Root] {
					t.Errorf("Scan found %s, which holds no project.godot", p.Root)
				}
				loaded, err := Load(p.Root)
				if err != nil {
					t.Errorf("Load(%s): %v", p.Root, err)
				}
				if loaded != p {
					t.Errorf("Load and Scan disagree:\n%+v\n%+v", loaded, p)
				}
				if !p.Supported || p.EngineMajor != tree.major {
					t.Errorf("%s: Supported %v, EngineMajor %d, want true, %d", p.Root, p.Supported, p.EngineMajor, tree.major)
				}
				if tree.major == 4 && p.Engine != "4.7" {
					t.Errorf("%s: Engine %q, want 4.7 from config/features", p.Root, p.Engine)
				}
				if tree.major == 3 && (p.Engine != "3.x" || p.ConfigVersion != 4) {
					t.Errorf("%s: Engine %q, config_version %d, want 3.x, 4", p.Root, p.Engine, p.ConfigVersion)
				}
				// No demo has config/version, and none is a version of
				// another (misc/2.5d and viewport/3d_scaling are traps).
				if p.Version != "" || strings.Contains(p.ID(), "/") {
					t.Errorf("%s: ID %q, want a bare slug", p.Root, p.ID())
				}
				if p.MainScene == "" || p.Name == "" {
					t.Errorf("%s: no main scene or name: %+v", p.Root, p)
				}
				if other, dup := ids[p.ID()]; dup {
					t.Logf("%s and %s share the id %s", other, p.Root, p.ID())
				}
				ids[p.ID()] = p.Root
			}
		})
	}
	// The corpus root holds both trees and no project of its own.
	ps, err := Scan(corpus, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 228 || len(all) != 228 {
		t.Errorf("Scan of the corpus root found %d projects (%d from the trees), want 228", len(ps), len(all))
	}
	for _, p := range ps {
		if !all[p.Root] {
			t.Errorf("Scan of the corpus root found %s, not found in its tree", p.Root)
		}
	}
	// From a deep folder, the project is found by walking up.
	d, err := Resolve(Request{WorkDir: filepath.Join(corpus, "godot4-demos", "2d", "pong", "logic")})
	if err != nil || d.Project.Root != filepath.Join(corpus, "godot4-demos", "2d", "pong") || d.Confidence != ConfidenceHigh {
		t.Errorf("Resolve from 2d/pong/logic = %+v, %v", d, err)
	}
	// From the top of a demos tree: many candidates, chosen by the rule.
	d, err = Resolve(Request{WorkDir: filepath.Join(corpus, "godot3-demos")})
	if err != nil || d.Confidence != ConfidenceMedium || len(d.Alternatives) != maxAlternatives {
		t.Errorf("Resolve from godot3-demos = %s, %v", Explain(d), err)
	}
}
