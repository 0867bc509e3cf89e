package router

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/detect"
	"github.com/godot-mcp-router/godot-mcp-router/instance"
)

// Instance states, as shown by debug_instances and kept in the registry.
const (
	StatusStarting = "starting"
	StatusReady    = "ready"
	StatusIdle     = "idle"
	StatusStopping = "stopping"
	StatusStopped  = "stopped"
	StatusError    = "error"
)

// ErrPoolClosed is returned by Get after Close.
var ErrPoolClosed = errors.New("instance pool is closed")

// PoolOptions tunes a Pool. The zero value means the defaults.
type PoolOptions struct {
	Logger       *slog.Logger
	Executable   string        // the binary that runs instances; "" = this one
	Version      string        // reported to instances
	RuntimeDir   string        // sockets; "" = RuntimeDir()
	LogDir       string        // instance logs; "" = RuntimeDir
	IdleTimeout  time.Duration // stop an instance after this long without calls; 0 = 30 min
	IdleCheck    time.Duration // how often to look for idle instances; 0 = 60 s
	StopGrace    time.Duration // SIGTERM to SIGKILL; 0 = 5 s
	StartTimeout time.Duration // spawn to ready; 0 = 20 s
	CallTimeout  time.Duration // one tool call; 0 = 2 min (then the instance is replaced)
	OrphanGrace  time.Duration // how long an instance outlives the router; 0 = instance default
	// Registry receives every change of an instance's record; nil = none.
	Registry *Registry
	// Snapshots keeps the instances' index snapshots; nil = none (every
	// start indexes from the files).
	Snapshots *Snapshots
	// SnapshotDelay is how long an instance's index must stay unchanged
	// before it sends a snapshot; 0 = the instance's default (2 s).
	SnapshotDelay time.Duration
	// SnapshotWait bounds the wait for a last snapshot before an instance
	// is stopped (idle stop, Close); 0 = 3 s.
	SnapshotWait time.Duration
	// NoWatch has instances check the files before each call instead of
	// watching them; MaxWatches bounds each instance's watches (0: the
	// instance's default).
	NoWatch    bool
	MaxWatches int

	// Health (see health.go). Heartbeat: how often ready instances are
	// pinged, 0 = 15 s, negative = never; HeartbeatMisses pings missed in
	// a row replace one, 0 = 3. CrashLimit crashes within CrashWindow open
	// the breaker for BreakerCooldown (0 = 5, 2 min, 1 min). Restarts
	// wait a backoff doubling up to BackoffMax (0 = 10 s), reset after a
	// process ran StableAfter (0 = 1 min).
	Heartbeat       time.Duration
	HeartbeatMisses int
	CrashLimit      int
	CrashWindow     time.Duration
	BreakerCooldown time.Duration
	BackoffMax      time.Duration
	StableAfter     time.Duration
	// OnNotification gets the instances' notifications (progress); it
	// must not block. nil: dropped.
	OnNotification func(method string, params json.RawMessage)
	// Metrics counts spawns, restarts, crashes and idle stops; nil: none.
	Metrics *Metrics
}

// Pool keeps one instance process per project root: spawned on the first call
// that needs it, shared by every session, stopped when idle or closed.
type Pool struct {
	opts PoolOptions
	log  *slog.Logger
	pid  int

	mu        sync.Mutex // guards instances and closed
	instances map[string]*Instance
	closed    bool

	wg   sync.WaitGroup // reapers, spawns and the idle loop
	quit chan struct{}
}

// Instance is the router's view of one project's instance across restarts.
type Instance struct {
	Key     string // the project root
	Project detect.Project
	created time.Time

	inflight atomic.Int64

	mu           sync.Mutex // guards the fields below
	proc         *process   // current or last process; nil before the first spawn
	calls        int64
	errors       int64
	lastActivity time.Time
	lastSeen     time.Time // the last time the instance proved alive (ready, an answer)
	lastError    string
	restarts     int
	spawns       int
	health       health
}

