package router

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/godot-mcp-router/godot-mcp-router/detect"
	"github.com/godot-mcp-router/godot-mcp-router/store"
)

type fakeSetup struct {
	spawnDir string
	busyDir  string
	pool     *Pool
}

// newFakePool returns a pool whose instances are the fake of the given mode.
func newFakePool(t *testing.T, mode string, opts PoolOptions) *fakeSetup {
	t.Helper()
	f := &fakeSetup{spawnDir: t.TempDir(), busyDir: t.TempDir()}
	t.Setenv(fakeEnv, mode)
	t.Setenv(fakeSpawnDir, f.spawnDir)
	t.Setenv(fakeBusyDir, f.busyDir)
	rt, err := os.MkdirTemp("/tmp", "gmrt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(rt) })
	opts.Executable = os.Args[0]
	opts.RuntimeDir = filepath.Join(rt, "run")
	opts.LogDir = filepath.Join(rt, "logs")
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 10 * time.Second
	}
	if opts.StopGrace == 0 {
		opts.StopGrace = 2 * time.Second
	}
	p, err := NewPool(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	f.pool = p
	return f
}

func (f *fakeSetup) spawns(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir(f.spawnDir)
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

func fakeProject(t *testing.T, name string) detect.Project {
	t.Helper()
	return detect.Project{Root: filepath.Join(t.TempDir(), name), Slug: name, Engine: "4.3", Supported: true}
}

func toolReq(name string, args map[string]any) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"name": name, "arguments": args})
	return b
}

func text(raw json.RawMessage) string {
	var res mcp.CallToolResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return "undecodable result: " + string(raw)
	}
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

func (f *fakeSetup) info(t *testing.T, root string) InstanceInfo {
	t.Helper()
	for _, in := range f.pool.Snapshot() {
		if in.Root == root {
			return in
		}
	}
	t.Fatalf("no instance for %s", root)
	return InstanceInfo{}
}

func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func pidGone(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return true
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && len(s) > i+2 && s[i+2] == 'Z'
}

