//go:build unix

package instance

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// controlPair returns both ends of a real socketpair, as the router hands
// fd 3 to an instance: the instance's end and the router's end.
func controlPair(t testing.TB) (instance, router net.Conn) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	conns := make([]net.Conn, 2)
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "control")
		c, err := net.FileConn(f) // dups the fd
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		conns[i] = c
	}
	return conns[0], conns[1]
}

// readLine reads one line from the router's end of the control connection.
func readLine(t testing.TB, c net.Conn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer c.SetReadDeadline(time.Time{})
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the control line (got %q): %v", line, err)
	}
	return line
}

// startRun runs Run in a goroutine; the returned channel yields its error.
func startRun(t testing.TB, ctx context.Context, cfg Config) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg) }()
	return done
}

// waitRun waits for Run to return, failing the test after limit.
func waitRun(t testing.TB, done <-chan error, limit time.Duration) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		t.Fatalf("Run did not return within %v", limit)
		return nil
	}
}

// quietConn reports reads on a connection closed by either side as EOF, so
// mcp-go's read loop does not log them.
type quietConn struct{ net.Conn }

func (c quietConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET) {
		err = io.EOF
	}
	return n, err
}

// dialClient connects an initialized MCP client to an instance socket, the
// way the router does.
func dialClient(t testing.TB, socket string) *client.Client {
	t.Helper()
	conn, err := net.Dial("unix", socket)
	if err != nil {
		t.Fatalf("dialing %s: %v", socket, err)
	}
	c := client.NewClient(transport.NewIO(quietConn{conn}, conn, nil),
		client.WithProtocolVersion(mcp.LATEST_LEGACY_PROTOCOL_VERSION))
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatalf("starting client: %v", err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "instance-test", Version: "1"}
	res, err := c.Initialize(ctx, init)
	if err != nil {
		t.Fatalf("initializing: %v", err)
	}
	if res.ServerInfo.Name != "godot-mcp-router-instance" {
		t.Errorf("server name = %q", res.ServerInfo.Name)
	}
	return c
}

// callClient calls a tool over a client and decodes its structured result.
func callClient(ctx context.Context, c *client.Client, name string, args map[string]any, v any) (*mcp.CallToolResult, error) {
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := c.CallTool(ctx, req)
	if err != nil {
		return nil, err
	}
	if res.IsError || v == nil {
		return res, nil
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		return res, err
	}
	return res, json.Unmarshal(raw, v)
}

func runProject(t testing.TB) string {
	t.Helper()
	return writeTree(t, map[string]string{
		"project.godot": godot4Project + "run/main_scene=\"res://main.tscn\"\n",
		"main.tscn":     "[gd_scene format=3]\n\n[node name=\"Main\" type=\"Node\"]\n",
		"main.gd":       "extends Node\n",
	})
}

func TestRunServesUntilRouterGone(t *testing.T) {
	root := runProject(t)
	socket := filepath.Join(privateDir(t), "i.sock")
	mine, routers := controlPair(t)
	const grace = 200 * time.Millisecond
	done := startRun(t, context.Background(), Config{Root: root, Socket: socket, Control: mine, OrphanGrace: grace})

	if line := readLine(t, routers); !strings.HasPrefix(line, "ready {") {
		t.Fatalf("control line = %q; want ready", line)
	}
	if st, err := os.Lstat(socket); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("socket %s: %v, mode %v; want 0600", socket, err, st.Mode())
	}
	c := dialClient(t, socket)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	tools, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, tool := range tools.Tools {
		got = append(got, tool.Name)
	}
	for _, tool := range Tools() {
		want = append(want, tool.Name)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) || len(want) == 0 {
		t.Errorf("tools/list = %q; want %q", got, want)
	}

	var info ProjectInfo
	if _, err := callClient(ctx, c, "get_project_info", nil, &info); err != nil {
		t.Fatal(err)
	}
	if info.Name != "Fixture" || info.MainScene != "res://main.tscn" || !equalPtr(info.MainSceneOK, ptr(true)) {
		t.Errorf("get_project_info = %+v", info)
	}
	var src SourceFile
	if _, err := callClient(ctx, c, "get_source_file", map[string]any{"path": "res://main.gd"}, &src); err != nil {
		t.Fatal(err)
	}
	if src.Content != "extends Node\n" {
		t.Errorf("get_source_file content = %q", src.Content)
	}

	// The router dies: its end of the control connection closes.
	gone := time.Now()
	routers.Close()
	if err := waitRun(t, done, grace+5*time.Second); err != nil {
		t.Errorf("Run after the router left: %v", err)
	}
	if waited := time.Since(gone); waited < grace {
		t.Errorf("Run returned %v after the router left; want at least the %v grace", waited, grace)
	}
	if _, err := os.Lstat(socket); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket file left after Run: %v", err)
	}
	if _, err := callClient(ctx, c, "get_project_info", nil, nil); err == nil {
		t.Errorf("a call after Run returned succeeded; want the connection closed")
	}
}

