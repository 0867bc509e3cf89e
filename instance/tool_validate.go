package instance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/godot-mcp-router/godot-mcp-router/instance/engine"
	"github.com/godot-mcp-router/godot-mcp-router/instance/index"
)

// Bounds of validate_scripts.
const (
	validateTimeLimit = 100 * time.Second // under the router's call timeout
	maxValidateShown  = 200               // scripts with errors listed
)

func validateScriptsTool() tool {
	return tool{
		def: mcp.NewTool("validate_scripts",
			mcp.WithDescription("Check GDScript files with the Godot engine itself (headless): each script is loaded and compiled, and every error comes back as {file, line, message}. The engine's findings are set beside this server's own parser's, so each error says who found it. Default: every script of the project. As when the game runs, the engine first loads the project's autoloads, whose code runs (that is how their names are known to the scripts)."),
			mcp.WithArray("paths", mcp.Description("scripts to check (res:// or relative paths); default all"), mcp.WithStringItems()),
			// Not read-only: the autoloads' code runs, and may write
			// (save files, say), as when the game starts.
			acts(true, false),
		),
		handle: (*Server).validateScripts,
		out:    mcp.WithOutputSchema[Validation](),
	}
}

// Validation is what validate_scripts returns.
type Validation struct {
	Engine   string             `json:"engine"`
	Checked  int                `json:"checked" jsonschema:"scripts the engine was asked to load"`
	OK       int                `json:"ok"`
	Failed   int                `json:"failed" jsonschema:"scripts with an error"`
	NotRun   int                `json:"not_run,omitempty" jsonschema:"scripts the engine did not reach (it stopped or ran out of time)"`
	Scripts  []ScriptValidation `json:"scripts" jsonschema:"the scripts with an error, from either checker (at most 200)"`
	Omitted  int                `json:"omitted,omitempty" jsonschema:"scripts with errors not listed"`
	Seconds  float64            `json:"seconds"`
	ExitCode *int               `json:"exit_code,omitempty" jsonschema:"the engine's (0 even when scripts fail to parse)"`
	Note     string             `json:"note,omitempty"`
}

// ScriptValidation is one script with errors.
type ScriptValidation struct {
	Path   string        `json:"path"`
	State  string        `json:"state" jsonschema:"ok, invalid (does not compile), failed (did not load) or not_run, as the engine says"`
	Errors []ScriptError `json:"errors"`
	// Agreement: "both" (the engine and our parser find errors), "engine"
	// (only the engine: types, names, what a parser cannot see), "static"
	// (only our parser: a bug in ours, or in the engine's leniency).
	Agreement string `json:"agreement" jsonschema:"both, engine (only the engine found errors) or static (only this server's parser did)"`
}

// ScriptError is one error in a script.
type ScriptError struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
	By      string `json:"by" jsonschema:"engine or static"`
}

