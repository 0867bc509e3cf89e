package instance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/godot-mcp-router/godot-mcp-router/instance/engine"
)

// Build states.
const (
	BuildRunning     = "running"
	BuildSucceeded   = "succeeded"
	BuildFailed      = "failed"
	BuildCancelled   = "cancelled"
	BuildInterrupted = "interrupted" // the instance running it stopped
)

// buildTimeLimit bounds one export.
const buildTimeLimit = 30 * time.Minute

// BuildRecord is one build (export) of the project.
type BuildRecord struct {
	ID       string         `json:"id"`
	Preset   string         `json:"preset"`
	Platform string         `json:"platform"`
	Mode     string         `json:"mode" jsonschema:"release, debug or pack"`
	Output   string         `json:"output" jsonschema:"the file written, relative to the project root"`
	Engine   string         `json:"engine" jsonschema:"the Godot version that ran it"`
	State    string         `json:"state" jsonschema:"running, succeeded, failed, cancelled or interrupted"`
	Progress int            `json:"progress" jsonschema:"percent done, as the engine reports it"`
	Started  time.Time      `json:"started"`
	Ended    time.Time      `json:"ended,omitzero"`
	Seconds  float64        `json:"seconds"`
	ExitCode *int           `json:"exit_code,omitempty"`
	Error    string         `json:"error,omitempty" jsonschema:"why it failed, and what to do"`
	Issues   []engine.Issue `json:"issues,omitempty" jsonschema:"errors and warnings the engine printed (the first 20)"`
	Tail     []string       `json:"tail,omitempty" jsonschema:"the last lines of its output"`
	Bytes    int64          `json:"bytes,omitempty" jsonschema:"size of the file written"`
}

// buildJob is the build running: its record and its process.
type buildJob struct {
	rec       *BuildRecord
	proc      *engine.Process
	dir       string // the final folder
	stage     string // the folder the engine writes into, inside dir
	name      string // the file's name
	cancelled string // why it was cancelled; "" when it was not
	done      chan struct{}
}

func triggerBuildTool() tool {
	return tool{
		def: mcp.NewTool("trigger_build",
			mcp.WithDescription("Export the project with the Godot engine, using a preset of export_presets.cfg. The file goes under the project's build/ folder. Returns at once with the build's id: follow it with wait_for_build or get_build_status. One build runs at a time. Mode pack writes only the .pck and needs no export templates."),
			mcp.WithString("preset", mcp.Description("the export preset's name (default: the only preset, when there is one)")),
			mcp.WithString("mode", mcp.Description("release (default), debug, or pack"), mcp.Enum(engine.ModeRelease, engine.ModeDebug, engine.ModePack)),
			mcp.WithString("output", mcp.Description("file name under build/ (default: build/<preset>/<name from the preset's export_path>)")),
			acts(true, false), // it overwrites the file of an earlier build
		),
		handle: (*Server).triggerBuild,
		out:    mcp.WithOutputSchema[BuildRecord](),
	}
}

func getBuildStatusTool() tool {
	return tool{
		def: mcp.NewTool("get_build_status",
			mcp.WithDescription("The state of a build (default: the latest): progress, errors with file and line, the last lines of output, and the file written. Also lists the recent builds."),
			mcp.WithString("id", mcp.Description("the build's id, from trigger_build (default: the latest)")),
			readOnly()),
		handle: (*Server).getBuildStatus,
		out:    mcp.WithOutputSchema[BuildStatus](),
	}
}

func waitForBuildTool() tool {
	return tool{
		def: mcp.NewTool("wait_for_build",
			mcp.WithDescription("Wait until a build (default: the latest) ends, or at most timeout_seconds, sending progress notifications meanwhile; then its state as get_build_status gives it. Cancelling this call stops the waiting, not the build."),
			mcp.WithString("id", mcp.Description("the build's id (default: the latest)")),
			mcp.WithNumber("timeout_seconds", mcp.Description("wait at most this long (default 60, max 100)"), mcp.Min(1), mcp.Max(100)),
			readOnly()),
		handle: (*Server).waitForBuild,
		out:    mcp.WithOutputSchema[BuildStatus](),
	}
}

