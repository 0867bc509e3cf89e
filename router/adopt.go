//go:build unix

package router

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/godot-mcp-router/godot-mcp-router/detect"
	"github.com/godot-mcp-router/godot-mcp-router/instance"
	"github.com/godot-mcp-router/godot-mcp-router/store"
)

// adoptTimeout bounds one adoption: connect, initialize, prove the nonce.
const adoptTimeout = 2 * time.Second

// AdoptLive takes over the live instances an earlier router left in the
// registry (it crashed; they wait out their grace period for a new router),
// as Registry.Reconcile returns them (pid running with the recorded start
// time): one is adopted only when it accepts the recorded nonce on its
// socket and answers with that pid. Nothing is ever
// signalled on the registry's word alone: an instance that cannot be
// proven is left to exit by itself when its grace period ends.
func (p *Pool) AdoptLive(recs []store.Instance) (adopted int) {
	for _, rec := range recs {
		// Reconcile checked the pid and start time; the socket and the
		// nonce are checked here.
		if rec.Nonce == "" || rec.Socket == "" {
			continue
		}
		if err := p.adopt(rec); err != nil {
			p.log.Info("not adopting a live instance of an earlier router", "root", rec.Key, "pid", rec.PID, "err", err)
			continue
		}
		adopted++
	}
	return adopted
}

func (p *Pool) adopt(rec store.Instance) error {
	proj, err := detect.Load(rec.Key)
	if err != nil && proj.Root == "" {
		return fmt.Errorf("loading the project: %w", err)
	}
	proj.Root = rec.Key
	deadline := time.Now().Add(adoptTimeout)
	d := net.Dialer{Deadline: deadline}
	conn, err := d.Dial("unix", rec.Socket)
	if err != nil {
		return err
	}
	proc := newProcess(rec.Key, rec.Socket, filepath.Join(p.opts.LogDir, logName(rec.Key)))
	c := startRPCClient(conn, p.log, maxInstanceMessage, proc.hearEngine(p.opts.OnNotification), proc.abort)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	init, _ := json.Marshal(map[string]any{
		"protocolVersion": mcp.LATEST_LEGACY_PROTOCOL_VERSION,
		"capabilities":    map[string]any{},
		"clientInfo":      mcp.Implementation{Name: "godot-mcp-router", Version: p.opts.Version},
	})
	if _, err := c.call(ctx, string(mcp.MethodInitialize), init); err != nil {
		c.Close()
		return fmt.Errorf("initializing: %w", err)
	}
	c.notify(string(mcp.MethodNotificationInitialized), nil)
	params, _ := json.Marshal(map[string]string{"nonce": rec.Nonce})
	res, err := c.call(ctx, instance.AdoptMethod, params)
	var ans struct {
		Adopted bool                  `json:"adopted"`
		PID     int                   `json:"pid"`
		Engine  instance.EngineReport `json:"engine"`
	}
	if err == nil {
		err = json.Unmarshal(res, &ans)
	}
	if err != nil || !ans.Adopted || ans.PID != rec.PID {
		c.Close()
		if err == nil {
			err = fmt.Errorf("the instance refused (pid %d answered)", ans.PID)
		}
		return err
	}

	proc.pid, proc.startTime, proc.nonce, proc.adopted = rec.PID, rec.StartTime, rec.Nonce, true
	proc.conn, proc.client, proc.startedAt = conn, c, time.Now()
	proc.report = instance.StartReport{Index: "adopted", Checked: true}
	proc.setEngine(ans.Engine)
	close(proc.ready)

	p.mu.Lock()
	if p.closed || p.instances[rec.Key] != nil {
		p.mu.Unlock()
		c.Close()
		return fmt.Errorf("the pool already has this project")
	}
	inst := &Instance{Key: rec.Key, Project: proj, created: rec.Created, proc: proc,
		lastActivity: rec.LastActivity, lastSeen: time.Now(), restarts: rec.Restarts, calls: rec.Calls}
	p.instances[rec.Key] = inst
	p.mu.Unlock()

	// Not our child: its end is seen by watching the pid (with its start
	// time, so a reused pid is not mistaken for it).
	p.wg.Go(func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for processMatches(proc.pid, proc.startTime) {
			select {
			case <-t.C:
			case <-p.quit:
				// Close stops it and waits on exited: keep watching.
			}
		}
		// Not our child: how it ended is unknown, so what it
		// reported running is ended.
		proc.killEngineGroups()
		close(proc.exited)
	})
	p.wg.Go(func() { p.afterStart(inst, proc) })
	p.log.Info("adopted a live instance of an earlier router", "root", rec.Key, "pid", rec.PID)
	return nil
}
