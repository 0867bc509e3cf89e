package main

// Every project tool, through the real router and a real instance, on the
// fixture project in testdata/g4game (real GDScript; the corpus scripts are
// blanked).

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// check calls a tool, fails on a tool error, and returns its structured
// result as generic JSON for assertions.
func (s *session) check(name string, args map[string]any) map[string]any {
	s.t.Helper()
	var out map[string]any
	res := s.call(name, args, &out)
	if res.IsError {
		s.t.Fatalf("%s(%v): %s", name, args, resultText(res))
	}
	if resultText(res) == "" {
		s.t.Errorf("%s: no text rendering", name)
	}
	return out
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// hasObject reports whether v holds, at any depth, an object with all the
// given fields (compared as JSON).
func hasObject(v any, want map[string]any) bool {
	switch t := v.(type) {
	case map[string]any:
		all := true
		for k, w := range want {
			if jsonOf(t[k]) != jsonOf(w) {
				all = false
				break
			}
		}
		if all {
			return true
		}
		for _, x := range t {
			if hasObject(x, want) {
				return true
			}
		}
	case []any:
		for _, x := range t {
			if hasObject(x, want) {
				return true
			}
		}
	}
	return false
}

func mustHave(t *testing.T, what string, v any, objs ...map[string]any) {
	t.Helper()
	for _, o := range objs {
		if !hasObject(v, o) {
			t.Errorf("%s lacks an object with %s:\n%s", what, jsonOf(o), jsonOf(v))
		}
	}
}

func mustContain(t *testing.T, what string, v any, parts ...string) {
	t.Helper()
	s := jsonOf(v)
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("%s lacks %s:\n%s", what, p, s)
		}
	}
}

