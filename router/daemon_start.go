//go:build unix

package router

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// DialDaemon connects to the user's daemon, starting one with start when
// none answers, and replacing one of an older build (BuildStamp) or relay
// protocol: that one is asked to stop, its sessions' relays reconnect to
// the new one. Starting and replacing happen under the start lock, after a
// second look, so that clients starting together start exactly one daemon
// and relays of two builds cannot take turns restarting theirs. wait bounds
// the whole (0 = 30 s: an older daemon that was asked to stop first saves
// its instances' snapshots and stops them, and the new one waits for that).
//
// start launches the daemon and returns a channel closed when that process
// ends: a daemon that dies at start fails the dial at once, not after wait.
func DialDaemon(paths DaemonPaths, start func() (exited <-chan struct{}, err error), wait time.Duration) (net.Conn, error) {
	if wait <= 0 {
		wait = 30 * time.Second
	}
	if c, ok := dialCurrent(paths); ok {
		return c, nil
	}
	deadline := time.Now().Add(wait)
	unlock, err := LockFile(paths.StartLock, deadline)
	if err != nil {
		return nil, fmt.Errorf("waiting to start the daemon: %w", err)
	}
	defer unlock()
	if reply, err := probe(paths); err == nil && reply.PID != 0 {
		if !older(reply) {
			// Another client started it meanwhile, or it is as new.
			return net.Dial("unix", paths.Socket)
		}
		if _, _, err := AskDaemon(paths.Socket, Hello{Relay: RelayProtocol, Op: "stop", Build: BuildStamp()}); err != nil {
			return nil, fmt.Errorf("asking the older daemon (pid %d) to stop: %w", reply.PID, err)
		}
		// It stops listening at once and releases its lock once its
		// instances are stopped; the new daemon waits for that lock.
	}
	exited, err := start()
	if err != nil {
		return nil, fmt.Errorf("starting the daemon: %w", err)
	}
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			// It may have found another daemon's lock and left; one
			// more look, then give up.
			if c, ok := dialCurrent(paths); ok {
				return c, nil
			}
			return nil, fmt.Errorf("the daemon exited at start; see its log (daemon.log in the state folder's logs)")
		default:
		}
		if reply, err := probe(paths); err == nil && !older(reply) {
			return net.Dial("unix", paths.Socket)
		} else if err != nil {
			last = err
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil, fmt.Errorf("the daemon did not answer on %s within %v: %v", paths.Socket, wait, last)
}

// dialCurrent connects to the running daemon unless there is none or it is
// older than this build.
func dialCurrent(paths DaemonPaths) (net.Conn, bool) {
	reply, err := probe(paths)
	if err != nil || reply.PID == 0 || older(reply) {
		return nil, false
	}
	c, err := net.Dial("unix", paths.Socket)
	return c, err == nil
}

// older reports whether the daemon that answered is older than this
// program: by relay protocol, then by build (an order, so two builds never
// both see the other as older).
func older(reply HelloReply) bool {
	if reply.Relay != RelayProtocol {
		return reply.Relay < RelayProtocol
	}
	return reply.Build < BuildStamp()
}

// BuildStamp orders builds of this program: the modification time of the
// executable when the process started (a newer install has a newer file).
// A relay of a newer build replaces a daemon of an older one.
var BuildStamp = sync.OnceValue(func() int64 {
	exe, err := os.Executable()
	if err != nil {
		return 0
	}
	st, err := os.Stat(exe)
	if err != nil {
		return 0
	}
	return st.ModTime().UnixNano()
})

// AskDaemon sends one hello on a new connection to the daemon's socket and
// reads the reply, and for op "status" the report line after it. An error
// that wraps ErrNoDaemon means nothing answers on the socket; a refusal is
// a reply with OK false, not an error.
func AskDaemon(socket string, h Hello) (reply HelloReply, next []byte, err error) {
	c, err := net.DialTimeout("unix", socket, time.Second)
	if err != nil {
		return reply, nil, fmt.Errorf("%w: %w", ErrNoDaemon, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	b, _ := json.Marshal(h)
	if _, err := c.Write(append(b, '\n')); err != nil {
		return reply, nil, err
	}
	br := bufio.NewReaderSize(c, maxHello)
	line, err := br.ReadSlice('\n')
	if err != nil {
		return reply, nil, fmt.Errorf("reading the daemon's answer: %w", err)
	}
	if err := json.Unmarshal(line, &reply); err != nil {
		return reply, nil, fmt.Errorf("the daemon's answer %q: %w", clipText(string(line), 200), err)
	}
	if h.Op == "status" && reply.OK {
		if next, err = io.ReadAll(io.LimitReader(br, 4<<20)); err != nil {
			return reply, nil, fmt.Errorf("reading the daemon's status: %w", err)
		}
	}
	return reply, next, nil
}

// probe asks the daemon on paths who it is.
func probe(paths DaemonPaths) (HelloReply, error) {
	reply, _, err := AskDaemon(paths.Socket, Hello{Relay: RelayProtocol, Op: "version", Build: BuildStamp()})
	return reply, err
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
