package store

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// The bounds of the catalog. Past them a Put drops the stalest records in
// the same transaction, so a watcher pointed at a huge tree cannot grow the
// file without end.
const (
	// MaxCatalog is the most projects the catalog keeps; PutProjects drops
	// the least recently seen beyond it.
	MaxCatalog = 4096
	// MaxFolders is the most watched folders the store keeps; PutFolders
	// drops the least recently used beyond it.
	MaxFolders = 64
)

// CatalogProject is one Godot project the router's file watcher found (or a
// session resolved to). It is stored as JSON in the catalog bucket under
// Root. Unknown fields are ignored on reading, so an older build reads a
// newer build's records; times come back in UTC.
type CatalogProject struct {
	// Root is the key: the cleaned, symlink-resolved absolute project
	// root, computed by the caller and used as given.
	Root    string `json:"root"`
	Name    string `json:"name,omitempty"` // config/name
	Slug    string `json:"slug,omitempty"`
	Version string `json:"version,omitempty"`
	// Engine is the engine version as detect reports it, "4.3" or "3.x".
	Engine        string `json:"engine,omitempty"`
	ConfigVersion int    `json:"config_version,omitempty"`
	Supported     bool   `json:"supported"`
	// Problem says why project.godot could not be read fully; "" when it
	// could.
	Problem string `json:"problem,omitempty"`
	// ModTime is project.godot's modification time when it was read.
	ModTime time.Time `json:"mod_time,omitzero"`
	// FoundAt is when the project was first seen. PutProjects keeps the
	// stored one when given a zero FoundAt.
	FoundAt time.Time `json:"found_at,omitzero"`
	// SeenAt is when the project was last confirmed on disk: the clock
	// MaxCatalog evicts by.
	SeenAt time.Time `json:"seen_at,omitzero"`
	// Via is the watched folder the project was found under, or "session".
	Via string `json:"via,omitempty"`
}

// WatchedFolder is a folder the router watches for projects: from
// GODOT_PROJECTS_PATH, a session's folders, or their parents. It is stored
// as JSON in the catalog_folders bucket under Path.
type WatchedFolder struct {
	// Path is the key, used as given.
	Path string `json:"path"`
	// Kind is "env", "session" or "parent"; the store does not check it,
	// so a newer build may add kinds.
	Kind string `json:"kind"`
	// Depth is how many levels below Path are watched.
	Depth int `json:"depth"`
	// UsedAt is the last time a session or the environment named the
	// folder: the clock MaxFolders evicts by.
	UsedAt time.Time `json:"used_at,omitzero"`
}

