package router

import (
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/store"
)

// Metrics counts, per project and per tool, calls, errors and their
// latencies, and per project the spawns, restarts, crashes, idle stops and
// missed heartbeats. It keeps all-time totals in memory (started from the
// store's) and flushes what changed to the store every flushEvery and at
// Close, so the figures survive restarts; the store keeps hourly roll-ups
// for seven days. A flush that fails (a read-only or full state folder) is
// logged once and tried again with the next one: nothing counted is lost
// while the router runs.
type Metrics struct {
	st    *store.Store // nil: memory only
	log   *slog.Logger
	every time.Duration
	add   func(time.Time, []store.MetricsDelta) error // st.AddMetrics; tests put faults in

	mu      sync.Mutex
	totals  map[metricsKey]*store.MetricsRecord // all time
	pending map[metricsKey]*store.MetricsDelta  // since the last flush
	failing bool                                // the last flush failed (logged once)
	flushed time.Time

	quit chan struct{}
	done chan struct{}
}

type metricsKey struct{ root, tool string }

// metricsEvents are an instance's own events since the last flush.
type metricsEvents struct {
	spawns, restarts, crashes, idleStops, missedHeartbeats int64
}

// defaultMetricsFlush is how often counted figures go to the store.
const defaultMetricsFlush = 5 * time.Second

// NewMetrics starts counting from the totals in st (nil: memory only) and
// flushes every `every` (0: 5 s) until Close.
func NewMetrics(st *store.Store, log *slog.Logger, every time.Duration) *Metrics {
	if every <= 0 {
		every = defaultMetricsFlush
	}
	m := &Metrics{st: st, log: log, every: every,
		totals: map[metricsKey]*store.MetricsRecord{}, pending: map[metricsKey]*store.MetricsDelta{},
		quit: make(chan struct{}), done: make(chan struct{})}
	if st != nil {
		m.add = st.AddMetrics
		recs, err := st.Metrics()
		if err != nil {
			log.Warn("reading the metrics", "err", err)
		}
		for _, r := range recs {
			m.totals[metricsKey{r.Root, r.Tool}] = &r
		}
	}
	go m.loop()
	return m
}

func (m *Metrics) loop() {
	defer close(m.done)
	t := time.NewTicker(m.every)
	defer t.Stop()
	for {
		select {
		case <-m.quit:
			m.Flush()
			return
		case <-t.C:
			m.Flush()
		}
	}
}

// entry returns the pending delta and the total of key; under m.mu.
func (m *Metrics) entry(k metricsKey, now time.Time) (*store.MetricsDelta, *store.MetricsRecord) {
	d := m.pending[k]
	if d == nil {
		d = &store.MetricsDelta{Root: k.root, Tool: k.tool}
		m.pending[k] = d
	}
	t := m.totals[k]
	if t == nil {
		t = &store.MetricsRecord{Root: k.root, Tool: k.tool, Since: now}
		m.totals[k] = t
	}
	t.Updated = now
	return d, t
}

// call counts one tool call on a project.
func (m *Metrics) call(root, tool string, took time.Duration, failed bool) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d, t := m.entry(metricsKey{root, tool}, time.Now())
	d.Calls++
	t.Calls++
	if failed {
		d.Errors++
		t.Errors++
	}
	d.Latency.Observe(took)
	t.Latency.Observe(took)
}

// event counts an instance's own events (set by f).
func (m *Metrics) event(root string, f func(*metricsEvents)) {
	if m == nil {
		return
	}
	var e metricsEvents
	f(&e)
	m.mu.Lock()
	defer m.mu.Unlock()
	d, t := m.entry(metricsKey{root, ""}, time.Now())
	d.Spawns += e.spawns
	d.Restarts += e.restarts
	d.Crashes += e.crashes
	d.IdleStops += e.idleStops
	d.MissedHeartbeats += e.missedHeartbeats
	t.Spawns += e.spawns
	t.Restarts += e.restarts
	t.Crashes += e.crashes
	t.IdleStops += e.idleStops
	t.MissedHeartbeats += e.missedHeartbeats
}