func TestEveryToolEndToEnd(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("testdata", "g4game"))
	if err != nil {
		t.Fatal(err)
	}
	s := startRouter(t, newRouterEnv(t), root)

	t.Run("get_project_info", func(t *testing.T) {
		out := s.check("get_project_info", nil)
		mustContain(t, "project info", out, `"name":"Fixture Game"`, `"main_scene":"uid://b0main0scene0"`,
			`"main_scene_path":"res://main.tscn"`, `"main_scene_exists":true`, `"name":"Game"`, `"classes":1`, `"broken_references":2`)
	})
	t.Run("get_version_info", func(t *testing.T) {
		out := s.check("get_version_info", nil)
		mustContain(t, "version info", out, `"id":"fixture-game/1.2"`, `"current":true`)
	})
	t.Run("list_scripts", func(t *testing.T) {
		out := s.check("list_scripts", nil)
		if out["total"] != float64(6) {
			t.Errorf("total = %v, want 6: %s", out["total"], jsonOf(out))
		}
		out = s.check("list_scripts", map[string]any{"class": "play"})
		mustContain(t, "class filter", out, `"total":1`, `"class_name":"Player"`)
		out = s.check("list_scripts", map[string]any{"limit": 2, "offset": 1})
		mustContain(t, "paging", out, `"truncated":true`, `"offset":1`)
	})
	t.Run("get_script", func(t *testing.T) {
		out := s.check("get_script", map[string]any{"path": "res://player.gd"})
		mustContain(t, "player outline", out, `"class_name":"Player"`, `"extends":"CharacterBody2D"`,
			`"name":"_physics_process"`, `"name":"died"`, `"cause: String"`, `"return_type":"void"`, `"static":false`)
	})
	t.Run("search_scripts", func(t *testing.T) {
		out := s.check("search_scripts", map[string]any{"query": "move_and_slide"})
		mustContain(t, "text search", out, `"path":"res://player.gd"`, `"line":24`)
		out = s.check("search_scripts", map[string]any{"query": "gravity", "kind": "function"})
		mustContain(t, "function search", out, `apply_gravity`)
		out = s.check("search_scripts", map[string]any{"query": "died", "kind": "signal"})
		mustContain(t, "signal search", out, `"kind":"signal"`)
	})
	t.Run("analyze_dependencies", func(t *testing.T) {
		out := s.check("analyze_dependencies", map[string]any{"path": "res://player.gd"})
		mustHave(t, "player.gd deps", out,
			map[string]any{"to": "res://bullet.gd", "kind": "preload", "line": 7},
			map[string]any{"from": "res://player.tscn", "to": "res://player.gd", "kind": "script"},
			map[string]any{"from": "res://main.gd", "to": "res://player.gd", "kind": "class", "line": 3})
		out = s.check("analyze_dependencies", map[string]any{"path": "res://main.tscn", "transitive": true})
		mustHave(t, "transitive", out, map[string]any{"to": "res://projectile.gd", "kind": "extends"})
	})
	t.Run("get_dependency_graph", func(t *testing.T) {
		out := s.check("get_dependency_graph", nil)
		mustHave(t, "graph", out, map[string]any{"from": "res://main.tscn", "to": "res://player.tscn", "kind": "instance"},
			map[string]any{"path": "res://player.tscn", "kind": "scene"})
		out = s.check("get_dependency_graph", map[string]any{"format": "mermaid", "path": "res://player.gd", "depth": 1})
		mustContain(t, "mermaid", out, `flowchart LR`)
		out = s.check("get_dependency_graph", map[string]any{"format": "dot", "kinds": []string{"instance"}})
		mustContain(t, "dot", out, `digraph`, `instance`)
		// main.gd changes to main.tscn, which uses main.gd: a cycle.
		out = s.check("get_dependency_graph", map[string]any{"kinds": []string{"load", "script"}})
		mustContain(t, "cycle", out, `"cycles":[["res://main.gd","res://main.tscn","res://main.gd"]]`)
	})
	t.Run("list_scenes", func(t *testing.T) {
		out := s.check("list_scenes", nil)
		mustContain(t, "scenes", out, `"total":2`, `"root_name":"Main"`, `"root_type":"Node2D"`, `"script":"res://main.gd"`)
	})
	t.Run("get_scene", func(t *testing.T) {
		out := s.check("get_scene", map[string]any{"path": "res://main.tscn"})
		mustContain(t, "main scene", out, `"path":"Player"`, `"instance":"res://player.tscn"`, `"parent":"."`,
			`"path":"HUD/Score"`, `"parent":"HUD"`, `"groups":["level"]`, `"signal":"died"`, `"total_nodes":4`)
		out = s.check("get_scene", map[string]any{"path": "res://main.tscn", "expand_instances": true})
		mustContain(t, "expanded", out, `"path":"Player/Sprite"`, `"from":"res://player.tscn"`)
	})
	t.Run("find_references", func(t *testing.T) {
		out := s.check("find_references", map[string]any{"target": "Player"})
		mustContain(t, "class refs", out, `"target_kind":"class"`)
		mustHave(t, "class refs", out, map[string]any{"file": "res://main.gd", "line": 3, "kind": "type"},
			map[string]any{"file": "res://player.gd", "line": 1, "kind": "declaration"})
		out = s.check("find_references", map[string]any{"target": "died"})
		mustContain(t, "signal refs", out, `"target_kind":"signal"`, `"kind":"emit"`, `"kind":"connect"`, `"kind":"connection"`)
		// The same class asked for by an explicit kind. (Scripts extending a
		// class's script by path: TestSceneInheritanceAndOverrides.)
		out = s.check("find_references", map[string]any{"target": "Player", "kind": "class"})
		mustHave(t, "class refs", out, map[string]any{"file": "res://player.gd", "kind": "declaration"})
		out = s.check("find_references", map[string]any{"target": "res://player.tscn"})
		mustContain(t, "file refs", out, `"file":"res://main.tscn"`, `"kind":"instance"`)
		out = s.check("find_references", map[string]any{"target": "Sprite", "kind": "node"})
		mustContain(t, "node refs", out, `"kind":"node_path"`, `"file":"res://player.tscn"`)
	})
	t.Run("check_project", func(t *testing.T) {
		out := s.check("check_project", nil)
		mustContain(t, "problems", out, `"total":2`)
		mustHave(t, "problems", out,
			map[string]any{"kind": "missing_file", "file": "res://player.tscn", "line": 4, "target": "res://art/missing.png"},
			map[string]any{"kind": "unresolved_extends", "file": "res://enemy.gd", "line": 1, "target": "EnemyBase"})
	})
	t.Run("get_source_file", func(t *testing.T) {
		out := s.check("get_source_file", map[string]any{"path": "res://player.gd", "start_line": 1, "end_line": 2})
		mustContain(t, "source", out, `"content":"class_name Player\nextends CharacterBody2D\n"`)
	})
	t.Run("find_hot_paths", func(t *testing.T) {
		out := s.check("find_hot_paths", nil)
		mustHave(t, "hot paths", out,
			map[string]any{"script": "res://player.gd", "entry": "_physics_process", "line": 15, "calls": []string{"move", "apply_gravity"}, "reachable_from_main": true},
			map[string]any{"script": "res://autoload/game.gd", "entry": "_process", "reachable_from_main": true})
	})
	t.Run("get_active_nodes", func(t *testing.T) {
		out := s.check("get_active_nodes", nil)
		mustHave(t, "active nodes", out,
			map[string]any{"path": "/root/Game", "script": "res://autoload/game.gd", "callbacks": []string{"_process"}},
			map[string]any{"path": "/root/Main", "type": "Node2D"},
			map[string]any{"path": "/root/Main/Player", "type": "CharacterBody2D", "script": "res://player.gd", "callbacks": []string{"_physics_process"}},
			map[string]any{"path": "/root/Main/Player/Sprite", "type": "Sprite2D"},
			map[string]any{"path": "/root/Main/HUD/Score", "type": "Label"})
	})
	t.Run("bad arguments are tool errors", func(t *testing.T) {
		for _, c := range []struct {
			tool string
			args map[string]any
		}{
			{"get_script", map[string]any{"path": "res://nope.gd"}},
			{"get_scene", map[string]any{"path": "res://player.gd"}},
			{"list_scripts", map[string]any{"limit": 0}},
			{"get_dependency_graph", map[string]any{"format": "png"}},
			{"find_references", map[string]any{"target": "x", "kind": "planet"}},
			{"search_scripts", map[string]any{}},
			{"analyze_dependencies", map[string]any{"path": "../../etc/passwd"}},
		} {
			if res := s.call(c.tool, c.args, nil); !res.IsError {
				t.Errorf("%s(%v) should be a tool error, got %s", c.tool, c.args, resultText(res))
			}
		}
	})
}

