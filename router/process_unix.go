//go:build unix

package router

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/godot-mcp-router/godot-mcp-router/instance"
)

// process is one run of an instance program: from spawn to exit. A crashed
// or stopped instance is replaced by a new process, never revived.
type process struct {
	root    string
	socket  string
	logPath string

	ready    chan struct{} // closed when start has finished, well or not
	startErr error         // set before ready is closed

	exited  chan struct{} // closed when the OS process has been reaped
	exitErr error         // set before exited is closed

	// Set by start before ready is closed, read-only after.
	cmd       *exec.Cmd
	pid       int
	startTime uint64
	startedAt time.Time
	control   net.Conn // router's end of the control connection
	ctlr      *bufio.Reader
	conn      net.Conn   // the MCP connection to the instance socket
	client    *rpcClient // MCP over conn
	reportMu  sync.Mutex
	report    instance.StartReport  // guarded by reportMu once ready
	watch     *instance.WatchReport // guarded by reportMu; nil until the instance says
	engine    instance.EngineReport // guarded by reportMu: the engine processes it runs
	restoring int                   // bytes of snapshot handed to the process at spawn

	// Snapshot requests: one at a time (reqMu); the control reader hands
	// the answer to reply.
	reqMu   sync.Mutex
	replyMu sync.Mutex
	reply   chan struct{} // nil when no request waits; closed after the answer

	stopOnce sync.Once
	stopping chan struct{} // closed when a deliberate stop begins

	nonce   string // the adoption secret given to the instance
	adopted bool   // started by an earlier router and adopted (no cmd, no control)

	abortMu     sync.Mutex
	abortReason string // why the router killed it as broken (hung, garbage); "" otherwise

	// slots bounds the tool calls in flight on the instance below what it
	// runs at once, so it never stops reading its connection and its
	// heartbeats are answered however busy it is; more calls queue here.
	slots chan struct{}

	startCrash sync.Once // a failed start is counted as a crash once
}

// maxCallsInFlight is the router's bound on calls in flight per instance,
// below the instance's own (mcpconn's 64).
const maxCallsInFlight = 48

func newProcess(root, socket, logPath string) *process {
	return &process{
		root:     root,
		socket:   socket,
		logPath:  logPath,
		ready:    make(chan struct{}),
		exited:   make(chan struct{}),
		stopping: make(chan struct{}),
		slots:    make(chan struct{}, maxCallsInFlight),
	}
}

// spawnConfig is what start needs from the pool.
type spawnConfig struct {
	exe         string
	version     string
	orphanGrace time.Duration
	timeout     time.Duration
	env         []string
	log         *slog.Logger
	// snapshots hands the process its project's snapshot and keeps the
	// ones it sends; snapshotDelay is the instance's debounce (0: its
	// default).
	snapshots     *Snapshots
	snapshotDelay time.Duration
	noWatch       bool // the instance checks the files before each call instead of watching
	maxWatches    int  // the instance's watch budget; 0: its default
	// onNotify gets the instance's notifications (progress); nil: dropped.
	onNotify func(method string, params json.RawMessage)
}

// start launches the instance, waits for its readiness line, connects to its
// socket and initializes the MCP session. It always closes p.ready. The
// reaper goroutine it starts is tracked by wg.
func (p *process) start(cfg spawnConfig, wg *sync.WaitGroup) {
	defer close(p.ready)
	err := p.launch(cfg, wg)
	if err != nil {
		p.startErr = err
		if p.cmd == nil {
			close(p.exited) // nothing was started, nothing to reap
		}
		p.kill()
	}
}

