package store

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Errors returned by Open and the Store methods; match them with errors.Is.
var (
	// ErrLocked: another process holds the file's lock past Options.Timeout.
	// It is almost always another godot-mcp-router (a writer), or, for a
	// writer's Open, a read-only status command that is still running.
	ErrLocked = errors.New("store file is locked by another process")

	// ErrNewerSchema: the file was written by a newer build (its schema
	// version is higher than ours). The file is left untouched.
	ErrNewerSchema = errors.New("store file was written by a newer godot-mcp-router")

	// ErrClosed: the Store was closed.
	ErrClosed = errors.New("store is closed")

	// ErrCorrupt: the file is damaged. A writable Open moves a damaged file
	// aside and starts a new one instead; a read-only Open returns it, and so
	// does a call that hits damage done after Open (a panic or a memory
	// fault inside bbolt, turned into an error).
	ErrCorrupt = errors.New("store file is damaged")

	// ErrReadOnly: a write on a Store opened with Options.ReadOnly.
	ErrReadOnly = errors.New("store is open read-only")

	// ErrSnapshotTooLarge: PutSnapshot was given more data than
	// Options.SnapshotCap allows for all snapshots together. Nothing was
	// stored; the root's previous snapshot, if any, is kept.
	ErrSnapshotTooLarge = errors.New("snapshot is larger than the snapshot cap")
)

// errLockTimeout is lockFile's report that the wait ran out.
var errLockTimeout = errors.New("timed out waiting for the file lock")

const (
	// schemaVersion is the layout this build reads and writes. Raise it when
	// a bucket's layout or a record's meaning changes; add the migration in
	// initBuckets. A new bucket does not raise it: an older build never looks
	// at buckets it does not know (its structure check walks any bucket, its
	// initBuckets asks only for its own), so it opens the file as before and
	// leaves the new buckets alone. The snapshot, catalog and metrics
	// buckets came that way.
	schemaVersion = 1

	defaultTimeout = 500 * time.Millisecond
	lockPoll       = 50 * time.Millisecond

	// defaultSnapshotCap holds the snapshots of a few dozen large projects,
	// or hundreds of small ones.
	defaultSnapshotCap = 256 << 20

	// keepAside is how many damaged files are kept next to the store, newest
	// first: enough to look at, not enough to fill a disk in a crash loop.
	keepAside = 3

	bucketMeta      = "meta"
	keySchema       = "schema"
	bucketInstances = "instances"
	bucketSnapMeta  = "snapshot_meta"
	bucketSnapData  = "snapshot_data"

	bucketCatalog        = "catalog"
	bucketCatalogFolders = "catalog_folders"

	bucketMetrics       = "metrics"
	bucketMetricsHourly = "metrics_hourly"
)

// buckets are the buckets initBuckets creates under the root, besides meta.
func buckets() []string {
	return []string{bucketInstances, bucketSnapMeta, bucketSnapData, bucketCatalog, bucketCatalogFolders,
		bucketMetrics, bucketMetricsHourly}
}

// Options are the optional settings of Open. The zero value, and a nil
// *Options, mean the defaults.
type Options struct {
	// Timeout is how long Open waits for the file lock before it returns
	// ErrLocked. 0 (or less) means 500ms. Open never waits forever, unlike
	// bbolt's default. (Open locks twice, for its check and for bbolt, so
	// in a race with another process it may wait up to twice this.)
	Timeout time.Duration

	// Logger receives warnings: a damaged file moved aside, a damaged
	// record skipped, a fallback to bbolt's previous meta page. nil means
	// discard.
	Logger *slog.Logger

	// ReadOnly opens the file for reading only, for a status command. bbolt
	// takes a shared lock for it, which conflicts with the router's
	// exclusive lock: a read-only Open while the router runs waits Timeout
	// and returns ErrLocked (so a status command must ask the running router
	// instead), and a router starting while a reader holds the file waits
	// too. A read-only Store never repairs: a missing or empty file is an
	// error matching fs.ErrNotExist, a damaged one ErrCorrupt, and writes
	// return ErrReadOnly.
	ReadOnly bool

	// SnapshotCap is the most bytes of snapshot data the store keeps, all
	// snapshots together. PutSnapshot evicts the least recently used others
	// to stay within it and refuses a single snapshot larger than it. 0 (or
	// less) means 256 MiB. The file itself grows larger: bbolt keeps freed
	// pages for reuse rather than shrinking the file.
	SnapshotCap int64
}

