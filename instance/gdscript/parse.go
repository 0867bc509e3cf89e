package gdscript

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	// maxDepth bounds the nesting of inner classes and of lambdas inside
	// default values, the only places the parser recurses.
	maxDepth = 32
	// maxText bounds the source text kept for values and defaults.
	maxText = 200
)

// Parse reads a script and returns its outline. It never returns nil and
// never panics: on broken input it returns what it could read, with Errors
// that say where and what was expected.
func Parse(src []byte) *Script {
	lx := newLexer(src)
	var docs []Token
	lx.comments = &docs
	lx.run()
	p := &parser{toks: lx.toks, docs: docs, errs: lx.errs}
	p.setLim(len(p.toks))
	s := &Script{}
	p.root = s
	p.classBody(s, false)
	p.awaitedSignals()
	if len(p.errs) > 0 {
		sort.SliceStable(p.errs, func(i, j int) bool {
			a, b := p.errs[i].Pos, p.errs[j].Pos
			return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
		})
		s.Errors = p.errs
	}
	return s
}

type parser struct {
	toks []Token // without comments; the last one is EOF
	docs []Token // ## comments alone on their line, in order
	errs []Error
	root *Script

	i, lim int   // current token; tokens at lim and after read as EOF
	limEOF Token // what tokens at lim and after read as
	depth  int

	muteUntil int // String tokens before this index are arguments already reported
	stmtDone  bool

	callSeen dedup // for the Calls list being filled
	typeSeen dedup // for root.TypeRefs
}

