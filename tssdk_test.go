package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestOfficialTypeScriptSDK drives the binary with the official MCP
// TypeScript SDK (testdata/tsclient): it connects over stdio, lists the
// tools and calls every one, and the SDK itself checks each
// structuredContent against the tool's outputSchema. CI installs the SDK
// (npm ci in testdata/tsclient); elsewhere the test needs node and that
// install.
func TestOfficialTypeScriptSDK(t *testing.T) {
	node, err := exec.LookPath("node")
	dir := filepath.Join("testdata", "tsclient")
	_, sdkErr := os.Stat(filepath.Join(dir, "node_modules", "@modelcontextprotocol", "sdk"))
	if err != nil || sdkErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("node (%v) or the SDK (%v) missing; .ci/run installs them", err, sdkErr)
		}
		t.Skip("needs node and `npm ci --prefix testdata/tsclient`")
	}
	// The engine tools run the Godot 4 test double (no Godot 4 package
	// exists here), with export templates in place and a preset, so every
	// tool's answer is a real one the SDK checks against its schema.
	tmp := t.TempDir()
	fake := filepath.Join(tmp, "bin", "godot4")
	if out, err := exec.Command("go", "build", "-o", fake, "./instance/engine/testdata/fakegodot").CombinedOutput(); err != nil {
		t.Fatalf("building the Godot 4 test double: %v\n%s", err, out)
	}
	home := filepath.Join(tmp, "home")
	templates := filepath.Join(home, ".local", "share", "godot", "export_templates", "4.3.stable")
	os.MkdirAll(templates, 0o755)
	os.WriteFile(filepath.Join(templates, "linux_release.x86_64"), []byte("template"), 0o755)
	project := filepath.Join(tmp, "g4game")
	if err := os.CopyFS(project, os.DirFS(filepath.Join("testdata", "g4game"))); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(project, "export_presets.cfg"), []byte("[preset.0]\n\nname=\"Linux\"\nplatform=\"Linux\"\nrunnable=true\nexport_path=\"game.x86_64\"\n"), 0o644)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "client.mjs", binary, project)
	cmd.Dir = dir
	env := newRouterEnv(t)
	env.extra = append(env.extra, "GODOT_BIN="+fake, "HOME="+home, "FAKE_GODOT_RUN=quit")
	cmd.Env = env.environ()
	cmd.Stderr = testWriter{t}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("TypeScript SDK client: %v\n%s", err, out)
	}
	var got struct {
		Server        struct{ Name string }
		Tools         []string
		OutputSchemas int
		InfoName      string
		SceneNodes    int
		Called        int
		BadIsError    bool
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("client output %q: %v", out, err)
	}
	if got.Server.Name != "godot-mcp-router" || got.InfoName != "Fixture Game" || got.SceneNodes != 5 || !got.BadIsError {
		t.Fatalf("TypeScript SDK saw %+v", got)
	}
	if got.Called != len(got.Tools) || got.OutputSchemas != len(got.Tools) || len(got.Tools) < 17 {
		t.Fatalf("called %d of %d tools, %d with output schemas", got.Called, len(got.Tools), got.OutputSchemas)
	}
}
