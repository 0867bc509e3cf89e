package store_test

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/godot-mcp-router/godot-mcp-router/store"
)

// metricsEpoch is 10:00 UTC on a day; flushes in the tests happen around it.
var metricsEpoch = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

// histogramOf observes ds.
func histogramOf(ds ...time.Duration) store.Histogram {
	var h store.Histogram
	for _, d := range ds {
		h.Observe(d)
	}
	return h
}

// toolDelta is a delta of calls of one tool: calls samples of latency each,
// errs of them failed.
func toolDelta(root, tool string, calls, errs int, latency time.Duration) store.MetricsDelta {
	d := store.MetricsDelta{Root: root, Tool: tool, Calls: int64(calls), Errors: int64(errs)}
	for range calls {
		d.Latency.Observe(latency)
	}
	return d
}

func addMetrics(t testing.TB, s *store.Store, at time.Time, ds ...store.MetricsDelta) {
	t.Helper()
	if err := s.AddMetrics(at, ds); err != nil {
		t.Fatalf("AddMetrics(%v): %v", at, err)
	}
}

func totals(t testing.TB, s *store.Store) []store.MetricsRecord {
	t.Helper()
	all, err := s.Metrics()
	if err != nil {
		t.Fatalf("Metrics: %v", err)
	}
	return all
}

func hourly(t testing.TB, s *store.Store, since time.Time) []store.MetricsRecord {
	t.Helper()
	all, err := s.MetricsHourly(since)
	if err != nil {
		t.Fatalf("MetricsHourly: %v", err)
	}
	return all
}

// recordKeys names records as "hour root tool" (hour as 15:04, "-" for
// totals), to compare lists briefly.
func recordKeys(rs []store.MetricsRecord) []string {
	var out []string
	for _, r := range rs {
		h := "-"
		if !r.Hour.IsZero() {
			h = r.Hour.Format("01-02T15:04")
		}
		out = append(out, h+" "+r.Root+" "+r.Tool)
	}
	return out
}

func TestLatencyBounds(t *testing.T) {
	b := store.LatencyBounds()
	if len(b) != store.NumBuckets-1 {
		t.Fatalf("%d bounds for %d buckets", len(b), store.NumBuckets)
	}
	if b[0] != 50*time.Microsecond || b[len(b)-1] != time.Minute {
		t.Errorf("bounds run from %v to %v, want 50µs to 1m", b[0], b[len(b)-1])
	}
	for i := 1; i < len(b); i++ {
		if b[i] <= b[i-1] {
			t.Errorf("bound %d (%v) is not above bound %d (%v)", i, b[i], i-1, b[i-1])
		}
	}
	b[0] = time.Hour // a copy: the caller cannot change the layout
	if store.LatencyBounds()[0] != 50*time.Microsecond {
		t.Error("changing the returned bounds changed LatencyBounds")
	}
}

func TestHistogramObserve(t *testing.T) {
	tests := []struct {
		d      time.Duration
		bucket int
		sumUS  uint64
	}{
		{0, 0, 0},
		{-time.Second, 0, 0},
		{time.Microsecond, 0, 1},
		{50 * time.Microsecond, 0, 50}, // a bound belongs to the bucket it ends
		{50*time.Microsecond + 1, 1, 50},
		{100 * time.Microsecond, 1, 100},
		{999 * time.Microsecond, 4, 999},
		{time.Millisecond, 4, 1000},
		{7 * time.Millisecond, 7, 7000},
		{time.Second, 13, 1e6},
		{time.Minute, 18, 60e6},
		{time.Minute + 1, 19, 60e6},
		{time.Hour, 19, 3600e6},
		{math.MaxInt64, 19, math.MaxInt64 / 1000},
	}
	for _, tt := range tests {
		t.Run(tt.d.String(), func(t *testing.T) {
			h := histogramOf(tt.d)
			var want store.Histogram
			want.Counts[tt.bucket] = 1
			want.SumMicros = tt.sumUS
			if h != want {
				t.Errorf("Observe(%v) = %+v, want %+v", tt.d, h, want)
			}
			if h.Count() != 1 {
				t.Errorf("Count = %d", h.Count())
			}
		})
	}
}