func (p *parser) errorf(pos Pos, format string, args ...any) {
	if len(p.errs) > maxErrors {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if len(p.errs) == maxErrors {
		msg = "too many errors; stopped reporting"
	}
	p.errs = append(p.errs, Error{Pos: pos, Msg: msg})
}

// tok returns the current token; past lim it returns the EOF token.
func (p *parser) tok() *Token { return p.at(p.i) }

func (p *parser) at(i int) *Token {
	if i < p.lim && i >= 0 {
		return &p.toks[i]
	}
	return &p.limEOF
}

// setLim sets the limit and returns the previous one.
func (p *parser) setLim(lim int) int {
	old := p.lim
	p.lim = min(lim, len(p.toks)-1)
	pos := p.toks[p.lim].Pos
	p.limEOF = Token{Kind: EOF, Pos: pos}
	return old
}

func isOp(t *Token, op string) bool { return t.Kind == Operator && t.Text == op }
func isKw(t *Token, kw string) bool { return t.Kind == Keyword && t.Text == kw }
func isID(t *Token, id string) bool { return t.Kind == Identifier && t.Text == id }
func endsLine(t *Token) bool {
	return t.Kind == Newline || t.Kind == EOF || t.Kind == Dedent || isOp(t, ";")
}
func isUpperStart(name string) bool {
	r, _ := utf8.DecodeRuneInString(name)
	return unicode.IsUpper(r)
}

// annotation is a parsed @name(args) with its source text.
type annotation struct {
	name string
	text string
	args []Token
	pos  Pos
}

// classBody reads the members of a script or inner class up to the end of
// its block.
func (p *parser) classBody(s *Script, nested bool) {
	var ann []annotation
	annLine := 0
	extra := 0 // unexpected indents whose dedents must be absorbed
	for {
		t := p.tok()
		switch t.Kind {
		case EOF:
			return
		case Dedent:
			p.i++
			if extra > 0 {
				extra--
				continue
			}
			if nested {
				return
			}
			continue
		case Indent:
			p.errorf(t.Pos, "unexpected indentation: expected a declaration at the indentation of the class")
			p.i++
			extra++
			continue
		case Newline:
			p.i++
			continue
		case Operator:
			if t.Text == ";" {
				p.i++
				continue
			}
		case Annotation:
			a := p.annotation()
			if len(ann) == 0 {
				annLine = a.pos.Line
			}
			if !p.standalone(s, a) {
				ann = append(ann, a)
			}
			continue
		}
		first := t.Pos.Line
		if len(ann) > 0 {
			first = annLine
		}
		before := p.i
		p.member(s, ann, first)
		ann = ann[:0]
		if p.i == before { // cannot happen; never loop forever
			p.i++
		}
	}
}

// annotation reads @name or @name(args).
func (p *parser) annotation() annotation {
	t := p.tok()
	a := annotation{name: t.Text, pos: t.Pos}
	start := p.i
	p.i++
	if isOp(p.tok(), "(") {
		open := p.i
		p.i = p.matchParen(open)
		a.args = p.toks[open+1 : max(open+1, p.i-1)]
	}
	a.text = p.text(start, p.i)
	return a
}

// matchParen returns the index after the ')' that closes the '(' at open,
// or the index of the end of the line if it is not closed.
func (p *parser) matchParen(open int) int {
	depth := 0
	for j := open; ; j++ {
		t := p.at(j)
		switch {
		case t.Kind == EOF || t.Kind == Newline || t.Kind == Dedent || t.Kind == Indent:
			return j
		case isOp(t, "(") || isOp(t, "[") || isOp(t, "{"):
			depth++
		case isOp(t, ")") || isOp(t, "]") || isOp(t, "}"):
			depth--
			if depth <= 0 {
				return j + 1
			}
		}
	}
}

// standalone applies annotations that stand alone and reports whether a
// was one; the others wait for the declaration they annotate.
func (p *parser) standalone(s *Script, a annotation) bool {
	switch a.name {
	case "@tool":
		s.Tool = true
	case "@icon":
		if len(a.args) > 0 && a.args[0].Kind == String {
			s.Icon = a.args[0].Text
		} else {
			p.errorf(a.pos, "expected a quoted path in @icon(...)")
		}
	case "@static_unload":
		s.StaticUnload = true
	case "@export_category", "@export_group", "@export_subgroup", "@warning_ignore_start", "@warning_ignore_restore":
	default:
		return false
	}
	return true
}

// godot3Modifiers are the Godot 3 words that may precede var or func.
var godot3Modifiers = map[string]bool{
	"onready": true, "export": true, "remote": true, "master": true, "puppet": true,
	"slave": true, "sync": true, "remotesync": true, "mastersync": true, "puppetsync": true,
}

// modifiersAhead reports whether the Godot 3 modifiers starting at p.i lead
// to var, func or static; otherwise they are not modifiers (a Godot 4
// script may call a method named export).
func (p *parser) modifiersAhead() bool {
	j := p.i
	for {
		t := p.at(j)
		if t.Kind != Identifier || !godot3Modifiers[t.Text] {
			break
		}
		j++
		if t.Text == "export" && isOp(p.at(j), "(") {
			j = p.matchParen(j)
		}
	}
	t := p.at(j)
	return j > p.i && (isKw(t, "var") || isKw(t, "func") || isKw(t, "static"))
}

type modifiers struct {
	onready bool
	export  string
	rpc     string
	static  bool
	ann     []annotation
	first   int // line of the first token of the declaration
}

// member reads one class-level statement.
func (p *parser) member(s *Script, ann []annotation, first int) {
	m := modifiers{ann: ann, first: first}
	if p.tok().Kind == Identifier && godot3Modifiers[p.tok().Text] && p.modifiersAhead() {
		for p.tok().Kind == Identifier && godot3Modifiers[p.tok().Text] {
			t := p.tok()
			start := p.i
			p.i++
			switch t.Text {
			case "onready":
				m.onready = true
			case "export":
				if isOp(p.tok(), "(") {
					open := p.i
					p.i = p.matchParen(open)
					for j := open + 1; j < p.i; j++ {
						if a := p.at(j); a.Kind == Identifier && !isOp(p.at(j-1), ".") {
							p.addTypeRef(a.Text, a.Pos.Line)
						}
					}
				}
				m.export = p.text(start, p.i)
			default:
				m.rpc = t.Text
			}
		}
	}
	if isKw(p.tok(), "static") {
		m.static = true
		p.i++
		if t := p.tok(); !isKw(t, "var") && !isKw(t, "func") {
			p.errorf(t.Pos, "expected 'var' or 'func' after 'static', found %s", describe(*t))
			p.skipStatement()
			return
		}
	}
	t := p.tok()
	switch {
	case isKw(t, "var"):
		p.variable(s, m)
	case isKw(t, "func"):
		p.function(s, m)
	case isKw(t, "const"):
		p.constant(s, m)
	case isKw(t, "signal"):
		p.signal(s, m)
	case isKw(t, "enum"):
		p.enum(s, m)
	case isKw(t, "class"):
		p.class(s, m)
	case isKw(t, "extends") || isKw(t, "class_name") || isID(t, "tool") && p.toolAhead():
		p.header(s, m)
	case isKw(t, "pass"):
		p.i++
		p.endStatement("'pass'")
	default:
		p.errorf(t.Pos, "expected a declaration (var, const, func, signal, enum, class, extends, class_name or an annotation), found %s", describe(*t))
		p.skipStatement()
	}
}

// toolAhead reports whether the Identifier "tool" at p.i is Godot 3's tool
// statement.
func (p *parser) toolAhead() bool {
	n := p.at(p.i + 1)
	return endsLine(n) || isKw(n, "extends") || isKw(n, "class_name")
}

// header reads `tool`, `extends ...` and `class_name ...`, in any order on
// one line (`class_name X extends Y`).
func (p *parser) header(s *Script, m modifiers) {
	for {
		t := p.tok()
		switch {
		case isID(t, "tool"):
			s.Tool = true
			p.i++
		case isKw(t, "extends"):
			if s.ExtendsLine != 0 {
				p.errorf(t.Pos, "duplicate 'extends': the script already extends %s at line %d", s.Extends, s.ExtendsLine)
			}
			p.setDoc(s, m.first)
			p.extends(s)
		case isKw(t, "class_name"):
			if s.ClassNameLine != 0 {
				p.errorf(t.Pos, "duplicate 'class_name': the script is already named %s at line %d", s.ClassName, s.ClassNameLine)
			}
			p.setDoc(s, m.first)
			p.i++
			n := p.tok()
			if n.Kind != Identifier {
				p.errorf(n.Pos, "expected a class name after 'class_name', found %s", describe(*n))
				p.skipStatement()
				return
			}
			s.ClassName, s.ClassNameLine = n.Text, t.Pos.Line
			p.i++
			if isOp(p.tok(), ",") { // Godot 3: class_name X, "res://icon.svg"
				p.i++
				if ic := p.tok(); ic.Kind == String {
					s.Icon = ic.Text
					p.i++
				} else {
					p.errorf(ic.Pos, "expected a quoted icon path after 'class_name %s,', found %s", s.ClassName, describe(*ic))
				}
			}
		default:
			p.applyAbstract(s, m)
			p.endStatement("the class header")
			return
		}
	}
}

func (p *parser) applyAbstract(s *Script, m modifiers) {
	for _, a := range m.ann {
		if a.name == "@abstract" {
			s.Abstract = true
		}
	}
}

func (p *parser) setDoc(s *Script, line int) {
	if s.Doc == "" {
		s.Doc = p.doc(line)
	}
}

// extends reads `extends Name.Inner`, `extends "path"` or Godot 3's
// `extends "path".Inner`.
func (p *parser) extends(s *Script) {
	kw := p.tok()
	p.i++
	t := p.tok()
	switch {
	case t.Kind == String && t.Str&(StringName|StringNodePath) == 0:
		s.Extends, s.ExtendsPath, s.ExtendsLine = t.Text, true, kw.Pos.Line
		p.i++
		var inner []string
		for isOp(p.tok(), ".") && p.at(p.i+1).Kind == Identifier {
			inner = append(inner, p.at(p.i+1).Text)
			p.i += 2
		}
		s.ExtendsInner = strings.Join(inner, ".")
	case t.Kind == Identifier:
		start := p.i
		p.i++
		for isOp(p.tok(), ".") && p.at(p.i+1).Kind == Identifier {
			p.i += 2
		}
		s.Extends, s.ExtendsPath, s.ExtendsLine = p.text(start, p.i), false, kw.Pos.Line
	default:
		p.errorf(t.Pos, "expected a class name or a quoted path after 'extends', found %s", describe(*t))
	}
}

// endStatement expects the end of a statement.
func (p *parser) endStatement(what string) {
	if p.stmtDone {
		p.stmtDone = false
		return
	}
	t := p.tok()
	switch {
	case t.Kind == Newline || isOp(t, ";"):
		p.i++
	case t.Kind == EOF || t.Kind == Dedent:
	default:
		p.errorf(t.Pos, "expected end of line after %s, found %s", what, describe(*t))
		p.skipStatement()
	}
}

// skipStatement skips to the end of the statement, and the block after it
// if there is one, still collecting the references in the skipped code.
func (p *parser) skipStatement() {
	p.stmtDone = false
	start := p.i
	for !endsLine(p.tok()) && p.tok().Kind != Indent {
		p.i++
	}
	end := p.i
	if t := p.tok(); t.Kind == Newline || isOp(t, ";") {
		p.i++
		if p.tok().Kind == Indent {
			end = p.matchBlock(p.i)
			p.i = end
		}
	} else if t.Kind == Indent {
		end = p.matchBlock(p.i)
		p.i = end
	}
	save := p.i
	p.scan(start, end, nil)
	p.i = save
}

// matchBlock returns the index after the Dedent that closes the Indent at j.
func (p *parser) matchBlock(j int) int {
	depth := 0
	for ; ; j++ {
		switch p.at(j).Kind {
		case EOF:
			return j
		case Indent:
			depth++
		case Dedent:
			depth--
			if depth <= 0 {
				return j + 1
			}
		}
	}
}

// exprEnd returns the index where the expression at p.i ends: at the end of
// the line, with stopSemicolon at ';', and, with stopColon, at a ':' outside brackets that
// does not belong to a lambda, or at Godot 3's setget. A lambda whose body
// is an indented block ends the statement after the block; stmtDone is set.
func (p *parser) exprEnd(stopColon, stopSemicolon bool) int {
	depth := 0
	lambda := false
	for j := p.i; ; j++ {
		t := p.at(j)
		switch t.Kind {
		case EOF, Dedent, Indent:
			return j
		case Newline:
			if lambda && isOp(p.at(j-1), ":") && p.at(j+1).Kind == Indent {
				p.stmtDone = true
				return p.matchBlock(j + 1)
			}
			return j
		case Keyword:
			if t.Text == "func" {
				lambda = true
			}
		case Identifier:
			if depth == 0 && t.Text == "setget" && stopColon {
				return j
			}
		case Operator:
			switch t.Text {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				if depth > 0 {
					depth--
				}
			case ";":
				if depth == 0 && stopSemicolon {
					return j
				}
			case ":":
				if depth == 0 && stopColon && !lambda {
					return j
				}
			}
		}
	}
}

// expr reads an expression up to exprEnd, collecting its references and
// calls, and returns its bounded source text.
func (p *parser) expr(calls *[]Call, stopColon bool) string {
	start := p.i
	end := p.exprEnd(stopColon, true)
	text := p.text(start, end)
	p.scan(start, end, calls)
	p.i = end
	return text
}

// text returns the source text of tokens [start, end), with one space where
// the source had blanks, cut at maxText bytes.
func (p *parser) text(start, end int) string {
	if end <= start {
		return ""
	}
	if end == start+1 {
		return p.at(start).Raw
	}
	var b strings.Builder
	var prev *Token
	newline := false
	for j := start; j < end; j++ {
		t := p.at(j)
		if t.Kind == Newline || t.Kind == Indent || t.Kind == Dedent || t.Kind == EOF {
			newline = newline || t.Kind == Newline
			continue
		}
		switch {
		case prev == nil:
		case newline && !isOp(prev, ":"):
			b.WriteString("; ") // the lines of a lambda's block
		case newline || prev.End() != t.Pos:
			b.WriteByte(' ')
		}
		newline = false
		b.WriteString(t.Raw)
		prev = t
		if b.Len() > maxText {
			return clip(b.String(), maxText)
		}
	}
	return b.String()
}

// typeEnd returns the index after a type starting at j (Name, A.B,
// Array[T], Dictionary[K, V]), or j if there is none.
func (p *parser) typeEnd(j int) int {
	if p.at(j).Kind != Identifier {
		return j
	}
	j++
	for isOp(p.at(j), ".") && p.at(j+1).Kind == Identifier {
		j += 2
	}
	if isOp(p.at(j), "[") {
		depth := 0
		for ; ; j++ {
			t := p.at(j)
			if t.Kind == EOF || t.Kind == Newline || t.Kind == Dedent || t.Kind == Indent {
				return j
			}
			if isOp(t, "[") {
				depth++
			} else if isOp(t, "]") {
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
	}
	return j
}

// typeExpr reads a type, records its class names as TypeRefs and returns
// its text. With report, a missing type is an error.
func (p *parser) typeExpr(report bool, after string) string {
	end := p.typeEnd(p.i)
	if end == p.i {
		if report {
			t := p.tok()
			p.errorf(t.Pos, "expected a type after %s, found %s", after, describe(*t))
		}
		return ""
	}
	for j := p.i; j < end; j++ {
		if t := p.at(j); t.Kind == Identifier && !isOp(p.at(j-1), ".") {
			p.addTypeRef(t.Text, t.Pos.Line)
		}
	}
	text := p.text(p.i, end)
	p.i = end
	return text
}

// params reads a parameter list after its '(' up to and including ')'.
func (p *parser) params(calls *[]Call) []Param {
	var out []Param
	for {
		t := p.tok()
		if isOp(t, ")") {
			p.i++
			return out
		}
		if endsLine(t) || t.Kind == Indent {
			p.errorf(t.Pos, "expected ')' to close the parameter list, found %s", describe(*t))
			return out
		}
		var prm Param
		if isOp(t, "...") {
			prm.Variadic = true
			p.i++
			t = p.tok()
		}
		if t.Kind != Identifier {
			p.errorf(t.Pos, "expected a parameter name, found %s", describe(*t))
			p.skipArg(")")
			continue
		}
		prm.Name = t.Text
		p.i++
		if isOp(p.tok(), ":") {
			p.i++
			if !isOp(p.tok(), "=") {
				prm.Type = p.typeExpr(true, "':' in parameter "+prm.Name)
			}
		}
		if isOp(p.tok(), "=") {
			p.i++
			start := p.i
			end := p.argEnd()
			prm.Default = p.text(start, end)
			p.scan(start, end, calls)
			p.i = end
		}
		out = append(out, prm)
		switch t := p.tok(); {
		case isOp(t, ","):
			p.i++
		case isOp(t, ")"):
		default:
			p.errorf(t.Pos, "expected ',' or ')' after parameter %s, found %s", prm.Name, describe(*t))
			p.skipArg(")")
		}
	}
}

// argEnd returns the index of the ',' or ')' that ends the argument at p.i.
func (p *parser) argEnd() int {
	depth := 0
	for j := p.i; ; j++ {
		t := p.at(j)
		switch {
		case endsLine(t) && !isOp(t, ";") || t.Kind == Indent:
			return j
		case isOp(t, "(") || isOp(t, "[") || isOp(t, "{"):
			depth++
		case isOp(t, ")") || isOp(t, "]") || isOp(t, "}"):
			if depth == 0 {
				return j
			}
			depth--
		case isOp(t, ","):
			if depth == 0 {
				return j
			}
		}
	}
}

// skipArg skips the broken argument at p.i: up to and including the next
// ',' or up to the closer, outside brackets, or to the end of the line. It
// always moves unless it starts at the closer or the end of the line.
func (p *parser) skipArg(closer string) {
	depth := 0
	for {
		t := p.tok()
		switch {
		case endsLine(t) && !isOp(t, ";") || t.Kind == Indent:
			return
		case depth == 0 && isOp(t, closer):
			return
		case depth == 0 && isOp(t, ","):
			p.i++
			return
		case isOp(t, "(") || isOp(t, "[") || isOp(t, "{"):
			depth++
		case isOp(t, ")") || isOp(t, "]") || isOp(t, "}"):
			if depth > 0 {
				depth--
			}
		}
		p.i++
	}
}

func (p *parser) variable(s *Script, m modifiers) {
	p.i++ // var
	n := p.tok()
	if n.Kind != Identifier {
		p.errorf(n.Pos, "expected a variable name after 'var', found %s", describe(*n))
		p.skipStatement()
		return
	}
	p.i++
	v := Variable{Name: n.Text, Line: n.Pos.Line, Static: m.static, Onready: m.onready, RPC: m.rpc, Doc: p.doc(m.first)}
	if m.export != "" {
		v.Exported, v.Export = true, m.export
	}
	for _, a := range m.ann {
		switch {
		case a.name == "@onready":
			v.Onready = true
		case strings.HasPrefix(a.name, "@export"):
			v.Exported = true
			if v.Export != "" {
				v.Export += " "
			}
			v.Export += a.text
		}
	}
	p.callSeen = dedup{}
	if isOp(p.tok(), ":") && p.at(p.i+1).Kind != Newline {
		p.i++
		if isOp(p.tok(), "=") {
			p.i++
			v.Value = p.expr(&v.Calls, true)
		} else {
			v.Type = p.typeExpr(true, "':' in var "+v.Name)
			if isOp(p.tok(), "=") {
				p.i++
				v.Value = p.expr(&v.Calls, true)
			}
		}
	} else if isOp(p.tok(), "=") {
		p.i++
		v.Value = p.expr(&v.Calls, true)
	}
	if isID(p.tok(), "setget") { // Godot 3
		p.i++
		if t := p.tok(); t.Kind == Identifier {
			v.Setter = t.Text
			p.i++
		}
		if isOp(p.tok(), ",") {
			p.i++
			if t := p.tok(); t.Kind == Identifier {
				v.Getter = t.Text
				p.i++
			} else {
				p.errorf(t.Pos, "expected a getter name after 'setget %s,', found %s", v.Setter, describe(*t))
			}
		}
		if v.Setter == "" && v.Getter == "" {
			p.errorf(p.tok().Pos, "expected a setter or getter name after 'setget', found %s", describe(*p.tok()))
		}
	}
	if !p.stmtDone && isOp(p.tok(), ":") {
		p.i++
		p.accessors(&v)
	}
	s.Variables = append(s.Variables, v)
	p.endStatement("var " + v.Name)
}

// accessors reads a Godot 4 property's set/get, inline or as a block.
func (p *parser) accessors(v *Variable) {
	if p.tok().Kind == Newline && p.at(p.i+1).Kind == Indent {
		p.i += 2
		for {
			t := p.tok()
			switch {
			case t.Kind == EOF:
				p.stmtDone = true
				return
			case t.Kind == Dedent:
				p.i++
				p.stmtDone = true
				return
			case t.Kind == Newline || isOp(t, ";") || isOp(t, ","):
				p.i++
			case t.Kind == Indent:
				p.errorf(t.Pos, "unexpected indentation: expected 'set' or 'get' in the property block of %s", v.Name)
				p.i = p.matchBlock(p.i)
			default:
				if !p.accessor(v) {
					p.skipStatement()
				}
			}
		}
	}
	for {
		if !p.accessor(v) {
			return
		}
		if !isOp(p.tok(), ",") {
			return
		}
		p.i++
	}
}

// accessor reads `set = f`, `get = f`, `set(value): body` or `get: body`.
func (p *parser) accessor(v *Variable) bool {
	t := p.tok()
	if !isID(t, "set") && !isID(t, "get") {
		p.errorf(t.Pos, "expected 'set' or 'get' in the property %s, found %s", v.Name, describe(*t))
		return false
	}
	name := t.Text
	p.i++
	if isOp(p.tok(), "=") {
		p.i++
		f := p.tok()
		if f.Kind != Identifier {
			p.errorf(f.Pos, "expected a function name after '%s =', found %s", name, describe(*f))
			return false
		}
		p.i++
		if name == "set" {
			v.Setter = f.Text
		} else {
			v.Getter = f.Text
		}
		return true
	}
	if isOp(p.tok(), "(") {
		p.i = p.matchParen(p.i)
	}
	if !isOp(p.tok(), ":") {
		p.errorf(p.tok().Pos, "expected ':' after '%s' in the property %s, found %s", name, v.Name, describe(*p.tok()))
		return false
	}
	p.i++
	if name == "set" {
		v.Setter = "set"
	} else {
		v.Getter = "get"
	}
	p.body(&v.Calls)
	p.stmtDone = false
	return true
}

// body reads the body after a ':' : an indented block or the rest of the
// line. It returns the last line of the body.
func (p *parser) body(calls *[]Call) int {
	if p.tok().Kind == Newline && p.at(p.i+1).Kind == Indent {
		start := p.i + 2
		end := p.matchBlock(p.i + 1)
		p.scan(start, end, calls)
		p.i = end
		p.stmtDone = true
		return p.lastLine(start, end)
	}
	start := p.i
	end := p.exprEnd(false, false) // func f(): a(); b() is one body
	p.scan(start, end, calls)
	p.i = end
	return p.lastLine(start, end)
}

// lastLine returns the last line of the tokens in [start, end), or 0.
func (p *parser) lastLine(start, end int) int {
	for j := min(end, p.lim) - 1; j >= start; j-- {
		switch t := p.at(j); t.Kind {
		case Newline, Indent, Dedent, EOF:
		default:
			return t.End().Line
		}
	}
	return 0
}

func (p *parser) function(s *Script, m modifiers) {
	kw := p.tok()
	p.i++ // func
	n := p.tok()
	if n.Kind != Identifier {
		p.errorf(n.Pos, "expected a function name after 'func', found %s", describe(*n))
		p.skipStatement()
		return
	}
	p.i++
	f := Function{Name: n.Text, Line: kw.Pos.Line, Static: m.static, RPC: m.rpc, Doc: p.doc(m.first)}
	for _, a := range m.ann {
		switch a.name {
		case "@rpc":
			f.RPC = a.text
		case "@abstract":
			f.Abstract = true
		}
	}
	p.callSeen = dedup{}
	hadParams := false
	if isOp(p.tok(), "(") {
		p.i++
		f.Params = p.params(&f.Calls)
		hadParams = true
	} else {
		p.errorf(p.tok().Pos, "expected '(' after 'func %s', found %s", f.Name, describe(*p.tok()))
	}
	// Godot 3 passes constructor arguments to the parent's _init with
	// `func _init(a).(a):`. The arguments stay on the signature's line.
	if hadParams && isOp(p.tok(), ".") && isOp(p.at(p.i+1), "(") {
		p.i += 2
		for depth := 1; depth > 0 && p.tok().Kind != EOF && p.tok().Kind != Newline; p.i++ {
			switch {
			case isOp(p.tok(), "("):
				depth++
			case isOp(p.tok(), ")"):
				depth--
			}
		}
	}
	if isOp(p.tok(), "->") {
		p.i++
		f.ReturnType = p.typeExpr(true, "'->'")
	}
	f.EndLine = max(p.lastLine(p.i-1, p.i), f.Line)
	switch t := p.tok(); {
	case isOp(t, ":"):
		p.i++
		if p.tok().Kind == Newline && p.at(p.i+1).Kind != Indent {
			p.errorf(p.tok().Pos, "expected an indented block after 'func %s(...):', found %s", f.Name, describe(*p.at(p.i + 1)))
		} else if l := p.body(&f.Calls); l > 0 {
			f.EndLine = l
		}
	case f.Abstract && endsLine(t):
	case t.Kind == Newline && p.at(p.i+1).Kind == Indent:
		p.errorf(t.Pos, "expected ':' after the signature of func %s", f.Name)
		if l := p.body(&f.Calls); l > 0 {
			f.EndLine = l
		}
	default:
		p.errorf(t.Pos, "expected ':' after the signature of func %s, found %s", f.Name, describe(*t))
		s.Functions = append(s.Functions, f)
		p.skipStatement()
		return
	}
	s.Functions = append(s.Functions, f)
	p.endStatement("func " + f.Name)
}

func (p *parser) constant(s *Script, m modifiers) {
	p.i++ // const
	n := p.tok()
	if n.Kind != Identifier {
		p.errorf(n.Pos, "expected a constant name after 'const', found %s", describe(*n))
		p.skipStatement()
		return
	}
	p.i++
	c := Constant{Name: n.Text, Line: n.Pos.Line, Doc: p.doc(m.first)}
	if isOp(p.tok(), ":") {
		p.i++
		if !isOp(p.tok(), "=") {
			c.Type = p.typeExpr(true, "':' in const "+c.Name)
		}
	}
	if !isOp(p.tok(), "=") {
		p.errorf(p.tok().Pos, "expected '=' and a value after 'const %s', found %s", c.Name, describe(*p.tok()))
		s.Constants = append(s.Constants, c)
		p.skipStatement()
		return
	}
	p.i++
	c.Value = p.expr(nil, false)
	s.Constants = append(s.Constants, c)
	p.endStatement("const " + c.Name)
}

func (p *parser) signal(s *Script, m modifiers) {
	p.i++ // signal
	n := p.tok()
	if n.Kind != Identifier {
		p.errorf(n.Pos, "expected a signal name after 'signal', found %s", describe(*n))
		p.skipStatement()
		return
	}
	p.i++
	sg := Signal{Name: n.Text, Line: n.Pos.Line, Doc: p.doc(m.first)}
	if isOp(p.tok(), "(") {
		p.i++
		sg.Params = p.params(nil)
	}
	s.Signals = append(s.Signals, sg)
	p.endStatement("signal " + sg.Name)
}

func (p *parser) enum(s *Script, m modifiers) {
	kw := p.tok()
	p.i++ // enum
	e := Enum{Line: kw.Pos.Line, Doc: p.doc(m.first)}
	if t := p.tok(); t.Kind == Identifier {
		e.Name = t.Text
		p.i++
	}
	if !isOp(p.tok(), "{") {
		p.errorf(p.tok().Pos, "expected '{' after 'enum %s', found %s", e.Name, describe(*p.tok()))
		s.Enums = append(s.Enums, e)
		p.skipStatement()
		return
	}
	p.i++
	for {
		t := p.tok()
		if isOp(t, "}") {
			p.i++
			break
		}
		if endsLine(t) || t.Kind == Indent {
			p.errorf(t.Pos, "expected '}' to close the enum, found %s", describe(*t))
			break
		}
		if t.Kind != Identifier {
			p.errorf(t.Pos, "expected an enum value name, found %s", describe(*t))
			p.skipArg("}")
			continue
		}
		e.Values = append(e.Values, t.Text)
		p.i++
		if isOp(p.tok(), "=") {
			p.i++
			start := p.i
			end := p.argEnd()
			p.scan(start, end, nil)
			p.i = end
		}
		switch t := p.tok(); {
		case isOp(t, ","):
			p.i++
		case isOp(t, "}"):
		default:
			p.errorf(t.Pos, "expected ',' or '}' after enum value %s, found %s", e.Values[len(e.Values)-1], describe(*t))
			p.skipArg("}")
		}
	}
	s.Enums = append(s.Enums, e)
	p.endStatement("the enum")
}

func (p *parser) class(s *Script, m modifiers) {
	kw := p.tok()
	p.i++ // class
	n := p.tok()
	if n.Kind != Identifier {
		p.errorf(n.Pos, "expected a class name after 'class', found %s", describe(*n))
		p.skipStatement()
		return
	}
	p.i++
	c := &Script{Name: n.Text, Line: kw.Pos.Line, Doc: p.doc(m.first)}
	p.applyAbstract(c, m)
	if isKw(p.tok(), "extends") {
		p.extends(c)
	}
	s.Classes = append(s.Classes, c)
	if !isOp(p.tok(), ":") {
		p.errorf(p.tok().Pos, "expected ':' after 'class %s', found %s", c.Name, describe(*p.tok()))
		c.EndLine = c.Line
		p.skipStatement()
		return
	}
	p.i++
	if p.tok().Kind != Newline || p.at(p.i+1).Kind != Indent {
		// class A: pass
		c.EndLine = c.Line
		for {
			t := p.tok()
			if endsLine(t) || t.Kind == Indent {
				p.endStatement("class " + c.Name)
				return
			}
			before := p.i
			if isKw(t, "pass") {
				p.i++
				continue
			}
			p.member(c, nil, t.Pos.Line)
			if p.i == before {
				p.i++
			}
			if k := p.at(p.i - 1).Kind; k == Newline || k == Dedent {
				return
			}
		}
	}
	p.i += 2
	start := p.i
	if p.depth >= maxDepth {
		p.errorf(n.Pos, "classes nested too deeply: expected at most %d levels", maxDepth)
		p.i = p.matchBlock(start - 1)
		c.EndLine = p.lastLine(start, p.i)
		return
	}
	p.depth++
	p.classBody(c, true)
	p.depth--
	c.EndLine = p.lastLine(start, p.i)
}

// doc returns the ## comment block that ends on the line before line.
func (p *parser) doc(line int) string {
	k := sort.Search(len(p.docs), func(i int) bool { return p.docs[i].Pos.Line >= line })
	j := k
	for j > 0 && p.docs[j-1].Pos.Line == line-(k-j)-1 {
		j--
	}
	if j == k {
		return ""
	}
	var b strings.Builder
	for i := j; i < k; i++ {
		if i > j {
			b.WriteByte('\n')
		}
		t := strings.TrimPrefix(p.docs[i].Text, "##")
		t = strings.TrimPrefix(t, " ")
		b.WriteString(strings.TrimRight(t, " \t"))
	}
	return b.String()
}
