//go:build unix

package engine

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// The ways a process ends (Process.State).
const (
	StateRunning   = "running"
	StateExited    = "exited"     // it ended by itself; see ExitCode
	StateStopped   = "stopped"    // Stop ended it
	StateTimeLimit = "time_limit" // it ran past its time limit and was stopped
	StateFailed    = "failed"     // it could not be started
)

// DefaultStopGrace is how long a stopped process group has between SIGTERM
// and SIGKILL.
const DefaultStopGrace = 2 * time.Second

// Command is how to start the engine.
type Command struct {
	Path      string
	Args      []string // without the program name
	Dir       string
	Env       []string      // nil: the instance's environment
	TimeLimit time.Duration // 0: none
	StopGrace time.Duration // 0: DefaultStopGrace
	Output    *Output       // where its output goes; nil: a new one with the default bounds
}

// Process is one engine process started by Start, in a process group of its
// own so that stopping it stops whatever it started too.
type Process struct {
	Output *Output
	Pid    int
	Start  time.Time

	grace time.Duration
	done  chan struct{} // closed when the process has ended and its output is read

	mu       sync.Mutex // guards the fields below
	state    string
	reason   string // why it was stopped, when it was
	exitCode int
	signal   string
	ended    time.Time
	stopping bool
	leaderUp bool // the leader has not been reaped yet, so its group id is still its own
}

// Start starts the engine. Its stdout and stderr share one pipe, so the
// order of lines is the order the engine wrote them in. The engine dies
// with the instance even when the instance is killed (PR_SET_PDEATHSIG on
// Linux), and its whole group is killed when it is stopped, when it ends
// (nothing it started outlives it) and when its time limit passes.
func Start(c Command) (*Process, error) {
	if c.Output == nil {
		c.Output = NewOutput(0, 0)
	}
	if c.StopGrace <= 0 {
		c.StopGrace = DefaultStopGrace
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("starting the engine: %w", err)
	}
	cmd := exec.Command(c.Path, c.Args...)
	cmd.Dir = c.Dir
	cmd.Env = c.Env
	cmd.Stdin = nil // /dev/null: a game that reads stdin must not wait on ours
	cmd.Stdout = w
	cmd.Stderr = w
	cmd.SysProcAttr = sysProcAttr()
	p := &Process{Output: c.Output, grace: c.StopGrace, done: make(chan struct{}), state: StateRunning}

	started := make(chan error, 1)
	go func() {
		// The thread that starts the child must outlive it for the
		// parent-death signal to mean "the instance died": this
		// goroutine keeps its thread until the child has ended.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		err := cmd.Start()
		w.Close()
		if err != nil {
			r.Close()
			started <- err
			return
		}
		p.Pid = cmd.Process.Pid
		p.Start = time.Now()
		p.leaderUp = true
		started <- nil
		p.wait(cmd, r, c.TimeLimit)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("starting %s: %w", c.Path, err)
	}
	return p, nil
}

// wait reads the output, enforces the time limit, and reaps the process.
func (p *Process) wait(cmd *exec.Cmd, r *os.File, limit time.Duration) {
	read := make(chan struct{})
	go func() {
		defer close(read)
		io.Copy(p.Output, r)
	}()
	var timer *time.Timer
	if limit > 0 {
		timer = time.AfterFunc(limit, func() { p.stop(StateTimeLimit, fmt.Sprintf("ran past its time limit of %v", limit)) })
	}
	// Wait for the leader to end without reaping it, so its pid still
	// names its group: then kill what is left of the group.
	var err error
	unreaped := waitExited(p.Pid)
	if !unreaped {
		err = cmd.Wait()
	}
	if timer != nil {
		timer.Stop()
	}
	p.mu.Lock()
	syscall.Kill(-p.Pid, syscall.SIGKILL)
	p.leaderUp = false
	p.mu.Unlock()
	if unreaped {
		err = cmd.Wait()
	}
	// The group is gone, so nobody else holds the pipe: the reader ends.
	// Bounded anyway (a process that escaped the group with setsid).
	select {
	case <-read:
	case <-time.After(2 * time.Second):
		r.Close()
		<-read
	}
	r.Close()
	p.Output.Close()

	p.mu.Lock()
	p.ended = time.Now()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			p.signal = ws.Signal().String()
			p.exitCode = -1
		} else {
			p.exitCode = exit.ExitCode()
		}
	}
	if p.state == StateRunning {
		p.state = StateExited
	}
	p.mu.Unlock()
	close(p.done)
}

// Stop ends the process and its group: SIGTERM, then SIGKILL after the
// grace period. It returns at once; Done closes when it has ended. Safe to
// call more than once and after the process ended.
func (p *Process) Stop(reason string) { p.stop(StateStopped, reason) }

func (p *Process) stop(state, reason string) {
	p.mu.Lock()
	if p.stopping || !p.leaderUp {
		p.mu.Unlock()
		return
	}
	p.stopping = true
	p.state = state
	p.reason = reason
	syscall.Kill(-p.Pid, syscall.SIGTERM)
	p.mu.Unlock()
	go func() {
		select {
		case <-p.done:
		case <-time.After(p.grace):
			p.Kill()
		}
	}()
}

// Kill ends the process group at once.
func (p *Process) Kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.leaderUp {
		syscall.Kill(-p.Pid, syscall.SIGKILL)
	}
}

// Done is closed once the process has ended and all its output is read.
func (p *Process) Done() <-chan struct{} { return p.done }

// Status is the state of a process.
type Status struct {
	State    string    `json:"state" jsonschema:"running, exited, stopped, time_limit or failed"`
	Reason   string    `json:"reason,omitempty" jsonschema:"why it was stopped"`
	ExitCode *int      `json:"exit_code,omitempty" jsonschema:"set once it exited by itself or was stopped"`
	Signal   string    `json:"signal,omitempty" jsonschema:"the signal that ended it"`
	Pid      int       `json:"pid"`
	Started  time.Time `json:"started"`
	Ended    time.Time `json:"ended,omitzero"`
	Seconds  float64   `json:"seconds" jsonschema:"how long it ran (so far)"`
}

// Status says how the process is.
func (p *Process) Status() Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := Status{State: p.state, Reason: p.reason, Pid: p.Pid, Started: p.Start, Ended: p.ended, Signal: p.signal}
	select {
	case <-p.done:
		code := p.exitCode
		st.ExitCode = &code
		st.Seconds = p.ended.Sub(p.Start).Seconds()
	default:
		// Until it has ended it runs, even when asked to stop.
		st.State = StateRunning
		if p.stopping {
			st.Reason = "stopping: " + p.reason
		}
		st.Seconds = time.Since(p.Start).Seconds()
	}
	return st
}
