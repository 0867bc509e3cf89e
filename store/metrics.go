package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// The bounds of the metrics. Past them AddMetrics drops records in the same
// transaction, so a router that runs for months, or sees thousands of
// projects and tools, cannot grow the file without end.
const (
	// MetricsKeep is how long hourly roll-ups are kept: AddMetrics deletes
	// the roll-ups of hours that ended MetricsKeep or longer before its time.
	MetricsKeep = 7 * 24 * time.Hour
	// MaxHourlyRecords is the most hourly roll-ups kept (about 6 MB); past
	// it AddMetrics drops the oldest hours first. It holds the whole week
	// for about 119 projects and tools busy every hour; more keep fewer
	// hours.
	MaxHourlyRecords = 20000
	// MaxMetricsRecords is the most all-time totals kept (one per project
	// and one per project and tool); past it AddMetrics drops the least
	// recently updated.
	MaxMetricsRecords = 4096
)

// NumBuckets is the number of buckets of a Histogram: one per bound in
// LatencyBounds and one for everything above the last bound.
const NumBuckets = 20

// LatencyBounds returns the inclusive upper bounds of a Histogram's buckets
// but the last, roughly log-spaced from 50µs to 60s. The bounds are part of
// the file's layout: changing them changes what stored counts mean, so it
// raises the schema version.
func LatencyBounds() [NumBuckets - 1]time.Duration {
	return [NumBuckets - 1]time.Duration{
		50 * time.Microsecond, 100 * time.Microsecond, 200 * time.Microsecond, 500 * time.Microsecond,
		time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond,
		10 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond,
		100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond,
		time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute,
	}
}

// Histogram counts latencies in fixed buckets: Counts[i] holds the samples
// at most LatencyBounds()[i] and above the bound before it (Counts[0] from
// 0), and the last bucket everything above a minute. Fixed buckets merge by
// adding, so deltas, totals and roll-ups are all histograms of the same
// shape. Additions saturate rather than wrap. The zero value is empty and
// ready to use.
type Histogram struct {
	Counts [NumBuckets]uint64 `json:"counts"`
	// SumMicros is the sum of the samples in microseconds, for the mean.
	SumMicros uint64 `json:"sum_us"`
}

// Observe counts one sample. A negative d counts as 0.
func (h *Histogram) Observe(d time.Duration) {
	d = max(d, 0)
	bounds := LatencyBounds()
	// The first bound at or above d; past all of them, the last bucket.
	i, _ := slices.BinarySearch(bounds[:], d)
	h.Counts[i] = addSat(h.Counts[i], 1)
	h.SumMicros = addSat(h.SumMicros, uint64(d.Microseconds()))
}

// Merge adds o's samples to h.
func (h *Histogram) Merge(o Histogram) {
	for i, c := range o.Counts {
		h.Counts[i] = addSat(h.Counts[i], c)
	}
	h.SumMicros = addSat(h.SumMicros, o.SumMicros)
}

// Count is the number of samples.
func (h Histogram) Count() uint64 {
	var n uint64
	for _, c := range h.Counts {
		n = addSat(n, c)
	}
	return n
}

// Mean is the mean of the samples, to the microsecond; 0 with no samples.
func (h Histogram) Mean() time.Duration {
	n := h.Count()
	if n == 0 {
		return 0
	}
	m := h.SumMicros / n
	if m > math.MaxInt64/uint64(time.Microsecond) {
		return math.MaxInt64
	}
	return time.Duration(m) * time.Microsecond
}

