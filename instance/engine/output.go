package engine

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// The engine prints an error or a warning as a header line, sometimes more
// lines of message, then a location line. Godot 3 (UnixTerminalLogger in
// drivers/unix/os_unix.cpp, seen in testdata/output/godot3_*.txt):
//
//	ERROR: _fs_changed: Cannot export project with preset 'Linux/X11' due to configuration errors:
//	No export template found at the expected path:
//	...
//
//	   At: editor/editor_node.cpp:730.
//
// Godot 3's file log (Logger::log_error in core/io/logger.cpp, the format of
// user://logs/godot.log) prints "**ERROR**: message" and
// "   At: FILE:LINE:FUNCTION() - CODE". Godot 4 (the same two files) names
// the function on the location line only, indented by the header's width:
//
//	SCRIPT ERROR: Parse Error: Expected expression after "+=" operator.
//	          at: GDScript::reload (res://bad.gd:5)
//
// Godot 4.0's base Logger printed "USER ERROR: message" for errors raised
// without editor notification, and a location "at: FUNC (FILE:LINE) - CODE".
// Godot 4.5's _err_print_error (core/error/error_macros.cpp) passes the
// script backtraces, and the terminal logger prints each after the location
// (ScriptBacktrace::format in core/object/script_backtrace.cpp):
//
//	ERROR: an error pushed
//	   at: push_error (core/variant/variant_utility.cpp:1024)
//	   GDScript backtrace (most recent call first):
//	       [0] _ready (res://main.gd:8)
//
// Godot 4's editor on the command line prints export progress as
// "[  12% ] savepack | Storing File: ..." and "[ DONE ] savepack"
// (EditorNode::progress_task_step and progress_end_task); these, the banner
// and Godot 3's "savepack:" lines are info and end an issue being read.
//
// Not confirmed from source: the terminal logger's indentation of a
// backtrace (taken from Godot 4.5 to 4.7 output in public logs: the
// location's indentation, frames four spaces further). The parser does not
// depend on any indentation, only on a location line being indented.

// Level is how serious an output line is.
type Level uint8

const (
	LevelInfo    Level = iota // plain output (print, engine banner)
	LevelWarning              // a warning's lines
	LevelError                // an error's lines
)

func (l Level) String() string {
	switch l {
	case LevelInfo:
		return "info"
	case LevelWarning:
		return "warning"
	case LevelError:
		return "error"
	}
	return "Level(" + strconv.Itoa(int(l)) + ")"
}

// ParseLevel reads "info", "warning", "error" (case-insensitive; also
// "warn", "err", and "all" for LevelInfo); ok is false otherwise.
func ParseLevel(s string) (Level, bool) {
	switch strings.ToLower(s) {
	case "info", "all":
		return LevelInfo, true
	case "warning", "warn":
		return LevelWarning, true
	case "error", "err":
		return LevelError, true
	}
	return LevelInfo, false
}

// Issue is one error or warning the engine printed.
type Issue struct {
	Level string `json:"level"` // "error" or "warning"
	// Kind is "script": in a project file (SCRIPT ERROR/WARNING, or a
	// location in a script rather than in C++ source); "push":
	// push_error/push_warning from a script; "engine": from the engine's own
	// C++ code, or no location was printed.
	Kind string `json:"kind"`
	// File is "res://main.gd", or the engine source file like
	// "core/translation.cpp"; "" when none was printed. For a Godot 4.5
	// push_error with a backtrace, the script of the backtrace's frame [0].
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
	Function string `json:"function,omitempty"` // the function the engine named, e.g. "_ready", "GDScript::reload"
	// Message is the message, without the "ERROR: " prefix or the function;
	// the lines of a multi-line message are joined with "\n".
	Message string `json:"message"`
	Seq     uint64 `json:"seq"` // the seq of the issue's first line
}

// Kinds of Issue.
const (
	issueKindScript = "script"
	issueKindPush   = "push"
	issueKindEngine = "engine"
)

// Bounds of what the parser keeps. A line may be megabytes long: only its
// first issueScanBytes are looked at, and what is kept of it is copied.
const (
	maxIssueLines    = 32   // continuation lines of one issue
	maxIssueMessage  = 4096 // bytes of one issue's message
	maxIssueFunction = 256  // bytes of a function named in a Godot 3 header
	maxIssueLocation = 4096 // a longer line is not a location line
	issueScanBytes   = 16 << 10
)

