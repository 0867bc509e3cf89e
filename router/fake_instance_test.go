package router

// A fake instance: the test binary re-run as a child (STYLE rule 10), so the
// pool can be tested against behaviours the real instance never shows: slow
// tools, refusing to start, ignoring SIGTERM.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/godot-mcp-router/godot-mcp-router/instance"
	"github.com/godot-mcp-router/godot-mcp-router/instance/mcpconn"
)

const (
	fakeEnv      = "GMR_FAKE_INSTANCE"  // the mode: ok, fail, die, silent, stubborn, garbage, badid
	fakeSpawnDir = "GMR_FAKE_SPAWN_DIR" // each fake leaves a file named by its pid here
	fakeBusyDir  = "GMR_FAKE_BUSY_DIR"  // a slow tool leaves a file here while it runs
	fakeArgsFile = "GMR_FAKE_ARGS_FILE" // where to record the arguments received
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(fakeEnv); mode != "" {
		os.Exit(fakeInstance(mode, os.Args[1:]))
	}
	os.Exit(m.Run())
}

func fakeInstance(mode string, args []string) int {
	if len(args) == 0 || args[0] != "instance" {
		fmt.Fprintln(os.Stderr, "fake instance: unexpected arguments", args)
		return 2
	}
	fs := flag.NewFlagSet("instance", flag.ContinueOnError)
	root := fs.String("root", "", "")
	socket := fs.String("socket", "", "")
	controlFD := fs.Int("control-fd", 0, "")
	fs.Duration("orphan-grace", 0, "")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if mode == "real" {
		// The real instance, for benchmarks of the router in process.
		cfg := instance.Config{Root: *root, Socket: *socket, OrphanGrace: time.Second}
		cf := os.NewFile(uintptr(*controlFD), "control")
		c, err := net.FileConn(cf)
		cf.Close()
		if err != nil {
			return 2
		}
		cfg.Control = c
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
		defer stop()
		if err := instance.Run(ctx, cfg); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(os.Stderr, "fake instance %d starting for %s\n", os.Getpid(), *root) // for the log tail tests
	if dir := os.Getenv(fakeSpawnDir); dir != "" {
		os.WriteFile(filepath.Join(dir, strconv.Itoa(os.Getpid())), []byte(*root), 0o600)
	}
	if f := os.Getenv(fakeArgsFile); f != "" {
		os.WriteFile(f, []byte(fmt.Sprint(args)), 0o600)
	}
	cf := os.NewFile(uintptr(*controlFD), "control")
	control, err := net.FileConn(cf)
	cf.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "fake instance: control:", err)
		return 2
	}
	switch mode {
	case "fail":
		fmt.Fprintln(control, "error: fake failure for the test")
		return 1
	case "die":
		fmt.Fprintln(os.Stderr, "fake instance dying without a word")
		return 3
	case "silent":
		time.Sleep(time.Minute)
		return 0
	case "stubborn":
		signal.Ignore(syscall.SIGTERM)
	}

	ln, err := instance.Listen(*socket)
	if err != nil {
		fmt.Fprintln(control, "error:", err)
		return 1
	}
	srv := fakeServer()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		// Like the real instance: leave when the router is gone.
		io.Copy(io.Discard, control)
		cancel()
		ln.Close()
	}()
	fmt.Fprintln(control, "ready")
	for {
		c, err := ln.Accept()
		if err != nil {
			return 0
		}
		go mcpconn.New(srv, c, nil, mcpconn.Options{}).Serve(ctx, c)
		switch mode {
		case "garbage", "badid":
			// Once the router has initialized the session: a line that is
			// not JSON-RPC, or an answer to an id never sent.
			go func() {
				time.Sleep(300 * time.Millisecond)
				if mode == "garbage" {
					fmt.Fprintln(c, "panic: this is not JSON-RPC")
				} else {
					fmt.Fprintln(c, `{"jsonrpc":"2.0","id":987654,"result":{}}`)
				}
			}()
		}
	}
}

func fakeServer() *server.MCPServer {
	s := server.NewMCPServer("fake", "1", server.WithToolCapabilities(false))
	s.AddTool(mcp.NewTool("echo", mcp.WithString("text")), func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultText(fmt.Sprintf("%s from %d", req.GetString("text", ""), os.Getpid())), nil
	})
	s.AddTool(mcp.NewTool("sleep", mcp.WithNumber("ms")), func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if dir := os.Getenv(fakeBusyDir); dir != "" {
			f := filepath.Join(dir, strconv.Itoa(os.Getpid()))
			os.WriteFile(f, nil, 0o600)
			defer os.Remove(f)
		}
		select {
		case <-time.After(time.Duration(req.GetFloat("ms", 0)) * time.Millisecond):
			return mcp.NewToolResultText(fmt.Sprintf("slept in %d", os.Getpid())), nil
		case <-ctx.Done():
			return mcp.NewToolResultError("cancelled"), nil
		}
	})
	s.AddTool(mcp.NewTool("progress", mcp.WithNumber("steps")), func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		steps := int(req.GetFloat("steps", 3))
		var token any
		if req.Params.Meta != nil {
			token = req.Params.Meta.ProgressToken
		}
		for i := 1; i <= steps && token != nil; i++ {
			server.ServerFromContext(ctx).SendNotificationToClient(ctx, "notifications/progress", map[string]any{
				"progressToken": token, "progress": i, "total": steps, "message": fmt.Sprintf("step %d", i)})
			time.Sleep(10 * time.Millisecond) // work between the steps
		}
		return mcp.NewToolResultText(fmt.Sprintf("token %v", token)), nil
	})
	return s
}