// Store is the router's persistent state in one bbolt file. Its methods are
// safe for concurrent use by the goroutines of one process.
type Store struct {
	path      string
	log       *slog.Logger
	readOnly  bool
	recovered string // set by Open only, read-only afterwards
	snapCap   int64
	now       func() time.Time // the snapshot LRU clock; tests replace it before use

	// maxHourly and maxTotals are MaxHourlyRecords and MaxMetricsRecords;
	// tests lower them before use.
	maxHourly, maxTotals int

	// mu guards db. Calls hold it shared for their transaction; Close holds
	// it exclusively, so it waits for calls in flight and later calls see
	// db == nil.
	mu sync.RWMutex
	db *bolt.DB
}

// DefaultPath is where the store lives unless the caller says otherwise:
// $GODOT_MCP_ROUTER_STATE_DIR/router.db when that is set, else
// $XDG_STATE_HOME/godot-mcp-router/router.db, else
// ~/.local/state/godot-mcp-router/router.db. A relative
// GODOT_MCP_ROUTER_STATE_DIR is made absolute; a relative XDG_STATE_HOME is
// ignored, as the XDG spec asks.
func DefaultPath() (string, error) {
	if dir := os.Getenv("GODOT_MCP_ROUTER_STATE_DIR"); dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return "", fmt.Errorf("resolving GODOT_MCP_ROUTER_STATE_DIR %q: %w", dir, err)
		}
		return filepath.Join(abs, "router.db"), nil
	}
	if dir := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "godot-mcp-router", "router.db"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the store path: %w", err)
	}
	return filepath.Join(home, ".local", "state", "godot-mcp-router", "router.db"), nil
}

// Open opens the store at path, creating the file (0600) and its folder
// (0700) when missing. opts may be nil. A damaged file is moved aside and
// replaced by a new one (see Recovered); see the package documentation for
// the details.
func Open(path string, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if path == "" {
		return nil, errors.New("opening store: empty path")
	}
	if o.SnapshotCap <= 0 {
		o.SnapshotCap = defaultSnapshotCap
	}
	s := &Store{path: path, log: o.Logger, readOnly: o.ReadOnly, snapCap: o.SnapshotCap, now: time.Now,
		maxHourly: MaxHourlyRecords, maxTotals: MaxMetricsRecords}
	if !o.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("creating the folder of store %s: %w", path, err)
		}
	}
	db, err := s.open(o.Timeout)
	if err != nil {
		return nil, err
	}
	s.db = db
	return s, nil
}

// Path is the file the store was opened from.
func (s *Store) Path() string { return s.path }

// Recovered is "" normally. When Open found the file damaged and moved it
// aside, it is where the damaged file went; the caller reports it.
func (s *Store) Recovered() string { return s.recovered }

// Close closes the file and releases its lock. It waits for calls in flight;
// later calls return ErrClosed. Closing twice returns nil.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil
	}
	db := s.db
	s.db = nil
	if err := db.Close(); err != nil {
		return fmt.Errorf("closing store %s: %w", s.path, err)
	}
	return nil
}

// open checks the file, moves it aside when damaged, and opens it with bbolt.
func (s *Store) open(timeout time.Duration) (*bolt.DB, error) {
	checked, err := s.inspect(timeout, nil)
	if err != nil {
		return nil, err
	}
	db, err := s.openBolt(timeout)
	if err == nil || !isCorrupt(err) {
		return db, err
	}
	if s.readOnly || checked == nil {
		return nil, fmt.Errorf("opening store %s: %w: %v", s.path, ErrCorrupt, err)
	}
	// The structure check passed but bbolt or our own buckets disagree
	// (say, a meta key that is not a bucket): move the file aside once and
	// start again with a new one.
	if _, err := s.inspect(timeout, &verdict{file: checked, reason: err.Error()}); err != nil {
		return nil, err
	}
	db, err = s.openBolt(timeout)
	if err != nil && isCorrupt(err) {
		return nil, fmt.Errorf("opening store %s: %w: %v", s.path, ErrCorrupt, err)
	}
	return db, err
}

