package detect

import (
	"errors"
	"io/fs"
	"path/filepath"
	"testing"
)

func TestFindRoot(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"game/project.godot":                    godot4("Game"),
		"game/src/player/deep/er/player.gd":     "",
		"game/addons/tool/project.godot":        godot4("Nested Tool"),
		"game/addons/tool/src/x.gd":             "",
		"old/engine.cfg":                        godot2,
		"old/levels/a/":                         "",
		"outside/":                              "",
		"links/into-game -> ../game/src/player": "",
	})
	tests := []struct {
		name, path, root string
		err              error
	}{
		{"the root itself", "game", "game", nil},
		{"deep inside", "game/src/player/deep/er", "game", nil},
		{"a file", "game/src/player/deep/er/player.gd", "game", nil},
		{"nested project: nearest wins", "game/addons/tool/src", "game/addons/tool", nil},
		{"symlink into a project", "links/into-game", "game", nil},
		{"godot 2", "old/levels/a", "old", nil},
		{"no project", "outside", "", ErrNoProject},
		{"missing path", "nope", "", fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, err := FindRoot(filepath.Join(dir, tt.path))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("FindRoot error = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(dir, tt.root); root != want {
				t.Errorf("root = %s, want %s", root, want)
			}
		})
	}
}
