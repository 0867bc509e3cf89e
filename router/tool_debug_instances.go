package router

import (
	"context"
	"fmt"

	"sort"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// StoreInfo describes the router's bbolt file.
type StoreInfo struct {
	Path      string `json:"path,omitempty"`
	Available bool   `json:"available"`
	Problem   string `json:"problem,omitempty" jsonschema:"why the registry is kept in memory only"`
	Recovered string `json:"recovered,omitempty" jsonschema:"where a damaged file was moved at start"`
}

// RouterInfo describes the router process.
type RouterInfo struct {
	PID        int     `json:"pid"`
	Version    string  `json:"version"`
	UptimeSec  float64 `json:"uptime_seconds"`
	RuntimeDir string  `json:"runtime_dir"`
}

// RegistryRecord is an instance known only from the registry: started by an
// earlier or another router.
type RegistryRecord struct {
	Project      string    `json:"project"`
	Root         string    `json:"root"`
	Status       string    `json:"status"`
	PID          int       `json:"pid,omitempty"`
	Alive        bool      `json:"alive" jsonschema:"the recorded process still runs (same pid and start time)"`
	LastActivity time.Time `json:"last_activity,omitzero"`
	LastError    string    `json:"last_error,omitempty"`
}

// SnapshotState is one kept snapshot of a project's index.
type SnapshotState struct {
	Root    string    `json:"root"`
	Size    int64     `json:"size" jsonschema:"bytes"`
	Files   int       `json:"files" jsonschema:"files the snapshot covers"`
	SavedAt time.Time `json:"saved_at"`
	AgeSec  float64   `json:"age_seconds" jsonschema:"seconds since it was saved"`
	UsedAt  time.Time `json:"used_at" jsonschema:"last saved or handed to a starting instance; the least recently used go first when the cap is reached"`
}

// InstancesReport is what debug_instances returns.
type InstancesReport struct {
	Router    RouterInfo     `json:"router"`
	Store     StoreInfo      `json:"store"`
	Instances []InstanceInfo `json:"instances"`
	// Snapshots lists the kept snapshots, of running projects or not, the
	// most recently used first (at most 100; SnapshotsTotal counts all).
	Snapshots      []SnapshotState `json:"snapshots"`
	SnapshotsTotal int             `json:"snapshots_total"`
	SnapshotBytes  int64           `json:"snapshot_bytes" jsonschema:"all kept snapshots together"`
	// SnapshotsInMemory says snapshots live only as long as this router
	// (it has no store of its own).
	SnapshotsInMemory bool             `json:"snapshots_in_memory,omitempty"`
	Registry          []RegistryRecord `json:"registry" jsonschema:"instances recorded by other or earlier routers"`
	// RegistryTruncated says the registry list was cut at 100 records.
	RegistryTruncated bool `json:"registry_truncated,omitempty"`
	// Catalog is the project catalog and its file watcher.
	Catalog ProjectsStatus `json:"catalog"`
}

// maxRegistryShown and maxSnapshotsShown bound the lists of
// debug_instances (its answer stays well under 100 KB).
const (
	maxRegistryShown  = 100
	maxSnapshotsShown = 100
)

// clipText cuts s to n bytes on a rune boundary, marking the cut: messages
// and records echo input, and input can be megabytes.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return fmt.Sprintf("%s... (%d bytes cut)", strings.ToValidUTF8(s[:n], ""), len(s)-n)
}

// HumanBytes renders a size for people: 512 B, 12.3 KiB, 4.5 MiB.
func HumanBytes(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
}

func instancesTool() mcp.Tool {
	return mcp.NewTool("debug_instances",
		mcp.WithDescription("List every Godot project instance: project, version, engine, pid, socket, status, uptime, calls, errors, last error, how its index was made (snapshot or scan); every kept index snapshot with its size and age; plus the registry's records from other routers and the state of the store. Starts no instance."),
		mcp.WithOutputSchema[InstancesReport](),
		mcp.WithReadOnlyHintAnnotation(true),
		mcp.WithDestructiveHintAnnotation(false),
		mcp.WithIdempotentHintAnnotation(true),
		mcp.WithOpenWorldHintAnnotation(false),
	)
}