func TestHistogramQuantile(t *testing.T) {
	var uniform []time.Duration // 1ms, 2ms, ... 1000ms
	for i := 1; i <= 1000; i++ {
		uniform = append(uniform, time.Duration(i)*time.Millisecond)
	}
	sevens := slices.Repeat([]time.Duration{7 * time.Millisecond}, 100)
	twoMinutes := slices.Repeat([]time.Duration{2 * time.Minute}, 10)
	mostlyFast := append(slices.Repeat([]time.Duration{time.Millisecond}, 99), 2*time.Minute)

	type point struct {
		q    float64
		want time.Duration
	}
	tests := []struct {
		name    string
		samples []time.Duration
		points  []point
	}{
		{"empty", nil, []point{{0.5, 0}, {0.99, 0}, {1, 0}, {0, 0}, {math.NaN(), 0}}},
		{
			// Evenly spread samples are where interpolation is exact: 500
			// samples up to 500ms, 500 in (500ms, 1s].
			"uniform", uniform,
			[]point{{0.5, 500 * time.Millisecond}, {0.95, 950 * time.Millisecond}, {0.99, 990 * time.Millisecond},
				{1, time.Second}, {0.25, 250 * time.Millisecond}, {0.001, time.Millisecond}, {0.0005, 750 * time.Microsecond}},
		},
		{
			// All in (5ms, 10ms]: spread over the bucket.
			"single bucket", sevens,
			[]point{{0.5, 7500 * time.Microsecond}, {0.99, 9950 * time.Microsecond}, {1, 10 * time.Millisecond},
				{0.01, 5050 * time.Microsecond}},
		},
		{"overflow reports the last bound", twoMinutes, []point{{0.01, time.Minute}, {0.5, time.Minute}, {1, time.Minute}}},
		{
			"one slow call", mostlyFast,
			[]point{{0.5, 752525 * time.Nanosecond}, {0.99, time.Millisecond}, {0.995, time.Minute}, {1, time.Minute}},
		},
		{
			// Out of range: q > 1 is 1; q <= 0 and NaN are 0, the lower edge
			// of the lowest bucket with samples.
			"q edges", sevens,
			[]point{{0, 5 * time.Millisecond}, {-1, 5 * time.Millisecond}, {math.NaN(), 5 * time.Millisecond},
				{math.Inf(-1), 5 * time.Millisecond}, {2, 10 * time.Millisecond}, {math.Inf(1), 10 * time.Millisecond},
				{math.SmallestNonzeroFloat64, 5 * time.Millisecond}},
		},
		{"one sample", []time.Duration{300 * time.Microsecond}, []point{{0.5, 350 * time.Microsecond}, {1, 500 * time.Microsecond}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := histogramOf(tt.samples...)
			if h.Count() != uint64(len(tt.samples)) {
				t.Errorf("Count = %d, want %d", h.Count(), len(tt.samples))
			}
			for _, p := range tt.points {
				if got := h.Quantile(p.q); got != p.want {
					t.Errorf("Quantile(%v) = %v, want %v", p.q, got, p.want)
				}
			}
			checkQuantiles(t, h)
		})
	}
}

// checkQuantiles checks what holds for any histogram: quantiles lie in
// [0, the last bound] and never decrease as q grows.
func checkQuantiles(t testing.TB, h store.Histogram) {
	t.Helper()
	bounds := store.LatencyBounds()
	prev := time.Duration(0)
	for i := 0; i <= 1000; i++ {
		q := float64(i) / 1000
		got := h.Quantile(q)
		if got < 0 || got > bounds[len(bounds)-1] {
			t.Fatalf("Quantile(%v) = %v, outside [0, %v]", q, got, bounds[len(bounds)-1])
		}
		if got < prev {
			t.Fatalf("Quantile(%v) = %v, below Quantile(%v) = %v", q, got, float64(i-1)/1000, prev)
		}
		prev = got
	}
	if h.Count() == 0 && h.Quantile(1) != 0 {
		t.Fatalf("Quantile(1) of an empty histogram = %v", h.Quantile(1))
	}
}

func TestHistogramMerge(t *testing.T) {
	a := []time.Duration{time.Microsecond, 3 * time.Millisecond, time.Second, 2 * time.Minute}
	b := []time.Duration{3 * time.Millisecond, 40 * time.Millisecond}
	h := histogramOf(a...)
	h.Merge(histogramOf(b...))
	if want := histogramOf(append(a, b...)...); h != want {
		t.Errorf("merged = %+v, want %+v as if observed together", h, want)
	}
	before := h
	h.Merge(store.Histogram{})
	if h != before {
		t.Error("merging an empty histogram changed it")
	}
	// (1 + 3000 + 1e6 + 120e6 + 3000 + 40000) / 6, in whole microseconds.
	if got, want := h.Mean(), 20174333*time.Microsecond; got != want {
		t.Errorf("Mean = %v, want %v", got, want)
	}
	if (store.Histogram{}).Mean() != 0 {
		t.Error("Mean of an empty histogram is not 0")
	}

	// Counts saturate rather than wrap: a damaged record must not turn a
	// huge count into a small one.
	var full store.Histogram
	full.Counts[3], full.Counts[5], full.SumMicros = math.MaxUint64-1, math.MaxUint64, math.MaxUint64
	full.Merge(histogramOf(time.Millisecond, 300*time.Microsecond))
	if full.Counts[3] != math.MaxUint64 || full.Counts[4] != 1 || full.SumMicros != math.MaxUint64 {
		t.Errorf("saturated merge = %+v", full)
	}
	if full.Count() != math.MaxUint64 {
		t.Errorf("Count = %d, want the maximum", full.Count())
	}
	if full.Mean() != 1*time.Microsecond {
		t.Errorf("Mean = %v", full.Mean())
	}
	checkQuantiles(t, full)
	// Half the samples in bucket 3, half in 5 (the one in 4 is lost in
	// the rounding): the median is the top of bucket 3.
	if got := full.Quantile(0.5); got != 500*time.Microsecond {
		t.Errorf("median of the saturated histogram = %v", got)
	}
}

