package gdscript

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden parses every testdata/*.gd and compares the outline with
// testdata/*.golden (JSON). Run `go test -update` after a deliberate change
// and review the diff.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.gd")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".gd")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			s := Parse(src)
			checkPositions(t, src, s)
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "\t")
			if err := enc.Encode(s); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			golden := strings.TrimSuffix(f, ".gd") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("reading the golden file (run go test -update to create it): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("outline differs from %s (run go test -update and review the diff)\n%s", golden, firstDiff(string(want), string(got)))
			}
		})
	}
}

// firstDiff shows the first differing line of two texts.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + itoa(i+1) + ":\n want " + a + "\n  got " + b
		}
	}
	return ""
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// checkPositions checks that every line and error position is inside the
// source.
func checkPositions(t testing.TB, src []byte, s *Script) {
	t.Helper()
	lines := bytes.Count(src, []byte("\n")) + 1
	in := func(what string, line int) {
		if line < 1 || line > lines {
			t.Fatalf("%s at line %d, outside 1..%d", what, line, lines)
		}
	}
	for _, e := range s.Errors {
		in("error "+e.Msg, e.Pos.Line)
		if e.Pos.Col < 1 || e.Msg == "" {
			t.Fatalf("error without a column or message: %+v", e)
		}
	}
	var walk func(c *Script)
	walk = func(c *Script) {
		if c.ClassNameLine != 0 {
			in("class_name", c.ClassNameLine)
		}
		if c.ExtendsLine != 0 {
			in("extends", c.ExtendsLine)
		}
		for _, f := range c.Functions {
			in("func "+f.Name, f.Line)
			in("end of func "+f.Name, f.EndLine)
			if f.EndLine < f.Line {
				t.Fatalf("func %s ends at %d before it starts at %d", f.Name, f.EndLine, f.Line)
			}
			for _, k := range f.Calls {
				in("call", k.Line)
			}
		}
		for _, v := range c.Variables {
			in("var "+v.Name, v.Line)
		}
		for _, k := range c.Classes {
			in("class "+k.Name, k.Line)
			walk(k)
		}
	}
	walk(s)
	for _, r := range s.TypeRefs {
		in("type ref", r.Line)
	}
	for _, r := range s.Loads {
		in("load", r.Line)
	}
	for _, r := range s.Paths {
		in("path", r.Line)
	}
	for _, r := range s.NodePaths {
		in("node path", r.Line)
	}
	for _, r := range s.SignalUses {
		in("signal use", r.Line)
	}
}

// TestParseFacts pins the facts the project index relies on, so that a
// golden update cannot silently lose them.
func TestParseFacts(t *testing.T) {
	read := func(t *testing.T, name string) *Script {
		t.Helper()
		src, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return Parse(src)
	}
	tests := []struct {
		file  string
		check func(t *testing.T, s *Script)
	}{
		{"trap_string_template.gd", func(t *testing.T, s *Script) {
			if len(s.Loads) != 0 {
				t.Errorf("a preload inside a string is not a dependency: %+v", s.Loads)
			}
			for _, p := range s.Paths {
				if strings.ContainsAny(p.Path, "{%") {
					t.Errorf("template path reported: %+v", p)
				}
			}
		}},
		{"trap_export_method.gd", func(t *testing.T, s *Script) {
			if len(s.Functions) == 0 || s.Functions[0].Name != "export" {
				t.Fatalf("func export not read: %+v", s.Functions)
			}
			for _, v := range s.Variables {
				if v.Exported {
					t.Errorf("var %s marked exported by a method named export", v.Name)
				}
			}
			if len(s.Errors) != 0 {
				t.Errorf("errors: %v", s.Errors)
			}
		}},
		{"trap_multiline_string.gd", func(t *testing.T, s *Script) {
			var names []string
			for _, f := range s.Functions {
				names = append(names, f.Name)
			}
			if strings.Join(names, ",") != "build,after" || len(s.Variables) != 1 || len(s.Errors) != 0 {
				t.Errorf("functions %v, variables %+v, errors %v", names, s.Variables, s.Errors)
			}
		}},
		{"trap_extends_path_inner.gd", func(t *testing.T, s *Script) {
			if s.Extends != "res://addons/state_machine/state.gd" || !s.ExtendsPath || s.ExtendsInner != "Inner.Deeper" {
				t.Errorf("extends %q path=%v inner=%q", s.Extends, s.ExtendsPath, s.ExtendsInner)
			}
		}},
		{"trap_no_extends.gd", func(t *testing.T, s *Script) {
			if s.Extends != "" || s.ClassName != "MathUtils" || len(s.Errors) != 0 {
				t.Errorf("extends %q class_name %q errors %v", s.Extends, s.ClassName, s.Errors)
			}
		}},
		{"trap_bom.gd", func(t *testing.T, s *Script) {
			if s.Extends != "Node" || s.ExtendsLine != 1 || len(s.Errors) != 0 {
				t.Errorf("extends %q at %d, errors %v", s.Extends, s.ExtendsLine, s.Errors)
			}
		}},
		{"trap_crlf.gd", func(t *testing.T, s *Script) {
			if len(s.Errors) != 0 || len(s.Functions) != 1 || s.Functions[0].EndLine != 12 || s.Variables[0].Value != "\"a\\\r\nb\"" {
				t.Errorf("errors %v functions %+v variables %+v", s.Errors, s.Functions, s.Variables)
			}
		}},
		{"broken_unterminated_string.gd", func(t *testing.T, s *Script) {
			if len(s.Variables) != 2 || s.Variables[1].Name != "after" {
				t.Errorf("the line after an unterminated string is lost: %+v", s.Variables)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) { tt.check(t, read(t, tt.file)) })
	}
}

// TestBrokenInputs checks that broken scripts report errors with positions
// and say what was expected.
func TestBrokenInputs(t *testing.T) {
	tests := []struct {
		name, src string
		line, col int
		msg       string
	}{
		{"unterminated string", "var a = \"abc\nvar b = 1\n", 1, 9, `unterminated string: expected " before end of line`},
		{"unterminated triple", "var a = '''abc\n", 1, 9, `unterminated string: expected ''' before end of file`},
		{"unclosed paren", "func f():\n\tprint((1)\n", 2, 7, "expected ')' to close '(', found end of file"},
		{"stray closer", "var a = 1)\n", 1, 10, "unexpected ')': no open bracket to close"},
		{"wrong closer", "var a = [1)\n", 1, 11, "expected ']' to close '[' at 1:9, found ')'"},
		{"bad dedent", "func f():\n\t\tpass\n\tpass\n", 3, 2, "unindent does not match any outer indentation level: expected the indentation of an enclosing block"},
		{"mixed", "func f():\n\t pass\n", 2, 1, "mixed tabs and spaces in indentation: expected only tabs or only spaces"},
		{"garbage", "var a = 1 ? 2\n", 1, 11, `unexpected character '?': expected a name, a number, a string or an operator`},
		{"bad byte", "var a = \xff\n", 1, 9, `unexpected character byte 0xFF: expected a name, a number, a string or an operator`},
		{"continuation", "var a = 1 \\ 2\n", 1, 11, `expected a newline after '\' (line continuation)`},
		{"missing name", "func (a):\n\tpass\n", 1, 6, "expected a function name after 'func', found '('"},
		{"missing colon", "func f()\n\tpass\n", 1, 9, "expected ':' after the signature of func f"},
		{"statement", "print(1)\n", 1, 1, "expected a declaration (var, const, func, signal, enum, class, extends, class_name or an annotation), found 'print'"},
		{"bad escape", `var a = "\q"` + "\n", 1, 10, `invalid escape sequence \q: expected one of \n \t \r \a \b \f \v \" \' \\ \u \U`},
		{"short unicode", `var a = "\u12"` + "\n", 1, 10, `invalid escape \u: expected 4 hexadecimal digits`},
		{"extends nothing", "extends\n", 1, 8, "expected a class name or a quoted path after 'extends', found end of line"},
		{"enum", "enum E { 1 }\n", 1, 10, "expected an enum value name, found number 1"},
		{"preload dynamic", "const A = preload(x)\n", 1, 19, "expected one constant string in preload(...), found 'x'"},
		{"unclosed before func", "var a = [1,\nfunc f():\n\tpass\n", 1, 9, "expected ']' to close '[' before the declaration at line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Parse([]byte(tt.src))
			checkPositions(t, []byte(tt.src), s)
			for _, e := range s.Errors {
				if e.Pos.Line == tt.line && e.Pos.Col == tt.col && e.Msg == tt.msg {
					return
				}
			}
			t.Errorf("want %d:%d: %s\ngot %v", tt.line, tt.col, tt.msg, s.Errors)
		})
	}
}

func TestErrorString(t *testing.T) {
	e := Error{Pos: Pos{3, 7}, Msg: "expected ')'"}
	if got := e.Error(); got != "3:7: expected ')'" {
		t.Errorf("got %q", got)
	}
	e.File = "res://a.gd"
	if got := e.Error(); got != "res://a.gd:3:7: expected ')'" {
		t.Errorf("got %q", got)
	}
}

func TestGodot3SuperInit(t *testing.T) {
	s := Parse([]byte("extends \"res://base.gd\"\n\nfunc _init(a, b).(a):\n\tsetup(b)\n\nfunc setup(x):\n\tpass\n"))
	if len(s.Errors) != 0 {
		t.Fatalf("errors: %v", s.Errors)
	}
	if len(s.Functions) != 2 || s.Functions[0].Name != "_init" || len(s.Functions[0].Params) != 2 || s.Functions[0].EndLine != 4 {
		t.Fatalf("functions: %+v", s.Functions)
	}
	if len(s.Functions[0].Calls) != 1 || s.Functions[0].Calls[0].Name != "setup" {
		t.Fatalf("calls: %+v", s.Functions[0].Calls)
	}
}

func TestAwaitedSignals(t *testing.T) {
	s := Parse([]byte("extends Node\n\nfunc f():\n\tawait get_tree().process_frame\n\tawait timer.timeout\n\tawait died\n\tawait self.load_done()\n\tyield(get_tree().create_timer(1.0), \"timeout\")\n"))
	var got []string
	for _, u := range s.SignalUses {
		if u.Kind == "await" {
			got = append(got, fmt.Sprintf("%s@%d", u.Signal, u.Line))
		}
	}
	want := []string{"timeout@5", "died@6", "timeout@8"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("awaited signals = %v, want %v", got, want)
	}
}

func TestGetNodeWithNodePath(t *testing.T) {
	s := Parse([]byte("extends Node\n\nfunc f():\n\tvar a = get_node(NodePath(\"HUD/Score\"))\n\tvar b = get_node(\"HUD/Lives\")\n"))
	var got []string
	for _, n := range s.NodePaths {
		got = append(got, fmt.Sprintf("%s@%d", n.Path, n.Line))
	}
	if fmt.Sprint(got) != "[HUD/Score@4 HUD/Lives@5]" {
		t.Fatalf("node paths = %v", got)
	}
}