// Only EOF on the control connection means the router is gone: data the
// router writes there does not stop the instance.
func TestRunIgnoresControlData(t *testing.T) {
	socket := filepath.Join(privateDir(t), "i.sock")
	mine, routers := controlPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := startRun(t, ctx, Config{Root: runProject(t), Socket: socket, Control: mine, OrphanGrace: 50 * time.Millisecond})
	if line := readLine(t, routers); !strings.HasPrefix(line, "ready {") {
		t.Fatalf("control line = %q", line)
	}
	if _, err := routers.Write([]byte("ping\nanything\n")); err != nil {
		t.Fatal(err)
	}
	c := dialClient(t, socket) // still serving after the data
	if err := c.Ping(ctx); err != nil {
		t.Fatalf("ping: %v", err)
	}
	select {
	case err := <-done:
		t.Fatalf("Run returned after data on the control connection: %v", err)
	default:
	}
	cancel()
	if err := waitRun(t, done, 5*time.Second); err != nil {
		t.Errorf("Run: %v", err)
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	tests := []struct {
		name    string
		control bool
	}{
		{name: "with control", control: true},
		{name: "by hand, no control", control: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			socket := filepath.Join(privateDir(t), "i.sock")
			cfg := Config{Root: runProject(t), Socket: socket}
			var routers net.Conn
			if tt.control {
				cfg.Control, routers = controlPair(t)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := startRun(t, ctx, cfg)
			if tt.control {
				if line := readLine(t, routers); !strings.HasPrefix(line, "ready {") {
					t.Fatalf("control line = %q", line)
				}
			} else {
				waitForSocket(t, socket)
			}
			dialClient(t, socket) // an idle client must not hold Run up
			cancel()
			if err := waitRun(t, done, 5*time.Second); err != nil {
				t.Errorf("Run after cancel: %v", err)
			}
			if _, err := os.Lstat(socket); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("socket file left after Run: %v", err)
			}
			if tt.control { // the instance closed its end
				routers.SetReadDeadline(time.Now().Add(5 * time.Second))
				// Reports ("watch ...") may precede the end.
				if _, err := io.Copy(io.Discard, routers); err != nil {
					t.Errorf("control after Run: %v; want EOF", err)
				}
			}
		})
	}
}

