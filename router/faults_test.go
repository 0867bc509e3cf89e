//go:build linux

package router

import (
	"context"
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
)

// Fault tests: each fault is injected many times in a row, on real
// processes (the fake instance: the test binary re-run), and the pool must
// answer every read-only call and keep going.

// faultRounds is how often each fault is injected.
const faultRounds = 50

// waitBusy waits until the slow tool runs in pid.
func (f *fakeSetup) waitBusy(t *testing.T, pid int) {
	t.Helper()
	waitFor(t, "the slow call to start", 10*time.Second, func() bool {
		_, err := os.Stat(filepath.Join(f.busyDir, strconv.Itoa(pid)))
		return err == nil
	})
}

// kill -9 mid-call: the read-only call is retried on a fresh instance and
// succeeds, every round.
func TestFaultKillMidCall(t *testing.T) {
	f := newFakePool(t, "ok", PoolOptions{CrashLimit: 1 << 20, BackoffMax: time.Millisecond})
	proj := fakeProject(t, "kill")
	for round := range faultRounds {
		if _, err := f.pool.Call(context.Background(), proj, toolReq("echo", nil), true); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		pid := f.info(t, proj.Root).PID
		done := make(chan error, 1)
		var answer string
		go func() {
			res, err := f.pool.Call(context.Background(), proj, toolReq("sleep", map[string]any{"ms": 200}), true)
			answer = text(res)
			done <- err
		}()
		f.waitBusy(t, pid)
		syscall.Kill(pid, syscall.SIGKILL)
		if err := <-done; err != nil {
			t.Fatalf("round %d: read-only call not retried: %v", round, err)
		}
		if strings.HasSuffix(answer, " "+strconv.Itoa(pid)) {
			t.Fatalf("round %d: answer %q from the killed instance", round, answer)
		}
	}
	if in := f.info(t, proj.Root); in.Health.Crashes != faultRounds || in.Restarts != faultRounds {
		t.Fatalf("after %d kills: health %+v, restarts %d", faultRounds, in.Health, in.Restarts)
	}
}

// SIGSTOP: the instance accepts calls it never answers. Missed heartbeats
// replace it, and the read-only call that was waiting is answered by the
// new one.
func TestFaultStoppedInstance(t *testing.T) {
	f := newFakePool(t, "ok", PoolOptions{Heartbeat: 40 * time.Millisecond, CrashLimit: 1 << 20, BackoffMax: time.Millisecond})
	proj := fakeProject(t, "sigstop")
	for round := range faultRounds {
		if _, err := f.pool.Call(context.Background(), proj, toolReq("echo", nil), true); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		pid := f.info(t, proj.Root).PID
		syscall.Kill(pid, syscall.SIGSTOP)
		waitFor(t, "the instance to stop", 5*time.Second, func() bool { return procState(pid) == 'T' })
		start := time.Now()
		res, err := f.pool.Call(context.Background(), proj, toolReq("echo", map[string]any{"text": "hi"}), true)
		if err != nil {
			t.Fatalf("round %d: call to a stopped instance: %v", round, err)
		}
		if strings.HasSuffix(text(res), " from "+strconv.Itoa(pid)) {
			t.Fatalf("round %d: answered by the stopped instance?", round)
		}
		if round == 0 {
			t.Logf("a stopped instance was replaced and the call answered in %v", time.Since(start).Round(time.Millisecond))
		}
		waitFor(t, "the stopped process to be reaped", 5*time.Second, func() bool { return pidGone(pid) })
	}
	in := f.info(t, proj.Root)
	if in.Health.HungKills != faultRounds {
		t.Fatalf("health %+v; want %d hung instances replaced", in.Health, faultRounds)
	}
	if !strings.Contains(in.LastError, "heartbeats") {
		t.Fatalf("last error %q does not say why", in.LastError)
	}
}

// The socket file deleted under a running instance: calls go on over the
// open connection, and a new instance gets a new socket.
func TestFaultSocketDeleted(t *testing.T) {
	f := newFakePool(t, "ok", PoolOptions{CrashLimit: 1 << 20, BackoffMax: time.Millisecond})
	proj := fakeProject(t, "socket")
	for round := range faultRounds {
		if _, err := f.pool.Call(context.Background(), proj, toolReq("echo", nil), true); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		in := f.info(t, proj.Root)
		if err := os.Remove(in.Socket); err != nil && !os.IsNotExist(err) {
			t.Fatalf("round %d: %v", round, err)
		}
		if _, err := f.pool.Call(context.Background(), proj, toolReq("echo", nil), true); err != nil {
			t.Fatalf("round %d: call after the socket file went: %v", round, err)
		}
		if round%10 == 9 {
			syscall.Kill(in.PID, syscall.SIGKILL)
			waitFor(t, "the exit", 5*time.Second, func() bool { return pidGone(in.PID) })
		}
	}
}

