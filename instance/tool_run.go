package instance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/godot-mcp-router/godot-mcp-router/instance/engine"
)

// Bounds of run_project.
const (
	defaultRunLimit = 5 * time.Minute
	maxRunLimit     = 4 * time.Hour
	maxRunWait      = 60 * time.Second
	maxGameArgs     = 64
	maxGameArgBytes = 1024     // one argument
	maxGameArgsSize = 8 << 10  // all of them
	maxAnswerIssues = 64 << 10 // bytes of issues in one answer
	maxIssueMessage = 1000     // bytes of one issue's message in an answer
)

// issueLine renders an issue for the text of an answer: where it is in
// the project when it is there; the engine's own source file only for the
// engine's own errors (a push_error's is the engine's, not the script's).
func issueLine(is engine.Issue) string {
	msg := firstLines(is.Message, 1)
	switch {
	case is.File != "" && strings.Contains(is.File, "://"):
		return fmt.Sprintf("%s %s:%d: %s", is.Level, is.File, is.Line, msg)
	case is.Kind == "push":
		return fmt.Sprintf("%s (push_%s from a script): %s", is.Level, is.Level, msg)
	case is.File != "":
		return fmt.Sprintf("%s (engine, %s:%d): %s", is.Level, is.File, is.Line, msg)
	}
	return fmt.Sprintf("%s: %s", is.Level, msg)
}

// boundIssues keeps at most n issues, each message clipped, in at most
// maxAnswerIssues bytes; it returns how many were left out.
func boundIssues(issues []engine.Issue, n int) ([]engine.Issue, int) {
	out := make([]engine.Issue, 0, min(len(issues), n))
	size := 0
	for _, is := range issues {
		is.Message = clip(is.Message, maxIssueMessage)
		size += len(is.Message) + len(is.File) + len(is.Function) + 80
		if len(out) >= n || size > maxAnswerIssues {
			break
		}
		out = append(out, is)
	}
	return out, len(issues) - len(out)
}

// gameRun is one run of the game.
type gameRun struct {
	id      string
	scene   string
	args    []string
	engine  string
	limit   time.Duration
	command []string
	proc    *engine.Process
}

// RunInfo describes a run.
type RunInfo struct {
	ID        string        `json:"id"`
	Scene     string        `json:"scene,omitempty" jsonschema:"the scene run; empty: the project's main scene"`
	Args      []string      `json:"args,omitempty"`
	Engine    string        `json:"engine"`
	Command   []string      `json:"command" jsonschema:"the engine's command line"`
	TimeLimit float64       `json:"time_limit_seconds"`
	Status    engine.Status `json:"status"`
	Errors    uint64        `json:"errors" jsonschema:"errors printed so far"`
	Warnings  uint64        `json:"warnings" jsonschema:"warnings printed so far"`
	Lines     uint64        `json:"lines" jsonschema:"lines printed so far"`
}

// RunStarted is what run_project returns.
type RunStarted struct {
	Run    RunInfo        `json:"run"`
	Issues []engine.Issue `json:"issues,omitempty" jsonschema:"when it waited: the errors and warnings printed meanwhile"`
	Tail   []string       `json:"tail,omitempty" jsonschema:"when it waited: the last lines printed"`
}

func runProjectTool() tool {
	return tool{
		def: mcp.NewTool("run_project",
			mcp.WithDescription("Run the game with the Godot engine (never under the debugger: a runtime error is printed and the game goes on). Returns the run's id at once, or after wait_seconds with the errors printed meanwhile; read its output with get_run_output and end it with stop_project. It is stopped at its time limit. Several runs may go at once."),
			mcp.WithString("scene", mcp.Description("the scene to run, res:// or relative to the project (default: the main scene)")),
			mcp.WithArray("args", mcp.Description("arguments for the game (OS.get_cmdline_args / get_cmdline_user_args); engine options are refused"), mcp.WithStringItems()),
			mcp.WithBoolean("headless", mcp.Description("run without a window (Godot 4's --headless; Godot 3 needs its server build for this)")),
			mcp.WithNumber("time_limit_seconds", mcp.Description("stop the game after this long (default 300, max 14400)"), mcp.Min(1), mcp.Max(maxRunLimit.Seconds())),
			mcp.WithNumber("wait_seconds", mcp.Description("wait this long (or until the game ends) before answering, with the errors printed meanwhile (default 0, max 60)"), mcp.Min(0), mcp.Max(maxRunWait.Seconds())),
			acts(true, false), // the game's code runs, and may write its save files
		),
		handle: (*Server).runProject,
		out:    mcp.WithOutputSchema[RunStarted](),
	}
}

