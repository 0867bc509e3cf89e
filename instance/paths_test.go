package instance

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// confinedProject lays out a project with an outside neighbour and
// symlinks both ways:
//
//	outer/secret.txt
//	outer/proj/project.godot, scripts/player.gd, "my scene.tscn"
//	outer/proj/out     -> ../secret.txt (relative, leaves the root)
//	outer/proj/outdir  -> outer (absolute, leaves the root)
//	outer/proj/in      -> scripts/player.gd
//	outer/proj/indir   -> scripts
//	outer/proj/loop    -> loop
func confinedProject(t testing.TB) (s *Server, outer string) {
	t.Helper()
	outer = writeTree(t, map[string]string{
		"secret.txt":             "secret\n",
		"proj/project.godot":     godot4Project,
		"proj/scripts/player.gd": "extends Node\n",
		"proj/my scene.tscn":     "[gd_scene format=3]\n",
		"proj/ünï/cödé.gd":       "extends Node\n",
	})
	proj := filepath.Join(outer, "proj")
	symlink(t, "../secret.txt", filepath.Join(proj, "out"))
	symlink(t, outer, filepath.Join(proj, "outdir"))
	symlink(t, "scripts/player.gd", filepath.Join(proj, "in"))
	symlink(t, "scripts", filepath.Join(proj, "indir"))
	symlink(t, "loop", filepath.Join(proj, "loop"))
	return newServer(t, proj), outer
}

func TestResolvePath(t *testing.T) {
	s, outer := confinedProject(t)
	root := s.Root()
	player := filepath.Join(root, "scripts", "player.gd")
	tests := []struct {
		name    string
		arg     string
		wantAbs string // "" when an error is expected
		wantRes string
		wantErr string // substring of the error
	}{
		{name: "res path", arg: "res://scripts/player.gd", wantAbs: player, wantRes: "res://scripts/player.gd"},
		{name: "relative", arg: "scripts/player.gd", wantAbs: player, wantRes: "res://scripts/player.gd"},
		{name: "surrounding space", arg: "  res://scripts/player.gd\n", wantAbs: player, wantRes: "res://scripts/player.gd"},
		{name: "dot segments inside", arg: "scripts/./../scripts/player.gd", wantAbs: player, wantRes: "res://scripts/player.gd"},
		{name: "absolute inside", arg: player, wantAbs: player, wantRes: "res://scripts/player.gd"},
		{name: "space in name", arg: "res://my scene.tscn", wantAbs: filepath.Join(root, "my scene.tscn"), wantRes: "res://my scene.tscn"},
		{name: "non-ASCII name", arg: "ünï/cödé.gd", wantAbs: filepath.Join(root, "ünï", "cödé.gd"), wantRes: "res://ünï/cödé.gd"},
		{name: "root itself", arg: "res://", wantAbs: root, wantRes: "res://"},
		{name: "symlink inside to inside", arg: "res://in", wantAbs: player, wantRes: "res://scripts/player.gd"},
		{name: "symlinked folder inside", arg: "indir/player.gd", wantAbs: player, wantRes: "res://scripts/player.gd"},
		{name: "absolute outside", arg: filepath.Join(outer, "secret.txt"), wantErr: errOutsideRoot.Error()},
		{name: "absolute root prefix sibling", arg: root + "-other/x", wantErr: errOutsideRoot.Error()},
		{name: "res dotdot", arg: "res://../secret.txt", wantErr: errOutsideRoot.Error()},
		{name: "relative dotdot", arg: "a/../../secret.txt", wantErr: errOutsideRoot.Error()},
		{name: "res absolute outside", arg: "res://" + filepath.Join(outer, "secret.txt"), wantErr: errOutsideRoot.Error()},
		{name: "symlink to outside file", arg: "res://out", wantErr: "through a symlink"},
		{name: "symlink to outside folder", arg: "outdir/secret.txt", wantErr: "through a symlink"},
		{name: "symlink loop", arg: "res://loop", wantErr: "resolving"},
		{name: "missing", arg: "res://nope.gd", wantErr: "no such file"},
		{name: "through a file", arg: "res://scripts/player.gd/x", wantErr: "player.gd"},
		{name: "NUL byte", arg: "res://scripts/player.gd\x00.txt", wantErr: "NUL"},
		{name: "uid", arg: "uid://cecaux1sm7mo0", wantErr: "uid://"},
		{name: "user", arg: "user://save.dat", wantErr: "user://"},
		{name: "unknown scheme", arg: "file:///etc/passwd", wantErr: "unknown scheme"},
		{name: "upper-case scheme", arg: "RES://scripts/player.gd", wantErr: "unknown scheme"},
		{name: "empty", arg: "", wantErr: "empty"},
		{name: "blank", arg: " \t", wantErr: "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			abs, res, err := s.resolvePath(tt.arg)
			if tt.wantAbs == "" {
				if err == nil {
					t.Fatalf("resolvePath(%q) = %q, %q; want an error containing %q", tt.arg, abs, res, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("resolvePath(%q) error = %q; want it to contain %q", tt.arg, err, tt.wantErr)
				}
				if abs != "" || res != "" {
					t.Errorf("resolvePath(%q) returned %q, %q with an error", tt.arg, abs, res)
				}
				return
			}
			if err != nil {
				t.Fatalf("resolvePath(%q): %v", tt.arg, err)
			}
			if abs != tt.wantAbs || res != tt.wantRes {
				t.Errorf("resolvePath(%q) = %q, %q; want %q, %q", tt.arg, abs, res, tt.wantAbs, tt.wantRes)
			}
			checkConfined(t, root, tt.arg, abs, res)
		})
	}
}

