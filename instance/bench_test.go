package instance

import (
	"context"
	"encoding/json"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// largestProject returns the project of a corpus tree holding the most files.
func largestProject(b *testing.B, tree string) string {
	b.Helper()
	base := corpusDir(b, tree)
	counts := map[string]int{}
	var roots []string
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if d.Name() == "project.godot" {
			roots = append(roots, filepath.Dir(p))
		}
		for dir := filepath.Dir(p); strings.HasPrefix(dir, base); dir = filepath.Dir(dir) {
			counts[dir]++
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	best := ""
	for _, r := range roots {
		if best == "" || counts[r] > counts[best] {
			best = r
		}
	}
	if best == "" {
		b.Fatalf("no project in %s", base)
	}
	return best
}

// benchCall sends one prepared tools/call message per iteration through the
// MCP server in process.
func benchCall(b *testing.B, s *Server, name string, args any) {
	b.Helper()
	msg := callMessage(b, name, args)
	ctx := context.Background()
	check := callTool(b, s, name, args)
	if check.IsError {
		b.Fatalf("%s: %s", name, check.text())
	}
	b.ReportAllocs()
	for b.Loop() {
		resp := s.MCP().HandleMessage(ctx, json.RawMessage(msg))
		if resp == nil {
			b.Fatal("no response")
		}
	}
}

func BenchmarkGetProjectInfo(b *testing.B) {
	for _, bc := range []struct {
		name string
		root func(b *testing.B) string
	}{
		{"platformer", func(b *testing.B) string { return corpusDir(b, "godot4-demos", "2d", "platformer") }},
		{"largest", func(b *testing.B) string { return largestProject(b, "godot4-demos") }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			root := bc.root(b)
			b.Logf("project %s", root)
			benchCall(b, newServer(b, root), "get_project_info", map[string]any{})
		})
	}
}

func BenchmarkGetSourceFile(b *testing.B) {
	root := writeTree(b, map[string]string{
		"project.godot": godot4Project,
		"player.gd":     numbered("\tvar value_of_some_length = ", 1, 1000),
	})
	s := newServer(b, root)
	for _, bc := range []struct {
		name string
		args map[string]any
	}{
		{"whole", map[string]any{"path": "res://player.gd"}},
		{"range", map[string]any{"path": "res://player.gd", "start_line": 400, "end_line": 450}},
	} {
		b.Run(bc.name, func(b *testing.B) { benchCall(b, s, "get_source_file", bc.args) })
	}
}
