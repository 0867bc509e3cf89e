package index

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godot-mcp-router/godot-mcp-router/detect"
	"github.com/godot-mcp-router/godot-mcp-router/instance/uid"
)

// BenchmarkBuildGodot4Demos indexes every project of the godot4-demos
// corpus tree (139 projects) per iteration.
func BenchmarkBuildGodot4Demos(b *testing.B) {
	projects, err := detect.Scan(filepath.Join(corpusDir(b), "godot4-demos"), detect.ScanOptions{MaxDepth: 6, MaxDirs: 100000})
	if err != nil || len(projects) != 139 {
		b.Fatalf("corpus scan: %d projects, %v", len(projects), err)
	}
	files := 0
	for b.Loop() {
		files = 0
		for _, p := range projects {
			ix, err := Build(p.Root)
			if err != nil {
				b.Fatal(err)
			}
			files += len(ix.Files)
		}
	}
	b.ReportMetric(float64(files), "files/op")
}

// BenchmarkBuildGenerated1000 indexes a generated Godot 4 project of 1,000
// files in real syntax: scripts with class_name, preloads, signals and
// functions; scenes that attach them and instance each other; resources;
// .uid sidecars; textures. Target: under 300 ms on 2 cores.
func BenchmarkBuildGenerated1000(b *testing.B) {
	root := GenerateProject(b, b.TempDir(), 1000)
	var ix *Index
	for b.Loop() {
		var err error
		ix, err = Build(root)
		if err != nil {
			b.Fatal(err)
		}
	}
	if len(ix.Problems) != 0 {
		b.Fatalf("generated project has problems: %+v", ix.Problems[:min(5, len(ix.Problems))])
	}
	b.ReportMetric(float64(len(ix.Files)), "files")
	b.ReportMetric(float64(len(ix.Edges)), "edges")
}

// BenchmarkSubgraph is a warm get_dependency_graph around one scene.
func BenchmarkSubgraph(b *testing.B) {
	root := GenerateProject(b, b.TempDir(), 1000)
	ix, err := Build(root)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		g := ix.Subgraph(GraphOptions{Around: "res://scenes/scene_0010.tscn", Depth: 3, MaxEdges: 300})
		if len(g.Edges) == 0 {
			b.Fatal("empty graph")
		}
	}
}

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

// BenchmarkUpdateOneChange: the index of a 1,000-file project after one
// script changed (what a call pays after an edit, until the watcher).
func BenchmarkUpdateOneChange(b *testing.B) {
	root := GenerateProject(b, b.TempDir(), 1000)
	ix, err := Build(root)
	if err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(root, "scripts", "script_0001.gd")
	src, _ := os.ReadFile(p)
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		os.WriteFile(p, append(src, fmt.Sprintf("\n# edit %d\n", i)...), 0o644)
		b.StartTimer()
		if ix, err = Update(root, ix); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(ix.Reused), "reused")
}

// BenchmarkWalk2000: listing a 2,000-file project with each file's size and
// modification time, what every check of the index against the disk costs.
func BenchmarkWalk2000(b *testing.B) {
	root := GenerateProject(b, b.TempDir(), 2000)
	for b.Loop() {
		if _, err := walk(root); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdateUnchanged2000: the check a call makes when nothing changed
// (a walk, then the same index back).
func BenchmarkUpdateUnchanged2000(b *testing.B) {
	root := GenerateProject(b, b.TempDir(), 2000)
	ix, err := Build(root)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if up, err := Update(root, ix); err != nil || up != ix {
			b.Fatal("Update of an unchanged tree built a new index", err)
		}
	}
}
