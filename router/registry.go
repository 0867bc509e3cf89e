package router

import (
	"errors"
	"log/slog"
	"sync"
	"syscall"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/store"
)

// registryFlushEvery bounds how often the registry writes: a busy pool
// changes records on every call, and one bbolt commit per call would cost
// more than the call.
const registryFlushEvery = time.Second

// Registry mirrors the pool's instances into the store. Writes are coalesced
// by key and done on one goroutine, so a slow or locked disk never delays a
// tool call. A nil *Registry, or one without a store, records nothing.
type Registry struct {
	st  *store.Store
	log *slog.Logger

	mu      sync.Mutex // guards pending
	pending map[string]store.Instance

	wake chan struct{}
	quit chan struct{}
	done chan struct{}
	once sync.Once
}

// NewRegistry starts the writer for st; st may be nil (no store available).
func NewRegistry(st *store.Store, log *slog.Logger) *Registry {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Registry{
		st:      st,
		log:     log,
		pending: map[string]store.Instance{},
		wake:    make(chan struct{}, 1),
		quit:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	go r.loop()
	return r
}

// Store returns the store behind the registry, nil when there is none.
func (r *Registry) Store() *store.Store {
	if r == nil {
		return nil
	}
	return r.st
}

// Put queues a record; the latest record for a key wins.
func (r *Registry) Put(in store.Instance) {
	if r == nil || r.st == nil {
		return
	}
	r.mu.Lock()
	r.pending[in.Key] = in
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *Registry) loop() {
	defer close(r.done)
	for {
		select {
		case <-r.quit:
			r.flush()
			return
		case <-r.wake:
			r.flush()
			select {
			case <-time.After(registryFlushEvery):
			case <-r.quit:
				r.flush()
				return
			}
		}
	}
}

func (r *Registry) flush() {
	r.mu.Lock()
	batch := r.pending
	r.pending = map[string]store.Instance{}
	r.mu.Unlock()
	for _, in := range batch {
		if err := r.st.PutInstance(in); err != nil {
			r.log.Warn("writing instance registry", "root", in.Key, "err", err)
			if errors.Is(err, store.ErrClosed) {
				return
			}
		}
	}
}

// Close writes what is pending and stops the writer. Safe to call twice.
func (r *Registry) Close() error {
	if r == nil {
		return nil
	}
	r.once.Do(func() { close(r.quit) })
	<-r.done
	return nil
}

// Reconcile re-checks records left by earlier routers: an entry whose
// process is gone (or whose pid now belongs to another process) is marked
// stopped and its socket removed. Live entries are left alone and returned
// (Pool.AdoptLive may take them over); nothing is ever signalled on the
// registry's word.
func (r *Registry) Reconcile() (live []store.Instance) {
	if r == nil || r.st == nil {
		return nil
	}
	recs, err := r.st.Instances()
	if err != nil {
		r.log.Warn("reading instance registry", "err", err)
		return nil
	}
	for _, in := range recs {
		if in.Status == StatusStopped || in.Status == StatusError && in.PID == 0 {
			continue
		}
		if processMatches(in.PID, in.StartTime) {
			live = append(live, in)
			continue
		}
		in.Status = StatusStopped
		if in.Socket != "" {
			removeStaleSocket(in.Socket)
		}
		if err := r.st.PutInstance(in); err != nil {
			r.log.Warn("updating instance registry", "root", in.Key, "err", err)
		}
	}
	return live
}

// processMatches reports whether pid runs and is the process that started at
// startTime (when known).
func processMatches(pid int, startTime uint64) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	if startTime == 0 {
		return true
	}
	st, err := processStartTime(pid)
	return err == nil && st == startTime
}

// nonceLocked is the current process's adoption secret (inst.mu held); ""
// while it starts: launch writes it without a lock, before ready closes,
// and a call that gives up during the spawn persists the record meanwhile.
func (inst *Instance) nonceLocked() string {
	if inst.proc == nil || !isClosed(inst.proc.ready) {
		return ""
	}
	return inst.proc.nonce
}

// persist queues the instance's current record for the registry.
func (p *Pool) persist(inst *Instance) {
	if p.opts.Registry == nil {
		return
	}
	info := inst.info(p.opts.IdleCheck)
	inst.mu.Lock()
	rec := store.Instance{
		Key:           inst.Key,
		Root:          inst.Key,
		Slug:          inst.Project.Slug,
		Version:       inst.Project.Version,
		Engine:        inst.Project.Engine,
		PID:           info.PID,
		Socket:        info.Socket,
		Nonce:         inst.nonceLocked(),
		Status:        info.Status,
		Created:       inst.created,
		LastActivity:  inst.lastActivity,
		LastHeartbeat: inst.lastSeen,
		LastError:     inst.lastError,
		Restarts:      inst.restarts,
		Calls:         inst.calls,
	}
	if inst.proc != nil && isClosed(inst.proc.ready) {
		rec.StartTime = inst.proc.startTime
	}
	inst.mu.Unlock()
	p.opts.Registry.Put(rec)
}