func TestAddMetricsRoundTrip(t *testing.T) {
	s := newStore(t)
	india := time.FixedZone("IST", 5*3600+1800)
	const root = "/home/u/games/noxii"
	flushes := []struct {
		at     time.Time
		deltas []store.MetricsDelta
	}{
		{metricsEpoch.Add(5 * time.Second), []store.MetricsDelta{
			{Root: root, Spawns: 1},
			toolDelta(root, "get_scene", 3, 1, 2*time.Millisecond),
		}},
		{metricsEpoch.Add(10 * time.Second), []store.MetricsDelta{
			{}, // empty: skipped
			toolDelta(root, "get_scene", 2, 0, 40*time.Millisecond),
			{Root: root, Tool: "idle", Latency: store.Histogram{}}, // empty too
		}},
		{
			// In another zone, and the same tool twice in one call.
			metricsEpoch.Add(15 * time.Second).In(india),
			[]store.MetricsDelta{
				{Root: root, Restarts: 1, Crashes: 1, IdleStops: 2, MissedHeartbeats: 3},
				toolDelta(root, "get_scene", 1, 1, 3*time.Second),
				toolDelta(root, "get_scene", 1, 0, 3*time.Second),
				toolDelta(root, "find_nodes", 1, 0, 100*time.Microsecond),
			},
		},
	}
	for _, f := range flushes {
		addMetrics(t, s, f.at, f.deltas...)
	}
	first, last := metricsEpoch.Add(5*time.Second), metricsEpoch.Add(15*time.Second)
	want := []store.MetricsRecord{
		{Root: root, Spawns: 1, Restarts: 1, Crashes: 1, IdleStops: 2, MissedHeartbeats: 3, Since: first, Updated: last},
		{Root: root, Tool: "find_nodes", Calls: 1, Latency: histogramOf(100 * time.Microsecond), Since: last, Updated: last},
		{Root: root, Tool: "get_scene", Calls: 7, Errors: 2,
			Latency: histogramOf(2*time.Millisecond, 2*time.Millisecond, 2*time.Millisecond,
				40*time.Millisecond, 40*time.Millisecond, 3*time.Second, 3*time.Second),
			Since: first, Updated: last},
	}
	if got := totals(t, s); !reflect.DeepEqual(got, want) {
		t.Errorf("Metrics:\n got %+v\nwant %+v", got, want)
	}
	// All three flushes fall in the 10:00 hour: the roll-ups hold the same
	// sums, with the hour and without Since.
	for i := range want {
		want[i].Hour, want[i].Since = metricsEpoch, time.Time{}
	}
	if got := hourly(t, s, time.Time{}); !reflect.DeepEqual(got, want) {
		t.Errorf("MetricsHourly:\n got %+v\nwant %+v", got, want)
	}
	if got := totals(t, s)[2].Latency.Quantile(0.5); got < 20*time.Millisecond || got > 50*time.Millisecond {
		t.Errorf("median of get_scene = %v, want in the 40ms bucket", got)
	}

	// The totals outlive the store: reopened, they are the same.
	path := s.Path()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, path, nil)
	if got := totals(t, s); len(got) != 3 || got[2].Calls != 7 || !got[0].Since.Equal(first) {
		t.Errorf("after reopening: %+v", got)
	}
	if got := hourly(t, s, time.Time{}); len(got) != 3 {
		t.Errorf("after reopening: %d roll-ups", len(got))
	}

	if err := errors.Join(s.AddMetrics(last, nil), s.AddMetrics(last, []store.MetricsDelta{{}, {Root: root}})); err != nil {
		t.Errorf("AddMetrics of nothing: %v", err)
	}
	if got := totals(t, s); !got[0].Updated.Equal(last) {
		t.Errorf("an empty flush touched the records: %+v", got[0])
	}
}

func TestMetricsSorted(t *testing.T) {
	s := newStore(t)
	var ds []store.MetricsDelta
	for _, root := range []string{"/b", "/a/z", "/a", "/a b", "/a-"} {
		for _, tool := range []string{"y", "", "x"} {
			ds = append(ds, store.MetricsDelta{Root: root, Tool: tool, Calls: 1})
		}
	}
	addMetrics(t, s, metricsEpoch.Add(time.Hour), ds[:6]...)
	addMetrics(t, s, metricsEpoch, ds[6:]...)
	var want []string
	for _, root := range []string{"/a", "/a b", "/a-", "/a/z", "/b"} {
		for _, tool := range []string{"", "x", "y"} {
			want = append(want, "- "+root+" "+tool)
		}
	}
	if got := recordKeys(totals(t, s)); !reflect.DeepEqual(got, want) {
		t.Errorf("Metrics order:\n got %q\nwant %q", got, want)
	}
	// Hour first: /b and /a/z were added an hour later.
	want = nil
	for _, hr := range []struct {
		hour  string
		roots []string
	}{{"03-04T10:00", []string{"/a", "/a b", "/a-"}}, {"03-04T11:00", []string{"/a/z", "/b"}}} {
		for _, root := range hr.roots {
			for _, tool := range []string{"", "x", "y"} {
				want = append(want, hr.hour+" "+root+" "+tool)
			}
		}
	}
	if got := recordKeys(hourly(t, s, time.Time{})); !reflect.DeepEqual(got, want) {
		t.Errorf("MetricsHourly order:\n got %q\nwant %q", got, want)
	}
}

