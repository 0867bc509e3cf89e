package gdscript

import (
	"fmt"
	"strings"
	"testing"
)

// render shows tokens compactly: Kind for structure, Kind(text) otherwise,
// with the string flags when there are any.
func render(toks []Token) string {
	var parts []string
	for _, t := range toks {
		switch t.Kind {
		case Newline:
			parts = append(parts, "NL")
		case Indent:
			parts = append(parts, "IN")
		case Dedent:
			parts = append(parts, "DE")
		case EOF:
			parts = append(parts, "EOF")
		case String:
			if t.Str != 0 {
				parts = append(parts, fmt.Sprintf("String[%s](%s)", t.Str, t.Text))
			} else {
				parts = append(parts, fmt.Sprintf("String(%s)", t.Text))
			}
		default:
			parts = append(parts, fmt.Sprintf("%s(%s)", t.Kind, t.Text))
		}
	}
	return strings.Join(parts, " ")
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"empty", "", "EOF"},
		{"identifiers and keywords", "var x = self", "Keyword(var) Identifier(x) Operator(=) Keyword(self) NL EOF"},
		{"contextual words", "tool export onready setget when yield remote", "Identifier(tool) Identifier(export) Identifier(onready) Identifier(setget) Identifier(when) Identifier(yield) Identifier(remote) NL EOF"},
		{"unicode identifier", "var 名前 = vélocité", "Keyword(var) Identifier(名前) Operator(=) Identifier(vélocité) NL EOF"},
		{"annotation", "@export_range(0, 10) var a", "Annotation(@export_range) Operator(() Number(0) Operator(,) Number(10) Operator()) Keyword(var) Identifier(a) NL EOF"},
		{"numbers", "1 1_000 0x1F 0b101 1.5 1e10 1.5e-3 1. 2.0e+2 [.5]", "Number(1) Number(1_000) Number(0x1F) Number(0b101) Number(1.5) Number(1e10) Number(1.5e-3) Number(1.) Number(2.0e+2) Operator([) Number(.5) Operator(]) NL EOF"},
		{"number method", "a = 1.abs()", "Identifier(a) Operator(=) Number(1) Operator(.) Identifier(abs) Operator(() Operator()) NL EOF"},
		{"member not number", "v.x", "Identifier(v) Operator(.) Identifier(x) NL EOF"},
		{"operators", "a **= b << 2 != c -> d ... e..f := g", "Identifier(a) Operator(**=) Identifier(b) Operator(<<) Number(2) Operator(!=) Identifier(c) Operator(->) Identifier(d) Operator(...) Identifier(e) Operator(..) Identifier(f) Operator(:) Operator(=) Identifier(g) NL EOF"},
		{"double string", `"a\tb\n\"q\" \\ \u00e9\U01F600"`, "String(a\tb\n\"q\" \\ é😀) NL EOF"},
		{"single string", `'it\'s "x"'`, `String(it's "x") NL EOF`},
		{"surrogate pair", `"\uD83D\uDE00"`, "String(😀) NL EOF"},
		{"triple string", "\"\"\"a\n#define X\nb\"\"\"", "String[multiline](a\n#define X\nb) NL EOF"},
		{"triple single", "'''it's'''", "String[multiline](it's) NL EOF"},
		{"raw string", `r"a\nb\"c"`, `String[raw](a\nb\"c) NL EOF`},
		{"raw single", `r'\d'`, `String[raw](\d) NL EOF`},
		{"raw triple", "r\"\"\"x\\n\ny\"\"\"", "String[raw|multiline](x\\n\ny) NL EOF"},
		{"string name", `&"jump"`, "String[name](jump) NL EOF"},
		{"node path literal", `^"A/B:c"`, "String[nodepath](A/B:c) NL EOF"},
		{"godot 3 node path", `@"A/B"`, "String[nodepath](A/B) NL EOF"},
		{"string continuation", "\"ab\\\ncd\"", "String(abcd) NL EOF"},
		{"string continuation crlf", "\"ab\\\r\ncd\"", "String(abcd) NL EOF"},
		{"hash in string", `"# no"  # yes`, "String(# no) Comment(# yes) NL EOF"},
		{"dollar path", "$A/B/C.x", "NodeRef(A/B/C) Operator(.) Identifier(x) NL EOF"},
		{"dollar quoted", `$"../A b"`, "NodeRef(../A b) NL EOF"},
		{"dollar unique", "$%Panel/Label", "NodeRef(%Panel/Label) NL EOF"},
		{"unique node", "x = %Score", "Identifier(x) Operator(=) NodeRef(Score) NL EOF"},
		{"unique quoted", `f(%"A b")`, "Identifier(f) Operator(() NodeRef(A b) Operator()) NL EOF"},
		{"modulo", "a % b", "Identifier(a) Operator(%) Identifier(b) NL EOF"},
		{"modulo after call", "f() %b", "Identifier(f) Operator(() Operator()) Operator(%) Identifier(b) NL EOF"},
		{"modulo string", `"%d" % n`, "String(%d) Operator(%) Identifier(n) NL EOF"},
		{"comments", "## doc\n# plain\n#region R\nvar a # tail\n#endregion", "Comment(## doc) Comment(# plain) Comment(#region R) Keyword(var) Identifier(a) Comment(# tail) NL Comment(#endregion) EOF"},
		{"semicolons", "a; b", "Identifier(a) Operator(;) Identifier(b) NL EOF"},
		{"line continuation", "a = 1 + \\\n    2\nb", "Identifier(a) Operator(=) Number(1) Operator(+) Number(2) NL Identifier(b) NL EOF"},
		{"brackets join lines", "f(1,\n2,\n  [3,\n4])\nb", "Identifier(f) Operator(() Number(1) Operator(,) Number(2) Operator(,) Operator([) Number(3) Operator(,) Number(4) Operator(]) Operator()) NL Identifier(b) NL EOF"},
		{"indent dedent", "a:\n\tb\n\tc:\n\t\td\ne", "Identifier(a) Operator(:) NL IN Identifier(b) NL Identifier(c) Operator(:) NL IN Identifier(d) NL DE DE Identifier(e) NL EOF"},
		{"dedent at eof", "a:\n\tb:\n\t\tc", "Identifier(a) Operator(:) NL IN Identifier(b) Operator(:) NL IN Identifier(c) NL DE DE EOF"},
		{"blank and comment lines keep indent", "a:\n\tb\n\n# col 0\n\t\t# deep\n\tc", "Identifier(a) Operator(:) NL IN Identifier(b) NL Comment(# col 0) Comment(# deep) Identifier(c) NL DE EOF"},
		{"spaces", "a:\n    b\n    c", "Identifier(a) Operator(:) NL IN Identifier(b) NL Identifier(c) NL DE EOF"},
		{"crlf", "a:\r\n\tb\r\nc\r\n", "Identifier(a) Operator(:) NL IN Identifier(b) NL DE Identifier(c) NL EOF"},
		{"bom", "\uFEFFextends Node", "Keyword(extends) Identifier(Node) NL EOF"},
		{"multiline string does not indent", "a = \"\"\"\nx\n  y\n\"\"\"\nb", "Identifier(a) Operator(=) String[multiline](\nx\n  y\n) NL Identifier(b) NL EOF"},
		{"lambda in brackets", "f(func():\n\t\tg()\n\t)", "Identifier(f) Operator(() Keyword(func) Operator(() Operator()) Operator(:) Identifier(g) Operator(() Operator()) Operator()) NL EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			toks, errs := Tokenize([]byte(tt.src))
			if len(errs) != 0 {
				t.Errorf("errors: %v", errs)
			}
			if got := render(toks); got != tt.want {
				t.Errorf("\nsrc  %q\ngot  %s\nwant %s", tt.src, got, tt.want)
			}
		})
	}
}

