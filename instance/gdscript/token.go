package gdscript

import (
	"fmt"
	"strings"
)

// Pos is a position in a script. Line and Col are 1-based; Col counts bytes
// from the start of the line (a tab is one column).
type Pos struct{ Line, Col int }

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// Error is a syntax error at a position. Msg says what was expected and what
// was found. File is empty unless the caller sets it.
type Error struct {
	File string `json:",omitempty"`
	Pos  Pos
	Msg  string
}

func (e Error) Error() string {
	if e.File != "" {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Pos.Line, e.Pos.Col, e.Msg)
	}
	return fmt.Sprintf("%d:%d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
}

// TokenKind says what a token is.
type TokenKind uint8

const (
	EOF        TokenKind = iota
	Newline              // end of a logical line (not emitted inside brackets or after a trailing '\')
	Indent               // the next logical line is indented deeper
	Dedent               // one indentation level ends
	Identifier           // names, including contextual words such as tool, export, onready, setget, when, yield
	Keyword              // reserved words; see keywords
	Annotation           // @name; Text includes the '@'
	Number               // 12, 1_000, 0x1F, 0b101, 1.5, .5, 1e-3
	String               // a string literal; Text is the decoded value, Str says which form
	NodeRef              // $A/B, $"A/B", %Unique, %"Unique"; Text is the path without the sigil
	Operator             // operators and punctuation: + += ( ) : -> ...
	Comment              // # ... to the end of the line; Text includes the '#'
)

var kindNames = [...]string{
	EOF: "EOF", Newline: "Newline", Indent: "Indent", Dedent: "Dedent",
	Identifier: "Identifier", Keyword: "Keyword", Annotation: "Annotation",
	Number: "Number", String: "String", NodeRef: "NodeRef", Operator: "Operator",
	Comment: "Comment",
}

func (k TokenKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("TokenKind(%d)", k)
}

// StringKind is a set of flags saying how a String token was written. A
// plain "..." or '...' string has none.
type StringKind uint8

const (
	StringName      StringKind = 1 << iota // &"name"
	StringNodePath                         // ^"a/b" (Godot 3 also @"a/b")
	StringRaw                              // r"..." : escapes are not decoded
	StringMultiline                        // """...""" or '''...'''
)

func (s StringKind) String() string {
	var parts []string
	for _, f := range []struct {
		k StringKind
		n string
	}{{StringName, "name"}, {StringNodePath, "nodepath"}, {StringRaw, "raw"}, {StringMultiline, "multiline"}} {
		if s&f.k != 0 {
			parts = append(parts, f.n)
		}
	}
	if len(parts) == 0 {
		return "plain"
	}
	return strings.Join(parts, "|")
}

// Token is one token of a script. Raw is the source text; Text is the same
// except for String tokens (the decoded value), NodeRef tokens (the path
// without its sigil, decoded if quoted) and Indent, Dedent, Newline and EOF
// (empty).
type Token struct {
	Kind TokenKind
	Str  StringKind // for String tokens
	Text string
	Raw  string
	Pos  Pos
}

// End returns the position just after the token. It is computed from Raw
// rather than stored, which keeps tokens small.
func (t Token) End() Pos {
	nl := strings.LastIndexByte(t.Raw, '\n')
	if nl < 0 {
		return Pos{t.Pos.Line, t.Pos.Col + len(t.Raw)}
	}
	return Pos{t.Pos.Line + strings.Count(t.Raw, "\n"), len(t.Raw) - nl}
}

func (t Token) String() string {
	return fmt.Sprintf("%s %s %q", t.Pos, t.Kind, t.Text)
}

// keywords are the words the tokenizer reports as Keyword. Words that are
// reserved in only one engine version and are plain names in the other
// (tool, onready, export, setget, remote, master, puppet, yield, when, ...)
// are Identifiers; the parser reads them by context, so `obj.export()` in
// Godot 4 code stays a method call.
var keywords = map[string]bool{
	"and": true, "as": true, "assert": true, "await": true, "break": true,
	"breakpoint": true, "class": true, "class_name": true, "const": true,
	"continue": true, "elif": true, "else": true, "enum": true, "extends": true,
	"false": true, "for": true, "func": true, "if": true, "in": true, "is": true,
	"match": true, "not": true, "null": true, "or": true, "pass": true,
	"preload": true, "return": true, "self": true, "signal": true,
	"static": true, "super": true, "true": true, "var": true, "while": true,
}

// describe names a token for an error message.
func describe(t Token) string {
	switch t.Kind {
	case EOF:
		return "end of file"
	case Newline:
		return "end of line"
	case Indent:
		return "indentation"
	case Dedent:
		return "end of block"
	case String:
		return "string " + clip(t.Raw, 24)
	case Number:
		return "number " + clip(t.Raw, 24)
	case NodeRef:
		return "node path " + clip(t.Raw, 24)
	}
	return "'" + clip(t.Raw, 24) + "'"
}

// clip cuts s to at most n bytes at a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}
