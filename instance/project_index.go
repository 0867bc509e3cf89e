package instance

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/godot-mcp-router/godot-mcp-router/instance/index"
)

// projectIndex keeps the instance's index current. Until the file watcher
// arrives, every call checks a fingerprint of the tree (names, sizes and
// modification times, from one walk without reading any file) and rebuilds
// the index when it changed.
type projectIndex struct {
	root string

	mu  sync.Mutex // guards ix and fp; held during a rebuild so calls wait for it
	ix  *index.Index
	fp  uint64
	err error
}

// current returns an index that matches the disk.
func (p *projectIndex) current() (*index.Index, error) {
	fp := fingerprint(p.root)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ix != nil && fp == p.fp {
		return p.ix, nil
	}
	ix, err := index.Update(p.root, p.ix)
	if err != nil {
		return nil, fmt.Errorf("indexing the project: %w", err)
	}
	p.ix, p.fp = ix, fp
	return ix, nil
}

// fingerprint hashes the tree's names, sizes and modification times, walking
// the folders the index walks.
func fingerprint(root string) uint64 {
	h := fnv.New64a()
	var buf []byte
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if d != nil && d.IsDir() && p != root {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() && p != root {
			name := d.Name()
			if strings.HasPrefix(name, ".") {
				return fs.SkipDir
			}
			if _, err := os.Lstat(filepath.Join(p, ".gdignore")); err == nil {
				return fs.SkipDir
			}
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		buf = append(buf[:0], p...)
		buf = binary.LittleEndian.AppendUint64(buf, uint64(info.Size()))
		buf = binary.LittleEndian.AppendUint64(buf, uint64(info.ModTime().UnixNano()))
		h.Write(buf)
		return nil
	})
	return h.Sum64()
}
