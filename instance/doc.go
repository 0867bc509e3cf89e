// Package instance is the program that serves one Godot project version: the
// Godot tools, served as MCP on a Unix socket, and the project data they read.
//
// The router starts one instance process per project root
// (`godot-mcp-router instance --root R --socket S`) and is its only client.
// The instance:
//
//   - listens on a Unix socket (mode 0600, in a 0700 folder it checks) and
//     serves each accepted connection as its own MCP session;
//   - reports readiness, or the reason it could not start, as one line on
//     the control connection (fd 3) that the router hands it, and treats EOF
//     on that connection as "the router is gone": after a short grace period
//     it exits, so killing the router with -9 leaves no orphans;
//   - reads only files inside its project root, with symlinks resolved.
//
// Tools are declared once, in tools.go, so the router can list them without
// starting an instance; each tool lives in its own tool_*.go file.
package instance