// TestMetricsHourBoundary: flushes at 10:59 and 11:01 land in two roll-ups;
// the totals hold both.
func TestMetricsHourBoundary(t *testing.T) {
	s := newStore(t)
	const root = "/p"
	at1059, at1101 := metricsEpoch.Add(59*time.Minute+59*time.Second), metricsEpoch.Add(61*time.Minute)
	addMetrics(t, s, at1059, toolDelta(root, "t", 2, 1, time.Millisecond))
	addMetrics(t, s, at1101, toolDelta(root, "t", 3, 0, time.Second))
	// 11:00 exactly belongs to the 11:00 hour.
	addMetrics(t, s, metricsEpoch.Add(time.Hour), toolDelta(root, "t", 1, 0, time.Second))

	tot := totals(t, s)
	if len(tot) != 1 || tot[0].Calls != 6 || tot[0].Errors != 1 || tot[0].Latency.Count() != 6 ||
		!tot[0].Since.Equal(at1059) || !tot[0].Updated.Equal(metricsEpoch.Add(time.Hour)) {
		t.Errorf("totals = %+v", tot)
	}
	hs := hourly(t, s, time.Time{})
	if len(hs) != 2 {
		t.Fatalf("%d roll-ups, want 2: %q", len(hs), recordKeys(hs))
	}
	if h := hs[0]; !h.Hour.Equal(metricsEpoch) || h.Calls != 2 || h.Errors != 1 || h.Latency != histogramOf(time.Millisecond, time.Millisecond) || !h.Updated.Equal(at1059) {
		t.Errorf("the 10:00 roll-up = %+v", h)
	}
	if h := hs[1]; !h.Hour.Equal(metricsEpoch.Add(time.Hour)) || h.Calls != 4 || h.Errors != 0 || h.Latency.Count() != 4 {
		t.Errorf("the 11:00 roll-up = %+v", h)
	}

	// A half-hour zone: 16:29 in India is 10:59 UTC.
	addMetrics(t, s, at1059.In(time.FixedZone("IST", 5*3600+1800)), store.MetricsDelta{Root: root, Tool: "t", Calls: 1})
	if hs := hourly(t, s, time.Time{}); hs[0].Calls != 3 || hs[0].Hour.Location() != time.UTC {
		t.Errorf("a delta in another zone: %+v", hs[0])
	}

	// since: roll-ups of hours at or after it.
	for _, tt := range []struct {
		since time.Time
		hours int
	}{
		{time.Time{}, 2},
		{metricsEpoch.Add(-time.Hour), 2},
		{metricsEpoch, 2},
		{metricsEpoch.Add(time.Minute), 1}, // the 10:00 hour began before
		{metricsEpoch.Add(time.Hour), 1},
		{metricsEpoch.Add(time.Hour).In(time.FixedZone("X", -7*3600)), 1},
		{metricsEpoch.Add(time.Hour + time.Nanosecond), 0},
		{time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC), 0},
	} {
		if got := hourly(t, s, tt.since); len(got) != tt.hours {
			t.Errorf("MetricsHourly(%v) = %q, want %d", tt.since, recordKeys(got), tt.hours)
		}
	}
}

// TestMetricsPrune: a roll-up goes once its hour ended MetricsKeep or
// longer before the flush; the totals stay.
func TestMetricsPrune(t *testing.T) {
	s := newStore(t)
	day0 := metricsEpoch                                                             // 10:00
	addMetrics(t, s, day0.Add(-time.Hour), store.MetricsDelta{Root: "/p", Calls: 1}) // 09:00
	addMetrics(t, s, day0.Add(30*time.Minute), store.MetricsDelta{Root: "/p", Calls: 1}, store.MetricsDelta{Root: "/q", Calls: 1})
	addMetrics(t, s, day0.Add(time.Hour), store.MetricsDelta{Root: "/p", Calls: 1}) // 11:00

	steps := []struct {
		at   time.Time
		want []string
	}{
		// The 09:00 hour ended at 10:00, 7 days before: gone. 10:00 still
		// overlaps the week.
		{day0.Add(store.MetricsKeep), []string{"03-04T10:00 /p ", "03-04T10:00 /q ", "03-04T11:00 /p ", "03-11T10:00 /r "}},
		{day0.Add(store.MetricsKeep + 59*time.Minute), []string{"03-04T10:00 /p ", "03-04T10:00 /q ", "03-04T11:00 /p ", "03-11T10:00 /r "}},
		{day0.Add(store.MetricsKeep + time.Hour), []string{"03-04T11:00 /p ", "03-11T10:00 /r ", "03-11T11:00 /r "}},
		{day0.Add(30 * 24 * time.Hour), []string{"04-03T10:00 /r "}},
	}
	for _, st := range steps {
		addMetrics(t, s, st.at, store.MetricsDelta{Root: "/r", Calls: 1})
		if got := recordKeys(hourly(t, s, time.Time{})); !reflect.DeepEqual(got, st.want) {
			t.Errorf("after a flush at %v: %q, want %q", st.at, got, st.want)
		}
	}
	if got := totals(t, s); len(got) != 3 || got[0].Calls != 3 || got[1].Calls != 1 || got[2].Calls != 4 {
		t.Errorf("pruning touched the totals: %+v", got)
	}
}

func TestMetricsCapsAreTheConstants(t *testing.T) {
	s := newStore(t)
	if h, tot := store.MetricsCaps(s); h != store.MaxHourlyRecords || tot != store.MaxMetricsRecords {
		t.Errorf("caps %d, %d; want %d, %d", h, tot, store.MaxHourlyRecords, store.MaxMetricsRecords)
	}
}

