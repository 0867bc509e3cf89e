package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/detect"
	"github.com/godot-mcp-router/godot-mcp-router/router"
	"github.com/godot-mcp-router/godot-mcp-router/store"
)

// routerFlags are the settings of a router, in-process (standalone) or
// daemon.
type routerFlags struct {
	idle, idleCheck, snapDelay time.Duration
	logFile, logLevel          string
	snapCap                    int64
	runtimeDir                 string
	watch                      bool
	watchDepth, maxWatches     int64
	heartbeat, cooldown        time.Duration
}

func addRouterFlags(fs *flag.FlagSet) *routerFlags {
	f := &routerFlags{}
	fs.DurationVar(&f.idle, "idle-timeout", envDuration("GODOT_MCP_ROUTER_IDLE_TIMEOUT", 30*time.Minute),
		"stop an instance after this long without calls (env GODOT_MCP_ROUTER_IDLE_TIMEOUT)")
	fs.DurationVar(&f.idleCheck, "idle-check", envDuration("GODOT_MCP_ROUTER_IDLE_CHECK", time.Minute),
		"how often to look for idle instances (env GODOT_MCP_ROUTER_IDLE_CHECK)")
	fs.StringVar(&f.logFile, "log-file", os.Getenv("GODOT_MCP_ROUTER_LOG_FILE"),
		"write logs to this file instead of stderr (env GODOT_MCP_ROUTER_LOG_FILE)")
	fs.StringVar(&f.logLevel, "log-level", envString("GODOT_MCP_ROUTER_LOG_LEVEL", "info"),
		"debug, info, warn or error (env GODOT_MCP_ROUTER_LOG_LEVEL)")
	fs.DurationVar(&f.snapDelay, "snapshot-delay", envDuration("GODOT_MCP_ROUTER_SNAPSHOT_DELAY", 2*time.Second),
		"how long an instance's index must stay unchanged before its snapshot is saved (env GODOT_MCP_ROUTER_SNAPSHOT_DELAY)")
	fs.Int64Var(&f.snapCap, "snapshot-cap-mb", envInt("GODOT_MCP_ROUTER_SNAPSHOT_CAP_MB", 256),
		"most megabytes of index snapshots kept in the state file; least recently used go first (env GODOT_MCP_ROUTER_SNAPSHOT_CAP_MB)")
	fs.BoolVar(&f.watch, "watch", envBool("GODOT_MCP_ROUTER_WATCH", true),
		"watch project folders for changes (env GODOT_MCP_ROUTER_WATCH=0 turns it off: the files are checked before each call and folders scanned when named)")
	fs.Int64Var(&f.watchDepth, "watch-depth", envInt("GODOT_MCP_ROUTER_WATCH_DEPTH", 4),
		"how many folder levels below a session's folder and each GODOT_PROJECTS_PATH folder are watched for projects (env GODOT_MCP_ROUTER_WATCH_DEPTH)")
	fs.Int64Var(&f.maxWatches, "max-watches", envInt("GODOT_MCP_ROUTER_MAX_WATCHES", int64(detect.WatchBudget())),
		"most file watches the router, and each instance, may hold (default 8192, at most a quarter of fs.inotify.max_user_watches); past it they fall back to checking the files (env GODOT_MCP_ROUTER_MAX_WATCHES)")
	fs.DurationVar(&f.heartbeat, "heartbeat", envDuration("GODOT_MCP_ROUTER_HEARTBEAT", 15*time.Second),
		"how often each ready instance is pinged; three missed pings replace it (env GODOT_MCP_ROUTER_HEARTBEAT)")
	fs.DurationVar(&f.cooldown, "breaker-cooldown", envDuration("GODOT_MCP_ROUTER_BREAKER_COOLDOWN", time.Minute),
		"after 5 crashes in 2 minutes, how long calls for that project are refused (unless its files change) (env GODOT_MCP_ROUTER_BREAKER_COOLDOWN)")
	fs.StringVar(&f.runtimeDir, "runtime-dir", os.Getenv("GODOT_MCP_ROUTER_RUNTIME_DIR"),
		"folder for sockets (env GODOT_MCP_ROUTER_RUNTIME_DIR; default $XDG_RUNTIME_DIR/godot-mcp-router or /tmp/godot-mcp-router-<uid>)")
	return f
}