func getRunOutputTool() tool {
	return tool{
		def: mcp.NewTool("get_run_output",
			mcp.WithDescription("The output of a game run (default: the latest) from its bounded buffer: lines filtered by level and read on with since, and the errors and warnings pulled out as {file, line, message}. Without since, the latest lines."),
			mcp.WithString("id", mcp.Description("the run's id, from run_project (default: the latest)")),
			mcp.WithNumber("since", mcp.Description("only lines after this line number (the next of an earlier answer)"), mcp.Min(0)),
			mcp.WithString("level", mcp.Description("info (all lines, default), warning, or error"), mcp.Enum("info", "warning", "error")),
			mcp.WithNumber("limit", mcp.Description("at most this many lines (default 200, max 1000)"), mcp.Min(1), mcp.Max(1000)),
			readOnly()),
		handle: (*Server).getRunOutput,
		out:    mcp.WithOutputSchema[RunOutput](),
	}
}

func stopProjectTool() tool {
	return tool{
		def: mcp.NewTool("stop_project",
			mcp.WithDescription("Stop a game run (default: every run still going), with everything it started: its whole process group gets SIGTERM, then SIGKILL after 2 s."),
			mcp.WithString("id", mcp.Description("the run's id (default: all runs)")),
			acts(false, true),
		),
		handle: (*Server).stopProject,
		out:    mcp.WithOutputSchema[RunsStopped](),
	}
}

// RunOutput is what get_run_output returns.
type RunOutput struct {
	Run    RunInfo             `json:"run"`
	Output engine.OutputPage   `json:"output"`
	Issues engine.IssueSummary `json:"issues" jsonschema:"errors and warnings after since, at the level asked or above"`
	Runs   []RunSummary        `json:"runs,omitempty" jsonschema:"the other runs kept"`
}

// RunSummary is one line about a run.
type RunSummary struct {
	ID       string `json:"id"`
	State    string `json:"state"`
	Pid      int    `json:"pid"`
	Errors   uint64 `json:"errors"`
	Warnings uint64 `json:"warnings"`
	Lines    uint64 `json:"lines"`
}

func (r *gameRun) summary() RunSummary {
	i := r.info()
	return RunSummary{ID: i.ID, State: i.Status.State, Pid: i.Status.Pid, Errors: i.Errors, Warnings: i.Warnings, Lines: i.Lines}
}

// RunsStopped is what stop_project returns.
type RunsStopped struct {
	Runs []RunInfo `json:"runs"`
}

func (r *gameRun) info() RunInfo {
	lines, errs, warns := r.proc.Output.Counts()
	return RunInfo{ID: r.id, Scene: r.scene, Args: r.args, Engine: r.engine, Command: r.command, TimeLimit: r.limit.Seconds(),
		Status: r.proc.Status(), Errors: errs, Warnings: warns, Lines: lines}
}

// gameArgs reads and bounds the args argument.
func gameArgs(req mcp.CallToolRequest) ([]string, error) {
	args, err := argStrings(req, "args")
	if err != nil {
		return nil, err
	}
	if len(args) > maxGameArgs {
		return nil, fmt.Errorf("argument \"args\": at most %d arguments, got %d", maxGameArgs, len(args))
	}
	size := 0
	for _, a := range args {
		size += len(a)
		if len(a) > maxGameArgBytes || strings.ContainsRune(a, 0) {
			return nil, fmt.Errorf("argument \"args\": each argument must be under %d bytes, without NUL", maxGameArgBytes)
		}
		if size > maxGameArgsSize {
			return nil, fmt.Errorf("argument \"args\": at most %d bytes in all", maxGameArgsSize)
		}
		if a == "-d" || a == "--debug" {
			return nil, fmt.Errorf("argument \"args\": %q would start the debugger, which stops the game at a prompt on its first error", a)
		}
	}
	return args, nil
}

func argSeconds(req mcp.CallToolRequest, name string, def, max time.Duration) (time.Duration, error) {
	v, ok := req.GetArguments()[name]
	if !ok || v == nil {
		return def, nil
	}
	f, ok := v.(float64)
	if !ok {
		n, err := argInt(req, name, 0)
		if err != nil {
			return 0, err
		}
		f = float64(n)
	}
	if f < 0 || f > max.Seconds() {
		return 0, fmt.Errorf("argument %q must be between 0 and %v, got %v", name, max.Seconds(), f)
	}
	return time.Duration(f * float64(time.Second)), nil
}

