package instance

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/instance/engine"
	"github.com/godot-mcp-router/godot-mcp-router/instance/index"
)

// Bounds of what the engine tools keep.
const (
	maxBuildRecords = 20 // the latest builds, kept in the snapshot
	maxRuns         = 16 // runs kept (finished ones go first)
	maxRunning      = 4  // runs at once
)

// engineState is what the engine tools share: the binaries found (each
// asked its version once), the game runs, and the builds. Builds outlive the
// instance in its snapshot; runs end with it.
type engineState struct {
	getenv func(string) string
	finder engine.Finder

	mu        sync.Mutex // guards the fields below
	runs      []*gameRun // oldest first
	nextRun   int
	builds    []*BuildRecord // oldest first; at most maxBuildRecords
	nextBuild int
	build     *buildJob // the build running, or nil
	closed    bool

	tellMu    sync.Mutex         // orders reports: one is made and sent at a time
	changed   func()             // the build records changed (a new snapshot is due)
	report    func(EngineReport) // the engine's processes changed; nil: nobody listens
	adopted   func(EngineReport) // the same, to a router that adopted the instance; nil: none (guarded by mu)
	adoptions int                // counts adoptions (guarded by mu)
	reportSeq uint64             // the Seq of the last report (guarded by mu)
	wg        sync.WaitGroup     // the goroutines that follow processes
}

// EngineReport tells the router what engine processes an instance runs: an
// instance with a game or a build running is busy (not stopped when idle),
// and the groups are killed by the router if the instance dies without
// doing it.
type EngineReport struct {
	Runs   int   `json:"runs"`
	Builds int   `json:"builds"`
	Groups []int `json:"groups,omitempty"` // process group ids
	// Seq grows with each report: a router that hears two ways (an
	// adopt answer and notifications) keeps the newest.
	Seq uint64 `json:"seq"`
}

func newEngineState(getenv func(string) string) *engineState {
	if getenv == nil {
		getenv = os.Getenv
	}
	return &engineState{getenv: getenv, finder: engine.Finder{Getenv: getenv}, nextRun: 1, nextBuild: 1}
}

// binary finds the engine that serves the project.
func (s *Server) engineBinary(ctx context.Context) (engine.Binary, []engine.Binary, error) {
	bins := s.eng.finder.Find(ctx, s.root)
	b, err := engine.Choose(bins, s.project.EngineMajor, s.project.Engine)
	return b, bins, err
}

// reportLocked builds the next report; e.mu is held, and e.tellMu (so
// reports are sent in the order of their Seq).
func (e *engineState) reportLocked() EngineReport {
	e.reportSeq++
	r := EngineReport{Seq: e.reportSeq}
	for _, run := range e.runs {
		select {
		case <-run.proc.Done():
		default:
			r.Runs++
			r.Groups = append(r.Groups, run.proc.Pid)
		}
	}
	if e.build != nil && e.build.proc != nil {
		r.Builds = 1
		r.Groups = append(r.Groups, e.build.proc.Pid)
	}
	return r
}

// tell sends the report, outside e.mu.
func (e *engineState) tell() {
	e.tellMu.Lock()
	defer e.tellMu.Unlock()
	e.mu.Lock()
	rep, f, g := e.reportLocked(), e.report, e.adopted
	e.mu.Unlock()
	if f != nil {
		f(rep)
	}
	if g != nil {
		g(rep)
	}
}

// follow runs f on a goroutine that close waits for.
func (e *engineState) follow(f func()) { e.wg.Go(f) }

// close stops every run and build (their whole process groups) and waits
// for them, bounded: the instance is stopping.
func (e *engineState) close() {
	e.mu.Lock()
	e.closed = true
	var procs []*engine.Process
	for _, r := range e.runs {
		procs = append(procs, r.proc)
	}
	if e.build != nil && e.build.proc != nil {
		e.build.cancelled = "the instance stopped"
		procs = append(procs, e.build.proc)
	}
	e.mu.Unlock()
	for _, p := range procs {
		p.Stop("the instance stopped")
	}
	deadline := time.After(engine.DefaultStopGrace + 3*time.Second)
	for _, p := range procs {
		select {
		case <-p.Done():
		case <-deadline:
			p.Kill()
		}
	}
	done := make(chan struct{})
	go func() { e.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
}

// engineStateVersion is the version of the encoded state.
const engineStateVersion = 1

type savedState struct {
	Version   int            `json:"version"`
	NextBuild int            `json:"next_build"`
	Builds    []*BuildRecord `json:"builds"`
}

// state encodes what survives the instance: the build records.
func (e *engineState) state() []byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.builds) == 0 {
		return nil
	}
	st := savedState{Version: engineStateVersion, NextBuild: e.nextBuild, Builds: make([]*BuildRecord, len(e.builds))}
	for i, b := range e.builds {
		c := *b
		st.Builds[i] = &c
	}
	for {
		data, err := json.Marshal(st)
		if err != nil {
			return nil
		}
		// Records are small (bounded issues and tail); this holds the
		// snapshot's bound whatever they hold.
		if len(data) <= index.MaxSnapshotState || len(st.Builds) == 0 {
			return data
		}
		st.Builds = st.Builds[1:]
	}
}

// restore takes the build records of an earlier instance of the project.
// A build that was running then was ended with that instance.
func (e *engineState) restore(data []byte) error {
	if len(data) == 0 {
		return nil
	}
	var st savedState
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("reading the saved build records: %w", err)
	}
	if st.Version != engineStateVersion {
		return fmt.Errorf("saved build records of version %d, this program reads %d", st.Version, engineStateVersion)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, b := range st.Builds {
		if b == nil || b.ID == "" {
			continue
		}
		if b.State == BuildRunning {
			b.State = BuildInterrupted
			b.Error = "the instance running it stopped before it ended"
		}
		e.builds = append(e.builds, b)
	}
	if len(e.builds) > maxBuildRecords {
		e.builds = slices.Clone(e.builds[len(e.builds)-maxBuildRecords:])
	}
	e.nextBuild = max(e.nextBuild, st.NextBuild)
	return nil
}
