//go:build unix

package instance

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// serveProject starts Server.Serve on a fresh socket and stops it when the
// test ends, failing the test if it does not return.
func serveProject(t *testing.T, files map[string]string) (s *Server, socket string) {
	t.Helper()
	s = newServer(t, writeTree(t, files))
	socket = filepath.Join(privateDir(t), "i.sock")
	ln, err := Listen(socket)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("Serve did not return after cancel")
		}
	})
	return s, socket
}

func TestServeConcurrentClients(t *testing.T) {
	const clients, calls = 8, 50
	files := map[string]string{"project.godot": godot4Project}
	for i := range clients {
		files[fmt.Sprintf("client_%d.gd", i)] = numbered(fmt.Sprintf("c%d line ", i), 1, 100)
	}
	files["big.gd"] = numbered("big ", 1, 3000)
	_, socket := serveProject(t, files)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	errs := make(chan error, clients+1)

	// A client that keeps hanging up in the middle of a call.
	var rude sync.WaitGroup
	stopRude := make(chan struct{})
	rude.Go(func() {
		for n := 0; ; n++ {
			select {
			case <-stopRude:
				return
			default:
			}
			conn, err := net.Dial("unix", socket)
			if err != nil {
				errs <- fmt.Errorf("rude client dial: %w", err)
				return
			}
			fmt.Fprintf(conn, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"rude","version":"1"}}}`+"\n")
			fmt.Fprintf(conn, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_source_file","arguments":{"path":"big.gd"}}}`+"\n")
			if n%2 == 0 {
				conn.Read(make([]byte, 10)) // the start of an answer, then gone
			}
			conn.Close()
		}
	})

	var good sync.WaitGroup
	for i := range clients {
		c := dialClient(t, socket)
		good.Go(func() {
			file := fmt.Sprintf("client_%d.gd", i)
			for k := range calls {
				start := 1 + (k*7)%90
				end := start + k%10
				var got SourceFile
				res, err := callClient(ctx, c, "get_source_file", map[string]any{"path": file, "start_line": start, "end_line": end}, &got)
				if err != nil {
					errs <- fmt.Errorf("client %d call %d: %w", i, k, err)
					return
				}
				if res.IsError {
					errs <- fmt.Errorf("client %d call %d: tool error %v", i, k, res.Content)
					return
				}
				want := numbered(fmt.Sprintf("c%d line ", i), start, end)
				if got.Path != "res://"+file || got.Content != want || got.StartLine != start || got.EndLine != end {
					errs <- fmt.Errorf("client %d call %d: got %s lines %d-%d %q; want %s lines %d-%d",
						i, k, got.Path, got.StartLine, got.EndLine, got.Content, file, start, end)
					return
				}
			}
		})
	}
	good.Wait() // each call has the ctx deadline, so this ends
	close(stopRude)
	rude.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// The server still takes new clients.
	c := dialClient(t, socket)
	var info ProjectInfo
	if _, err := callClient(ctx, c, "get_project_info", nil, &info); err != nil || info.Name != "Fixture" {
		t.Errorf("get_project_info after the load: %+v, %v", info, err)
	}
}

// failingListener hands out one connection, then fails Accept with an
// error that is not net.ErrClosed (as EMFILE would).
type failingListener struct {
	net.Listener
	conns chan net.Conn
}

var errAcceptBroken = errors.New("accept broke")

func (l *failingListener) Accept() (net.Conn, error) {
	if c, ok := <-l.conns; ok {
		return c, nil
	}
	return nil, errAcceptBroken
}

func (l *failingListener) Close() error { return nil }

// When Accept fails, Serve ends and returns the error even though a client
// (the router) stays connected and idle.
func TestServeAcceptError(t *testing.T) {
	s := newServer(t, writeTree(t, map[string]string{"project.godot": godot4Project}))
	server, client := net.Pipe()
	t.Cleanup(func() { client.Close() })
	ln := &failingListener{conns: make(chan net.Conn, 1)}
	ln.conns <- server
	close(ln.conns)
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background(), ln) }()
	select {
	case err := <-done:
		if !errors.Is(err, errAcceptBroken) || !strings.Contains(err.Error(), "accepting connections") {
			t.Errorf("Serve = %v; want it to wrap the Accept error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after Accept failed; an idle client holds it")
	}
}

// lateListener returns a connection from Accept only after Close: the
// connection was accepted while ctx ended.
type lateListener struct {
	net.Listener
	closed   chan struct{}
	once     sync.Once
	conn     net.Conn
	returned bool
}

func (l *lateListener) Accept() (net.Conn, error) {
	<-l.closed
	if l.returned {
		return nil, net.ErrClosed
	}
	l.returned = true
	time.Sleep(20 * time.Millisecond) // let Serve's shutdown finish first
	return l.conn, nil
}

func (l *lateListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func TestServeConnAcceptedDuringShutdown(t *testing.T) {
	s := newServer(t, writeTree(t, map[string]string{"project.godot": godot4Project}))
	server, client := net.Pipe()
	t.Cleanup(func() { client.Close() })
	ln := &lateListener{closed: make(chan struct{}), conn: server}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve = %v; want nil after cancel", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return: a connection accepted during shutdown was never closed")
	}
}
