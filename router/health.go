package router

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Health: the router pings every ready instance (Heartbeat), and replaces
// one that misses HeartbeatMisses pings in a row: a hung instance, or one
// stopped with SIGSTOP, accepts calls it never answers. An instance that
// exits without being asked (a crash, a kill, a broken protocol) is started
// again on the next call, after a backoff that doubles with each crash in a
// row (from backoffBase up to BackoffMax) and resets once a process has run
// StableAfter. CrashLimit crashes within CrashWindow open a breaker: calls
// for that project fail at once, quoting the end of the instance's log,
// until BreakerCooldown has passed or the project's files change.

// ErrBreakerOpen is the error of a call refused by an open breaker.
var ErrBreakerOpen = errors.New("the instance keeps crashing")

const backoffBase = 200 * time.Millisecond

// breakerLogLines is how much of the instance's log a refused call quotes.
const breakerLogLines = 12

// health is an instance's crash history; guarded by Instance.mu.
type health struct {
	missed       int         // heartbeats missed in a row by the current process
	crashes      []time.Time // unexpected exits within the crash window
	inARow       int         // crashes without a stable run between
	crashTotal   int         // every unexpected exit
	hungKills    int         // processes replaced for missing heartbeats
	idleStops    int         // processes stopped for being idle
	nextStart    time.Time   // backoff: no spawn before this
	breakerUntil time.Time   // the breaker is open until then (zero: closed)
	breakerStamp fileStamp   // the project's files when it opened
	stampPending bool        // the breaker opened and its stamp is being taken
	breakerLog   string      // the end of the log when it opened
	breakerOpens int
}

// HealthInfo is what debug_instances and status show of an instance's
// health.
type HealthInfo struct {
	LastHeartbeat    time.Time `json:"last_heartbeat,omitzero" jsonschema:"the last time the instance answered (a heartbeat or a call)"`
	MissedHeartbeats int       `json:"missed_heartbeats" jsonschema:"heartbeats missed in a row by the current process"`
	Crashes          int       `json:"crashes" jsonschema:"unexpected exits since the router started"`
	RecentCrashes    int       `json:"recent_crashes" jsonschema:"unexpected exits within the crash window"`
	HungKills        int       `json:"hung_kills,omitempty" jsonschema:"processes replaced for not answering heartbeats"`
	IdleStops        int       `json:"idle_stops,omitempty"`
	NextStart        time.Time `json:"next_start,omitzero" jsonschema:"backoff: the next start waits until then"`
	BreakerOpen      bool      `json:"breaker_open"`
	BreakerUntil     time.Time `json:"breaker_until,omitzero"`
}

// healthInfo reports inst's health; under inst.mu.
func (inst *Instance) healthInfo(now time.Time) HealthInfo {
	h := &inst.health
	info := HealthInfo{
		LastHeartbeat: inst.lastSeen, MissedHeartbeats: h.missed, Crashes: h.crashTotal,
		RecentCrashes: len(h.crashes), HungKills: h.hungKills, IdleStops: h.idleStops,
	}
	if h.nextStart.After(now) {
		info.NextStart = h.nextStart
	}
	if h.breakerUntil.After(now) {
		info.BreakerOpen, info.BreakerUntil = true, h.breakerUntil
	}
	return info
}

// heartbeatLoop pings the ready instances until the pool closes.
func (p *Pool) heartbeatLoop() {
	if p.opts.Heartbeat < 0 {
		return
	}
	t := time.NewTicker(p.opts.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-p.quit:
			return
		case <-t.C:
			p.beat()
		}
	}
}

// beat pings every ready instance once, in parallel, each within one
// heartbeat interval.
func (p *Pool) beat() {
	type target struct {
		inst *Instance
		proc *process
	}
	var targets []target
	p.mu.Lock()
	for _, inst := range p.instances {
		inst.mu.Lock()
		proc := inst.proc
		if proc != nil && isClosed(proc.ready) && proc.startErr == nil && proc.client != nil &&
			!isClosed(proc.exited) && !isClosed(proc.stopping) && proc.aborted() == "" {
			targets = append(targets, target{inst, proc})
		}
		inst.mu.Unlock()
	}
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, t := range targets {
		wg.Go(func() { p.ping(t.inst, t.proc) })
	}
	wg.Wait()
}

// ping sends one heartbeat and acts on its outcome.
func (p *Pool) ping(inst *Instance, proc *process) {
	ctx, cancel := context.WithTimeout(context.Background(), p.opts.Heartbeat)
	_, err := proc.client.call(ctx, "ping", nil)
	cancel()
	now := time.Now()
	inst.mu.Lock()
	if inst.proc != proc {
		inst.mu.Unlock()
		return
	}
	missed := 0
	if err == nil {
		inst.health.missed = 0
		inst.lastSeen = now
	} else {
		inst.health.missed++
		missed = inst.health.missed
	}
	inst.mu.Unlock()
	if err == nil {
		p.persist(inst)
		return
	}
	p.opts.Metrics.event(inst.Key, func(d *metricsEvents) { d.missedHeartbeats++ })
	p.log.Warn("instance missed a heartbeat", "root", inst.Key, "pid", proc.pid, "missed", missed, "err", err)
	if missed >= p.opts.HeartbeatMisses && proc.aborted() == "" {
		inst.mu.Lock()
		inst.health.hungKills++
		inst.mu.Unlock()
		proc.abort(fmt.Sprintf("it answered none of %d heartbeats (one every %v)", missed, p.opts.Heartbeat))
	}
}

