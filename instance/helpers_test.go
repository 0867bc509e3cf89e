package instance

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// godot4Project and godot3Project are minimal project.godot files.
const (
	godot4Project = "config_version=5\n\n[application]\n\nconfig/name=\"Fixture\"\nconfig/features=PackedStringArray(\"4.3\", \"Forward Plus\")\n"
	godot3Project = "config_version=4\n\n[application]\n\nconfig/name=\"Fixture 3\"\n"
)

// writeTree writes files (slash-separated paths relative to the new folder)
// into a fresh temp folder and returns its path, symlinks not resolved.
func writeTree(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// symlink makes link (relative to dir) point to target.
func symlink(t testing.TB, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// newServer starts no goroutines: it only prepares the tools.
func newServer(t testing.TB, root string) *Server {
	t.Helper()
	s, err := New(root, Options{})
	if err != nil {
		t.Fatalf("New(%s): %v", root, err)
	}
	return s
}

// corpusDir returns the shared corpus of real projects. A missing corpus
// fails the test: skipping would hide that nothing was checked.
func corpusDir(t testing.TB, sub ...string) string {
	t.Helper()
	dir := filepath.Join(append([]string{"..", "..", "shared", "corpus"}, sub...)...)
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(abs); err != nil {
		t.Fatalf("corpus folder missing (see /work/shared/corpus/README.md): %v", err)
	}
	return abs
}

// toolResult is a tools/call answer as a client sees it on the wire.
type toolResult struct {
	IsError bool `json:"isError"`
	Content []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"content"`
	Structured json.RawMessage `json:"structuredContent"`
}

func (r toolResult) text() string {
	var b strings.Builder
	for _, c := range r.Content {
		b.WriteString(c.Text)
	}
	return b.String()
}

// decode unmarshals the structured content into v.
func (r toolResult) decode(t testing.TB, v any) {
	t.Helper()
	if r.IsError {
		t.Fatalf("tool error: %s", r.text())
	}
	if err := json.Unmarshal(r.Structured, v); err != nil {
		t.Fatalf("decoding structured content %s: %v", r.Structured, err)
	}
}

var nextCallID atomic.Int64

// callMessage builds a tools/call JSON-RPC request.
func callMessage(t testing.TB, name string, args any) []byte {
	t.Helper()
	msg, err := json.Marshal(map[string]any{
		"jsonrpc": "2.0",
		"id":      nextCallID.Add(1),
		"method":  "tools/call",
		"params":  map[string]any{"name": name, "arguments": args},
	})
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

// callTool runs a tool in process through the MCP server's own message
// handling, so arguments go through JSON exactly as from a client. A
// JSON-RPC level error fails the test: tools must answer with tool errors.
func callTool(t testing.TB, s *Server, name string, args any) toolResult {
	t.Helper()
	resp := s.MCP().HandleMessage(context.Background(), callMessage(t, name, args))
	raw, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Result *toolResult      `json:"result"`
		Error  *json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatalf("decoding %s: %v", raw, err)
	}
	if env.Error != nil || env.Result == nil {
		t.Fatalf("tools/call %s %v: JSON-RPC error, want a tool result: %s", name, args, raw)
	}
	return *env.Result
}

// kindCounts is an independent count of a project's files, written from
// the engine's rules rather than from countFiles: hidden entries, .gdignore
// folders and nested projects are skipped, .import and .uid sidecars are
// metadata.
func kindCounts(t testing.TB, root string) FileCounts {
	t.Helper()
	byExt := map[string]int{}
	total := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			entries, err := os.ReadDir(p)
			if err != nil {
				return err
			}
			for _, e := range entries {
				if e.Name() == ".gdignore" || e.Name() == "project.godot" {
					return fs.SkipDir
				}
			}
			return nil
		}
		ext := strings.ToLower(filepath.Ext(d.Name()))
		if ext == ".import" || ext == ".uid" {
			return nil
		}
		byExt[ext]++
		total++
		return nil
	})
	if err != nil {
		t.Fatalf("counting files of %s: %v", root, err)
	}
	return FileCounts{
		Scenes:    byExt[".tscn"] + byExt[".scn"] + byExt[".escn"],
		Scripts:   byExt[".gd"] + byExt[".cs"],
		Resources: byExt[".tres"] + byExt[".res"],
		Shaders:   byExt[".gdshader"] + byExt[".shader"] + byExt[".gdshaderinc"],
		Files:     total,
	}
}