func (p *process) launch(cfg spawnConfig, wg *sync.WaitGroup) error {
	// The folders may have been cleaned away (a tmp cleaner, a reboot of
	// XDG_RUNTIME_DIR) since the router started.
	if err := ensurePrivateDir(filepath.Dir(p.socket)); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p.logPath), 0o700); err != nil {
		return fmt.Errorf("creating instance log folder: %w", err)
	}
	logf, err := openInstanceLog(p.logPath)
	if err != nil {
		return err
	}
	defer logf.Close() // the child holds its own descriptor

	fds, err := socketpair()
	if err != nil {
		return fmt.Errorf("creating control connection: %w", err)
	}
	mine := os.NewFile(uintptr(fds[0]), "control")
	theirs := os.NewFile(uintptr(fds[1]), "control-child")
	control, err := net.FileConn(mine)
	mine.Close()
	if err != nil {
		theirs.Close()
		return fmt.Errorf("creating control connection: %w", err)
	}
	p.control = control

	args := []string{"instance",
		"--root", p.root,
		"--socket", p.socket,
		"--control-fd", "3",
		"--orphan-grace", cfg.orphanGrace.String(),
	}
	if cfg.snapshotDelay > 0 {
		args = append(args, "--snapshot-delay", cfg.snapshotDelay.String())
	}
	if cfg.noWatch {
		args = append(args, "--watch=false")
	}
	if cfg.maxWatches > 0 {
		args = append(args, "--max-watches", strconv.Itoa(cfg.maxWatches))
	}
	extra := []*os.File{theirs}
	snapshot := cfg.snapshots.Load(p.root)
	var snapW *os.File
	if snapshot != nil {
		r, w, err := os.Pipe()
		if err != nil {
			theirs.Close()
			return fmt.Errorf("creating snapshot pipe: %w", err)
		}
		defer r.Close() // the child holds its own descriptor
		snapW = w
		extra = append(extra, r)
		args = append(args, "--snapshot-fd", "4")
	}
	var secret [16]byte
	rand.Read(secret[:])
	p.nonce = hex.EncodeToString(secret[:])
	cmd := exec.Command(cfg.exe, args...)
	cmd.Dir = "/"
	cmd.Env = append(cfg.env, instance.NonceEnv+"="+p.nonce)
	cmd.Stdin = nil
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.ExtraFiles = extra
	// Own process group: a stop signals the instance and anything it starts
	// (later: the engine), and a Ctrl-C aimed at the client's group does not
	// reach instances directly.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Start()
	theirs.Close()
	if err != nil {
		if snapW != nil {
			snapW.Close()
		}
		return fmt.Errorf("starting instance %s: %w", cfg.exe, err)
	}
	if snapW != nil {
		// The pipe holds 64 KiB: the rest goes as the instance reads. A
		// process that dies first makes the write fail, which is fine.
		wg.Go(func() {
			snapW.Write(snapshot)
			snapW.Close()
		})
	}
	p.cmd = cmd
	p.pid = cmd.Process.Pid
	if st, err := processStartTime(p.pid); err == nil {
		p.startTime = st
	}
	wg.Go(func() {
		p.exitErr = cmd.Wait()
		if p.exitErr != nil {
			// An instance that exits well has ended its engine's
			// processes itself (and its last report may not have
			// reached us: the control connection closes first).
			p.killEngineGroups()
		}
		close(p.exited)
		p.control.Close()
	})

	deadline := time.Now().Add(cfg.timeout)
	if err := p.awaitReady(deadline); err != nil {
		return err
	}

	d := net.Dialer{Deadline: deadline}
	conn, err := d.Dial("unix", p.socket)
	if err != nil {
		return fmt.Errorf("connecting to instance socket %s: %w", p.socket, err)
	}
	p.conn = conn
	c := startRPCClient(conn, cfg.log, maxInstanceMessage, cfg.onNotify, p.abort)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	init, _ := json.Marshal(map[string]any{
		"protocolVersion": mcp.LATEST_LEGACY_PROTOCOL_VERSION,
		"capabilities":    map[string]any{},
		"clientInfo":      mcp.Implementation{Name: "godot-mcp-router", Version: cfg.version},
	})
	if _, err := c.call(ctx, string(mcp.MethodInitialize), init); err != nil {
		c.Close()
		return fmt.Errorf("initializing MCP session with instance: %w", p.explain(err))
	}
	c.notify(string(mcp.MethodNotificationInitialized), nil)
	p.client = c
	p.startedAt = time.Now()
	wg.Go(func() { p.readControl(cfg.snapshots, cfg.log) })
	return nil
}