// TestGodot3ProjectTools: the same tools on a real Godot 3 project (int ids,
// padded ExtResource( 3 ), [deps] imports), through the router.
func TestGodot3ProjectTools(t *testing.T) {
	g3 := corpus(t, "godot3-demos/2d/platformer")
	s := startRouter(t, newRouterEnv(t), g3)
	out := s.check("get_scene", map[string]any{"path": "res://src/main/game.tscn"})
	mustContain(t, "godot3 scene", out, `"total_nodes":5`)
	mustHave(t, "godot3 scene", out,
		map[string]any{"path": "Level", "instance": "res://src/level/level.tscn", "parent": "."},
		map[string]any{"path": "Level/Player", "parent": "Level"},
		map[string]any{"path": "InterfaceLayer/PauseMenu", "instance": "res://src/ui/pause_menu.tscn"},
		map[string]any{"path": ".", "name": "Game", "type": "Node", "script": "res://src/main/game.gd"})
	out = s.check("check_project", nil)
	mustContain(t, "godot3 check", out, `"total":0`)
	out = s.check("analyze_dependencies", map[string]any{"path": "res://src/main/game.tscn"})
	mustHave(t, "godot3 deps", out, map[string]any{"to": "res://src/level/level.tscn", "kind": "instance"},
		map[string]any{"from": "res://project.godot", "kind": "main_scene"})
}

// TestAnswersStayBounded: at the largest sizes the tools allow, on the
// largest corpus scene (1,044 nodes) and project, every answer (content and
// structured result together) stays under 100 KB, about 25,000 tokens.
func TestAnswersStayBounded(t *testing.T) {
	big := corpus(t, "godot4-demos/3d/occlusion_culling_mesh_lod")
	s := startRouter(t, newRouterEnv(t), big)
	rpg := corpus(t, "godot4-demos/2d/role_playing_game")
	calls := []struct {
		tool string
		args map[string]any
	}{
		{"get_scene", map[string]any{"path": "res://node_3d.tscn", "max_nodes": 500}},
		{"get_scene", map[string]any{"path": "res://node_3d.tscn", "max_nodes": 500, "expand_instances": true}},
		{"get_source_file", map[string]any{"path": "res://node_3d.tscn"}},
		{"get_dependency_graph", map[string]any{"project": rpg, "max_edges": 1000}},
		{"get_dependency_graph", map[string]any{"project": rpg, "max_edges": 1000, "format": "dot"}},
		{"list_scenes", map[string]any{"project": rpg, "limit": 200}},
		{"list_scripts", map[string]any{"project": rpg, "limit": 200}},
		{"get_active_nodes", map[string]any{"project": rpg, "limit": 200}},
		{"find_hot_paths", map[string]any{"project": rpg, "limit": 200}},
		{"check_project", map[string]any{"project": rpg, "limit": 200}},
	}
	for _, c := range calls {
		res := s.call(c.tool, c.args, nil)
		if res.IsError {
			t.Fatalf("%s: %s", c.tool, resultText(res))
		}
		size := len(jsonOf(res))
		t.Logf("%s %v: %d bytes", c.tool, c.args, size)
		if size > 100_000 {
			t.Errorf("%s answered %d bytes; the bound is 100,000", c.tool, size)
		}
	}
	var scene struct {
		Total     int  `json:"total_nodes"`
		Truncated bool `json:"truncated"`
	}
	s.call("get_scene", map[string]any{"path": "res://node_3d.tscn"}, &scene)
	if scene.Total != 1044 || !scene.Truncated {
		t.Errorf("get_scene on 1,044 nodes: total %d truncated %v", scene.Total, scene.Truncated)
	}
}

