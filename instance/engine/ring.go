package engine

import (
	"bytes"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Bounds of what one run keeps of its output.
const (
	// DefaultRingLines and DefaultRingBytes bound the lines kept; older
	// lines are dropped first.
	DefaultRingLines = 10000
	DefaultRingBytes = 4 << 20
	// MaxLineBytes bounds one line; the rest of a longer line is cut.
	MaxLineBytes = 4096
	// DefaultPageBytes bounds the text of one page of lines.
	DefaultPageBytes = 128 << 10
	// firstIssues are always kept (the first error is often the cause of
	// the rest); after them the latest lastIssues are.
	firstIssues = 50
	lastIssues  = 450
)

// OutputLine is one line the engine printed.
type OutputLine struct {
	Seq   uint64    `json:"seq" jsonschema:"line number in the run's output, from 1"`
	Level string    `json:"level" jsonschema:"info, warning or error"`
	Text  string    `json:"text"`
	At    time.Time `json:"at"`

	level Level
}

// Output is a run's output as it is kept: a ring of the latest lines and
// the errors and warnings pulled out of all of it.
type Output struct {
	mu       sync.Mutex // guards everything below
	maxLines int
	maxBytes int
	lines    []OutputLine // oldest first
	bytes    int
	next     uint64 // the seq of the next line
	dropped  uint64 // lines dropped from the ring
	parser   Parser
	first    []Issue
	last     []Issue // a ring once full: lastAt is the oldest
	lastAt   int
	issues   uint64 // every issue seen
	errors   uint64
	warnings uint64
	onLine   func(OutputLine)
	partial  []byte // a line not yet ended
	cut      bool   // the partial line was cut at MaxLineBytes
}

// NewOutput makes an empty Output; zero bounds mean the defaults.
func NewOutput(maxLines, maxBytes int) *Output {
	if maxLines <= 0 {
		maxLines = DefaultRingLines
	}
	if maxBytes <= 0 {
		maxBytes = DefaultRingBytes
	}
	return &Output{maxLines: maxLines, maxBytes: maxBytes, next: 1}
}

// Write takes raw output, in any pieces; lines end at "\n".
func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	var done []OutputLine
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if room := MaxLineBytes - len(o.partial); room > 0 {
			o.partial = append(o.partial, chunk[:min(len(chunk), room)]...)
			if len(chunk) > room {
				o.cut = true
			}
		} else if len(chunk) > 0 {
			o.cut = true
		}
		if i < 0 {
			break
		}
		done = append(done, o.addLocked(o.takePartial()))
		p = p[i+1:]
	}
	tell := o.onLine
	o.mu.Unlock()
	if tell != nil {
		for _, l := range done {
			tell(l)
		}
	}
	return n, nil
}

// Close ends the output: a last line without "\n" is taken, and the issue
// being read completes.
func (o *Output) Close() {
	o.mu.Lock()
	var last *OutputLine
	if len(o.partial) > 0 || o.cut {
		l := o.addLocked(o.takePartial())
		last = &l
	}
	o.keepIssues(o.parser.Flush())
	tell := o.onLine
	o.mu.Unlock()
	if tell != nil && last != nil {
		tell(*last)
	}
}

// OnLine calls f with each line as it is added (outside the lock, in order
// for one writer).
func (o *Output) OnLine(f func(OutputLine)) {
	o.mu.Lock()
	o.onLine = f
	o.mu.Unlock()
}

func (o *Output) takePartial() string {
	s := strings.TrimSuffix(string(o.partial), "\r")
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if o.cut {
		s += " [line cut]"
	}
	o.partial = o.partial[:0]
	o.cut = false
	return s
}

func (o *Output) addLocked(text string) OutputLine {
	seq := o.next
	o.next++
	level, issues := o.parser.Line(seq, text)
	o.keepIssues(issues)
	l := OutputLine{Seq: seq, Level: level.String(), Text: text, At: time.Now(), level: level}
	o.lines = append(o.lines, l)
	o.bytes += len(text) + 64
	for len(o.lines) > o.maxLines || (o.bytes > o.maxBytes && len(o.lines) > 1) {
		o.bytes -= len(o.lines[0].Text) + 64
		o.lines[0] = OutputLine{}
		o.lines = o.lines[1:]
		o.dropped++
	}
	if cap(o.lines) > 4*o.maxLines && len(o.lines) < cap(o.lines)/4 {
		o.lines = append([]OutputLine(nil), o.lines...)
	}
	return l
}