func TestTokenPositions(t *testing.T) {
	src := "\uFEFFvar a = \"x\\\ny\" + $B\n\tfunc\n名前 é\n"
	toks, _ := Tokenize([]byte(src))
	want := []struct {
		kind     TokenKind
		pos, end Pos
		raw      string
	}{
		{Keyword, Pos{1, 1}, Pos{1, 4}, "var"}, // the BOM is not a column
		{Identifier, Pos{1, 5}, Pos{1, 6}, "a"},
		{Operator, Pos{1, 7}, Pos{1, 8}, "="},
		{String, Pos{1, 9}, Pos{2, 3}, "\"x\\\ny\""},
		{Operator, Pos{2, 4}, Pos{2, 5}, "+"},
		{NodeRef, Pos{2, 6}, Pos{2, 8}, "$B"},
		{Newline, Pos{2, 8}, Pos{2, 8}, ""},
		{Indent, Pos{3, 2}, Pos{3, 2}, ""},
		{Keyword, Pos{3, 2}, Pos{3, 6}, "func"},
		{Newline, Pos{3, 6}, Pos{3, 6}, ""},
		{Dedent, Pos{4, 1}, Pos{4, 1}, ""},
		{Identifier, Pos{4, 1}, Pos{4, 7}, "名前"}, // columns count bytes
		{Identifier, Pos{4, 8}, Pos{4, 10}, "é"},
		{Newline, Pos{4, 10}, Pos{4, 10}, ""},
		{EOF, Pos{5, 1}, Pos{5, 1}, ""},
	}
	if len(toks) != len(want) {
		t.Fatalf("got %d tokens, want %d: %s", len(toks), len(want), render(toks))
	}
	for i, w := range want {
		g := toks[i]
		if g.Kind != w.kind || g.Pos != w.pos || g.End() != w.end || g.Raw != w.raw {
			t.Errorf("token %d: got %s %v-%v %q, want %s %v-%v %q", i, g.Kind, g.Pos, g.End(), g.Raw, w.kind, w.pos, w.end, w.raw)
		}
	}
}

func TestTokenizeErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // "line:col: msg"
		tokens    string   // optional: the tokens still produced
	}{
		{"unterminated string stops at the line end", "a = \"abc\nb", []string{`1:5: unterminated string: expected " before end of line`},
			"Identifier(a) Operator(=) String(abc) NL Identifier(b) NL EOF"},
		{"unterminated triple", "a = '''abc\nb", []string{`1:5: unterminated string: expected ''' before end of file`}, ""},
		{"unterminated at eof", `"abc`, []string{`1:1: unterminated string: expected " before end of file`}, ""},
		{"bad escape", `"\q"`, []string{`1:2: invalid escape sequence \q: expected one of \n \t \r \a \b \f \v \" \' \\ \u \U`}, "String(q) NL EOF"},
		{"short \\u", `"\u12"`, []string{`1:2: invalid escape \u: expected 4 hexadecimal digits`}, ""},
		{"lone surrogate", `"\uD800x"`, []string{`1:2: invalid escape: UTF-16 high surrogate without a low surrogate after it`}, ""},
		{"escape at eof", `"\`, []string{`1:2: expected an escape sequence after '\', found end of file`, `1:1: unterminated string: expected " before end of file`}, ""},
		{"mixed indent", "a:\n\t b", []string{"2:1: mixed tabs and spaces in indentation: expected only tabs or only spaces"}, ""},
		{"inconsistent indent", "a:\n\tb\nc:\n  d", []string{"4:1: indented with spaces, but the file indents with tabs: expected tabs"}, ""},
		{"bad dedent", "a:\n\t\tb\n\tc\n\t\td\n\tc\ne", []string{"3:2: unindent does not match any outer indentation level: expected the indentation of an enclosing block"},
			"Identifier(a) Operator(:) NL IN Identifier(b) NL DE Identifier(c) NL IN Identifier(d) NL DE Identifier(c) NL Identifier(e) NL EOF"},
		{"unclosed", "f(a, [b", []string{"1:6: expected ']' to close '[', found end of file", "1:2: expected ')' to close '(', found end of file"}, ""},
		{"stray closer", "a)", []string{"1:2: unexpected ')': no open bracket to close"}, ""},
		{"crossed", "(a]", []string{"1:3: expected ')' to close '(' at 1:1, found ']'", "1:1: expected ')' to close '(', found end of file"}, ""},
		{"closes outer", "([a)", []string{"1:4: expected ']' to close '[' at 1:2, found ')'"}, "Operator(() Operator([) Identifier(a) Operator()) NL EOF"},
		{"declaration ends brackets", "var a = [1,\nfunc f():\n\tpass", []string{"1:9: expected ']' to close '[' before the declaration at line 2"},
			"Keyword(var) Identifier(a) Operator(=) Operator([) Number(1) Operator(,) NL Keyword(func) Identifier(f) Operator(() Operator()) Operator(:) NL IN Keyword(pass) NL DE EOF"},
		{"backslash not at line end", `a \ b`, []string{`1:3: expected a newline after '\' (line continuation)`}, ""},
		{"garbage", "a ? `", []string{"1:3: unexpected character '?': expected a name, a number, a string or an operator", "1:5: unexpected character '`': expected a name, a number, a string or an operator"}, ""},
		{"invalid utf-8", "a \xff", []string{"1:3: unexpected character byte 0xFF: expected a name, a number, a string or an operator"}, ""},
		{"bad number", "12abc", []string{"1:3: unexpected character 'a' in number: expected a digit, an operator or a space"}, "Number(12abc) NL EOF"},
		{"empty node path", "$ + 1", []string{"1:1: expected a node path or a quoted string after '$'"}, ""},
		{"empty annotation", "@ x", []string{"1:1: expected an annotation name after '@'"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			toks, errs := Tokenize([]byte(tt.src))
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("\ngot  %q\nwant %q", got, tt.want)
			}
			if tt.tokens != "" {
				if r := render(toks); r != tt.tokens {
					t.Errorf("\ntokens %s\nwant   %s", r, tt.tokens)
				}
			}
			if toks[len(toks)-1].Kind != EOF {
				t.Errorf("last token is %v, not EOF", toks[len(toks)-1])
			}
		})
	}
}

func TestTooManyErrors(t *testing.T) {
	_, errs := Tokenize([]byte(strings.Repeat("?", 10*maxErrors)))
	if len(errs) != maxErrors+1 || !strings.Contains(errs[maxErrors].Msg, "too many errors") {
		t.Errorf("got %d errors, last %v", len(errs), errs[len(errs)-1])
	}
}