func (s *Server) runProject(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	sceneArg, err := argString(req, "scene", false)
	if err != nil {
		return toolError("%v", err), nil
	}
	args, err := gameArgs(req)
	if err != nil {
		return toolError("%v", err), nil
	}
	headless, err := argBool(req, "headless", false)
	if err != nil {
		return toolError("%v", err), nil
	}
	limit, err := argSeconds(req, "time_limit_seconds", defaultRunLimit, maxRunLimit)
	if err != nil {
		return toolError("%v", err), nil
	}
	if limit == 0 {
		limit = defaultRunLimit
	}
	wait, err := argSeconds(req, "wait_seconds", 0, maxRunWait)
	if err != nil {
		return toolError("%v", err), nil
	}
	scene := ""
	if sceneArg != "" {
		_, res, err := s.resolvePath(sceneArg)
		if err != nil {
			return toolError("scene: %v", err), nil
		}
		scene = res
	}
	bin, _, err := s.engineBinary(ctx)
	if err != nil {
		return toolError("%v", err), nil
	}
	main := s.project.MainScene
	if main != "" && !strings.Contains(main, "://") {
		main = "res://" + main
	}
	cmdArgs, err := engine.RunArgs(bin, s.root, engine.RunOptions{Scene: scene, Headless: headless, Args: args}, main)
	if err != nil {
		return toolError("%v", err), nil
	}

	e := s.eng
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return toolError("the instance is stopping"), nil
	}
	running := 0
	for _, r := range e.runs {
		select {
		case <-r.proc.Done():
		default:
			running++
		}
	}
	if running >= maxRunning {
		e.mu.Unlock()
		return toolError("%d runs are going already (the most at once): stop one with stop_project", running), nil
	}
	engine.PrepareUserDirs(e.getenv)
	proc, err := engine.Start(engine.Command{Path: bin.Path, Args: cmdArgs, Dir: s.root, Env: engine.Environ(os.Environ()), TimeLimit: limit})
	if err != nil {
		e.mu.Unlock()
		return toolError("%v", err), nil
	}
	run := &gameRun{id: "r" + strconv.Itoa(e.nextRun), scene: scene, args: args, engine: bin.Version, limit: limit,
		command: append([]string{bin.Path}, cmdArgs...), proc: proc}
	e.nextRun++
	e.runs = append(e.runs, run)
	e.pruneRunsLocked()
	e.mu.Unlock()
	e.tell()
	e.follow(func() {
		<-proc.Done()
		e.tell()
	})
	s.log.Info("game started", "id", run.id, "pid", proc.Pid, "scene", scene, "engine", bin.Path)

	out := RunStarted{}
	if wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-proc.Done():
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
		out.Issues, _ = boundIssues(proc.Output.Issues(0, engine.LevelWarning).Issues, 50)
		for _, l := range proc.Output.Tail(20) {
			out.Tail = append(out.Tail, clip(l, 500))
		}
	}
	out.Run = run.info()
	var b strings.Builder
	fmt.Fprintf(&b, "run %s: %s (pid %d), Godot %s, time limit %v", run.id, out.Run.Status.State, proc.Pid, bin.Version, limit)
	if out.Run.Status.ExitCode != nil {
		fmt.Fprintf(&b, ", exit code %d", *out.Run.Status.ExitCode)
	}
	for _, is := range out.Issues {
		b.WriteString("\n  " + issueLine(is))
	}
	if wait == 0 {
		b.WriteString("\nread its output with get_run_output")
	}
	return structured(out, clip(b.String(), 100000)), nil
}

// pruneRunsLocked drops the oldest finished runs past maxRuns; e.mu is held.
func (e *engineState) pruneRunsLocked() {
	for len(e.runs) > maxRuns {
		dropped := false
		for i, r := range e.runs {
			select {
			case <-r.proc.Done():
				e.runs = append(e.runs[:i], e.runs[i+1:]...)
				dropped = true
			default:
				continue
			}
			break
		}
		if !dropped {
			return
		}
	}
}

// findRunLocked returns the run named id, or the latest; e.mu is held.
func (e *engineState) findRunLocked(id string) (*gameRun, error) {
	if len(e.runs) == 0 {
		return nil, errors.New("no runs: start one with run_project (runs end when their instance stops or restarts)")
	}
	if id == "" {
		return e.runs[len(e.runs)-1], nil
	}
	for _, r := range e.runs {
		if r.id == id {
			return r, nil
		}
	}
	return nil, fmt.Errorf("no run %q (the latest %d runs are kept)", id, maxRuns)
}

