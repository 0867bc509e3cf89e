package index

import (
	"os"
	"path/filepath"
	"testing"
)

func buildProject(t *testing.T, files map[string]string) *Index {
	t.Helper()
	root := filepath.Join(t.TempDir(), "game")
	for rel, content := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ix, err := Build(root)
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func hasEdge(ix *Index, from, to, kind string) bool {
	for _, e := range ix.Edges {
		if e.From == from && e.To == to && e.Kind == kind {
			return true
		}
	}
	return false
}

// TestResolutionRules pins how references resolve, as the engine does.
func TestResolutionRules(t *testing.T) {
	const project = "config_version=5\n[application]\nconfig/name=\"R\"\n"
	t.Run("a string prefix being built is no reference", func(t *testing.T) {
		ix := buildProject(t, map[string]string{
			"project.godot": project,
			"a.gd":          "extends Node\nconst LEVEL = \"res://levels/level_\"\nfunc f(n):\n\treturn load(LEVEL + str(n) + \".tscn\")\n",
		})
		if len(ix.Problems) != 0 {
			t.Fatalf("problems: %+v", ix.Problems)
		}
	})
	t.Run("load() is relative to res://, preload to the script's folder", func(t *testing.T) {
		ix := buildProject(t, map[string]string{
			"project.godot":     project,
			"player/p.gd":       "extends Node\nvar a = load(\"player/sprite.png\")\nconst B = preload(\"sprite.png\")\n",
			"player/sprite.png": "",
		})
		if len(ix.Problems) != 0 {
			t.Fatalf("problems: %+v", ix.Problems)
		}
		if !hasEdge(ix, "res://player/p.gd", "res://player/sprite.png", "load") || !hasEdge(ix, "res://player/p.gd", "res://player/sprite.png", "preload") {
			t.Fatalf("edges: %+v", ix.Edges)
		}
	})
	t.Run("an unknown uid in an autoload is broken", func(t *testing.T) {
		ix := buildProject(t, map[string]string{
			"project.godot": project + "[autoload]\nNet=\"*uid://cunknownxyz\"\n",
		})
		if len(ix.Problems) != 1 || ix.Problems[0].Kind != "missing_autoload" {
			t.Fatalf("problems: %+v", ix.Problems)
		}
	})
	t.Run("a uid on two files follows the written path", func(t *testing.T) {
		scene := "[gd_scene format=3 uid=\"uid://cdup\"]\n[node name=\"N\" type=\"Node\"]\n"
		ix := buildProject(t, map[string]string{
			"project.godot": project,
			"a.tscn":        scene,
			"b.tscn":        scene,
			"main.tscn":     "[gd_scene load_steps=2 format=3]\n[ext_resource type=\"PackedScene\" uid=\"uid://cdup\" path=\"res://b.tscn\" id=\"1\"]\n[node name=\"M\" type=\"Node\"]\n[node name=\"B\" parent=\".\" instance=ExtResource(\"1\")]\n",
		})
		if !hasEdge(ix, "res://main.tscn", "res://b.tscn", "instance") {
			t.Fatalf("edges: %+v", ix.Edges)
		}
	})
	t.Run("a uid only an orphan .import names yields to an existing path", func(t *testing.T) {
		ix := buildProject(t, map[string]string{
			"project.godot":   project,
			"icon.png.import": "[remap]\nimporter=\"texture\"\ntype=\"CompressedTexture2D\"\nuid=\"uid://cold\"\npath=\"res://.godot/imported/icon.png-x.ctex\"\n[deps]\nsource_file=\"res://icon.png\"\n",
			"art/icon.png":    "",
			"main.tscn":       "[gd_scene load_steps=2 format=3]\n[ext_resource type=\"Texture2D\" uid=\"uid://cold\" path=\"res://art/icon.png\" id=\"1\"]\n[node name=\"M\" type=\"Sprite2D\"]\ntexture = ExtResource(\"1\")\n",
		})
		for _, p := range ix.Problems {
			if p.File == "res://main.tscn" {
				t.Fatalf("the existing path was not used: %+v", p)
			}
		}
		if !hasEdge(ix, "res://main.tscn", "res://art/icon.png", "ext_resource") {
			t.Fatalf("edges: %+v", ix.Edges)
		}
	})
	t.Run("project settings that name files", func(t *testing.T) {
		ix := buildProject(t, map[string]string{
			"project.godot": project + "[rendering]\nenvironment/default_environment=\"res://default_env.tres\"\n[gui]\ntheme/custom=\"res://theme.tres\"\n[internationalization]\nlocale/translations=PackedStringArray(\"res://missing.po\")\n",
			"theme.tres":    "[gd_resource type=\"Theme\" format=3]\n[resource]\n",
		})
		if len(ix.Problems) != 1 || ix.Problems[0].Missing != "res://default_env.tres" {
			t.Fatalf("problems: %+v", ix.Problems)
		}
		if !hasEdge(ix, "res://project.godot", "res://theme.tres", "setting") {
			t.Fatalf("edges: %+v", ix.Edges)
		}
	})
	t.Run("engine classes used only from scripts", func(t *testing.T) {
		ix := buildProject(t, map[string]string{
			"project.godot": project,
			"fx.gd":         "extends RichTextEffect\n",
			"imp.gd":        "@tool\nextends EditorScenePostImport\n",
		})
		if len(ix.Problems) != 0 {
			t.Fatalf("problems: %+v", ix.Problems)
		}
	})
}

func TestParseErrorHasLine(t *testing.T) {
	ix := buildProject(t, map[string]string{
		"project.godot": "config_version=5\n",
		"bad.gd":        "extends Node\n\nfunc f(:\n\tpass\n",
	})
	if len(ix.Problems) != 1 || ix.Problems[0].Kind != "parse_error" || ix.Problems[0].Line != 3 {
		t.Fatalf("problems: %+v", ix.Problems)
	}
}

func TestBuiltInScriptReferences(t *testing.T) {
	ix := buildProject(t, map[string]string{
		"project.godot": "config_version=5\n",
		"base.gd":       "extends Node\n",
		"main.tscn": `[gd_scene load_steps=2 format=3]

[sub_resource type="GDScript" id="GDScript_1"]
script/source = "extends \"res://nope.gd\"

const B = preload(\"res://base.gd\")
"

[node name="Main" type="Node"]
script = SubResource("GDScript_1")
`,
	})
	if len(ix.Problems) != 1 || ix.Problems[0].Kind != "missing_file" || ix.Problems[0].File != "res://main.tscn" || ix.Problems[0].Line != 4 {
		t.Fatalf("problems: %+v", ix.Problems)
	}
	found := false
	for _, e := range ix.Edges {
		if e.From == "res://main.tscn" && e.To == "res://base.gd" && e.Kind == "preload" && e.Line == 6 {
			found = true
		}
	}
	if !found {
		t.Fatalf("edges: %+v", ix.Edges)
	}
}