// runtime resolves the runtime folder, creating it (0700) when missing.
func (f *routerFlags) runtime() (string, error) {
	if f.runtimeDir != "" {
		return f.runtimeDir, router.EnsureRuntimeDir(f.runtimeDir)
	}
	return router.RuntimeDir()
}

// daemonArgs passes this client's settings to the daemon it starts (the
// first client's settings are the daemon's).
func (f *routerFlags) daemonArgs(runtimeDir string) []string {
	return []string{"--runtime-dir", runtimeDir,
		"--idle-timeout", f.idle.String(),
		"--idle-check", f.idleCheck.String(),
		"--snapshot-delay", f.snapDelay.String(),
		"--snapshot-cap-mb", strconv.FormatInt(f.snapCap, 10),
		"--log-level", f.logLevel,
		"--watch=" + strconv.FormatBool(f.watch),
		"--watch-depth", strconv.FormatInt(f.watchDepth, 10),
		"--max-watches", strconv.FormatInt(f.maxWatches, 10),
		"--heartbeat", f.heartbeat.String(),
		"--breaker-cooldown", f.cooldown.String(),
	}
}

// openRouter opens the store and builds the router; close undoes both.
// storeWait is how long to wait for the store's lock.
func (f *routerFlags) openRouter(log *slog.Logger, storeWait time.Duration) (r *router.Router, closeAll func(), err error) {
	if f.snapCap < 1 || f.snapCap > 1<<20 {
		return nil, nil, fmt.Errorf("--snapshot-cap-mb must be between 1 and %d, got %d", 1<<20, f.snapCap)
	}
	if f.heartbeat < 10*time.Millisecond || f.cooldown < 0 {
		return nil, nil, fmt.Errorf("--heartbeat must be at least 10ms and --breaker-cooldown not negative")
	}
	if f.watchDepth < 0 || f.watchDepth > 32 {
		return nil, nil, fmt.Errorf("--watch-depth must be between 0 and 32, got %d", f.watchDepth)
	}
	if f.maxWatches < 1 || f.maxWatches > 1<<24 {
		return nil, nil, fmt.Errorf("--max-watches must be between 1 and %d, got %d", 1<<24, f.maxWatches)
	}
	st, problem := openStore(log, f.snapCap<<20, storeWait)
	stateDir := ""
	if p, err := store.DefaultPath(); err == nil {
		stateDir = p
	}
	r, err = router.New(st, router.Options{
		Logger:       log,
		Version:      version,
		StoreProblem: problem,
		ProjectsPath: projectsPath(),
		Projects: router.ProjectsOptions{
			Depth:      int(f.watchDepth),
			MaxWatches: int(f.maxWatches),
			NoWatch:    !f.watch,
		},
		Pool: router.PoolOptions{
			RuntimeDir:  f.runtimeDir,
			LogDir:      logDirFor(stateDir),
			IdleTimeout: f.idle,
			IdleCheck:   f.idleCheck,

			SnapshotDelay: f.snapDelay,
			NoWatch:       !f.watch,
			MaxWatches:    int(f.maxWatches),

			Heartbeat:       f.heartbeat,
			BreakerCooldown: f.cooldown,
		},
	})
	if err != nil {
		if st != nil {
			st.Close()
		}
		return nil, nil, err
	}
	return r, func() {
		r.Close()
		if st != nil {
			st.Close()
		}
	}, nil
}