func (r *Router) debugInstances(_ context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	rep := r.Report()
	return mcp.NewToolResultStructured(rep, rep.Text()), nil
}

// Report describes the router, its store, instances and snapshots: what
// debug_instances and `godot-mcp-router status` show.
func (r *Router) Report() InstancesReport {
	rep := InstancesReport{
		Router: RouterInfo{
			PID:        r.pid,
			Version:    r.version,
			UptimeSec:  time.Since(r.started).Round(time.Millisecond).Seconds(),
			RuntimeDir: r.pool.opts.RuntimeDir,
		},
		Instances: r.pool.Snapshot(),
		Registry:  []RegistryRecord{},
		Catalog:   r.projects.Status(),
		Snapshots: []SnapshotState{},

		SnapshotsInMemory: r.snaps.InMemory(),
	}
	now := time.Now()
	all := r.snaps.List()
	sort.SliceStable(all, func(i, j int) bool { return all[i].UsedAt.After(all[j].UsedAt) })
	rep.SnapshotsTotal = len(all)
	byRoot := map[string]SnapshotState{}
	for _, in := range all {
		st := SnapshotState{
			Root: in.Root, Size: in.Size, Files: in.Files, SavedAt: in.SavedAt, UsedAt: in.UsedAt,
			AgeSec: now.Sub(in.SavedAt).Round(time.Millisecond).Seconds(),
		}
		byRoot[in.Root] = st
		rep.SnapshotBytes += in.Size
		if len(rep.Snapshots) < maxSnapshotsShown {
			rep.Snapshots = append(rep.Snapshots, st)
		}
	}
	for i := range rep.Instances {
		if st, ok := byRoot[rep.Instances[i].Root]; ok {
			rep.Instances[i].Snapshot = &st
		}
	}
	if st := r.reg.Store(); st != nil {
		rep.Store = StoreInfo{Path: st.Path(), Available: true, Recovered: st.Recovered()}
		recs, err := st.Instances()
		if err != nil {
			rep.Store.Problem = err.Error()
		}
		mine := map[string]bool{}
		for _, in := range rep.Instances {
			mine[in.Root] = true
		}
		for _, rec := range recs {
			if mine[rec.Key] {
				continue
			}
			if len(rep.Registry) == maxRegistryShown {
				rep.RegistryTruncated = true
				break
			}
			id := rec.Slug
			if rec.Version != "" {
				id += "/" + rec.Version
			}
			rep.Registry = append(rep.Registry, RegistryRecord{
				Project: id, Root: rec.Root, Status: rec.Status, PID: rec.PID,
				Alive:        processMatches(rec.PID, rec.StartTime),
				LastActivity: rec.LastActivity, LastError: clipText(rec.LastError, 500),
			})
		}
	} else {
		rep.Store.Problem = r.storeProblem
	}

	return rep
}