// Parser reads engine output line by line. The zero value is ready. Not
// safe for concurrent use.
//
// An issue is complete when its location line arrives, or when a line that
// cannot belong to it arrives (a new header, the banner, an export progress
// line), or at Flush. One exception: a Godot 4 push_error/push_warning is
// returned one line later, because a backtrace naming the script that called
// it may follow its location.
type Parser struct {
	pending *pendingIssue // header seen, location not yet
	held    *Issue        // a located Godot 4 push whose backtrace may follow
	tail    issueTail     // what may follow the last located issue
	tailLvl Level         // the level of that issue
	// named is whether headers name the function ("ERROR: func: message",
	// Godot 3's terminal): namedYes or namedNo once the output showed
	// which, namedUnknown before.
	named int8
}

const (
	namedUnknown int8 = iota
	namedYes
	namedNo
)

// issueTail is where the parser is after an issue's location.
type issueTail uint8

const (
	tailNone      issueTail = iota
	tailLocated             // a backtrace header may follow
	tailBacktrace           // in a backtrace: frames or another backtrace may follow
)

type pendingIssue struct {
	seq    uint64
	level  Level
	script bool   // the header said SCRIPT
	header string // the header after "ERROR: ", bounded
	cont   []byte // continuation lines, each after a "\n", bounded
	lines  int    // continuation lines taken
	full   bool   // the message bound is reached
}

// Line takes the next line and its sequence number (seq grows by 1 per line,
// given by the caller). It returns the line's level, and the issues that are
// complete now.
//
// A line after a header and before a location gets the pending issue's
// level; if no location comes, the level given stands, but only the header
// makes the message (the lines in between were not shown to belong to it).
func (p *Parser) Line(seq uint64, line string) (Level, []Issue) {
	long := len(line) > maxIssueLocation
	if len(line) > issueScanBytes {
		line = line[:issueScanBytes]
	}
	line = stripOutputCSI(line)
	var out []Issue

	if p.tail != tailNone {
		if lvl, ok := p.backtraceLine(line, &out); ok {
			return lvl, out
		}
		out = p.endTail(out)
	}

	if h, ok := parseIssueHeader(line); ok {
		if p.pending != nil {
			out = append(out, p.completeUnlocated())
		}
		p.pending = &pendingIssue{seq: seq, level: h.level, script: h.script, header: h.text}
		return h.level, out
	}

	if p.pending == nil {
		p.noteBanner(line)
		return LevelInfo, out
	}
	if !long {
		if loc, ok := parseIssueLocation(line); ok {
			is, hold := p.locate(loc)
			lvl := p.pending.level
			p.pending = nil
			p.tail, p.tailLvl = tailLocated, lvl
			if hold {
				p.held = &is
			} else {
				out = append(out, is)
			}
			return lvl, out
		}
	}
	if isForeignLine(line) || p.pending.full || p.pending.lines >= maxIssueLines {
		out = append(out, p.completeUnlocated())
		p.noteBanner(line)
		return LevelInfo, out
	}
	p.pending.add(line)
	return p.pending.level, out
}

// Flush returns the issue still being read, if any (call at end of output).
func (p *Parser) Flush() []Issue {
	out := p.endTail(nil)
	if p.pending != nil {
		out = append(out, p.completeUnlocated())
	}
	return out
}

// ParseOutput is a convenience: all issues of a whole text (split on "\n",
// a trailing "\r" stripped from each line). Seqs are line numbers from 1.
func ParseOutput(text string) []Issue {
	var p Parser
	var out []Issue
	for seq := uint64(1); text != ""; seq++ {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		_, is := p.Line(seq, strings.TrimRight(line, "\r"))
		out = append(out, is...)
	}
	return append(out, p.Flush()...)
}

// backtraceLine takes a line of a backtrace after a located issue.
func (p *Parser) backtraceLine(line string, out *[]Issue) (Level, bool) {
	t := strings.TrimLeft(line, " \t")
	if isBacktraceHeader(t) {
		p.tail = tailBacktrace
		return p.tailLvl, true
	}
	if p.tail != tailBacktrace || len(t) == len(line) {
		return 0, false
	}
	idx, rest, ok := cutFrameIndex(t)
	if !ok {
		return 0, false
	}
	if p.held != nil {
		// Frame [0] is the script line that called push_error.
		if idx == 0 && len(rest) <= maxIssueLocation {
			if _, file, n, ok := parseCallSite(rest); ok && file != "" {
				p.held.File, p.held.Line = strings.Clone(file), n
			}
		}
		*out = append(*out, *p.held)
		p.held = nil
	}
	return p.tailLvl, true
}

