package store_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/store"
)

const helperEnv = "GODOT_MCP_ROUTER_STORE_HELPER"

// TestHelperProcess is not a test: TestLockedByOtherProcess runs the test
// binary again with it as a stand-in for another router that holds the store.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper process only")
	}
	s, err := store.Open(path, nil)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	defer s.Close()
	fmt.Println("locked")
	// Bounded, so a parent that dies without killing us leaves no orphan.
	time.Sleep(time.Minute)
	os.Exit(0)
}

// startHolder starts a child process that opens path and holds it until the
// test ends.
func startHolder(t *testing.T, path string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- strings.TrimSpace(line)
	}()
	select {
	case line := <-ready:
		if line != "locked" {
			t.Fatalf("helper said %q, want locked", line)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("helper did not open the store within 10s")
	}
}

func TestLockedByOtherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.db")
	startHolder(t, path)

	tests := []struct {
		name string
		opts *store.Options
	}{
		{"writer", &store.Options{Timeout: 200 * time.Millisecond}},
		{"reader", &store.Options{Timeout: 200 * time.Millisecond, ReadOnly: true}},
		{"default timeout", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				s, err := store.Open(path, tt.opts)
				if err == nil {
					s.Close()
				}
				done <- err
			}()
			select {
			case err := <-done:
				if !errors.Is(err, store.ErrLocked) {
					t.Fatalf("Open = %v, want ErrLocked", err)
				}
				if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "another godot-mcp-router") {
					t.Errorf("error %q should name the file and the likely holder", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Open did not return within 10s") // a hang guard, not a timing check
			}
		})
	}
	// Nothing was moved aside or changed by the refused opens.
	if m, _ := filepath.Glob(path + ".corrupt-*"); len(m) != 0 {
		t.Errorf("files moved aside: %v", m)
	}
}