// Flush writes what was counted since the last flush to the store. On
// failure the counts stay pending for the next flush.
func (m *Metrics) Flush() {
	if m == nil || m.st == nil {
		return
	}
	m.mu.Lock()
	if len(m.pending) == 0 {
		m.mu.Unlock()
		return
	}
	deltas := make([]store.MetricsDelta, 0, len(m.pending))
	for _, d := range m.pending {
		deltas = append(deltas, *d)
	}
	clear(m.pending)
	m.mu.Unlock()

	err := m.add(time.Now(), deltas)

	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		// Put them back, merged with what came meanwhile.
		for _, d := range deltas {
			k := metricsKey{d.Root, d.Tool}
			p := m.pending[k]
			if p == nil {
				cp := d
				m.pending[k] = &cp
				continue
			}
			mergeDelta(p, d)
		}
		if !m.failing {
			m.failing = true
			m.log.Warn("cannot save the metrics; keeping them in memory and trying again", "err", err)
		}
		return
	}
	if m.failing {
		m.failing = false
		m.log.Info("metrics saved again")
	}
	m.flushed = time.Now()
}

func mergeDelta(into *store.MetricsDelta, d store.MetricsDelta) {
	into.Calls += d.Calls
	into.Errors += d.Errors
	into.Spawns += d.Spawns
	into.Restarts += d.Restarts
	into.Crashes += d.Crashes
	into.IdleStops += d.IdleStops
	into.MissedHeartbeats += d.MissedHeartbeats
	into.Latency.Merge(d.Latency)
}

// Close flushes one last time and stops the flushing.
func (m *Metrics) Close() {
	if m == nil {
		return
	}
	select {
	case <-m.quit:
	default:
		close(m.quit)
	}
	<-m.done
}

// InstanceMetrics is what debug_instances and status show of a project's
// metrics: all time, surviving restarts of the router.
type InstanceMetrics struct {
	Calls            int64         `json:"calls"`
	Errors           int64         `json:"errors"`
	P50MS            float64       `json:"p50_ms"`
	P95MS            float64       `json:"p95_ms"`
	P99MS            float64       `json:"p99_ms"`
	Spawns           int64         `json:"spawns"`
	Restarts         int64         `json:"restarts"`
	Crashes          int64         `json:"crashes"`
	IdleStops        int64         `json:"idle_stops"`
	MissedHeartbeats int64         `json:"missed_heartbeats"`
	Since            time.Time     `json:"since,omitzero"`
	Tools            []ToolMetrics `json:"tools" jsonschema:"per tool, most called first"`
}

// ToolMetrics is one tool's figures on one project.
type ToolMetrics struct {
	Tool   string  `json:"tool"`
	Calls  int64   `json:"calls"`
	Errors int64   `json:"errors"`
	P50MS  float64 `json:"p50_ms"`
	P95MS  float64 `json:"p95_ms"`
	P99MS  float64 `json:"p99_ms"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Project returns a project's all-time figures; ok is false when none
// were counted.
func (m *Metrics) Project(root string) (InstanceMetrics, bool) {
	var out InstanceMetrics
	if m == nil {
		return out, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var all store.Histogram
	found := false
	for k, t := range m.totals {
		if k.root != root {
			continue
		}
		found = true
		if out.Since.IsZero() || (!t.Since.IsZero() && t.Since.Before(out.Since)) {
			out.Since = t.Since
		}
		if k.tool == "" {
			out.Spawns, out.Restarts, out.Crashes = t.Spawns, t.Restarts, t.Crashes
			out.IdleStops, out.MissedHeartbeats = t.IdleStops, t.MissedHeartbeats
			continue
		}
		out.Calls += t.Calls
		out.Errors += t.Errors
		all.Merge(t.Latency)
		out.Tools = append(out.Tools, ToolMetrics{Tool: k.tool, Calls: t.Calls, Errors: t.Errors,
			P50MS: ms(t.Latency.Quantile(0.5)), P95MS: ms(t.Latency.Quantile(0.95)), P99MS: ms(t.Latency.Quantile(0.99))})
	}
	out.P50MS, out.P95MS, out.P99MS = ms(all.Quantile(0.5)), ms(all.Quantile(0.95)), ms(all.Quantile(0.99))
	slices.SortFunc(out.Tools, func(a, b ToolMetrics) int {
		if a.Calls != b.Calls {
			return int(b.Calls - a.Calls)
		}
		return strings.Compare(a.Tool, b.Tool)
	})
	if out.Tools == nil {
		out.Tools = []ToolMetrics{}
	}
	return out, found
}

// Roots lists the projects with figures.
func (m *Metrics) Roots() []string {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := map[string]bool{}
	var out []string
	for k := range m.totals {
		if !seen[k.root] {
			seen[k.root] = true
			out = append(out, k.root)
		}
	}
	slices.Sort(out)
	return out
}