// endTail ends what follows a located issue, returning a held issue.
func (p *Parser) endTail(out []Issue) []Issue {
	p.tail = tailNone
	if p.held != nil {
		out = append(out, *p.held)
		p.held = nil
	}
	return out
}

// noteBanner learns the engine's major version from its banner, which
// settles how a header without a location is read.
func (p *Parser) noteBanner(line string) {
	if v, ok := strings.CutPrefix(line, "Godot Engine v"); ok && v != "" && p.named == namedUnknown {
		if v[0] == '3' {
			p.named = namedYes
		} else if v[0] >= '4' && v[0] <= '9' {
			p.named = namedNo
		}
	}
}

func (pi *pendingIssue) add(line string) {
	line = strings.TrimRight(line, " \t\r")
	room := maxIssueMessage - len(pi.header) - len(pi.cont) - 1
	if room <= len(line) {
		line = truncateUTF8(line, max(room, 0))
		pi.full = true
	}
	pi.cont = append(pi.cont, '\n')
	pi.cont = append(pi.cont, line...)
	pi.lines++
}

// locate completes the pending issue with its location; hold says the issue
// is a Godot 4 push whose backtrace may name the script.
func (p *Parser) locate(loc issueLocation) (Issue, bool) {
	pi := p.pending
	is := Issue{Level: pi.level.String(), Seq: pi.seq, File: strings.Clone(loc.file), Line: loc.line}
	msg := pi.header
	if loc.named {
		is.Function = strings.Clone(loc.function)
		p.named = namedNo
	} else {
		is.Function, msg = splitHeaderFunction(msg, false)
		p.named = namedYes
	}
	is.Message = joinIssueMessage(msg, pi.cont)
	is.Kind = issueKind(pi.script, is.Function, is.File)
	return is, loc.major == 4 && is.Kind == issueKindPush && isEngineSource(is.File)
}

// completeUnlocated completes the pending issue without a location.
func (p *Parser) completeUnlocated() Issue {
	pi := p.pending
	p.pending = nil
	is := Issue{Level: pi.level.String(), Seq: pi.seq}
	msg := pi.header
	if p.named != namedNo {
		is.Function, msg = splitHeaderFunction(msg, p.named == namedUnknown)
	}
	is.Message = joinIssueMessage(msg, nil)
	is.Kind = issueKind(pi.script, is.Function, "")
	return is
}

type issueHeader struct {
	level  Level
	script bool
	text   string
}

// parseIssueHeader reads "ERROR: ", "WARNING: ", "SCRIPT ERROR: ",
// "SHADER ERROR: ", each maybe after "USER ", or Godot 3's file log
// "**ERROR**: ". The text kept is bounded and copied.
func parseIssueHeader(line string) (issueHeader, bool) {
	s := line
	stars := false
	if r, ok := strings.CutPrefix(s, "**"); ok {
		s, stars = r, true
	} else {
		s = strings.TrimPrefix(s, "USER ")
	}
	var h issueHeader
	if r, ok := strings.CutPrefix(s, "SCRIPT "); ok {
		s, h.script = r, true
	} else if r, ok := strings.CutPrefix(s, "SHADER "); ok {
		s = r
	}
	switch {
	case strings.HasPrefix(s, "ERROR"):
		h.level, s = LevelError, s[len("ERROR"):]
	case strings.HasPrefix(s, "WARNING"):
		h.level, s = LevelWarning, s[len("WARNING"):]
	default:
		return h, false
	}
	if stars {
		var ok bool
		if s, ok = strings.CutPrefix(s, "**"); !ok {
			return h, false
		}
	}
	s, ok := strings.CutPrefix(s, ":")
	if !ok || (s != "" && s[0] != ' ') {
		return h, false
	}
	s = strings.TrimPrefix(s, " ")
	h.text = strings.Clone(truncateUTF8(s, maxIssueMessage+maxIssueFunction+2))
	return h, true
}