// noteCrash records an unexpected exit of proc and sets the backoff and the
// breaker.
func (p *Pool) noteCrash(inst *Instance, proc *process) {
	now := time.Now()
	inst.mu.Lock()
	h := &inst.health
	h.crashTotal++
	cut := 0
	for cut < len(h.crashes) && now.Sub(h.crashes[cut]) > p.opts.CrashWindow {
		cut++
	}
	h.crashes = append(h.crashes[cut:], now)
	if !proc.startedAt.IsZero() && now.Sub(proc.startedAt) >= p.opts.StableAfter {
		h.inARow = 0 // it had run well: this crash starts a new series
	}
	h.inARow++
	backoff := backoffBase << min(h.inARow-1, 16)
	h.nextStart = now.Add(min(backoff, p.opts.BackoffMax))
	opened := false
	if len(h.crashes) >= p.opts.CrashLimit && !h.breakerUntil.After(now) {
		opened = true
		h.breakerUntil = now.Add(p.opts.BreakerCooldown)
		h.stampPending = true // until then no call may read "files changed"
		h.breakerOpens++
		h.breakerLog = logTail(proc.logPath, breakerLogLines)
	}
	crashes, until := len(h.crashes), h.breakerUntil
	inst.mu.Unlock()
	p.opts.Metrics.event(inst.Key, func(d *metricsEvents) { d.crashes++ })
	if opened {
		// Taken outside the lock: it walks the project's files.
		stamp := stampFiles(inst.Key)
		inst.mu.Lock()
		inst.health.breakerStamp = stamp
		inst.health.stampPending = false
		inst.mu.Unlock()
		p.log.Error("instance keeps crashing; refusing calls for its project for a while",
			"root", inst.Key, "crashes", crashes, "window", p.opts.CrashWindow, "until", until.Format(time.RFC3339))
	}
}

// checkBreaker refuses a call while the project's breaker is open; a
// change of the project's files, or the end of the cool-down, closes it.
func (p *Pool) checkBreaker(root string) error {
	p.mu.Lock()
	inst := p.instances[root]
	p.mu.Unlock()
	if inst == nil {
		return nil
	}
	now := time.Now()
	inst.mu.Lock()
	h := &inst.health
	open := h.breakerUntil.After(now)
	if !open && !h.breakerUntil.IsZero() {
		// The cool-down passed: the next crash loop counts afresh.
		h.breakerUntil = time.Time{}
		h.crashes = nil
	}
	stamp, pending := h.breakerStamp, h.stampPending
	inst.mu.Unlock()
	if !open {
		return nil
	}
	if !pending && stampFiles(root) != stamp {
		inst.mu.Lock()
		inst.health.breakerUntil = time.Time{}
		inst.health.crashes = nil
		inst.health.nextStart = time.Time{}
		inst.mu.Unlock()
		p.log.Info("the project's files changed; trying its instance again", "root", root)
		return nil
	}
	inst.mu.Lock()
	defer inst.mu.Unlock()
	return fmt.Errorf("%w: its instance exited %d times within %v, so no new one starts until %s (%s from now) or until the project's files change. The last lines of its log (%s):\n%s",
		ErrBreakerOpen, len(h.crashes), p.opts.CrashWindow, h.breakerUntil.Format(time.TimeOnly),
		time.Until(h.breakerUntil).Round(time.Second), inst.logPathLocked(), h.breakerLog)
}

// logPathLocked is the instance's log file; under inst.mu.
func (inst *Instance) logPathLocked() string {
	if inst.proc != nil {
		return inst.proc.logPath
	}
	return "none yet"
}

// fileStamp sums up a project's files cheaply: a change of any file's size
// or time, or of the set of files, changes it (with a high probability).
type fileStamp struct {
	files int
	sum   uint64
}

// maxStampEntries bounds the walk of stampFiles.
const maxStampEntries = 50000

// stampFiles walks the project (hidden folders skipped) and sums up its
// files' sizes and modification times.
func stampFiles(root string) fileStamp {
	var s fileStamp
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if path != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if s.files++; s.files > maxStampEntries {
			return filepath.SkipAll
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		h := uint64(info.ModTime().UnixNano())*1099511628211 ^ uint64(info.Size())
		for _, c := range []byte(path) {
			h = h*1099511628211 ^ uint64(c)
		}
		s.sum += h
		return nil
	})
	return s
}