func TestResolvePathOutsideIsSentinel(t *testing.T) {
	s, _ := confinedProject(t)
	for _, arg := range []string{"res://../secret.txt", "res://out", "outdir/secret.txt"} {
		if _, _, err := s.resolvePath(arg); !errors.Is(err, errOutsideRoot) {
			t.Errorf("resolvePath(%q) error = %v; want errOutsideRoot", arg, err)
		}
	}
}

// A project opened through a symlink is confined to the real folder, and
// an absolute path through the symlink (what a shell's cwd often shows, like
// /tmp on macOS) reaches the same files.
func TestSymlinkedRoot(t *testing.T) {
	outer := writeTree(t, map[string]string{
		"real/project.godot": godot4Project,
		"real/a.gd":          "extends Node\n",
		"secret.txt":         "secret\n",
	})
	link := filepath.Join(outer, "link")
	symlink(t, filepath.Join(outer, "real"), link)
	s := newServer(t, link)
	wantRoot, err := filepath.EvalSymlinks(filepath.Join(outer, "real"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Root() != wantRoot {
		t.Fatalf("Root() = %q; want the resolved %q", s.Root(), wantRoot)
	}
	tests := []struct {
		arg     string
		wantErr bool
	}{
		{arg: "res://a.gd"},
		{arg: filepath.Join(wantRoot, "a.gd")},
		{arg: filepath.Join(link, "a.gd")},
		{arg: filepath.Join(link, "..", "secret.txt"), wantErr: true},
		{arg: filepath.Join(outer, "secret.txt"), wantErr: true},
		{arg: link + "/../real/../secret.txt", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			abs, res, err := s.resolvePath(tt.arg)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("resolvePath(%q) = %q; want an error", tt.arg, abs)
				}
				return
			}
			if err != nil {
				t.Fatalf("resolvePath(%q): %v", tt.arg, err)
			}
			if want := filepath.Join(wantRoot, "a.gd"); abs != want || res != "res://a.gd" {
				t.Errorf("resolvePath(%q) = %q, %q; want %q, res://a.gd", tt.arg, abs, res, want)
			}
		})
	}
}

// checkConfined is the property every successful resolution must hold: the
// path is real (no symlink left), inside the root, and its res:// form
// resolves back to it.
func checkConfined(t testing.TB, root, arg, abs, res string) {
	t.Helper()
	if !within(root, abs) {
		t.Fatalf("resolvePath(%q) = %q, outside the root %q", arg, abs, root)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil || real != abs {
		t.Fatalf("resolvePath(%q) = %q, not a real path (EvalSymlinks: %q, %v)", arg, abs, real, err)
	}
	if _, err := os.Lstat(abs); err != nil {
		t.Fatalf("resolvePath(%q) = %q, which does not exist: %v", arg, abs, err)
	}
	if !strings.HasPrefix(res, "res://") {
		t.Fatalf("resolvePath(%q) res = %q; want a res:// path", arg, res)
	}
}

// FuzzResolvePath feeds random path arguments to a project with outward
// and inward symlinks. "$ROOT" and "$OUTER" in an input are replaced by the
// temp folders, so seeds can hold absolute paths.
func FuzzResolvePath(f *testing.F) {
	s, outer := confinedProject(f)
	root := s.Root()
	for _, seed := range []string{
		"res://scripts/player.gd", "scripts/player.gd", "$ROOT/scripts/player.gd", "$OUTER/secret.txt",
		"res://../secret.txt", "a/../../secret.txt", "res://out", "outdir/secret.txt", "outdir/proj/in",
		"res://in", "indir/../in", "res://loop", "uid://x", "user://x", "a://b", "", "\x00", "res://",
		"res:///", "res://$ROOT/in", "$ROOT/../proj/in", "$ROOT/outdir/proj/scripts/player.gd",
		"res://my scene.tscn", "ünï/cödé.gd", "res://./././in", "//", "/", ".", "..", "res://..",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		arg = strings.ReplaceAll(arg, "$ROOT", root)
		arg = strings.ReplaceAll(arg, "$OUTER", outer)
		abs, res, err := s.resolvePath(arg)
		if err != nil {
			if abs != "" || res != "" {
				t.Fatalf("resolvePath(%q) returned %q, %q with error %v", arg, abs, res, err)
			}
			return
		}
		checkConfined(t, root, arg, abs, res)
		abs2, _, err := s.resolvePath(res)
		if err != nil || abs2 != abs {
			t.Fatalf("resolvePath(%q) = %q, %q; its res form resolves to %q, %v", arg, abs, res, abs2, err)
		}
	})
}
