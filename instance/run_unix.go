//go:build unix

package instance

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultOrphanGrace is how long an instance outlives its router.
const DefaultOrphanGrace = 3 * time.Second

// Config is what the `instance` subcommand runs with.
type Config struct {
	Root   string
	Socket string
	// Control is the instance's end of the control connection (fd 3 when
	// started by the router): the instance writes one line, "ready" or
	// "error: <why>", and EOF on it means the router is gone. nil when run
	// by hand, which also disables the orphan check.
	Control     io.ReadWriteCloser
	OrphanGrace time.Duration // 0 means DefaultOrphanGrace
	// SnapshotDelay is how long the index must stay unchanged before a
	// snapshot of it is pushed to the router; 0 means DefaultSnapshotDelay.
	SnapshotDelay time.Duration
	// Nonce is the secret a new router proves to adopt the instance after
	// its router died (AdoptMethod); "" refuses every adoption.
	Nonce   string
	Options Options
}

// Run serves the project until ctx ends (SIGTERM from the router) or the
// router has been gone for the grace period.
func Run(ctx context.Context, cfg Config) error {
	log := cfg.Options.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
		cfg.Options.Logger = log
	}
	if cfg.OrphanGrace <= 0 {
		cfg.OrphanGrace = DefaultOrphanGrace
	}
	if cfg.SnapshotDelay <= 0 {
		cfg.SnapshotDelay = DefaultSnapshotDelay
	}
	fail := func(err error) error {
		if cfg.Control != nil {
			msg := strings.ReplaceAll(err.Error(), "\n", " ")
			fmt.Fprintf(cfg.Control, "error: %s\n", msg)
			cfg.Control.Close()
		}
		return err
	}

	// The router is watched from the start, so an instance that hangs
	// before it is ready still leaves when its router does.
	ctx, cancel := context.WithCancel(ctx)
	finished := make(chan struct{})
	var watcher sync.WaitGroup
	var ready atomic.Pointer[Server] // set once the readiness line is out
	ctl := &control{w: cfg.Control}
	adopt := &adoption{nonce: cfg.Nonce, adopted: make(chan (<-chan struct{}), 1)}
	if cfg.Control != nil {
		watcher.Go(func() {
			watchRouter(ctx, cancel, finished, cfg.Control, cfg.OrphanGrace, log, adopt, func(line string) {
				if s := ready.Load(); s != nil {
					s.handleControl(ctl, line)
				}
			})
		})
	}
	defer func() {
		close(finished)
		cancel()
		watcher.Wait()
	}()

	srv, err := New(cfg.Root, cfg.Options)
	if err != nil {
		return fail(err)
	}
	srv.adoption = adopt
	ln, err := Listen(cfg.Socket)
	if err != nil {
		return fail(err)
	}
	log.Info("instance serving", "root", srv.Root(), "socket", cfg.Socket, "pid", os.Getpid())
	if cfg.Control != nil {
		report, _ := json.Marshal(srv.Started())
		if err := ctl.line("ready " + string(report) + "\n"); err != nil {
			ln.Close()
			return fmt.Errorf("reporting readiness to the router: %w", err)
		}
		srv.startMu.Lock()
		srv.onChecked = func(rep StartReport) {
			b, _ := json.Marshal(rep)
			if err := ctl.line("checked " + string(b) + "\n"); err != nil {
				log.Warn("reporting the index check to the router", "err", err)
			}
		}
		srv.eng.mu.Lock()
		srv.eng.report = func(rep EngineReport) {
			b, _ := json.Marshal(rep)
			if err := ctl.line("engine " + string(b) + "\n"); err != nil {
				log.Debug("reporting the engine's processes to the router", "err", err)
			}
		}
		srv.eng.mu.Unlock()
		srv.onWatch = func(rep WatchReport) {
			b, _ := json.Marshal(rep)
			if err := ctl.line("watch " + string(b) + "\n"); err != nil {
				log.Debug("reporting the file watch to the router", "err", err)
			}
		}
		srv.startMu.Unlock()
		ready.Store(srv)
		watcher.Go(func() { srv.pushSnapshots(ctl, cfg.SnapshotDelay, finished) })
	}
	err = srv.Serve(ctx, ln)
	log.Info("instance stopped", "root", srv.Root())
	return err
}

// forceExitAfter is how long an orphaned instance may take to stop after
// its grace period before it exits without finishing its calls.
const forceExitAfter = 5 * time.Second

// watchRouter ends the instance when the router's end of the control
// connection closes (the router exited or was killed) and stays closed for
// the grace period, unless a new router adopts the instance meanwhile (then
// the adopting connection's end starts the grace period again). Each line
// the router writes goes to handle.
func watchRouter(ctx context.Context, cancel context.CancelFunc, finished <-chan struct{}, control io.ReadWriteCloser, grace time.Duration, log *slog.Logger, adopt *adoption, handle func(string)) {
	context.AfterFunc(ctx, func() { control.Close() })
	br := bufio.NewReaderSize(control, 256)
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// Not a request (they are short): skip to the line's end.
			for err == bufio.ErrBufferFull {
				_, err = br.ReadSlice('\n')
			}
			continue
		}
		if err != nil {
			break
		}
		handle(string(line))
	}
	if ctx.Err() != nil {
		return
	}
	for orphaned := true; orphaned; {
		log.Warn("router is gone; exiting after grace period unless a new router adopts this instance", "grace", grace)
		adopt.orphaned.Store(true)
		select {
		case <-time.After(grace):
			orphaned = false
			cancel()
		case <-ctx.Done():
			return
		case done := <-adopt.adopted:
			adopt.orphaned.Store(false)
			select {
			case <-done: // that router went too
			case <-ctx.Done():
				return
			}
		}
	}
	// Graceful first; but a call that never ends (or a start that hangs)
	// must not keep an orphan alive: stopping is bounded, then forced.
	select {
	case <-finished:
	case <-time.After(forceExitAfter):
		log.Error("instance did not stop after its router left; exiting now")
		os.Exit(3)
	}
}
