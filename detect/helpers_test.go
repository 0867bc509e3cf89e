package detect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeTree creates files under a new temp dir and returns its real path.
// A path ending in "/" is an empty folder; "a -> b" makes a symlink a
// pointing at b (relative to a's folder, as written).
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for path, content := range files {
		if link, target, ok := strings.Cut(path, " -> "); ok {
			full := filepath.Join(dir, link)
			mkdir(t, filepath.Dir(full))
			if err := os.Symlink(target, full); err != nil {
				t.Fatal(err)
			}
			continue
		}
		full := filepath.Join(dir, path)
		if strings.HasSuffix(path, "/") {
			mkdir(t, full)
			continue
		}
		mkdir(t, filepath.Dir(full))
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

// godot4 is a Godot 4 project.godot; extra lines go in [application].
func godot4(name string, extra ...string) string {
	return "; Engine configuration file.\n\nconfig_version=5\n\n[application]\n\nconfig/name=\"" + name + "\"\n" +
		"config/features=PackedStringArray(\"4.3\", \"Forward Plus\")\n" + strings.Join(extra, "\n") + "\n"
}

// godot3 is a Godot 3 project.godot.
func godot3(name string) string {
	return "; Engine configuration file.\n\nconfig_version=4\n\n[application]\n\nconfig/name=\"" + name + "\"\nrun/main_scene=\"pong.tscn\"\n"
}

const godot2 = "[application]\n\nname=\"Old Platformer\"\nmain_scene=\"res://stage.xscn\"\n\n[input]\n\nmove_left=[key(Left), jbutton(0, 14)]\n"

// corpusDir returns the shared corpus of real projects; a missing corpus
// fails the test, because these tests are the proof on real data.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "shared", "corpus"))
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "godot4-demos"))
	}
	if err != nil {
		t.Fatalf("the test corpus is missing (want ../shared/corpus next to the repository, with godot3-demos and godot4-demos): %v", err)
	}
	return dir
}