func waitForSocket(t testing.TB, socket string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if c, err := net.Dial("unix", socket); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("socket %s never answered", socket)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRunStartFailures(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		socket  func(t *testing.T) string
		wantErr []string // substrings of both the control line and the error
	}{
		{
			name:    "no project.godot",
			files:   map[string]string{"readme.txt": "not a project"},
			wantErr: []string{"no project.godot"},
		},
		{
			name:    "Godot 2 project",
			files:   map[string]string{"engine.cfg": "[application]\n\nname=\"Old\"\nmain_scene=\"res://main.xscn\"\n"},
			wantErr: []string{"Godot 2", "not supported"},
		},
		{
			name:  "socket folder open to others",
			files: map[string]string{"project.godot": godot4Project},
			socket: func(t *testing.T) string {
				dir := privateDir(t)
				os.Chmod(dir, 0o755)
				return filepath.Join(dir, "i.sock")
			},
			wantErr: []string{"must be 0700"},
		},
		{
			name:  "live socket",
			files: map[string]string{"project.godot": godot4Project},
			socket: func(t *testing.T) string {
				p := filepath.Join(privateDir(t), "i.sock")
				ln, err := net.Listen("unix", p)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { ln.Close() })
				return p
			},
			wantErr: []string{"in use"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			socket := filepath.Join(privateDir(t), "i.sock")
			if tt.socket != nil {
				socket = tt.socket(t)
			}
			mine, routers := controlPair(t)
			done := startRun(t, context.Background(), Config{Root: writeTree(t, tt.files), Socket: socket, Control: mine})
			line := readLine(t, routers)
			err := waitRun(t, done, 5*time.Second)
			if err == nil {
				t.Fatalf("Run succeeded; want an error")
			}
			if !strings.HasPrefix(line, "error: ") || strings.Count(line, "\n") != 1 {
				t.Errorf("control line = %q; want one \"error: ...\" line", line)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(line, want) || !strings.Contains(err.Error(), want) {
					t.Errorf("control line %q / error %q; want both to contain %q", line, err, want)
				}
			}
			routers.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := routers.Read(make([]byte, 1)); err != io.EOF {
				t.Errorf("control after the error line: %v; want EOF", err)
			}
		})
	}
}

// After Run returns, every goroutine it started (server, sessions, router
// watcher, AfterFuncs) has ended.
func TestRunNoGoroutineLeak(t *testing.T) {
	tests := []struct {
		name string
		stop func(cancel context.CancelFunc, router net.Conn)
	}{
		{name: "cancelled", stop: func(cancel context.CancelFunc, _ net.Conn) { cancel() }},
		{name: "router gone", stop: func(_ context.CancelFunc, router net.Conn) { router.Close() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, dir := runProject(t), privateDir(t)
			settle()
			before := runtime.NumGoroutine()

			func() {
				socket := filepath.Join(dir, "i.sock")
				mine, routers := controlPair(t)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				done := startRun(t, ctx, Config{Root: root, Socket: socket, Control: mine, OrphanGrace: 50 * time.Millisecond})
				if line := readLine(t, routers); !strings.HasPrefix(line, "ready {") {
					t.Fatalf("control line = %q", line)
				}
				for range 3 {
					conn, err := net.Dial("unix", socket)
					if err != nil {
						t.Fatal(err)
					}
					c := client.NewClient(transport.NewIO(quietConn{conn}, conn, nil),
						client.WithProtocolVersion(mcp.LATEST_LEGACY_PROTOCOL_VERSION))
					if err := c.Start(ctx); err != nil {
						t.Fatal(err)
					}
					init := mcp.InitializeRequest{}
					init.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION
					if _, err := c.Initialize(ctx, init); err != nil {
						t.Fatal(err)
					}
					if _, err := callClient(ctx, c, "get_source_file", map[string]any{"path": "main.gd"}, nil); err != nil {
						t.Fatal(err)
					}
					defer c.Close()
				}
				tt.stop(cancel, routers)
				if err := waitRun(t, done, 5*time.Second); err != nil {
					t.Fatalf("Run: %v", err)
				}
				routers.Close()
			}()

			deadline := time.Now().Add(5 * time.Second)
			for {
				after := runtime.NumGoroutine()
				if after <= before {
					return
				}
				if time.Now().After(deadline) {
					buf := make([]byte, 1<<20)
					t.Fatalf("%d goroutines before Run, %d after:\n%s", before, after, buf[:runtime.Stack(buf, true)])
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

// settle lets goroutines of earlier tests finish before a count.
func settle() {
	for range 20 {
		n := runtime.NumGoroutine()
		time.Sleep(10 * time.Millisecond)
		if runtime.NumGoroutine() == n {
			return
		}
	}
}
