//go:build linux

package router

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/store"
)

// sessionPipe is a client session of an in-process router over pipes.
type sessionPipe struct {
	w     io.WriteCloser
	lines chan map[string]any
	done  chan struct{}
}

// serveTestSession serves one session of r in dir and reads its output
// lines, decoded, into a channel.
func serveTestSession(t *testing.T, r *Router, dir string) *sessionPipe {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	s := &sessionPipe{w: inW, lines: make(chan map[string]any, 1024), done: make(chan struct{})}
	go func() {
		r.ServeSession(context.Background(), inR, outW, Env{WorkDir: dir})
		outW.Close()
		close(s.done)
	}()
	go func() {
		br := bufio.NewReaderSize(outR, 1<<20)
		for {
			line, err := br.ReadBytes('\n')
			if err != nil {
				close(s.lines)
				return
			}
			var m map[string]any
			if json.Unmarshal(line, &m) == nil {
				s.lines <- m
			}
		}
	}()
	t.Cleanup(func() {
		inW.Close()
		<-s.done
	})
	s.send(t, `{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	s.next(t, func(m map[string]any) bool { return m["id"] == "init" })
	s.send(t, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	return s
}

func (s *sessionPipe) send(t *testing.T, line string) {
	t.Helper()
	if err := s.sendErr(line); err != nil {
		t.Fatal(err)
	}
}

// sendErr and nextErr are send and next for other goroutines than the
// test's own (which may not call t.Fatal).
func (s *sessionPipe) sendErr(line string) error {
	_, err := io.WriteString(s.w, line+"\n")
	return err
}

func (s *sessionPipe) nextErr(want func(map[string]any) bool) (map[string]any, error) {
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m, ok := <-s.lines:
			if !ok {
				return nil, errors.New("session ended")
			}
			if want(m) {
				return m, nil
			}
		case <-timeout:
			return nil, errors.New("timed out waiting for a line")
		}
	}
}

// next returns the next line for which want holds, failing after 10 s.
func (s *sessionPipe) next(t *testing.T, want func(map[string]any) bool) map[string]any {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m, ok := <-s.lines:
			if !ok {
				t.Fatal("session ended")
			}
			if want(m) {
				return m
			}
		case <-timeout:
			t.Fatal("timed out waiting for a line")
		}
	}
}

// fakeRouter is a router whose instances are the fake of the given mode,
// with the fake's tools routed like instance tools.
func fakeRouter(t *testing.T, mode string, st *store.Store, opts PoolOptions) (*Router, string) {
	t.Helper()
	t.Setenv(fakeEnv, mode)
	busy := t.TempDir()
	t.Setenv(fakeBusyDir, busy)
	rt, err := os.MkdirTemp("/tmp", "gmrh")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(rt) })
	opts.Executable = os.Args[0]
	opts.RuntimeDir = filepath.Join(rt, "run")
	opts.LogDir = filepath.Join(rt, "logs")
	r, err := New(st, Options{Pool: opts, Projects: ProjectsOptions{NoWatch: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	<-r.toolsReady
	for _, name := range []string{"echo", "sleep", "progress"} {
		r.forwarded[name] = forwarded{name: name, readOnly: true}
	}
	return r, busy
}

// projectDir makes a folder holding a project.godot.
func projectDir(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "project.godot"), []byte("config_version=5\n\n[application]\n\nconfig/name=\""+name+"\"\n"), 0o644)
	real, _ := filepath.EvalSymlinks(dir)
	return real
}

// Progress an instance reports reaches the client that made the call, with
// the client's own token, before the answer.
func TestProgressReachesTheClient(t *testing.T) {
	r, _ := fakeRouter(t, "ok", nil, PoolOptions{})
	dir := projectDir(t, "progress")
	a := serveTestSession(t, r, dir)
	b := serveTestSession(t, r, dir)
	// Two sessions use the same token: each gets its own progress.
	for _, s := range []*sessionPipe{a, b} {
		s.send(t, `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"progress","arguments":{"steps":5},"_meta":{"progressToken":"tok"}}}`)
	}
	for i, s := range []*sessionPipe{a, b} {
		var steps []float64
		for {
			m := s.next(t, func(map[string]any) bool { return true })
			if m["method"] == "notifications/progress" {
				p := m["params"].(map[string]any)
				if p["progressToken"] != "tok" {
					t.Fatalf("session %d: progress with token %v", i, p["progressToken"])
				}
				steps = append(steps, p["progress"].(float64))
				continue
			}
			if m["id"] == float64(7) {
				break
			}
		}
		// An instance queues notifications and writes answers on two
		// paths (as mcp-go's own servers do), so the steps sent in the
		// last instant before the answer may come after it, or out of
		// order: the router passes on only increasing progress, and none
		// after the call has ended.
		if len(steps) < 4 {
			t.Fatalf("session %d: progress %v; want the steps made before the answer", i, steps)
		}
		for j := 1; j < len(steps); j++ {
			if steps[j] <= steps[j-1] {
				t.Fatalf("session %d: progress %v does not increase", i, steps)
			}
		}
		t.Logf("session %d: progress %v before the answer", i, steps)
	}
}

// A client's cancellation reaches the instance, whose handler stops.
func TestCancelReachesTheInstance(t *testing.T) {
	r, busy := fakeRouter(t, "ok", nil, PoolOptions{})
	dir := projectDir(t, "cancel")
	s := serveTestSession(t, r, dir)
	for round := range 5 {
		id := 100 + round
		s.send(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"sleep","arguments":{"ms":60000}}}`, id))
		var file string
		waitFor(t, "the slow call to run in the instance", 10*time.Second, func() bool {
			ents, _ := os.ReadDir(busy)
			if len(ents) == 1 {
				file = filepath.Join(busy, ents[0].Name())
			}
			return len(ents) == 1
		})
		s.send(t, fmt.Sprintf(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":%d,"reason":"changed my mind"}}`, id))
		waitFor(t, "the instance's handler to stop", 5*time.Second, func() bool {
			_, err := os.Stat(file)
			return os.IsNotExist(err)
		})
	}
}

