package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"text/tabwriter"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/router"
	"github.com/godot-mcp-router/godot-mcp-router/store"
)

// statusReport is what `status --json` prints.
type statusReport struct {
	Store     string           `json:"store"`
	Daemon    bool             `json:"daemon_running"` // false: this report is read from the state file
	Held      bool             `json:"held_by_router"`
	Message   string           `json:"message,omitempty"`
	Instances []store.Instance `json:"instances"`
	Snapshots []statusSnapshot `json:"snapshots"`
	// The project catalog: what list_projects shows, and the folders
	// watched for it.
	Projects []store.CatalogProject `json:"projects"`
	Folders  []store.WatchedFolder  `json:"watched_folders"`
	// Metrics: all-time figures per project and tool, from the state file.
	Metrics []statusMetrics `json:"metrics"`
}

type statusMetrics struct {
	store.MetricsRecord
	P50MS float64 `json:"p50_ms"`
	P95MS float64 `json:"p95_ms"`
	P99MS float64 `json:"p99_ms"`
}

type statusSnapshot struct {
	store.SnapshotInfo
	AgeSec float64 `json:"age_seconds"`
}

// runStatus prints what the state file records: instances and index
// snapshots. While a router runs it holds the file; the live view is then
// the debug_instances tool (until the shared daemon answers status itself).
func runStatus(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("godot-mcp-router status", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	// A running daemon answers with its live view.
	if _, line, ok, err := askDaemon("status"); err != nil {
		return err
	} else if ok {
		var live router.InstancesReport
		if err := json.Unmarshal(line, &live); err != nil {
			return fmt.Errorf("the daemon's status: %w", err)
		}
		if *asJSON {
			enc := json.NewEncoder(out)
			enc.SetIndent("", "  ")
			return enc.Encode(live)
		}
		printInstanceTable(out, live)
		fmt.Fprintln(out, live.Text())
		return nil
	}
	now := time.Now()
	rep, err := readStatus(now)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintln(out, "no daemon is running; what the state file records:")
	fmt.Fprintf(out, "state file: %s\n", rep.Store)
	if rep.Message != "" {
		fmt.Fprintln(out, rep.Message)
		return nil
	}
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "\nINSTANCE\tSTATUS\tPID\tCALLS\tLAST ACTIVITY\tROOT\n")
	if len(rep.Instances) == 0 {
		fmt.Fprintf(tw, "(none)\n")
	}
	for _, in := range rep.Instances {
		id := in.Slug
		if in.Version != "" {
			id += "/" + in.Version
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", id, in.Status, in.PID, in.Calls, ago(now, in.LastActivity), in.Root)
	}
	var total int64
	fmt.Fprintf(tw, "\nSNAPSHOT\tSIZE\tFILES\tSAVED\tLAST USED\t\n")
	if len(rep.Snapshots) == 0 {
		fmt.Fprintf(tw, "(none)\n")
	}
	for _, s := range rep.Snapshots {
		total += s.Size
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t\n", s.Root, router.HumanBytes(s.Size), s.Files, ago(now, s.SavedAt), ago(now, s.UsedAt))
	}
	fmt.Fprintf(tw, "\nMETRICS\tCALLS\tERRORS\tP50 MS\tP99 MS\tSPAWNS/RESTARTS/CRASHES/IDLE STOPS\n")
	if len(rep.Metrics) == 0 {
		fmt.Fprintf(tw, "(none)\n")
	}
	for _, m := range rep.Metrics {
		if m.Tool == "" {
			fmt.Fprintf(tw, "%s\t\t\t\t\t%d/%d/%d/%d\n", m.Root, m.Spawns, m.Restarts, m.Crashes, m.IdleStops)
			continue
		}
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%.2f\t%.2f\t\n", m.Tool, m.Calls, m.Errors, m.P50MS, m.P99MS)
	}
	fmt.Fprintf(tw, "\nPROJECT\tENGINE\tSEEN\t\t\tROOT\n")
	if len(rep.Projects) == 0 {
		fmt.Fprintf(tw, "(none)\n")
	}
	for _, p := range rep.Projects {
		id := p.Slug
		if p.Version != "" {
			id += "/" + p.Version
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t\t\t%s\n", id, p.Engine, ago(now, p.SeenAt), p.Root)
	}
	tw.Flush()
	fmt.Fprintf(out, "\n%d snapshots, %s in all; %d projects in the catalog, %d folders watched\n",
		len(rep.Snapshots), router.HumanBytes(total), len(rep.Projects), len(rep.Folders))
	return nil
}

func readStatus(now time.Time) (statusReport, error) {
	path, err := store.DefaultPath()
	if err != nil {
		return statusReport{}, err
	}
	rep := statusReport{Store: path, Instances: []store.Instance{}, Snapshots: []statusSnapshot{},
		Projects: []store.CatalogProject{}, Folders: []store.WatchedFolder{}, Metrics: []statusMetrics{}}
	st, err := store.Open(path, &store.Options{Timeout: 200 * time.Millisecond, ReadOnly: true})
	switch {
	case errors.Is(err, fs.ErrNotExist):
		rep.Message = "no state yet: no router has run with this state folder"
		return rep, nil
	case errors.Is(err, store.ErrLocked):
		rep.Held = true
		rep.Message = "a standalone router is running and holds the state file; its live view is the debug_instances tool in your MCP client"
		return rep, nil
	case err != nil:
		return rep, err
	}
	defer st.Close()
	if rep.Instances, err = st.Instances(); err != nil {
		return rep, err
	}
	snaps, err := st.Snapshots()
	if err != nil {
		return rep, err
	}
	for _, s := range snaps {
		rep.Snapshots = append(rep.Snapshots, statusSnapshot{s, now.Sub(s.SavedAt).Round(time.Millisecond).Seconds()})
	}
	if ps, err := st.Projects(); err == nil {
		rep.Projects = ps
	}
	if fs, err := st.Folders(); err == nil {
		rep.Folders = fs
	}
	if ms, err := st.Metrics(); err == nil {
		for _, m := range ms {
			rep.Metrics = append(rep.Metrics, statusMetrics{m, msOf(m.Latency.Quantile(0.5)), msOf(m.Latency.Quantile(0.95)), msOf(m.Latency.Quantile(0.99))})
		}
	}
	return rep, nil
}

func msOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func ago(now, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return now.Sub(t).Round(time.Second).String() + " ago"
}

// printInstanceTable prints the daemon's instances with their health and
// metrics, one row each.
func printInstanceTable(out io.Writer, live router.InstancesReport) {
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "INSTANCE\tSTATUS\tPID\tCALLS\tERRORS\tP50 MS\tP95 MS\tP99 MS\tRESTARTS\tCRASHES\tHEARTBEAT\tBREAKER\n")
	if len(live.Instances) == 0 {
		fmt.Fprintf(tw, "(none)\n")
	}
	now := time.Now()
	for _, in := range live.Instances {
		var m router.InstanceMetrics
		if in.Metrics != nil {
			m = *in.Metrics
		}
		breaker := "closed"
		if in.Health.BreakerOpen {
			breaker = "open until " + in.Health.BreakerUntil.Format(time.TimeOnly)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%.2f\t%.2f\t%.2f\t%d\t%d\t%s\t%s\n", in.Project, in.Status, in.PID,
			m.Calls, m.Errors, m.P50MS, m.P95MS, m.P99MS, in.Restarts, in.Health.Crashes, ago(now, in.Health.LastHeartbeat), breaker)
	}
	tw.Flush()
	fmt.Fprintln(out)
}