// TestMetricsHourlyCap: past the cap the oldest hours go, those just
// added last. The cap is lowered so the test writes hundreds of records,
// not tens of thousands.
func TestMetricsHourlyCap(t *testing.T) {
	var logs logBuffer
	s := openStore(t, filepath.Join(t.TempDir(), "router.db"), &store.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	const hourCap = 100
	store.SetMetricsCaps(s, hourCap, 1000)
	root := func(i int) string { return fmt.Sprintf("/p%02d", i) }
	flush := func(hour, roots int) {
		t.Helper()
		var ds []store.MetricsDelta
		for i := range roots {
			ds = append(ds, store.MetricsDelta{Root: root(i), Calls: 1})
		}
		addMetrics(t, s, metricsEpoch.Add(time.Duration(hour)*time.Hour), ds...)
	}
	for h := range 10 {
		flush(h, 10)
	}
	if got := hourly(t, s, time.Time{}); len(got) != hourCap {
		t.Fatalf("%d roll-ups after filling, want %d", len(got), hourCap)
	}
	if logs.String() != "" {
		t.Errorf("a warning at exactly the cap:\n%s", logs.String())
	}
	// More flushes in the same hour add nothing new: nothing goes.
	flush(9, 10)
	if got := hourly(t, s, time.Time{}); len(got) != hourCap || !got[0].Hour.Equal(metricsEpoch) {
		t.Errorf("a flush that made no new roll-up dropped some: %d from %v", len(got), got[0].Hour)
	}

	// Three new: the first three roll-ups of the oldest hour go.
	flush(10, 3)
	got := recordKeys(hourly(t, s, time.Time{}))
	if len(got) != hourCap || got[0] != "03-04T10:00 /p03 " || got[len(got)-1] != "03-04T20:00 /p02 " {
		t.Errorf("%d roll-ups from %s to %s", len(got), got[0], got[len(got)-1])
	}
	if !strings.Contains(logs.String(), "dropped the oldest hours") {
		t.Errorf("no warning; logs:\n%s", logs.String())
	}

	// A flush dated before everything stored (the clock went back) keeps
	// what it just added and drops the oldest others.
	addMetrics(t, s, metricsEpoch.Add(-5*time.Hour), store.MetricsDelta{Root: "/old", Calls: 1})
	got = recordKeys(hourly(t, s, time.Time{}))
	if len(got) != hourCap || got[0] != "03-04T05:00 /old " || got[1] != "03-04T10:00 /p04 " {
		t.Errorf("after a flush in the past: %d roll-ups beginning %q", len(got), got[:2])
	}

	// A call with more new roll-ups than the cap keeps the cap's worth,
	// by key: the later roots of the same hour.
	var ds []store.MetricsDelta
	for i := range hourCap + 5 {
		ds = append(ds, store.MetricsDelta{Root: fmt.Sprintf("/q%03d", i), Calls: 1})
	}
	addMetrics(t, s, metricsEpoch.Add(24*time.Hour), ds...)
	got = recordKeys(hourly(t, s, time.Time{}))
	if len(got) != hourCap || got[0] != "03-05T10:00 /q005 " {
		t.Errorf("after an oversized call: %d roll-ups beginning %q", len(got), got[0])
	}
	if len(totals(t, s)) != 10+1+hourCap+5 {
		t.Errorf("the hourly cap touched the totals: %d", len(totals(t, s)))
	}
}

// TestMetricsTotalsCap: past the cap the least recently updated totals go,
// those just added last.
func TestMetricsTotalsCap(t *testing.T) {
	var logs logBuffer
	s := openStore(t, filepath.Join(t.TempDir(), "router.db"), &store.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	const totalCap = 50
	store.SetMetricsCaps(s, 10000, totalCap)
	root := func(i int) string { return fmt.Sprintf("/p%03d", i) }
	// p000 updated most recently, p049 least.
	for i := totalCap - 1; i >= 0; i-- {
		addMetrics(t, s, metricsEpoch.Add(time.Duration(totalCap-i)*time.Second), store.MetricsDelta{Root: root(i), Calls: 1})
	}
	if got := totals(t, s); len(got) != totalCap || logs.String() != "" {
		t.Fatalf("%d totals after filling (want %d); logs:\n%s", len(got), totalCap, logs.String())
	}
	// Renew p049, then add two: p048 and p047 go.
	later := metricsEpoch.Add(time.Hour)
	addMetrics(t, s, later, store.MetricsDelta{Root: root(49), Calls: 1})
	addMetrics(t, s, later, store.MetricsDelta{Root: "/new", Calls: 1}, store.MetricsDelta{Root: "/new", Tool: "t", Calls: 1})
	all := totals(t, s)
	var roots []string
	for _, r := range all {
		roots = append(roots, r.Root+" "+r.Tool)
	}
	if len(all) != totalCap {
		t.Errorf("%d totals, want %d", len(all), totalCap)
	}
	for name, want := range map[string]bool{"/new ": true, "/new t": true, root(49) + " ": true, root(48) + " ": false, root(47) + " ": false, root(46) + " ": true} {
		if slices.Contains(roots, name) != want {
			t.Errorf("%q kept: %v, want %v", name, !want, want)
		}
	}
	if !strings.Contains(logs.String(), "dropped the least recently updated") {
		t.Errorf("no warning; logs:\n%s", logs.String())
	}
	// The roll-ups of the dropped totals stay: they go by age.
	if got := len(hourly(t, s, time.Time{})); got != totalCap+1+2 {
		t.Errorf("%d roll-ups, want %d", got, totalCap+3)
	}
}

// TestMetricsHourlyCapForeignKeys: keys in the roll-up bucket that are not
// ours (no build writes them; damage might) go first when the cap is
// reached, wherever they sort, and readers skip them.
func TestMetricsHourlyCapForeignKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.db")
	s, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	addMetrics(t, s, metricsEpoch, store.MetricsDelta{Root: "/a", Calls: 1}, store.MetricsDelta{Root: "/b", Calls: 1})
	addMetrics(t, s, metricsEpoch.Add(time.Hour), store.MetricsDelta{Root: "/a", Calls: 1})
	s.Close()
	foreign := []string{
		"2026-02-30T10:00:00Z\x00/x\x00", // no such day
		"2026-03-04T10:30:00Z\x00/x\x00", // not on the hour
		"2026-03-04T24:00:00Z\x00/x\x00", // no such hour
		"2026-03-04T10:00:00Z\x00\x00t",  // no root
		"2026-03-04T10:00:00Z\x00/nosep", // no separator before the tool
		"zzzz\x00/y\x00",
	}
	editMetrics(t, path, func(_, hr *bolt.Bucket) error {
		var errs []error
		for _, k := range foreign {
			errs = append(errs, hr.Put([]byte(k), []byte(`{"calls":1}`)))
		}
		return errors.Join(errs...)
	})

	var logs logBuffer
	s = openStore(t, path, &store.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	want := []string{"03-04T10:00 /a ", "03-04T10:00 /b ", "03-04T11:00 /a "}
	if got := recordKeys(hourly(t, s, time.Time{})); !reflect.DeepEqual(got, want) {
		t.Errorf("MetricsHourly = %q, want %q", got, want)
	}
	if n := strings.Count(logs.String(), "hourly metrics key that is not ours"); n != len(foreign) {
		t.Errorf("%d warnings about foreign keys, want %d; logs:\n%s", n, len(foreign), logs.String())
	}
	// Cap 4: three records of ours, six foreign and one new make ten, six
	// over: the foreign keys go, wherever they sort, and ours stay.
	store.SetMetricsCaps(s, 4, 100)
	addMetrics(t, s, metricsEpoch.Add(time.Hour), store.MetricsDelta{Root: "/b", Calls: 1})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var keys []string
	db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("metrics_hourly")).ForEach(func(k, _ []byte) error {
			keys = append(keys, string(k))
			return nil
		})
	})
	wantKeys := []string{"2026-03-04T10:00:00Z\x00/a\x00", "2026-03-04T10:00:00Z\x00/b\x00", "2026-03-04T11:00:00Z\x00/a\x00", "2026-03-04T11:00:00Z\x00/b\x00"}
	if !reflect.DeepEqual(keys, wantKeys) {
		t.Errorf("roll-up keys after the cap: %q, want %q", keys, wantKeys)
	}
}