// Metrics survive the router: counted, flushed, read back by the next one,
// with the hour's roll-up.
func TestMetricsSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.db")
	st, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := fakeRouter(t, "ok", st, PoolOptions{})
	dir := projectDir(t, "metrics")
	s := serveTestSession(t, r, dir)
	for i := range 20 {
		s.send(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x"}}}`, i))
		s.next(t, func(m map[string]any) bool { return m["id"] == float64(i) })
	}
	pid := r.pool.Snapshot()[0].PID
	syscall.Kill(pid, syscall.SIGKILL)
	waitFor(t, "the crash counted", 5*time.Second, func() bool {
		m, _ := r.metrics.Project(dir)
		return m.Crashes == 1
	})
	r.Close()
	st.Close()

	st, err = store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m := NewMetrics(st, slog.New(slog.DiscardHandler), time.Hour)
	defer m.Close()
	got, ok := m.Project(dir)
	if !ok || got.Calls != 20 || got.Spawns != 1 || got.Crashes != 1 || len(got.Tools) != 1 || got.Tools[0].Tool != "echo" || got.P99MS <= 0 {
		t.Fatalf("metrics after a restart: %+v", got)
	}
	hourly, err := st.MetricsHourly(time.Now().Add(-time.Hour))
	if err != nil || len(hourly) != 2 { // the tool's and the instance's own
		t.Fatalf("hourly roll-ups %+v, %v", hourly, err)
	}
}

