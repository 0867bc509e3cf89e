package gdscript

import "strings"

// scan collects the references in tokens [start, end): calls into calls
// (nil drops them), everything else into the root Script. It reads code
// token by token rather than statement by statement, so function bodies,
// lambdas and broken code all yield their references.
func (p *parser) scan(start, end int, calls *[]Call) {
	if end <= start {
		return
	}
	if p.depth >= maxDepth {
		p.errorf(p.at(start).Pos, "code nested too deeply: expected at most %d levels of lambdas and classes", maxDepth)
		return
	}
	p.depth++
	oldLim := p.setLim(min(end, p.lim))
	p.i = start
	for p.i < p.lim {
		t := &p.toks[p.i]
		switch t.Kind {
		case String:
			if p.i >= p.muteUntil {
				p.stringRef(t)
			}
			p.i++
		case NodeRef:
			kind := "$"
			if t.Raw[0] == '%' {
				kind = "%"
			}
			if t.Text != "" {
				p.root.NodePaths = append(p.root.NodePaths, NodePathRef{Path: t.Text, Line: t.Pos.Line, Kind: kind})
			}
			p.i++
		case Keyword:
			p.keywordRef(t, calls)
		case Identifier:
			p.identRef(t, calls)
		case Operator:
			p.i++
			if t.Text == "->" {
				p.typeExpr(false, "")
			}
		default:
			p.i++
		}
	}
	p.setLim(oldLim)
	p.depth--
}

func (p *parser) stringRef(t *Token) {
	switch {
	case t.Str&StringNodePath != 0:
		p.root.NodePaths = append(p.root.NodePaths, NodePathRef{Path: t.Text, Line: t.Pos.Line, Kind: "^"})
	case isResourcePath(t.Text):
		p.root.Paths = append(p.root.Paths, PathRef{Path: t.Text, Line: t.Pos.Line})
	}
}

// isResourcePath reports whether s is a whole res:// or uid:// path, not a
// template ("res://{name}.tscn", "res://level_%d.tscn") or a prefix.
func isResourcePath(s string) bool {
	return (strings.HasPrefix(s, "res://") || strings.HasPrefix(s, "uid://")) &&
		len(s) > len("res://") && !strings.ContainsAny(s, "{}%\n")
}

func (p *parser) keywordRef(t *Token, calls *[]Call) {
	switch t.Text {
	case "preload":
		p.load("preload")
	case "is", "as":
		p.i++
		if isKw(p.tok(), "not") { // Godot 4: x is not Foo
			p.i++
		}
		p.typeExpr(false, "")
	case "var", "const", "for":
		// var x: T, const X: T, for i: T in (4.2). A match pattern binds
		// `var x:` followed by a statement, so a "type" followed by '(' is
		// not one.
		p.i++
		if p.tok().Kind == Identifier && isOp(p.at(p.i+1), ":") && !isOp(p.at(p.i+2), "=") {
			j := p.i + 2
			if e := p.typeEnd(j); e > j && !isOp(p.at(e), "(") {
				p.i = j
				p.typeExpr(false, "")
			}
		}
	case "func": // a lambda
		p.i++
		if p.tok().Kind == Identifier {
			p.i++
		}
		if isOp(p.tok(), "(") {
			p.i++
			p.params(calls)
		}
	case "super":
		p.i++
		if isOp(p.tok(), ".") && p.at(p.i+1).Kind == Identifier {
			p.i += 2 // super.method(): the parent's method, not a call of ours
		}
	default:
		p.i++
	}
}

// operandEnd reports whether t ends an operand, so that a '.' after it is a
// member access.
func operandEnd(t *Token) bool {
	switch t.Kind {
	case Identifier, Number, String, NodeRef:
		return true
	case Keyword:
		switch t.Text {
		case "self", "super", "true", "false", "null":
			return true
		}
	case Operator:
		return t.Text == ")" || t.Text == "]" || t.Text == "}"
	}
	return false
}

