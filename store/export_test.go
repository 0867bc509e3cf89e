package store

import (
	"io"
	"os"
	"time"
)

// SchemaVersion is the schema this build writes.
const SchemaVersion = schemaVersion

// DataEnd runs the structure check on the file at path and returns the
// length the file needs (its pages below the high water mark): cutting the
// file there or later loses nothing.
func DataEnd(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return 0, err
	}
	r, err := checkFile(f, info.Size())
	return int64(r.needed), err
}

// SetClock replaces the snapshot LRU clock of s; call it before using s.
func SetClock(s *Store, now func() time.Time) { s.now = now }

// SetMetricsCaps replaces MaxHourlyRecords and MaxMetricsRecords for s, so
// a test reaches them without writing thousands of records; call it before
// using s.
func SetMetricsCaps(s *Store, hourly, totals int) { s.maxHourly, s.maxTotals = hourly, totals }

// MetricsCaps returns the caps s keeps the metrics within.
func MetricsCaps(s *Store) (hourly, totals int) { return s.maxHourly, s.maxTotals }

// CheckReads runs the structure check on the file at path and returns how
// many bytes of the file it read.
func CheckReads(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return 0, err
	}
	r := &countingReader{r: f}
	_, err = checkFile(r, info.Size())
	return r.n, err
}

type countingReader struct {
	r io.ReaderAt
	n int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n += int64(n)
	return n, err
}
