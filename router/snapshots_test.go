package router

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/instance/index"
	"github.com/godot-mcp-router/godot-mcp-router/store"
)

// testSnapshot is a real snapshot of a small project at a new root.
func testSnapshot(t *testing.T, scripts int) (root string, data []byte) {
	t.Helper()
	root = t.TempDir()
	os.WriteFile(filepath.Join(root, "project.godot"), []byte("config_version=5\n[application]\nconfig/name=\"T\"\n"), 0o644)
	for i := range scripts {
		os.WriteFile(filepath.Join(root, "s"+string(rune('a'+i%26))+".gd"), []byte("extends Node\nfunc f():\n\tpass\n"), 0o644)
	}
	ix, err := index.Build(root)
	if err != nil {
		t.Fatal(err)
	}
	data, err = ix.Snapshot("test")
	if err != nil {
		t.Fatal(err)
	}
	return root, data
}

func TestSnapshotsStoreMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.db")
	st, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	k := NewSnapshots(st, nil)
	root, data := testSnapshot(t, 3)
	k.Save(root, data)
	if got := k.Load(root); !bytes.Equal(got, data) {
		t.Fatalf("Load right after Save: %d bytes; want %d", len(got), len(data))
	}
	k.Save("/not/a/snapshot", []byte("garbage")) // dropped: its header does not read
	k.Close()                                    // flushes
	if got := k.List(); len(got) != 1 || got[0].Root != root || got[0].Size != int64(len(data)) || got[0].Files == 0 {
		t.Fatalf("List after Close = %+v", got)
	}
	st.Close()

	// A new router finds it in the file.
	st, err = store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	k = NewSnapshots(st, nil)
	defer k.Close()
	if got := k.Load(root); !bytes.Equal(got, data) {
		t.Fatalf("Load from the file: %d bytes; want %d", len(got), len(data))
	}
	// Projects that are gone are pruned.
	os.Remove(filepath.Join(root, "project.godot"))
	k.Prune()
	if got := k.List(); len(got) != 0 {
		t.Fatalf("after the project went away and Prune: %+v", got)
	}
}

// Without a store (another router holds the file) snapshots live in memory,
// within a cap, least recently used first out.
func TestSnapshotsMemoryMode(t *testing.T) {
	k := NewSnapshots(nil, nil)
	defer k.Close()
	if !k.InMemory() {
		t.Fatal("InMemory = false without a store")
	}
	clock := time.Unix(1000, 0)
	k.now = func() time.Time { clock = clock.Add(time.Second); return clock }
	a, da := testSnapshot(t, 2)
	b, db := testSnapshot(t, 2)
	c, dc := testSnapshot(t, 2)
	k.memCap = int64(len(da) + len(db) + len(dc) - 1)
	k.Save(a, da)
	k.Save(b, db)
	k.Load(a) // a is now more recent than b
	k.Save(c, dc)
	if k.Load(b) != nil {
		t.Error("b kept; want it evicted as the least recently used")
	}
	if k.Load(a) == nil || k.Load(c) == nil {
		t.Error("a or c evicted; want only b gone")
	}
}

func TestNilSnapshots(t *testing.T) {
	var k *Snapshots
	k.Save("/x", []byte("y"))
	if k.Load("/x") != nil || k.List() != nil || k.InMemory() {
		t.Fatal("a nil keeper keeps something")
	}
	k.Prune()
	k.Close()
}

// readControl keeps pushed snapshots and index reports, answers waiting
// requests, and on anything malformed stops parsing but keeps draining so
// the instance never blocks.
func TestReadControl(t *testing.T) {
	root, data := testSnapshot(t, 2)
	tests := []struct {
		name      string
		send      func(w io.Writer)
		wantSaved bool
		wantIndex string
	}{
		{"push and report", func(w io.Writer) {
			fmt.Fprintf(w, "push %d\n", len(data))
			w.Write(data)
			io.WriteString(w, `checked {"index":"snapshot","files":2,"checked":true}`+"\n")
		}, true, "snapshot"},
		{"too long a line, then a push", func(w io.Writer) {
			w.Write(bytes.Repeat([]byte("x"), 3*maxControlLine))
			fmt.Fprintf(w, "\npush %d\n", len(data))
			w.Write(data)
		}, false, ""},
		{"bad frame size", func(w io.Writer) { io.WriteString(w, "push -5\n") }, false, ""},
		{"huge frame size", func(w io.Writer) { io.WriteString(w, "push 99999999999\n") }, false, ""},
		{"truncated frame", func(w io.Writer) {
			fmt.Fprintf(w, "push %d\n", len(data))
			w.Write(data[:len(data)/2])
		}, false, ""},
		{"bad report", func(w io.Writer) { io.WriteString(w, "checked {nope\n") }, false, ""},
		{"unknown lines", func(w io.Writer) { io.WriteString(w, "hello\n\n\nworld\n") }, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mine, theirs := net.Pipe()
			p := &process{root: root, control: mine, ctlr: bufio.NewReaderSize(mine, maxControlLine), exited: make(chan struct{})}
			k := NewSnapshots(nil, nil)
			defer k.Close()
			done := make(chan struct{})
			go func() {
				p.readControl(k, slog.New(slog.DiscardHandler))
				close(done)
			}()
			// net.Pipe is unbuffered: each write returns only once read,
			// so a reader that stopped draining would hang this test.
			tt.send(theirs)
			io.WriteString(theirs, "trailing data the reader must drain\n")
			theirs.Close()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("readControl did not return after the instance closed")
			}
			if saved := k.Load(root) != nil; saved != tt.wantSaved {
				t.Errorf("snapshot kept = %v; want %v", saved, tt.wantSaved)
			}
			if got := p.startReport().Index; got != tt.wantIndex {
				t.Errorf("report index = %q; want %q", got, tt.wantIndex)
			}
		})
	}
}
