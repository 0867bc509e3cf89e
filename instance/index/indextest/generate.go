// Package indextest generates Godot projects for the tests and benchmarks
// of the index and of the programs built on it.
package indextest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/instance/uid"
)

// GenerateProject writes a Godot 4 project of about n files under dir and
// returns its root. A quarter of the files are scripts (each with a .uid
// sidecar, so two files), a quarter scenes, the rest resources and textures.
func GenerateProject(tb testing.TB, dir string, n int) string {
	tb.Helper()
	root := filepath.Join(dir, "game")
	write := func(rel, content string) {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
		// An hour old, as most of a real project is: a file written in the
		// last seconds is hashed again by each check (index racyWindow).
		old := time.Now().Add(-time.Hour)
		if err := os.Chtimes(p, old, old); err != nil {
			tb.Fatal(err)
		}
	}
	scripts, scenes := n/8, n/4
	textures := n - 2*scripts - scenes - n/8
	resources := n / 8
	write("project.godot", `config_version=5

[application]
config/name="Generated"
run/main_scene="res://scenes/scene_0000.tscn"
config/features=PackedStringArray("4.4", "Forward Plus")

[autoload]
Events="*res://scripts/script_0000.gd"
`)
	scriptUID := func(i int) string { return uid.Encode(uint64(1_000_000 + i)) }
	sceneUID := func(i int) string { return uid.Encode(uint64(2_000_000 + i)) }
	for i := range scripts {
		var body strings.Builder
		fmt.Fprintf(&body, "class_name Gen%04d\nextends CharacterBody2D\n## Generated script %d.\n\n", i, i)
		fmt.Fprintf(&body, "signal hit(amount: int, source: Node)\nsignal died\n\n")
		if i > 0 {
			fmt.Fprintf(&body, "const Base = preload(\"res://scripts/script_%04d.gd\")\n", i-1)
		}
		fmt.Fprintf(&body, "@export var speed: float = %d.0\n@onready var sprite: Sprite2D = $Sprite\nvar target: Gen%04d\n\n", 100+i, (i+1)%scripts)
		for f := range 6 {
			fmt.Fprintf(&body, "func step_%d(delta: float) -> void:\n\tif speed > %d:\n\t\tvelocity.x += speed * delta\n\t\tstep_%d(delta)\n\telse:\n\t\thit.emit(%d, self)\n\n", f, f, (f+1)%6, f)
		}
		body.WriteString("func _physics_process(delta: float) -> void:\n\tstep_0(delta)\n\tmove_and_slide()\n")
		write(fmt.Sprintf("scripts/script_%04d.gd", i), body.String())
		write(fmt.Sprintf("scripts/script_%04d.gd.uid", i), scriptUID(i)+"\n")
	}
	for i := range textures {
		write(fmt.Sprintf("art/tex_%04d.png", i), "")
	}
	for i := range resources {
		write(fmt.Sprintf("resources/res_%04d.tres", i), fmt.Sprintf(`[gd_resource type="SpriteFrames" load_steps=2 format=3]

[ext_resource type="Texture2D" path="res://art/tex_%04d.png" id="1_tex"]

[resource]
animations = [{
"frames": [{"duration": 1.0, "texture": ExtResource("1_tex")}],
"loop": true,
"name": &"default",
"speed": 5.0
}]
`, i%max(textures, 1)))
	}
	for i := range scenes {
		var s strings.Builder
		fmt.Fprintf(&s, "[gd_scene load_steps=5 format=3 uid=\"%s\"]\n\n", sceneUID(i))
		fmt.Fprintf(&s, "[ext_resource type=\"Script\" uid=\"%s\" path=\"res://scripts/script_%04d.gd\" id=\"1_s\"]\n", scriptUID(i%scripts), i%scripts)
		fmt.Fprintf(&s, "[ext_resource type=\"SpriteFrames\" path=\"res://resources/res_%04d.tres\" id=\"2_r\"]\n", i%max(resources, 1))
		if i+1 < scenes {
			fmt.Fprintf(&s, "[ext_resource type=\"PackedScene\" uid=\"%s\" path=\"res://scenes/scene_%04d.tscn\" id=\"3_c\"]\n", sceneUID(i+1), i+1)
		}
		fmt.Fprintf(&s, "\n[node name=\"Scene%d\" type=\"Node2D\" groups=[\"generated\"]]\nscript = ExtResource(\"1_s\")\n\n", i)
		fmt.Fprintf(&s, "[node name=\"Sprite\" type=\"AnimatedSprite2D\" parent=\".\"]\nsprite_frames = ExtResource(\"2_r\")\n\n")
		if i+1 < scenes {
			fmt.Fprintf(&s, "[node name=\"Child\" parent=\".\" instance=ExtResource(\"3_c\")]\nposition = Vector2(%d, 0)\n\n", i)
		}
		fmt.Fprintf(&s, "[connection signal=\"ready\" from=\"Sprite\" to=\".\" method=\"step_0\"]\n")
		write(fmt.Sprintf("scenes/scene_%04d.tscn", i), s.String())
	}
	return root
}