func cancelBuildTool() tool {
	return tool{
		def: mcp.NewTool("cancel_build",
			mcp.WithDescription("Stop the running build (its whole process group) and remove the partial file it was writing."),
			mcp.WithString("id", mcp.Description("the build's id (default: the running one)")),
			acts(true, true),
		),
		handle: (*Server).cancelBuild,
		out:    mcp.WithOutputSchema[BuildStatus](),
	}
}

// BuildStatus is what get_build_status and wait_for_build return.
type BuildStatus struct {
	Build    BuildRecord    `json:"build"`
	Finished bool           `json:"finished" jsonschema:"the build has ended"`
	Recent   []BuildSummary `json:"recent" jsonschema:"the latest builds, newest first"`
}

// BuildSummary is one line about a build.
type BuildSummary struct {
	ID      string    `json:"id"`
	Preset  string    `json:"preset"`
	Mode    string    `json:"mode"`
	State   string    `json:"state"`
	Started time.Time `json:"started"`
}

var nameUnsafe = regexp.MustCompile(`[^\p{L}\p{N}._-]+`)

// platformExt is the file extension of each platform's export.
func platformExt(platform string) string {
	p := strings.ToLower(platform)
	switch {
	case strings.Contains(p, "windows"):
		return ".exe"
	case strings.Contains(p, "mac"):
		return ".zip"
	case strings.Contains(p, "android"):
		return ".apk"
	case strings.Contains(p, "ios"):
		return ".ipa"
	case strings.Contains(p, "web") || strings.Contains(p, "html5"):
		return ".html"
	case strings.Contains(p, "linux"):
		return ".x86_64"
	}
	return ""
}

// safeName makes a preset's name or a file name one path element: no
// separators, nothing hidden, never "." or "..".
func safeName(s string) string {
	s = nameUnsafe.ReplaceAllString(s, "_")
	if s == "" || strings.HasPrefix(s, ".") {
		s = "_" + s
	}
	return s
}

// buildOutput is where a build writes: a file under build/ of the project
// root, never elsewhere, whatever the argument or the preset say. build/
// and the folders below it must be real folders (made here when missing,
// one by one, each checked first): a symlink on the way, even one that
// stays inside the project (build -> .), is refused before anything is
// made. The engine writes into a fresh staging folder beside the file
// (see stageBuild), never into the final folder.
func (s *Server) buildOutput(p engine.Preset, mode, arg string) (dir, name, rel string, err error) {
	var parts []string
	if arg != "" {
		clean := path.Clean("/" + filepath.ToSlash(strings.TrimPrefix(arg, "build/")))
		if strings.ContainsRune(arg, 0) || clean == "/" || strings.Contains(arg, "://") {
			return "", "", "", fmt.Errorf("argument \"output\" must be a file name under build/, got %q", arg)
		}
		parts = strings.Split(strings.TrimPrefix(clean, "/"), "/")
	} else {
		base := path.Base(filepath.ToSlash(p.ExportPath))
		if p.ExportPath == "" || base == "." || base == "/" || base == ".." {
			base = s.project.Name + platformExt(p.Platform)
		}
		if mode == engine.ModePack {
			base = strings.TrimSuffix(base, path.Ext(base)) + ".pck"
		}
		parts = []string{p.Name, base}
	}
	for i, part := range parts {
		parts[i] = safeName(part)
	}
	rel = "build/" + strings.Join(parts, "/")
	dir = s.root
	for _, part := range append([]string{"build"}, parts[:len(parts)-1]...) {
		dir = filepath.Join(dir, part)
		st, err := os.Lstat(dir)
		switch {
		case errors.Is(err, os.ErrNotExist):
			if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
				return "", "", "", fmt.Errorf("making the build folder: %w", err)
			}
			if st, err := os.Lstat(dir); err != nil || !st.IsDir() {
				return "", "", "", fmt.Errorf("making the build folder %s: it changed under us", dir)
			}
		case err != nil:
			return "", "", "", fmt.Errorf("making the build folder: %w", err)
		case st.Mode()&os.ModeSymlink != 0:
			return "", "", "", fmt.Errorf("output %q: %s is a symlink; builds go only into real folders under the project's build/", rel, dir)
		case !st.IsDir():
			return "", "", "", fmt.Errorf("output %q: %s is a file, not a folder", rel, dir)
		}
	}
	name = parts[len(parts)-1]
	if st, err := os.Lstat(filepath.Join(dir, name)); err == nil && st.IsDir() {
		return "", "", "", fmt.Errorf("output %q is a folder; remove it or choose another name", rel)
	}
	return dir, name, rel, nil
}