func TestAddMetricsInvalid(t *testing.T) {
	tests := []struct {
		name    string
		at      time.Time
		bad     store.MetricsDelta
		errPart string
	}{
		{"empty root", metricsEpoch, store.MetricsDelta{Calls: 1}, "empty root"},
		{"empty root, tool set", metricsEpoch, store.MetricsDelta{Tool: "t", Latency: histogramOf(time.Second)}, "empty root"},
		{"NUL in root", metricsEpoch, store.MetricsDelta{Root: "/a\x00b", Calls: 1}, "NUL"},
		{"NUL in tool", metricsEpoch, store.MetricsDelta{Root: "/a", Tool: "t\x00", Calls: 1}, "NUL"},
		{"negative", metricsEpoch, store.MetricsDelta{Root: "/a", Calls: 2, Errors: -1}, "negative"},
		{"zero time", time.Time{}, store.MetricsDelta{Root: "/a", Calls: 1}, "out of range"},
		{"year 10000", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), store.MetricsDelta{Root: "/a", Calls: 1}, "out of range"},
	}
	s := newStore(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One bad delta among good ones: nothing is written.
			err := s.AddMetrics(tt.at, []store.MetricsDelta{{Root: "/good", Calls: 1}, tt.bad})
			if err == nil || !strings.Contains(err.Error(), tt.errPart) {
				t.Errorf("AddMetrics = %v, want an error saying %q", err, tt.errPart)
			}
			if got := totals(t, s); len(got) != 0 {
				t.Errorf("a refused call stored %q", recordKeys(got))
			}
			if got := hourly(t, s, time.Time{}); len(got) != 0 {
				t.Errorf("a refused call stored %q", recordKeys(got))
			}
		})
	}
}

