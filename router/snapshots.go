package router

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/instance/index"
	"github.com/godot-mcp-router/godot-mcp-router/store"
)

// defaultMemorySnapshotCap bounds the snapshots kept in memory when the
// router has no store of its own (another router holds the file).
const defaultMemorySnapshotCap = 64 << 20

// Snapshots keeps the instances' state snapshots (the encoded project
// index) so that an instance that is stopped, crashes or outlives a router
// restart comes back warm. With a store they live in its bbolt file and
// writes happen on one goroutine, newest per project wins, so a slow disk
// never delays a call; without one (the file is locked by another router)
// they live in memory, within a cap, for this router's life. A nil
// *Snapshots keeps nothing.
type Snapshots struct {
	st     *store.Store
	log    *slog.Logger
	memCap int64
	now    func() time.Time

	mu      sync.Mutex
	pending map[string]*memSnapshot // store mode: not yet written; memory mode: everything
	writing map[string]*memSnapshot // store mode: being written (Load still finds them)
	touched map[string]bool         // store mode: handed out, UsedAt to renew

	wake chan struct{}
	quit chan struct{}
	done chan struct{}
	once sync.Once
}

type memSnapshot struct {
	info store.SnapshotInfo
	data []byte
}

// NewSnapshots starts the keeper; st may be nil.
func NewSnapshots(st *store.Store, log *slog.Logger) *Snapshots {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	k := &Snapshots{
		st:      st,
		log:     log,
		memCap:  defaultMemorySnapshotCap,
		now:     time.Now,
		pending: map[string]*memSnapshot{},
		writing: map[string]*memSnapshot{},
		touched: map[string]bool{},
		wake:    make(chan struct{}, 1),
		quit:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	go k.loop()
	return k
}

// Save keeps data as the project's newest snapshot. A snapshot whose header
// does not read is dropped: the instance that sent it is broken, and its
// successor indexes from the files.
func (k *Snapshots) Save(root string, data []byte) {
	if k == nil {
		return
	}
	h, err := index.ReadSnapshotHeader(data)
	if err != nil {
		k.log.Warn("instance sent an unreadable snapshot; dropped", "root", root, "bytes", len(data), "err", err)
		return
	}
	now := k.now()
	info := store.SnapshotInfo{Root: root, Size: int64(len(data)), Files: h.Files, Format: h.Format, SavedAt: now, UsedAt: now}
	k.mu.Lock()
	k.pending[root] = &memSnapshot{info: info, data: data}
	if k.st == nil {
		k.evictMemory(root)
	}
	k.mu.Unlock()
	k.log.Debug("snapshot received", "root", root, "bytes", len(data), "files", h.Files)
	k.kick()
}

// evictMemory drops the least recently used snapshots (never keep's) until
// the memory cap holds. k.mu is held.
func (k *Snapshots) evictMemory(keep string) {
	var total int64
	for _, s := range k.pending {
		total += s.info.Size
	}
	for total > k.memCap {
		victim := ""
		for root, s := range k.pending {
			if root != keep && (victim == "" || s.info.UsedAt.Before(k.pending[victim].info.UsedAt)) {
				victim = root
			}
		}
		if victim == "" {
			return
		}
		total -= k.pending[victim].info.Size
		delete(k.pending, victim)
	}
}

// Load returns the project's newest snapshot, or nil, and marks it used.
func (k *Snapshots) Load(root string) []byte {
	if k == nil {
		return nil
	}
	k.mu.Lock()
	if s, ok := k.pending[root]; ok {
		s.info.UsedAt = k.now()
		k.mu.Unlock()
		return s.data
	}
	if s, ok := k.writing[root]; ok {
		k.touched[root] = true
		k.mu.Unlock()
		return s.data
	}
	k.mu.Unlock()
	if k.st == nil {
		return nil
	}
	_, data, ok, err := k.st.Snapshot(root)
	if err != nil {
		k.log.Warn("reading snapshot", "root", root, "err", err)
		return nil
	}
	if !ok {
		return nil
	}
	k.mu.Lock()
	k.touched[root] = true
	k.mu.Unlock()
	k.kick()
	return data
}

// List describes every snapshot kept, sorted by root.
func (k *Snapshots) List() []store.SnapshotInfo {
	if k == nil {
		return nil
	}
	byRoot := map[string]store.SnapshotInfo{}
	if k.st != nil {
		infos, err := k.st.Snapshots()
		if err != nil {
			k.log.Warn("listing snapshots", "err", err)
		}
		for _, in := range infos {
			byRoot[in.Root] = in
		}
	}
	k.mu.Lock()
	for root, s := range k.pending {
		byRoot[root] = s.info
	}
	k.mu.Unlock()
	out := make([]store.SnapshotInfo, 0, len(byRoot))
	for _, in := range byRoot {
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Root < out[j].Root })
	return out
}

// InMemory reports whether snapshots live only as long as this router.
func (k *Snapshots) InMemory() bool { return k != nil && k.st == nil }

// Prune drops the snapshots of projects that are gone (no project.godot
// under the root any more). The router runs it once at start, in the
// background.
func (k *Snapshots) Prune() {
	if k == nil || k.st == nil {
		return
	}
	removed, err := k.st.PruneSnapshots(projectExists)
	if err != nil && !errors.Is(err, store.ErrClosed) {
		k.log.Warn("pruning snapshots", "err", err)
	}
	if len(removed) > 0 {
		k.log.Info("pruned snapshots of projects that are gone", "roots", removed)
	}
}

func projectExists(root string) bool {
	st, err := os.Stat(filepath.Join(root, "project.godot"))
	return err == nil && st.Mode().IsRegular()
}

func (k *Snapshots) kick() {
	select {
	case k.wake <- struct{}{}:
	default:
	}
}

func (k *Snapshots) loop() {
	defer close(k.done)
	for {
		select {
		case <-k.quit:
			k.flush()
			return
		case <-k.wake:
			k.flush()
		}
	}
}

// flush writes pending snapshots and renews handed-out ones (store mode).
func (k *Snapshots) flush() {
	if k.st == nil {
		return
	}
	k.mu.Lock()
	batch, touched := k.pending, k.touched
	k.pending, k.touched, k.writing = map[string]*memSnapshot{}, map[string]bool{}, batch
	k.mu.Unlock()
	defer func() {
		k.mu.Lock()
		k.writing = map[string]*memSnapshot{}
		k.mu.Unlock()
	}()
	for root, s := range batch {
		evicted, err := k.st.PutSnapshot(s.info, s.data)
		if err != nil {
			k.log.Warn("storing snapshot", "root", root, "bytes", s.info.Size, "err", err)
			if !errors.Is(err, store.ErrSnapshotTooLarge) && !errors.Is(err, store.ErrClosed) {
				// A full or read-only disk may recover: keep it for the
				// next write, unless a newer one came meanwhile.
				k.mu.Lock()
				if _, newer := k.pending[root]; !newer {
					k.pending[root] = s
				}
				k.mu.Unlock()
			}
			continue
		}
		if len(evicted) > 0 {
			k.log.Info("evicted least recently used snapshots to stay within the cap", "roots", evicted)
		}
	}
	for root := range touched {
		if _, written := batch[root]; written {
			continue
		}
		if err := k.st.TouchSnapshot(root); err != nil {
			k.log.Warn("marking snapshot used", "root", root, "err", err)
		}
	}
}

// Close writes what is pending and stops the writer. Safe to call twice.
func (k *Snapshots) Close() {
	if k == nil {
		return
	}
	k.once.Do(func() { close(k.quit) })
	<-k.done
}
