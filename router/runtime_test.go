package router

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/godot-mcp-router/godot-mcp-router/instance"
)

// shortTemp is a temp folder short enough for socket paths (t.TempDir
// names carry the test name).
func shortTemp(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("/tmp", "gmr")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func TestRuntimeDir(t *testing.T) {
	t.Run("under XDG_RUNTIME_DIR, created 0700", func(t *testing.T) {
		x := shortTemp(t)
		t.Setenv("XDG_RUNTIME_DIR", x)
		dir, err := RuntimeDir()
		if err != nil {
			t.Fatal(err)
		}
		if dir != filepath.Join(x, "godot-mcp-router") {
			t.Fatalf("dir = %s", dir)
		}
		st, err := os.Stat(dir)
		if err != nil || st.Mode().Perm() != 0o700 {
			t.Fatalf("mode %v, err %v", st.Mode(), err)
		}
	})
	t.Run("an existing folder open to others is refused, not loosened", func(t *testing.T) {
		x := shortTemp(t)
		t.Setenv("XDG_RUNTIME_DIR", x)
		dir := filepath.Join(x, "godot-mcp-router")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		os.Chmod(dir, 0o755)
		_, err := RuntimeDir()
		if err == nil || !strings.Contains(err.Error(), "must be 0700") {
			t.Fatalf("err = %v", err)
		}
		st, _ := os.Stat(dir)
		if st.Mode().Perm() != 0o755 {
			t.Fatalf("mode changed to %v", st.Mode())
		}
	})
	t.Run("a symlink in its place is refused", func(t *testing.T) {
		x := shortTemp(t)
		t.Setenv("XDG_RUNTIME_DIR", x)
		target := t.TempDir()
		os.Chmod(target, 0o700)
		if err := os.Symlink(target, filepath.Join(x, "godot-mcp-router")); err != nil {
			t.Fatal(err)
		}
		if _, err := RuntimeDir(); err == nil {
			t.Fatal("a symlinked runtime folder was accepted")
		}
	})
	t.Run("a long XDG_RUNTIME_DIR falls back to /tmp", func(t *testing.T) {
		long := filepath.Join(t.TempDir(), strings.Repeat("x", 90))
		if err := os.MkdirAll(long, 0o700); err != nil {
			t.Fatal(err)
		}
		t.Setenv("XDG_RUNTIME_DIR", long)
		dir, err := RuntimeDir()
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(dir, long) {
			t.Fatalf("kept a runtime folder too long for sockets: %s", dir)
		}
	})
}

func TestSocketPathIsShort(t *testing.T) {
	dir := filepath.Join("/run/user/4294967294", "godot-mcp-router")
	for _, root := range []string{"/", "/a", "/" + strings.Repeat("deep/", 400) + "project"} {
		p := socketPath(dir, root, 4194304, 99999)
		if len(p) > maxSocketPath || len(p) > instance.MaxSocketPath {
			t.Errorf("socket path %s is %d bytes", p, len(p))
		}
	}
	if socketPath(dir, "/a", 1, 1) == socketPath(dir, "/b", 1, 1) {
		t.Error("two roots share a socket name")
	}
	if socketPath(dir, "/a", 1, 1) == socketPath(dir, "/a", 2, 1) {
		t.Error("two routers share a socket name")
	}
	if socketPath(dir, "/a", 1, 1) == socketPath(dir, "/a", 1, 2) {
		t.Error("two spawns share a socket name")
	}
}

func TestCatalog(t *testing.T) {
	r := &Router{}
	names := map[string]bool{}
	for _, st := range r.catalog() {
		tool := st.Tool
		if names[tool.Name] {
			t.Errorf("tool %s listed twice", tool.Name)
		}
		names[tool.Name] = true
		for _, c := range tool.Name {
			if (c < 'a' || c > 'z') && c != '_' {
				t.Errorf("tool name %q has %q; Claude Code wants [a-z_]", tool.Name, c)
			}
		}
		if len("mcp__godot-mcp-router__"+tool.Name) > 64 {
			t.Errorf("tool name %s too long", tool.Name)
		}
		if len(tool.Description) == 0 || len(tool.Description) > 2048 {
			t.Errorf("tool %s description is %d bytes", tool.Name, len(tool.Description))
		}
		if tool.Annotations.ReadOnlyHint == nil || tool.Annotations.DestructiveHint == nil || tool.Annotations.IdempotentHint == nil {
			t.Errorf("tool %s lacks readOnlyHint, destructiveHint or idempotentHint", tool.Name)
		}
		if tool.OutputSchema.Type != "object" {
			t.Errorf("tool %s has no output schema", tool.Name)
		}
	}
	for _, def := range instance.Tools() {
		if !names[def.Name] {
			t.Errorf("instance tool %s not in the catalog", def.Name)
		}
		if _, ok := def.InputSchema.Properties["project"]; ok {
			t.Errorf("withProjectParam changed the instance's own definition of %s", def.Name)
		}
	}
	for _, st := range r.catalog() {
		_, has := st.Tool.InputSchema.Properties["project"]
		forwarded := st.Tool.Name != "ping" && st.Tool.Name != "debug_instances" && st.Tool.Name != "list_projects"
		if forwarded && !has {
			t.Errorf("%s lacks the project argument", st.Tool.Name)
		}
	}
}

func TestWithProjectParamRawSchema(t *testing.T) {
	def := mcp.NewToolWithRawSchema("raw", "d", []byte(`{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}`))
	got := withProjectParam(def)
	if !strings.Contains(string(got.RawInputSchema), `"project"`) || !strings.Contains(string(got.RawInputSchema), `"required":["a"]`) {
		t.Fatalf("raw schema = %s", got.RawInputSchema)
	}
	if strings.Contains(string(def.RawInputSchema), "project") {
		t.Fatal("the original raw schema was changed")
	}
}

func TestRootPath(t *testing.T) {
	tests := map[string]string{
		"file:///home/a/game":         "/home/a/game",
		"file:///home/a/my%20game/":   "/home/a/my game",
		"https://example.invalid/x":   "",
		"file://":                     "",
		"not a uri at all %%":         "",
		"file:///tmp/../tmp/./proj//": "/tmp/proj",
	}
	for in, want := range tests {
		if got := rootPath(in); got != want {
			t.Errorf("rootPath(%q) = %q, want %q", in, got, want)
		}
	}
}
