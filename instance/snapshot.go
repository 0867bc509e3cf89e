package instance

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

// The instance's state survives it as a snapshot the router keeps: the
// project index, encoded by index.Snapshot. The exchange runs on the control
// connection, after the readiness line, in lines and frames:
//
//	router -> instance   "snapshot\n"         send me your state if I lack it
//	instance -> router   "reply <n>\n" + n bytes   the answer: a snapshot
//	                     "current\n"               the answer: you have the latest
//	                     "none\n"                  the answer: no snapshot could be made
//	                     "push <n>\n" + n bytes    unasked, after the index changed
//	                     "checked <json>\n"        the StartReport, once a restored
//	                                               index was checked against the files
//
// Pushes are debounced (Config.SnapshotDelay) so a burst of edits costs one
// encoding. Lines the instance does not know are ignored.

// DefaultSnapshotDelay is how long the index must stay unchanged before the
// instance pushes a snapshot of it.
const DefaultSnapshotDelay = 2 * time.Second

// MaxSnapshot bounds a snapshot frame, both ways.
const MaxSnapshot = 512 << 20

// StartReport says how the instance's index came to be; it follows "ready"
// on the control connection and debug_instances shows it.
type StartReport struct {
	Index         string  `json:"index"`                    // "snapshot" (restored), "scan" (built from the files), or "adopted" (by a later router; not known)
	Files         int     `json:"files"`                    // files indexed
	Checked       bool    `json:"checked"`                  // a restored index has been checked against the files (by the first call)
	Reread        int     `json:"reread"`                   // after a restore: files the check read again because they changed or are new
	TookMS        float64 `json:"took_ms"`                  // from the start of New to the index being ready (after a restore: checked by the first call)
	SnapshotError string  `json:"snapshot_error,omitempty"` // why the snapshot handed over was not used
}

// buildID names this build for snapshots: one build never restores another
// build's snapshot, whose parsers may have read the files differently.
var buildID = sync.OnceValue(func() string {
	id := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		var rev, at, dirty string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "+dirty"
				}
			}
		}
		id = bi.Main.Version + " " + rev + dirty + " " + at + " " + bi.GoVersion
		if rev == "" || dirty != "" {
			// A development build: the commit does not name the code, the
			// executable file does.
			if exe, err := os.Executable(); err == nil {
				if st, err := os.Stat(exe); err == nil {
					id += fmt.Sprintf(" exe %d %d", st.Size(), st.ModTime().UnixNano())
				}
			}
		}
	}
	return id
})

// control is the instance's end of the control connection once it is ready:
// writes from the pusher and from replies never interleave.
type control struct {
	mu sync.Mutex
	w  io.Writer
}

func (c *control) line(s string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, err := io.WriteString(c.w, s)
	return err
}

// snapshotIfNew encodes the index when the router lacks it. gen is the
// generation encoded; ok is false when the router has it already (or there
// is no index).
func (s *Server) snapshotIfNew() (data []byte, gen uint64, ok bool, err error) {
	p := s.index
	p.mu.Lock()
	ix, gen, sent := p.ix, p.gen, p.sent
	p.mu.Unlock()
	if ix == nil || gen == sent {
		return nil, gen, false, nil
	}
	start := time.Now()
	data, err = ix.SnapshotWithState(buildID(), s.eng.state())
	if err != nil {
		return nil, gen, false, err
	}
	s.log.Debug("snapshot encoded", "bytes", len(data), "files", len(ix.Files), "took", time.Since(start))
	return data, gen, true, nil
}

// markSent records that the router holds the snapshot of generation gen.
func (s *Server) markSent(gen uint64) {
	p := s.index
	p.mu.Lock()
	if gen > p.sent {
		p.sent = gen
	}
	p.mu.Unlock()
}

// send answers one request or makes one push. The snapshot is encoded
// without holding the control connection (encoding takes milliseconds, and
// the first call after a restore reports on the connection); the connection
// is then held from re-checking the generation to marking it sent, so a
// request read just after a push sees that push counted.
func (s *Server) send(c *control, kind string) error {
	data, gen, ok, err := s.snapshotIfNew()
	if err != nil {
		s.log.Warn("encoding snapshot", "err", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if ok && s.sentAtLeast(gen) {
		ok = false // another send delivered this generation meanwhile
	}
	if !ok {
		if kind == "reply" {
			answer := "current\n"
			if err != nil {
				answer = "none\n"
			}
			_, err := io.WriteString(c.w, answer)
			return err
		}
		return nil
	}
	if _, err := fmt.Fprintf(c.w, "%s %d\n", kind, len(data)); err != nil {
		return err
	}
	if _, err := c.w.Write(data); err != nil {
		return err
	}
	s.markSent(gen)
	return nil
}

// sentAtLeast reports whether the router holds generation gen or a later one.
func (s *Server) sentAtLeast(gen uint64) bool {
	p := s.index
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sent >= gen
}

// handleControl answers one line from the router.
func (s *Server) handleControl(c *control, line string) {
	if strings.TrimSpace(line) == "snapshot" {
		if err := s.send(c, "reply"); err != nil {
			s.log.Warn("sending snapshot to the router", "err", err)
		}
	}
}

// pushSnapshots sends a snapshot each time the index has changed and then
// stayed unchanged for delay, until done closes.
func (s *Server) pushSnapshots(c *control, delay time.Duration, done <-chan struct{}) {
	for {
		select {
		case <-done:
			return
		case <-s.index.changed:
		}
		// Debounce: wait until no change came for delay, but not longer
		// than ten delays in all, so steady edits still get saved.
		limit := time.NewTimer(10 * delay)
	quiet:
		for {
			t := time.NewTimer(delay)
			select {
			case <-done:
				t.Stop()
				limit.Stop()
				return
			case <-s.index.changed:
				t.Stop()
			case <-t.C:
				break quiet
			case <-limit.C:
				t.Stop()
				break quiet
			}
		}
		limit.Stop()
		if err := s.send(c, "push"); err != nil {
			return
		}
	}
}
