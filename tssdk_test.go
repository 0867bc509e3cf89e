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
	project, err := filepath.Abs(filepath.Join("testdata", "g4game"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "client.mjs", binary, project)
	cmd.Dir = dir
	cmd.Env = newRouterEnv(t).environ()
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