// NewPool prepares a pool. Its idle loop runs until Close.
func NewPool(opts PoolOptions) (*Pool, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Executable == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("finding the router's executable: %w", err)
		}
		opts.Executable = exe
	}
	if opts.RuntimeDir == "" {
		dir, err := RuntimeDir()
		if err != nil {
			return nil, err
		}
		opts.RuntimeDir = dir
	} else if err := ensurePrivateDir(opts.RuntimeDir); err != nil {
		return nil, err
	}
	if opts.LogDir == "" {
		opts.LogDir = opts.RuntimeDir
	}
	if err := os.MkdirAll(opts.LogDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating instance log folder: %w", err)
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 30 * time.Minute
	}
	if opts.IdleCheck <= 0 {
		opts.IdleCheck = time.Minute
	}
	if opts.StopGrace <= 0 {
		opts.StopGrace = 5 * time.Second
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 20 * time.Second
	}
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = 2 * time.Minute
	}
	if opts.SnapshotWait <= 0 {
		opts.SnapshotWait = 3 * time.Second
	}
	if opts.Heartbeat == 0 {
		opts.Heartbeat = 15 * time.Second
	}
	if opts.HeartbeatMisses <= 0 {
		opts.HeartbeatMisses = 3
	}
	if opts.CrashLimit <= 0 {
		opts.CrashLimit = 5
	}
	if opts.CrashWindow <= 0 {
		opts.CrashWindow = 2 * time.Minute
	}
	if opts.BreakerCooldown <= 0 {
		opts.BreakerCooldown = time.Minute
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = 10 * time.Second
	}
	if opts.StableAfter <= 0 {
		opts.StableAfter = time.Minute
	}
	p := &Pool{
		opts:      opts,
		log:       opts.Logger,
		pid:       os.Getpid(),
		instances: map[string]*Instance{},
		quit:      make(chan struct{}),
	}
	p.wg.Go(p.idleLoop)
	p.wg.Go(p.heartbeatLoop)
	return p, nil
}

// Get returns the ready process for the project, spawning it if needed, and
// counts a call in flight on it (the caller ends it with inst.done()).
// Concurrent first calls for one project spawn exactly one process; a call
// that meets a process being stopped waits for its end and starts a new one.
func (p *Pool) Get(ctx context.Context, proj detect.Project) (*Instance, *process, error) {
	for {
		if err := p.checkBreaker(proj.Root); err != nil {
			return nil, nil, err
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, nil, ErrPoolClosed
		}
		inst := p.instances[proj.Root]
		if inst == nil {
			inst = &Instance{Key: proj.Root, Project: proj, created: time.Now()}
			p.instances[proj.Root] = inst
		}
		inst.mu.Lock()
		proc := inst.proc
		if proc != nil && isClosed(proc.ready) && isClosed(proc.stopping) && !isClosed(proc.exited) {
			// Being stopped (idle, or lost): let it go, then start anew.
			inst.mu.Unlock()
			p.mu.Unlock()
			select {
			case <-proc.exited:
			case <-ctx.Done():
				return inst, nil, ctx.Err()
			}
			continue
		}
		if proc == nil || !proc.alive() {
			if wait := time.Until(inst.health.nextStart); wait > 0 {
				// Backoff after a crash: wait it out (the caller's
				// deadline permitting), then look again.
				inst.mu.Unlock()
				p.mu.Unlock()
				t := time.NewTimer(wait)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return inst, nil, fmt.Errorf("the instance crashed and restarts after a backoff of %v: %w", wait.Round(time.Millisecond), ctx.Err())
				}
				continue
			}
			restart := proc != nil && !isClosed(proc.stopping)
			if restart {
				inst.restarts++ // it died on its own
			}
			p.opts.Metrics.event(proj.Root, func(d *metricsEvents) {
				d.spawns++
				if restart {
					d.restarts++
				}
			})
			inst.Project = proj
			inst.spawns++
			inst.health.missed = 0
			proc = newProcess(proj.Root,
				socketPath(p.opts.RuntimeDir, proj.Root, p.pid, inst.spawns),
				filepath.Join(p.opts.LogDir, logName(proj.Root)))
			inst.proc = proc
			cfg := spawnConfig{
				exe:         p.opts.Executable,
				version:     p.opts.Version,
				orphanGrace: p.opts.OrphanGrace,
				timeout:     p.opts.StartTimeout,
				env:         instanceEnv(),
				log:         p.log,

				snapshots:     p.opts.Snapshots,
				snapshotDelay: p.opts.SnapshotDelay,
				noWatch:       p.opts.NoWatch,
				maxWatches:    p.opts.MaxWatches,
				onNotify:      p.opts.OnNotification,
			}
			p.wg.Go(func() {
				proc.start(cfg, &p.wg)
				p.afterStart(inst, proc)
			})
		}
		inst.mu.Unlock()
		p.mu.Unlock()

		select {
		case <-proc.ready:
		case <-ctx.Done():
			return inst, nil, ctx.Err()
		}
		if proc.startErr != nil {
			// Counted before the caller hears of it, so its next call
			// meets the backoff and the breaker.
			p.noteStartCrash(inst, proc)
			return inst, nil, fmt.Errorf("starting the instance for %s: %w", proj.Root, proc.startErr)
		}
		// Claim the call under the lock the idle stop decides under: either
		// the stop sees this call, or this call sees the stop.
		inst.mu.Lock()
		if isClosed(proc.stopping) {
			inst.mu.Unlock()
			continue
		}
		inst.inflight.Add(1)
		inst.mu.Unlock()
		return inst, proc, nil
	}
}