// stagePrefix names the staging folders of builds.
const stagePrefix = ".gmr-build-"

// stageBuild makes the folder the engine exports into: fresh, private,
// inside the final folder (so its files are renamed into place, which
// replaces whatever is there, a symlink included, instead of writing
// through it). Staging folders an instance killed mid-build left behind
// are removed first: one build of a project runs at a time.
func stageBuild(dir string) (string, error) {
	if old, err := filepath.Glob(filepath.Join(dir, stagePrefix+"*")); err == nil {
		for _, o := range old {
			os.RemoveAll(o)
		}
	}
	stage, err := os.MkdirTemp(dir, stagePrefix)
	if err != nil {
		return "", fmt.Errorf("making the staging folder of the build: %w", err)
	}
	return stage, nil
}

// publishBuild moves what the engine wrote in stage into dir (the file
// itself and what Godot writes beside it: a .pck, a Web export's .js and
// .wasm) and removes stage.
func publishBuild(stage, dir string) error {
	defer os.RemoveAll(stage)
	entries, err := os.ReadDir(stage)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.Rename(filepath.Join(stage, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("moving %s into place: %w", e.Name(), err)
		}
	}
	return nil
}

func (s *Server) triggerBuild(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	presetName, err := argString(req, "preset", false)
	if err != nil {
		return toolError("%v", err), nil
	}
	mode, err := argString(req, "mode", false)
	if err != nil {
		return toolError("%v", err), nil
	}
	if mode == "" {
		mode = engine.ModeRelease
	}
	if mode != engine.ModeRelease && mode != engine.ModeDebug && mode != engine.ModePack {
		return toolError("argument \"mode\" must be release, debug or pack, got %q", mode), nil
	}
	outArg, err := argString(req, "output", false)
	if err != nil {
		return toolError("%v", err), nil
	}
	presets, err := engine.ReadPresets(s.root)
	if err != nil {
		return toolError("%v", err), nil
	}
	if presetName == "" {
		if len(presets) != 1 {
			_, err := engine.FindPreset(presets, "")
			return toolError("argument \"preset\" is required when there is not exactly one preset: %v", err), nil
		}
		presetName = presets[0].Name
	}
	preset, err := engine.FindPreset(presets, presetName)
	if err != nil {
		return toolError("%v", err), nil
	}
	bin, _, err := s.engineBinary(ctx)
	if err != nil {
		return toolError("%v", err), nil
	}
	if err := engine.CheckTemplates(bin, s.root, preset, mode, s.eng.getenv); err != nil {
		return toolError("%v", err), nil
	}
	dir, name, rel, err := s.buildOutput(preset, mode, outArg)
	if err != nil {
		return toolError("%v", err), nil
	}

	e := s.eng
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return toolError("the instance is stopping"), nil
	}
	if e.build != nil {
		id := e.build.rec.ID
		e.mu.Unlock()
		return toolError("build %s is still running: wait for it (wait_for_build) or stop it (cancel_build)", id), nil
	}
	stage, err := stageBuild(dir)
	if err != nil {
		e.mu.Unlock()
		return toolError("%v", err), nil
	}
	rec := &BuildRecord{ID: "b" + strconv.Itoa(e.nextBuild), Preset: preset.Name, Platform: preset.Platform, Mode: mode,
		Output: rel, Engine: bin.Version, State: BuildRunning, Started: time.Now()}
	job := &buildJob{rec: rec, dir: dir, stage: stage, name: name, done: make(chan struct{})}
	out := engine.NewOutput(0, 0)
	progress := &exportProgress{}
	out.OnLine(func(l engine.OutputLine) {
		if pc, ok := progress.read(l.Text); ok {
			e.mu.Lock()
			if pc > rec.Progress {
				rec.Progress = pc
			}
			e.mu.Unlock()
		}
	})
	engine.PrepareUserDirs(e.getenv)
	proc, err := engine.Start(engine.Command{Path: bin.Path, Args: engine.ExportArgs(bin, s.root, preset.Name, mode, filepath.Join(stage, name)),
		Dir: s.root, Env: engine.Environ(os.Environ()), TimeLimit: buildTimeLimit, Output: out})
	if err != nil {
		e.mu.Unlock()
		os.RemoveAll(stage)
		return toolError("%v", err), nil
	}
	job.proc = proc
	e.nextBuild++
	e.build = job
	e.builds = append(e.builds, rec)
	if len(e.builds) > maxBuildRecords {
		e.builds = append([]*BuildRecord(nil), e.builds[len(e.builds)-maxBuildRecords:]...)
	}
	snapshot := *rec
	e.mu.Unlock()
	e.tell()
	e.changed()
	e.follow(func() { s.finishBuild(job) })
	s.log.Info("build started", "id", rec.ID, "preset", preset.Name, "mode", mode, "output", rel, "engine", bin.Path)
	return structured(snapshot, fmt.Sprintf("build %s started: preset %q (%s), mode %s, writing %s with Godot %s", rec.ID, preset.Name, preset.Platform, mode, rel, bin.Version)), nil
}