// verdict is a judgement that a file, already checked, is damaged after all.
type verdict struct {
	file   os.FileInfo
	reason string
}

// inspect checks the file at s.path under the lock bbolt would take, with
// a descriptor of its own that it closes before returning. A damaged file is
// moved aside (read-only: ErrCorrupt). With a verdict it skips the check and
// moves the file aside if it is still the file the verdict is about. It
// returns the file it found intact, or nil when there is none (missing,
// empty, or just moved aside).
func (s *Store) inspect(timeout time.Duration, v *verdict) (os.FileInfo, error) {
	f, err := os.Open(s.path)
	if errors.Is(err, fs.ErrNotExist) && !s.readOnly {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %w", s.path, err)
	}
	defer f.Close()
	if err := lockFile(f, !s.readOnly, timeout); err != nil {
		return nil, s.lockError(err, timeout)
	}
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %w", s.path, err)
	}
	if v != nil {
		if !os.SameFile(info, v.file) {
			return nil, nil // another process got here first
		}
		return nil, s.moveAside(info, v.reason)
	}
	if info.Size() == 0 {
		if s.readOnly {
			// bbolt would try to write a new database into it.
			return nil, fmt.Errorf("opening store %s read-only: the file is empty: %w", s.path, fs.ErrNotExist)
		}
		// bbolt writes a new database into an empty file.
		return nil, nil
	}
	report, err := checkFile(f, info.Size())
	if isCorrupt(err) {
		if s.readOnly {
			return nil, fmt.Errorf("opening store %s: %w: %v", s.path, ErrCorrupt, err)
		}
		return nil, s.moveAside(info, err.Error())
	}
	if err != nil {
		return nil, fmt.Errorf("checking store %s: %w", s.path, err)
	}
	if report.fellBack {
		s.log.Warn("store: the newest meta page is damaged; bbolt uses the one before, so the last write may be lost",
			"path", s.path)
	}
	// Refuse a newer file before bbolt opens it for writing: bbolt may write
	// on open, and the file must stay as the newer build left it.
	if report.schema != nil {
		if n, err := parseSchema(report.schema); err == nil && n > schemaVersion {
			return nil, s.newerError(n)
		}
	}
	return info, nil
}

// moveAside renames the damaged file at s.path (which the caller holds
// locked, and which is info) to <path>.corrupt-<UTC time> and removes all
// but the newest keepAside of those.
func (s *Store) moveAside(info os.FileInfo, reason string) error {
	// The lock is on the inode, not the name: make sure the name still
	// points at the file we judged, not at a new one another process put
	// there after moving ours.
	if cur, err := os.Stat(s.path); err != nil || !os.SameFile(cur, info) {
		return nil
	}
	stamp := s.path + ".corrupt-" + time.Now().UTC().Format("20060102T150405.000000000Z")
	aside := stamp
	for i := 1; ; i++ {
		if _, err := os.Lstat(aside); errors.Is(err, fs.ErrNotExist) {
			break
		}
		if i > 100 {
			return fmt.Errorf("moving damaged store %s aside: no free name after %s", s.path, aside)
		}
		aside = stamp + "-" + strconv.Itoa(i)
	}
	if err := os.Rename(s.path, aside); err != nil {
		return fmt.Errorf("moving damaged store %s aside: %w", s.path, err)
	}
	s.recovered = aside
	s.log.Warn("store: the file was damaged; moved it aside and started a new one",
		"path", s.path, "moved_to", aside, "reason", reason)
	s.pruneAside()
	return nil
}

// pruneAside removes the oldest damaged copies beyond keepAside.
func (s *Store) pruneAside() {
	dir, base := filepath.Split(s.path)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		s.log.Warn("store: listing damaged copies", "dir", dir, "err", err)
		return
	}
	var aside []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), base+".corrupt-") {
			aside = append(aside, e.Name())
		}
	}
	// The UTC stamp sorts by time.
	sort.Strings(aside)
	for len(aside) > keepAside {
		if err := os.Remove(filepath.Join(dir, aside[0])); err != nil {
			s.log.Warn("store: removing an old damaged copy", "path", aside[0], "err", err)
		}
		aside = aside[1:]
	}
}

