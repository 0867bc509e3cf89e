package gdscript

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxErrors bounds the errors kept for one script, so that a megabyte of
// garbage costs a bounded report.
const maxErrors = 100

// Tokenize splits a script into tokens, ending with one EOF token. Newline,
// Indent and Dedent tokens follow the engine's rules: newlines inside
// brackets and after a trailing backslash do not end a line; blank and
// comment-only lines do not change the indentation. A BOM at the start is
// skipped and "\r\n" is a newline. Errors do not stop the tokenizer: it
// reports them and goes on.
func Tokenize(src []byte) ([]Token, []Error) {
	lx := newLexer(src)
	lx.run()
	return lx.toks, lx.errs
}

type bracket struct {
	ch  byte
	pos Pos
}

// indentLevel is one level of the indentation stack. A phantom level stands
// for a line that dedented to a width that matches no outer level: it keeps
// the following lines at that width quiet and is popped without a Dedent.
type indentLevel struct {
	width   int
	phantom bool
}

type lexer struct {
	src       string
	off       int
	line      int
	lineStart int // offset of the current line's first byte

	toks []Token
	errs []Error

	brackets    []bracket
	indents     []indentLevel
	indentChar  byte // ' ' or '\t' once the file has indented a line
	atLineStart bool // the next token starts a logical line (indentation is measured)
	lineHasToks bool // the current logical line has tokens (a Newline is due)
	lastSig     int  // index of the last token that is not a Comment, or -1

	// comments, when set, receives the doc comments instead of toks.
	comments *[]Token
}

func newLexer(src []byte) *lexer {
	lx := &lexer{
		src:         string(src),
		line:        1,
		atLineStart: true,
		lastSig:     -1,
		indents:     []indentLevel{{width: 0}},
	}
	lx.toks = make([]Token, 0, len(src)/3+16) // scripts average a token per 4 bytes
	if strings.HasPrefix(lx.src, "\uFEFF") {
		lx.off = 3
		lx.lineStart = 3
	}
	return lx
}

func (lx *lexer) pos() Pos { return lx.posAt(lx.off) }

func (lx *lexer) posAt(off int) Pos { return Pos{lx.line, off - lx.lineStart + 1} }

func (lx *lexer) errorAt(p Pos, format string, args ...any) {
	if len(lx.errs) > maxErrors {
		return
	}
	if len(lx.errs) == maxErrors {
		lx.errs = append(lx.errs, Error{Pos: p, Msg: "too many errors; stopped reporting"})
		return
	}
	lx.errs = append(lx.errs, Error{Pos: p, Msg: fmt.Sprintf(format, args...)})
}

// emit appends a token that spans src[start:lx.off] and starts at p.
func (lx *lexer) emit(kind TokenKind, p Pos, start int, text string) {
	raw := lx.src[start:lx.off]
	lx.toks = append(lx.toks, Token{Kind: kind, Text: text, Raw: raw, Pos: p})
	if kind != Comment {
		lx.lastSig = len(lx.toks) - 1
	}
	if kind != Comment && kind != Newline && kind != Indent && kind != Dedent {
		lx.lineHasToks = true
	}
}

// newline moves past a '\n' at lx.off.
func (lx *lexer) newline() {
	lx.off++
	lx.line++
	lx.lineStart = lx.off
}