func TestDeleteMetrics(t *testing.T) {
	s := newStore(t)
	for h, roots := range [][]string{{"/a", "/a/b", "/b"}, {"/a", "/ab", "/b"}} {
		var ds []store.MetricsDelta
		for _, r := range roots {
			ds = append(ds, store.MetricsDelta{Root: r, Spawns: 1}, store.MetricsDelta{Root: r, Tool: "t", Calls: 1})
		}
		addMetrics(t, s, metricsEpoch.Add(time.Duration(h)*time.Hour), ds...)
	}
	if err := s.DeleteMetrics([]string{"/a", "/missing", "", "/x\x00"}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMetrics(nil); err != nil {
		t.Errorf("DeleteMetrics(nil) = %v", err)
	}
	// /a's records go; /a/b and /ab, which begin with it, stay.
	want := []string{"- /a/b ", "- /a/b t", "- /ab ", "- /ab t", "- /b ", "- /b t"}
	if got := recordKeys(totals(t, s)); !reflect.DeepEqual(got, want) {
		t.Errorf("totals after delete = %q, want %q", got, want)
	}
	want = []string{"03-04T10:00 /a/b ", "03-04T10:00 /a/b t", "03-04T10:00 /b ", "03-04T10:00 /b t",
		"03-04T11:00 /ab ", "03-04T11:00 /ab t", "03-04T11:00 /b ", "03-04T11:00 /b t"}
	if got := recordKeys(hourly(t, s, time.Time{})); !reflect.DeepEqual(got, want) {
		t.Errorf("roll-ups after delete = %q, want %q", got, want)
	}
	// Counting starts again for a root that comes back.
	at := metricsEpoch.Add(2 * time.Hour)
	addMetrics(t, s, at, store.MetricsDelta{Root: "/a", Spawns: 1})
	if got := totals(t, s)[0]; got.Root != "/a" || got.Spawns != 1 || !got.Since.Equal(at) {
		t.Errorf("a root back after delete: %+v", got)
	}
}

// editMetrics changes a closed store file with bbolt directly, as damage or
// another build would.
func editMetrics(t *testing.T, path string, fn func(totals, hourly *bolt.Bucket) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		return fn(tx.Bucket([]byte("metrics")), tx.Bucket([]byte("metrics_hourly")))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMetricsUndecodable: records that are not JSON and keys not ours are
// skipped with a warning, a newer build's unknown fields are ignored, a
// nested bucket is not a record, and AddMetrics replaces a bad record with
// the delta.
func TestMetricsUndecodable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.db")
	s, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	addMetrics(t, s, metricsEpoch, store.MetricsDelta{Root: "/a", Calls: 1}, store.MetricsDelta{Root: "/c", Calls: 1})
	s.Close()
	hour := "2026-03-04T10:00:00Z\x00"
	editMetrics(t, path, func(tot, hr *bolt.Bucket) error {
		_, nested := tot.CreateBucket([]byte("/n\x00t"))
		_, nestedHour := hr.CreateBucket([]byte(hour + "/n\x00t"))
		return errors.Join(
			tot.Put([]byte("/b\x00"), []byte("{not json")),
			tot.Put([]byte("/b\x00neg"), []byte(`{"root":"/b","calls":1,"latency":{"counts":[-1]}}`)),
			tot.Put([]byte("/d\x00t"), []byte(`{"root":"/elsewhere","calls":5,"latency":{"counts":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21],"sum_us":9},"future":{"x":1}}`)),
			tot.Put([]byte("no separator"), []byte(`{"root":"/x","calls":1}`)),
			nested,
			hr.Put([]byte(hour+"/b\x00"), []byte("[]")),
			hr.Put([]byte(hour+"/d\x00t"), []byte(`{"calls":5,"latency":{"counts":[1]},"future":true}`)),
			hr.Put([]byte("2026-03-04T10:00:00Z/x"), []byte(`{"calls":1}`)),
			hr.Put([]byte("zzzz\x00/y\x00"), []byte(`{"calls":1}`)),
			nestedHour,
		)
	})

	var logs logBuffer
	s = openStore(t, path, &store.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	tot := totals(t, s)
	if got, want := recordKeys(tot), []string{"- /a ", "- /c ", "- /d t"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Metrics = %q, want %q", got, want)
	}
	// A longer counts array than ours keeps our buckets' worth.
	if d := tot[2]; d.Calls != 5 || d.Latency.Counts[19] != 20 || d.Latency.Count() != 210 {
		t.Errorf("the newer build's record: %+v", d)
	}
	hs := hourly(t, s, time.Time{})
	if got, want := recordKeys(hs), []string{"03-04T10:00 /a ", "03-04T10:00 /c ", "03-04T10:00 /d t"}; !reflect.DeepEqual(got, want) {
		t.Errorf("MetricsHourly = %q, want %q", got, want)
	}
	for _, what := range []string{"metrics record that does not decode", "metrics key that is not ours", "hourly metrics key that is not ours"} {
		if !strings.Contains(logs.String(), what) {
			t.Errorf("no warning %q; logs:\n%s", what, logs.String())
		}
	}

	// AddMetrics replaces a bad record with the delta, as new.
	at := metricsEpoch.Add(time.Minute)
	addMetrics(t, s, at, store.MetricsDelta{Root: "/b", Calls: 2}, store.MetricsDelta{Root: "/d", Tool: "t", Calls: 1})
	if !strings.Contains(logs.String(), "replacing a metrics record that does not decode") {
		t.Errorf("no warning on replacing; logs:\n%s", logs.String())
	}
	tot = totals(t, s)
	if got, want := recordKeys(tot), []string{"- /a ", "- /b ", "- /c ", "- /d t"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after replacing: %q, want %q", got, want)
	}
	if b := tot[1]; b.Calls != 2 || !b.Since.Equal(at) {
		t.Errorf("the replaced record: %+v", b)
	}
	if d := tot[3]; d.Calls != 6 {
		t.Errorf("the newer build's record after an add: %+v", d)
	}
	if hs := hourly(t, s, time.Time{}); len(hs) != 4 || hs[1].Root != "/b" || hs[1].Calls != 2 {
		t.Errorf("roll-ups after replacing: %+v", hs)
	}

	// A nested bucket where a record belongs: the delta is skipped, not
	// every flush refused.
	addMetrics(t, s, at, store.MetricsDelta{Root: "/n", Tool: "t", Calls: 1}, store.MetricsDelta{Root: "/a", Calls: 1})
	if !strings.Contains(logs.String(), "nested bucket") {
		t.Errorf("no warning about the nested bucket; logs:\n%s", logs.String())
	}
	if got := totals(t, s); got[0].Calls != 2 {
		t.Errorf("the flush with a nested bucket lost the others: %+v", got[0])
	}
	if err := s.DeleteMetrics([]string{"/n"}); err != nil {
		t.Errorf("DeleteMetrics of a nested bucket: %v", err)
	}
}

func TestMetricsReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.db")
	w, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	addMetrics(t, w, metricsEpoch, store.MetricsDelta{Root: "/p", Calls: 1})
	w.Close()

	r := openStore(t, path, &store.Options{ReadOnly: true})
	if got := recordKeys(totals(t, r)); !reflect.DeepEqual(got, []string{"- /p "}) {
		t.Errorf("read-only Metrics = %q", got)
	}
	if got := recordKeys(hourly(t, r, time.Time{})); !reflect.DeepEqual(got, []string{"03-04T10:00 /p "}) {
		t.Errorf("read-only MetricsHourly = %q", got)
	}
	writes := []struct {
		name string
		call func() error
	}{
		{"AddMetrics", func() error { return r.AddMetrics(metricsEpoch, []store.MetricsDelta{{Root: "/p", Calls: 1}}) }},
		{"DeleteMetrics", func() error { return r.DeleteMetrics([]string{"/p"}) }},
	}
	for _, c := range writes {
		if err := c.call(); !errors.Is(err, store.ErrReadOnly) {
			t.Errorf("%s on a read-only store = %v, want ErrReadOnly", c.name, err)
		}
	}
}

func TestMetricsClosed(t *testing.T) {
	s, err := store.Open(filepath.Join(t.TempDir(), "router.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	calls := []struct {
		name string
		call func() error
	}{
		{"AddMetrics", func() error { return s.AddMetrics(metricsEpoch, []store.MetricsDelta{{Root: "/p", Calls: 1}}) }},
		{"Metrics", func() error { _, err := s.Metrics(); return err }},
		{"MetricsHourly", func() error { _, err := s.MetricsHourly(time.Time{}); return err }},
		{"DeleteMetrics", func() error { return s.DeleteMetrics([]string{"/p"}) }},
	}
	for _, c := range calls {
		if err := c.call(); !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", c.name, err)
		}
	}
}

// TestMetricsOlderFile: a file the previous build wrote (instances,
// snapshots and the catalog, no metrics) has no metrics read-only, and
// gains the metrics buckets on a writable Open, keeping its records and
// schema 1, so the previous build still opens it as its own.
func TestMetricsOlderFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		bs := make(map[string]*bolt.Bucket)
		for _, name := range []string{"meta", "instances", "snapshot_meta", "snapshot_data", "catalog", "catalog_folders"} {
			b, err := tx.CreateBucket([]byte(name))
			if err != nil {
				return err
			}
			bs[name] = b
		}
		return errors.Join(
			bs["meta"].Put([]byte("schema"), []byte("1")),
			bs["instances"].Put([]byte("/p"), []byte(`{"key":"/p","status":"ready"}`)),
			bs["catalog"].Put([]byte("/p"), []byte(`{"root":"/p","supported":true}`)),
		)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	r, err := store.Open(path, &store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if all, err := r.Metrics(); len(all) != 0 || err != nil {
		t.Errorf("read-only Metrics on an older file = %v, %v", all, err)
	}
	if all, err := r.MetricsHourly(time.Time{}); len(all) != 0 || err != nil {
		t.Errorf("read-only MetricsHourly on an older file = %v, %v", all, err)
	}
	r.Close()

	s, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Recovered() != "" {
		t.Fatalf("Recovered() = %q", s.Recovered())
	}
	if _, ok, err := s.Instance("/p"); !ok || err != nil {
		t.Errorf("the older file's instance: ok %v, err %v", ok, err)
	}
	if got := projectRoots(t, s); !reflect.DeepEqual(got, []string{"/p"}) {
		t.Errorf("the older file's catalog: %q", got)
	}
	addMetrics(t, s, metricsEpoch, toolDelta("/p", "t", 1, 0, time.Millisecond))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	if _, err := store.DataEnd(path); err != nil {
		t.Errorf("the structure check refuses the file: %v", err)
	}
	db, err = bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte("meta")).Get([]byte("schema")); string(v) != "1" {
			t.Errorf("meta/schema = %q, want 1: an older build would refuse the file", v)
		}
		for _, name := range []string{"metrics", "metrics_hourly"} {
			if tx.Bucket([]byte(name)) == nil {
				t.Errorf("no bucket %s", name)
			}
		}
		return nil
	})
	db.Close()

	s = openStore(t, path, nil)
	if got := totals(t, s); len(got) != 1 || got[0].Calls != 1 || got[0].Latency.Count() != 1 {
		t.Errorf("Metrics after reopening = %+v", got)
	}
}

