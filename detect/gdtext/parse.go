package gdtext

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxDepth is how deeply arrays, dictionaries and calls may nest. The engine
// has no limit; ours keeps a hostile file from costing unbounded stack.
const MaxDepth = 512

// Source is one file's bytes, read value by value at chosen offsets. It
// keeps its position between calls, so reading a file front to back counts
// each line once; a jump elsewhere uses a line index built on first need.
// A Source is not safe for concurrent use.
type Source struct {
	file  string
	src   []byte
	lines []int // offsets of line starts, built lazily by index
	bom   int   // 3 when src starts with a UTF-8 BOM, which we step over

	i         int // current offset
	line      int // line of i, 1-based
	lineStart int // offset of the start of line
	depth     int
	stack     []Value           // elements of the lists being read, innermost last
	strs      map[string]string // short strings seen, shared instead of copied
}

// intern returns b as a string, sharing one copy of each short string:
// property names ("resource_local_to_scene", "pressed") repeat hundreds of
// times in an [input] section or a scene.
func (s *Source) intern(b []byte) string {
	if len(b) > 32 {
		return string(b)
	}
	if str, ok := s.strs[string(b)]; ok {
		return str
	}
	if s.strs == nil {
		s.strs = make(map[string]string)
	}
	str := string(b)
	s.strs[str] = str
	return str
}

// NewSource returns a Source reading src, named file in errors. A leading
// UTF-8 byte order mark is skipped.
func NewSource(file string, src []byte) *Source {
	s := &Source{file: file, src: src, line: 1}
	if len(src) >= len(utf8BOM) && string(src[:len(utf8BOM)]) == utf8BOM {
		// Offsets inside the BOM mean the start of the text; columns
		// count from after it, as an editor shows them.
		s.bom, s.i, s.lineStart = len(utf8BOM), len(utf8BOM), len(utf8BOM)
	}
	return s
}

// ParseValue reads one value starting at src[off:], after any spaces,
// newlines and ';' comments, and returns it with the offset just after it.
// Use a Source to read many values from one file.
func ParseValue(file string, src []byte, off int) (v Value, end int, err error) {
	return NewSource(file, src).ParseValue(off)
}

// Pos returns the position of a byte offset, clamped to the source.
func (s *Source) Pos(off int) Pos {
	s.seek(off)
	return s.pos()
}

// ParseValue reads one value starting at off; see the package function.
func (s *Source) ParseValue(off int) (v Value, end int, err error) {
	if off < 0 || off > len(s.src) {
		s.seek(off)
		return Value{}, s.i, s.errorf("offset %d is outside the source (length %d)", off, len(s.src))
	}
	s.seek(off)
	s.depth = 0
	s.skipSpace()
	v, err = s.value()
	return v, s.i, err
}

// seek moves to off (clamped), keeping line and column right.
func (s *Source) seek(off int) {
	off = max(s.bom, min(off, len(s.src)))
	switch {
	case off == s.i:
	case off > s.i && off-s.i < 4096:
		// Short hops forward (the common case when reading a file in
		// order) are cheaper than building the index.
		for s.i < off {
			s.advance()
		}
	default:
		s.index()
		n := sort.SearchInts(s.lines, off+1) - 1 // last line start <= off
		s.i, s.line, s.lineStart = off, n+1, s.lines[n]
	}
}

// index builds the table of line starts, once.
func (s *Source) index() {
	if s.lines != nil {
		return
	}
	s.lines = append(make([]int, 0, 64), s.bom)
	for i, c := range s.src {
		if c == '\n' {
			s.lines = append(s.lines, i+1)
		}
	}
}

func (s *Source) pos() Pos { return Pos{Line: s.line, Col: s.i - s.lineStart + 1} }

// advance moves past one byte.
func (s *Source) advance() {
	if s.src[s.i] == '\n' {
		s.line++
		s.lineStart = s.i + 1
	}
	s.i++
}

func (s *Source) eof() bool { return s.i >= len(s.src) }

func (s *Source) peek() byte {
	if s.i < len(s.src) {
		return s.src[s.i]
	}
	return 0
}

// skipSpace skips control characters, spaces, newlines and ';' comments,
// as the engine's tokenizer does between tokens.
func (s *Source) skipSpace() {
	for s.i < len(s.src) {
		c := s.src[s.i]
		switch {
		case c == ';':
			for s.i < len(s.src) && s.src[s.i] != '\n' {
				s.i++
			}
		case c <= ' ':
			s.advance()
		default:
			return
		}
	}
}