func (lx *lexer) run() {
	for {
		if lx.atLineStart && len(lx.brackets) == 0 {
			lx.indentation()
		}
		lx.skipSpace()
		if lx.off >= len(lx.src) {
			lx.finish()
			return
		}
		c := lx.src[lx.off]
		switch {
		case c == '\n':
			lx.endLine()
		case c == '#':
			start, p := lx.off, lx.pos()
			for lx.off < len(lx.src) && lx.src[lx.off] != '\n' {
				lx.off++
			}
			end := lx.off
			if end > start && lx.src[end-1] == '\r' {
				end--
			}
			c := Token{Kind: Comment, Text: lx.src[start:end], Raw: lx.src[start:end], Pos: p}
			if lx.comments != nil {
				// Parse keeps ## comments that stand on their own line.
				if strings.HasPrefix(c.Text, "##") && !lx.lineHasToks {
					*lx.comments = append(*lx.comments, c)
				}
			} else {
				lx.toks = append(lx.toks, c)
			}
		case c == '\\':
			p := lx.pos()
			lx.off++
			if strings.HasPrefix(lx.src[lx.off:], "\r\n") {
				lx.off++
			}
			if lx.off < len(lx.src) && lx.src[lx.off] == '\n' {
				lx.newline()
			} else {
				lx.errorAt(p, "expected a newline after '\\' (line continuation)")
			}
		case c == '"' || c == '\'':
			lx.str(lx.off, 0, String)
		case (c == 'r' || c == '&' || c == '^' || c == '@') && lx.off+1 < len(lx.src) && (lx.src[lx.off+1] == '"' || lx.src[lx.off+1] == '\''):
			kind := StringNodePath // ^"..." and Godot 3's @"..."
			switch c {
			case 'r':
				kind = StringRaw
			case '&':
				kind = StringName
			}
			start := lx.off
			lx.off++
			lx.str(start, kind, String)
		case c == '@':
			p, start := lx.pos(), lx.off
			lx.off++
			if !lx.ident() {
				lx.errorAt(p, "expected an annotation name after '@'")
				continue
			}
			lx.emit(Annotation, p, start, lx.src[start:lx.off])
		case c == '$':
			lx.nodeRef()
		case c == '%' && !lx.prevIsOperand() && lx.off+1 < len(lx.src) && (lx.src[lx.off+1] == '"' || lx.src[lx.off+1] == '\'' || isIdentStartAt(lx.src, lx.off+1)):
			lx.nodeRef()
		case c >= '0' && c <= '9' || c == '.' && lx.off+1 < len(lx.src) && isDigit(lx.src[lx.off+1]) && !lx.prevIsOperand():
			lx.number()
		case isIdentStartAt(lx.src, lx.off):
			p, start := lx.pos(), lx.off
			lx.ident()
			word := lx.src[start:lx.off]
			kind := Identifier
			if len(word) >= 2 && len(word) <= 10 && word[0] >= 'a' && word[0] <= 'y' && keywords[word] {
				kind = Keyword
			}
			lx.emit(kind, p, start, word)
		default:
			lx.operator()
		}
	}
}

// skipSpace skips blanks that separate tokens. A '\r' is a blank, so
// "\r\n" ends a line like "\n".
func (lx *lexer) skipSpace() {
	for lx.off < len(lx.src) {
		switch lx.src[lx.off] {
		case ' ', '\t', '\r', '\f', '\v':
			lx.off++
		default:
			return
		}
	}
}

// endLine handles a '\n' outside strings.
func (lx *lexer) endLine() {
	if len(lx.brackets) == 0 {
		if lx.lineHasToks {
			p := lx.pos()
			lx.toks = append(lx.toks, Token{Kind: Newline, Pos: p})
			lx.lastSig = len(lx.toks) - 1
			lx.lineHasToks = false
		}
		lx.newline()
		lx.atLineStart = true
		return
	}
	lx.newline()
	lx.recoverBrackets()
}

// recoverBrackets is called at the start of each line inside brackets. A
// declaration keyword at column 1 cannot be inside brackets in a working
// script, so the brackets were never closed: report them and start a new
// logical line, instead of swallowing the rest of the file.
func (lx *lexer) recoverBrackets() {
	rest := lx.src[lx.off:]
	word := rest
	for i := 0; i < len(rest); i++ {
		if !isIdentByte(rest[i]) {
			word = rest[:i]
			break
		}
	}
	switch {
	case word == "func" || word == "var" || word == "const" || word == "signal" || word == "class" ||
		word == "class_name" || word == "extends" || word == "enum" || word == "static":
	case len(rest) > 1 && rest[0] == '@' && isIdentStartAt(rest, 1):
	default:
		return
	}
	for i := len(lx.brackets) - 1; i >= 0; i-- {
		b := lx.brackets[i]
		lx.errorAt(b.pos, "expected '%c' to close '%c' before the declaration at line %d", closer(b.ch), b.ch, lx.line)
	}
	lx.brackets = lx.brackets[:0]
	if lx.lineHasToks {
		p := lx.toks[len(lx.toks)-1].End() // lineHasToks: there is one
		lx.toks = append(lx.toks, Token{Kind: Newline, Pos: p})
		lx.lastSig = len(lx.toks) - 1
		lx.lineHasToks = false
	}
	lx.atLineStart = true
}