// Quantile estimates the q-th quantile (0 < q <= 1: 0.5 for the median,
// 0.99 for p99) by linear interpolation inside the bucket that holds it,
// as if the bucket's samples were spread evenly over it. It is 0 with no
// samples. A quantile in the last bucket reports the last bound: the
// histogram knows only that it is above. q above 1 counts as 1; q at or
// below 0 (and NaN) as 0, which gives the lower edge of the lowest bucket
// with samples. The result never decreases as q grows.
func (h Histogram) Quantile(q float64) time.Duration {
	// Floats: a sum of counts may pass 2^64, and the rank is fractional.
	var n float64
	for _, c := range h.Counts {
		n += float64(c)
	}
	if n == 0 {
		return 0
	}
	switch {
	case !(q > 0): // also NaN
		q = 0
	case q > 1:
		q = 1
	}
	rank := q * n
	bounds := LatencyBounds()
	var below float64
	last := 0
	for i, c := range h.Counts {
		if c == 0 {
			continue
		}
		last = i
		if below+float64(c) >= rank {
			return bucketValue(&bounds, i, (rank-below)/float64(c))
		}
		below += float64(c)
	}
	// Only rounding gets here: the rank lies past the last sample.
	return bucketValue(&bounds, last, 1)
}

// bucketValue is the point frac of the way through bucket i.
func bucketValue(bounds *[NumBuckets - 1]time.Duration, i int, frac float64) time.Duration {
	if i >= len(bounds) {
		return bounds[len(bounds)-1]
	}
	var lo time.Duration
	if i > 0 {
		lo = bounds[i-1]
	}
	frac = min(max(frac, 0), 1)
	// Rounded, not truncated: 0.3 of 300ms is 90ms, not 89.999999ms.
	return lo + time.Duration(math.Round(frac*float64(bounds[i]-lo)))
}

func addSat(a, b uint64) uint64 {
	if s := a + b; s >= a {
		return s
	}
	return math.MaxUint64
}

// MetricsDelta is what happened to one project (Root) and, when Tool is not
// "", one tool of it, since the last flush. The router collects deltas in
// memory and hands them to AddMetrics every few seconds and at shutdown.
type MetricsDelta struct {
	// Root is the cleaned absolute project root, as the registry and the
	// catalog key it. It must not be "".
	Root string
	// Tool is "" for the instance's own events (spawns, restarts, crashes,
	// idle stops, heartbeats missed) and a tool's name for its calls.
	// Neither Root nor Tool may hold a NUL byte: it separates them in keys.
	Tool string

	Calls, Errors int64

	Spawns, Restarts, Crashes, IdleStops, MissedHeartbeats int64

	Latency Histogram
}

// empty reports whether d adds nothing.
func (d MetricsDelta) empty() bool {
	return d.Calls == 0 && d.Errors == 0 && d.Spawns == 0 && d.Restarts == 0 && d.Crashes == 0 &&
		d.IdleStops == 0 && d.MissedHeartbeats == 0 && d.Latency == Histogram{}
}

func (d MetricsDelta) check() error {
	switch {
	case d.Root == "":
		return errors.New("empty root")
	case strings.IndexByte(d.Root, 0) >= 0:
		return fmt.Errorf("root %q holds a NUL byte", d.Root)
	case strings.IndexByte(d.Tool, 0) >= 0:
		return fmt.Errorf("tool %q of %s holds a NUL byte", d.Tool, d.Root)
	case d.Calls < 0 || d.Errors < 0 || d.Spawns < 0 || d.Restarts < 0 || d.Crashes < 0 ||
		d.IdleStops < 0 || d.MissedHeartbeats < 0:
		return fmt.Errorf("a negative count for %s tool %q", d.Root, d.Tool)
	}
	return nil
}

// MetricsRecord is a stored total or hourly roll-up of one project (Tool
// "") or one tool of a project. Totals are stored as JSON in the metrics
// bucket under Root+"\x00"+Tool; roll-ups in metrics_hourly under the hour
// (RFC 3339, UTC), "\x00", Root, "\x00", Tool, so that both sort as their
// readers return them. The key is the truth for Root, Tool and Hour; the
// record's copies are for people reading the file. Unknown fields are
// ignored on reading; times come back in UTC.
type MetricsRecord struct {
	Root string `json:"root"`
	Tool string `json:"tool,omitempty"`
	// Hour is zero for the all-time totals; for a roll-up, the UTC hour it
	// covers.
	Hour time.Time `json:"hour,omitzero"`

	Calls            int64 `json:"calls,omitempty"`
	Errors           int64 `json:"errors,omitempty"`
	Spawns           int64 `json:"spawns,omitempty"`
	Restarts         int64 `json:"restarts,omitempty"`
	Crashes          int64 `json:"crashes,omitempty"`
	IdleStops        int64 `json:"idle_stops,omitempty"`
	MissedHeartbeats int64 `json:"missed_heartbeats,omitempty"`

	Latency Histogram `json:"latency"`

	// Since is, for totals, when counting began: the time of the first
	// AddMetrics that made the record. Zero for roll-ups.
	Since time.Time `json:"since,omitzero"`
	// Updated is the time of the last AddMetrics that changed the record:
	// the clock MaxMetricsRecords evicts by.
	Updated time.Time `json:"updated,omitzero"`
}

