//go:build unix

package instance

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/instance/index"
)

// readFrame reads one line from the control connection, and the snapshot
// that follows a "push N" or "reply N" line.
func readFrame(t *testing.T, br *bufio.Reader) (kind string, data []byte) {
	t.Helper()
	line, err := br.ReadString('\n')
	for err == nil && strings.HasPrefix(line, "watch ") {
		line, err = br.ReadString('\n') // how the files are followed: not a frame
	}
	if err != nil {
		t.Fatalf("control: %v", err)
	}
	kind, size, _ := strings.Cut(strings.TrimSpace(line), " ")
	if kind == "push" || kind == "reply" {
		n, err := strconv.Atoi(size)
		if err != nil {
			t.Fatalf("frame line %q", line)
		}
		data = make([]byte, n)
		if _, err := io.ReadFull(br, data); err != nil {
			t.Fatal(err)
		}
	}
	return kind, data
}

// The control exchange: a cold start pushes its snapshot after the delay; a
// request then gets "current"; a change pushes again; a request after a
// change that was not pushed yet gets the snapshot as the reply.
func TestSnapshotExchange(t *testing.T) {
	root := runProject(t)
	socket := filepath.Join(privateDir(t), "i.sock")
	mine, routers := controlPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := startRun(t, ctx, Config{Root: root, Socket: socket, Control: mine, SnapshotDelay: 30 * time.Millisecond})
	routers.SetReadDeadline(time.Now().Add(20 * time.Second))
	br := bufio.NewReader(routers)
	line, _ := br.ReadString('\n')
	var rep StartReport
	if err := json.Unmarshal([]byte(strings.TrimPrefix(strings.TrimSpace(line), "ready ")), &rep); err != nil || rep.Index != "scan" || rep.Files != 3 {
		t.Fatalf("ready line %q: %+v %v", line, rep, err)
	}
	kind, data := readFrame(t, br)
	if kind != "push" || len(data) == 0 {
		t.Fatalf("after a cold start: %q with %d bytes; want a push", kind, len(data))
	}
	if h, err := index.ReadSnapshotHeader(data); err != nil || h.Files != 3 {
		t.Fatalf("pushed snapshot header: %+v %v", h, err)
	}
	fmt.Fprint(routers, "snapshot\n")
	if kind, _ := readFrame(t, br); kind != "current" {
		t.Fatalf("request with nothing new: %q; want current", kind)
	}

	// A change: the next call sees it and a push follows.
	c := dialClient(t, socket)
	os.WriteFile(filepath.Join(root, "more.gd"), []byte("extends Node\n"), 0o644)
	// The watcher makes a write visible within milliseconds, not within
	// the same instant: call until the answer has it.
	deadline := time.Now().Add(5 * time.Second)
	for {
		res, err := callClient(ctx, c, "list_scripts", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(fmt.Sprint(res), "more.gd") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("list_scripts never showed the new script: %v", res)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Asked at once, the reply carries it; on a slow machine the push may
	// come first, and the reply is then "current".
	fmt.Fprint(routers, "snapshot\n")
	kind, data = readFrame(t, br)
	if kind == "push" {
		if next, _ := readFrame(t, br); next != "current" {
			t.Fatalf("request after a push: %q; want current", next)
		}
	} else if kind != "reply" {
		t.Fatalf("request after a change: %q; want reply", kind)
	}
	if h, err := index.ReadSnapshotHeader(data); err != nil || h.Files != 4 {
		t.Fatalf("snapshot after the change: %+v %v", h, err)
	}
	cancel()
	if err := waitRun(t, done, 5*time.Second); err != nil {
		t.Fatal(err)
	}
}

// New restores a usable snapshot and ignores, with the reason, one that is
// damaged or from another format.
func TestNewFromSnapshot(t *testing.T) {
	root := runProject(t)
	ix, err := index.Build(root)
	if err != nil {
		t.Fatal(err)
	}
	good, err := ix.Snapshot(buildID())
	if err != nil {
		t.Fatal(err)
	}
	other, err := ix.Snapshot("another build")
	if err != nil {
		t.Fatal(err)
	}
	damaged := append([]byte(nil), good...)
	for i := len(damaged) / 2; i < len(damaged); i++ {
		damaged[i] ^= 0xff
	}
	// The header and checksum are checked at once; decoding happens while
	// the first call walks the tree (TestRestoreFailsLate).
	tests := []struct {
		name       string
		snapshot   []byte
		startIndex string
		wantIndex  string
		wantErr    bool
	}{
		{"none", nil, "scan", "scan", false},
		{"good", good, "snapshot", "snapshot", false},
		{"another build", other, "scan", "scan", true},
		{"damaged", damaged, "scan", "scan", true},
		{"truncated", good[:len(good)/3], "scan", "scan", true},
		{"garbage", []byte("not a snapshot at all"), "scan", "scan", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(root, Options{Snapshot: tt.snapshot})
			if err != nil {
				t.Fatal(err)
			}
			rep := s.Started()
			if rep.Index != tt.startIndex || rep.Checked != (tt.startIndex == "scan") {
				t.Fatalf("Started() before any call = %+v; want index %s, checked only for a scan", rep, tt.startIndex)
			}
			info, err := s.projectInfo()
			if err != nil || info.Counts.Scripts != 1 || info.Counts.Scenes != 1 {
				t.Fatalf("project info after start: %+v %v", info.Counts, err)
			}
			rep = s.Started()
			if rep.Index != tt.wantIndex || (rep.SnapshotError != "") != tt.wantErr || rep.Files != 3 || rep.Reread != 0 || !rep.Checked {
				t.Fatalf("Started() after the first call = %+v; want index %s, error %v, checked", rep, tt.wantIndex, tt.wantErr)
			}
		})
	}
}

// A snapshot that passes the header check but does not restore (here: it is
// of another root, which New would have refused at once) is found out by
// the first call, which indexes from the files and reports why.
func TestRestoreFailsLate(t *testing.T) {
	root, other := runProject(t), runProject(t)
	ix, err := index.Build(other)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := ix.Snapshot(buildID())
	if err != nil {
		t.Fatal(err)
	}
	p := newProjectIndex(root, nil)
	var gotErr error
	var gotReread = -1
	p.restore(root, buildID(), snap, func(_ *index.Index, reread int, err error) { gotReread, gotErr = reread, err })
	got, err := p.current()
	if err != nil {
		t.Fatal(err)
	}
	if gotErr == nil || gotReread != 0 || got.Root != root || len(got.Files) != 3 {
		t.Fatalf("after a late restore failure: err %v, reread %d, index of %s with %d files", gotErr, gotReread, got.Root, len(got.Files))
	}
}

// A snapshot request from the router while the first call after a restore
// is checking the index must not deadlock either (the call reports the
// check on the control connection; the request encodes under the index
// lock). Repeated, since it is a race.
func TestSnapshotRequestDuringFirstCall(t *testing.T) {
	root := runProject(t)
	ix, err := index.Build(root)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := ix.Snapshot(buildID())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		socket := filepath.Join(privateDir(t), "i.sock")
		mine, routers := controlPair(t)
		ctx, cancel := context.WithCancel(context.Background())
		done := startRun(t, ctx, Config{Root: root, Socket: socket, Control: mine, Options: Options{Snapshot: snap}})
		br := bufio.NewReader(routers)
		routers.SetReadDeadline(time.Now().Add(20 * time.Second))
		if line, _ := br.ReadString('\n'); !strings.HasPrefix(line, "ready ") {
			t.Fatalf("ready line %q", line)
		}
		// Drain the control connection as the router does.
		lines := make(chan string, 100)
		go func() {
			for {
				kind, _ := readFrameNoFail(br)
				if kind == "" {
					close(lines)
					return
				}
				lines <- kind
			}
		}()
		c := dialClient(t, socket)
		calls := make(chan error, 1)
		go func() {
			_, err := callClient(ctx, c, "get_project_info", nil, nil)
			calls <- err
		}()
		for range 5 {
			fmt.Fprint(routers, "snapshot\n")
		}
		select {
		case err := <-calls:
			if err != nil {
				t.Fatalf("round %d: first call: %v", i, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: the first call after a restore hung while the router asked for a snapshot", i)
		}
		answers := 0
		timeout := time.After(10 * time.Second)
		for answers < 5 {
			select {
			case k := <-lines:
				if k == "current" || k == "reply" {
					answers++
				}
			case <-timeout:
				t.Fatalf("round %d: %d of 5 snapshot requests answered", i, answers)
			}
		}
		cancel()
		if err := waitRun(t, done, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		routers.Close()
	}
}

// readFrameNoFail is readFrame for a goroutine: "" when the connection ends.
func readFrameNoFail(br *bufio.Reader) (string, []byte) {
	line, err := br.ReadString('\n')
	if err != nil {
		return "", nil
	}
	kind, size, _ := strings.Cut(strings.TrimSpace(line), " ")
	if kind == "push" || kind == "reply" {
		n, err := strconv.Atoi(size)
		if err != nil {
			return "", nil
		}
		data := make([]byte, n)
		if _, err := io.ReadFull(br, data); err != nil {
			return "", nil
		}
		return kind, data
	}
	return kind, nil
}