func closer(open byte) byte {
	switch open {
	case '(':
		return ')'
	case '[':
		return ']'
	}
	return '}'
}

// indentation measures the indentation of a new logical line and emits
// Indent or Dedent tokens. Blank and comment-only lines are left alone.
func (lx *lexer) indentation() {
	start := lx.off
	width, spaces, tabs := 0, false, false
	for lx.off < len(lx.src) {
		switch lx.src[lx.off] {
		case ' ':
			width++
			spaces = true
		case '\t':
			width += 4
			tabs = true
		case '\r', '\f', '\v':
		default:
			goto measured
		}
		lx.off++
	}
measured:
	if lx.off >= len(lx.src) || lx.src[lx.off] == '\n' || lx.src[lx.off] == '#' {
		return // blank or comment-only: the indentation of the next code line counts
	}
	if lx.src[lx.off] == '\\' && (strings.HasPrefix(lx.src[lx.off+1:], "\n") || strings.HasPrefix(lx.src[lx.off+1:], "\r\n")) {
		return // a line holding only a continuation is blank
	}
	lx.atLineStart = false
	p := lx.pos()
	if spaces && tabs {
		lx.errorAt(Pos{lx.line, start - lx.lineStart + 1}, "mixed tabs and spaces in indentation: expected only tabs or only spaces")
	} else if spaces || tabs {
		ch := byte(' ')
		if tabs {
			ch = '\t'
		}
		if lx.indentChar == 0 {
			lx.indentChar = ch
		} else if ch != lx.indentChar {
			lx.errorAt(Pos{lx.line, start - lx.lineStart + 1}, "indented with %s, but the file indents with %s: expected %s", indentName(ch), indentName(lx.indentChar), indentName(lx.indentChar))
		}
	}
	top := lx.indents[len(lx.indents)-1]
	switch {
	case width > top.width:
		lx.indents = append(lx.indents, indentLevel{width: width})
		lx.toks = append(lx.toks, Token{Kind: Indent, Pos: p})
		lx.lastSig = len(lx.toks) - 1
	case width < top.width:
		for len(lx.indents) > 1 && lx.indents[len(lx.indents)-1].width > width {
			l := lx.indents[len(lx.indents)-1]
			lx.indents = lx.indents[:len(lx.indents)-1]
			if !l.phantom {
				lx.toks = append(lx.toks, Token{Kind: Dedent, Pos: p})
				lx.lastSig = len(lx.toks) - 1
			}
		}
		if lx.indents[len(lx.indents)-1].width != width {
			lx.errorAt(p, "unindent does not match any outer indentation level: expected the indentation of an enclosing block")
			lx.indents = append(lx.indents, indentLevel{width: width, phantom: true})
		}
	}
}

func indentName(c byte) string {
	if c == '\t' {
		return "tabs"
	}
	return "spaces"
}

func (lx *lexer) finish() {
	p := lx.pos()
	for i := len(lx.brackets) - 1; i >= 0; i-- {
		b := lx.brackets[i]
		lx.errorAt(b.pos, "expected '%c' to close '%c', found end of file", closer(b.ch), b.ch)
	}
	lx.brackets = nil
	if lx.lineHasToks {
		lx.toks = append(lx.toks, Token{Kind: Newline, Pos: p})
	}
	for len(lx.indents) > 1 {
		if !lx.indents[len(lx.indents)-1].phantom {
			lx.toks = append(lx.toks, Token{Kind: Dedent, Pos: p})
		}
		lx.indents = lx.indents[:len(lx.indents)-1]
	}
	lx.toks = append(lx.toks, Token{Kind: EOF, Pos: p})
}