// openBolt opens the checked file with bbolt and sets up the buckets. Any
// panic or memory fault inside bbolt becomes a *corruptError.
func (s *Store) openBolt(timeout time.Duration) (db *bolt.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			if db != nil {
				_ = s.guard(db.Close)
			}
			db, err = nil, corruptf("bbolt panicked while opening: %v", r)
		}
	}()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))

	db, err = bolt.Open(s.path, 0o600, &bolt.Options{Timeout: timeout, ReadOnly: s.readOnly})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, s.lockError(errLockTimeout, timeout)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum),
		errors.Is(err, berrors.ErrVersionMismatch):
		return nil, corruptf("bbolt: %v", err)
	case err != nil:
		return nil, fmt.Errorf("opening store %s: %w", s.path, err)
	}
	if err := s.initBuckets(db); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// initBuckets checks the schema version and creates missing buckets. It
// writes only when something is missing, so opening a current file does not
// add a transaction.
func (s *Store) initBuckets(db *bolt.DB) error {
	current := false
	err := db.View(func(tx *bolt.Tx) error {
		m := tx.Bucket([]byte(bucketMeta))
		if m == nil {
			return nil
		}
		if v := m.Get([]byte(keySchema)); v != nil {
			n, err := parseSchema(v)
			if err != nil {
				return err
			}
			if n > schemaVersion {
				return s.newerError(n)
			}
			current = n == schemaVersion
		}
		for _, name := range buckets() {
			current = current && tx.Bucket([]byte(name)) != nil
		}
		return nil
	})
	if err != nil || current || s.readOnly {
		return err
	}
	return db.Update(func(tx *bolt.Tx) error {
		m, err := tx.CreateBucketIfNotExists([]byte(bucketMeta))
		if err != nil {
			return bucketError(bucketMeta, err)
		}
		if v := m.Get([]byte(keySchema)); v != nil {
			n, err := parseSchema(v)
			if err != nil {
				return err
			}
			if n > schemaVersion {
				return s.newerError(n) // rolls back: the file is unchanged
			}
			// n < schemaVersion: migrations go here once there is a version 2.
		}
		if err := m.Put([]byte(keySchema), []byte(strconv.Itoa(schemaVersion))); err != nil {
			return fmt.Errorf("writing the schema version: %w", err)
		}
		for _, name := range buckets() {
			if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
				return bucketError(name, err)
			}
		}
		return nil
	})
}

func bucketError(name string, err error) error {
	if errors.Is(err, berrors.ErrIncompatibleValue) {
		return corruptf("%q is a value, not a bucket: not a godot-mcp-router store", name)
	}
	return fmt.Errorf("creating bucket %s: %w", name, err)
}

// parseSchema reads the schema version, stored as decimal text so a person
// with the bbolt tool can read it.
func parseSchema(v []byte) (int, error) {
	n, err := strconv.Atoi(string(v))
	if err != nil || n < 1 {
		return 0, corruptf("schema version %q is not a positive number", v)
	}
	return n, nil
}

func (s *Store) newerError(n int) error {
	return fmt.Errorf("opening store %s: %w (schema %d; this build knows %d): upgrade godot-mcp-router or use another file",
		s.path, ErrNewerSchema, n, schemaVersion)
}

func (s *Store) lockError(err error, timeout time.Duration) error {
	if errors.Is(err, errLockTimeout) {
		return fmt.Errorf("opening store %s: %w: waited %s; another godot-mcp-router probably holds it", s.path, ErrLocked, timeout)
	}
	return fmt.Errorf("locking store %s: %w", s.path, err)
}

// view runs fn in a read transaction.
func (s *Store) view(fn func(*bolt.Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return ErrClosed
	}
	return s.guard(func() error { return s.db.View(fn) })
}

// update runs fn in a write transaction.
func (s *Store) update(fn func(*bolt.Tx) error) error {
	if s.readOnly {
		return ErrReadOnly
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return ErrClosed
	}
	return s.guard(func() error { return s.db.Update(fn) })
}

// guard runs fn, turning a panic or a memory fault in bbolt (a file damaged
// or truncated behind our back) into ErrCorrupt, so it never reaches a
// client session. bbolt's View and Update roll back on a panic, which
// releases their locks.
func (s *Store) guard(fn func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: bbolt panicked: %v", ErrCorrupt, r)
		}
	}()
	return fn()
}
