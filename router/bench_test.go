package router

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// lineClient writes JSON-RPC lines and reads answers, with as little client
// work as possible, so that the benchmarks below measure the servers.
type lineClient struct {
	w  io.Writer
	br *bufio.Reader
}

func (c lineClient) roundTrip(b *testing.B, line string) string {
	if _, err := io.WriteString(c.w, line); err != nil {
		b.Fatal(err)
	}
	ans, err := c.br.ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	return ans
}

const benchInit = `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}` + "\n"

func benchCall(id int) string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"get_source_file","arguments":{"path":"res://project.godot","start_line":1,"end_line":10}}}`+"\n", id)
}

// benchRouter serves one session of an in-process router over OS pipes, on
// the real instance (the test binary in "real" mode) of a corpus project.
func benchRouter(b *testing.B) (*Router, lineClient) {
	b.Helper()
	project, err := filepath.Abs(filepath.Join("..", "..", "shared", "corpus", "godot4-demos", "2d", "platformer"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(project); err != nil {
		b.Fatalf("corpus missing: %v", err)
	}
	b.Setenv(fakeEnv, "real")
	rt, _ := os.MkdirTemp("/tmp", "gmrb")
	b.Cleanup(func() { os.RemoveAll(rt) })
	r, err := New(nil, Options{Pool: PoolOptions{Executable: os.Args[0], RuntimeDir: filepath.Join(rt, "run"), LogDir: filepath.Join(rt, "logs")}})
	if err != nil {
		b.Fatal(err)
	}
	inR, inW, _ := os.Pipe()
	outR, outW, _ := os.Pipe()
	done := make(chan struct{})
	go func() {
		r.ServeSession(context.Background(), inR, outW, Env{WorkDir: project})
		close(done)
	}()
	b.Cleanup(func() {
		inW.Close()
		<-done
		r.Close()
	})
	c := lineClient{w: inW, br: bufio.NewReaderSize(outR, 1<<20)}
	c.roundTrip(b, benchInit)
	io.WriteString(inW, `{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n")
	if ans := c.roundTrip(b, benchCall(1)); !strings.Contains(ans, "lines 1-10") {
		b.Fatalf("warm-up call: %s", ans)
	}
	return r, c
}

// BenchmarkRouterForward is a warm tools/call through the router core.
func BenchmarkRouterForward(b *testing.B) {
	_, c := benchRouter(b)
	id := 2
	for b.Loop() {
		c.roundTrip(b, benchCall(id))
		id++
	}
}

// BenchmarkInstanceDirect is the same call on the instance's own socket;
// RouterForward minus InstanceDirect is the routing overhead.
func BenchmarkInstanceDirect(b *testing.B) {
	r, _ := benchRouter(b)
	snap := r.Pool().Snapshot()
	conn, err := net.DialTimeout("unix", snap[0].Socket, 5*time.Second)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	c := lineClient{w: conn, br: bufio.NewReaderSize(conn, 1<<20)}
	c.roundTrip(b, benchInit)
	io.WriteString(conn, `{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n")
	id := 2
	for b.Loop() {
		c.roundTrip(b, benchCall(id))
		id++
	}
}
