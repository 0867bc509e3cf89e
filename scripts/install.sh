#!/usr/bin/env bash
# Builds godot-mcp-router into ~/.local/bin and registers it with Claude Code
# for every project of this user. Without the claude command it prints the
# .mcp.json entry to use instead.
set -euo pipefail
cd "$(dirname "$0")/.."

bindir="${BINDIR:-$HOME/.local/bin}"
mkdir -p "$bindir"
version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
go build -ldflags "-X main.version=$version" -o "$bindir/godot-mcp-router" .
echo "built $bindir/godot-mcp-router ($version)"

if command -v claude >/dev/null 2>&1; then
  claude mcp remove --scope user godot-mcp-router >/dev/null 2>&1 || true
  claude mcp add --scope user godot-mcp-router -- "$bindir/godot-mcp-router"
else
  cat <<JSON
claude not found; add this to .mcp.json (or your MCP client's configuration):
{
  "mcpServers": {
    "godot-mcp-router": { "command": "$bindir/godot-mcp-router", "args": [] }
  }
}
JSON
fi
