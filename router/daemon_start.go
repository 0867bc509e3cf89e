//go:build unix

package router

import (
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// DialDaemon connects to the user's daemon, starting one with start when
// none answers. Starting happens under the start lock and after a second
// try to connect, so clients that start together start exactly one daemon
// and all connect to it. wait bounds the whole (0 = 10 s).
func DialDaemon(paths DaemonPaths, start func() error, wait time.Duration) (net.Conn, error) {
	if wait <= 0 {
		wait = 10 * time.Second
	}
	if c, err := net.Dial("unix", paths.Socket); err == nil {
		return c, nil
	}
	deadline := time.Now().Add(wait)
	unlock, err := LockFile(paths.StartLock, deadline)
	if err != nil {
		return nil, fmt.Errorf("waiting to start the daemon: %w", err)
	}
	defer unlock()
	if c, err := net.Dial("unix", paths.Socket); err == nil {
		return c, nil // another client started it meanwhile
	}
	if err := start(); err != nil {
		return nil, fmt.Errorf("starting the daemon: %w", err)
	}
	var last error
	for time.Now().Before(deadline) {
		c, err := net.Dial("unix", paths.Socket)
		if err == nil {
			return c, nil
		}
		last = err
		time.Sleep(5 * time.Millisecond)
	}
	return nil, fmt.Errorf("the daemon did not answer on %s within %v: %w", paths.Socket, wait, last)
}

// ErrLockHeld is LockFile's report that another process holds the lock
// past the deadline.
var ErrLockHeld = errors.New("lock held by another process")

// LockFile takes an exclusive flock on path (created 0600), waiting until
// deadline (a zero deadline: not at all). The lock lasts until unlock or
// the process's end, whichever comes first, so a crashed holder never
// leaves it taken.
func LockFile(path string, deadline time.Time) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		if !time.Now().Before(deadline) {
			f.Close()
			return nil, fmt.Errorf("%s: %w", path, ErrLockHeld)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