func (o *Output) keepIssues(issues []Issue) {
	for _, is := range issues {
		o.issues++
		if is.Level == LevelError.String() {
			o.errors++
		} else {
			o.warnings++
		}
		switch {
		case len(o.first) < firstIssues:
			o.first = append(o.first, is)
		case len(o.last) < lastIssues:
			o.last = append(o.last, is)
		default:
			o.last[o.lastAt] = is
			o.lastAt = (o.lastAt + 1) % lastIssues
		}
	}
}

// OutputQuery selects lines of an Output.
type OutputQuery struct {
	Since uint64 // only lines with a greater seq (0: from the oldest kept)
	Min   Level  // only lines at least this serious
	Limit int    // at most this many lines; 0: 200
	// MaxBytes bounds the text of the lines returned (at least one line
	// is); 0: DefaultPageBytes.
	MaxBytes int
	// Tail: when more lines match than Limit, the latest ones (for a
	// first look at a run); else the earliest (for reading on with Since).
	Tail bool
}

// OutputPage is what Lines returns.
type OutputPage struct {
	Lines   []OutputLine `json:"lines"`
	Next    uint64       `json:"next" jsonschema:"pass as since to read on from here"`
	More    bool         `json:"more" jsonschema:"more matching lines follow next"`
	Dropped uint64       `json:"dropped" jsonschema:"older lines the bounded buffer no longer holds"`
	Total   uint64       `json:"total" jsonschema:"lines printed so far"`
}

// Lines returns the lines q selects.
func (o *Output) Lines(q OutputQuery) OutputPage {
	if q.Limit <= 0 {
		q.Limit = 200
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	page := OutputPage{Dropped: o.dropped, Total: o.next - 1, Lines: []OutputLine{}}
	var match []int
	for i := range o.lines {
		l := &o.lines[i]
		if l.Seq > q.Since && l.level >= q.Min {
			match = append(match, i)
		}
	}
	if len(match) > q.Limit {
		page.More = !q.Tail
		if q.Tail {
			match = match[len(match)-q.Limit:]
		} else {
			match = match[:q.Limit]
		}
	}
	if q.MaxBytes <= 0 {
		q.MaxBytes = DefaultPageBytes
	}
	size := 0
	for k := range match {
		i := k
		if q.Tail {
			i = len(match) - 1 - k
		}
		size += len(o.lines[match[i]].Text)
		if size > q.MaxBytes && k > 0 {
			if q.Tail {
				match = match[len(match)-k:]
			} else {
				match = match[:k]
				page.More = true
			}
			break
		}
	}
	for _, i := range match {
		page.Lines = append(page.Lines, o.lines[i])
	}
	switch {
	case page.More:
		page.Next = page.Lines[len(page.Lines)-1].Seq
	default:
		page.Next = o.next - 1
	}
	return page
}

// IssueSummary is the errors and warnings of a run.
type IssueSummary struct {
	Issues   []Issue `json:"issues" jsonschema:"the first 50, then the latest 450"`
	Errors   uint64  `json:"errors"`
	Warnings uint64  `json:"warnings"`
	Omitted  uint64  `json:"omitted,omitempty" jsonschema:"issues between the first and the latest that are not kept"`
}

// Issues returns the issues with a seq above since and at least min in
// level, in order.
func (o *Output) Issues(since uint64, min Level) IssueSummary {
	o.mu.Lock()
	defer o.mu.Unlock()
	all := append([]Issue(nil), o.first...)
	all = append(all, o.last[o.lastAt:]...)
	all = append(all, o.last[:o.lastAt]...)
	out := IssueSummary{Issues: []Issue{}, Errors: o.errors, Warnings: o.warnings, Omitted: o.issues - uint64(len(all))}
	for _, is := range all {
		lv, _ := ParseLevel(is.Level)
		if is.Seq > since && lv >= min {
			out.Issues = append(out.Issues, is)
		}
	}
	return out
}

// Counts says how many lines, errors and warnings were printed so far,
// without copying any of them.
func (o *Output) Counts() (lines, errors, warnings uint64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.next - 1, o.errors, o.warnings
}

// Tail returns the text of the last n lines.
func (o *Output) Tail(n int) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	lines := o.lines[max(0, len(o.lines)-n):]
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.Text
	}
	return out
}
