package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestClaudeCodeConnects registers the binary with the real Claude Code CLI,
// exactly as README says, and asks it for the server's health (offline:
// `claude mcp list` starts the server and runs the MCP handshake). CI
// installs Claude Code; elsewhere the test needs `claude` on PATH.
func TestClaudeCodeConnects(t *testing.T) {
	claude, err := exec.LookPath("claude")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("claude is not installed; .ci/run installs @anthropic-ai/claude-code")
		}
		t.Skip("claude (npm i -g @anthropic-ai/claude-code) is not on PATH")
	}
	env := newRouterEnv(t)
	home := t.TempDir()
	environ := append(env.environ(), "HOME="+home)
	run := func(dir string, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, claude, args...)
		cmd.Dir = dir
		cmd.Env = environ
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("claude %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run(home, "mcp", "add", "--scope", "user", "godot-mcp-router", "--", binary)
	out := run(corpus(t, "godot4-demos/2d/platformer"), "mcp", "list")
	if !strings.Contains(out, "godot-mcp-router") || !strings.Contains(out, "Connected") {
		t.Fatalf("claude mcp list:\n%s", out)
	}
}