// prevIsOperand reports whether the last token ends an operand, which makes
// a following '%' the modulo operator rather than a unique node name, and a
// following '.' a member access rather than the start of a number.
func (lx *lexer) prevIsOperand() bool {
	if lx.lastSig < 0 {
		return false
	}
	t := lx.toks[lx.lastSig]
	switch t.Kind {
	case Identifier, Number, String, NodeRef:
		return true
	case Keyword:
		switch t.Text {
		case "self", "true", "false", "null", "super":
			return true
		}
	case Operator:
		return t.Text == ")" || t.Text == "]" || t.Text == "}"
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// isIdentStartAt reports whether an identifier starts at s[i]: a letter or
// '_', including non-ASCII letters (Godot 4 allows Unicode identifiers).
func isIdentStartAt(s string, i int) bool {
	c := s[i]
	if c < utf8.RuneSelf {
		return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r)
}

// ident consumes an identifier at lx.off and reports whether there was one.
func (lx *lexer) ident() bool {
	start := lx.off
	for lx.off < len(lx.src) {
		c := lx.src[lx.off]
		if c < utf8.RuneSelf {
			if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' && lx.off > start {
				lx.off++
				continue
			}
			break
		}
		r, n := utf8.DecodeRuneInString(lx.src[lx.off:])
		if unicode.IsLetter(r) || lx.off > start && (unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Pc)) {
			lx.off += n
			continue
		}
		break
	}
	return lx.off > start
}