// awaitReady reads the instance's one-line report on the control connection.
func (p *process) awaitReady(deadline time.Time) error {
	if err := p.control.SetReadDeadline(deadline); err != nil {
		return fmt.Errorf("waiting for instance: %w", err)
	}
	p.ctlr = bufio.NewReaderSize(p.control, maxControlLine)
	raw, err := p.ctlr.ReadSlice('\n') // bounded: a longer line is an error
	line := strings.TrimSpace(string(raw))
	p.control.SetReadDeadline(time.Time{})
	switch {
	case line == "ready" || strings.HasPrefix(line, "ready "):
		if rep, ok := strings.CutPrefix(line, "ready "); ok {
			if err := json.Unmarshal([]byte(rep), &p.report); err != nil {
				return fmt.Errorf("instance sent a malformed readiness line %q: %v", clipText(line, 200), err)
			}
		}
		return nil
	case strings.HasPrefix(line, "error: "):
		return fmt.Errorf("instance could not start: %s", strings.TrimPrefix(line, "error: "))
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("instance did not report ready within the start timeout; see %s", p.logPath)
	default:
		// The control connection closed without a word: the process died.
		select {
		case <-p.exited:
		case <-time.After(time.Second):
		}
		return fmt.Errorf("instance exited during start (%s); log tail: %s", p.exitStatus(), logTail(p.logPath, 5))
	}
}

// watchReport says how the process follows its files; nil when it has not
// said.
func (p *process) watchReport() *instance.WatchReport {
	p.reportMu.Lock()
	defer p.reportMu.Unlock()
	return p.watch
}

// startReport says how the process made its index.
func (p *process) startReport() instance.StartReport {
	p.reportMu.Lock()
	defer p.reportMu.Unlock()
	return p.report
}