func (p *parser) identRef(t *Token, calls *[]Call) {
	i := p.i
	next := p.at(i + 1)
	call := isOp(next, "(")
	afterDot := i > 0 && isOp(&p.toks[i-1], ".")
	if !afterDot {
		if isOp(next, ".") {
			p.addTypeRef(t.Text, t.Pos.Line) // Foo.new(), Foo.CONST, Foo.method()
		}
		if call {
			p.callRef(t, calls, i)
			return
		}
		p.i++
		return
	}
	if i >= 2 && call {
		recv := &p.toks[i-2]
		switch {
		case isKw(recv, "self"):
			p.callRef(t, calls, i)
			return
		case isKw(recv, "super"), !operandEnd(recv):
			// super.f() and Godot 3's .f() call the parent's method.
		default:
			if p.methodRef(t, recv, i) {
				return
			}
		}
	}
	p.i++
}

// constArg returns the index of the String that is the first argument of
// the call whose name is at i, when that argument is one constant string;
// otherwise -1.
func (p *parser) constArg(i int) int {
	if isOp(p.at(i+1), "(") && p.at(i+2).Kind == String && (isOp(p.at(i+3), ",") || isOp(p.at(i+3), ")")) {
		return i + 2
	}
	return -1
}

// callRef records a call of name, by itself or on self, at index i.
func (p *parser) callRef(t *Token, calls *[]Call, i int) {
	name, line := t.Text, t.Pos.Line
	switch name {
	case "load":
		p.load("load")
		return
	case "yield": // a keyword in Godot 3
		p.i++
		return
	case "emit_signal", "connect", "disconnect":
		if k := p.constArg(i); k >= 0 && p.toks[k].Str&StringNodePath == 0 {
			p.root.SignalUses = append(p.root.SignalUses, SignalUse{Signal: p.toks[k].Text, Line: line, Kind: signalKind(name)})
		}
	case "get_node", "get_node_or_null", "has_node":
		if k := p.constArg(i); k >= 0 {
			p.root.NodePaths = append(p.root.NodePaths, NodePathRef{Path: p.toks[k].Text, Line: p.toks[k].Pos.Line, Kind: "get_node"})
			p.muteUntil = max(p.muteUntil, k+1)
		} else if isOp(p.at(i+1), "(") && isID(p.at(i+2), "NodePath") && isOp(p.at(i+3), "(") &&
			p.at(i+4).Kind == String && isOp(p.at(i+5), ")") && isOp(p.at(i+6), ")") {
			// get_node(NodePath("A/B"))
			k := i + 4
			p.root.NodePaths = append(p.root.NodePaths, NodePathRef{Path: p.toks[k].Text, Line: p.toks[k].Pos.Line, Kind: "get_node"})
			p.muteUntil = max(p.muteUntil, k+1)
		}
	}
	p.addCall(calls, name, line)
	p.i++
}

func signalKind(method string) string {
	switch method {
	case "emit", "emit_signal":
		return "emit"
	case "connect":
		return "connect"
	}
	return "disconnect"
}

// methodRef handles a method call on another object; it reports whether it
// moved p.i.
func (p *parser) methodRef(t *Token, recv *Token, i int) bool {
	line := t.Pos.Line
	switch t.Text {
	case "emit", "connect", "disconnect", "emit_signal":
		if k := p.constArg(i); k >= 0 && t.Text != "emit" {
			// obj.connect("signal", ...) (Godot 3) or obj.emit_signal("signal")
			if p.toks[k].Str&StringNodePath == 0 {
				p.root.SignalUses = append(p.root.SignalUses, SignalUse{Signal: p.toks[k].Text, Line: line, Kind: signalKind(t.Text)})
			}
		} else if recv.Kind == Identifier && t.Text != "emit_signal" {
			// health_changed.emit(v), $Button.pressed.connect(f)
			p.root.SignalUses = append(p.root.SignalUses, SignalUse{Signal: recv.Text, Line: line, Kind: signalKind(t.Text)})
		}
	case "load":
		if isID(recv, "ResourceLoader") {
			p.load("load")
			return true
		}
	}
	return false
}