// noteStartCrash counts a process that ran and died (or hung) before it
// was ready as a crash like any other, for the backoff and the breaker.
func (p *Pool) noteStartCrash(inst *Instance, proc *process) {
	if proc.cmd == nil {
		return // nothing ran: the executable or the folders are the problem
	}
	proc.startCrash.Do(func() { p.noteCrash(inst, proc) })
}

// done ends a call counted by Get.
func (inst *Instance) done() { inst.inflight.Add(-1) }

// afterStart records the outcome of a spawn and watches for the exit.
func (p *Pool) afterStart(inst *Instance, proc *process) {
	inst.mu.Lock()
	if proc.startErr != nil {
		inst.lastError = proc.startErr.Error()
	} else {
		inst.lastSeen = time.Now()
	}
	inst.mu.Unlock()
	if proc.startErr != nil {
		p.log.Error("instance failed to start", "root", inst.Key, "err", proc.startErr)
		p.noteStartCrash(inst, proc)
	} else {
		p.log.Info("instance ready", "root", inst.Key, "pid", proc.pid, "socket", proc.socket)
	}
	p.persist(inst)
	if proc.startErr != nil {
		return
	}
	select {
	case <-proc.exited:
	case <-p.quit:
		return // Close stops it and records the end
	}
	select {
	case <-proc.stopping:
		p.log.Info("instance stopped", "root", inst.Key, "pid", proc.pid)
	default:
		msg := fmt.Sprintf("instance exited unexpectedly (%s)", proc.exitStatus())
		if why := proc.aborted(); why != "" {
			msg = "instance replaced: " + why
		}
		inst.mu.Lock()
		inst.lastError = msg
		inst.mu.Unlock()
		p.log.Warn(msg, "root", inst.Key, "pid", proc.pid, "log", proc.logPath)
		p.noteCrash(inst, proc)
	}
	if proc.client != nil {
		proc.client.Close()
	}
	removeStaleSocket(proc.socket) // a killed instance cannot clean up after itself
	p.persist(inst)
}

