//go:build unix

package instance

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// adoptOn opens a raw MCP connection to the instance and asks for adoption
// with nonce; it returns the connection (the adopting one, if adopted).
func adoptOn(t *testing.T, socket, nonce string) (net.Conn, bool) {
	t.Helper()
	c, err := net.Dial("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	fmt.Fprintf(c, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`+"\n")
	if _, err := br.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, `{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n")
	fmt.Fprintf(c, `{"jsonrpc":"2.0","id":2,"method":%q,"params":{"nonce":%q}}`+"\n", AdoptMethod, nonce)
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	var ans struct {
		Result struct {
			Adopted bool `json:"adopted"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(line), &ans); err != nil {
		t.Fatalf("adopt answer %q: %v", line, err)
	}
	c.SetDeadline(time.Time{})
	return c, ans.Result.Adopted
}

// An orphaned instance accepts adoption only with its nonce, and only once
// its router is gone; adopted, it outlives its grace period until the
// adopting connection closes.
func TestAdoption(t *testing.T) {
	socket := filepath.Join(privateDir(t), "i.sock")
	mine, routers := controlPair(t)
	const grace = 300 * time.Millisecond
	done := startRun(t, context.Background(), Config{Root: runProject(t), Socket: socket, Control: mine, OrphanGrace: grace, Nonce: "s3cret"})
	if line := readLine(t, routers); !strings.HasPrefix(line, "ready ") {
		t.Fatalf("ready line %q", line)
	}
	if _, ok := adoptOn(t, socket, "s3cret"); ok {
		t.Fatal("adopted while its router is alive")
	}
	routers.Close() // the router dies
	time.Sleep(50 * time.Millisecond)
	if _, ok := adoptOn(t, socket, "wrong"); ok {
		t.Fatal("adopted with a wrong nonce")
	}
	c, ok := adoptOn(t, socket, "s3cret")
	if !ok {
		t.Fatal("not adopted with the right nonce after the router left")
	}
	select {
	case err := <-done:
		t.Fatalf("the adopted instance exited: %v", err)
	case <-time.After(3 * grace):
	}
	c.Close() // the adopting router dies too
	if err := waitRun(t, done, grace+5*time.Second); err != nil {
		t.Fatalf("Run after the adopting router left: %v", err)
	}
}