// nodeRef reads $Path/To/Node, $"quoted", %Unique or %"quoted".
func (lx *lexer) nodeRef() {
	p, start := lx.pos(), lx.off
	sigil := lx.src[lx.off]
	lx.off++
	if lx.off < len(lx.src) && (lx.src[lx.off] == '"' || lx.src[lx.off] == '\'') {
		lx.str(start, 0, NodeRef)
		return
	}
	pathStart := lx.off
	for lx.off < len(lx.src) {
		c := lx.src[lx.off]
		if c == '/' || c == '%' {
			lx.off++
			continue
		}
		if !isIdentByte(c) {
			break
		}
		if c < utf8.RuneSelf {
			lx.off++
			continue
		}
		r, n := utf8.DecodeRuneInString(lx.src[lx.off:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.In(r, unicode.Mn, unicode.Mc, unicode.Pc) {
			break
		}
		lx.off += n
	}
	if lx.off == pathStart {
		lx.errorAt(p, "expected a node path or a quoted string after '%c'", sigil)
	}
	lx.emit(NodeRef, p, start, lx.src[pathStart:lx.off])
}

func (lx *lexer) number() {
	p, start := lx.pos(), lx.off
	s := lx.src
	digits := func(ok func(byte) bool) {
		for lx.off < len(s) && (ok(s[lx.off]) || s[lx.off] == '_') {
			lx.off++
		}
	}
	if s[lx.off] == '0' && lx.off+1 < len(s) && (s[lx.off+1] == 'x' || s[lx.off+1] == 'X') {
		lx.off += 2
		digits(func(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' })
	} else if s[lx.off] == '0' && lx.off+1 < len(s) && (s[lx.off+1] == 'b' || s[lx.off+1] == 'B') {
		lx.off += 2
		digits(func(c byte) bool { return c == '0' || c == '1' })
	} else {
		digits(isDigit)
		// "1." is a float, but "1.." and "1.foo" are not part of the number.
		if lx.off < len(s) && s[lx.off] == '.' && (lx.off+1 >= len(s) || s[lx.off+1] != '.' && !isIdentStartAt(s, lx.off+1) || isDigit(s[lx.off+1])) {
			lx.off++
			digits(isDigit)
		}
		if lx.off < len(s) && (s[lx.off] == 'e' || s[lx.off] == 'E') {
			j := lx.off + 1
			if j < len(s) && (s[j] == '+' || s[j] == '-') {
				j++
			}
			if j < len(s) && isDigit(s[j]) {
				lx.off = j
				digits(isDigit)
			}
		}
	}
	if lx.off < len(s) && isIdentByte(s[lx.off]) {
		lx.errorAt(lx.pos(), "unexpected character %s in number: expected a digit, an operator or a space", quoteByteAt(s, lx.off))
		for lx.off < len(s) && isIdentByte(s[lx.off]) {
			lx.off++
		}
	}
	lx.emit(Number, p, start, s[start:lx.off])
}

// opLen returns the length of the operator at the start of s, or 0.
func opLen(s string) int {
	next := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	switch c := s[0]; c {
	case '*', '<', '>':
		if next(1) == c {
			if next(2) == '=' {
				return 3 // **= <<= >>=
			}
			return 2
		}
		if next(1) == '=' {
			return 2
		}
		return 1
	case '.':
		if next(1) == '.' {
			if next(2) == '.' {
				return 3
			}
			return 2
		}
		return 1
	case '&', '|':
		if next(1) == c || next(1) == '=' {
			return 2
		}
		return 1
	case '-':
		if next(1) == '=' || next(1) == '>' {
			return 2
		}
		return 1
	case '=', '!', '+', '/', '%', '^':
		if next(1) == '=' {
			return 2
		}
		return 1
	case '~', ',', ':', ';', '(', ')', '[', ']', '{', '}':
		return 1
	}
	return 0
}

func (lx *lexer) operator() {
	p, start := lx.pos(), lx.off
	rest := lx.src[lx.off:]
	n := opLen(rest)
	if n == 0 {
		_, size := utf8.DecodeRuneInString(rest)
		lx.errorAt(p, "unexpected character %s: expected a name, a number, a string or an operator", quoteByteAt(lx.src, lx.off))
		lx.off += size
		return
	}
	lx.off += n
	switch c := rest[0]; {
	case n == 1 && (c == '(' || c == '[' || c == '{'):
		lx.brackets = append(lx.brackets, bracket{c, p})
	case n == 1 && (c == ')' || c == ']' || c == '}'):
		lx.closeBracket(c, p)
	}
	lx.emit(Operator, p, start, rest[:n])
}

// closeBracket matches a closing bracket. A stray closer is reported and
// ignored; a closer that matches an outer opener closes the inner ones too.
func (lx *lexer) closeBracket(c byte, p Pos) {
	for i := len(lx.brackets) - 1; i >= 0; i-- {
		if closer(lx.brackets[i].ch) == c {
			for j := len(lx.brackets) - 1; j > i; j-- {
				b := lx.brackets[j]
				lx.errorAt(p, "expected '%c' to close '%c' at %s, found '%c'", closer(b.ch), b.ch, b.pos, c)
			}
			lx.brackets = lx.brackets[:i]
			return
		}
	}
	if n := len(lx.brackets); n > 0 {
		b := lx.brackets[n-1]
		lx.errorAt(p, "expected '%c' to close '%c' at %s, found '%c'", closer(b.ch), b.ch, b.pos, c)
		return
	}
	lx.errorAt(p, "unexpected '%c': no open bracket to close", c)
}

func quoteByteAt(s string, i int) string {
	r, _ := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError {
		return fmt.Sprintf("byte 0x%02X", s[i])
	}
	return fmt.Sprintf("%q", r)
}

// str reads a string literal whose quote is at lx.off; start is where its
// prefix (r, &, ^, @, $, %) begins. kind is String or NodeRef.
func (lx *lexer) str(start int, sk StringKind, kind TokenKind) {
	p := lx.posAt(start)
	s := lx.src
	q := s[lx.off]
	triple := strings.HasPrefix(s[lx.off:], string([]byte{q, q, q}))
	if triple {
		sk |= StringMultiline
		lx.off += 3
	} else {
		lx.off++
	}
	raw := sk&StringRaw != 0
	contentStart := lx.off
	var b *strings.Builder // only allocated once an escape needs decoding
	flushTo := contentStart
	closed := false
	for lx.off < len(s) {
		c := s[lx.off]
		if c == q && (!triple || strings.HasPrefix(s[lx.off:], string([]byte{q, q, q}))) {
			if b != nil {
				b.WriteString(s[flushTo:lx.off])
			}
			text := s[contentStart:lx.off]
			if b != nil {
				text = b.String()
			}
			if triple {
				lx.off += 3
			} else {
				lx.off++
			}
			closed = true
			lx.emitString(kind, sk, p, start, text)
			break
		}
		if c == '\n' {
			if !triple {
				break
			}
			lx.newline()
			continue
		}
		if c != '\\' {
			lx.off++
			continue
		}
		// A backslash.
		if raw {
			lx.off++
			if lx.off < len(s) {
				if s[lx.off] == '\n' {
					lx.newline()
				} else {
					lx.off++
				}
			}
			continue
		}
		if b == nil {
			b = &strings.Builder{}
		}
		b.WriteString(s[flushTo:lx.off])
		lx.escape(b)
		flushTo = lx.off
	}
	if !closed {
		want := string(q)
		if triple {
			want = strings.Repeat(want, 3)
		}
		where := "end of line"
		if lx.off >= len(s) {
			where = "end of file"
		}
		lx.errorAt(p, "unterminated string: expected %s before %s", want, where)
		text := s[contentStart:lx.off]
		if b != nil {
			b.WriteString(s[flushTo:lx.off])
			text = b.String()
		}
		text = strings.TrimSuffix(text, "\r")
		lx.emitString(kind, sk, p, start, text)
	}
}

func (lx *lexer) emitString(kind TokenKind, sk StringKind, p Pos, start int, text string) {
	lx.toks = append(lx.toks, Token{Kind: kind, Str: sk, Text: text, Raw: lx.src[start:lx.off], Pos: p})
	lx.lastSig = len(lx.toks) - 1
	lx.lineHasToks = true
}

// escape decodes one escape sequence at lx.off (a backslash) into b.
func (lx *lexer) escape(b *strings.Builder) {
	s := lx.src
	p := lx.pos()
	lx.off++ // the backslash
	if lx.off >= len(s) {
		lx.errorAt(p, "expected an escape sequence after '\\', found end of file")
		return
	}
	c := s[lx.off]
	lx.off++
	switch c {
	case 'n':
		b.WriteByte('\n')
	case 't':
		b.WriteByte('\t')
	case 'r':
		b.WriteByte('\r')
	case 'a':
		b.WriteByte('\a')
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'v':
		b.WriteByte('\v')
	case '"', '\'', '\\':
		b.WriteByte(c)
	case '\n':
		// A backslash before a newline continues the string.
		lx.off--
		lx.newline()
	case '\r':
		if lx.off < len(s) && s[lx.off] == '\n' {
			lx.newline()
		}
	case 'u', 'U':
		n := 4
		if c == 'U' {
			n = 6
		}
		r, ok := lx.hex(n)
		if !ok {
			lx.errorAt(p, "invalid escape \\%c: expected %d hexadecimal digits", c, n)
			b.WriteRune(utf8.RuneError)
			return
		}
		if r >= 0xD800 && r < 0xDC00 { // a UTF-16 high surrogate: join with a following low one
			if strings.HasPrefix(s[lx.off:], "\\u") {
				save := lx.off
				lx.off += 2
				if lo, ok := lx.hex(4); ok && lo >= 0xDC00 && lo < 0xE000 {
					b.WriteRune((r-0xD800)<<10 + (lo - 0xDC00) + 0x10000)
					return
				}
				lx.off = save
			}
			lx.errorAt(p, "invalid escape: UTF-16 high surrogate without a low surrogate after it")
			b.WriteRune(utf8.RuneError)
			return
		}
		if r >= 0xDC00 && r < 0xE000 || r > unicode.MaxRune {
			lx.errorAt(p, "invalid escape: U+%04X is not a character", r)
			b.WriteRune(utf8.RuneError)
			return
		}
		b.WriteRune(r)
	default:
		lx.off--
		lx.errorAt(p, "invalid escape sequence \\%s: expected one of \\n \\t \\r \\a \\b \\f \\v \\\" \\' \\\\ \\u \\U", quoteRune(s, lx.off))
		// Keep the character itself, as Godot 3 does.
		if c != '\n' {
			_, n := utf8.DecodeRuneInString(s[lx.off:])
			b.WriteString(s[lx.off : lx.off+n])
			lx.off += n
		}
	}
}

func quoteRune(s string, i int) string {
	r, _ := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError || r < ' ' {
		return fmt.Sprintf("(byte 0x%02X)", s[i])
	}
	return string(r)
}

// hex reads exactly n hexadecimal digits.
func (lx *lexer) hex(n int) (rune, bool) {
	var r rune
	for i := 0; i < n; i++ {
		if lx.off >= len(lx.src) {
			return 0, false
		}
		c := lx.src[lx.off]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
		lx.off++
	}
	return r, true
}