// TestHugeInputsStayBounded: a script with thousands of functions and
// megabyte arguments still get answers under 100 KB.
func TestHugeInputsStayBounded(t *testing.T) {
	root := filepath.Join(t.TempDir(), "huge")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "project.godot"), []byte("config_version=5\n[application]\nconfig/name=\"Huge\"\n"), 0o644)
	var src strings.Builder
	src.WriteString("extends Node\n")
	for i := range 3000 {
		fmt.Fprintf(&src, "signal s%d(a: int)\nvar v%d := %d\nfunc f%d(a: int, b: String = \"x\") -> void:\n\tf%d(a, b)\n", i, i, i, i, (i+1)%3000)
	}
	src.WriteString("func _process(delta):\n")
	for i := range 3000 {
		fmt.Fprintf(&src, "\tf%d(1, \"y\")\n", i)
	}
	os.WriteFile(filepath.Join(root, "big.gd"), []byte(src.String()), 0o644)
	s := startRouter(t, newRouterEnv(t), root)
	huge := strings.Repeat("x", 1<<20)
	for _, c := range []struct {
		tool string
		args map[string]any
	}{
		{"get_script", map[string]any{"path": "res://big.gd"}},
		{"get_script", map[string]any{"path": "res://big.gd", "content": false}},
		{"find_hot_paths", map[string]any{"limit": 200}},
		{"search_scripts", map[string]any{"query": "f1", "limit": 200}},
		{"get_source_file", map[string]any{"path": huge}},
		{"search_scripts", map[string]any{"query": huge}},
		{"find_references", map[string]any{"target": huge}},
		{"get_project_info", map[string]any{"project": huge}},
	} {
		res := s.call(c.tool, c.args, nil)
		if size := len(jsonOf(res)); size > 100_000 {
			t.Errorf("%s answered %d bytes; the bound is 100,000", c.tool, size)
		}
	}
}

// TestEditsAreSeen: a file written, changed or removed between two calls is
// in the second answer (the instance re-reads what changed).
func TestEditsAreSeen(t *testing.T) {
	src, _ := filepath.Abs(filepath.Join("testdata", "g4game"))
	root := filepath.Join(t.TempDir(), "g4game")
	if err := os.CopyFS(root, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	s := startRouter(t, newRouterEnv(t), root)
	if out := s.check("list_scripts", nil); out["total"] != float64(6) {
		t.Fatalf("before: %v", out["total"])
	}
	os.WriteFile(filepath.Join(root, "boss.gd"), []byte("class_name Boss\nextends \"res://enemy.gd\"\nfunc roar() -> void:\n\tpass\n"), 0o644)
	os.Remove(filepath.Join(root, "enemy.gd"))
	// The instance's watcher shows a write within milliseconds, not in the
	// same instant.
	var out map[string]any
	until(t, "list_scripts shows the edit", func() bool {
		out = s.check("list_scripts", nil)
		b, _ := json.Marshal(out)
		return strings.Contains(string(b), `"class_name":"Boss"`) && out["total"] == float64(6) // boss.gd in, enemy.gd out
	})
	mustContain(t, "after the edit", out, `"total":6`, `"class_name":"Boss"`)
	out = s.check("check_project", nil)
	mustHave(t, "after the edit", out, map[string]any{"kind": "missing_file", "file": "res://boss.gd", "target": "res://enemy.gd"})
}

// TestVersionsLayout: the original's <slug>/<version>/ layout. Standing
// above two versions, calls go to the highest; slug/version picks one; and
// get_version_info lists both.
func TestVersionsLayout(t *testing.T) {
	top := filepath.Join(t.TempDir(), "noxii")
	for _, v := range []string{"0.15", "0.16"} {
		dir := filepath.Join(top, v)
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "project.godot"), []byte("config_version=5\n[application]\nconfig/name=\"Noxii "+v+"\"\nconfig/features=PackedStringArray(\"4.3\")\n"), 0o644)
	}
	s := startRouter(t, newRouterEnv(t), top)
	var d struct {
		Project struct {
			ID string `json:"id"`
		} `json:"project"`
		Confidence   string `json:"confidence"`
		Alternatives []struct {
			ID string `json:"id"`
		} `json:"alternatives"`
	}
	s.call("debug_detection", nil, &d)
	if d.Project.ID != "noxii/0.16" || d.Confidence != "medium" || len(d.Alternatives) != 1 || d.Alternatives[0].ID != "noxii/0.15" {
		t.Fatalf("above two versions: %+v", d)
	}
	out := s.check("get_version_info", nil)
	mustHave(t, "versions", out, map[string]any{"id": "noxii/0.16", "current": true}, map[string]any{"id": "noxii/0.15", "current": false})
	out = s.check("get_project_info", map[string]any{"project": "noxii/0.15"})
	mustContain(t, "explicit version", out, `"name":"Noxii 0.15"`, `"id":"noxii/0.15"`)
}