// load reads preload(...) or load(...) at p.i.
func (p *parser) load(kind string) {
	t := p.tok()
	open := p.i + 1
	if !isOp(p.at(open), "(") {
		p.i++
		return
	}
	end := p.matchParen(open)
	if a := p.at(open + 1); end == open+3 && a.Kind == String && a.Str&StringNodePath == 0 {
		p.root.Loads = append(p.root.Loads, Load{Kind: kind, Path: a.Text, Line: t.Pos.Line})
		p.i = end
		return
	}
	argEnd := end
	if isOp(p.at(end-1), ")") {
		argEnd = end - 1
	}
	if kind == "preload" {
		p.errorf(p.at(open+1).Pos, "expected one constant string in preload(...), found %s", describe(*p.at(open + 1)))
	}
	p.root.Loads = append(p.root.Loads, Load{Kind: kind, Path: p.text(open+1, argEnd), Line: t.Pos.Line, Dynamic: true})
	p.muteUntil = max(p.muteUntil, end)
	p.i = open // the arguments are scanned as code
}

func (p *parser) addCall(calls *[]Call, name string, line int) {
	if calls == nil || seen(&p.callSeen, *calls, name, line, func(c *Call) string { return c.Name }) {
		return
	}
	*calls = append(*calls, Call{Name: name, Line: line})
}

func (p *parser) addTypeRef(name string, line int) {
	if !isUpperStart(name) || seen(&p.typeSeen, p.root.TypeRefs, name, line, func(r *TypeRef) string { return r.Name }) {
		return
	}
	p.root.TypeRefs = append(p.root.TypeRefs, TypeRef{Name: name, Line: line})
}

// dedup remembers the names already added on the current line of a list
// whose entries arrive in line order. Short runs are searched; long ones
// (a minified line) get a set, so a line costs linear time.
type dedup struct {
	line, start int
	set         map[string]struct{}
}

func seen[T any](d *dedup, list []T, name string, line int, nameOf func(*T) string) bool {
	if d.line != line || d.start > len(list) {
		*d = dedup{line: line, start: len(list)}
	}
	if d.set != nil {
		if _, ok := d.set[name]; ok {
			return true
		}
		d.set[name] = struct{}{}
		return false
	}
	run := list[d.start:]
	for i := range run {
		if nameOf(&run[i]) == name {
			return true
		}
	}
	if len(run) >= 16 {
		d.set = make(map[string]struct{}, 2*len(run))
		for i := range run {
			d.set[nameOf(&run[i])] = struct{}{}
		}
		d.set[name] = struct{}{}
	}
	return false
}

// awaitedSignals records the signals a script waits for: `await sig`,
// `await obj.sig` (Godot 4, not followed by a call) and `yield(obj, "sig")`
// (Godot 3), as signal uses of kind "await".
func (p *parser) awaitedSignals() {
	toks := p.toks
	for i := 0; i < len(toks); i++ {
		t := &toks[i]
		switch {
		case t.Kind == Keyword && t.Text == "await":
			j := i + 1
			var last *Token
			for j < len(toks) && toks[j].Kind == Identifier {
				last = &toks[j]
				if j+1 < len(toks) && isOp(&toks[j+1], ".") {
					j += 2
					continue
				}
				j++
				break
			}
			if last != nil && (j >= len(toks) || !isOp(&toks[j], "(")) {
				p.root.SignalUses = append(p.root.SignalUses, SignalUse{Signal: last.Text, Line: t.Pos.Line, Kind: "await"})
			}
		case (t.Kind == Identifier || t.Kind == Keyword) && t.Text == "yield" && i+1 < len(toks) && isOp(&toks[i+1], "("):
			depth := 0
			for j := i + 1; j < len(toks) && toks[j].Kind != EOF; j++ {
				switch {
				case isOp(&toks[j], "("):
					depth++
				case isOp(&toks[j], ")"):
					depth--
					if depth == 0 {
						if j-2 > i && toks[j-1].Kind == String && isOp(&toks[j-2], ",") {
							p.root.SignalUses = append(p.root.SignalUses, SignalUse{Signal: toks[j-1].Text, Line: t.Pos.Line, Kind: "await"})
						}
						j = len(toks)
					}
				}
			}
		}
	}
}