// splitHeaderFunction cuts Godot 3's "FUNCTION: message". The function has
// no spaces (it may hold "::"); strict also wants only identifier characters,
// for a header whose engine version is not known yet.
func splitHeaderFunction(text string, strict bool) (function, message string) {
	fn, msg, ok := strings.Cut(text, ": ")
	if !ok || len(fn) > maxIssueFunction || strings.ContainsAny(fn, " \t") {
		return "", text
	}
	if strict && (fn == "" || strings.ContainsFunc(fn, func(r rune) bool {
		return r != '_' && r != ':' && !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	})) {
		return "", text
	}
	return strings.Clone(fn), msg
}

// joinIssueMessage joins the header's message and the continuation lines:
// trailing spaces and empty trailing lines go, and the result is bounded.
func joinIssueMessage(header string, cont []byte) string {
	var b strings.Builder
	b.Grow(min(len(header)+len(cont), maxIssueMessage))
	b.WriteString(strings.TrimRight(header, " \t\r"))
	b.Write(cont)
	msg := strings.TrimLeft(strings.TrimRight(b.String(), " \t\r\n"), "\n")
	return truncateUTF8(msg, maxIssueMessage)
}

type issueLocation struct {
	function string
	file     string
	line     int
	named    bool // the location names the function (not Godot 3's terminal)
	major    int  // 3 or 4: the engine that prints this form
}

// parseIssueLocation reads an indented location line, "At:" or "at:".
func parseIssueLocation(line string) (issueLocation, bool) {
	t := strings.TrimLeft(line, " \t")
	if len(t) == len(line) {
		return issueLocation{}, false
	}
	rest, ok := strings.CutPrefix(t, "At: ")
	if !ok {
		if rest, ok = strings.CutPrefix(t, "at: "); !ok {
			return issueLocation{}, false
		}
	}
	rest = strings.TrimRight(rest, " \t\r")

	// Godot 3's file log: "FILE:LINE:FUNC() - CODE".
	if loc, ok := parseFileLogLocation(rest); ok {
		return loc, true
	}
	// Godot 3: "FILE:LINE."
	if s, ok := strings.CutSuffix(rest, "."); ok {
		if file, n, ok := cutLineNumber(s); ok {
			return issueLocation{file: file, line: n, major: 3}, true
		}
	}
	// Godot 4: "FUNC (FILE:LINE)", maybe with " - CODE" after (4.0's file
	// log).
	if fn, file, n, ok := parseCallSite(rest); ok && file != "" {
		return issueLocation{function: fn, file: file, line: n, named: true, major: 4}, true
	}
	return issueLocation{}, false
}

// parseFileLogLocation reads "FILE:LINE:FUNC() - CODE" or "FILE:LINE:FUNC()".
func parseFileLogLocation(rest string) (issueLocation, bool) {
	if i := strings.Index(rest, "() - "); i >= 0 {
		rest = rest[:i]
	} else if s, ok := strings.CutSuffix(rest, "()"); ok {
		rest = s
	} else {
		return issueLocation{}, false
	}
	for i := 0; i < len(rest); i++ {
		if rest[i] != ':' {
			continue
		}
		j := i + 1
		for j < len(rest) && '0' <= rest[j] && rest[j] <= '9' {
			j++
		}
		if j > i+1 && j < len(rest) && rest[j] == ':' {
			if n, ok := atoiLine(rest[i+1 : j]); ok {
				return issueLocation{function: rest[j+1:], file: rest[:i], line: n, named: true, major: 3}, true
			}
		}
	}
	return issueLocation{}, false
}

// parseCallSite reads "FUNC (FILE:LINE)" as Godot 4 prints a location or a
// backtrace frame; a frame may be "FUNC" alone. Anything after the ")" must
// be " - CODE".
func parseCallSite(s string) (function, file string, line int, ok bool) {
	i := strings.Index(s, " (")
	if i < 0 {
		return s, "", 0, !strings.ContainsAny(s, "()")
	}
	function, r := s[:i], s[i+2:]
	for k := 0; k < len(r); k++ {
		if r[k] != ')' {
			continue
		}
		if after := r[k+1:]; after != "" && !strings.HasPrefix(after, " - ") {
			continue
		}
		if file, n, ok := cutLineNumber(r[:k]); ok {
			return function, file, n, true
		}
	}
	return "", "", 0, false
}

