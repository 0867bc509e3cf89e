package instance

import (
	"context"
	"encoding/json"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/godot-mcp-router/godot-mcp-router/instance/index"
	"github.com/godot-mcp-router/godot-mcp-router/instance/index/indextest"
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

// BenchmarkFirstCallAfterRestart2000: an instance starting on a generated
// 2,000-file project and answering its first call, get_project_info, with
// and without a snapshot of its index. Process start is the same either way
// and not included (the root package's BenchmarkRestartFirstCall2000 has
// it).
func BenchmarkFirstCallAfterRestart2000(b *testing.B) {
	root := indextest.GenerateProject(b, b.TempDir(), 2000)
	ix, err := index.Build(root)
	if err != nil {
		b.Fatal(err)
	}
	snap, err := ix.Snapshot(buildID())
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		snap []byte
	}{{"scan", nil}, {"snapshot", snap}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				s, err := New(root, Options{Snapshot: bc.snap})
				if err != nil {
					b.Fatal(err)
				}
				res, err := s.getProjectInfo(context.Background(), mcp.CallToolRequest{})
				if err != nil || res.IsError {
					b.Fatal(err, res)
				}
				if s.Started().Index != bc.name {
					b.Fatalf("index made by %s; want %s", s.Started().Index, bc.name)
				}
			}
		})
	}
}
