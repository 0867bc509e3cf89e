package gdscript

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fuzzSeeds are the small fixtures plus snippets of every construct. Large
// fixtures are left out: the fuzzer minimizes each new interesting input,
// and that is slow on big ones.
func fuzzSeeds(t testing.TB) [][]byte {
	seeds := [][]byte{
		[]byte("extends Node\nfunc f():\n\tpass\n"),
		[]byte("\uFEFF@tool\nclass_name A extends \"res://b.gd\".C\r\n"),
		[]byte("var x: int = 0:\n\tset(v):\n\t\tx = v\n\tget:\n\t\treturn x\n"),
		[]byte("var y := 1: set = _s, get = _g\nvar z = 1 setget a, b\n"),
		[]byte("export(int, 0, 10) var a = 1\nonready var b = $A/B\nremote func f(): pass\n"),
		[]byte("f(func(a = func(b): return b): return a, %U, $\"q\", ^\"n\", &\"s\", r'\\d', '''t''')\n"),
		[]byte("enum E { A = 1, B }\nsignal s(a: int, b)\nconst C: Array[int] = [1]\n"),
		[]byte("class A:\n\tclass B extends C:\n\t\tfunc f(...a): preload(\"res://x\")\n"),
		[]byte("func f():\n\tmatch x:\n\t\tvar y when y is Foo:\n\t\t\temit_signal(\"s\")\n"),
		[]byte("a = \"\\u00e9\\uD83D\\uDE00\\U01F600\\\n\" \\\n + 1 % 2\n"),
		[]byte("func f(\n\ta,\n\tb := {1: [2, (3)]},\n) -> Dictionary[String, int]: return {}\n"),
		[]byte("var s = \"\"\"\n#define X\nfunc g():\n\"\"\"\n"),
		[]byte("(]\n\t  \t?`\xff\x00\"unterminated\n'''\n"),
	}
	files, err := filepath.Glob("testdata/*.gd")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) <= 2048 {
			seeds = append(seeds, b)
		}
	}
	return seeds
}

// checkTokens checks the invariants of a token stream: it ends with EOF,
// positions are inside the source and never go backwards, and Raw is the
// source text of every token that has one.
func checkTokens(t *testing.T, src []byte, toks []Token, errs []Error) {
	t.Helper()
	lines := bytes.Count(src, []byte("\n")) + 1
	if len(toks) == 0 || toks[len(toks)-1].Kind != EOF {
		t.Fatalf("the token stream does not end with EOF")
	}
	var prev Pos
	for i, tk := range toks {
		if tk.Pos.Line < 1 || tk.Pos.Line > lines || tk.Pos.Col < 1 || tk.End().Line > lines {
			t.Fatalf("token %d %v outside the %d lines of the source", i, tk, lines)
		}
		if tk.Pos.Line < prev.Line || tk.Pos.Line == prev.Line && tk.Pos.Col < prev.Col {
			t.Fatalf("token %d %v before the previous token at %v", i, tk, prev)
		}
		if tk.End().Line < tk.Pos.Line || tk.End().Line == tk.Pos.Line && tk.End().Col < tk.Pos.Col {
			t.Fatalf("token %d %v ends at %v, before it starts", i, tk, tk.End())
		}
		if tk.Raw != "" && !bytes.Contains(src, []byte(tk.Raw)) {
			t.Fatalf("token %d raw %q is not in the source", i, tk.Raw)
		}
		prev = tk.Pos
	}
	for _, e := range errs {
		if e.Pos.Line < 1 || e.Pos.Line > lines || e.Pos.Col < 1 || e.Msg == "" {
			t.Fatalf("error %+v outside the %d lines of the source or without a message", e, lines)
		}
	}
	if len(errs) > maxErrors+1 {
		t.Fatalf("%d errors, more than the limit", len(errs))
	}
}

func FuzzTokenize(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		start := time.Now()
		toks, errs := Tokenize(src)
		checkTokens(t, src, toks, errs)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("tokenizing %d bytes took %v", len(src), d)
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		start := time.Now()
		s := Parse(src)
		if s == nil {
			t.Fatal("Parse returned nil")
		}
		checkPositions(t, src, s)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("parsing %d bytes took %v", len(src), d)
		}
	})
}

// TestDeepNesting checks that pathological nesting costs bounded time and
// stack: inner classes and lambdas in default values are the only places
// the parser recurses.
func TestDeepNesting(t *testing.T) {
	var classes strings.Builder
	for i := range 2000 {
		classes.WriteString(strings.Repeat("\t", i) + "class C:\n")
	}
	classes.WriteString(strings.Repeat("\t", 2000) + "var x\n")
	lambdas := "func f(a = " + strings.Repeat("func(a = ", 5000) + "1" + strings.Repeat("): 1", 5000) + "): pass\n"
	tests := []struct{ name, src, wantErr string }{
		{"classes", classes.String(), "classes nested too deeply"},
		{"lambdas", lambdas, "code nested too deeply"},
		{"brackets", "var a = " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "\n", ""},
		{"types", "var a: " + strings.Repeat("Array[", 100000) + "int" + strings.Repeat("]", 100000) + "\n", ""},
		{"long line of calls", "func f():\n\t" + strings.Repeat("a();b();", 50000) + "\n", ""},
		{"many distinct calls on a line", "func f():\n\t" + manyCalls(20000) + "\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			s := Parse([]byte(tt.src))
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
			checkPositions(t, []byte(tt.src), s)
			if tt.wantErr == "" {
				return
			}
			for _, e := range s.Errors {
				if strings.Contains(e.Msg, tt.wantErr) {
					return
				}
			}
			t.Errorf("no error %q in %v", tt.wantErr, s.Errors)
		})
	}
}

func manyCalls(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("f")
		b.WriteString(strings.Repeat("x", i%50))
		b.WriteString(string(rune('a' + i%26)))
		b.WriteString("();")
	}
	return b.String()
}
