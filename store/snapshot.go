package store

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// SnapshotInfo describes one stored snapshot: its metadata, without the data.
//
// A snapshot is an opaque blob (a compressed encoded project index, made
// elsewhere) that lets a restarted per-project process start warm. The store
// keeps its metadata as JSON in the snapshot_meta bucket and its data as raw
// bytes in snapshot_data, both under Root. Unknown JSON fields are ignored on
// reading, and times come back in UTC.
type SnapshotInfo struct {
	// Root is the key: the absolute project root, computed by the caller
	// and used as given.
	Root string `json:"root"`
	// Size is the length of the data; PutSnapshot sets it.
	Size int64 `json:"size"`
	// Files is how many files the snapshot covers, as the caller says.
	Files int `json:"files"`
	// Format is the snapshot's format version, as the caller says; the
	// store does not look inside the data.
	Format int `json:"format"`
	// SavedAt is when PutSnapshot stored it.
	SavedAt time.Time `json:"saved_at"`
	// UsedAt is the LRU clock: set by PutSnapshot and TouchSnapshot.
	UsedAt time.Time `json:"used_at"`
}

// PutSnapshot stores data as the snapshot of info.Root, replacing any there.
// It sets Size, SavedAt and UsedAt and keeps Files and Format as given. In
// the same transaction it evicts other snapshots, least recently used (oldest
// UsedAt) first, until all data together is within Options.SnapshotCap, and
// returns their roots in the order it evicted them. A snapshot larger than
// the cap is refused with ErrSnapshotTooLarge and nothing changes. data is
// not kept after the call.
func (s *Store) PutSnapshot(info SnapshotInfo, data []byte) (evicted []string, err error) {
	if info.Root == "" {
		return nil, errors.New("storing snapshot: empty root")
	}
	if len(data) == 0 {
		// bbolt does not tell an empty value from a missing one reliably.
		return nil, fmt.Errorf("storing snapshot %s: empty data", info.Root)
	}
	if int64(len(data)) > s.snapCap {
		return nil, fmt.Errorf("storing snapshot %s: %w: %d bytes, the cap is %d",
			info.Root, ErrSnapshotTooLarge, len(data), s.snapCap)
	}
	now := s.now()
	info.Size, info.SavedAt, info.UsedAt = int64(len(data)), now, now
	v, err := encodeSnapshotInfo(info)
	if err != nil {
		return nil, err
	}
	var cleaned []string
	err = s.update(func(tx *bolt.Tx) error {
		evicted, cleaned = nil, nil
		key := []byte(info.Root)
		if err := snapData(tx).Put(key, data); err != nil {
			return err
		}
		if err := snapMeta(tx).Put(key, v); err != nil {
			return err
		}
		all, incomplete := s.snapshotIndex(tx)
		for _, root := range incomplete {
			if err := deleteSnapshot(tx, root); err != nil {
				return err
			}
		}
		cleaned = incomplete
		var total int64
		var others []SnapshotInfo
		for _, in := range all {
			total += in.Size
			if in.Root != info.Root {
				others = append(others, in)
			}
		}
		slices.SortFunc(others, func(a, b SnapshotInfo) int {
			return cmp.Or(a.UsedAt.Compare(b.UsedAt), cmp.Compare(a.Root, b.Root))
		})
		// len(data) is within the cap, so evicting all others is enough.
		for _, in := range others {
			if total <= s.snapCap {
				break
			}
			if err := deleteSnapshot(tx, in.Root); err != nil {
				return err
			}
			total -= in.Size
			evicted = append(evicted, in.Root)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("storing snapshot %s: %w", info.Root, err)
	}
	s.logCleaned(cleaned)
	return evicted, nil
}

// Snapshot returns the snapshot of root; ok is false when there is none, or
// only half of one (a metadata record that does not decode, which is logged,
// or metadata without data or data without metadata). data is a copy, the
// caller's to keep. Reading does not count as use: call TouchSnapshot when
// the snapshot is put to use.
func (s *Store) Snapshot(root string) (info SnapshotInfo, data []byte, ok bool, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		m, d := snapMeta(tx), snapData(tx)
		if m == nil || d == nil {
			return nil // a read-only Store on a file no snapshot build has set up
		}
		key := []byte(root)
		mv, dv := m.Get(key), d.Get(key)
		if mv == nil || dv == nil {
			return nil
		}
		if info, ok = s.decodeSnapshotInfo(root, mv); !ok {
			return nil
		}
		info.Size = int64(len(dv))
		// dv points into bbolt's mapping, valid only during the transaction.
		data = bytes.Clone(dv)
		return nil
	})
	if err != nil {
		return SnapshotInfo{}, nil, false, fmt.Errorf("reading snapshot %s: %w", root, err)
	}
	return info, data, ok, nil
}

