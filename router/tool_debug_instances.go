package router

import (
	"context"
	"fmt"

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

// InstancesReport is what debug_instances returns.
type InstancesReport struct {
	Router    RouterInfo       `json:"router"`
	Store     StoreInfo        `json:"store"`
	Instances []InstanceInfo   `json:"instances"`
	Registry  []RegistryRecord `json:"registry" jsonschema:"instances recorded by other or earlier routers"`
	// RegistryTruncated says the registry list was cut at 100 records.
	RegistryTruncated bool `json:"registry_truncated,omitempty"`
}

// maxRegistryShown bounds the registry records debug_instances lists.
const maxRegistryShown = 100

// clipText cuts s to n bytes on a rune boundary, marking the cut: messages
// and records echo input, and input can be megabytes.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return fmt.Sprintf("%s... (%d bytes cut)", strings.ToValidUTF8(s[:n], ""), len(s)-n)
}

func instancesTool() mcp.Tool {
	return mcp.NewTool("debug_instances",
		mcp.WithDescription("List every Godot project instance: project, version, engine, pid, socket, status, uptime, calls, errors, last error; plus the registry's records from other routers and the state of the store. Starts no instance."),
		mcp.WithOutputSchema[InstancesReport](),
		mcp.WithReadOnlyHintAnnotation(true),
		mcp.WithDestructiveHintAnnotation(false),
		mcp.WithIdempotentHintAnnotation(true),
		mcp.WithOpenWorldHintAnnotation(false),
	)
}

func (r *Router) debugInstances(_ context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	rep := InstancesReport{
		Router: RouterInfo{
			PID:        r.pid,
			Version:    r.version,
			UptimeSec:  time.Since(r.started).Round(time.Millisecond).Seconds(),
			RuntimeDir: r.pool.opts.RuntimeDir,
		},
		Instances: r.pool.Snapshot(),
		Registry:  []RegistryRecord{},
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
		if in.LastError != "" {
			fmt.Fprintf(&text, "  last error: %s\n", in.LastError)
		}
	}
	for _, rec := range rep.Registry {
		fmt.Fprintf(&text, "(registry) %s [%s] pid %d alive=%v %s\n", rec.Project, rec.Status, rec.PID, rec.Alive, rec.Root)
	}
	return mcp.NewToolResultStructured(rep, strings.TrimRight(text.String(), "\n")), nil
}
