package main

// Benchmarks of the router as a client sees it (README "Performance").
//
//	go test -run='^$' -bench=. -benchtime=2000x .

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/godot-mcp-router/godot-mcp-router/instance/index/indextest"
)

const initLine = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}` + "\n"

// BenchmarkStartToInitialize: from exec to the initialize answer read,
// standalone.
func BenchmarkStartToInitialize(b *testing.B) {
	benchStart(b, standaloneEnv(b), b.TempDir())
}

// BenchmarkStartToInitializeRelay: the same through the relay, to a daemon
// that already runs (another client started it): what each new client
// session pays by default.
func BenchmarkStartToInitializeRelay(b *testing.B) {
	env := newRouterEnv(b)
	env.extra = append(env.extra, "GODOT_MCP_ROUTER_STANDALONE=0")
	dir := b.TempDir()
	first := startRouter(b, env, dir) // starts the daemon, outside the timing
	defer first.client.Close()
	benchStart(b, env, dir)
}

// benchStart times starting the binary in dir until its initialize answer.
func benchStart(b *testing.B, env routerEnv, dir string) {
	for b.Loop() {
		cmd := exec.Command(binary)
		cmd.Dir = dir
		cmd.Env = env.environ()
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		io.WriteString(stdin, initLine)
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil || len(line) < 20 {
			b.Fatalf("initialize: %q %v", line, err)
		}
		b.StopTimer()
		stdin.Close()
		cmd.Wait()
		b.StartTimer()
	}
}

// BenchmarkToolsList: one tools/list round trip to a running router, read
// as raw lines (the client's decoding of the list is not the router's cost).
func BenchmarkToolsList(b *testing.B) {
	env := standaloneEnv(b)
	cmd := exec.Command(binary)
	cmd.Dir = b.TempDir()
	cmd.Env = env.environ()
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	br := bufio.NewReaderSize(stdout, 1<<20)
	io.WriteString(stdin, initLine)
	br.ReadString('\n')
	io.WriteString(stdin, `{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n")
	const list = `{"jsonrpc":"2.0","id":2,"method":"tools/list"}` + "\n"
	for b.Loop() {
		io.WriteString(stdin, list)
		line, err := br.ReadString('\n')
		if err != nil || len(line) < 1000 {
			b.Fatalf("tools/list: %q %v", line, err)
		}
	}
}

// warmCall is the call the two benchmarks below compare.
func warmCall() mcp.CallToolRequest {
	var req mcp.CallToolRequest
	req.Params.Name = "get_source_file"
	req.Params.Arguments = map[string]any{"path": "res://project.godot", "start_line": 1, "end_line": 10}
	return req
}

// BenchmarkForwardedCall: client -> router (stdio) -> instance (socket).
func BenchmarkForwardedCall(b *testing.B) {
	s := startRouter(b, standaloneEnv(b), corpus(b, "godot4-demos/2d/platformer"))
	ctx := context.Background()
	req := warmCall()
	if _, err := s.client.CallTool(ctx, req); err != nil { // spawn outside the timing
		b.Fatal(err)
	}
	for b.Loop() {
		res, err := s.client.CallTool(ctx, req)
		if err != nil || res.IsError {
			b.Fatal(err, res)
		}
	}
}

// BenchmarkForwardedCallRelay: the same call, the client's stdio relayed to
// the shared daemon: client -> relay (stdio) -> daemon (socket) -> instance
// (socket). Minus BenchmarkForwardedCall it is what the relay adds.
func BenchmarkForwardedCallRelay(b *testing.B) {
	env := newRouterEnv(b)
	env.extra = append(env.extra, "GODOT_MCP_ROUTER_STANDALONE=0")
	s := startRouter(b, env, corpus(b, "godot4-demos/2d/platformer"))
	ctx := context.Background()
	req := warmCall()
	if _, err := s.client.CallTool(ctx, req); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		res, err := s.client.CallTool(ctx, req)
		if err != nil || res.IsError {
			b.Fatal(err, res)
		}
	}
}

// BenchmarkDirectCall: the same call straight to the instance's socket, with
// the same client library. ForwardedCall minus DirectCall is what routing
// adds.
func BenchmarkDirectCall(b *testing.B) {
	s := startRouter(b, standaloneEnv(b), corpus(b, "godot4-demos/2d/platformer"))
	ctx := context.Background()
	req := warmCall()
	if _, err := s.client.CallTool(ctx, req); err != nil {
		b.Fatal(err)
	}
	rep := s.instances()
	if len(rep.Instances) != 1 {
		b.Fatalf("instances: %+v", rep.Instances)
	}
	conn, err := net.Dial("unix", rep.Instances[0].Socket)
	if err != nil {
		b.Fatal(err)
	}
	c := client.NewClient(transport.NewIO(conn, conn, nil), client.WithProtocolVersion(mcp.LATEST_LEGACY_PROTOCOL_VERSION))
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		b.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "bench", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		res, err := c.CallTool(ctx, req)
		if err != nil || res.IsError {
			b.Fatal(err, res)
		}
	}
}