// Call runs a tool on the project's instance, spawning it if needed: params
// is the raw tools/call params object and the raw result comes back as the
// instance sent it. When retry is set (read-only tools) and the instance
// dies under the call, the call is made once more on a fresh instance: its
// caller never sees the crash. Other calls get an error that says what
// happened.
func (p *Pool) Call(ctx context.Context, proj detect.Project, params json.RawMessage, retry bool) (json.RawMessage, error) {
	for attempt := 0; ; attempt++ {
		inst, proc, err := p.Get(ctx, proj)
		if err != nil {
			if inst != nil {
				inst.record(err)
				p.persist(inst)
			}
			return nil, err
		}
		cctx, cancel := context.WithTimeout(ctx, p.opts.CallTimeout)
		res, err := proc.callTool(cctx, params)
		timedOut := errors.Is(cctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
		cancel()
		inst.done()
		if timedOut {
			// A call that never ends holds the instance: replace it.
			p.log.Error("instance gave no answer in time; stopping it", "root", inst.Key, "timeout", p.opts.CallTimeout)
			proc.kill()
			err = fmt.Errorf("no answer from the instance within %v; it was stopped and the next call starts a new one", p.opts.CallTimeout)
		}
		inst.record(err)
		p.persist(inst)
		if err == nil {
			return res, nil
		}
		if retry && attempt == 0 && errors.Is(err, errInstanceLost) && ctx.Err() == nil {
			p.log.Warn("instance died under a read-only call; retrying on a new instance",
				"root", inst.Key, "err", err)
			continue
		}
		return nil, err
	}
}

func (inst *Instance) record(err error) {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	inst.calls++
	inst.lastActivity = time.Now()
	if err == nil {
		inst.lastSeen = inst.lastActivity
		inst.health.missed = 0 // an answer is as good as a heartbeat
	} else {
		inst.errors++
		inst.lastError = err.Error()
	}
}

// idleLoop stops instances that have had no call for IdleTimeout.
func (p *Pool) idleLoop() {
	t := time.NewTicker(p.opts.IdleCheck)
	defer t.Stop()
	for {
		select {
		case <-p.quit:
			return
		case <-t.C:
			p.stopIdle(time.Now())
		}
	}
}

func (p *Pool) stopIdle(now time.Time) {
	p.mu.Lock()
	type stop struct {
		inst *Instance
		proc *process
	}
	var idle []stop
	for _, inst := range p.instances {
		inst.mu.Lock()
		proc := inst.proc
		// Idle time counts from the last call or from the start of the
		// current process, whichever is later: a process that has just
		// replaced a stopped one is not idle. The decision and the mark
		// are made under inst.mu, where Get claims calls.
		// A game or a build running keeps it: it is not idle.
		if proc != nil && isClosed(proc.ready) && proc.alive() && inst.inflight.Load() == 0 && !proc.engineBusy() {
			last := inst.lastActivity
			if proc.startedAt.After(last) {
				last = proc.startedAt
			}
			if now.Sub(last) >= p.opts.IdleTimeout {
				proc.markStopping()
				inst.health.idleStops++
				p.opts.Metrics.event(inst.Key, func(d *metricsEvents) { d.idleStops++ })
				idle = append(idle, stop{inst, proc})
				p.log.Info("stopping idle instance", "root", inst.Key, "idle_timeout", p.opts.IdleTimeout)
			}
		}
		inst.mu.Unlock()
	}
	p.mu.Unlock()
	for _, s := range idle {
		p.lastSnapshot(s.inst, s.proc)
		s.proc.stop(p.opts.StopGrace)
		removeStaleSocket(s.proc.socket)
		p.persist(s.inst)
	}
}

// lastSnapshot asks a process about to be stopped for the snapshot of its
// index, when the router lacks the latest, so the next start is warm.
func (p *Pool) lastSnapshot(inst *Instance, proc *process) {
	if p.opts.Snapshots == nil || proc.startErr != nil || isClosed(proc.exited) || proc.adopted {
		return
	}
	if err := proc.requestSnapshot(p.opts.SnapshotWait); err != nil {
		p.log.Warn("no last snapshot before stopping the instance", "root", inst.Key, "err", err)
	}
}

// stopInstance stops the instance's current process, if any, and waits.
func (p *Pool) stopInstance(inst *Instance) {
	inst.mu.Lock()
	proc := inst.proc
	inst.mu.Unlock()
	if proc == nil {
		return
	}
	<-proc.ready
	p.lastSnapshot(inst, proc)
	proc.stop(p.opts.StopGrace)
	removeStaleSocket(proc.socket)
	p.persist(inst)
}

// Close stops every instance (in parallel, each gracefully then forcibly)
// and waits for the pool's goroutines. Safe to call twice.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	insts := make([]*Instance, 0, len(p.instances))
	for _, inst := range p.instances {
		insts = append(insts, inst)
	}
	p.mu.Unlock()
	close(p.quit)

	var stops sync.WaitGroup
	for _, inst := range insts {
		stops.Go(func() { p.stopInstance(inst) })
	}
	stops.Wait()
	p.wg.Wait()
	return nil
}

// InstanceInfo is one instance as debug_instances shows it.
type InstanceInfo struct {
	Project      string    `json:"project" jsonschema:"slug/version"`
	Root         string    `json:"root"`
	Version      string    `json:"version,omitempty"`
	Engine       string    `json:"engine"`
	Status       string    `json:"status" jsonschema:"starting, ready, idle, stopping, stopped or error"`
	PID          int       `json:"pid,omitempty"`
	Socket       string    `json:"socket,omitempty"`
	Log          string    `json:"log,omitempty"`
	StartedAt    time.Time `json:"started_at,omitzero"`
	UptimeSec    float64   `json:"uptime_seconds,omitempty"`
	Calls        int64     `json:"calls"`
	Errors       int64     `json:"errors"`
	InFlight     int64     `json:"in_flight"`
	LastActivity time.Time `json:"last_activity,omitzero"`
	LastError    string    `json:"last_error,omitempty"`
	Restarts     int       `json:"restarts"`
	Spawns       int       `json:"spawns"`
	// Index says how the current process made its index: restored from a
	// snapshot or built from the files.
	Index *instance.StartReport `json:"index,omitempty"`
	// Watch says how the instance follows its files: events from a
	// watcher, or a check before each call.
	Watch *instance.WatchReport `json:"watch,omitempty"`
	// Engine: the games and builds the instance runs (it is not stopped
	// for being idle while it runs any).
	EngineProcs *instance.EngineReport `json:"engine_processes,omitempty"`
	// Snapshot is the project's kept snapshot, if any (debug_instances
	// fills it in).
	Snapshot *SnapshotState `json:"snapshot,omitempty"`
	// Health: heartbeats, crashes, backoff and breaker.
	Health HealthInfo `json:"health"`
	// Metrics: all-time figures of the project, kept in the state file.
	Metrics *InstanceMetrics `json:"metrics,omitempty"`
}