// TouchSnapshot sets the UsedAt of root's snapshot to now, which puts it
// last in line for eviction; the router calls it when it hands the snapshot
// to a new process. A missing snapshot (evicted since it was read, say) is
// not an error: there is nothing to touch.
func (s *Store) TouchSnapshot(root string) error {
	err := s.update(func(tx *bolt.Tx) error {
		m := snapMeta(tx)
		key := []byte(root)
		if snapData(tx).Get(key) == nil {
			return nil
		}
		info, ok := s.decodeSnapshotInfo(root, m.Get(key))
		if !ok {
			return nil
		}
		info.UsedAt = s.now()
		v, err := encodeSnapshotInfo(info)
		if err != nil {
			return err
		}
		return m.Put(key, v)
	})
	if err != nil {
		return fmt.Errorf("touching snapshot %s: %w", root, err)
	}
	return nil
}

// Snapshots returns the metadata of every snapshot, sorted by Root. It does
// not read the data, so it is cheap however much the snapshots hold. Half
// snapshots are left out, as Snapshot reports them missing.
func (s *Store) Snapshots() ([]SnapshotInfo, error) {
	var all []SnapshotInfo
	err := s.view(func(tx *bolt.Tx) error {
		all, _ = s.snapshotIndex(tx)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing snapshots: %w", err)
	}
	return all, nil
}

// DeleteSnapshot removes the snapshot of root; a missing one is not an
// error.
func (s *Store) DeleteSnapshot(root string) error {
	err := s.update(func(tx *bolt.Tx) error { return deleteSnapshot(tx, root) })
	if err != nil {
		return fmt.Errorf("deleting snapshot %s: %w", root, err)
	}
	return nil
}

// PruneSnapshots deletes the snapshots whose root keep rejects (the router
// passes "project.godot still exists under root"), and any half snapshots,
// and returns the roots it removed, sorted. keep runs outside any
// transaction, so it may be slow or call the Store; a snapshot stored again
// while keep runs is not removed. A nil keep keeps every whole snapshot.
func (s *Store) PruneSnapshots(keep func(root string) bool) (removed []string, err error) {
	if s.readOnly {
		// Before keep runs: it may be slow, and its answers would be lost.
		return nil, fmt.Errorf("pruning snapshots: %w", ErrReadOnly)
	}
	var listed []SnapshotInfo
	err = s.view(func(tx *bolt.Tx) error {
		listed, _ = s.snapshotIndex(tx)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pruning snapshots: %w", err)
	}
	rejected := make(map[string]time.Time)
	for _, in := range listed {
		if keep != nil && !keep(in.Root) {
			rejected[in.Root] = in.SavedAt
		}
	}
	var cleaned []string
	err = s.update(func(tx *bolt.Tx) error {
		removed, cleaned = nil, nil
		all, incomplete := s.snapshotIndex(tx)
		for _, in := range all {
			if saved, ok := rejected[in.Root]; ok && saved.Equal(in.SavedAt) {
				removed = append(removed, in.Root)
			}
		}
		cleaned = incomplete
		removed = append(removed, incomplete...)
		slices.Sort(removed)
		for _, root := range removed {
			if err := deleteSnapshot(tx, root); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pruning snapshots: %w", err)
	}
	s.logCleaned(cleaned)
	return removed, nil
}

// snapshotIndex walks both snapshot buckets side by side, in key order, and
// returns the whole snapshots, with Size from the data's length, and the
// roots of half ones: metadata that does not decode or has no data, and data
// without metadata. bbolt knows a value's length from its page's element
// table, so the data is never read.
func (s *Store) snapshotIndex(tx *bolt.Tx) (all []SnapshotInfo, incomplete []string) {
	m, d := snapMeta(tx), snapData(tx)
	if m == nil || d == nil {
		return nil, nil
	}
	mc, dc := m.Cursor(), d.Cursor()
	mk, mv := mc.First()
	dk, dv := dc.First()
	for mk != nil || dk != nil {
		// A nested bucket is not ours: step over it.
		if mk != nil && mv == nil {
			mk, mv = mc.Next()
			continue
		}
		if dk != nil && dv == nil {
			dk, dv = dc.Next()
			continue
		}
		switch c := compareKeys(mk, dk); {
		case c < 0:
			incomplete = append(incomplete, string(mk))
			mk, mv = mc.Next()
		case c > 0:
			incomplete = append(incomplete, string(dk))
			dk, dv = dc.Next()
		default:
			if in, ok := s.decodeSnapshotInfo(string(mk), mv); ok {
				in.Size = int64(len(dv))
				all = append(all, in)
			} else {
				incomplete = append(incomplete, string(mk))
			}
			mk, mv = mc.Next()
			dk, dv = dc.Next()
		}
	}
	return all, incomplete
}

// compareKeys compares two cursor keys, nil (the cursor is done) last.
func compareKeys(a, b []byte) int {
	switch {
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return bytes.Compare(a, b)
}

// deleteSnapshot removes both halves of root's snapshot, if there. A
// nested bucket under root's key is not a half snapshot (no build of ours
// makes one) and is left alone.
func deleteSnapshot(tx *bolt.Tx, root string) error {
	key := []byte(root)
	for _, b := range []*bolt.Bucket{snapMeta(tx), snapData(tx)} {
		if err := b.Delete(key); err != nil && !errors.Is(err, berrors.ErrIncompatibleValue) {
			return err
		}
	}
	return nil
}

func (s *Store) logCleaned(roots []string) {
	for _, root := range roots {
		s.log.Warn("store: removed half a snapshot (metadata without data, data without metadata, or metadata that does not decode)",
			"root", root)
	}
}

// snapMeta and snapData are the snapshot buckets; Open creates them on a
// writable Store, so they are nil only in a read-only Store on a file no
// build with snapshots has set up.
func snapMeta(tx *bolt.Tx) *bolt.Bucket { return tx.Bucket([]byte(bucketSnapMeta)) }
func snapData(tx *bolt.Tx) *bolt.Bucket { return tx.Bucket([]byte(bucketSnapData)) }

func encodeSnapshotInfo(info SnapshotInfo) ([]byte, error) {
	// UTC drops the monotonic reading and the local zone; see encodeInstance.
	info.SavedAt, info.UsedAt = info.SavedAt.UTC(), info.UsedAt.UTC()
	v, err := json.Marshal(info)
	if err != nil {
		return nil, fmt.Errorf("encoding snapshot metadata %s: %w", info.Root, err)
	}
	return v, nil
}

// decodeSnapshotInfo decodes the metadata v stored under root; ok is false
// when v is nil or does not decode (logged, like decodeInstance).
func (s *Store) decodeSnapshotInfo(root string, v []byte) (info SnapshotInfo, ok bool) {
	if v == nil {
		return SnapshotInfo{}, false
	}
	if err := json.Unmarshal(v, &info); err != nil {
		s.log.Warn("store: skipping a snapshot metadata record that does not decode", "root", root, "err", err)
		return SnapshotInfo{}, false
	}
	info.Root = root
	return info, true
}
