//go:build unix

package instance

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// privateDir returns a fresh 0700 folder with a short path: t.TempDir paths
// carry the test name and can pass the socket path limit.
func privateDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "gmr")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

// staleSocket leaves a socket file nobody listens on, as a killed instance does.
func staleSocket(t testing.TB, path string) {
	t.Helper()
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	if st, err := os.Lstat(path); err != nil || st.Mode().Type() != os.ModeSocket {
		t.Fatalf("stale socket not left at %s: %v", path, err)
	}
}

func TestListen(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string) string // returns the socket path
		wantErr string
	}{
		{name: "fresh", setup: func(t *testing.T, dir string) string { return filepath.Join(dir, "s.sock") }},
		{name: "stale socket replaced", setup: func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "s.sock")
			staleSocket(t, p)
			return p
		}},
		{name: "live socket refused", wantErr: "in use", setup: func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "s.sock")
			ln, err := net.Listen("unix", p)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ln.Close() })
			go func() { // answer dials, as a live instance does
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					c.Close()
				}
			}()
			return p
		}},
		{name: "regular file kept", wantErr: "not a socket", setup: func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "s.sock")
			if err := os.WriteFile(p, []byte("data"), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}},
		{name: "open folder refused", wantErr: "mode 0755", setup: func(t *testing.T, dir string) string {
			if err := os.Chmod(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(dir, "s.sock")
		}},
		{name: "group-readable folder refused", wantErr: "mode 0740", setup: func(t *testing.T, dir string) string {
			if err := os.Chmod(dir, 0o740); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(dir, "s.sock")
		}},
		{name: "symlinked folder refused", wantErr: "not a folder", setup: func(t *testing.T, dir string) string {
			real := filepath.Join(dir, "real")
			if err := os.Mkdir(real, 0o700); err != nil {
				t.Fatal(err)
			}
			symlink(t, real, filepath.Join(dir, "link"))
			return filepath.Join(dir, "link", "s.sock")
		}},
		{name: "file as folder refused", wantErr: "not a folder", setup: func(t *testing.T, dir string) string {
			if err := os.WriteFile(filepath.Join(dir, "f"), nil, 0o600); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(dir, "f", "s.sock")
		}},
		{name: "missing folder refused", wantErr: "checking runtime folder", setup: func(t *testing.T, dir string) string {
			return filepath.Join(dir, "nope", "s.sock")
		}},
		{name: "folder of another user refused", wantErr: "belongs to uid", setup: func(t *testing.T, dir string) string {
			if os.Geteuid() != 0 {
				t.Skip("needs root to give a folder away")
			}
			sub := filepath.Join(dir, "other")
			if err := os.Mkdir(sub, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(sub, 65534, 65534); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(sub, "s.sock")
		}},
		{name: "path at the limit", setup: func(t *testing.T, dir string) string {
			return padPath(t, dir, MaxSocketPath)
		}},
		{name: "path over the limit", wantErr: "the limit is 103", setup: func(t *testing.T, dir string) string {
			return padPath(t, dir, MaxSocketPath+1)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := privateDir(t)
			path := tt.setup(t, dir)
			before, _ := os.Lstat(path)
			// umask 0: the mode must come from Listen, not from the umask.
			old := syscall.Umask(0)
			ln, err := Listen(path)
			syscall.Umask(old)
			if tt.wantErr != "" {
				if err == nil {
					ln.Close()
					t.Fatalf("Listen(%s) succeeded; want an error containing %q", path, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Listen error = %q; want it to contain %q", err, tt.wantErr)
				}
				if before != nil { // whatever was there is left alone
					if after, err := os.Lstat(path); err != nil || !os.SameFile(before, after) {
						t.Errorf("Listen replaced or removed %s after refusing it (%v)", path, err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Listen(%s): %v", path, err)
			}
			t.Cleanup(func() { ln.Close() })
			st, err := os.Lstat(path)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Type() != os.ModeSocket || st.Mode().Perm() != 0o600 {
				t.Errorf("socket mode = %v; want a socket with 0600", st.Mode())
			}
			accepted := make(chan error, 1)
			go func() {
				c, err := ln.Accept()
				if err == nil {
					c.Close()
				}
				accepted <- err
			}()
			c, err := net.Dial("unix", path)
			if err != nil {
				t.Fatalf("dialing the new socket: %v", err)
			}
			c.Close()
			if err := <-accepted; err != nil {
				t.Fatalf("accepting: %v", err)
			}
			ln.Close()
			if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("socket file left after Close: %v", err)
			}
		})
	}
}

// padPath returns a path of exactly n bytes in dir.
func padPath(t *testing.T, dir string, n int) string {
	t.Helper()
	pad := n - len(dir) - 1
	if pad < 1 {
		t.Fatalf("temp folder %s is too long for a %d byte socket path", dir, n)
	}
	p := filepath.Join(dir, strings.Repeat("s", pad))
	if len(p) != n {
		t.Fatalf("padded path is %d bytes; want %d", len(p), n)
	}
	return p
}

func TestCheckPrivateDir(t *testing.T) {
	dir := privateDir(t)
	if err := CheckPrivateDir(dir); err != nil {
		t.Errorf("CheckPrivateDir(0700 folder): %v", err)
	}
	for _, mode := range []os.FileMode{0o701, 0o710, 0o750, 0o777} {
		if err := os.Chmod(dir, mode); err != nil {
			t.Fatal(err)
		}
		if err := CheckPrivateDir(dir); err == nil {
			t.Errorf("CheckPrivateDir accepted a folder with mode %04o", mode)
		}
	}
}