func (s *Server) getRunOutput(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	id, err := argString(req, "id", false)
	if err != nil {
		return toolError("%v", err), nil
	}
	since, err := argInt(req, "since", -1)
	if err != nil {
		return toolError("%v", err), nil
	}
	limit, err := argInt(req, "limit", 200)
	if err != nil {
		return toolError("%v", err), nil
	}
	if limit < 1 || limit > 1000 {
		return toolError("argument \"limit\" must be between 1 and 1000, got %d", limit), nil
	}
	levelArg, err := argString(req, "level", false)
	if err != nil {
		return toolError("%v", err), nil
	}
	level := engine.LevelInfo
	if levelArg != "" {
		var ok bool
		if level, ok = engine.ParseLevel(levelArg); !ok {
			return toolError("argument \"level\" must be info, warning or error, got %q", levelArg), nil
		}
	}
	e := s.eng
	e.mu.Lock()
	run, err := e.findRunLocked(id)
	others := []*gameRun{}
	for _, r := range e.runs {
		if r != run {
			others = append(others, r)
		}
	}
	e.mu.Unlock()
	if err != nil {
		return toolError("%v", err), nil
	}
	q := engine.OutputQuery{Min: level, Limit: limit}
	if since < 0 {
		q.Tail = true
	} else {
		q.Since = uint64(since)
	}
	out := RunOutput{Run: run.info(), Output: run.proc.Output.Lines(q)}
	issueLevel := max(level, engine.LevelWarning)
	out.Issues = run.proc.Output.Issues(q.Since, issueLevel)
	var left int
	out.Issues.Issues, left = boundIssues(out.Issues.Issues, limit)
	out.Issues.Omitted += uint64(left)
	for _, r := range others {
		out.Runs = append(out.Runs, r.summary())
	}
	var b strings.Builder
	st := out.Run.Status
	fmt.Fprintf(&b, "run %s: %s after %.1f s", run.id, st.State, st.Seconds)
	if st.ExitCode != nil {
		fmt.Fprintf(&b, ", exit code %d", *st.ExitCode)
	}
	if st.Reason != "" {
		fmt.Fprintf(&b, " (%s)", st.Reason)
	}
	fmt.Fprintf(&b, "; %d errors, %d warnings, %d lines", out.Run.Errors, out.Run.Warnings, out.Run.Lines)
	for _, is := range out.Issues.Issues {
		b.WriteString("\n  " + issueLine(is))
	}
	b.WriteString("\n--- output")
	if out.Output.Dropped > 0 {
		fmt.Fprintf(&b, " (%d older lines no longer kept)", out.Output.Dropped)
	}
	for _, l := range out.Output.Lines {
		fmt.Fprintf(&b, "\n%d %s", l.Seq, l.Text)
	}
	if out.Output.More {
		fmt.Fprintf(&b, "\n(more: since=%d)", out.Output.Next)
	}
	return structured(out, clip(b.String(), 200000)), nil
}

func (s *Server) stopProject(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	id, err := argString(req, "id", false)
	if err != nil {
		return toolError("%v", err), nil
	}
	e := s.eng
	e.mu.Lock()
	var runs []*gameRun
	if id != "" {
		r, err := e.findRunLocked(id)
		if err != nil {
			e.mu.Unlock()
			return toolError("%v", err), nil
		}
		runs = append(runs, r)
	} else {
		runs = append(runs, e.runs...)
	}
	e.mu.Unlock()
	for _, r := range runs {
		r.proc.Stop("stopped by stop_project")
	}
	deadline := time.After(engine.DefaultStopGrace + 3*time.Second)
	for _, r := range runs {
		select {
		case <-r.proc.Done():
		case <-deadline:
		}
	}
	out := RunsStopped{Runs: []RunInfo{}}
	var b strings.Builder
	if len(runs) == 0 {
		b.WriteString("no runs")
	}
	for _, r := range runs {
		info := r.info()
		out.Runs = append(out.Runs, info)
		fmt.Fprintf(&b, "run %s: %s", r.id, info.Status.State)
		if info.Status.Signal != "" {
			fmt.Fprintf(&b, " (%s)", info.Status.Signal)
		}
		b.WriteString("\n")
	}
	return structured(out, strings.TrimRight(b.String(), "\n")), nil
}
