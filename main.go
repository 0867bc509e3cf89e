// Command godot-mcp-router gives coding agents offline knowledge of Godot
// projects over MCP. Run with no arguments it serves MCP on stdio (what an
// MCP client launches); `instance` is the per-project backend the router
// starts; `detect` and `version` are for people.
package main

import (
	"fmt"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `godot-mcp-router: Godot project tools for MCP clients

usage:
  godot-mcp-router [flags]            serve MCP on stdio (what an MCP client runs)
  godot-mcp-router detect [DIR]       show which project DIR (default: here) resolves to, and why
  godot-mcp-router status [--json]    the running daemon's instances and snapshots (else what the state file records)
  godot-mcp-router stop               stop the daemon (and its instances)
  godot-mcp-router daemon [flags]     the shared per-user router (started by the stdio command)
  godot-mcp-router version            print the version
  godot-mcp-router instance ...       the per-project backend (started by the router)
`

const moreHelp = "\nRun \"godot-mcp-router -h\" for the serving flags and environment variables.\n"

func main() {
	args := os.Args[1:]
	cmd := ""
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "":
		err = runServe(args)
	case "instance":
		err = runInstance(args)
	case "detect":
		err = runDetect(args)
	case "status":
		err = runStatus(args, os.Stdout)
	case "daemon":
		err = runDaemon(args)
	case "stop":
		err = runStop(args)
	case "version":
		fmt.Println("godot-mcp-router", version)
	case "help":
		fmt.Print(usage, moreHelp)
	default:
		fmt.Fprintf(os.Stderr, "godot-mcp-router: unknown command %q\n\n%s%s", cmd, usage, moreHelp)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "godot-mcp-router:", err)
		os.Exit(1)
	}
}