func (r *MetricsRecord) add(d MetricsDelta) {
	r.Calls += d.Calls
	r.Errors += d.Errors
	r.Spawns += d.Spawns
	r.Restarts += d.Restarts
	r.Crashes += d.Crashes
	r.IdleStops += d.IdleStops
	r.MissedHeartbeats += d.MissedHeartbeats
	r.Latency.Merge(d.Latency)
}

// AddMetrics adds deltas, in one transaction, into the all-time totals of
// their Root and Tool and into their roll-up of the UTC hour holding at.
// Several deltas of one Root and Tool add up. In the same transaction it
// deletes the roll-ups of hours that ended MetricsKeep or longer before
// at, keeps the roll-ups within MaxHourlyRecords (dropping the oldest
// hours first) and the totals within MaxMetricsRecords (dropping the least
// recently updated first), those just added last in both.
//
// Deltas that are all zero are skipped. A delta with an empty Root, a NUL
// byte in Root or Tool, or a negative count is an error, and so is a zero
// at or one past the year 9999 (UTC); then nothing is written. A stored
// record that does not decode is replaced by the delta (logged). Any error
// leaves the store unchanged, so a caller that keeps its deltas after a
// failed flush (a full disk) and sends them again loses nothing and counts
// nothing twice.
func (s *Store) AddMetrics(at time.Time, deltas []MetricsDelta) error {
	at = at.UTC()
	if y := at.Year(); at.IsZero() || y < 1 || y > 9999 {
		// The hour key's four-digit year keeps the roll-ups in time order.
		return fmt.Errorf("adding metrics: time %v is out of range", at)
	}
	todo := make([]MetricsDelta, 0, len(deltas))
	for _, d := range deltas {
		if d.empty() {
			continue
		}
		if err := d.check(); err != nil {
			return fmt.Errorf("adding metrics: %w", err)
		}
		todo = append(todo, d)
	}
	if len(todo) == 0 {
		return nil
	}
	hour := at.Truncate(time.Hour)
	hourPrefix := hourKey(hour)
	var droppedTotals, droppedHours int
	var skipped []string
	err := s.update(func(tx *bolt.Tx) error {
		droppedTotals, droppedHours, skipped = 0, 0, nil
		totals, hourly := metricsTotals(tx), metricsHourly(tx)
		newTotals, newHours := make(map[string]bool), make(map[string]bool)
		for _, d := range todo {
			tk := totalsKey(d.Root, d.Tool)
			t, isNew := s.loadMetrics(totals, bucketMetrics, tk, d.Root, d.Tool)
			if isNew {
				newTotals[string(tk)] = true
			}
			if t.Since.IsZero() { // new, or replacing a record that did not decode
				t.Since = at
			}
			t.add(d)
			t.Updated = at
			hk := hourlyKey(hourPrefix, tk)
			h, isNew := s.loadMetrics(hourly, bucketMetricsHourly, hk, d.Root, d.Tool)
			if isNew {
				newHours[string(hk)] = true
			}
			h.Hour = hour
			h.add(d)
			h.Updated = at
			for _, p := range []struct {
				b   *bolt.Bucket
				key []byte
				r   MetricsRecord
			}{{totals, tk, t}, {hourly, hk, h}} {
				err := putMetrics(p.b, p.key, p.r)
				if errors.Is(err, berrors.ErrIncompatibleValue) {
					// A nested bucket under the key is not a record of ours
					// (no build makes one): leave it, and lose this part of
					// the delta rather than every flush from now on.
					skipped = append(skipped, fmt.Sprintf("%q", p.key))
					continue
				}
				if err != nil {
					return err
				}
			}
		}
		if err := pruneHours(hourly, hourKey(at.Add(-MetricsKeep).Truncate(time.Hour))); err != nil {
			return err
		}
		// Counting the records costs a walk of the bucket: do it only when
		// this call made new ones, which for roll-ups is once an hour.
		var err error
		if len(newHours) > 0 {
			droppedHours, err = trimHours(hourly, s.maxHourly, newHours)
			if err != nil {
				return err
			}
		}
		if len(newTotals) > 0 {
			droppedTotals, err = s.trim(totals, s.maxTotals, newTotals, func(k string, v []byte) time.Time {
				var r MetricsRecord
				if json.Unmarshal(v, &r) != nil {
					return time.Time{}
				}
				return r.Updated
			})
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("adding metrics: %w", err)
	}
	if len(skipped) > 0 {
		s.log.Warn("store: a nested bucket stands where a metrics record belongs; skipped its deltas", "keys", skipped)
	}
	if droppedHours > 0 {
		s.log.Warn("store: too many hourly metrics; dropped the oldest hours",
			"dropped", droppedHours, "max", s.maxHourly)
	}
	if droppedTotals > 0 {
		s.log.Warn("store: too many metrics totals; dropped the least recently updated",
			"dropped", droppedTotals, "max", s.maxTotals)
	}
	return nil
}

// loadMetrics reads the record under key in b; isNew is true when there was
// none. A record that does not decode is logged and starts again from zero.
func (s *Store) loadMetrics(b *bolt.Bucket, bucket string, key []byte, root, tool string) (r MetricsRecord, isNew bool) {
	v := b.Get(key)
	if v == nil {
		return MetricsRecord{Root: root, Tool: tool}, true
	}
	if err := json.Unmarshal(v, &r); err != nil {
		s.log.Warn("store: replacing a metrics record that does not decode",
			"bucket", bucket, "root", root, "tool", tool, "err", err)
		return MetricsRecord{Root: root, Tool: tool}, false
	}
	r.Root, r.Tool = root, tool
	return r, false
}

func putMetrics(b *bolt.Bucket, key []byte, r MetricsRecord) error {
	r.Hour, r.Since, r.Updated = r.Hour.UTC(), r.Since.UTC(), r.Updated.UTC()
	v, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encoding metrics of %s tool %q: %w", r.Root, r.Tool, err)
	}
	if err := b.Put(key, v); err != nil {
		return fmt.Errorf("%s tool %q: %w", r.Root, r.Tool, err)
	}
	return nil
}

// pruneHours deletes the roll-ups keyed before cutoff: older hours, and keys
// not ours that sort before them.
func pruneHours(b *bolt.Bucket, cutoff []byte) error {
	var old [][]byte
	c := b.Cursor()
	for k, v := c.First(); k != nil && bytes.Compare(k, cutoff) < 0; k, v = c.Next() {
		if v != nil { // a nested bucket is not a record of ours: leave it
			old = append(old, bytes.Clone(k))
		}
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("deleting an old roll-up: %w", err)
		}
	}
	return nil
}

