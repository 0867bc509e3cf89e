package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/store"
)

const fullDiskEnv = "GODOT_MCP_ROUTER_STORE_FULL_DISK"

// TestMetricsFullDisk: a flush that cannot grow the file (the disk is full)
// returns an error, writes nothing, and leaves the store working. The test
// binary runs again as a child that lowers its own file size limit
// (RLIMIT_FSIZE), which makes the kernel refuse to grow the file as a full
// disk would (EFBIG instead of ENOSPC), for that process alone. Go ignores
// the SIGXFSZ that comes with it.
func TestMetricsFullDisk(t *testing.T) {
	if os.Getenv(fullDiskEnv) != "" {
		fullDiskChild(os.Getenv(fullDiskEnv))
		return
	}
	path := filepath.Join(t.TempDir(), "router.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestMetricsFullDisk$", "-test.v")
	cmd.Env = append(os.Environ(), fullDiskEnv+"="+path)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil || !strings.Contains(out.String(), "full disk: ok") {
			t.Fatalf("child: %v\n%s", err, out.String())
		}
		t.Logf("child:\n%s", out.String())
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("the child did not finish within 60s:\n%s", out.String())
	}
}

// fullDiskChild is the child's side of TestMetricsFullDisk. It reports on
// stdout and exits non-zero on a failure.
func fullDiskChild(path string) {
	fail := func(format string, args ...any) {
		fmt.Printf("full disk: "+format+"\n", args...)
		os.Exit(1)
	}
	s, err := store.Open(path, nil)
	if err != nil {
		fail("Open: %v", err)
	}
	at := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	if err := s.AddMetrics(at, []store.MetricsDelta{{Root: "/p", Calls: 1}}); err != nil {
		fail("the first flush: %v", err)
	}
	info, err := os.Stat(path)
	if err != nil {
		fail("%v", err)
	}
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		fail("Getrlimit: %v", err)
	}
	// The soft limit only, so it can be raised again.
	full := old
	full.Cur = uint64(info.Size())
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &full); err != nil {
		fail("Setrlimit: %v", err)
	}
	// Thousands of new records need more pages than the file has.
	big := make([]store.MetricsDelta, 3000)
	for i := range big {
		big[i] = store.MetricsDelta{Root: fmt.Sprintf("/home/u/games/project-%04d", i), Tool: "get_scene", Calls: 1}
		big[i].Latency.Observe(time.Millisecond)
	}
	big = append(big, store.MetricsDelta{Root: "/p", Calls: 1})
	err = s.AddMetrics(at.Add(time.Minute), big)
	if err == nil {
		fail("a flush past the file size limit succeeded")
	}
	fmt.Printf("full disk: AddMetrics = %v\n", err)
	if errors.Is(err, store.ErrCorrupt) {
		fail("a full disk reported as damage: %v", err)
	}
	check := func(when string, calls int64, records int) {
		all, err := s.Metrics()
		if err != nil {
			fail("Metrics %s: %v", when, err)
		}
		if len(all) != records || all[len(all)-1].Root != "/p" || all[len(all)-1].Calls != calls {
			fail("Metrics %s: %d records, want %d, /p with %d calls", when, len(all), records, calls)
		}
	}
	check("after the failed flush", 1, 1)
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		fail("Setrlimit: %v", err)
	}
	// The router keeps its deltas and sends them again with the next flush.
	if err := s.AddMetrics(at.Add(2*time.Minute), big); err != nil {
		fail("the flush after space came back: %v", err)
	}
	check("after space came back", 2, len(big))
	if err := s.Close(); err != nil {
		fail("Close: %v", err)
	}
	s, err = store.Open(path, nil)
	if err != nil {
		fail("Open again: %v", err)
	}
	if s.Recovered() != "" {
		fail("the file was moved aside: %s", s.Recovered())
	}
	check("after reopening", 2, len(big))
	if err := s.Close(); err != nil {
		fail("Close: %v", err)
	}
	fmt.Println("full disk: ok")
}