// A state folder that cannot take the flush (full, read-only) loses
// nothing: the counts stay in memory and go out with a later flush; the log
// says so once.
func TestMetricsFlushFailures(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.db")
	st, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var logs strings.Builder
	var logMu sync.Mutex
	m := NewMetrics(st, slog.New(slog.NewTextHandler(writerFunc(func(b []byte) (int, error) {
		logMu.Lock()
		defer logMu.Unlock()
		return logs.Write(b)
	}), nil)), time.Hour)
	defer m.Close()
	var failing atomic.Bool
	m.add = func(at time.Time, d []store.MetricsDelta) error {
		if failing.Load() {
			return fmt.Errorf("writing the state file: %w", syscall.ENOSPC)
		}
		return st.AddMetrics(at, d)
	}
	const root = "/projects/full"
	for round := range faultRounds {
		failing.Store(round%5 != 4) // four failing flushes, then one that works
		for range 10 {
			m.call(root, "echo", time.Millisecond, false)
		}
		m.event(root, func(e *metricsEvents) { e.spawns++ })
		m.Flush()
	}
	failing.Store(false)
	m.Flush()
	recs, err := st.Metrics()
	if err != nil {
		t.Fatal(err)
	}
	var calls, spawns int64
	for _, r := range recs {
		calls += r.Calls
		spawns += r.Spawns
	}
	if calls != 10*faultRounds || spawns != faultRounds {
		t.Fatalf("stored %d calls and %d spawns; want %d and %d", calls, spawns, 10*faultRounds, faultRounds)
	}
	logMu.Lock()
	logged := logs.String()
	logMu.Unlock()
	if n := strings.Count(logged, "cannot save the metrics"); n != faultRounds/5 {
		t.Fatalf("the failure was logged %d times; want once per failing streak (%d)", n, faultRounds/5)
	}

	// A store opened read-only: every flush fails, nothing is lost from
	// what the router shows. (The writable one lets go of the file first:
	// bbolt's lock would refuse the reader.)
	m.Close()
	st.Close()
	ro, err := store.Open(path, &store.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	mr := NewMetrics(ro, slog.New(slog.DiscardHandler), time.Hour)
	mr.call(root, "echo", time.Millisecond, false)
	mr.Flush()
	got, _ := mr.Project(root)
	mr.Close()
	if got.Calls != 10*faultRounds+1 {
		t.Fatalf("read-only store: %d calls shown", got.Calls)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// The state file corrupt or locked at start, many times: the router opens
// (moving a corrupt file aside, or keeping state in memory) and serves.
func TestFaultStoreAtStart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "router.db")
	for round := range faultRounds {
		var st *store.Store
		var err error
		if round%2 == 0 {
			os.WriteFile(path, []byte(strings.Repeat("not a bbolt file ", 300)), 0o600)
			st, err = store.Open(path, &store.Options{Timeout: time.Second})
			if err != nil {
				t.Fatalf("round %d: a corrupt file must be moved aside: %v", round, err)
			}
		} else {
			holder, err := store.Open(path, &store.Options{Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			_, err = store.Open(path, &store.Options{Timeout: 20 * time.Millisecond})
			if !errors.Is(err, store.ErrLocked) {
				t.Fatalf("round %d: a locked file: %v", round, err)
			}
			holder.Close()
		}
		r, err := New(st, Options{Pool: PoolOptions{RuntimeDir: filepath.Join(dir, "run")}, Projects: ProjectsOptions{NoWatch: true}})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		s := serveTestSession(t, r, dir)
		s.send(t, `{"jsonrpc":"2.0","id":"p","method":"tools/call","params":{"name":"ping","arguments":{}}}`)
		s.next(t, func(m map[string]any) bool { return m["id"] == "p" && m["result"] != nil })
		s.w.Close()
		<-s.done
		r.Close()
		if st != nil {
			st.Close()
		}
	}
	if ents, _ := filepath.Glob(filepath.Join(dir, "router.db.corrupt*")); len(ents) == 0 {
		t.Fatal("no corrupt file was moved aside")
	}
}

// The load test: 16 sessions x 500 calls over 4 projects while one instance
// is killed every second. Every call is answered exactly once, and every
// answer is the right project's.
func TestLoadWithKills(t *testing.T) {
	if testing.Short() {
		t.Skip("the load test takes seconds")
	}
	r, _ := fakeRouter(t, "real", nil, PoolOptions{CrashLimit: 1 << 20, StableAfter: 500 * time.Millisecond, BackoffMax: 50 * time.Millisecond})
	var dirs []string
	for i := range 4 {
		dirs = append(dirs, projectDir(t, fmt.Sprintf("load%d", i)))
	}
	const sessions, calls = 16, 500
	stop := make(chan struct{})
	var kills atomic.Int64
	var killer sync.WaitGroup
	killer.Go(func() {
		// Four times the rate (the calls take seconds, not
		// minutes), so each of the four projects loses its instance about
		// once a second.
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			infos := r.pool.Snapshot()
			if len(infos) == 0 {
				continue
			}
			// An instance that has served for half a second: a retry
			// runs once, so the instance it runs on is not killed at once.
			if in := infos[i%len(infos)]; in.PID > 0 && in.Status == StatusReady && time.Since(in.StartedAt) > 500*time.Millisecond {
				if syscall.Kill(in.PID, syscall.SIGKILL) == nil {
					kills.Add(1)
				}
			}
		}
	})
	start := time.Now()
	var lat sync.Mutex
	var all store.Histogram
	errs := make(chan error, sessions)
	var wg sync.WaitGroup
	for si := range sessions {
		wg.Go(func() {
			dir := dirs[si%len(dirs)]
			s := serveTestSession(t, r, dir)
			want := fmt.Sprintf(`config/name=\"load%d\"`, si%len(dirs))
			seen := map[float64]int{}
			for c := range calls {
				id := float64(si*calls + c)
				t0 := time.Now()
				if err := s.sendErr(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"get_source_file","arguments":{"path":"res://project.godot"}}}`, int(id))); err != nil {
					errs <- err
					return
				}
				m, err := s.nextErr(func(m map[string]any) bool { _, ok := m["id"]; return ok })
				if err != nil {
					errs <- fmt.Errorf("session %d call %d: %v", si, c, err)
					return
				}
				d := time.Since(t0)
				lat.Lock()
				all.Observe(d)
				lat.Unlock()
				if m["id"] != id {
					errs <- fmt.Errorf("session %d: answer to %v while waiting for %v", si, m["id"], id)
					return
				}
				seen[id]++
				b, _ := json.Marshal(m["result"])
				if m["error"] != nil || !strings.Contains(string(b), want) {
					errs <- fmt.Errorf("session %d call %d: wrong answer %.300s %v", si, c, b, m["error"])
					return
				}
			}
			// Nothing more may come: every call was answered once.
			s.sendErr(`{"jsonrpc":"2.0","id":"end","method":"ping"}`)
			if m, err := s.nextErr(func(m map[string]any) bool { _, ok := m["id"]; return ok }); err != nil || m["id"] != "end" {
				errs <- fmt.Errorf("session %d: an extra answer %v (%v)", si, m["id"], err)
			}
		})
	}
	wg.Wait()
	close(stop)
	killer.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("%d calls in %v with %d instances killed, 0 lost; p50 %v, p99 %v", all.Count(), time.Since(start).Round(time.Millisecond), kills.Load(),
		all.Quantile(0.5).Round(time.Microsecond), all.Quantile(0.99).Round(time.Microsecond))
	if kills.Load() == 0 {
		t.Fatal("no instance was killed: the test proved nothing")
	}
}