// Snapshot describes every instance the pool knows, sorted by root.
func (p *Pool) Snapshot() []InstanceInfo {
	p.mu.Lock()
	insts := make([]*Instance, 0, len(p.instances))
	for _, inst := range p.instances {
		insts = append(insts, inst)
	}
	p.mu.Unlock()
	out := make([]InstanceInfo, 0, len(insts))
	for _, inst := range insts {
		in := inst.info(p.opts.IdleCheck)
		if m, ok := p.opts.Metrics.Project(inst.Key); ok {
			in.Metrics = &m
		}
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Root < out[j].Root })
	return out
}

// Running counts the instances whose process is starting or alive.
func (p *Pool) Running() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, inst := range p.instances {
		inst.mu.Lock()
		if inst.proc != nil && inst.proc.alive() {
			n++
		}
		inst.mu.Unlock()
	}
	return n
}

// LastUsed maps each root to the time of its last call, for detection.
func (p *Pool) LastUsed() map[string]time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := make(map[string]time.Time, len(p.instances))
	for k, inst := range p.instances {
		inst.mu.Lock()
		if !inst.lastActivity.IsZero() {
			m[k] = inst.lastActivity
		}
		inst.mu.Unlock()
	}
	return m
}

// Projects lists the projects the pool has served.
func (p *Pool) Projects() []detect.Project {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]detect.Project, 0, len(p.instances))
	for _, inst := range p.instances {
		out = append(out, inst.Project)
	}
	return out
}

func (inst *Instance) info(idleAfter time.Duration) InstanceInfo {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	in := InstanceInfo{
		Project:      inst.Project.ID(),
		Root:         inst.Key,
		Version:      inst.Project.Version,
		Engine:       inst.Project.Engine,
		Calls:        inst.calls,
		Errors:       inst.errors,
		InFlight:     inst.inflight.Load(),
		LastActivity: inst.lastActivity,
		LastError:    clipText(inst.lastError, 500),
		Restarts:     inst.restarts,
		Spawns:       inst.spawns,
		Status:       StatusStopped,
		Health:       inst.healthInfo(time.Now()),
	}
	if in.Health.BreakerOpen {
		in.Status = StatusError
	}
	proc := inst.proc
	if proc == nil {
		return in
	}
	in.Socket = proc.socket
	in.Log = proc.logPath
	select {
	case <-proc.ready:
	default:
		in.Status = StatusStarting
		return in
	}
	in.PID = proc.pid
	switch {
	case proc.startErr != nil:
		in.Status = StatusError
	case isClosed(proc.exited):
		if isClosed(proc.stopping) {
			in.Status = StatusStopped
		} else {
			in.Status = StatusError
		}
	case isClosed(proc.stopping):
		in.Status = StatusStopping
	default:
		in.Status = StatusReady
		rep := proc.startReport()
		in.Index = &rep
		in.Watch = proc.watchReport()
		if eng := proc.engineReport(); eng.Runs > 0 || eng.Builds > 0 {
			in.EngineProcs = &eng
		}
		in.StartedAt = proc.startedAt
		in.UptimeSec = time.Since(proc.startedAt).Round(time.Millisecond).Seconds()
		last := inst.lastActivity
		if proc.startedAt.After(last) {
			last = proc.startedAt
		}
		if in.InFlight == 0 && time.Since(last) >= idleAfter {
			in.Status = StatusIdle
		}
	}
	return in
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// instanceEnv is the environment of an instance: the router's, so that a
// configured GODOT_BIN and the like carry over.
func instanceEnv() []string {
	return os.Environ()
}
