package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/instance"
	"github.com/godot-mcp-router/godot-mcp-router/router"
	"github.com/godot-mcp-router/godot-mcp-router/store"
)

// defaultRelay: whether the stdio command relays to the daemon unless told
// --standalone.
const defaultRelay = true

// runDaemon is the per-user router: it owns the store and the instances and
// serves every client through relays on its socket. Exactly one runs: the
// daemon lock is taken for its whole life, and a second daemon exits at once.
func runDaemon(args []string) error {
	router.BuildStamp() // now, before a reinstall can change the file
	fs := flag.NewFlagSet("godot-mcp-router daemon", flag.ContinueOnError)
	rf := addRouterFlags(fs)
	quiet := fs.Duration("quiet-exit", envDuration("GODOT_MCP_ROUTER_QUIET_EXIT", 10*time.Minute),
		"exit after this long with no client and no instance (env GODOT_MCP_ROUTER_QUIET_EXIT)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	log, closeLog, err := newLogger(rf.logFile, rf.logLevel, os.Stderr)
	if err != nil {
		return err
	}
	defer closeLog()
	dir, err := rf.runtime()
	if err != nil {
		return err
	}
	paths := router.DaemonPathsIn(dir)
	// Relays start a daemon only when none answers on the socket, so a
	// held lock is a daemon that is stopping (a newer build replacing it,
	// or `stop`): wait for it to finish, then take over.
	unlock, err := router.LockFile(paths.Lock, time.Now().Add(30*time.Second))
	if errors.Is(err, router.ErrLockHeld) {
		log.Info("another daemon holds the lock and did not stop within 30 s; this one exits", "lock", paths.Lock)
		return nil
	}
	if err != nil {
		return err
	}
	defer unlock()
	// The lock is ours: a socket file left behind is a dead daemon's.
	ln, err := instance.Listen(paths.Socket)
	if err != nil {
		return err
	}
	// A previous daemon may still be closing the store after a stop.
	r, closeRouter, err := rf.openRouter(log, 3*time.Second)
	if err != nil {
		ln.Close()
		return err
	}
	defer closeRouter()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	log.Info("daemon serving", "version", version, "pid", os.Getpid(), "socket", paths.Socket)
	err = r.ServeDaemon(ctx, ln, router.DaemonOptions{QuietExit: *quiet})
	log.Info("daemon stopping")
	return err
}

// runRelay connects the client's stdio to the daemon, starting one when
// none runs.
func runRelay(rf *routerFlags, log *slog.Logger, in io.Reader, out io.Writer) error {
	router.BuildStamp() // now, before a reinstall can change the file
	dir, err := rf.runtime()
	if err != nil {
		return err
	}
	paths := router.DaemonPathsIn(dir)
	wd, _ := os.Getwd()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	// A daemon of an older build makes way for this one (state in the
	// store survives it); a newer one serves this relay too.
	dial := func() (net.Conn, error) {
		return router.DialDaemon(paths, func() (<-chan struct{}, error) { return startDaemon(rf.daemonArgs(dir)) }, 0)
	}
	return router.Relay(ctx, in, out, router.RelayOptions{
		Dial: dial,
		Hello: router.Hello{Relay: router.RelayProtocol, Op: "session", Version: version, Build: router.BuildStamp(),
			WorkDir: wd, ProjectDir: os.Getenv("CLAUDE_PROJECT_DIR"), ProjectsPath: projectsPath()},
		Logger: log,
	})
}

// startDaemon runs `godot-mcp-router daemon args...` detached: its own
// session, no terminal, output to the daemon log. The relay does not wait
// for it.
func startDaemon(args []string) (<-chan struct{}, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	p, err := store.DefaultPath()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(logDirFor(p), "daemon.log")
	if err := os.MkdirAll(filepath.Dir(logPath), 0o700); err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(exe, append([]string{"daemon"}, args...)...)
	cmd.Dir = "/"
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	// The daemon outlives this relay; while the relay lives, it reaps the
	// daemon if that ends first (no zombie left behind).
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	return exited, nil
}

// askDaemon sends one op ("status", "stop") to the running daemon and
// returns its reply and, for status, the report. ok is false when no
// daemon answers.
func askDaemon(op string) (reply router.HelloReply, next []byte, ok bool, err error) {
	rf := routerFlags{runtimeDir: os.Getenv("GODOT_MCP_ROUTER_RUNTIME_DIR")}
	dir, err := rf.runtime()
	if err != nil {
		return reply, nil, false, err
	}
	reply, next, err = router.AskDaemon(router.DaemonPathsIn(dir).Socket, router.Hello{Relay: router.RelayProtocol, Op: op, Version: version})
	switch {
	case errors.Is(err, router.ErrNoDaemon):
		return reply, nil, false, nil
	case err != nil:
		return reply, nil, true, err
	case !reply.OK:
		return reply, nil, true, fmt.Errorf("the daemon refused: %s", reply.Error)
	}
	return reply, next, true, nil
}

// runStop asks the daemon to stop and waits for it to go.
func runStop(args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("stop takes no arguments")
	}
	reply, _, ok, err := askDaemon("stop")
	if err != nil {
		return err
	}
	if !ok {
		fmt.Println("no daemon is running")
		return nil
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if syscall.Kill(reply.PID, 0) != nil {
			fmt.Printf("daemon (pid %d) stopped\n", reply.PID)
			return nil
		}
	}
	return fmt.Errorf("the daemon (pid %d) is still running after 30 s", reply.PID)
}
