package engine

import (
	"fmt"
	"strings"
)

// The validator is a GDScript the engine runs with -s: it loads each script
// without the cache and prints a marker line before and after, so the
// output tells which scripts loaded. The engine exits 0 even when a script
// does not parse; its errors are read from the output.
const (
	markBegin = "GMR-VALIDATE-BEGIN "
	markEnd   = "GMR-VALIDATE-END "
)

// Validation states of one script, as the validator prints them.
const (
	ScriptOK      = "ok"      // it loaded and can be instanced
	ScriptInvalid = "invalid" // it loaded but does not compile
	ScriptFailed  = "failed"  // it did not load
	ScriptNotRun  = "not_run" // the engine ended before reaching it
)

// ValidatorScript is the GDScript that loads paths (res:// paths) in an
// engine of the given major version. Paths must not hold control
// characters (CanValidate).
func ValidatorScript(major int, paths []string) string {
	var b strings.Builder
	b.WriteString("extends SceneTree\n\n# Written by godot-mcp-router's validate_scripts; removed after the run.\n\nconst PATHS = [\n")
	for _, p := range paths {
		b.WriteString("\"")
		b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(p))
		b.WriteString("\",\n")
	}
	b.WriteString("]\n\n")
	load, instanceable := `ResourceLoader.load(p, "", true)`, "can_instance"
	if major >= 4 {
		load, instanceable = `ResourceLoader.load(p, "", ResourceLoader.CACHE_MODE_IGNORE)`, "can_instantiate"
	}
	fmt.Fprintf(&b, `func _init():
	for p in PATHS:
		print(%q, p)
		var s = %s
		if s == null:
			print(%q, p, " %s")
		elif s is Script and not s.%s():
			print(%q, p, " %s")
		else:
			print(%q, p, " %s")
	quit()
`, markBegin, load, markEnd, ScriptFailed, instanceable, markEnd, ScriptInvalid, markEnd, ScriptOK)
	return b.String()
}

// IsValidatorLine reports whether an output line is one of the
// validator's markers.
func IsValidatorLine(line string) bool {
	return strings.HasPrefix(line, markBegin) || strings.HasPrefix(line, markEnd)
}

// CanValidate reports whether a res:// path can be written into the
// validator: no control characters.
func CanValidate(path string) bool {
	return strings.HasPrefix(path, "res://") && !strings.ContainsFunc(path, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// ScriptResult is what the engine said about one script.
type ScriptResult struct {
	Path   string  `json:"path"`
	State  string  `json:"state" jsonschema:"ok, invalid (does not compile), failed (did not load) or not_run"`
	Errors []Issue `json:"errors,omitempty" jsonschema:"the engine's errors in this file"`
}

// maxScriptErrors bounds the errors reported for one script.
const maxScriptErrors = 20

// ReadValidation reads the validator's output: the markers say how each
// script loaded, and the errors are attributed to scripts: an error in a
// validated file belongs to it; a script that did not load and has no error
// of its own gets the errors printed while it loaded (a broken dependency,
// say).
func ReadValidation(paths []string, lines []OutputLine) []ScriptResult {
	res := make([]ScriptResult, len(paths))
	at := make(map[string]int, len(paths))
	for i, p := range paths {
		res[i] = ScriptResult{Path: p, State: ScriptNotRun}
		at[p] = i
	}
	type span struct{ from, to uint64 }
	spans := make(map[string]span, len(paths))
	var issues []Issue
	var parser Parser
	for _, l := range lines {
		_, done := parser.Line(l.Seq, l.Text)
		issues = append(issues, done...)
		switch {
		case strings.HasPrefix(l.Text, markBegin):
			p := l.Text[len(markBegin):]
			if _, ok := at[p]; ok {
				spans[p] = span{from: l.Seq, to: ^uint64(0)}
			}
		case strings.HasPrefix(l.Text, markEnd):
			rest := l.Text[len(markEnd):]
			k := strings.LastIndexByte(rest, ' ')
			if k < 0 {
				continue
			}
			p, state := rest[:k], rest[k+1:]
			if state != ScriptOK && state != ScriptInvalid && state != ScriptFailed {
				continue
			}
			if i, ok := at[p]; ok {
				res[i].State = state
				sp := spans[p]
				sp.to = l.Seq
				spans[p] = sp
			}
		}
	}
	issues = append(issues, parser.Flush()...)
	// A broken script loaded as another's dependency and then on its own
	// prints its error twice: it is listed once.
	type key struct {
		file, msg string
		line      int
	}
	seen := map[key]bool{}
	for _, is := range issues {
		k := key{is.File, is.Message, is.Line}
		if i, ok := at[is.File]; ok && is.Level == LevelError.String() && len(res[i].Errors) < maxScriptErrors && !seen[k] {
			seen[k] = true
			res[i].Errors = append(res[i].Errors, is)
		}
	}
	for i := range res {
		r := &res[i]
		if r.State == ScriptOK || len(r.Errors) > 0 {
			continue
		}
		sp, ok := spans[r.Path]
		if !ok {
			continue
		}
		for _, is := range issues {
			if is.Seq > sp.from && is.Seq < sp.to && is.Level == LevelError.String() && len(r.Errors) < maxScriptErrors {
				r.Errors = append(r.Errors, is)
			}
		}
	}
	return res
}