func TestConcurrentFirstCallsSpawnOnce(t *testing.T) {
	f := newFakePool(t, "ok", PoolOptions{})
	proj := fakeProject(t, "a")
	const n = 32
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			res, err := f.pool.Call(context.Background(), proj, toolReq("echo", map[string]any{"text": fmt.Sprint(i)}), true)
			if err == nil && !strings.HasPrefix(text(res), fmt.Sprint(i)+" from ") {
				err = fmt.Errorf("call %d answered %q", i, text(res))
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := f.spawns(t); got != 1 {
		t.Fatalf("%d concurrent first calls spawned %d instances, want 1", n, got)
	}
	if in := f.info(t, proj.Root); in.Calls != n || in.Status != StatusReady {
		t.Fatalf("instance info %+v", in)
	}
}

func TestCrashDuringCallIsAClearError(t *testing.T) {
	f := newFakePool(t, "ok", PoolOptions{})
	proj := fakeProject(t, "crash")
	if _, err := f.pool.Call(context.Background(), proj, toolReq("echo", nil), false); err != nil {
		t.Fatal(err)
	}
	pid := f.info(t, proj.Root).PID

	type outcome struct {
		res json.RawMessage
		err error
		at  time.Time
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := f.pool.Call(context.Background(), proj, toolReq("sleep", map[string]any{"ms": 60000}), false)
		done <- outcome{res, err, time.Now()}
	}()
	waitFor(t, "the slow call to start", 10*time.Second, func() bool {
		_, err := os.Stat(filepath.Join(f.busyDir, strconv.Itoa(pid)))
		return err == nil
	})
	killed := time.Now()
	syscall.Kill(pid, syscall.SIGKILL)
	var o outcome
	select {
	case o = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the call in flight did not end after its instance was killed")
	}
	if o.err == nil {
		t.Fatalf("call survived the crash: %s", text(o.res))
	}
	if !strings.Contains(o.err.Error(), "exited during the call") || !strings.Contains(o.err.Error(), "killed") {
		t.Fatalf("error does not say what happened: %v", o.err)
	}
	t.Logf("crash reported %v after the kill: %v", o.at.Sub(killed).Round(time.Millisecond), o.err)

	// The next call starts a new instance.
	res, err := f.pool.Call(context.Background(), proj, toolReq("echo", map[string]any{"text": "again"}), false)
	if err != nil {
		t.Fatal(err)
	}
	in := f.info(t, proj.Root)
	if in.PID == pid || in.Restarts != 1 || !strings.Contains(text(res), strconv.Itoa(in.PID)) {
		t.Fatalf("after the crash: %+v, answer %q", in, text(res))
	}
}

func TestReadOnlyCallRetriedAfterCrash(t *testing.T) {
	f := newFakePool(t, "ok", PoolOptions{})
	proj := fakeProject(t, "retry")
	if _, err := f.pool.Call(context.Background(), proj, toolReq("echo", nil), true); err != nil {
		t.Fatal(err)
	}
	pid := f.info(t, proj.Root).PID
	done := make(chan error, 1)
	var answer string
	go func() {
		res, err := f.pool.Call(context.Background(), proj, toolReq("sleep", map[string]any{"ms": 500}), true)
		if err == nil {
			answer = text(res)
		}
		done <- err
	}()
	waitFor(t, "the slow call to start", 10*time.Second, func() bool {
		_, err := os.Stat(filepath.Join(f.busyDir, strconv.Itoa(pid)))
		return err == nil
	})
	syscall.Kill(pid, syscall.SIGKILL)
	if err := <-done; err != nil {
		t.Fatalf("read-only call not retried: %v", err)
	}
	if strings.Contains(answer, strconv.Itoa(pid)) || !strings.HasPrefix(answer, "slept in ") {
		t.Fatalf("answer %q should come from the new instance", answer)
	}
}

func TestIdleInstanceStops(t *testing.T) {
	f := newFakePool(t, "ok", PoolOptions{IdleTimeout: 300 * time.Millisecond, IdleCheck: 50 * time.Millisecond})
	proj := fakeProject(t, "idle")
	if _, err := f.pool.Call(context.Background(), proj, toolReq("echo", nil), true); err != nil {
		t.Fatal(err)
	}
	pid := f.info(t, proj.Root).PID
	waitFor(t, "the idle stop", 10*time.Second, func() bool {
		return f.info(t, proj.Root).Status == StatusStopped && pidGone(pid)
	})
	if in := f.info(t, proj.Root); in.Restarts != 0 || in.LastError != "" {
		t.Fatalf("an idle stop is not a crash: %+v", in)
	}
	// The status turns to stopped when the process is reaped; the socket
	// goes right after, on the stopping goroutine.
	waitFor(t, "the socket to be removed", 10*time.Second, func() bool {
		_, err := os.Stat(f.info(t, proj.Root).Socket)
		return errors.Is(err, os.ErrNotExist)
	})
	if _, err := f.pool.Call(context.Background(), proj, toolReq("echo", nil), true); err != nil {
		t.Fatal(err)
	}
	if got := f.spawns(t); got != 2 {
		t.Fatalf("spawns = %d, want 2", got)
	}
}

func TestStartFailuresAreActionable(t *testing.T) {
	tests := []struct {
		mode    string
		timeout time.Duration
		want    string
	}{
		{"fail", 0, "fake failure for the test"},
		{"die", 0, "exited during start (exit status 3)"},
		{"silent", 300 * time.Millisecond, "did not report ready"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			f := newFakePool(t, tt.mode, PoolOptions{StartTimeout: tt.timeout})
			proj := fakeProject(t, tt.mode)
			_, err := f.pool.Call(context.Background(), proj, toolReq("echo", nil), true)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
			if tt.mode == "die" && !strings.Contains(err.Error(), "dying without a word") {
				t.Fatalf("error does not quote the instance's log: %v", err)
			}
			in := f.info(t, proj.Root)
			if in.Status != StatusError || in.LastError == "" {
				t.Fatalf("instance after failed start: %+v", in)
			}
		})
	}
}

func TestCloseStopsEveryInstance(t *testing.T) {
	f := newFakePool(t, "stubborn", PoolOptions{StopGrace: 300 * time.Millisecond})
	var pids []int
	for _, name := range []string{"a", "b", "c"} {
		proj := fakeProject(t, name)
		if _, err := f.pool.Call(context.Background(), proj, toolReq("echo", nil), true); err != nil {
			t.Fatal(err)
		}
		pids = append(pids, f.info(t, proj.Root).PID)
	}
	if err := f.pool.Close(); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if !pidGone(pid) {
			t.Fatalf("pid %d survived Close (it ignores SIGTERM, so SIGKILL must follow)", pid)
		}
	}
	if err := f.pool.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, _, err := f.pool.Get(context.Background(), fakeProject(t, "late")); !errors.Is(err, ErrPoolClosed) {
		t.Fatalf("Get after Close: %v", err)
	}
}

func TestRegistryFollowsInstances(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "router.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	reg := NewRegistry(st, nil)
	f := newFakePool(t, "ok", PoolOptions{Registry: reg})
	proj := fakeProject(t, "reg")
	if _, err := f.pool.Call(context.Background(), proj, toolReq("echo", nil), true); err != nil {
		t.Fatal(err)
	}
	pid := f.info(t, proj.Root).PID
	waitFor(t, "the registry record", 10*time.Second, func() bool {
		rec, ok, _ := st.Instance(proj.Root)
		return ok && rec.Status == StatusReady && rec.PID == pid && rec.Calls == 1
	})
	rec, _, _ := st.Instance(proj.Root)
	if want, _ := processStartTime(pid); rec.StartTime != want || rec.Socket == "" || rec.Slug != "reg" || rec.LastHeartbeat.IsZero() {
		t.Fatalf("record %+v (start time want %d)", rec, want)
	}
	f.pool.Close()
	reg.Close()
	rec, _, _ = st.Instance(proj.Root)
	if rec.Status != StatusStopped {
		t.Fatalf("after Close the record says %q", rec.Status)
	}
}