// trimHours keeps at most limit roll-ups in b, dropping keys not ours first,
// then the oldest hours, and those in keep only after all others; it returns
// how many it dropped. It is trim for keys that sort by their clock, which
// spares it decoding, sorting and copying twenty thousand of them.
func trimHours(b *bolt.Bucket, limit int, keep map[string]bool) (int, error) {
	n := 0
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v != nil {
			n++
		}
	}
	if n <= limit {
		return 0, nil
	}
	excess := n - limit
	var bad, old, kept [][]byte
	for k, v := c.First(); k != nil; k, v = c.Next() {
		switch _, _, _, ok := splitHourlyKey(k); {
		case v == nil:
		case !ok:
			bad = append(bad, bytes.Clone(k))
		case keep[string(k)]:
			if len(kept) < excess {
				kept = append(kept, bytes.Clone(k))
			}
		case len(old) < excess:
			old = append(old, bytes.Clone(k))
		}
	}
	drop := append(append(bad, old...), kept...)[:excess]
	for _, k := range drop {
		if err := b.Delete(k); err != nil {
			return 0, fmt.Errorf("dropping a roll-up: %w", err)
		}
	}
	return len(drop), nil
}

// Metrics returns the all-time totals, sorted by Root then Tool. Records
// that do not decode are logged and left out; the next AddMetrics of their
// Root and Tool replaces them.
func (s *Store) Metrics() ([]MetricsRecord, error) {
	var all []MetricsRecord
	err := s.view(func(tx *bolt.Tx) error {
		b := metricsTotals(tx)
		if b == nil {
			return nil // a read-only Store on a file no metrics build has set up
		}
		// Key order is Root then Tool order: a root holds no NUL, so a
		// shorter root sorts before any longer one it begins.
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				return nil
			}
			root, tool, ok := parseTotalsKey(k)
			if !ok {
				s.log.Warn("store: skipping a metrics key that is not ours", "key", fmt.Sprintf("%q", k))
				return nil
			}
			if r, ok := s.decodeMetrics(v, root, tool); ok {
				r.Hour = time.Time{}
				all = append(all, r)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("listing metrics: %w", err)
	}
	return all, nil
}

// MetricsHourly returns the roll-ups of hours at or after since, sorted by
// Hour, Root and Tool. Records that do not decode are logged and left out.
func (s *Store) MetricsHourly(since time.Time) ([]MetricsRecord, error) {
	var all []MetricsRecord
	err := s.view(func(tx *bolt.Tx) error {
		b := metricsHourly(tx)
		if b == nil {
			return nil
		}
		// Key order is Hour, Root, Tool order (the hour is fixed width).
		c := b.Cursor()
		var k, v []byte
		if y := since.UTC().Year(); y >= 1 && y <= 9999 {
			k, v = c.Seek(hourKey(since.UTC().Truncate(time.Hour)))
		} else {
			k, v = c.First()
		}
		for ; k != nil; k, v = c.Next() {
			if v == nil {
				continue
			}
			hour, root, tool, ok := parseHourlyKey(k)
			if !ok {
				s.log.Warn("store: skipping an hourly metrics key that is not ours", "key", fmt.Sprintf("%q", k))
				continue
			}
			if hour.Before(since) {
				continue
			}
			if r, ok := s.decodeMetrics(v, root, tool); ok {
				r.Hour, r.Since = hour, time.Time{}
				all = append(all, r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing hourly metrics: %w", err)
	}
	return all, nil
}

// DeleteMetrics removes the totals and roll-ups of roots (projects gone), in
// one transaction; a root without metrics is not an error.
func (s *Store) DeleteMetrics(roots []string) error {
	if len(roots) == 0 {
		return nil
	}
	gone := make(map[string]bool, len(roots))
	for _, r := range roots {
		gone[r] = true
	}
	err := s.update(func(tx *bolt.Tx) error {
		var keys [][]byte
		totals := metricsTotals(tx)
		c := totals.Cursor()
		for _, root := range roots {
			if root == "" || strings.IndexByte(root, 0) >= 0 {
				continue // no record has such a root
			}
			prefix := append([]byte(root), 0)
			for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				if v != nil {
					keys = append(keys, bytes.Clone(k))
				}
			}
		}
		for _, k := range keys {
			if err := totals.Delete(k); err != nil {
				return err
			}
		}
		// Roll-ups are keyed by hour first: walk them all. It is rare.
		keys = keys[:0]
		hourly := metricsHourly(tx)
		c = hourly.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if _, root, _, ok := splitHourlyKey(k); ok && v != nil && gone[string(root)] {
				keys = append(keys, bytes.Clone(k))
			}
		}
		for _, k := range keys {
			if err := hourly.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("deleting metrics: %w", err)
	}
	return nil
}

// decodeMetrics decodes a record whose key names root and tool; ok is false
// when it does not decode (logged).
func (s *Store) decodeMetrics(v []byte, root, tool string) (r MetricsRecord, ok bool) {
	if err := json.Unmarshal(v, &r); err != nil {
		s.log.Warn("store: skipping a metrics record that does not decode", "root", root, "tool", tool, "err", err)
		return MetricsRecord{}, false
	}
	r.Root, r.Tool = root, tool
	return r, true
}

// hourKeyLen is the length of an hour in RFC 3339 at UTC,
// 2006-01-02T15:00:00Z.
const hourKeyLen = len("2006-01-02T15:00:00Z")

func hourKey(hour time.Time) []byte {
	return hour.UTC().AppendFormat(make([]byte, 0, hourKeyLen), time.RFC3339)
}

// hourlyKey is hour+"\x00"+root+"\x00"+tool, given the hour's key and the
// totals key.
func hourlyKey(hour, totals []byte) []byte {
	k := make([]byte, 0, len(hour)+1+len(totals))
	return append(append(append(k, hour...), 0), totals...)
}

func totalsKey(root, tool string) []byte {
	k := make([]byte, 0, len(root)+1+len(tool))
	return append(append(append(k, root...), 0), tool...)
}

// parseTotalsKey splits root+"\x00"+tool.
func parseTotalsKey(k []byte) (root, tool string, ok bool) {
	r, t, ok := bytes.Cut(k, []byte{0})
	if !ok || len(r) == 0 {
		return "", "", false
	}
	return string(r), string(t), true
}

// parseHourlyKey splits hour+"\x00"+root+"\x00"+tool; ok is false for a key
// not ours.
func parseHourlyKey(k []byte) (hour time.Time, root, tool string, ok bool) {
	hour, r, t, ok := splitHourlyKey(k)
	if !ok {
		return time.Time{}, "", "", false
	}
	return hour, string(r), string(t), true
}

// splitHourlyKey is parseHourlyKey without allocating: root and tool are
// slices of k.
func splitHourlyKey(k []byte) (hour time.Time, root, tool []byte, ok bool) {
	if len(k) <= hourKeyLen || k[hourKeyLen] != 0 {
		return time.Time{}, nil, nil, false
	}
	if hour, ok = parseHour(k[:hourKeyLen]); !ok {
		return time.Time{}, nil, nil, false
	}
	root, tool, ok = bytes.Cut(k[hourKeyLen+1:], []byte{0})
	if !ok || len(root) == 0 {
		return time.Time{}, nil, nil, false
	}
	return hour, root, tool, true
}

// parseHour reads an hour as hourKey writes it, 2026-03-04T10:00:00Z, and
// nothing else (time.Parse would take any minute, and allocate).
func parseHour(b []byte) (time.Time, bool) {
	const layout = "dddd-dd-ddTdd:00:00Z"
	if len(b) != len(layout) {
		return time.Time{}, false
	}
	for i := range len(layout) {
		if layout[i] == 'd' && (b[i] < '0' || b[i] > '9') || layout[i] != 'd' && b[i] != layout[i] {
			return time.Time{}, false
		}
	}
	num := func(from, to int) int {
		n := 0
		for _, c := range b[from:to] {
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, mo, d, h := num(0, 4), num(5, 7), num(8, 10), num(11, 13)
	t := time.Date(y, time.Month(mo), d, h, 0, 0, 0, time.UTC)
	// time.Date normalizes: February 30th or hour 24 come back changed.
	if t.Year() != y || int(t.Month()) != mo || t.Day() != d || t.Hour() != h {
		return time.Time{}, false
	}
	return t, true
}

// metricsTotals and metricsHourly are the metrics buckets; Open creates them
// on a writable Store, so they are nil only in a read-only Store on a file
// no build with metrics has set up.
func metricsTotals(tx *bolt.Tx) *bolt.Bucket { return tx.Bucket([]byte(bucketMetrics)) }
func metricsHourly(tx *bolt.Tx) *bolt.Bucket { return tx.Bucket([]byte(bucketMetricsHourly)) }