// exportProgress reads the percent done from an export's progress lines:
// "savepack: begin: Packing steps: N" then "savepack: step K: ..." (Godot 3
// and Godot 4 up to 4.4; "savezip:" for a .zip), and Godot 4.5's
// "[  20% ] export | ..." and "[ DONE ] export".
type exportProgress struct{ steps int }

func (p *exportProgress) read(line string) (int, bool) {
	t := strings.TrimSpace(line)
	switch {
	case strings.HasPrefix(t, "[ DONE ]"):
		return 100, true
	case strings.HasPrefix(t, "["):
		end := strings.IndexByte(t, '%')
		if end < 0 {
			return 0, false
		}
		n, err := strconv.Atoi(strings.TrimSpace(t[1:end]))
		if err != nil || n < 0 || n > 100 {
			return 0, false
		}
		return n, true
	case strings.HasPrefix(t, "savepack: begin: ") || strings.HasPrefix(t, "savezip: begin: "):
		_, num, _ := strings.Cut(t, "steps: ")
		n, err := strconv.Atoi(num)
		if err == nil && n > 0 {
			p.steps = n
		}
		return 0, false
	case (strings.HasPrefix(t, "savepack: step ") || strings.HasPrefix(t, "savezip: step ")) && p.steps > 0:
		_, rest, _ := strings.Cut(t, " step ")
		num, _, _ := strings.Cut(rest, ":")
		n, err := strconv.Atoi(num)
		if err != nil || n < 0 {
			return 0, false
		}
		return min(n*100/p.steps, 99), true
	case t == "savepack: end" || t == "savezip: end":
		return 100, true
	}
	return 0, false
}

// finishBuild waits for the build's process and completes its record.
func (s *Server) finishBuild(job *buildJob) {
	<-job.proc.Done()
	st := job.proc.Status()
	e := s.eng
	issues := job.proc.Output.Issues(0, engine.LevelWarning)
	e.mu.Lock()
	rec := job.rec
	rec.Ended = st.Ended
	rec.Seconds = st.Seconds
	rec.ExitCode = st.ExitCode
	// Records live in the snapshot (at most index.MaxSnapshotState for
	// all 20): each is kept small.
	rec.Tail = nil
	for _, l := range job.proc.Output.Tail(20) {
		rec.Tail = append(rec.Tail, clip(l, 300))
	}
	rec.Issues = nil
	for _, is := range issues.Issues[:min(len(issues.Issues), 20)] {
		is.Message = clip(is.Message, 500)
		rec.Issues = append(rec.Issues, is)
	}
	info, statErr := os.Lstat(filepath.Join(job.stage, job.name))
	switch {
	case job.cancelled != "":
		rec.State = BuildCancelled
		rec.Error = "cancelled: " + job.cancelled
	case st.State == engine.StateTimeLimit:
		rec.State = BuildFailed
		rec.Error = fmt.Sprintf("the export ran past %v and was stopped", buildTimeLimit)
	case st.ExitCode != nil && *st.ExitCode == 0 && statErr == nil && info.Mode().IsRegular():
		if err := publishBuild(job.stage, job.dir); err != nil {
			rec.State = BuildFailed
			rec.Error = err.Error()
			break
		}
		rec.State = BuildSucceeded
		rec.Progress = 100
		rec.Bytes = info.Size()
	default:
		rec.State = BuildFailed
		rec.Error = buildFailure(rec, issues.Issues, statErr)
	}
	if rec.State != BuildSucceeded {
		rec.Progress = min(rec.Progress, 99)
		// What the engine wrote is in the staging folder: a partial
		// file never passes for a build, and nothing else is touched.
		os.RemoveAll(job.stage)
	}
	e.build = nil
	close(job.done)
	e.mu.Unlock()
	e.tell()
	e.changed()
	s.log.Info("build ended", "id", rec.ID, "state", rec.State, "seconds", rec.Seconds)
}