// Garbage from an instance (a line that is not JSON-RPC, an answer to an
// id never sent): logged, the instance replaced, the caller carries on.
func TestFaultGarbageReplacesInstance(t *testing.T) {
	for _, mode := range []string{"garbage", "badid"} {
		t.Run(mode, func(t *testing.T) {
			f := newFakePool(t, mode, PoolOptions{CrashLimit: 1 << 20, BackoffMax: time.Millisecond})
			proj := fakeProject(t, mode)
			for round := range 10 {
				if _, err := f.pool.Call(context.Background(), proj, toolReq("echo", nil), true); err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
				pid := f.info(t, proj.Root).PID
				// The fake sends its garbage 300 ms after the session began.
				waitFor(t, "the instance to be replaced", 5*time.Second, func() bool { return pidGone(pid) })
			}
			waitFor(t, "the last replacement counted", 5*time.Second, func() bool { return f.info(t, proj.Root).Health.Crashes >= 10 })
			in := f.info(t, proj.Root)
			if in.Health.Crashes < 10 || !strings.Contains(in.LastError, "never sent") && !strings.Contains(in.LastError, "not JSON-RPC") {
				t.Fatalf("health %+v, last error %q", in.Health, in.LastError)
			}
		})
	}
}

// A crash loop opens the breaker: calls fail at once, quoting the log,
// until the project's files change or the cool-down passes.
func TestFaultCrashLoopBreaker(t *testing.T) {
	f := newFakePool(t, "ok", PoolOptions{CrashLimit: 5, CrashWindow: time.Minute, BreakerCooldown: 400 * time.Millisecond, BackoffMax: time.Millisecond})
	proj := fakeProject(t, "loop")
	if err := os.MkdirAll(proj.Root, 0o755); err != nil {
		t.Fatal(err)
	}
	crashLoop := func(round int) {
		t.Helper()
		for i := range 5 {
			if _, err := f.pool.Call(context.Background(), proj, toolReq("echo", nil), true); err != nil {
				t.Fatalf("round %d, crash %d: %v", round, i, err)
			}
			pid := f.info(t, proj.Root).PID
			syscall.Kill(pid, syscall.SIGKILL)
			waitFor(t, "the crash to be seen", 5*time.Second, func() bool {
				return f.info(t, proj.Root).Status != StatusReady && pidGone(pid)
			})
		}
		waitFor(t, "the breaker", 5*time.Second, func() bool { return f.info(t, proj.Root).Health.BreakerOpen })
		start := time.Now()
		_, err := f.pool.Call(context.Background(), proj, toolReq("echo", nil), true)
		if !errors.Is(err, ErrBreakerOpen) || !strings.Contains(err.Error(), "last lines of its log") || !strings.Contains(err.Error(), "fake instance") {
			t.Fatalf("round %d: call with the breaker open: %v", round, err)
		}
		if took := time.Since(start); took > time.Second {
			t.Fatalf("round %d: a refused call took %v", round, took)
		}
	}
	for round := range 10 {
		crashLoop(round)
		if round%2 == 0 {
			// A change of the project's files closes it at once.
			os.WriteFile(filepath.Join(proj.Root, fmt.Sprintf("fix%d.gd", round)), []byte("extends Node\n"), 0o644)
		} else {
			// Else the cool-down.
			time.Sleep(450 * time.Millisecond)
		}
		if _, err := f.pool.Call(context.Background(), proj, toolReq("echo", nil), true); err != nil {
			t.Fatalf("round %d: call after the breaker closed: %v", round, err)
		}
	}
}

// procState is the state letter of /proc/<pid>/stat ('T': stopped).
func procState(pid int) byte {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 || len(b) < i+3 {
		return 0
	}
	return b[i+2]
}

// A busy instance is not a hung one: with more calls in flight than it
// runs at once, it still answers its heartbeats (the router queues calls
// beyond its bound, and the instance answers pings on its read loop).
func TestFaultBusyInstanceNotKilled(t *testing.T) {
	f := newFakePool(t, "ok", PoolOptions{Heartbeat: 50 * time.Millisecond})
	proj := fakeProject(t, "busy")
	errs := make(chan error, 100)
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			_, err := f.pool.Call(context.Background(), proj, toolReq("sleep", map[string]any{"ms": 600}), false)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a call on a busy instance failed: %v", err)
		}
	}
	if in := f.info(t, proj.Root); in.Health.HungKills != 0 || in.Spawns != 1 {
		t.Fatalf("a busy instance was taken for a hung one: %+v, spawns %d", in.Health, in.Spawns)
	}
}

// An instance that dies before it is ready, again and again: the backoff
// and the breaker apply as to any crash.
func TestFaultStartCrashLoop(t *testing.T) {
	f := newFakePool(t, "die", PoolOptions{CrashLimit: 3, CrashWindow: time.Minute, BreakerCooldown: time.Minute, BackoffMax: time.Millisecond})
	proj := fakeProject(t, "dies")
	for i := range 3 {
		if _, err := f.pool.Call(context.Background(), proj, toolReq("echo", nil), true); err == nil || errors.Is(err, ErrBreakerOpen) {
			t.Fatalf("start %d: %v", i, err)
		}
	}
	_, err := f.pool.Call(context.Background(), proj, toolReq("echo", nil), true)
	if !errors.Is(err, ErrBreakerOpen) || !strings.Contains(err.Error(), "dying without a word") {
		t.Fatalf("after 3 failed starts: %v", err)
	}
	if n := f.spawns(t); n != 3 {
		t.Fatalf("%d spawns; the breaker should have stopped them at 3", n)
	}
}