// writeProject writes files (relative path -> content) under a new root.
func writeProject(t *testing.T, files map[string]string) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "game")
	for rel, content := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestSceneInheritanceAndOverrides: an instanced scene that inherits
// another, and a parent scene overriding a node inside it, expand to one
// node per path with the types, scripts and callbacks the engine would give.
func TestSceneInheritanceAndOverrides(t *testing.T) {
	root := writeProject(t, map[string]string{
		"project.godot": "config_version=5\n[application]\nconfig/name=\"Inherit\"\nrun/main_scene=\"res://main.tscn\"\n",
		"enemy.gd":      "class_name Enemy\nextends CharacterBody2D\n\nfunc _physics_process(delta):\n\tpass\n",
		"red.gd":        "extends Enemy\n",
		"boss.gd":       "extends \"res://enemy.gd\"\n\nsignal died\n\nfunc f():\n\tawait died\n",
		"enemy.tscn": `[gd_scene load_steps=2 format=3]
[ext_resource type="Script" path="res://enemy.gd" id="1"]
[node name="Enemy" type="CharacterBody2D"]
script = ExtResource("1")
[node name="Sprite" type="Sprite2D" parent="."]
[node name="Shape" type="CollisionShape2D" parent="."]
`,
		"red.tscn": `[gd_scene load_steps=3 format=3]
[ext_resource type="PackedScene" path="res://enemy.tscn" id="1"]
[ext_resource type="Script" path="res://red.gd" id="2"]
[node name="Red" instance=ExtResource("1")]
script = ExtResource("2")
[node name="Sprite" parent="."]
modulate = Color(1, 0, 0, 1)
`,
		"main.tscn": `[gd_scene load_steps=2 format=3]
[ext_resource type="PackedScene" path="res://red.tscn" id="1"]
[node name="Main" type="Node2D"]
[node name="Red" parent="." instance=ExtResource("1")]
[node name="Sprite" parent="Red" groups=["tinted"]]
`,
	})
	s := startRouter(t, newRouterEnv(t), root)
	out := s.check("get_scene", map[string]any{"path": "res://main.tscn", "expand_instances": true})
	mustContain(t, "expanded", out, `"total_nodes":4`)
	mustHave(t, "expanded", out,
		map[string]any{"path": "Red", "type": "CharacterBody2D", "script": "res://red.gd"},
		map[string]any{"path": "Red/Sprite", "type": "Sprite2D", "groups": []string{"tinted"}},
		map[string]any{"path": "Red/Shape", "type": "CollisionShape2D"})
	out = s.check("get_active_nodes", map[string]any{"only_processing": true})
	mustContain(t, "active", out, `"total":1`)
	mustHave(t, "active", out, map[string]any{"path": "/root/Main/Red", "type": "CharacterBody2D", "callbacks": []string{"_physics_process"}})
	out = s.check("get_active_nodes", nil)
	mustContain(t, "active", out, `"total":4`)
	out = s.check("find_references", map[string]any{"target": "Enemy"})
	mustHave(t, "class refs", out, map[string]any{"file": "res://boss.gd", "kind": "extends", "detail": "by path"},
		map[string]any{"file": "res://red.gd", "kind": "extends"})
	out = s.check("find_references", map[string]any{"target": "died", "kind": "signal"})
	mustHave(t, "awaited", out, map[string]any{"file": "res://boss.gd", "line": 6, "kind": "await"})
}
