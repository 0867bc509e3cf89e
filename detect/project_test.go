package detect

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		root    string // relative to the tree
		want    Project
		wantErr string // substring; "" for no error
		isErr   error
	}{
		{"godot 4 with features", map[string]string{"g/project.godot": godot4("My Game!", `run/main_scene="uid://bbjbbyv0fhdio"`, `config/version="1.2.0"`)}, "g",
			Project{Name: "My Game!", Slug: "my-game", Version: "1.2.0", Engine: "4.3", EngineMajor: 4, ConfigVersion: 5, MainScene: "uid://bbjbbyv0fhdio", Supported: true}, "", nil},
		{"godot 4 patch version", map[string]string{"g/project.godot": "config_version=5\n[application]\nconfig/features=PackedStringArray(\"4.3.1\", \"Mobile\")\n"}, "g",
			Project{Name: "g", Slug: "g", Engine: "4.3.1", EngineMajor: 4, ConfigVersion: 5, Supported: true}, "", nil},
		{"godot 4 without features", map[string]string{"g/project.godot": "config_version=5\n[application]\nconfig/name=\"X\"\n"}, "g",
			Project{Name: "X", Slug: "x", Engine: "4.x", EngineMajor: 4, ConfigVersion: 5, Supported: true}, "", nil},
		{"godot 3.x", map[string]string{"pong/project.godot": godot3("Pong with GDScript")}, "pong",
			Project{Name: "Pong with GDScript", Slug: "pong-with-gdscript", Engine: "3.x", EngineMajor: 3, ConfigVersion: 4, MainScene: "pong.tscn", Supported: true}, "", nil},
		{"godot 3.0", map[string]string{"p/project.godot": "config_version=3\n[application]\nconfig/name=\"Old\"\n"}, "p",
			Project{Name: "Old", Slug: "old", Engine: "3.0", EngineMajor: 3, ConfigVersion: 3, Supported: true}, "", nil},
		{"no config_version", map[string]string{"p/project.godot": "[application]\nconfig/name=\"Q\"\n"}, "p",
			Project{Name: "Q", Slug: "q", Engine: "unknown", Supported: true}, "", nil},
		{"future config_version with features", map[string]string{"p/project.godot": "config_version=6\n[application]\nconfig/features=PackedStringArray(\"5.0\")\n"}, "p",
			Project{Name: "p", Slug: "p", Engine: "5.0", EngineMajor: 5, ConfigVersion: 6, Supported: true}, "", nil},
		{"bom and crlf", map[string]string{"p/project.godot": "\uFEFFconfig_version=5\r\n\r\n[application]\r\n\r\nconfig/name=\"Crlf\"\r\n"}, "p",
			Project{Name: "Crlf", Slug: "crlf", Engine: "4.x", EngineMajor: 4, ConfigVersion: 5, Supported: true}, "", nil},
		{"name not ascii falls back to folder", map[string]string{"Mon Jeu/project.godot": godot4("ゲーム")}, "Mon Jeu",
			Project{Name: "ゲーム", Slug: "mon-jeu", Engine: "4.3", EngineMajor: 4, ConfigVersion: 5, Supported: true}, "", nil},
		{"godot 2", map[string]string{"old/engine.cfg": godot2}, "old",
			Project{Name: "Old Platformer", Slug: "old-platformer", Engine: "2.x", EngineMajor: 2, MainScene: "res://stage.xscn", Supported: false},
			"Godot 2 project (engine.cfg) at", ErrUnsupported},
		{"broken project.godot keeps what it read", map[string]string{"b/project.godot": "config_version=5\n[application]\nconfig/name=\"Half\"\nrun/main_scene=[1, 2\nconfig/icon=\"x\"\n"}, "b",
			Project{Name: "Half", Slug: "half", Engine: "4.x", EngineMajor: 4, ConfigVersion: 5, Supported: true}, "parsing project settings: ", nil},
		{"not a project", map[string]string{"empty/": ""}, "empty", Project{}, "no project.godot or engine.cfg", ErrNoProject},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTree(t, tt.files)
			root := filepath.Join(dir, tt.root)
			got, err := Load(root)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Load: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Load error = %v, want it to contain %q", err, tt.wantErr)
			}
			if tt.isErr != nil && !errors.Is(err, tt.isErr) {
				t.Errorf("Load error = %v, want errors.Is %v", err, tt.isErr)
			}
			if tt.isErr == ErrNoProject {
				return
			}
			if got.Root != root {
				t.Errorf("Root = %s, want %s", got.Root, root)
			}
			if got.ModTime.IsZero() {
				t.Error("ModTime is zero")
			}
			got.Root, got.ModTime = "", got.ModTime.AddDate(0, 0, 0)
			tt.want.ModTime = got.ModTime
			if got != tt.want {
				t.Errorf("Load =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestSlugAndVersionLayout(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"games/noxii/0.15/project.godot":        godot4("Noxii"),
		"games/noxii/0.16/project.godot":        godot4("Noxii", `config/version="0.16.2"`),
		"games/noxii/notes/readme.txt":          "",
		"games/My Game/v1.2/project.godot":      godot4("Whatever"),
		"games/My Game/v1.10/project.godot":     godot4("Whatever"),
		"games/solo/0.3/project.godot":          godot4("Solo Game", `config/version="0.3"`),
		"demos/2d/platformer/project.godot":     godot4("Platformer"),
		"demos/2d/pong/project.godot":           godot4("Pong"),
		"demos/misc/2.5d/project.godot":         godot4("2.5D Demo"),
		"demos/misc/pause/project.godot":        godot4("Pause"),
		"demos/viewport/2d_in_3d/project.godot": godot4("2D in 3D"),
		"demos/viewport/3d_in_2d/project.godot": godot4("3D in 2D"),
	})
	tests := []struct{ root, id string }{
		{"games/noxii/0.15", "noxii/0.15"},
		{"games/noxii/0.16", "noxii/0.16"}, // the folder wins over config/version
		{"games/My Game/v1.2", "my-game/v1.2"},
		{"games/My Game/v1.10", "my-game/v1.10"},
		{"games/solo/0.3", "solo-game/0.3"}, // alone: an ordinary project
		{"demos/2d/platformer", "platformer"},
		{"demos/2d/pong", "pong"},
		{"demos/misc/2.5d", "2-5d-demo"}, // version-like, but no version-like sibling
		{"demos/viewport/2d_in_3d", "2d-in-3d"},
		{"demos/viewport/3d_in_2d", "3d-in-2d"},
	}
	for _, tt := range tests {
		p, err := Load(filepath.Join(dir, tt.root))
		if err != nil {
			t.Fatal(err)
		}
		if p.ID() != tt.id {
			t.Errorf("%s: ID = %q, want %q", tt.root, p.ID(), tt.id)
		}
	}
}

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"My Game!":           "my-game",
		"  --Hello__World--": "hello-world",
		"Pong with GDScript": "pong-with-gdscript",
		"2.5D Demo":          "2-5d-demo",
		"ゲーム":                "",
		"Über Cool":          "ber-cool",
		"":                   "",
	} {
		if got := slugify(in); got != want {
			t.Errorf("slugify(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"0.16", "0.9", 1},
		{"0.9", "0.16", -1},
		{"v1.2", "1.2", 1}, // equal by segments; ordered stably by text ("v" > "1")
		{"v1.3", "1.2", 1},
		{"1.0", "1.0-beta", 1},
		{"1.0.1", "1.0", 1},
		{"1.0-rc1", "1.0-beta", 1},
		{"2024.1", "2023.12", 1},
		{"1.10", "1.9", 1},
		{"001", "1", -1}, // equal numbers, stable by text
		{"", "0.1", -1},
		{"0.1", "", 1},
		{"", "", 0},
		{"abc", "abd", -1},
		{"1.x", "1.2", -1},
		{"99999999999999999999", "9", 1},
	}
	for _, tt := range tests {
		if got := compareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("compareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := compareVersions(tt.b, tt.a); got != -tt.want {
			t.Errorf("compareVersions(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}

func TestLooksLikeVersion(t *testing.T) {
	for name, want := range map[string]bool{
		"0.16": true, "v1.2": true, "V2": true, "1.0-beta": true, "2024.1": true, "2.5d": true,
		"vV1": false, "v": false, "": false, "platformer": false, "2d_in_3d": false, "1.0 beta": false, "1/2": false,
	} {
		if got := looksLikeVersion(name); got != want {
			t.Errorf("looksLikeVersion(%q) = %v, want %v", name, got, want)
		}
	}
}