// cutLineNumber cuts "FILE:LINE" at its last colon (a Windows path has
// others).
func cutLineNumber(s string) (file string, line int, ok bool) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return "", 0, false
	}
	n, ok := atoiLine(s[i+1:])
	return s[:i], n, ok
}

// atoiLine reads a line number; a negative one (unknown) reads as 0.
func atoiLine(s string) (int, bool) {
	neg := false
	if r, ok := strings.CutPrefix(s, "-"); ok {
		s, neg = r, true
	}
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	if neg {
		return 0, true
	}
	return n, true
}

// isBacktraceHeader reads "GDScript backtrace (most recent call first):";
// other script languages print their own name first.
func isBacktraceHeader(t string) bool {
	lang, ok := strings.CutSuffix(strings.TrimRight(t, " \t\r"), " backtrace (most recent call first):")
	return ok && lang != "" && len(lang) <= 32 && !strings.ContainsAny(lang, " \t")
}

// cutFrameIndex cuts a backtrace frame's "[N] ".
func cutFrameIndex(t string) (idx int, rest string, ok bool) {
	s, ok := strings.CutPrefix(t, "[")
	if !ok {
		return 0, "", false
	}
	num, rest, ok := strings.Cut(s, "] ")
	if !ok {
		return 0, "", false
	}
	if n, ok := atoiLine(num); ok && !strings.HasPrefix(num, "-") {
		return n, rest, true
	}
	return 0, "", false
}

// isForeignLine reports a line that cannot continue an issue's message: the
// banner, Godot 3's "savepack:" lines, Godot 4's export progress.
func isForeignLine(line string) bool {
	t := strings.TrimLeft(line, " \t")
	if strings.HasPrefix(line, "Godot Engine v") || strings.HasPrefix(t, "savepack:") {
		return true
	}
	s, ok := strings.CutPrefix(t, "[")
	if !ok {
		return false
	}
	inner, _, ok := strings.Cut(s, "]")
	if !ok || len(inner) > 8 {
		return false
	}
	inner = strings.TrimSpace(inner)
	if inner == "DONE" {
		return true
	}
	pct, ok := strings.CutSuffix(inner, "%")
	_, isNum := atoiLine(pct)
	return ok && isNum && !strings.HasPrefix(pct, "-")
}

// issueKind tells where an issue comes from.
func issueKind(script bool, function, file string) string {
	switch {
	case script:
		return issueKindScript
	case function == "push_error" || function == "push_warning":
		return issueKindPush
	case function == "call" && sourceBase(file) == "gdscript_functions.cpp":
		// Godot 3's push_error/push_warning print from
		// GDScriptFunctions::call; its other errors are reported as call
		// errors, not printed.
		return issueKindPush
	case file != "" && !isEngineSource(file):
		return issueKindScript
	}
	return issueKindEngine
}

// isEngineSource reports a C or C++ source file, as the engine's own errors
// name.
func isEngineSource(file string) bool {
	base := sourceBase(file)
	i := strings.LastIndexByte(base, '.')
	if i < 0 {
		return false
	}
	switch strings.ToLower(base[i+1:]) {
	case "cpp", "cc", "cxx", "c", "h", "hpp", "hh", "inc", "inl", "m", "mm":
		return true
	}
	return false
}

// sourceBase is a path's last element, for "/" and Windows "\" alike.
func sourceBase(file string) string {
	return file[strings.LastIndexAny(file, `/\`)+1:]
}

// stripOutputCSI removes ANSI CSI sequences (colours) and stray ESC bytes.
func stripOutputCSI(s string) string {
	i := strings.IndexByte(s, 0x1b)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i >= 0 {
		b.WriteString(s[:i])
		s = s[i+1:]
		if s != "" && s[0] == '[' {
			j := 1
			for j < len(s) && s[j] >= 0x30 && s[j] <= 0x3f {
				j++
			}
			for j < len(s) && s[j] >= 0x20 && s[j] <= 0x2f {
				j++
			}
			if j < len(s) && s[j] >= 0x40 && s[j] <= 0x7e {
				j++
			}
			s = s[j:]
		}
		i = strings.IndexByte(s, 0x1b)
	}
	b.WriteString(s)
	return b.String()
}

// truncateUTF8 cuts s to at most n bytes, not inside a UTF-8 sequence.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