// callTool runs one tool on the instance: params is the raw tools/call
// params object, and the raw result comes back unchanged.
func (p *process) callTool(ctx context.Context, params json.RawMessage) (json.RawMessage, error) {
	select {
	case p.slots <- struct{}{}:
		defer func() { <-p.slots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-p.exited:
		return nil, p.explain(errConnLost)
	}
	res, err := p.client.call(ctx, string(mcp.MethodToolsCall), params)
	if err != nil {
		return nil, p.explain(err)
	}
	return res, nil
}

// errInstanceLost marks a call that failed because its instance broke
// (crashed, killed, replaced as hung or for talking garbage): a read-only
// call is safe to run again on a new instance.
var errInstanceLost = errors.New("instance lost")

// lostError is an error that says what happened and is errInstanceLost.
type lostError struct{ msg string }

func (e lostError) Error() string        { return e.msg }
func (e lostError) Is(target error) bool { return target == errInstanceLost }

func lost(format string, args ...any) error { return lostError{fmt.Sprintf(format, args...)} }

// explain turns a transport failure into what happened to the process.
func (p *process) explain(err error) error {
	if !errors.Is(err, errConnLost) {
		return err
	}
	if why := p.aborted(); why != "" {
		// Killed as broken: no need to wait for the reaper.
		return lost("the instance (pid %d) was replaced during the call: %s", p.pid, why)
	}
	select {
	case <-p.exited:
	case <-time.After(3 * time.Second):
		// Connection lost but the process lives on: it is of no use now.
		p.abort("it closed its connection but did not exit")
		return lost("lost the connection to the instance (pid %d); it was stopped", p.pid)
	}
	select {
	case <-p.stopping:
		return fmt.Errorf("the instance (pid %d) was stopped during the call", p.pid)
	default:
	}
	if why := p.aborted(); why != "" {
		return lost("the instance (pid %d) was replaced during the call: %s", p.pid, why)
	}
	return lost("the instance (pid %d) exited during the call (%s)", p.pid, p.exitStatus())
}

// alive reports whether the process started well and has not exited.
func (p *process) alive() bool {
	select {
	case <-p.ready:
	default:
		return true // still starting
	}
	if p.startErr != nil || p.aborted() != "" {
		return false // an aborted process is being killed: a new one may start now
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// crashed reports whether the process ended without being asked to.
func (p *process) crashed() bool {
	return isClosed(p.exited) && !isClosed(p.stopping)
}

func (p *process) exitStatus() string {
	select {
	case <-p.exited:
	default:
		return "still running"
	}
	if p.exitErr == nil {
		return "exit status 0"
	}
	return p.exitErr.Error()
}

// markStopping records that the process is being ended on purpose: calls
// no longer go to it, and its exit is not a crash.
func (p *process) markStopping() { p.stopOnce.Do(func() { close(p.stopping) }) }

// stop ends the process gracefully, then forcibly: SIGTERM to its group,
// up to grace for it to exit, then SIGKILL. Safe to call more than once.
func (p *process) stop(grace time.Duration) {
	p.markStopping()
	if p.cmd == nil && !p.adopted {
		return
	}
	if p.client != nil {
		p.client.Close()
	}
	select {
	case <-p.exited:
		return
	default:
	}
	_ = syscall.Kill(-p.pid, syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(grace):
		_ = syscall.Kill(-p.pid, syscall.SIGKILL)
		<-p.exited
	}
}

// abort kills a process that is broken (hung, or talking garbage) without
// marking it stopping: its exit counts as a crash, so the backoff and the
// breaker apply and a read-only call in flight is retried.
func (p *process) abort(reason string) {
	p.abortMu.Lock()
	first := p.abortReason == ""
	if first {
		p.abortReason = reason
	}
	p.abortMu.Unlock()
	if !first {
		return
	}
	if p.conn != nil {
		p.conn.Close() // calls in flight end now
	}
	if p.cmd == nil && !p.adopted {
		return
	}
	select {
	case <-p.exited:
	default:
		_ = syscall.Kill(-p.pid, syscall.SIGKILL)
	}
}

// aborted says why the router killed the process as broken, "" when it
// did not.
func (p *process) aborted() string {
	p.abortMu.Lock()
	defer p.abortMu.Unlock()
	return p.abortReason
}

// kill ends the process at once.
func (p *process) kill() {
	p.markStopping()
	if p.client != nil {
		p.client.Close()
	} else if p.conn != nil {
		p.conn.Close()
	}
	if p.control != nil {
		p.control.Close()
	}
	if p.cmd == nil && !p.adopted {
		return
	}
	select {
	case <-p.exited:
	default:
		_ = syscall.Kill(-p.pid, syscall.SIGKILL)
	}
}

func openInstanceLog(path string) (*os.File, error) {
	// Keep one log per project; start it afresh when it has grown large.
	if st, err := os.Stat(path); err == nil && st.Size() > 8<<20 {
		os.Remove(path)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening instance log %s: %w", path, err)
	}
	return f, nil
}

// logTail returns the last n lines of a log, joined for an error message.
func logTail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return "(no log output)"
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > 64<<10 {
		f.Seek(st.Size()-64<<10, io.SeekStart) // the end is what counts
	}
	b, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil || len(b) == 0 {
		return "(no log output)"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		if len(l) > 300 {
			lines[i] = strings.ToValidUTF8(l[:300], "") + "..."
		}
	}
	return strings.Join(lines, " | ")
}

// removeStaleSocket removes a socket file that nothing answers on any more.
// A live socket (a process that took the path since) is left alone.
func removeStaleSocket(path string) {
	c, err := net.DialTimeout("unix", path, 100*time.Millisecond)
	if err == nil {
		c.Close()
		return
	}
	os.Remove(path)
}
