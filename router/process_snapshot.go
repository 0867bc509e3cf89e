//go:build unix

package router

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/instance"
)

// readControl reads what the instance sends on the control connection after
// its readiness line: snapshots it pushes after its index changed (kept by
// snapshots) and answers to requestSnapshot. It returns when the connection
// ends; a malformed frame ends it too (the process is then of no use for
// snapshots, and says so in the log).
func (p *process) readControl(snapshots *Snapshots, log *slog.Logger) {
	for {
		line, err := p.ctlr.ReadString('\n')
		if err != nil {
			p.deliver(false)
			return
		}
		kind, size, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch kind {
		case "current":
			p.deliver(true)
		case "checked":
			var rep instance.StartReport
			if err := json.Unmarshal([]byte(size), &rep); err != nil {
				log.Warn("instance sent a malformed index report", "root", p.root, "line", clipText(line, 200))
				continue
			}
			p.reportMu.Lock()
			p.report = rep
			p.reportMu.Unlock()
		case "push", "reply":
			n, err := strconv.Atoi(size)
			if err != nil || n <= 0 || n > instance.MaxSnapshot {
				log.Warn("instance sent a malformed snapshot frame; ignoring its snapshots", "root", p.root, "line", clipText(line, 100))
				p.deliver(false)
				return
			}
			data := make([]byte, n)
			if _, err := io.ReadFull(p.ctlr, data); err != nil {
				p.deliver(false)
				return
			}
			// Kept even when the request that asked for it gave up
			// waiting: the instance counts it as delivered.
			snapshots.Save(p.root, data)
			if kind == "reply" {
				p.deliver(true)
			}
		default:
			log.Debug("unknown line from instance on the control connection", "root", p.root, "line", clipText(line, 100))
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
