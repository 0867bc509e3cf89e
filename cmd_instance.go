package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/godot-mcp-router/godot-mcp-router/detect"
	"github.com/godot-mcp-router/godot-mcp-router/instance"
)

// runInstance is the per-project backend. The router starts it; a person
// may too, for debugging (without --control-fd it does not watch a router).
func runInstance(args []string) error {
	fs := flag.NewFlagSet("godot-mcp-router instance", flag.ContinueOnError)
	root := fs.String("root", "", "project root (the folder holding project.godot)")
	socket := fs.String("socket", "", "Unix socket path to serve MCP on")
	controlFD := fs.Int("control-fd", 0, "descriptor of the router's control connection (0: none)")
	grace := fs.Duration("orphan-grace", instance.DefaultOrphanGrace, "how long to outlive the router")
	snapshotFD := fs.Int("snapshot-fd", 0, "descriptor to read a snapshot of the index from, until EOF (0: none)")
	snapshotDelay := fs.Duration("snapshot-delay", instance.DefaultSnapshotDelay, "how long the index must stay unchanged before a snapshot is sent to the router")
	watch := fs.Bool("watch", true, "follow the project's files with a watcher (false: check them before each call)")
	maxWatches := fs.Int("max-watches", detect.WatchBudget(), "most folders watched; past it the files are checked before each call")
	logLevel := fs.String("log-level", envString("GODOT_MCP_ROUTER_LOG_LEVEL", "info"), "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *root == "" || *socket == "" {
		return fmt.Errorf("instance: --root and --socket are required")
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("log level %q: %w", *logLevel, err)
	}
	// stdout and stderr go to the instance's log file (set by the router).
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lv})).
		With("instance", os.Getpid())

	nonce := os.Getenv(instance.NonceEnv)
	os.Unsetenv(instance.NonceEnv) // not for the programs the instance runs
	cfg := instance.Config{
		Nonce:         nonce,
		Root:          *root,
		Socket:        *socket,
		OrphanGrace:   *grace,
		SnapshotDelay: *snapshotDelay,
		Options:       instance.Options{Logger: log, Version: version, NoWatch: !*watch, MaxWatches: *maxWatches},
	}
	if *snapshotFD > 0 {
		// The router writes the snapshot and closes its end; a snapshot
		// that cannot be read whole is not used (the index is built from
		// the files instead).
		f := os.NewFile(uintptr(*snapshotFD), "snapshot")
		data, err := io.ReadAll(io.LimitReader(f, instance.MaxSnapshot+1))
		f.Close()
		switch {
		case err != nil:
			log.Warn("reading the snapshot from the router", "err", err)
		case len(data) > instance.MaxSnapshot:
			log.Warn("snapshot from the router is too large; ignored", "limit", instance.MaxSnapshot)
		case len(data) > 0:
			cfg.Options.Snapshot = data
		}
	}
	if *controlFD > 0 {
		f := os.NewFile(uintptr(*controlFD), "control")
		// A net.Conn, unlike a blocking *os.File, can be closed while a
		// read waits on it.
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("instance: control descriptor %d: %w", *controlFD, err)
		}
		cfg.Control = c
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	return instance.Run(ctx, cfg)
}
