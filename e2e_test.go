package main

// End-to-end tests: the real binary, started as an MCP client starts it, on
// real corpus projects, with real instances, sockets and bbolt files.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// binary is the godot-mcp-router built once for the package's tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gmr-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "godot-mcp-router")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building godot-mcp-router:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// corpus returns the path of a project in ../shared/corpus, failing the
// test when the corpus is missing.
func corpus(t testing.TB, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "shared", "corpus", rel))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("corpus project %s is missing (the corpus belongs at ../shared/corpus): %v", rel, err)
	}
	return p
}

// routerEnv is an isolated environment: its own runtime folder (short, for
// socket paths) and its own state folder.
type routerEnv struct {
	runtime string
	state   string
	extra   []string
}

func newRouterEnv(t testing.TB) routerEnv {
	t.Helper()
	rt, err := os.MkdirTemp("/tmp", "gmr")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(rt) })
	env := routerEnv{runtime: rt, state: t.TempDir()}
	if os.Getenv("GODOT_MCP_ROUTER_TEST_STANDALONE") == "1" {
		// The whole suite in-process (scripts/test.sh runs it both ways).
		env.extra = append(env.extra, "GODOT_MCP_ROUTER_STANDALONE=1")
	}
	// A relay starts a daemon that outlives the test's clients.
	t.Cleanup(func() {
		cmd := exec.Command(binary, "stop")
		cmd.Env = env.environ()
		cmd.Run()
	})
	return env
}

// standaloneEnv is for tests about the in-process router itself (its
// process is the one that holds the store and owns the instances).
func standaloneEnv(t testing.TB) routerEnv {
	env := newRouterEnv(t)
	env.extra = append(env.extra, "GODOT_MCP_ROUTER_STANDALONE=1")
	return env
}

func (e routerEnv) environ() []string {
	env := []string{}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "XDG_RUNTIME_DIR=") || strings.HasPrefix(kv, "GODOT_MCP_ROUTER_") ||
			strings.HasPrefix(kv, "CLAUDE_PROJECT_DIR=") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "XDG_RUNTIME_DIR="+e.runtime, "GODOT_MCP_ROUTER_STATE_DIR="+e.state)
	return append(env, e.extra...)
}

// session is a running router with a connected MCP client.
type session struct {
	t      testing.TB
	client *client.Client
	cmd    *exec.Cmd
}

type rootsList []string

func (r rootsList) ListRoots(context.Context, mcp.ListRootsRequest) (*mcp.ListRootsResult, error) {
	res := &mcp.ListRootsResult{Roots: []mcp.Root{}}
	for _, p := range r {
		res.Roots = append(res.Roots, mcp.Root{URI: "file://" + p, Name: filepath.Base(p)})
	}
	return res, nil
}

