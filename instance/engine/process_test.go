//go:build unix

package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func aliveProc(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z")
}

// waitGoneProc waits for processes killed a moment ago to be gone.
func waitGoneProc(t *testing.T, pids ...int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range pids {
		for aliveProc(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("process %d outlived its group's end", pid)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

func waitDone(t *testing.T, p *Process) {
	t.Helper()
	select {
	case <-p.Done():
	case <-time.After(15 * time.Second):
		t.Fatal("the process did not end")
	}
}

// TestOutputRing: lines beyond the bounds are dropped oldest first, with
// the count kept; a line over MaxLineBytes is cut; pieces of lines join;
// since, level and tail select.
func TestOutputRing(t *testing.T) {
	o := NewOutput(100, 1<<20)
	for i := range 250 {
		fmt.Fprintf(o, "line %d\n", i)
	}
	o.Write([]byte("ERROR: _ready: bad thing\n   At: res://a.gd:3.\n"))
	o.Write([]byte("half a "))
	o.Write([]byte("line\n" + strings.Repeat("x", 3*MaxLineBytes) + "\nno newline at the end"))
	o.Close()
	page := o.Lines(OutputQuery{Limit: 1000})
	if page.Total != 255 || page.Dropped != 155 || len(page.Lines) != 100 || page.Lines[0].Seq != 156 {
		t.Fatalf("total %d dropped %d kept %d first %d", page.Total, page.Dropped, len(page.Lines), page.Lines[0].Seq)
	}
	last := page.Lines[len(page.Lines)-3:]
	if last[0].Text != "half a line" || len(last[1].Text) != MaxLineBytes+len(" [line cut]") || last[2].Text != "no newline at the end" {
		t.Fatalf("last lines: %+v", last)
	}
	errs := o.Lines(OutputQuery{Min: LevelError})
	if len(errs.Lines) != 2 || errs.Lines[0].Level != "error" {
		t.Fatalf("errors: %+v", errs)
	}
	sum := o.Issues(0, LevelWarning)
	if sum.Errors != 1 || len(sum.Issues) != 1 || sum.Issues[0].File != "res://a.gd" || sum.Issues[0].Line != 3 {
		t.Fatalf("issues: %+v", sum)
	}
	if got := o.Issues(sum.Issues[0].Seq, LevelWarning); len(got.Issues) != 0 {
		t.Fatalf("issues since the error: %+v", got)
	}
	// Reading on: pages of 30 from since, then nothing more.
	var seen int
	for since := uint64(0); ; {
		p := o.Lines(OutputQuery{Since: since, Limit: 30})
		seen += len(p.Lines)
		if !p.More {
			break
		}
		since = p.Next
	}
	if seen != 100 {
		t.Fatalf("paging saw %d lines", seen)
	}
	tail := o.Lines(OutputQuery{Limit: 5, Tail: true})
	if len(tail.Lines) != 5 || tail.Lines[4].Text != "no newline at the end" || tail.More {
		t.Fatalf("tail: %+v", tail)
	}
	// A page's bytes are bounded: reading on still sees every line.
	big := NewOutput(0, 0)
	for i := range 500 {
		fmt.Fprintf(big, "%s%04d\n", strings.Repeat("z", 996), i) // 1000 bytes
	}
	first := big.Lines(OutputQuery{Limit: 500, MaxBytes: 50_000})
	if len(first.Lines) != 50 || !first.More || first.Next != 50 {
		t.Fatalf("a page bounded to 50 kB: %d lines, more %v, next %d", len(first.Lines), first.More, first.Next)
	}
	if tail := big.Lines(OutputQuery{Limit: 500, MaxBytes: 50_000, Tail: true}); len(tail.Lines) != 50 || tail.Lines[49].Seq != 500 {
		t.Fatalf("a tail bounded to 50 kB: %d lines, last %d", len(tail.Lines), tail.Lines[len(tail.Lines)-1].Seq)
	}
	// The byte bound holds too.
	small := NewOutput(1000, 10<<10)
	for range 1000 {
		small.Write([]byte(strings.Repeat("y", 200) + "\n"))
	}
	if p := small.Lines(OutputQuery{Limit: 1000}); len(p.Lines) > 10<<10/200 {
		t.Fatalf("%d lines of 200 bytes kept under a 10 KiB bound", len(p.Lines))
	}
}

// TestOutputIssuesBounded keeps the first 50 issues and the latest 450.
func TestOutputIssuesBounded(t *testing.T) {
	o := NewOutput(10, 0)
	for i := range 2000 {
		fmt.Fprintf(o, "SCRIPT ERROR: f: error %d\n   At: res://a.gd:%d.\n", i, i+1)
	}
	o.Close()
	sum := o.Issues(0, LevelInfo)
	if sum.Errors != 2000 || len(sum.Issues) != firstIssues+lastIssues || sum.Omitted != 2000-firstIssues-lastIssues {
		t.Fatalf("errors %d kept %d omitted %d", sum.Errors, len(sum.Issues), sum.Omitted)
	}
	if sum.Issues[0].Line != 1 || sum.Issues[firstIssues].Line != 2000-lastIssues+1 || sum.Issues[len(sum.Issues)-1].Line != 2000 {
		t.Fatalf("kept lines %d, %d, %d", sum.Issues[0].Line, sum.Issues[firstIssues].Line, sum.Issues[len(sum.Issues)-1].Line)
	}
	for i := 1; i < len(sum.Issues); i++ {
		if sum.Issues[i].Seq <= sum.Issues[i-1].Seq {
			t.Fatal("issues out of order")
		}
	}
}

// TestProcessGroup: Stop ends the process and what it started; a process
// that ignores SIGTERM is killed after the grace period; one that ends by
// itself takes its group with it; the time limit stops it.
func TestProcessGroup(t *testing.T) {
	pids := filepath.Join(t.TempDir(), "pids")
	// A shell that starts a sleeping child in its group, writes both pids,
	// prints to both streams, and waits.
	script := `trap '' TERM; sleep 600 & echo $$ $! > ` + pids + `; echo out; echo err >&2; while :; do sleep 0.05; done`
	p, err := Start(Command{Path: "/bin/sh", Args: []string{"-c", script}, StopGrace: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var leader, child int
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		b, _ := os.ReadFile(pids)
		if _, err := fmt.Sscan(string(b), &leader, &child); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no pids")
		}
	}
	if leader != p.Pid || !aliveProc(child) {
		t.Fatalf("leader %d (want %d), child alive %v", leader, p.Pid, aliveProc(child))
	}
	start := time.Now()
	p.Stop("test")
	p.Stop("twice is fine")
	waitDone(t, p)
	waitGoneProc(t, child, leader)
	st := p.Status()
	if st.State != StateStopped || st.Reason != "test" || st.Signal != "killed" || time.Since(start) < 300*time.Millisecond {
		t.Fatalf("status %+v after %v", st, time.Since(start))
	}
	page := p.Output.Lines(OutputQuery{})
	if len(page.Lines) != 2 || page.Lines[0].Text != "out" || page.Lines[1].Text != "err" {
		t.Fatalf("output: %+v", page.Lines)
	}

	// Ending by itself: its background child goes too.
	p, err = Start(Command{Path: "/bin/sh", Args: []string{"-c", `sleep 600 & echo $! > ` + pids + `; exit 3`}})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, p)
	b, _ := os.ReadFile(pids)
	child, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	if st := p.Status(); st.State != StateExited || *st.ExitCode != 3 || child == 0 {
		t.Fatalf("exited: %+v, child %d", st, child)
	}
	waitGoneProc(t, child)

	// The time limit.
	p, err = Start(Command{Path: "/bin/sh", Args: []string{"-c", "sleep 600"}, TimeLimit: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, p)
	if st := p.Status(); st.State != StateTimeLimit || st.Seconds < 0.2 {
		t.Fatalf("time limit: %+v", st)
	}

	// A program that is not there.
	if _, err := Start(Command{Path: "/nonexistent/godot"}); err == nil {
		t.Fatal("started a missing program")
	}
}

func TestEnviron(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string
	}{
		{[]string{"A=1"}, "A=1 LANG=en_US.UTF-8"},
		{[]string{"LANG=C", "B=2"}, "B=2 LANG=en_US.UTF-8"},
		{[]string{"LANG=de_DE.UTF-8"}, "LANG=de_DE.UTF-8"},
		{[]string{"LANG=C", "LC_ALL=fr_FR.UTF-8"}, "LC_ALL=fr_FR.UTF-8 LANG=C"},
		{[]string{"XDG_DATA_HOME=", "XDG_CONFIG_HOME=rel", "XDG_CACHE_HOME=/abs/cache"}, "XDG_CACHE_HOME=/abs/cache LANG=en_US.UTF-8"},
	} {
		if got := strings.Join(Environ(c.in), " "); got != c.want {
			t.Errorf("Environ(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

// BenchmarkOutputWrite measures taking engine output into the ring: lines
// of 80 bytes, one error record in ten.
func BenchmarkOutputWrite(b *testing.B) {
	var chunk strings.Builder
	for i := range 100 {
		if i%10 == 0 {
			chunk.WriteString("SCRIPT ERROR: _process: Invalid get index 'x' (on base: 'Nil').\n   At: res://player/player.gd:42.\n")
		} else {
			fmt.Fprintf(&chunk, "frame %06d: position (%.2f, %.2f) velocity ok and nothing else to say\n", i, 1.5*float64(i), 2.5)
		}
	}
	data := []byte(chunk.String())
	o := NewOutput(0, 0)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		o.Write(data)
	}
}
