package detect

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "project.godot")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := ReadRegular(fifo, MaxConfigSize); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotRegular) {
			t.Fatalf("FIFO: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ReadRegular blocked on a FIFO")
	}
	if _, err := ReadRegular("/dev/zero", MaxConfigSize); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("/dev/zero: %v", err)
	}
	big := filepath.Join(dir, "big")
	os.WriteFile(big, make([]byte, 100), 0o600)
	if _, err := ReadRegular(big, 10); err == nil {
		t.Fatal("a file over the cap was read")
	}
	if b, err := ReadRegular(big, 100); err != nil || len(b) != 100 {
		t.Fatalf("read %d bytes, %v", len(b), err)
	}
	// A project whose project.godot is a FIFO: Load and FindRoot return, never hang.
	go func() { _, err := Load(dir); done <- err }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Load blocked on a FIFO project.godot")
	}
}