// buildFailure says why a build failed, with what to do when it is known.
func buildFailure(rec *BuildRecord, issues []engine.Issue, statErr error) string {
	for _, is := range issues {
		m := is.Message
		switch {
		case strings.Contains(m, "No export template found") || strings.Contains(strings.ToLower(m), "export template"):
			return "the export templates are missing: " + firstLines(m, 4) + "; install them in the editor (Editor > Manage Export Templates), or build with mode \"pack\""
		case strings.Contains(m, "Invalid export preset name"):
			return "the engine does not know the preset: " + firstLines(m, 2)
		case strings.Contains(strings.ToLower(m), "open display") || strings.Contains(m, "X11 Display"):
			return "the engine needs a display for this: use a headless build of Godot 3 (godot3-server) or Godot 4"
		}
	}
	// The first error about the export that says more than "the export
	// failed" says most; else the last error.
	var last, export *engine.Issue
	for i, is := range issues {
		if is.Level != engine.LevelError.String() {
			continue
		}
		last = &issues[i]
		m := strings.ToLower(is.Message)
		if export == nil && strings.Contains(m, "export") && !strings.HasPrefix(m, "project export") {
			export = &issues[i]
		}
	}
	if export != nil {
		last = export
	}
	if last != nil {
		return "the engine reported: " + firstLines(last.Message, 3)
	}
	if rec.ExitCode != nil && *rec.ExitCode != 0 {
		return fmt.Sprintf("the engine exited with code %d", *rec.ExitCode)
	}
	if statErr != nil {
		return "the engine wrote no file at " + rec.Output
	}
	return "the engine did not write " + rec.Output + " anew"
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, " ")
}

// findBuild returns the build named id (default: the latest) and its job
// when it runs; e.mu is held.
func (e *engineState) findBuildLocked(id string) (*BuildRecord, *buildJob, error) {
	if len(e.builds) == 0 {
		return nil, nil, errors.New("no builds yet: start one with trigger_build")
	}
	rec := e.builds[len(e.builds)-1]
	if id != "" {
		rec = nil
		for _, b := range e.builds {
			if b.ID == id {
				rec = b
			}
		}
		if rec == nil {
			return nil, nil, fmt.Errorf("no build %q (the latest %d builds are kept)", id, maxBuildRecords)
		}
	}
	var job *buildJob
	if e.build != nil && e.build.rec == rec {
		job = e.build
	}
	return rec, job, nil
}

// buildStatus copies the state of a build; e.mu is held.
func (e *engineState) buildStatusLocked(rec *BuildRecord) BuildStatus {
	st := BuildStatus{Build: *rec, Finished: rec.State != BuildRunning, Recent: []BuildSummary{}}
	if !st.Finished {
		st.Build.Seconds = time.Since(rec.Started).Seconds()
		if e.build != nil && e.build.rec == rec {
			st.Build.Tail = e.build.proc.Output.Tail(10)
		}
	}
	for i := len(e.builds) - 1; i >= 0 && len(st.Recent) < 10; i-- {
		b := e.builds[i]
		st.Recent = append(st.Recent, BuildSummary{ID: b.ID, Preset: b.Preset, Mode: b.Mode, State: b.State, Started: b.Started})
	}
	return st
}