// skipLineSpace skips spaces and tabs (and '\r') but not newlines.
func (s *Source) skipLineSpace() {
	for s.i < len(s.src) {
		switch s.src[s.i] {
		case ' ', '\t', '\r', '\v', '\f':
			s.i++
		default:
			return
		}
	}
}

func (s *Source) errorf(format string, args ...any) *Error {
	return s.errorAt(s.pos(), s.lineStart, s.i, fmt.Sprintf(format, args...))
}

func (s *Source) errorAt(p Pos, lineStart, off int, msg string) *Error {
	return &Error{File: s.file, Pos: p, Msg: msg, Excerpt: excerpt(s.src, lineStart, off)}
}

// found describes what is at the current offset, for "expected X, found Y".
func (s *Source) found() string {
	if s.eof() {
		return "end of file"
	}
	c := s.src[s.i]
	switch {
	case c == '\n' || c == '\r':
		return "end of line"
	case c == '"':
		return "a string"
	case isIdentStart(c):
		j := s.i
		for j < len(s.src) && isIdentChar(s.src[j]) && j-s.i < 40 {
			j++
		}
		return fmt.Sprintf("identifier %q", s.src[s.i:j])
	case c >= '0' && c <= '9':
		return "a number"
	case c < utf8.RuneSelf:
		return fmt.Sprintf("%q", rune(c))
	}
	r, _ := utf8.DecodeRune(s.src[s.i:])
	return fmt.Sprintf("%q", r)
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentChar(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

func hexVal(c byte) rune {
	switch {
	case c >= 'a':
		return rune(c-'a') + 10
	case c >= 'A':
		return rune(c-'A') + 10
	}
	return rune(c - '0')
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// value reads one value at the current offset (spaces already skipped).
func (s *Source) value() (Value, error) {
	if s.eof() {
		return Value{}, s.errorf("expected a value, found end of file")
	}
	p := s.pos()
	switch c := s.src[s.i]; {
	case c == '"':
		str, err := s.str()
		return Value{Kind: KindString, Pos: p, Str: str}, err
	case c == '&' || c == '@':
		s.i++
		if s.peek() != '"' {
			return Value{}, s.errorf("expected '\"' after '%c', found %s", c, s.found())
		}
		str, err := s.str()
		return Value{Kind: KindStringName, Pos: p, Str: str}, err
	case c == '#':
		return s.color()
	case c == '[':
		return s.nested(func(v *Value) error { return s.array(v) }, Value{Kind: KindArray, Pos: p})
	case c == '{':
		return s.nested(func(v *Value) error { return s.dict(v) }, Value{Kind: KindDictionary, Pos: p})
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	case isIdentStart(c):
		return s.ident()
	}
	return Value{}, s.errorf("expected a value, found %s", s.found())
}

// nested runs parse one level deeper, failing past MaxDepth.
func (s *Source) nested(parse func(*Value) error, v Value) (Value, error) {
	if s.depth >= MaxDepth {
		return Value{}, s.errorf("values nest deeper than %d levels", MaxDepth)
	}
	s.depth++
	err := parse(&v)
	s.depth--
	return v, err
}

// str reads a "..." string at the current offset, decoding escapes.
func (s *Source) str() (string, error) {
	startPos, startLine, startOff := s.pos(), s.lineStart, s.i
	s.i++ // opening quote
	// Fast path: no escapes.
	j := s.i
	for j < len(s.src) && s.src[j] != '"' && s.src[j] != '\\' {
		j++
	}
	if j < len(s.src) && s.src[j] == '"' {
		out := s.intern(s.src[s.i:j])
		for s.i < j {
			s.advance()
		}
		s.i++
		return out, nil
	}
	var b strings.Builder
	b.Write(s.src[s.i:j])
	for s.i < j {
		s.advance()
	}
	var lead rune // pending UTF-16 lead surrogate
	for {
		if s.eof() {
			return "", s.errorAt(startPos, startLine, startOff, "unterminated string: expected '\"' before end of file")
		}
		c := s.src[s.i]
		if c == '"' {
			s.i++
			break
		}
		if c != '\\' {
			if lead != 0 {
				return "", s.errorf("invalid UTF-16 escape: lead surrogate without a trail surrogate")
			}
			b.WriteByte(c)
			s.advance()
			continue
		}
		s.i++
		if s.eof() {
			return "", s.errorAt(startPos, startLine, startOff, "unterminated string: expected '\"' before end of file")
		}
		next := s.src[s.i]
		var r rune
		switch next {
		case 'b':
			r = '\b'
		case 't':
			r = '\t'
		case 'n':
			r = '\n'
		case 'f':
			r = '\f'
		case 'r':
			r = '\r'
		case 'u', 'U':
			n := 4
			if next == 'U' {
				n = 6
			}
			s.i++
			for k := 0; k < n; k++ {
				if s.eof() || !isHex(s.src[s.i]) {
					return "", s.errorf("expected %d hex digits after '\\%c', found %s", n, next, s.found())
				}
				r = r<<4 | hexVal(s.src[s.i])
				s.i++
			}
			s.i-- // the loop below steps past the last digit
		default:
			r = rune(next)
			if next >= utf8.RuneSelf {
				// "\é": keep the whole UTF-8 sequence.
				var size int
				r, size = utf8.DecodeRune(s.src[s.i:])
				s.i += size - 1
			}
		}
		s.advance()
		switch {
		case r >= 0xD800 && r < 0xDC00:
			if lead != 0 {
				return "", s.errorf("invalid UTF-16 escape: two lead surrogates in a row")
			}
			lead = r
			continue
		case r >= 0xDC00 && r < 0xE000:
			if lead == 0 {
				return "", s.errorf("invalid UTF-16 escape: trail surrogate without a lead surrogate")
			}
			r = (lead-0xD800)<<10 + (r - 0xDC00) + 0x10000
			lead = 0
		case lead != 0:
			return "", s.errorf("invalid UTF-16 escape: lead surrogate without a trail surrogate")
		}
		if r < utf8.RuneSelf {
			b.WriteByte(byte(r))
		} else {
			b.WriteRune(r)
		}
	}
	if lead != 0 {
		return "", s.errorf("invalid UTF-16 escape: lead surrogate at the end of the string")
	}
	return b.String(), nil
}

func (s *Source) color() (Value, error) {
	p, start := s.pos(), s.i
	s.i++
	for !s.eof() && isHex(s.src[s.i]) {
		s.i++
	}
	switch s.i - start - 1 {
	case 3, 4, 6, 8:
		return Value{Kind: KindColor, Pos: p, Str: string(s.src[start:s.i])}, nil
	}
	return Value{}, s.errorf("expected 3, 4, 6 or 8 hex digits in colour %q, found %s", s.src[start:s.i], s.found())
}

// number reads an int or a float, including -inf.
func (s *Source) number() (Value, error) {
	p, start := s.pos(), s.i
	neg := s.src[s.i] == '-'
	if neg {
		s.i++
		if !s.eof() && isIdentStart(s.src[s.i]) {
			j := s.i
			for j < len(s.src) && isIdentChar(s.src[j]) {
				j++
			}
			if string(s.src[s.i:j]) == "inf" {
				s.i = j
				return Value{Kind: KindFloat, Pos: p, Float: math.Inf(-1)}, nil
			}
		}
		if s.eof() || s.src[s.i] < '0' || s.src[s.i] > '9' {
			return Value{}, s.errorf("expected a digit or inf after '-', found %s", s.found())
		}
	}
	if s.src[s.i] == '0' && s.i+2 < len(s.src) && (s.src[s.i+1] == 'x' || s.src[s.i+1] == 'X') && isHex(s.src[s.i+2]) {
		s.i += 2
		hs := s.i
		for !s.eof() && isHex(s.src[s.i]) {
			s.i++
		}
		u, err := strconv.ParseUint(string(s.src[hs:s.i]), 16, 64)
		n := int64(u)
		if err != nil || u > math.MaxInt64 {
			n = math.MaxInt64
		}
		if neg {
			n = -n
		}
		return Value{Kind: KindInt, Pos: p, Int: n}, nil
	}
	isFloat := false
	for !s.eof() && s.src[s.i] >= '0' && s.src[s.i] <= '9' {
		s.i++
	}
	if !s.eof() && s.src[s.i] == '.' {
		isFloat = true
		s.i++
		for !s.eof() && s.src[s.i] >= '0' && s.src[s.i] <= '9' {
			s.i++
		}
	}
	if !s.eof() && (s.src[s.i] == 'e' || s.src[s.i] == 'E') {
		isFloat = true
		s.i++
		if !s.eof() && (s.src[s.i] == '+' || s.src[s.i] == '-') {
			s.i++
		}
		for !s.eof() && s.src[s.i] >= '0' && s.src[s.i] <= '9' {
			s.i++
		}
	}
	text := string(s.src[start:s.i])
	if !isFloat {
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil { // out of range: clamp, as the engine does
			n = math.MaxInt64
			if neg {
				n = math.MinInt64
			}
		}
		return Value{Kind: KindInt, Pos: p, Int: n}, nil
	}
	// The engine accepts "1e" and "1e-" as 1: drop a dangling exponent.
	text = strings.TrimRight(text, "eE+-")
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !strings.Contains(err.Error(), "range") {
		return Value{}, s.errorAt(p, s.lineStart, start, fmt.Sprintf("malformed number %q", text))
	}
	return Value{Kind: KindFloat, Pos: p, Float: f}, nil // out of range is ±Inf or 0, as wanted
}

// rawCalls are Godot 2 input event constructors whose arguments the engine
// reads as raw text up to ')'.
func isRawCall(name string) bool {
	switch name {
	case "key", "mbutton", "jbutton", "jaxis":
		return true
	}
	return false
}

// ident reads a keyword, a bare identifier, or a call.
func (s *Source) ident() (Value, error) {
	p, start := s.pos(), s.i
	for !s.eof() && isIdentChar(s.src[s.i]) {
		s.i++
	}
	name := string(s.src[start:s.i])
	switch name {
	case "true", "false":
		return Value{Kind: KindBool, Pos: p, Bool: name == "true"}, nil
	case "null", "nil":
		return Value{Kind: KindNull, Pos: p}, nil
	case "inf":
		return Value{Kind: KindFloat, Pos: p, Float: math.Inf(1)}, nil
	case "inf_neg":
		return Value{Kind: KindFloat, Pos: p, Float: math.Inf(-1)}, nil
	case "nan":
		return Value{Kind: KindFloat, Pos: p, Float: math.NaN()}, nil
	}
	// Look past spaces for '(' or, for typed containers, '['; without
	// either the identifier stands alone and the spaces stay unread.
	save := *s
	s.skipSpace()
	next := s.peek()
	v := Value{Kind: KindCall, Pos: p, Str: name}
	switch {
	case next == '[' && (name == "Array" || name == "Dictionary"):
		return s.nested(func(v *Value) error { return s.typed(v) }, v)
	case next != '(':
		*s = save
		return Value{Kind: KindIdent, Pos: p, Str: name}, nil
	case isRawCall(name):
		return s.rawCall(v)
	case name == "NodePath":
		return s.nodePath(p)
	case name == "Object":
		return s.nested(func(v *Value) error { return s.object(v) }, v)
	}
	return s.nested(func(v *Value) error { return s.callArgs(v) }, v)
}

// where names a construct in error messages. It is built into text only
// when an error needs it: concatenating on every call cost a third of the
// reader's time.
type where struct{ pre, name, post string }

func (w where) String() string { return w.pre + w.name + w.post }

// expect skips spaces and consumes c, or fails saying what it wanted.
func (s *Source) expect(c byte, prefix string, w where) error {
	s.skipSpace()
	if s.peek() != c || s.eof() {
		return s.errorf("expected '%c' %s%s, found %s", c, prefix, w, s.found())
	}
	s.i++
	return nil
}

// list reads values separated by commas up to the closing byte, allowing
// a trailing comma. The opening byte has been consumed. With pairs, each
// element is key ':' value. Elements gather on s.stack and are copied out
// once at the end, so a long PackedFloat32Array costs one allocation of
// the right size instead of a series of growing ones.
func (s *Source) list(closing byte, what where, pairs bool, v *Value) error {
	mark := len(s.stack)
	defer func() { s.stack = s.stack[:mark] }()
	for {
		s.skipSpace()
		if s.eof() {
			return s.errorf("expected '%c' to close %s, found end of file", closing, what)
		}
		if s.src[s.i] == closing {
			s.i++
			break
		}
		if pairs {
			k, err := s.value()
			if err != nil {
				return err
			}
			if err := s.expect(':', "after a key in ", what); err != nil {
				return err
			}
			s.skipSpace()
			s.stack = append(s.stack, k)
		}
		it, err := s.value()
		if err != nil {
			return err
		}
		s.stack = append(s.stack, it)
		s.skipSpace()
		switch s.peek() {
		case ',':
			s.i++
		case closing:
		default:
			if s.eof() {
				return s.errorf("expected ',' or '%c' in %s, found end of file", closing, what)
			}
			return s.errorf("expected ',' or '%c' in %s, found %s", closing, what, s.found())
		}
	}
	got := s.stack[mark:]
	if !pairs {
		if len(got) > 0 {
			v.Items = append([]Value(nil), got...)
		}
		return nil
	}
	if n := len(got) / 2; n > 0 {
		v.Keys, v.Items = make([]Value, n), make([]Value, n)
		for i := range n {
			v.Keys[i], v.Items[i] = got[2*i], got[2*i+1]
		}
	}
	return nil
}

func (s *Source) array(v *Value) error {
	s.i++ // '['
	return s.list(']', where{pre: "array"}, false, v)
}

func (s *Source) dict(v *Value) error {
	s.i++ // '{'
	return s.list('}', where{pre: "dictionary"}, true, v)
}

func (s *Source) callArgs(v *Value) error {
	s.i++ // '('
	return s.list(')', where{name: v.Str, post: "(...)"}, false, v)
}

// typed reads Array[T]([...]) or Dictionary[K, V]({...}), at the '['.
func (s *Source) typed(v *Value) error {
	s.i++ // '['
	var t Value
	if err := s.list(']', where{name: v.Str, post: "[...] type"}, false, &t); err != nil {
		return err
	}
	want, open, close, kind := 1, byte('['), byte(']'), KindArray
	if v.Str == "Dictionary" {
		want, open, close, kind = 2, '{', '}', KindDictionary
	}
	if len(t.Items) != want {
		return s.errorf("expected %d type(s) in %s[...], found %d", want, v.Str, len(t.Items))
	}
	if err := s.expect('(', "after ", where{name: v.Str, post: "[...]"}); err != nil {
		return err
	}
	if err := s.expect(open, "in ", where{name: v.Str, post: "[...](...)"}); err != nil {
		return err
	}
	v.Kind, v.Str, v.Type = kind, "", t.Items
	if err := s.list(close, where{pre: "typed ", name: kind.String()}, kind == KindDictionary, v); err != nil {
		return err
	}
	return s.expect(')', "to close the typed ", where{name: kind.String()})
}

// object reads Object(Class, "prop": value, ...), at the '('.
func (s *Source) object(v *Value) error {
	s.i++ // '('
	s.skipSpace()
	if s.eof() || !isIdentStart(s.src[s.i]) {
		return s.errorf("expected a class name in Object(...), found %s", s.found())
	}
	class, err := s.value()
	if err != nil {
		return err
	}
	if class.Kind != KindIdent {
		return s.errorAt(class.Pos, s.lineStart, s.i, fmt.Sprintf("expected a class name in Object(...), found %s", class.Kind))
	}
	v.Type = []Value{class}
	s.skipSpace()
	switch s.peek() {
	case ',':
		s.i++
	case ')':
		if !s.eof() {
			s.i++
			return nil
		}
		fallthrough
	default:
		return s.errorf("expected ',' or ')' after the class in Object(...), found %s", s.found())
	}
	if err := s.list(')', where{pre: "Object(...)"}, true, v); err != nil {
		return err
	}
	for _, k := range v.Keys {
		if _, ok := k.AsString(); !ok {
			return s.errorAt(k.Pos, s.lineStart, s.i, fmt.Sprintf("expected a property name as a string in Object(...), found %s", k.Kind))
		}
	}
	return nil
}

func (s *Source) nodePath(p Pos) (Value, error) {
	s.i++ // '('
	s.skipSpace()
	v := Value{Kind: KindNodePath, Pos: p}
	if s.peek() == '"' {
		str, err := s.str()
		if err != nil {
			return Value{}, err
		}
		v.Str = str
	} else if s.peek() != ')' || s.eof() {
		return Value{}, s.errorf("expected a string in NodePath(...), found %s", s.found())
	}
	return v, s.expect(')', "to close ", where{pre: "NodePath(...)"})
}

// rawCall reads Godot 2's key(Up, Shift) style arguments, at the '('.
func (s *Source) rawCall(v Value) (Value, error) {
	s.i++ // '('
	close := bytes.IndexByte(s.src[s.i:], ')')
	if close < 0 {
		return Value{}, s.errorf("expected ')' to close %s(...), found end of file", v.Str)
	}
	end := s.i + close
	for _, part := range strings.Split(string(s.src[s.i:end]), ",") {
		v.Items = append(v.Items, Value{Kind: KindString, Pos: s.pos(), Str: strings.TrimSpace(part)})
	}
	for s.i <= end {
		s.advance()
	}
	return v, nil
}
