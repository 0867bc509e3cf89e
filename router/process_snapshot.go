//go:build unix

package router

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/instance"
)

// maxControlLine bounds a line on the control connection: frame lines and
// reports are short.
const maxControlLine = 4096

// readControl reads what the instance sends on the control connection after
// its readiness line: snapshots it pushes after its index changed (kept by
// snapshots), answers to requestSnapshot, and its index report once its
// first check ran. It returns when the connection ends. Anything malformed
// is logged once and the rest of the stream discarded: the instance must
// never block on a full connection.
func (p *process) readControl(snapshots *Snapshots, log *slog.Logger) {
	defer p.deliver(false)
	malformed := func(what string, line []byte) {
		log.Warn("instance sent a malformed control message; ignoring its control messages from now on",
			"root", p.root, "pid", p.pid, "what", what, "line", clipText(string(line), 100))
		io.Copy(io.Discard, p.ctlr)
	}
	for {
		line, err := p.ctlr.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			malformed("line too long", line)
			return
		}
		if err != nil {
			return
		}
		kind, rest, _ := strings.Cut(strings.TrimSpace(string(line)), " ")
		switch kind {
		case "current", "none":
			p.deliver(true)
		case "checked":
			var rep instance.StartReport
			if err := json.Unmarshal([]byte(rest), &rep); err != nil {
				malformed("index report", line)
				return
			}
			p.reportMu.Lock()
			p.report = rep
			p.reportMu.Unlock()
		case "watch":
			var rep instance.WatchReport
			if err := json.Unmarshal([]byte(rest), &rep); err != nil {
				malformed("watch report", line)
				return
			}
			p.reportMu.Lock()
			p.watch = &rep
			p.reportMu.Unlock()
		case "engine":
			var rep instance.EngineReport
			if err := json.Unmarshal([]byte(rest), &rep); err != nil {
				malformed("engine report", line)
				return
			}
			p.setEngine(rep)
		case "push", "reply":
			n, err := strconv.Atoi(rest)
			if err != nil || n <= 0 || n > instance.MaxSnapshot {
				malformed("snapshot frame", line)
				return
			}
			var buf bytes.Buffer
			if _, err := io.CopyN(&buf, p.ctlr, int64(n)); err != nil {
				return // the instance went away mid-frame
			}
			// Kept even when the request that asked for it gave up
			// waiting: the instance counts it as delivered.
			snapshots.Save(p.root, buf.Bytes())
			if kind == "reply" {
				p.deliver(true)
			}
		default:
			log.Debug("unknown line from instance on the control connection", "root", p.root, "line", clipText(string(line), 100))
		}
	}
}

// deliver tells the request waiting for an answer, if any, that it came
// (ok) or that none will come (the connection ended).
func (p *process) deliver(ok bool) {
	p.replyMu.Lock()
	ch := p.reply
	p.reply = nil
	p.replyMu.Unlock()
	if ch == nil {
		return
	}
	if ok {
		ch <- struct{}{}
	}
	close(ch)
}

// requestSnapshot asks the instance for a snapshot of its index, unless the
// router holds the latest already, and waits at most timeout for it to be
// kept.
func (p *process) requestSnapshot(timeout time.Duration) error {
	if p.control == nil || p.ctlr == nil {
		return fmt.Errorf("no control connection")
	}
	p.reqMu.Lock()
	defer p.reqMu.Unlock()
	ch := make(chan struct{}, 1)
	p.replyMu.Lock()
	p.reply = ch
	p.replyMu.Unlock()
	drop := func() {
		p.replyMu.Lock()
		if p.reply == ch {
			p.reply = nil
		}
		p.replyMu.Unlock()
	}
	p.control.SetWriteDeadline(time.Now().Add(timeout))
	_, err := io.WriteString(p.control, "snapshot\n")
	p.control.SetWriteDeadline(time.Time{})
	if err != nil {
		drop()
		return fmt.Errorf("asking the instance for a snapshot: %w", err)
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case _, ok := <-ch:
		if !ok {
			return fmt.Errorf("the instance closed its control connection")
		}
		return nil
	case <-t.C:
		drop()
		return fmt.Errorf("no snapshot from the instance within %v", timeout)
	case <-p.exited:
		drop()
		return fmt.Errorf("the instance exited")
	}
}