func buildText(st BuildStatus) string {
	b := st.Build
	var sb strings.Builder
	fmt.Fprintf(&sb, "build %s (%s, %s): %s", b.ID, b.Preset, b.Mode, b.State)
	if b.State == BuildRunning {
		fmt.Fprintf(&sb, ", %d%% after %.1f s", b.Progress, b.Seconds)
	} else {
		fmt.Fprintf(&sb, " after %.1f s", b.Seconds)
	}
	if b.State == BuildSucceeded {
		fmt.Fprintf(&sb, "; wrote %s (%d bytes)", b.Output, b.Bytes)
	}
	if b.Error != "" {
		fmt.Fprintf(&sb, "\n%s", b.Error)
	}
	if b.State == BuildSucceeded && len(b.Issues) > 0 {
		// The editor's noise on the way (settings it cannot save, keys a
		// preset lacks) is in issues, not in the way of the result.
		fmt.Fprintf(&sb, "\n(the engine printed %d errors or warnings on the way: see issues)", len(b.Issues))
		return sb.String()
	}
	for _, is := range b.Issues {
		sb.WriteString("\n  " + issueLine(is))
	}
	return sb.String()
}

func (s *Server) getBuildStatus(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	id, err := argString(req, "id", false)
	if err != nil {
		return toolError("%v", err), nil
	}
	e := s.eng
	e.mu.Lock()
	rec, _, err := e.findBuildLocked(id)
	if err != nil {
		e.mu.Unlock()
		return toolError("%v", err), nil
	}
	st := e.buildStatusLocked(rec)
	e.mu.Unlock()
	return structured(st, buildText(st)), nil
}

func (s *Server) waitForBuild(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	id, err := argString(req, "id", false)
	if err != nil {
		return toolError("%v", err), nil
	}
	secs, err := argInt(req, "timeout_seconds", 60)
	if err != nil {
		return toolError("%v", err), nil
	}
	if secs < 1 || secs > 100 {
		return toolError("argument \"timeout_seconds\" must be between 1 and 100, got %d", secs), nil
	}
	e := s.eng
	e.mu.Lock()
	rec, job, err := e.findBuildLocked(id)
	e.mu.Unlock()
	if err != nil {
		return toolError("%v", err), nil
	}
	var token mcp.ProgressToken
	if req.Params.Meta != nil {
		token = req.Params.Meta.ProgressToken
	}
	if job != nil {
		timeout := time.NewTimer(time.Duration(secs) * time.Second)
		defer timeout.Stop()
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		sent := -1
	wait:
		for {
			if token != nil {
				e.mu.Lock()
				pc, last := rec.Progress, job.proc.Output.Tail(1)
				e.mu.Unlock()
				if pc > sent {
					sent = pc
					msg := ""
					if len(last) > 0 {
						msg = clip(strings.TrimSpace(last[0]), 200)
					}
					if srv := server.ServerFromContext(ctx); srv != nil {
						srv.SendNotificationToClient(ctx, "notifications/progress", map[string]any{
							"progressToken": token, "progress": pc, "total": 100, "message": msg})
					}
				}
			}
			select {
			case <-job.done:
				break wait
			case <-ctx.Done():
				return toolError("waiting for build %s was cancelled; the build goes on", rec.ID), nil
			case <-timeout.C:
				break wait
			case <-tick.C:
			}
		}
	}
	e.mu.Lock()
	st := e.buildStatusLocked(rec)
	e.mu.Unlock()
	text := buildText(st)
	if !st.Finished {
		text += fmt.Sprintf("\nstill running after waiting %d s; call wait_for_build again", secs)
	}
	return structured(st, text), nil
}

func (s *Server) cancelBuild(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	id, err := argString(req, "id", false)
	if err != nil {
		return toolError("%v", err), nil
	}
	e := s.eng
	e.mu.Lock()
	rec, job, err := e.findBuildLocked(id)
	if err == nil && id == "" && e.build != nil {
		rec, job = e.build.rec, e.build
	}
	if err != nil {
		e.mu.Unlock()
		return toolError("%v", err), nil
	}
	if job != nil && job.cancelled == "" {
		job.cancelled = "by cancel_build"
		job.proc.Stop("cancelled by cancel_build")
	}
	e.mu.Unlock()
	if job != nil {
		select {
		case <-job.done:
		case <-time.After(engine.DefaultStopGrace + 3*time.Second):
		}
	}
	e.mu.Lock()
	st := e.buildStatusLocked(rec)
	e.mu.Unlock()
	return structured(st, buildText(st)), nil
}
