package instance

import (
	"fmt"
	"sync"

	"github.com/godot-mcp-router/godot-mcp-router/instance/index"
)

// projectIndex keeps the instance's index current. Until the file watcher
// arrives, every call checks the tree (one walk, one lstat per file, no
// reads) through index.Update, which returns the same index when nothing
// changed and re-reads only what did otherwise.
type projectIndex struct {
	root string

	mu   sync.Mutex // guards the fields below; held during an update so calls wait for it
	ix   *index.Index
	gen  uint64 // counts the indexes ix has held
	sent uint64 // the generation the router holds a snapshot of (0: none)

	changed chan struct{} // signalled (never blocking) when gen grows
}

func newProjectIndex(root string) *projectIndex {
	return &projectIndex{root: root, changed: make(chan struct{}, 1)}
}

// current returns an index that matches the disk.
func (p *projectIndex) current() (*index.Index, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ix, err := index.Update(p.root, p.ix)
	if err != nil {
		return nil, fmt.Errorf("indexing the project: %w", err)
	}
	if ix != p.ix {
		p.ix = ix
		p.gen++
		select {
		case p.changed <- struct{}{}:
		default:
		}
	}
	return ix, nil
}

// restore starts the index from a snapshot the router holds.
func (p *projectIndex) restore(ix *index.Index) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ix = ix
	p.gen++
	p.sent = p.gen
}
