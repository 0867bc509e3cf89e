//go:build unix

package router

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// The daemon: one router per user, serving every client through relays
// (issue 5). It listens on DaemonPaths().Socket; each connection begins with
// a hello line from the relay and the daemon's one-line reply, then carries
// what the hello asked for:
//
//	op "session"  MCP JSON-RPC lines both ways: one client session
//	op "status"   one line: the InstancesReport as JSON; then the daemon closes
//	op "stop"     the daemon stops (instances first, with their snapshots)
//	op "version"  the reply alone: who the daemon is (pid, version, build)

// DaemonPaths are the daemon's files in the runtime folder.
type DaemonPaths struct {
	Socket    string // where the daemon listens
	Lock      string // held (flock) by the running daemon for its whole life
	StartLock string // held by a relay while it starts a daemon
}

// DaemonPathsIn names the daemon's files in the runtime folder dir.
func DaemonPathsIn(dir string) DaemonPaths {
	return DaemonPaths{
		Socket:    filepath.Join(dir, "router.sock"),
		Lock:      filepath.Join(dir, "daemon.lock"),
		StartLock: filepath.Join(dir, "daemon-start.lock"),
	}
}

// DaemonOptions tune ServeDaemon. The zero value means the defaults.
type DaemonOptions struct {
	// QuietExit: the daemon exits after this long with no session and no
	// running instance. 0 = 10 minutes.
	QuietExit time.Duration
	// QuietCheck: how often that is looked at. 0 = 5 s.
	QuietCheck time.Duration
}

// maxHello bounds the hello line.
const maxHello = 64 << 10

// helloTimeout bounds the wait for a connection's hello.
const helloTimeout = 5 * time.Second

// ServeDaemon serves relay connections on ln until ctx ends, a client asks
// the daemon to stop, or the daemon has been quiet for QuietExit. It closes
// ln and every session before returning; the caller then closes the Router
// (which stops the instances).
func (r *Router) ServeDaemon(ctx context.Context, ln net.Listener, opts DaemonOptions) error {
	if opts.QuietExit <= 0 {
		opts.QuietExit = 10 * time.Minute
	}
	if opts.QuietCheck <= 0 {
		opts.QuietCheck = 5 * time.Second
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex // guards conns, and orders the quiet exit with Accept
		conns    = map[net.Conn]struct{}{}
		lastBusy atomic.Int64 // unix nanoseconds of the last moment with a connection
	)
	lastBusy.Store(time.Now().UnixNano())
	closeAll := func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
	}
	defer context.AfterFunc(ctx, closeAll)()

	wg.Go(func() {
		t := time.NewTicker(opts.QuietCheck)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				// Under mu: a connection accepted from now on sees the
				// stop and is closed; one accepted before counts as busy.
				mu.Lock()
				busy := len(conns) > 0 || r.pool.Running() > 0
				if busy {
					lastBusy.Store(now.UnixNano())
				} else if now.Sub(time.Unix(0, lastBusy.Load())) >= opts.QuietExit {
					r.log.Info("no client and no instance for a while; the daemon exits", "quiet_exit", opts.QuietExit)
					stop()
					mu.Unlock()
					return
				}
				mu.Unlock()
			}
		}
	})

	var err error
	for {
		var c net.Conn
		c, err = ln.Accept()
		if err != nil {
			break
		}
		mu.Lock()
		if ctx.Err() != nil {
			mu.Unlock()
			c.Close()
			break
		}
		conns[c] = struct{}{}
		mu.Unlock()
		wg.Go(func() {
			defer func() {
				mu.Lock()
				delete(conns, c)
				lastBusy.Store(time.Now().UnixNano())
				mu.Unlock()
				c.Close()
			}()
			r.serveRelay(ctx, c, stop)
		})
	}
	closeAll()
	wg.Wait()
	if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return fmt.Errorf("accepting relay connections: %w", err)
}

// serveRelay serves one relay connection: the hello, then what it asks for.
func (r *Router) serveRelay(ctx context.Context, c net.Conn, stop func()) {
	if uid, err := peerUID(c); err != nil || uid != os.Geteuid() {
		r.log.Warn("refused a connection from another user (or of unknown user)", "peer_uid", uid, "err", err)
		return
	}
	c.SetReadDeadline(time.Now().Add(helloTimeout))
	br := bufio.NewReaderSize(c, maxHello)
	line, err := br.ReadSlice('\n')
	c.SetReadDeadline(time.Time{})
	if err != nil {
		if !errors.Is(err, os.ErrDeadlineExceeded) && len(line) > 0 {
			r.log.Warn("relay connection without a proper hello", "err", err)
		}
		return
	}
	var h Hello
	reply := HelloReply{OK: true, Relay: RelayProtocol, Version: r.version, PID: r.pid, Build: BuildStamp()}
	if err := json.Unmarshal(line, &h); err != nil {
		reply = HelloReply{Error: "malformed hello: " + clipText(err.Error(), 200)}
	} else if h.Relay > RelayProtocol && h.Op != "stop" && h.Op != "version" {
		// Older relays are served; a newer one stops this daemon (op stop
		// and version are understood whatever the protocol).
		reply = HelloReply{Error: fmt.Sprintf("relay protocol %d; this daemon speaks %d", h.Relay, RelayProtocol), Relay: RelayProtocol, PID: r.pid, Build: BuildStamp()}
	}
	write := func(v any) bool {
		b, _ := json.Marshal(v)
		c.SetWriteDeadline(time.Now().Add(helloTimeout))
		_, err := c.Write(append(b, '\n'))
		c.SetWriteDeadline(time.Time{})
		return err == nil
	}
	if !reply.OK {
		write(reply)
		return
	}
	switch h.Op {
	case "session":
		if !write(reply) {
			return
		}
		r.log.Info("session started", "workdir", h.WorkDir, "relay_version", h.Version)
		err := r.ServeSession(ctx, br, c, Env{WorkDir: h.WorkDir, ProjectDir: h.ProjectDir, ProjectsPath: h.ProjectsPath})
		if err != nil && ctx.Err() == nil {
			r.log.Info("session ended", "err", err)
		}
	case "version":
		write(reply)
	case "status":
		if write(reply) {
			write(r.Report())
		}
	case "stop":
		r.log.Info("asked to stop", "by_pid_of_relay_version", h.Version)
		write(reply)
		stop()
	default:
		write(HelloReply{Error: fmt.Sprintf("unknown op %q", h.Op)})
	}
}