// PutProjects stores ps, replacing the records of the same Root, in one
// transaction. A project given a zero FoundAt keeps the stored record's. A
// Root that is empty or not absolute is an error, and then nothing is
// stored. Beyond MaxCatalog records, the least recently seen (oldest SeenAt)
// are dropped in the same transaction, those not in ps first. An empty ps
// does nothing.
func (s *Store) PutProjects(ps []CatalogProject) error {
	if len(ps) == 0 {
		return nil
	}
	for _, p := range ps {
		if err := checkRoot(p.Root); err != nil {
			return fmt.Errorf("storing projects: %w", err)
		}
	}
	var dropped int
	err := s.update(func(tx *bolt.Tx) error {
		b := catalog(tx)
		put := make(map[string]bool, len(ps))
		for _, p := range ps {
			key := []byte(p.Root)
			if p.FoundAt.IsZero() {
				if old, ok := s.decodeProject(p.Root, b.Get(key)); ok {
					p.FoundAt = old.FoundAt
				}
			}
			v, err := encodeProject(p)
			if err != nil {
				return err
			}
			if err := b.Put(key, v); err != nil {
				return fmt.Errorf("%s: %w", p.Root, err)
			}
			put[p.Root] = true
		}
		var err error
		dropped, err = s.trim(b, MaxCatalog, put, func(k string, v []byte) time.Time {
			p, _ := s.decodeProject(k, v)
			return p.SeenAt
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("storing projects: %w", err)
	}
	if dropped > 0 {
		s.log.Warn("store: the project catalog is full; dropped the least recently seen projects",
			"dropped", dropped, "max", MaxCatalog)
	}
	return nil
}

// DeleteProjects removes the records of roots in one transaction; a root
// without a record is not an error.
func (s *Store) DeleteProjects(roots []string) error {
	if err := s.deleteKeys(catalog, roots); err != nil {
		return fmt.Errorf("deleting projects: %w", err)
	}
	return nil
}

// Projects returns every project record, sorted by Root. Records that do not
// decode are logged and left out, as Instances does; the next PutProjects
// of their root replaces them.
func (s *Store) Projects() ([]CatalogProject, error) {
	var all []CatalogProject
	err := s.view(func(tx *bolt.Tx) error {
		b := catalog(tx)
		if b == nil {
			return nil // a read-only Store on a file no catalog build has set up
		}
		// bbolt keeps keys in byte order, which is the order we promise.
		return b.ForEach(func(k, v []byte) error {
			if p, ok := s.decodeProject(string(k), v); ok {
				all = append(all, p)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("listing projects: %w", err)
	}
	return all, nil
}

// PutFolders stores fs, replacing the records of the same Path, in one
// transaction. An empty Path is an error, and then nothing is stored.
// Beyond MaxFolders records, the least recently used (oldest UsedAt) are
// dropped in the same transaction, those not in fs first. An empty fs does
// nothing.
func (s *Store) PutFolders(fs []WatchedFolder) error {
	if len(fs) == 0 {
		return nil
	}
	for _, f := range fs {
		if f.Path == "" {
			return errors.New("storing watched folders: empty path")
		}
	}
	var dropped int
	err := s.update(func(tx *bolt.Tx) error {
		b := catalogFolders(tx)
		put := make(map[string]bool, len(fs))
		for _, f := range fs {
			v, err := encodeFolder(f)
			if err != nil {
				return err
			}
			if err := b.Put([]byte(f.Path), v); err != nil {
				return fmt.Errorf("%s: %w", f.Path, err)
			}
			put[f.Path] = true
		}
		var err error
		dropped, err = s.trim(b, MaxFolders, put, func(k string, v []byte) time.Time {
			f, _ := s.decodeFolder(k, v)
			return f.UsedAt
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("storing watched folders: %w", err)
	}
	if dropped > 0 {
		s.log.Warn("store: too many watched folders; dropped the least recently used",
			"dropped", dropped, "max", MaxFolders)
	}
	return nil
}

// Folders returns every watched folder, most recently used first (equal
// UsedAt: by Path). Records that do not decode are logged and left out.
func (s *Store) Folders() ([]WatchedFolder, error) {
	var all []WatchedFolder
	err := s.view(func(tx *bolt.Tx) error {
		b := catalogFolders(tx)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if f, ok := s.decodeFolder(string(k), v); ok {
				all = append(all, f)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("listing watched folders: %w", err)
	}
	// Stable: equal UsedAt stay in key order.
	slices.SortStableFunc(all, func(a, b WatchedFolder) int { return b.UsedAt.Compare(a.UsedAt) })
	return all, nil
}

// DeleteFolders removes the records of paths in one transaction; a path
// without a record is not an error.
func (s *Store) DeleteFolders(paths []string) error {
	if err := s.deleteKeys(catalogFolders, paths); err != nil {
		return fmt.Errorf("deleting watched folders: %w", err)
	}
	return nil
}

func checkRoot(root string) error {
	if root == "" {
		return errors.New("empty root")
	}
	if !filepath.IsAbs(root) {
		return fmt.Errorf("root %q is not absolute", root)
	}
	return nil
}

// deleteKeys removes keys from the bucket bucket returns, in one write
// transaction.
func (s *Store) deleteKeys(bucket func(*bolt.Tx) *bolt.Bucket, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	return s.update(func(tx *bolt.Tx) error {
		b := bucket(tx)
		for _, k := range keys {
			// A nested bucket under the key is not a record of ours (no build
			// makes one): leave it.
			if err := b.Delete([]byte(k)); err != nil && !errors.Is(err, berrors.ErrIncompatibleValue) {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
		return nil
	})
}

// trim keeps at most limit records in b, dropping those whose clock (read
// by at, zero for a record that does not decode) is oldest, and those in
// keep only after all others; equal clocks go in key order. It returns how
// many it dropped. It reads the records only when there are too many.
func (s *Store) trim(b *bolt.Bucket, limit int, keep map[string]bool, at func(key string, v []byte) time.Time) (int, error) {
	n := 0
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v != nil {
			n++
		}
	}
	if n <= limit {
		return 0, nil
	}
	type entry struct {
		key  string
		kept bool
		at   time.Time
	}
	all := make([]entry, 0, n)
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v != nil {
			all = append(all, entry{key: string(k), kept: keep[string(k)], at: at(string(k), v)})
		}
	}
	slices.SortFunc(all, func(a, b entry) int {
		if a.kept != b.kept {
			if a.kept {
				return 1
			}
			return -1
		}
		return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.key, b.key))
	})
	drop := all[:n-limit]
	for _, e := range drop {
		if err := b.Delete([]byte(e.key)); err != nil {
			return 0, fmt.Errorf("dropping %s: %w", e.key, err)
		}
	}
	return len(drop), nil
}

// catalog and catalogFolders are the catalog buckets; Open creates them on a
// writable Store, so they are nil only in a read-only Store on a file no
// build with the catalog has set up.
func catalog(tx *bolt.Tx) *bolt.Bucket        { return tx.Bucket([]byte(bucketCatalog)) }
func catalogFolders(tx *bolt.Tx) *bolt.Bucket { return tx.Bucket([]byte(bucketCatalogFolders)) }

func encodeProject(p CatalogProject) ([]byte, error) {
	// UTC drops the monotonic reading and the local zone; see encodeInstance.
	p.ModTime, p.FoundAt, p.SeenAt = p.ModTime.UTC(), p.FoundAt.UTC(), p.SeenAt.UTC()
	v, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encoding project %s: %w", p.Root, err)
	}
	return v, nil
}

func encodeFolder(f WatchedFolder) ([]byte, error) {
	f.UsedAt = f.UsedAt.UTC()
	v, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("encoding watched folder %s: %w", f.Path, err)
	}
	return v, nil
}

// decodeProject decodes the record v stored under root; ok is false when v
// is nil (missing, or a nested bucket) or does not decode (logged, like
// decodeInstance).
func (s *Store) decodeProject(root string, v []byte) (p CatalogProject, ok bool) {
	if v == nil {
		return CatalogProject{}, false
	}
	if err := json.Unmarshal(v, &p); err != nil {
		s.log.Warn("store: skipping a project catalog record that does not decode", "root", root, "err", err)
		return CatalogProject{}, false
	}
	// The bucket key is the truth; the record's copy is for people reading
	// the file.
	p.Root = root
	return p, true
}

// decodeFolder is decodeProject for watched folders.
func (s *Store) decodeFolder(path string, v []byte) (f WatchedFolder, ok bool) {
	if v == nil {
		return WatchedFolder{}, false
	}
	if err := json.Unmarshal(v, &f); err != nil {
		s.log.Warn("store: skipping a watched folder record that does not decode", "path", path, "err", err)
		return WatchedFolder{}, false
	}
	f.Path = path
	return f, true
}
