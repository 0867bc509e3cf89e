package instance

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func projectInfo(t *testing.T, root string) ProjectInfo {
	t.Helper()
	var info ProjectInfo
	callTool(t, newServer(t, root), "get_project_info", map[string]any{}).decode(t, &info)
	return info
}

func ptr[T any](v T) *T { return &v }

func TestGetProjectInfoCorpus(t *testing.T) {
	tests := []struct {
		dir         string
		name        string
		engine      string
		config      int
		features    []string
		main        string
		mainOK      *bool
		autoloads   []Autoload
		inputs      int
		firstInput  InputAction // compared when Name is set
		plugins     []Plugin
		counts      *FileCounts // a count made by hand with find(1), on top of kindCounts
		description string      // prefix
	}{
		{
			dir: "godot4-demos/2d/platformer", name: "Platformer 2D", engine: "4.7", config: 5,
			features: []string{"4.7"}, main: "res://game_singleplayer.tscn", mainOK: ptr(true),
			autoloads: []Autoload{{Name: "Music", Path: "res://music.tscn", Singleton: true, Exists: ptr(true)}},
			inputs:    15,
			firstInput: InputAction{Name: "jump", Deadzone: ptr(0.2),
				Events: []string{"Key keycode=4194320", "JoypadButton button_index=0", "Key physical_keycode=87"}},
			plugins:     []Plugin{},
			counts:      &FileCounts{Scenes: 14, Scripts: 10, Resources: 5},
			description: "This demo is a pixel art 2D platformer",
		},
		{
			dir: "godot4-demos/mobile/android_iap", name: "godot billing demo", engine: "4.7", config: 5,
			features: []string{"4.7", "GL Compatibility"}, main: "uid://depkfknb3soa7", mainOK: ptr(true), // resolved through the index
			autoloads: []Autoload{},
			plugins:   []Plugin{{Path: "res://addons/GodotGooglePlayBilling/plugin.cfg", Exists: false}},
		},
		{
			dir: "godot3-demos/gui/input_mapping", name: "Input Mapping GUI", engine: "3.x", config: 4,
			features: []string{}, main: "res://InputRemapMenu.tscn", mainOK: ptr(true),
			autoloads:  []Autoload{{Name: "KeyPersistence", Path: "res://KeyPersistence.gd", Singleton: true, Exists: ptr(true)}},
			inputs:     5,
			firstInput: InputAction{Name: "move_right", Deadzone: ptr(0.5)},
			plugins:    []Plugin{},
		},
		{
			dir: "godot3-demos/misc/2.5d", name: "2.5D Demo with GDScript", engine: "3.x", config: 4,
			features: []string{}, main: "res://assets/demo_scene.tscn", mainOK: ptr(true),
			autoloads: []Autoload{},
			inputs:    19,
			firstInput: InputAction{Name: "move_right", Deadzone: ptr(0.5),
				Events: []string{"Key scancode=68", "Key scancode=16777233"}},
			plugins: []Plugin{{Path: "res://addons/node25d/plugin.cfg", Exists: true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			root := corpusDir(t, filepath.FromSlash(tt.dir))
			info := projectInfo(t, root)
			if info.Name != tt.name || info.Engine != tt.engine || info.ConfigVersion != tt.config {
				t.Errorf("name, engine, config_version = %q, %q, %d; want %q, %q, %d",
					info.Name, info.Engine, info.ConfigVersion, tt.name, tt.engine, tt.config)
			}
			if info.Root != root {
				t.Errorf("root = %q; want %q", info.Root, root)
			}
			if !slices.Equal(info.Features, tt.features) {
				t.Errorf("features = %q; want %q", info.Features, tt.features)
			}
			if info.MainScene != tt.main || !equalPtr(info.MainSceneOK, tt.mainOK) {
				t.Errorf("main scene = %q exists %v; want %q exists %v", info.MainScene, show(info.MainSceneOK), tt.main, show(tt.mainOK))
			}
			if !slices.EqualFunc(info.Autoloads, tt.autoloads, func(a, b Autoload) bool {
				return a.Name == b.Name && a.Path == b.Path && a.Singleton == b.Singleton && equalPtr(a.Exists, b.Exists)
			}) {
				t.Errorf("autoloads = %+v; want %+v", info.Autoloads, tt.autoloads)
			}
			if info.InputTotal != tt.inputs || len(info.InputActions) != tt.inputs || info.Truncated {
				t.Errorf("input actions: %d listed, total %d, truncated %v; want %d, not truncated",
					len(info.InputActions), info.InputTotal, info.Truncated, tt.inputs)
			}
			if want := tt.firstInput; want.Name != "" && len(info.InputActions) > 0 {
				got := info.InputActions[0]
				if got.Name != want.Name || !equalPtr(got.Deadzone, want.Deadzone) {
					t.Errorf("first input action = %s deadzone %v; want %s deadzone %v", got.Name, show(got.Deadzone), want.Name, show(want.Deadzone))
				}
				if len(got.Events) < len(want.Events) || !slices.Equal(got.Events[:len(want.Events)], want.Events) {
					t.Errorf("first input action events = %q; want them to start with %q", got.Events, want.Events)
				}
			}
			if !slices.Equal(info.Plugins, tt.plugins) {
				t.Errorf("plugins = %+v; want %+v", info.Plugins, tt.plugins)
			}
			if len(info.Problems) > 0 {
				t.Errorf("problems in a real project.godot: %q", info.Problems)
			}
			if want := kindCounts(t, root); info.Counts != want {
				t.Errorf("counts = %+v; an independent walk finds %+v", info.Counts, want)
			}
			if c := tt.counts; c != nil && (info.Counts.Scenes != c.Scenes || info.Counts.Scripts != c.Scripts || info.Counts.Resources != c.Resources) {
				t.Errorf("counts = %+v; want scenes %d, scripts %d, resources %d", info.Counts, c.Scenes, c.Scripts, c.Resources)
			}
			if !strings.HasPrefix(info.Description, tt.description) {
				t.Errorf("description = %.60q; want it to start with %q", info.Description, tt.description)
			}
		})
	}
}

// Every project of the corpus is served, reads without problems, and
// counts its files as an independent walk does.
func TestGetProjectInfoCorpusSweep(t *testing.T) {
	for _, tree := range []string{"godot4-demos", "godot3-demos"} {
		base := corpusDir(t, tree)
		var roots []string
		err := filepath.WalkDir(base, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && d.Name() == "project.godot" {
				roots = append(roots, filepath.Dir(p))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		absent := map[string]bool{}
		if list, err := os.ReadFile(filepath.Join(base, "absent.txt")); err == nil {
			for _, line := range strings.Split(string(list), "\n") {
				absent[strings.TrimSpace(line)] = true
			}
		}
		if len(roots) < 80 {
			t.Fatalf("%s holds %d projects; the corpus README says many more", tree, len(roots))
		}
		for _, root := range roots {
			rel, _ := filepath.Rel(base, root)
			t.Run(tree+"/"+rel, func(t *testing.T) {
				info := projectInfo(t, root)
				if len(info.Problems) > 0 {
					t.Errorf("problems: %q", info.Problems)
				}
				if want := kindCounts(t, root); info.Counts != want {
					t.Errorf("counts = %+v; an independent walk finds %+v", info.Counts, want)
				}
				if info.Name == "" || info.Engine == "" || info.ID == "" {
					t.Errorf("name %q, engine %q, id %q; want all set", info.Name, info.Engine, info.ID)
				}
				if info.MainSceneOK != nil {
					// Files of 4 MiB and more are truly absent from the corpus.
					file := filepath.ToSlash(filepath.Join(rel, strings.TrimPrefix(info.MainScene, "res://")))
					if want := !absent[file]; *info.MainSceneOK != want {
						t.Errorf("main scene %s exists = %v; want %v", info.MainScene, *info.MainSceneOK, want)
					}
				}
			})
		}
	}
}

func equalPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func show[T any](p *T) string {
	if p == nil {
		return "<unset>"
	}
	return fmt.Sprint(*p)
}

const godot3Fixture = `config_version=4

_global_script_classes=[ {
"base": "Control",
"class": "PianoKey",
"language": "GDScript",
"path": "res://piano_key.gd"
} ]
_global_script_class_icons={
"PianoKey": ""
}

[application]

config/name="Pong"
config/description="Two paddles.
[b]One ball.[/b]"
run/main_scene="pong.tscn"
config/icon="res://icon.png"

[autoload]

Global="*res://global.gd"
Missing="res://missing.tscn"

[editor_plugins]

enabled=PoolStringArray( "x", "res://addons/y/plugin.cfg" )

[input]

ui_jump={
"deadzone": 0.5,
"events": [ Object(InputEventKey,"resource_local_to_scene":false,"resource_name":"","device":0,"alt":false,"shift":false,"control":false,"meta":false,"command":false,"pressed":false,"scancode":32,"physical_scancode":0,"unicode":0,"echo":false,"script":null)
, Object(InputEventJoypadButton,"resource_local_to_scene":false,"resource_name":"","device":0,"button_index":0,"pressure":0.0,"pressed":false,"script":null)
 ]
}
`

func TestGetProjectInfoGodot3Fixture(t *testing.T) {
	root := writeTree(t, map[string]string{
		"project.godot":       godot3Fixture,
		"pong.tscn":           "[gd_scene format=2]\n",
		"global.gd":           "extends Node\n",
		"piano_key.gd":        "extends Control\n",
		"addons/x/plugin.cfg": "[plugin]\n",
		"addons/x/x.gd":       "tool\nextends EditorPlugin\n",
	})
	info := projectInfo(t, root)
	if info.Engine != "3.x" || info.ConfigVersion != 4 || info.Name != "Pong" {
		t.Errorf("engine %q config %d name %q; want 3.x, 4, Pong", info.Engine, info.ConfigVersion, info.Name)
	}
	if info.Description != "Two paddles.\n[b]One ball.[/b]" {
		t.Errorf("description = %q", info.Description)
	}
	if info.MainScene != "res://pong.tscn" || !equalPtr(info.MainSceneOK, ptr(true)) {
		t.Errorf("main scene = %q exists %s; want res://pong.tscn, true", info.MainScene, show(info.MainSceneOK))
	}
	wantAutoloads := []Autoload{
		{Name: "Global", Path: "res://global.gd", Singleton: true, Exists: ptr(true)},
		{Name: "Missing", Path: "res://missing.tscn", Singleton: false, Exists: ptr(false)},
	}
	if !slices.EqualFunc(info.Autoloads, wantAutoloads, func(a, b Autoload) bool {
		return a.Name == b.Name && a.Path == b.Path && a.Singleton == b.Singleton && equalPtr(a.Exists, b.Exists)
	}) {
		t.Errorf("autoloads = %+v; want %+v", info.Autoloads, wantAutoloads)
	}
	wantPlugins := []Plugin{{Path: "res://addons/x/plugin.cfg", Exists: true}, {Path: "res://addons/y/plugin.cfg", Exists: false}}
	if !slices.Equal(info.Plugins, wantPlugins) {
		t.Errorf("plugins = %+v; want %+v", info.Plugins, wantPlugins)
	}
	if len(info.InputActions) != 1 || !slices.Equal(info.InputActions[0].Events, []string{"Key scancode=32", "JoypadButton button_index=0"}) {
		t.Errorf("input actions = %+v; want ui_jump with Key scancode=32 and JoypadButton button_index=0", info.InputActions)
	}
	if len(info.Problems) > 0 {
		t.Errorf("problems: %q", info.Problems)
	}
	if want := (FileCounts{Scenes: 1, Scripts: 3, Files: 6}); info.Counts != want {
		t.Errorf("counts = %+v; want %+v", info.Counts, want)
	}
}

func TestGetProjectInfoFixtures(t *testing.T) {
	tests := []struct {
		name   string
		files  map[string]string
		check  func(t *testing.T, info ProjectInfo)
		counts *FileCounts
	}{
		{
			name: "uid main scene",
			files: map[string]string{
				"project.godot": godot4Project + "run/main_scene=\"uid://b4k3x2yqv0ag\"\nconfig/icon=\"uid://c8d6oq2h1w3ux\"\n",
			},
			check: func(t *testing.T, info ProjectInfo) {
				// No file carries the uid: kept as written, and known missing.
				if info.MainScene != "uid://b4k3x2yqv0ag" || info.MainSceneOK == nil || *info.MainSceneOK || info.MainScenePath != "" {
					t.Errorf("main scene = %q exists %s path %q; want the uid kept, exists false", info.MainScene, show(info.MainSceneOK), info.MainScenePath)
				}
				if info.Icon != "uid://c8d6oq2h1w3ux" {
					t.Errorf("icon = %q", info.Icon)
				}
				if info.Engine != "4.3" || !slices.Equal(info.Features, []string{"4.3", "Forward Plus"}) {
					t.Errorf("engine %q features %q", info.Engine, info.Features)
				}
			},
		},
		{
			name: "missing main scene and autoload",
			files: map[string]string{
				"project.godot": godot4Project + "run/main_scene=\"res://gone.tscn\"\n\n[autoload]\n\nCam=\"*res://src/camera.gd\"\n",
			},
			check: func(t *testing.T, info ProjectInfo) {
				if !equalPtr(info.MainSceneOK, ptr(false)) || len(info.Autoloads) != 1 || !equalPtr(info.Autoloads[0].Exists, ptr(false)) {
					t.Errorf("main scene exists %s, autoloads %+v; want both missing", show(info.MainSceneOK), info.Autoloads)
				}
			},
		},
		{
			name: "escaping paths are not reported as existing",
			files: map[string]string{
				"project.godot": godot4Project + "run/main_scene=\"../outside.tscn\"\n\n[autoload]\n\nA=\"*res://../../etc/passwd\"\n",
			},
			check: func(t *testing.T, info ProjectInfo) {
				if info.MainScene != "res://outside.tscn" || !equalPtr(info.MainSceneOK, ptr(false)) {
					t.Errorf("main scene = %q exists %s", info.MainScene, show(info.MainSceneOK))
				}
				if len(info.Autoloads) != 1 || !equalPtr(info.Autoloads[0].Exists, ptr(false)) {
					t.Errorf("autoloads = %+v", info.Autoloads)
				}
			},
		},
		{
			name: "ignored and cache folders are not counted",
			files: map[string]string{
				"project.godot":               godot4Project,
				"a.tscn":                      "",
				"b.scn":                       "",
				"UPPER.TSCN":                  "",
				"c.gd":                        "",
				"c.gd.uid":                    "uid://x\n",
				"d.cs":                        "",
				"e.tres":                      "",
				"f.res":                       "",
				"g.gdshader":                  "",
				"h.png":                       "",
				"h.png.import":                "",
				".hidden.gd":                  "",
				"art/ignored/.gdignore":       "",
				"art/ignored/x.gd":            "",
				"art/ignored/deep/y.tscn":     "",
				"art/kept.tres":               "",
				".godot/imported/z.tscn":      "",
				".godot/uid_cache.bin":        "",
				".git/HEAD":                   "",
				"addons/p/q.gd":               "",
				"nested/project.godot":        godot4Project,
				"nested/inner.tscn":           "",
				"my folder/ünï cödé.gdshader": "",
			},
			counts: &FileCounts{Scenes: 3, Scripts: 3, Resources: 3, Shaders: 2, Files: 13},
		},
		{
			name: "syntax error in project.godot",
			files: map[string]string{
				"project.godot": "config_version=5\n\n[application]\n\nconfig/name=\"Broken\"\nconfig/features=PackedStringArray(\"4.2\")\nrun/main_scene=\"res://main.tscn\"\n\n[autoload]\n\nBad=Vector2(1,\n\n[input]\n\nok={\n\"deadzone\": 0.5,\n\"events\": []\n}\n",
				"main.tscn":     "",
			},
			check: func(t *testing.T, info ProjectInfo) {
				if len(info.Problems) == 0 {
					t.Errorf("no problems reported for a broken project.godot")
				}
				for _, p := range info.Problems {
					if !strings.Contains(p, "project.godot") {
						t.Errorf("problem %q does not name the file", p)
					}
				}
				if info.Name != "Broken" || info.MainScene != "res://main.tscn" {
					t.Errorf("name %q main scene %q; want what precedes the error still read", info.Name, info.MainScene)
				}
			},
		},
		{
			name:  "more input actions than shown",
			files: map[string]string{"project.godot": manyActions(maxInputActions + 37)},
			check: func(t *testing.T, info ProjectInfo) {
				if !info.Truncated || info.InputTotal != maxInputActions+37 || len(info.InputActions) != maxInputActions {
					t.Errorf("truncated %v, total %d, listed %d; want true, %d, %d",
						info.Truncated, info.InputTotal, len(info.InputActions), maxInputActions+37, maxInputActions)
				}
				if got := info.InputActions[0]; got.Name != "action_0" || len(got.Events) != maxEventsShown+1 ||
					got.Events[maxEventsShown] != "... 2 more" || got.Events[0] != "Key keycode=65" {
					t.Errorf("first action = %+v; want %d events then \"... 2 more\"", got, maxEventsShown)
				}
			},
		},
		{
			name:  "exactly the input action bound",
			files: map[string]string{"project.godot": manyActions(maxInputActions)},
			check: func(t *testing.T, info ProjectInfo) {
				if info.Truncated || info.InputTotal != maxInputActions || len(info.InputActions) != maxInputActions {
					t.Errorf("truncated %v, total %d, listed %d; want false, %d, %d",
						info.Truncated, info.InputTotal, len(info.InputActions), maxInputActions, maxInputActions)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, tt.files)
			info := projectInfo(t, root)
			if tt.check != nil {
				tt.check(t, info)
			}
			if want := kindCounts(t, root); info.Counts != want {
				t.Errorf("counts = %+v; an independent walk finds %+v", info.Counts, want)
			}
			if tt.counts != nil && info.Counts != *tt.counts {
				t.Errorf("counts = %+v; want %+v", info.Counts, *tt.counts)
			}
		})
	}
}

// manyActions is a Godot 4 project.godot with n input actions of 10 key
// events each.
func manyActions(n int) string {
	var b strings.Builder
	b.WriteString(godot4Project + "\n[input]\n\n")
	for i := range n {
		fmt.Fprintf(&b, "action_%d={\n\"deadzone\": 0.5,\n\"events\": [", i)
		for k := range maxEventsShown + 2 {
			if k > 0 {
				b.WriteString("\n, ")
			}
			fmt.Fprintf(&b, `Object(InputEventKey,"resource_local_to_scene":false,"device":-1,"keycode":%d,"physical_keycode":0,"unicode":0,"echo":false,"script":null)`, 65+k)
		}
		b.WriteString("]\n}\n")
	}
	return b.String()
}

// The tool reads project.godot afresh: an edit shows in the next call.
func TestGetProjectInfoFollowsEdits(t *testing.T) {
	root := writeTree(t, map[string]string{"project.godot": godot4Project})
	s := newServer(t, root)
	var before, after ProjectInfo
	callTool(t, s, "get_project_info", nil).decode(t, &before)
	edited := strings.Replace(godot4Project, `"Fixture"`, `"Renamed"`, 1) + "\n[autoload]\n\nA=\"*res://a.gd\"\n"
	if err := os.WriteFile(filepath.Join(root, "project.godot"), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	callTool(t, s, "get_project_info", nil).decode(t, &after)
	if before.Name != "Fixture" || after.Name != "Renamed" || len(after.Autoloads) != 1 {
		t.Errorf("names %q then %q, autoloads after %+v; want the edit to show", before.Name, after.Name, after.Autoloads)
	}
}
