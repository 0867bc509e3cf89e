package instance

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

// numbered returns n lines "<prefix>1" .. "<prefix>n", each ending in \n.
func numbered(prefix string, from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		fmt.Fprintf(&b, "%s%d\n", prefix, i)
	}
	return b.String()
}

// sourceProject is a project holding one file of each shape the tool meets.
func sourceProject(t testing.TB) *Server {
	t.Helper()
	wide := strings.Repeat("w", 99) + "\n" // 100 bytes a line
	long := strings.Repeat("x", 60<<10)
	longRunes := strings.Repeat("é", 30<<10) // 60 KiB, two bytes a rune
	root := writeTree(t, map[string]string{
		"project.godot":      godot4Project,
		"ten.gd":             numbered("line ", 1, 10),
		"two_thousand.gd":    numbered("l", 1, 2000),
		"big.gd":             numbered("l", 1, 2500),
		"wide.gd":            strings.Repeat(wide, 1000),
		"long.json":          long + "\nsecond\n",
		"long_runes.txt":     longRunes + "\n",
		"short_then_long.gd": "short\n" + long + "\nthird\n",
		"empty.gd":           "",
		"binary.res":         "RSRC\x00\x00\x00\x01",
		"bom.gd":             "\uFEFFextends Node\n",
		"crlf.gd":            "extends Node\r\n\r\nfunc f():\r\n\tpass\r\n",
		"no_newline.gd":      "a\nb",
		"latin1.gd":          "# caf\xe9\nok\n",
		"lfs.png":            "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n",
		"my folder/a b.gd":   "extends Node # spaced\n",
		"ünï/cödé.gd":        "extends Node # non-ASCII\n",
		"scripts/x.gd":       "extends Node\n",
	})
	if err := syscall.Mkfifo(filepath.Join(root, "pipe.gd"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(root, "huge.gd"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(sourceMaxFileBytes + 1); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	return newServer(t, root)
}

func TestGetSourceFile(t *testing.T) {
	s := sourceProject(t)
	long := strings.Repeat("x", 60<<10)
	tests := []struct {
		name string
		args map[string]any
		want SourceFile // Path, Size and Content are checked only when set
		// wantLines is the number of content lines, checked when > 0.
		wantLines int
		wantText  string // substring of the text rendering
		wantErr   string // substring of a tool error
	}{
		{name: "whole file", args: map[string]any{"path": "res://ten.gd"},
			want:     SourceFile{Path: "res://ten.gd", Size: int64(len(numbered("line ", 1, 10))), TotalLines: 10, StartLine: 1, EndLine: 10, Content: numbered("line ", 1, 10)},
			wantText: "res://ten.gd lines 1-10 of 10:\nline 1\n"},
		{name: "range", args: map[string]any{"path": "ten.gd", "start_line": 3, "end_line": 5},
			want: SourceFile{Path: "res://ten.gd", TotalLines: 10, StartLine: 3, EndLine: 5, Content: "line 3\nline 4\nline 5\n"}},
		{name: "single line", args: map[string]any{"path": "ten.gd", "start_line": 7, "end_line": 7},
			want: SourceFile{TotalLines: 10, StartLine: 7, EndLine: 7, Content: "line 7\n"}},
		{name: "end past the end", args: map[string]any{"path": "ten.gd", "start_line": 9, "end_line": 100},
			want: SourceFile{TotalLines: 10, StartLine: 9, EndLine: 10, Content: "line 9\nline 10\n"}},
		{name: "numbers as strings", args: map[string]any{"path": "ten.gd", "start_line": "2", "end_line": " 3 "},
			want: SourceFile{TotalLines: 10, StartLine: 2, EndLine: 3, Content: "line 2\nline 3\n"}},
		{name: "start past the end", args: map[string]any{"path": "ten.gd", "start_line": 11},
			want:     SourceFile{TotalLines: 10, StartLine: 11, EndLine: 10, Content: ""},
			wantText: "start_line 11 is past the end"},
		{name: "end before start", args: map[string]any{"path": "ten.gd", "start_line": 5, "end_line": 4},
			wantErr: "end_line 4 is before start_line 5"},
		{name: "start zero", args: map[string]any{"path": "ten.gd", "start_line": 0}, wantErr: "start_line must be 1 or more"},
		{name: "start negative", args: map[string]any{"path": "ten.gd", "start_line": -3}, wantErr: "start_line must be 1 or more"},
		{name: "exactly the line cap", args: map[string]any{"path": "two_thousand.gd"},
			want: SourceFile{TotalLines: 2000, StartLine: 1, EndLine: 2000}, wantLines: 2000},
		{name: "line cap", args: map[string]any{"path": "big.gd"},
			want:      SourceFile{TotalLines: 2500, StartLine: 1, EndLine: 2000, Truncated: true, NextLine: 2001},
			wantLines: 2000, wantText: "continue with start_line=2001"},
		{name: "read on after the line cap", args: map[string]any{"path": "big.gd", "start_line": 2001},
			want: SourceFile{TotalLines: 2500, StartLine: 2001, EndLine: 2500, Content: numbered("l", 2001, 2500)}},
		{name: "line cap with an explicit end", args: map[string]any{"path": "big.gd", "start_line": 2, "end_line": 2500},
			want: SourceFile{TotalLines: 2500, StartLine: 2, EndLine: 2001, Truncated: true, NextLine: 2002}, wantLines: 2000},
		{name: "byte cap", args: map[string]any{"path": "wide.gd"},
			// A 100-byte line costs 101 bytes JSON-encoded (the newline
			// becomes \n): 364 fit in 36 KiB (36,864 bytes); 365 do not.
			want:      SourceFile{Size: 100_000, TotalLines: 1000, StartLine: 1, EndLine: 364, Truncated: true, NextLine: 365},
			wantLines: 364},
		{name: "one line over the byte cap", args: map[string]any{"path": "long.json"},
			want: SourceFile{TotalLines: 2, StartLine: 1, EndLine: 1, Truncated: true, NextLine: 2, Content: long[:sourceMaxBytes-2] + "\n"}},
		{name: "after the long line", args: map[string]any{"path": "long.json", "start_line": 2},
			want: SourceFile{TotalLines: 2, StartLine: 2, EndLine: 2, Content: "second\n"}},
		{name: "long line of runes cut on a rune", args: map[string]any{"path": "long_runes.txt"},
			want: SourceFile{TotalLines: 1, StartLine: 1, EndLine: 1, Truncated: true, NextLine: 2, Content: strings.Repeat("é", (sourceMaxBytes-2)/2) + "\n"}},
		{name: "long line after a short one", args: map[string]any{"path": "short_then_long.gd"},
			want: SourceFile{TotalLines: 3, StartLine: 1, EndLine: 1, Truncated: true, NextLine: 2, Content: "short\n"}},
		{name: "long line reached by start_line", args: map[string]any{"path": "short_then_long.gd", "start_line": 2},
			want: SourceFile{TotalLines: 3, StartLine: 2, EndLine: 2, Truncated: true, NextLine: 3, Content: long[:sourceMaxBytes-2] + "\n"}},
		{name: "empty file", args: map[string]any{"path": "empty.gd"},
			want:     SourceFile{Path: "res://empty.gd", Size: 0, TotalLines: 0, StartLine: 0, EndLine: 0, Content: ""},
			wantText: "res://empty.gd is empty."},
		{name: "empty file with a start", args: map[string]any{"path": "empty.gd", "start_line": 4},
			want: SourceFile{TotalLines: 0, Content: ""}, wantText: "is empty"},
		{name: "BOM stripped", args: map[string]any{"path": "bom.gd"},
			want: SourceFile{TotalLines: 1, StartLine: 1, EndLine: 1, Content: "extends Node\n"}},
		{name: "CRLF", args: map[string]any{"path": "crlf.gd"},
			want: SourceFile{TotalLines: 4, StartLine: 1, EndLine: 4, Content: "extends Node\n\nfunc f():\n\tpass\n"}},
		{name: "CRLF range", args: map[string]any{"path": "crlf.gd", "start_line": 3, "end_line": 3},
			want: SourceFile{TotalLines: 4, StartLine: 3, EndLine: 3, Content: "func f():\n"}},
		{name: "no final newline", args: map[string]any{"path": "no_newline.gd"},
			want: SourceFile{TotalLines: 2, StartLine: 1, EndLine: 2, Content: "a\nb\n"}},
		{name: "invalid UTF-8 replaced", args: map[string]any{"path": "latin1.gd"},
			want: SourceFile{TotalLines: 2, StartLine: 1, EndLine: 2, Content: "# caf\uFFFD\nok\n"}},
		{name: "LFS pointer", args: map[string]any{"path": "res://lfs.png"},
			want: SourceFile{TotalLines: 3, StartLine: 1, EndLine: 3, LFSPointer: true}, wantText: "Git LFS pointer"},
		{name: "spaces in names", args: map[string]any{"path": "res://my folder/a b.gd"},
			want: SourceFile{Path: "res://my folder/a b.gd", TotalLines: 1, StartLine: 1, EndLine: 1, Content: "extends Node # spaced\n"}},
		{name: "non-ASCII names", args: map[string]any{"path": "ünï/cödé.gd"},
			want: SourceFile{Path: "res://ünï/cödé.gd", TotalLines: 1, StartLine: 1, EndLine: 1, Content: "extends Node # non-ASCII\n"}},
		{name: "binary", args: map[string]any{"path": "binary.res"}, wantErr: "binary file"},
		{name: "FIFO", args: map[string]any{"path": "pipe.gd"}, wantErr: "not a regular file"},
		{name: "folder", args: map[string]any{"path": "res://scripts"}, wantErr: "is a folder"},
		{name: "root folder", args: map[string]any{"path": "res://"}, wantErr: "is a folder"},
		{name: "over the file size limit", args: map[string]any{"path": "huge.gd"}, wantErr: "not served"},
		{name: "missing file", args: map[string]any{"path": "res://nope.gd"}, wantErr: "no such file"},
		{name: "outside", args: map[string]any{"path": "res://../x"}, wantErr: "outside the project root"},
		{name: "path missing", args: map[string]any{}, wantErr: `"path" is required`},
		{name: "path empty", args: map[string]any{"path": " "}, wantErr: `"path" must not be empty`},
		{name: "path a number", args: map[string]any{"path": 42}, wantErr: `"path" must be a string`},
		{name: "start_line a word", args: map[string]any{"path": "ten.gd", "start_line": "abc"}, wantErr: `"start_line" must be a whole number`},
		{name: "start_line a number then junk", args: map[string]any{"path": "ten.gd", "start_line": "5abc"}, wantErr: `"start_line" must be a whole number`},
		{name: "start_line a fraction", args: map[string]any{"path": "ten.gd", "start_line": 1.5}, wantErr: `"start_line" must be a whole number`},
		{name: "end_line a bool", args: map[string]any{"path": "ten.gd", "end_line": true}, wantErr: `"end_line" must be a whole number`},
		{name: "start_line an object", args: map[string]any{"path": "ten.gd", "start_line": map[string]any{}}, wantErr: `"start_line" must be a whole number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := callWithin(t, s, "get_source_file", tt.args, 5*time.Second)
			if tt.wantErr != "" {
				if !res.IsError {
					t.Fatalf("got %s; want a tool error containing %q", res.Structured, tt.wantErr)
				}
				if !strings.Contains(res.text(), tt.wantErr) {
					t.Errorf("error = %q; want it to contain %q", res.text(), tt.wantErr)
				}
				return
			}
			var got SourceFile
			res.decode(t, &got)
			checkSource(t, got, tt.want, tt.wantLines)
			if !strings.Contains(res.text(), tt.wantText) {
				t.Errorf("text = %.200q; want it to contain %q", res.text(), tt.wantText)
			}
		})
	}
}

// checkSource compares the fields that matter and the invariants of every answer.
func checkSource(t *testing.T, got, want SourceFile, wantLines int) {
	t.Helper()
	if got.TotalLines != want.TotalLines || got.StartLine != want.StartLine || got.EndLine != want.EndLine ||
		got.Truncated != want.Truncated || got.NextLine != want.NextLine || got.LFSPointer != want.LFSPointer {
		t.Errorf("got total=%d start=%d end=%d truncated=%v next=%d lfs=%v; want total=%d start=%d end=%d truncated=%v next=%d lfs=%v",
			got.TotalLines, got.StartLine, got.EndLine, got.Truncated, got.NextLine, got.LFSPointer,
			want.TotalLines, want.StartLine, want.EndLine, want.Truncated, want.NextLine, want.LFSPointer)
	}
	if want.Path != "" && got.Path != want.Path {
		t.Errorf("path = %q; want %q", got.Path, want.Path)
	}
	if want.Size != 0 && got.Size != want.Size {
		t.Errorf("size = %d; want %d", got.Size, want.Size)
	}
	if want.Content != "" || want.TotalLines == 0 || want.StartLine > want.TotalLines {
		if got.Content != want.Content {
			t.Errorf("content = %.120q (%d bytes); want %.120q (%d bytes)", got.Content, len(got.Content), want.Content, len(want.Content))
		}
	}
	if n := strings.Count(got.Content, "\n"); got.EndLine >= got.StartLine && got.StartLine > 0 && n != got.EndLine-got.StartLine+1 {
		t.Errorf("content holds %d lines; lines %d-%d were reported", n, got.StartLine, got.EndLine)
	}
	if wantLines > 0 && strings.Count(got.Content, "\n") != wantLines {
		t.Errorf("content holds %d lines; want %d", strings.Count(got.Content, "\n"), wantLines)
	}
	if len(got.Content) > sourceMaxBytes {
		t.Errorf("content is %d bytes, over the %d byte cap", len(got.Content), sourceMaxBytes)
	}
	if !utf8.ValidString(got.Content) {
		t.Errorf("content is not valid UTF-8")
	}
}

// callWithin is callTool with a hang guard: a FIFO or a blocking read must
// not stall a tool call.
func callWithin(t *testing.T, s *Server, name string, args any, limit time.Duration) toolResult {
	t.Helper()
	type answer struct {
		res toolResult
		ok  bool
	}
	done := make(chan answer, 1)
	go func() {
		// callTool may call t.Fatalf, which must run on the test's
		// goroutine: report and let the caller fail instead.
		ok := false
		var res toolResult
		defer func() { done <- answer{res, ok} }()
		res = callTool(t, s, name, args)
		ok = true
	}()
	select {
	case a := <-done:
		if !a.ok {
			t.FailNow()
		}
		return a.res
	case <-time.After(limit):
		t.Fatalf("%s %v did not answer within %v", name, args, limit)
		return toolResult{}
	}
}

// Reading a file in pages with next_line returns every line exactly once.
func TestGetSourceFilePaging(t *testing.T) {
	s := sourceProject(t)
	for _, file := range []string{"big.gd", "wide.gd", "short_then_long.gd"} {
		t.Run(file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(s.Root(), file))
			if err != nil {
				t.Fatal(err)
			}
			wantLines := strings.Count(string(raw), "\n")
			var got strings.Builder
			start, calls := 1, 0
			for {
				calls++
				if calls > 1000 {
					t.Fatal("paging does not end")
				}
				var page SourceFile
				callTool(t, s, "get_source_file", map[string]any{"path": file, "start_line": start}).decode(t, &page)
				if page.StartLine != start {
					t.Fatalf("page starts at %d; asked for %d", page.StartLine, start)
				}
				got.WriteString(page.Content)
				if !page.Truncated {
					break
				}
				if page.NextLine <= start {
					t.Fatalf("next_line %d does not move past start_line %d", page.NextLine, start)
				}
				start = page.NextLine
			}
			if n := strings.Count(got.String(), "\n"); n != wantLines {
				t.Errorf("pages hold %d lines; the file has %d", n, wantLines)
			}
			if file != "short_then_long.gd" && got.String() != string(raw) {
				t.Errorf("pages joined differ from the file")
			}
		})
	}
}

// TestSourceBudgetCountsEscapes: a file of characters that JSON escapes
// (<, >, &, quotes, control bytes) stays within the budget once encoded.
func TestSourceBudgetCountsEscapes(t *testing.T) {
	dir := t.TempDir()
	line := strings.Repeat("<>&\"\x01\\", 20) + "\n"
	p := filepath.Join(dir, "nasty.txt")
	if err := os.WriteFile(p, []byte(strings.Repeat(line, 2000)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := readSource(p, 1, 0, sourceMaxBytes)
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := json.Marshal(out.Content)
	if len(enc) > sourceMaxBytes+2 || !out.Truncated {
		t.Fatalf("encoded content is %d bytes (budget %d), truncated %v", len(enc), sourceMaxBytes, out.Truncated)
	}
	if got := jsonLen(out.Content); got != len(enc)-2 {
		t.Fatalf("jsonLen = %d, encoding/json wrote %d", got, len(enc)-2)
	}
}