// runServe is the default command: what an MCP client launches. It relays
// the client's stdio to the per-user daemon, starting one when none runs;
// with --standalone (or GODOT_MCP_ROUTER_STANDALONE=1) it is the router
// itself, serving one session in this process. stdout carries JSON-RPC
// only; logs go to stderr or --log-file.
func runServe(args []string) error {
	fs := flag.NewFlagSet("godot-mcp-router", flag.ContinueOnError)
	rf := addRouterFlags(fs)
	standalone := fs.Bool("standalone", envBool("GODOT_MCP_ROUTER_STANDALONE", !defaultRelay),
		"serve in this process instead of relaying to the shared daemon (env GODOT_MCP_ROUTER_STANDALONE=1)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage, "\nflags:\n")
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), "\nThe state file (registry, snapshots) is $GODOT_MCP_ROUTER_STATE_DIR/router.db, else $XDG_STATE_HOME/godot-mcp-router/router.db, else ~/.local/state/godot-mcp-router/router.db.\n")
	}
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
	// Once: the relay and, when it falls back, the in-process router read
	// the same descriptors.
	in, out := pollable(0, "stdin", os.Stdin), pollable(1, "stdout", os.Stdout)
	if !*standalone {
		err := runRelay(rf, log, in, out)
		if !errors.Is(err, router.ErrNoDaemon) {
			return err
		}
		// No daemon could be reached or started; nothing was read from
		// the client yet, so this process serves the session itself.
		log.Warn("serving in this process instead", "err", err)
	}

	// A short wait for the store: a second standalone router finds the
	// file locked and must not delay its initialize for long.
	r, closeRouter, err := rf.openRouter(log, 50*time.Millisecond)
	if err != nil {
		return err
	}
	defer closeRouter()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	wd, _ := os.Getwd()
	env := router.Env{WorkDir: wd, ProjectDir: os.Getenv("CLAUDE_PROJECT_DIR"), ProjectsPath: projectsPath()}
	log.Info("serving MCP on stdio", "version", version, "pid", os.Getpid(), "workdir", wd)

	served := make(chan error, 1)
	go func() { served <- r.ServeSession(ctx, in, out, env) }()
	select {
	case err = <-served:
	case <-ctx.Done():
		// A read of stdin cannot be interrupted portably; stop the
		// instances and leave without waiting for it.
		log.Info("signal received; stopping")
		err = nil
	}
	if err != nil {
		log.Error("session ended", "err", err)
	}
	return nil
}

// openStore opens the registry; a locked or unreadable file is reported and
// the router carries on without it.
func openStore(log *slog.Logger, snapshotCap int64, wait time.Duration) (*store.Store, string) {
	path, err := store.DefaultPath()
	if err != nil {
		log.Warn("no state folder; registry kept in memory", "err", err)
		return nil, err.Error()
	}
	st, err := store.Open(path, &store.Options{Timeout: wait, Logger: log, SnapshotCap: snapshotCap})
	if err != nil {
		log.Warn("registry unavailable; kept in memory for this session", "err", err)
		return nil, err.Error()
	}
	if moved := st.Recovered(); moved != "" {
		log.Warn("the state file was damaged; it was moved aside and a new one started", "moved_to", moved)
	}
	return st, ""
}

func logDirFor(storePath string) string {
	if storePath == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(storePath), "logs")
}

// newLogger logs to path (appending) or, when path is "", to fallback.
func newLogger(path, level string, fallback io.Writer) (*slog.Logger, func(), error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, nil, fmt.Errorf("log level %q: %w", level, err)
	}
	w, closeFn := fallback, func() {}
	if path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("opening log file: %w", err)
		}
		w, closeFn = f, func() { f.Close() }
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lv})), closeFn, nil
}

func envString(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v := os.Getenv(name); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
		fmt.Fprintf(os.Stderr, "godot-mcp-router: ignoring %s=%q: not a duration like 30m or 90s\n", name, v)
	}
	return def
}

func envBool(name string, def bool) bool {
	switch os.Getenv(name) {
	case "":
		return def
	case "1", "true", "yes", "on":
		return true
	case "0", "false", "no", "off":
		return false
	}
	fmt.Fprintf(os.Stderr, "godot-mcp-router: ignoring %s=%q: not 1 or 0\n", name, os.Getenv(name))
	return def
}

func envInt(name string, def int64) int64 {
	if v := os.Getenv(name); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
		fmt.Fprintf(os.Stderr, "godot-mcp-router: ignoring %s=%q: not a whole number\n", name, v)
	}
	return def
}

// pollable returns a pipe or socket descriptor as a file served by Go's
// poller, instead of blocking a thread in read(2) and write(2): each message
// then costs no thread handoff. Anything else (a terminal, whose
// non-blocking mode would leak to the shell) keeps the ordinary file.
func pollable(fd int, name string, fallback *os.File) *os.File {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return fallback
	}
	if kind := st.Mode & syscall.S_IFMT; kind != syscall.S_IFIFO && kind != syscall.S_IFSOCK {
		return fallback
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		return fallback
	}
	return os.NewFile(uintptr(fd), name)
}

// projectsPath is GODOT_PROJECTS_PATH: folders holding Godot projects,
// separated as PATH is.
func projectsPath() []string {
	var out []string
	for _, p := range filepath.SplitList(os.Getenv("GODOT_PROJECTS_PATH")) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