func TestReconcileMarksDeadRecords(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "router.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sock := filepath.Join(t.TempDir(), "dead.sock")
	os.WriteFile(sock, nil, 0o600)
	myStart, err := processStartTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	recs := []store.Instance{
		{Key: "/dead", Root: "/dead", Status: StatusReady, PID: 1 << 22, Socket: sock},
		{Key: "/reused", Root: "/reused", Status: StatusReady, PID: os.Getpid(), StartTime: myStart + 1},
		{Key: "/alive", Root: "/alive", Status: StatusReady, PID: os.Getpid(), StartTime: myStart},
	}
	for _, r := range recs {
		if err := st.PutInstance(r); err != nil {
			t.Fatal(err)
		}
	}
	reg := NewRegistry(st, nil)
	defer reg.Close()
	reg.Reconcile()
	want := map[string]string{"/dead": StatusStopped, "/reused": StatusStopped, "/alive": StatusReady}
	for key, status := range want {
		rec, _, _ := st.Instance(key)
		if rec.Status != status {
			t.Errorf("%s: status %q, want %q", key, rec.Status, status)
		}
	}
	if _, err := os.Stat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the dead instance's socket was not removed")
	}
}

func TestInstanceArguments(t *testing.T) {
	argsFile := filepath.Join(t.TempDir(), "args")
	t.Setenv(fakeArgsFile, argsFile)
	f := newFakePool(t, "ok", PoolOptions{OrphanGrace: 1500 * time.Millisecond})
	proj := fakeProject(t, "args")
	if _, err := f.pool.Call(context.Background(), proj, toolReq("echo", nil), true); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(argsFile)
	got := string(b)
	for _, want := range []string{"--root " + proj.Root, "--control-fd 3", "--orphan-grace 1.5s", "--socket " + f.pool.opts.RuntimeDir} {
		if !strings.Contains(got, want) {
			t.Errorf("instance arguments %s lack %q", got, want)
		}
	}
}

func TestRuntimeFolderRemovedWhileRunning(t *testing.T) {
	f := newFakePool(t, "ok", PoolOptions{})
	proj := fakeProject(t, "tmpclean")
	if _, err := f.pool.Call(context.Background(), proj, toolReq("echo", nil), true); err != nil {
		t.Fatal(err)
	}
	pid := f.info(t, proj.Root).PID
	syscall.Kill(pid, syscall.SIGKILL)
	waitFor(t, "the instance to be reaped", 10*time.Second, func() bool { return f.info(t, proj.Root).Status != StatusReady })
	if err := os.RemoveAll(f.pool.opts.RuntimeDir); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pool.Call(context.Background(), proj, toolReq("echo", nil), true); err != nil {
		t.Fatalf("call after the runtime folder vanished: %v", err)
	}
	st, err := os.Stat(f.pool.opts.RuntimeDir)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("runtime folder not recreated private: %v %v", st, err)
	}
}

func TestHungCallTimesOut(t *testing.T) {
	f := newFakePool(t, "ok", PoolOptions{CallTimeout: 300 * time.Millisecond})
	proj := fakeProject(t, "hung")
	_, err := f.pool.Call(context.Background(), proj, toolReq("sleep", map[string]any{"ms": 60000}), true)
	if err == nil || !strings.Contains(err.Error(), "no answer from the instance within 300ms") {
		t.Fatalf("hung call: %v", err)
	}
	old := f.info(t, proj.Root).PID
	res, err := f.pool.Call(context.Background(), proj, toolReq("echo", map[string]any{"text": "after"}), true)
	if err != nil || !strings.HasPrefix(text(res), "after from ") || strings.Contains(text(res), strconv.Itoa(old)) {
		t.Fatalf("call after the timeout: %v %q (old pid %d)", err, text(res), old)
	}
}

func TestCallDuringIdleStopStartsAnew(t *testing.T) {
	f := newFakePool(t, "stubborn", PoolOptions{IdleTimeout: 200 * time.Millisecond, IdleCheck: 20 * time.Millisecond, StopGrace: 1500 * time.Millisecond})
	proj := fakeProject(t, "between")
	if _, err := f.pool.Call(context.Background(), proj, toolReq("echo", nil), true); err != nil {
		t.Fatal(err)
	}
	old := f.info(t, proj.Root).PID
	// The stubborn fake ignores SIGTERM: the stop lasts StopGrace.
	waitFor(t, "the idle stop to begin", 10*time.Second, func() bool { return f.info(t, proj.Root).Status == StatusStopping })
	res, err := f.pool.Call(context.Background(), proj, toolReq("echo", map[string]any{"text": "new"}), false)
	if err != nil {
		t.Fatalf("a call during an idle stop failed: %v", err)
	}
	if strings.Contains(text(res), strconv.Itoa(old)) {
		t.Fatalf("answered by the instance being stopped: %q", text(res))
	}
}