// startRouter runs the binary in dir as a client would and initializes it.
func startRouter(t testing.TB, env routerEnv, dir string, opts ...client.ClientOption) *session {
	t.Helper()
	var (
		mu  sync.Mutex
		cmd *exec.Cmd
	)
	tr := transport.NewStdioWithOptions(binary, env.environ(), nil,
		transport.WithCommandFunc(func(ctx context.Context, command string, envv []string, args []string) (*exec.Cmd, error) {
			c := exec.Command(command, args...) // not ctx: that is the start timeout, not the session
			c.Env = envv
			c.Dir = dir
			mu.Lock()
			cmd = c
			mu.Unlock()
			return c, nil
		}),
		transport.WithCommandStderrWriter(testWriter{t}),
	)
	c := client.NewClient(tr, append(opts, client.WithProtocolVersion(mcp.LATEST_LEGACY_PROTOCOL_VERSION))...)
	// Start's context lives as long as the client: mcp-go answers the
	// server's requests (roots/list) with it.
	if err := c.Start(context.Background()); err != nil {
		t.Fatalf("starting router: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "e2e", Version: "1"}
	res, err := c.Initialize(ctx, init)
	if err != nil {
		t.Fatalf("initialize: %v", err)
	}
	if res.ServerInfo.Name != "godot-mcp-router" {
		t.Fatalf("serverInfo = %+v", res.ServerInfo)
	}
	s := &session{t: t, client: c}
	mu.Lock()
	s.cmd = cmd
	mu.Unlock()
	t.Cleanup(func() { c.Close() })
	return s
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Logf("router stderr: %s", strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// call runs a tool and decodes its structured result into out (if not nil).
func (s *session) call(name string, args map[string]any, out any) *mcp.CallToolResult {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := s.client.CallTool(ctx, req)
	if err != nil {
		s.t.Fatalf("%s: %v", name, err)
	}
	if out != nil && !res.IsError {
		b, err := json.Marshal(res.StructuredContent)
		if err != nil {
			s.t.Fatal(err)
		}
		if err := json.Unmarshal(b, out); err != nil {
			s.t.Fatalf("%s: decoding structured result: %v", name, err)
		}
	}
	return res
}

func resultText(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

type instancesReport struct {
	Store struct {
		Path      string `json:"path"`
		Available bool   `json:"available"`
		Problem   string `json:"problem"`
	} `json:"store"`
	Instances []struct {
		Project  string `json:"project"`
		Root     string `json:"root"`
		Engine   string `json:"engine"`
		Status   string `json:"status"`
		PID      int    `json:"pid"`
		Socket   string `json:"socket"`
		Calls    int64  `json:"calls"`
		Restarts int    `json:"restarts"`
		Index    *struct {
			Index         string `json:"index"`
			Checked       bool   `json:"checked"`
			Files         int    `json:"files"`
			Reread        int    `json:"reread"`
			SnapshotError string `json:"snapshot_error"`
		} `json:"index"`
		Snapshot    *snapshotState `json:"snapshot"`
		EngineProcs *struct {
			Runs   int `json:"runs"`
			Builds int `json:"builds"`
		} `json:"engine_processes"`
		Watch *struct {
			Mode    string `json:"mode"`
			Watches int    `json:"watches"`
			Updates int    `json:"updates"`
			Reason  string `json:"reason"`
		} `json:"watch"`
	} `json:"instances"`
	Catalog struct {
		Watching bool   `json:"watching"`
		Degraded string `json:"degraded"`
		Projects int    `json:"projects"`
		Folders  []struct {
			Path string `json:"path"`
			Kind string `json:"kind"`
		} `json:"folders"`
	} `json:"catalog"`
	Snapshots []snapshotState `json:"snapshots"`
}

// snapshotState is one kept snapshot, as debug_instances and status show it.
type snapshotState struct {
	Root  string  `json:"root"`
	Size  int64   `json:"size"`
	Files int     `json:"files"`
	Age   float64 `json:"age_seconds"`
}

func (s *session) instances() instancesReport {
	s.t.Helper()
	var rep instancesReport
	if res := s.call("debug_instances", nil, &rep); res.IsError {
		s.t.Fatalf("debug_instances: %s", resultText(res))
	}
	return rep
}

type projectInfo struct {
	Name      string `json:"name"`
	Root      string `json:"root"`
	Engine    string `json:"engine"`
	MainScene string `json:"main_scene"`
	Counts    struct {
		Scenes  int `json:"scenes"`
		Scripts int `json:"scripts"`
	} `json:"counts"`
}

func processGone(pid int) bool {
	err := syscall.Kill(pid, 0)
	if err != nil {
		return true
	}
	// A zombie still answers kill 0; its state in /proc tells.
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && len(s) > i+2 && s[i+2] == 'Z'
}

func waitGone(t testing.TB, pid int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !processGone(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still runs after %v", pid, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestEndToEnd(t *testing.T) {
	g4 := corpus(t, "godot4-demos/2d/platformer")
	g3 := corpus(t, "godot3-demos/2d/platformer")
	env := standaloneEnv(t)
	s := startRouter(t, env, g4)

	// tools/list comes from the built-in catalog, before any instance.
	ctx := context.Background()
	tools, err := s.client.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]mcp.Tool{}
	for _, tool := range tools.Tools {
		byName[tool.Name] = tool
		if len("mcp__godot-mcp-router__"+tool.Name) > 64 {
			t.Errorf("tool name %s is too long for Claude Code", tool.Name)
		}
	}
	for _, name := range []string{"ping", "debug_detection", "debug_instances", "list_projects", "list_versions", "get_project_info", "get_source_file"} {
		if _, ok := byName[name]; !ok {
			t.Fatalf("tools/list lacks %s (has %v)", name, byName)
		}
	}
	for _, name := range []string{"get_project_info", "get_source_file"} {
		if _, ok := byName[name].InputSchema.Properties["project"]; !ok {
			t.Errorf("%s has no project argument", name)
		}
	}
	if rep := s.instances(); len(rep.Instances) != 0 {
		t.Fatalf("instances before any project call: %+v", rep.Instances)
	}

	// Two projects in one session: two instances.
	var p4, p3 projectInfo
	if res := s.call("get_project_info", nil, &p4); res.IsError {
		t.Fatalf("get_project_info (workdir): %s", resultText(res))
	}
	if p4.Name != "Platformer 2D" || p4.Engine != "4.7" || p4.Root != g4 {
		t.Fatalf("workdir project = %+v", p4)
	}
	if res := s.call("get_project_info", map[string]any{"project": g3}, &p3); res.IsError {
		t.Fatalf("get_project_info (godot3): %s", resultText(res))
	}
	if p3.Engine != "3.x" || p3.Root != g3 {
		t.Fatalf("godot3 project = %+v", p3)
	}
	rep := s.instances()
	if len(rep.Instances) != 2 {
		t.Fatalf("want 2 instances, got %+v", rep.Instances)
	}
	if !rep.Store.Available || rep.Store.Path != filepath.Join(env.state, "router.db") {
		t.Errorf("store = %+v", rep.Store)
	}
	pids := map[string]int{}
	for _, in := range rep.Instances {
		if in.Status != "ready" || in.PID == 0 || in.Socket == "" {
			t.Fatalf("instance not ready: %+v", in)
		}
		if len(in.Socket) >= 100 {
			t.Errorf("socket path %s is %d bytes", in.Socket, len(in.Socket))
		}
		st, err := os.Stat(in.Socket)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("socket %s: mode %v, err %v", in.Socket, st.Mode(), err)
		}
		pids[in.Root] = in.PID
	}

	// kill -9 one instance: the next call starts a new one.
	old := pids[g4]
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, old, 10*time.Second)
	var again projectInfo
	if res := s.call("get_project_info", nil, &again); res.IsError {
		t.Fatalf("call after kill -9 of the instance: %s", resultText(res))
	}
	if again.Name != "Platformer 2D" {
		t.Fatalf("after restart: %+v", again)
	}
	rep = s.instances()
	for _, in := range rep.Instances {
		if in.Root != g4 {
			continue
		}
		if in.PID == old || in.Status != "ready" || in.Restarts != 1 {
			t.Fatalf("restarted instance: %+v (old pid %d)", in, old)
		}
		pids[g4] = in.PID
	}

	// get_source_file through the router, with a line range.
	res := s.call("get_source_file", map[string]any{"path": "res://project.godot", "start_line": 2, "end_line": 3}, nil)
	if res.IsError || !strings.Contains(resultText(res), "lines 2-3") {
		t.Fatalf("get_source_file: %s", resultText(res))
	}
	res = s.call("get_source_file", map[string]any{"path": "../../../../../etc/passwd"}, nil)
	if !res.IsError || !strings.Contains(resultText(res), "outside the project root") {
		t.Fatalf("escape not refused: %s", resultText(res))
	}

	// kill -9 the router: its instances exit by themselves.
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	for root, pid := range pids {
		waitGone(t, pid, 15*time.Second)
		t.Logf("instance of %s (pid %d) exited after the router was killed", root, pid)
	}
}

func TestRootsDecideTheProject(t *testing.T) {
	g4 := corpus(t, "godot4-demos/2d/platformer")
	g3 := corpus(t, "godot3-demos/2d/platformer")
	env := newRouterEnv(t)
	roots := &switchableRoots{paths: []string{g3}}
	s := startRouter(t, env, t.TempDir(), client.WithRootsHandler(roots))

	var p projectInfo
	if res := s.call("get_project_info", nil, &p); res.IsError || p.Root != g3 {
		t.Fatalf("with roots [%s]: %+v %s", g3, p, resultText(res))
	}
	roots.set([]string{g4})
	if err := s.client.RootListChanges(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var d struct {
			Project struct {
				Root string `json:"root"`
			} `json:"project"`
			Source string `json:"source"`
		}
		s.call("debug_detection", nil, &d)
		if d.Project.Root == g4 {
			if d.Source != "roots" {
				t.Fatalf("source = %q, want roots", d.Source)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("roots change not picked up: %+v", d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type switchableRoots struct {
	mu    sync.Mutex
	paths []string
}

func (r *switchableRoots) set(p []string) {
	r.mu.Lock()
	r.paths = p
	r.mu.Unlock()
}

func (r *switchableRoots) ListRoots(ctx context.Context, req mcp.ListRootsRequest) (*mcp.ListRootsResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return rootsList(r.paths).ListRoots(ctx, req)
}

func TestOutsideAnyProject(t *testing.T) {
	env := newRouterEnv(t)
	s := startRouter(t, env, t.TempDir())
	res := s.call("get_project_info", nil, nil)
	if !res.IsError {
		t.Fatalf("expected an error outside any project, got %s", resultText(res))
	}
	if txt := resultText(res); !strings.Contains(txt, "project") {
		t.Fatalf("error does not explain: %s", txt)
	}
	// The session carries on.
	if res := s.call("ping", map[string]any{"message": "still here"}, nil); res.IsError || resultText(res) != "still here" {
		t.Fatalf("ping after error: %s", resultText(res))
	}
}

func TestDetectCommand(t *testing.T) {
	g4 := corpus(t, "godot4-demos/2d/platformer")
	env := newRouterEnv(t)
	run := func(args ...string) (string, error) {
		cmd := exec.Command(binary, args...)
		cmd.Dir = filepath.Join(g4, "player") // a folder inside the project
		cmd.Env = env.environ()
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("detect")
	if err != nil || !strings.Contains(out, g4) || !strings.Contains(out, "high") {
		t.Fatalf("detect from inside the project: %v\n%s", err, out)
	}
	out, err = run("detect", t.TempDir())
	if err == nil || !strings.Contains(out, "no Godot project") {
		t.Fatalf("detect outside any project should fail and say so: %v\n%s", err, out)
	}
	out, err = run("version")
	if err != nil || !strings.HasPrefix(out, "godot-mcp-router ") {
		t.Fatalf("version: %v %s", err, out)
	}
}

// TestSecondRouterWithLockedStore: two clients, two routers, one state
// folder. The second finds the bbolt file locked, says so, and works.
func TestSecondRouterWithLockedStore(t *testing.T) {
	g4 := corpus(t, "godot4-demos/2d/platformer")
	env := standaloneEnv(t)
	first := startRouter(t, env, g4)
	if rep := first.instances(); !rep.Store.Available {
		t.Fatalf("first router has no store: %+v", rep.Store)
	}
	second := startRouter(t, env, g4)
	rep := second.instances()
	if rep.Store.Available || !strings.Contains(rep.Store.Problem, "lock") {
		t.Fatalf("second router's store: %+v", rep.Store)
	}
	var p projectInfo
	if res := second.call("get_project_info", nil, &p); res.IsError || p.Name != "Platformer 2D" {
		t.Fatalf("second router: %s", resultText(res))
	}
	if res := first.call("get_project_info", nil, &p); res.IsError {
		t.Fatalf("first router: %s", resultText(res))
	}
}
