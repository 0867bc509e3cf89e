package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParser feeds any bytes, split into lines, to a Parser: it must not
// panic, and what it returns must keep to its bounds and to the seqs fed.
func FuzzParser(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "output", "*.txt"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"",
		"ERROR: f: x\n\n\n",
		"ERROR: x\n   at: push_error (core/variant/variant_utility.cpp:1)\n   GDScript backtrace (most recent call first):\n       [0] f (res://a.gd:2)\n",
		"**SCRIPT ERROR**: x\n   At: res://a.gd:1:f() - x\n",
		"USER WARNING: x\n   at: f (a:1) - y\n",
		"\x1b[1;31mERROR:\x1b[0m x\n\x1b[90m   at: f (C:\\a.cpp:-1)\x1b[0m\n",
		"SCRIPT ERROR: x\r\n\tAt: res://a.gd:99999999999.\r\n[  5% ] x | y\n[ DONE ] x\n",
	} {
		f.Add([]byte(s))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		lines := splitOutputLines(string(data))
		const first = 1 << 40
		levels, issues := feedOutput(lines, first)
		if len(levels) != len(lines) {
			t.Fatalf("%d levels for %d lines", len(levels), len(lines))
		}
		if strings.Trim(levels, "iwe") != "" {
			t.Fatalf("levels %q", levels)
		}
		last := uint64(0)
		for _, is := range issues {
			if is.Seq < first || is.Seq >= first+uint64(len(lines)) {
				t.Fatalf("seq %d outside the seqs fed", is.Seq)
			}
			if is.Seq <= last {
				t.Fatalf("seq %d after %d", is.Seq, last)
			}
			last = is.Seq
			if is.Level != "error" && is.Level != "warning" {
				t.Fatalf("level %q", is.Level)
			}
			if levels[is.Seq-first] != is.Level[0] {
				t.Fatalf("the first line of a %s issue had level %c", is.Level, levels[is.Seq-first])
			}
			switch is.Kind {
			case issueKindScript, issueKindPush, issueKindEngine:
			default:
				t.Fatalf("kind %q", is.Kind)
			}
			if len(is.Message) > maxIssueMessage || len(is.File) > maxIssueLocation || len(is.Function) > maxIssueLocation {
				t.Fatalf("over the bounds: message %d, file %d, function %d bytes", len(is.Message), len(is.File), len(is.Function))
			}
			if strings.ContainsRune(is.Message+is.File+is.Function, 0x1b) {
				t.Fatalf("escape left in %#v", is)
			}
			if is.Line < 0 {
				t.Fatalf("line %d", is.Line)
			}
		}

		// ParseOutput splits the same way and numbers lines from 1.
		whole := ParseOutput(string(data))
		if len(whole) != len(issues) {
			t.Fatalf("ParseOutput found %d issues, Line %d", len(whole), len(issues))
		}
		for i, is := range whole {
			is.Seq += first - 1
			if is != issues[i] {
				t.Fatalf("ParseOutput issue %d = %#v, Line gave %#v", i, is, issues[i])
			}
		}
	})
}
