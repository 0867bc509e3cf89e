//go:build unix

package instance

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// MaxSocketPath is the longest socket path we accept, in bytes. sun_path is
// 104 bytes on macOS and 108 on Linux, both counting the NUL; the router
// keeps its paths under 100.
const MaxSocketPath = 103

// Listen opens the instance's Unix socket at path with mode 0600. The folder
// must exist, belong to this user and be closed to others (0700), since the
// folder is what keeps other users from reaching the socket. A stale socket
// file (nothing answers) is removed; a live one is refused.
func Listen(path string) (net.Listener, error) {
	if len(path) > MaxSocketPath {
		return nil, fmt.Errorf("socket path %s is %d bytes; the limit is %d", path, len(path), MaxSocketPath)
	}
	if err := CheckPrivateDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	if st, err := os.Lstat(path); err == nil {
		if st.Mode().Type() != os.ModeSocket {
			return nil, fmt.Errorf("%s exists and is not a socket; not removing it", path)
		}
		c, err := net.DialTimeout("unix", path, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil, fmt.Errorf("socket %s is in use by another live process", path)
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("removing stale socket %s: %w", path, err)
		}
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("setting mode of %s: %w", path, err)
	}
	return ln, nil
}

// CheckPrivateDir verifies that dir is a folder (not a symlink) owned by the
// current user with no access for group or others.
func CheckPrivateDir(dir string) error {
	st, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("checking runtime folder: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("runtime folder %s is not a folder (a symlink or file is refused)", dir)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("runtime folder %s has mode %04o; it must be 0700 so other users cannot reach the sockets", dir, perm)
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() {
		return fmt.Errorf("runtime folder %s belongs to uid %d, not to this user (%d)", dir, sys.Uid, os.Geteuid())
	}
	return nil
}