// TestMetricsConcurrent: flushes, deletes and lists from several
// goroutines; no flush is lost, every list is sorted, and the race detector
// sees no race.
func TestMetricsConcurrent(t *testing.T) {
	s := newStore(t)
	const goroutines, flushes = 8, 20
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range flushes {
				at := metricsEpoch.Add(time.Duration(i) * 20 * time.Minute)
				err := s.AddMetrics(at, []store.MetricsDelta{
					toolDelta("/shared", "t", 1, g%2, time.Duration(g+1)*time.Millisecond),
					{Root: fmt.Sprintf("/own%d", g), Spawns: 1},
					{Root: "/gone", Calls: 1},
				})
				if err != nil {
					t.Error(err)
					return
				}
				if i%5 == 4 {
					if err := s.DeleteMetrics([]string{"/gone"}); err != nil {
						t.Error(err)
						return
					}
				}
				all, err := s.Metrics()
				if err != nil {
					t.Error(err)
					return
				}
				for j := 1; j < len(all); j++ {
					if all[j-1].Root+"\x00"+all[j-1].Tool >= all[j].Root+"\x00"+all[j].Tool {
						t.Errorf("Metrics not sorted at %d: %q", j, recordKeys(all[j-1:j+1]))
					}
				}
				hs, err := s.MetricsHourly(metricsEpoch)
				if err != nil {
					t.Error(err)
					return
				}
				for j := 1; j < len(hs); j++ {
					if hs[j].Hour.Before(hs[j-1].Hour) {
						t.Errorf("MetricsHourly not sorted at %d: %q", j, recordKeys(hs[j-1:j+1]))
					}
				}
			}
		})
	}
	wg.Wait()
	var shared store.MetricsRecord
	for _, r := range totals(t, s) {
		switch {
		case r.Root == "/shared":
			shared = r
		case strings.HasPrefix(r.Root, "/own") && r.Spawns != flushes:
			t.Errorf("%s: %d spawns, want %d", r.Root, r.Spawns, flushes)
		}
	}
	if shared.Calls != goroutines*flushes || shared.Errors != goroutines/2*flushes || shared.Latency.Count() != goroutines*flushes {
		t.Errorf("/shared totals = %+v", shared)
	}
	var calls int64
	for _, h := range hourly(t, s, time.Time{}) {
		if h.Root == "/shared" {
			calls += h.Calls
		}
	}
	if calls != goroutines*flushes {
		t.Errorf("/shared roll-ups hold %d calls, want %d", calls, goroutines*flushes)
	}
}