func (s *Server) validateScripts(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	args, err := argStrings(req, "paths")
	if err != nil {
		return toolError("%v", err), nil
	}
	ix, err := s.index.current()
	if err != nil {
		return toolError("%v", err), nil
	}
	var paths []string
	var skipped []string
	if len(args) == 0 {
		// GDScript only: C# needs a .NET build of the engine and the
		// project's assembly built first.
		for _, p := range ix.Paths(index.KindScript) {
			if strings.HasSuffix(p, ".gd") {
				paths = append(paths, p)
			}
		}
	} else {
		if len(args) > 100000 {
			return toolError("argument \"paths\": at most 100000 paths"), nil
		}
		seen := map[string]bool{}
		for _, a := range args {
			_, res, err := s.resolvePath(a)
			if err != nil {
				return toolError("paths: %v", err), nil
			}
			if !strings.HasSuffix(res, ".gd") {
				return toolError("paths: %s is not a GDScript file (.gd)", res), nil
			}
			if !seen[res] {
				seen[res] = true
				paths = append(paths, res)
			}
		}
	}
	var ok []string
	for _, p := range paths {
		if engine.CanValidate(p) {
			ok = append(ok, p)
		} else {
			skipped = append(skipped, p)
		}
	}
	paths = ok
	if len(paths) == 0 {
		return toolError("no scripts to check"), nil
	}
	bin, _, err := s.engineBinary(ctx)
	if err != nil {
		return toolError("%v", err), nil
	}

	dir, err := os.MkdirTemp("", "gmr-validate-")
	if err != nil {
		return toolError("making a folder for the validator: %v", err), nil
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "validate.gd")
	if err := os.WriteFile(script, []byte(engine.ValidatorScript(bin.Major, paths)), 0o600); err != nil {
		return toolError("writing the validator: %v", err), nil
	}
	var mu sync.Mutex
	var lines []engine.OutputLine
	out := engine.NewOutput(100, 0) // the lines are kept here, not in the ring
	// The validator's markers are always kept (a few per script); error
	// and warning lines once the first script is being loaded, up to a
	// bound far above what loading prints; other lines, which an autoload
	// may print by the thousand before that, only up to a point.
	plain, issues, markers, loading := 0, 0, 0, false
	out.OnLine(func(l engine.OutputLine) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case engine.IsValidatorLine(l.Text):
			loading = true
			if markers < 4*len(paths)+100 {
				markers++
				lines = append(lines, l)
			}
		case l.Level != engine.LevelInfo.String() && loading:
			if issues < 10*len(paths)+20000 {
				issues++
				lines = append(lines, l)
			}
		case plain < 2000:
			plain++
			lines = append(lines, l)
		}
	})
	start := time.Now()
	engine.PrepareUserDirs(s.eng.getenv)
	proc, err := engine.Start(engine.Command{Path: bin.Path, Args: engine.ValidateArgs(bin, s.root, script), Dir: s.root,
		Env: engine.Environ(os.Environ()), TimeLimit: validateTimeLimit, Output: out})
	if err != nil {
		return toolError("%v", err), nil
	}
	select {
	case <-proc.Done():
	case <-ctx.Done():
		proc.Stop("the call was cancelled")
		<-proc.Done()
		return toolError("validation cancelled"), nil
	}
	st := proc.Status()
	mu.Lock()
	results := engine.ReadValidation(paths, lines)
	mu.Unlock()

	v := Validation{Engine: bin.Version, Checked: len(paths), Scripts: []ScriptValidation{}, Seconds: time.Since(start).Seconds(), ExitCode: st.ExitCode}
	for _, r := range results {
		sv := ScriptValidation{Path: r.Path, State: r.State}
		for _, is := range r.Errors {
			sv.Errors = append(sv.Errors, ScriptError{File: is.File, Line: is.Line, Message: is.Message, By: "engine"})
		}
		engineFound := len(sv.Errors) > 0 || r.State == engine.ScriptInvalid || r.State == engine.ScriptFailed
		staticFound := false
		if f := ix.Files[r.Path]; f != nil && f.Script != nil {
			for _, e := range f.Script.Errors {
				staticFound = true
				if len(sv.Errors) < 2*20 {
					sv.Errors = append(sv.Errors, ScriptError{File: r.Path, Line: e.Pos.Line, Message: e.Msg, By: "static"})
				}
			}
		}
		switch r.State {
		case engine.ScriptNotRun:
			v.NotRun++
		case engine.ScriptOK:
			if !staticFound {
				v.OK++
			}
		}
		switch {
		case engineFound && staticFound:
			sv.Agreement = "both"
		case engineFound:
			sv.Agreement = "engine"
		case staticFound:
			sv.Agreement = "static"
		default:
			continue
		}
		if r.State != engine.ScriptNotRun || staticFound {
			v.Failed++
			if len(v.Scripts) < maxValidateShown {
				v.Scripts = append(v.Scripts, sv)
			} else {
				v.Omitted++
			}
		}
	}
	switch {
	case st.State == engine.StateTimeLimit:
		v.Note = fmt.Sprintf("the engine ran past %v and was stopped; %d scripts were not reached", validateTimeLimit, v.NotRun)
	case v.NotRun > 0:
		v.Note = fmt.Sprintf("the engine ended before it reached %d scripts; its last lines: %s", v.NotRun, strings.Join(out.Tail(5), " | "))
	}
	if len(skipped) > 0 {
		v.Note = strings.TrimSpace(v.Note + fmt.Sprintf(" %d scripts with control characters in their names were skipped.", len(skipped)))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Godot %s checked %d scripts in %.1f s: %d ok, %d with errors", v.Engine, v.Checked, v.Seconds, v.OK, v.Failed)
	if v.NotRun > 0 {
		fmt.Fprintf(&b, ", %d not reached", v.NotRun)
	}
	for _, sv := range v.Scripts {
		fmt.Fprintf(&b, "\n%s (%s; found by %s)", sv.Path, sv.State, sv.Agreement)
		for _, e := range sv.Errors {
			fmt.Fprintf(&b, "\n  %s:%d: %s [%s]", e.File, e.Line, firstLines(e.Message, 1), e.By)
		}
	}
	if v.Note != "" {
		fmt.Fprintf(&b, "\n%s", v.Note)
	}
	return structured(v, clip(b.String(), 200000)), nil
}
