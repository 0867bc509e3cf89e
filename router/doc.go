// Package router is the client-facing side of godot-mcp-router: it serves MCP
// client sessions (each with its own working directory and roots), keeps the
// catalog of tools, works out which project a call is about, and forwards it
// to that project's instance from the pool it owns (spawn, connect, idle
// stop, heartbeats, restart with backoff, the crash breaker; see health.go).
// It owns the daemon listener and the stdio relay that connects a client to
// it, keeps the instances' index snapshots, the project catalog its file
// watcher keeps current (projects.go), and the metrics it flushes to the
// store (metrics.go); it relays progress from instances to the calling
// client (progress.go).
//
// # Sessions
//
// Router.ServeSession serves one client on a pair of streams; stdio is one
// session, and the daemon (Router.ServeDaemon) serves many over one Router,
// each arriving through a relay (Relay, DialDaemon). Per-session state
// (working directory, CLAUDE_PROJECT_DIR, MCP roots) hangs off the mcpconn
// session, so no JSON-RPC id or roots answer crosses sessions.
//
// # Instances
//
// One process per project root, started from the router's own executable in
// its own process group, its output in a log file. The router hands it one
// end of a socketpair as fd 3: the instance reports "ready" there (and then
// sends snapshots of its index, see instance/snapshot.go), and EOF on it
// tells the instance that the router is gone. Sockets live in a 0700
// per-user folder, named by a hash of the root and the router's pid.
//
// # Registry
//
// Instance records are mirrored into the store by one writer goroutine,
// coalesced, at most once a second; the records are re-checked (pid and
// process start time) and never trusted to signal a process.
package router