// BenchmarkColdFirstCall: the first get_dependency_graph of a session, which
// spawns the instance and indexes the project (godot4-demos/3d/platformer,
// one of the larger demos). Starting the router is not timed.
func BenchmarkColdFirstCall(b *testing.B) {
	project := corpus(b, "godot4-demos/3d/platformer")
	env := standaloneEnv(b)
	var req mcp.CallToolRequest
	req.Params.Name = "get_dependency_graph"
	for b.Loop() {
		b.StopTimer()
		s := startRouter(b, env, project)
		b.StartTimer()
		res, err := s.client.CallTool(context.Background(), req)
		if err != nil || res.IsError {
			b.Fatal(err, res)
		}
		b.StopTimer()
		s.client.Close()
		s.cmd.Wait()
		b.StartTimer()
	}
}

// BenchmarkWarmDependencyGraph: get_dependency_graph of a whole project on
// a warm instance, through the router.
func BenchmarkWarmDependencyGraph(b *testing.B) {
	s := startRouter(b, standaloneEnv(b), corpus(b, "godot4-demos/3d/platformer"))
	var req mcp.CallToolRequest
	req.Params.Name = "get_dependency_graph"
	ctx := context.Background()
	if _, err := s.client.CallTool(ctx, req); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		res, err := s.client.CallTool(ctx, req)
		if err != nil || res.IsError {
			b.Fatal(err, res)
		}
	}
}

// BenchmarkRestartFirstCall2000: the first call after an instance of a
// generated 2,000-file project was killed (kill -9), through the real
// binary: the router notices, spawns a new instance, which indexes from the
// files (scan) or restores the snapshot the router kept (snapshot), and
// answers get_project_info. Process start is in both.
func BenchmarkRestartFirstCall2000(b *testing.B) {
	root := indextest.GenerateProject(b, b.TempDir(), 2000)
	if real, err := filepath.EvalSymlinks(root); err == nil {
		root = real
	}
	var req mcp.CallToolRequest
	req.Params.Name = "get_project_info"
	for _, bc := range []struct{ name, delay string }{{"scan", "1h"}, {"snapshot", "10ms"}} {
		b.Run(bc.name, func(b *testing.B) {
			env := standaloneEnv(b)
			env.extra = append(env.extra, "GODOT_MCP_ROUTER_SNAPSHOT_DELAY="+bc.delay)
			s := startRouter(b, env, root)
			ctx := context.Background()
			if _, err := s.client.CallTool(ctx, req); err != nil {
				b.Fatal(err)
			}
			if bc.name == "snapshot" {
				s.waitSnapshot(root)
			}
			for b.Loop() {
				b.StopTimer()
				pid, _ := s.instanceOf(root)
				syscall.Kill(pid, syscall.SIGKILL)
				waitGone(b, pid, 5*time.Second)
				b.StartTimer()
				res, err := s.client.CallTool(ctx, req)
				if err != nil || res.IsError {
					b.Fatal(err, res)
				}
			}
			b.StopTimer()
			if _, rep := s.instanceOf(root); rep.Instances[0].Index == nil || rep.Instances[0].Index.Index != bc.name {
				b.Fatalf("the last restart made its index by %+v; want %s", rep.Instances[0].Index, bc.name)
			}
		})
	}
}

// BenchmarkWriteToAnswer2000: from a script written on a generated
// 2,000-file project to an answer of get_script that shows it, through the
// relay, the daemon and the instance, which follows its files by events.
// Each op writes, then calls until the answer is new (calls/op says how
// many it took).
func BenchmarkWriteToAnswer2000(b *testing.B) {
	root := indextest.GenerateProject(b, b.TempDir(), 2000)
	s := startRouter(b, newRouterEnv(b), root)
	ctx := context.Background()
	var req mcp.CallToolRequest
	req.Params.Name = "get_script"
	req.Params.Arguments = map[string]any{"path": "res://scripts/script_0001.gd", "content": false}
	if _, err := s.client.CallTool(ctx, req); err != nil { // spawn outside the timing
		b.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // the watches are placed in the background
	path := filepath.Join(root, "scripts", "script_0001.gd")
	calls, i := 0, 0
	for b.Loop() {
		i++
		name := fmt.Sprintf("changed_%d", i)
		if err := os.WriteFile(path, []byte("extends Node\n\nfunc "+name+"() -> void:\n\tpass\n"), 0o644); err != nil {
			b.Fatal(err)
		}
		for {
			calls++
			res, err := s.client.CallTool(ctx, req)
			if err != nil || res.IsError {
				b.Fatal(err, res)
			}
			if strings.Contains(resultText(res), name) {
				break
			}
		}
	}
	b.ReportMetric(float64(calls)/float64(i), "calls/op")
}