// Text renders the report for people.
func (rep InstancesReport) Text() string {
	var text strings.Builder
	fmt.Fprintf(&text, "router pid %d, version %s, up %.0fs; ", rep.Router.PID, rep.Router.Version, rep.Router.UptimeSec)
	if rep.Store.Available {
		fmt.Fprintf(&text, "store %s\n", rep.Store.Path)
	} else {
		fmt.Fprintf(&text, "no store (%s); registry in memory only\n", rep.Store.Problem)
	}
	if len(rep.Instances) == 0 {
		text.WriteString("no instances yet (one starts on the first project tool call)\n")
	}
	for _, in := range rep.Instances {
		fmt.Fprintf(&text, "%s [%s] engine %s pid %d calls %d errors %d restarts %d %s\n",
			in.Project, in.Status, in.Engine, in.PID, in.Calls, in.Errors, in.Restarts, in.Root)
		if in.Index != nil {
			fmt.Fprintf(&text, "  index: %s, %d files, %.1f ms", in.Index.Index, in.Index.Files, in.Index.TookMS)
			if in.Index.Index == "snapshot" {
				fmt.Fprintf(&text, ", %d read again", in.Index.Reread)
			}
			if in.Index.SnapshotError != "" {
				fmt.Fprintf(&text, " (snapshot not used: %s)", in.Index.SnapshotError)
			}
			text.WriteString("\n")
		}
		if e := in.EngineProcs; e != nil {
			fmt.Fprintf(&text, "  engine: %d game runs, %d builds running (kept from idle stop)\n", e.Runs, e.Builds)
		}
		if w := in.Watch; w != nil {
			fmt.Fprintf(&text, "  files: %s", w.Mode)
			if w.Mode == "events" {
				fmt.Fprintf(&text, ", %d folders watched, %d updates", w.Watches, w.Updates)
			}
			if w.Overflows > 0 {
				fmt.Fprintf(&text, ", events lost %d times", w.Overflows)
			}
			if w.Reason != "" {
				fmt.Fprintf(&text, " (%s)", w.Reason)
			}
			text.WriteString("\n")
		}
		h := in.Health
		fmt.Fprintf(&text, "  health: last heartbeat %s, %d missed, %d crashes (%d recent)", agoText(h.LastHeartbeat), h.MissedHeartbeats, h.Crashes, h.RecentCrashes)
		if h.BreakerOpen {
			fmt.Fprintf(&text, ", BREAKER OPEN until %s", h.BreakerUntil.Format(time.TimeOnly))
		} else if !h.NextStart.IsZero() {
			fmt.Fprintf(&text, ", next start after %s", h.NextStart.Format(time.TimeOnly))
		}
		text.WriteString("\n")
		if m := in.Metrics; m != nil {
			fmt.Fprintf(&text, "  metrics (all time): %d calls, %d errors, p50 %.2f ms, p95 %.2f ms, p99 %.2f ms; %d spawns, %d restarts, %d crashes, %d idle stops\n",
				m.Calls, m.Errors, m.P50MS, m.P95MS, m.P99MS, m.Spawns, m.Restarts, m.Crashes, m.IdleStops)
			for i, tm := range m.Tools {
				if i == 5 {
					fmt.Fprintf(&text, "    and %d more tools\n", len(m.Tools)-5)
					break
				}
				fmt.Fprintf(&text, "    %s: %d calls, %d errors, p50 %.2f ms, p99 %.2f ms\n", tm.Tool, tm.Calls, tm.Errors, tm.P50MS, tm.P99MS)
			}
		}
		if in.LastError != "" {
			fmt.Fprintf(&text, "  last error: %s\n", in.LastError)
		}
	}
	fmt.Fprintf(&text, "snapshots: %d, %s", rep.SnapshotsTotal, HumanBytes(rep.SnapshotBytes))
	if rep.SnapshotsInMemory {
		text.WriteString(" (in memory only)")
	}
	text.WriteString("\n")
	for _, s := range rep.Snapshots {
		fmt.Fprintf(&text, "  %s: %s, %d files, saved %s ago\n", s.Root, HumanBytes(s.Size), s.Files, time.Duration(s.AgeSec*float64(time.Second)).Round(time.Second))
	}
	c := rep.Catalog
	fmt.Fprintf(&text, "catalog: %d projects, %d folders watched", c.Projects, len(c.Folders))
	switch {
	case !c.Watching:
		text.WriteString(" (no file watcher: folders are scanned when named)")
	case c.Degraded != "":
		fmt.Fprintf(&text, " (watcher degraded: %s)", c.Degraded)
	default:
		fmt.Fprintf(&text, " (%d watches)", c.Watches)
	}
	text.WriteString("\n")
	for _, f := range c.Folders {
		fmt.Fprintf(&text, "  %s (%s, %d levels)\n", f.Path, f.Kind, f.Depth)
	}
	for _, rec := range rep.Registry {
		fmt.Fprintf(&text, "(registry) %s [%s] pid %d alive=%v %s\n", rec.Project, rec.Status, rec.PID, rec.Alive, rec.Root)
	}
	return strings.TrimRight(text.String(), "\n")
}

// agoText says how long ago t was, for people.
func agoText(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return time.Since(t).Round(time.Second).String() + " ago"
}
