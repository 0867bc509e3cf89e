package resfile

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/godot-mcp-router/godot-mcp-router/detect/gdtext"
)

// maxErrors is how many problems Parse records before it gives up on a
// file: past that, the file is not a text resource and more noise helps
// nobody.
const maxErrors = 50

const utf8BOM = "\xEF\xBB\xBF"

// section is the kind of section whose properties are being read.
type section uint8

const (
	secNone section = iota
	secHeader
	secExt
	secSub
	secResource
	secNode
	secConnection
	secEditable
	secUnknown
)

// knownSections are the section names that start a section of a
// .tscn/.tres file; after a syntax error, reading resumes at a line that
// starts with one of them.
var knownSections = []string{"gd_scene", "gd_resource", "ext_resource", "sub_resource", "resource", "node", "connection", "editable"}

// parser holds the state of one Parse call.
type parser struct {
	file    string
	src     []byte // the source with long numeric arrays cut (see elide)
	cut     elided
	s       *gdtext.Source
	f       *File
	sec     section
	paths   map[string]bool // paths of the nodes read so far
	lines   []int           // line starts, built when an error needs an excerpt
	quiet   bool            // drop problems found in a header that failed to parse
	pending []Prop          // properties of the current section
	arena   []Prop          // backing store of the Props slices
	stopped bool
}

// Parse reads a .tscn or .tres file. It always returns a File with
// everything it could read; the error joins the problems of File.Errors
// (errors.Join), or is nil.
func Parse(file string, src []byte) (*File, error) {
	f := &File{}
	body := src
	bom := 0
	if bytes.HasPrefix(body, []byte(utf8BOM)) {
		body, bom = body[len(utf8BOM):], len(utf8BOM)
	}
	lead := bytes.TrimLeft(body, " \t\r\n")
	switch {
	case bytes.HasPrefix(body, []byte("version https://git-lfs.github.com/spec/")):
		f.Errors = append(f.Errors, fmt.Errorf("%s: %w", file, ErrLFSPointer))
	case bytes.HasPrefix(lead, []byte("<?xml")) || bytes.HasPrefix(lead, []byte("<resource")):
		f.Errors = append(f.Errors, fmt.Errorf("%s: %w", file, ErrXML))
	case bytes.HasPrefix(body, []byte("RSRC")) || bytes.HasPrefix(body, []byte("RSCC")):
		f.Errors = append(f.Errors, fmt.Errorf("%s: %w", file, ErrBinary))
	default:
		p := &parser{file: file, f: f}
		p.cut = elide(src, bom)
		p.src = p.cut.src
		p.presize()
		p.s = gdtext.NewSource(file, p.src)
		p.run(bom)
		if !p.stopped {
			p.checkRefs()
		}
	}
	return f, errors.Join(f.Errors...)
}

// presize gives the slices of the File their final capacity, estimated
// from the section headers at the starts of lines: growing them one
// append at a time costs more than the rest of a big scene.
func (p *parser) presize() {
	var nodes, exts, subs, conns int
	src := p.src
	for i := 0; ; {
		k := bytes.Index(src[i:], []byte("\n["))
		if k < 0 {
			break
		}
		i += k + 2
		rest := src[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("node ")):
			nodes++
		case bytes.HasPrefix(rest, []byte("ext_resource ")):
			exts++
		case bytes.HasPrefix(rest, []byte("sub_resource ")):
			subs++
		case bytes.HasPrefix(rest, []byte("connection ")):
			conns++
		}
	}
	if nodes > 0 {
		p.f.Nodes = make([]Node, 0, nodes+1)
	}
	p.paths = make(map[string]bool, cap(p.f.Nodes))
	if exts > 0 {
		p.f.ExtResources = make([]ExtResource, 0, exts)
	}
	if subs > 0 {
		p.f.SubResources = make([]SubResource, 0, subs)
	}
	if conns > 0 {
		p.f.Connections = make([]Connection, 0, conns)
	}
}

// run reads the file section by section.
func (p *parser) run(off int) {
	src := p.src
	for !p.stopped {
		off = skipBlank(src, off)
		if off >= len(src) {
			break
		}
		if src[off] == '[' {
			t, end, err := p.s.ParseTag(off)
			if err != nil {
				p.fail(err)
				// Keep what was read of a known section's header: a node
				// whose header is cut short still anchors the tree.
				// Its attributes may be garbage: say nothing more about them.
				if startsSection([]byte(t.Name+" ")) && !p.stopped {
					p.endSection()
					p.quiet = true
					p.tag(t)
					p.quiet = false
				}
				off = p.resync(off)
				continue
			}
			if els := p.elisionsIn(off, end); els != nil {
				for i := range t.Attrs {
					p.fixValue(&t.Attrs[i].Value, els)
				}
			}
			p.endSection()
			p.tag(t)
			off = end
			continue
		}
		e, end, err := p.s.ParseAssign(off)
		if err != nil {
			p.fail(err)
			off = p.resync(off)
			continue
		}
		if els := p.elisionsIn(off, end); els != nil {
			p.fixValue(&e.Value, els)
		}
		p.prop(e.Key, e.Value, e.Pos)
		off = end
	}
	p.endSection()
	if p.sec == secNone && !p.stopped && len(p.f.Errors) == 0 {
		p.errorAt(gdtext.Pos{Line: 1, Col: 1}, "expected a [gd_scene ...] or [gd_resource ...] header, found end of file")
	}
}

// skipBlank skips spaces, newlines and ';' comments, as the value reader
// does between tokens.
func skipBlank(src []byte, off int) int {
	for off < len(src) {
		switch c := src[off]; {
		case c == ';':
			for off < len(src) && src[off] != '\n' {
				off++
			}
		case c <= ' ':
			off++
		default:
			return off
		}
	}
	return off
}

// resync returns the start of the first line after the one holding off
// that starts a known section, or the end of the source.
func (p *parser) resync(off int) int {
	src := p.src
	for {
		nl := bytes.IndexByte(src[min(off, len(src)):], '\n')
		if nl < 0 {
			return len(src)
		}
		off += nl + 1
		if off < len(src) && src[off] == '[' && startsSection(src[off+1:]) {
			return off
		}
	}
}

func startsSection(b []byte) bool {
	for _, name := range knownSections {
		if len(b) > len(name) && string(b[:len(name)]) == name && (b[len(name)] == ' ' || b[len(name)] == ']') {
			return true
		}
	}
	return false
}

// fail records an error, and stops the parse after too many.
func (p *parser) fail(err error) {
	if p.stopped {
		return
	}
	p.fixError(err)
	p.f.Errors = append(p.f.Errors, err)
	if len(p.f.Errors) >= maxErrors {
		p.f.Errors = append(p.f.Errors, fmt.Errorf("%s: stopped after %d errors", p.file, maxErrors))
		p.stopped = true
	}
}

// errorAt records a problem at a position, with the line as excerpt.
func (p *parser) errorAt(pos gdtext.Pos, format string, args ...any) {
	if p.quiet {
		return
	}
	p.fail(&gdtext.Error{File: p.file, Pos: pos, Msg: fmt.Sprintf(format, args...), Excerpt: p.lineText(pos.Line)})
}

// lineText returns line n (1-based) trimmed and cut to a readable length.
func (p *parser) lineText(n int) string {
	if p.lines == nil {
		p.lines = []int{0}
		for i, c := range p.src {
			if c == '\n' {
				p.lines = append(p.lines, i+1)
			}
		}
	}
	if n < 1 || n > len(p.lines) {
		return ""
	}
	start, end := p.lines[n-1], len(p.src)
	if n < len(p.lines) {
		end = p.lines[n]
	}
	if end-start > 100 {
		end = start + 100
	}
	return strings.ToValidUTF8(strings.TrimSpace(string(p.src[start:end])), "\uFFFD")
}

// tag starts a new section.
func (p *parser) tag(t gdtext.Tag) {
	f := p.f
	if t.Name != "gd_scene" && t.Name != "gd_resource" && p.sec == secNone {
		p.errorAt(t.Pos, "expected a [gd_scene ...] or [gd_resource ...] header first, found [%s]", t.Name)
	}
	a := attrs{p: p, t: &t}
	switch t.Name {
	case "gd_scene", "gd_resource":
		if p.sec != secNone {
			p.errorAt(t.Pos, "expected the [%s] header only at the start of the file", t.Name)
		}
		p.sec = secHeader
		f.Kind = "scene"
		if t.Name == "gd_resource" {
			f.Kind = "resource"
		}
		f.LoadSteps = a.int("load_steps", 0)
		f.Format = a.int("format", 0)
		f.UID = a.str("uid")
		f.Type = a.str("type")
		f.ScriptClass = a.str("script_class")
	case "ext_resource":
		p.sec = secExt
		r := ExtResource{ID: a.id(), Type: a.str("type"), Path: a.str("path"), UID: a.str("uid"), Line: t.Pos.Line}
		if _, dup := f.ExtByID(r.ID); dup && r.ID != "" {
			p.errorAt(t.Pos, "duplicate ext_resource id %q: expected each id once", r.ID)
		}
		f.ExtResources = append(f.ExtResources, r)
	case "sub_resource":
		p.sec = secSub
		r := SubResource{ID: a.id(), Type: a.str("type"), Line: t.Pos.Line}
		if _, dup := f.subByID(r.ID); dup && r.ID != "" {
			p.errorAt(t.Pos, "duplicate sub_resource id %q: expected each id once", r.ID)
		}
		f.SubResources = append(f.SubResources, r)
	case "resource":
		p.sec = secResource
	case "node":
		p.sec = secNode
		p.node(&a, t.Pos)
	case "connection":
		p.sec = secConnection
		c := Connection{
			Signal: a.str("signal"), From: a.str("from"), To: a.str("to"), Method: a.str("method"),
			Flags: a.int("flags", 2), Unbinds: a.int("unbinds", 0),
			FromIDPath: a.raw("from_uid_path"), ToIDPath: a.raw("to_uid_path"),
			Line: t.Pos.Line,
		}
		if v, ok := a.get("binds"); ok {
			c.Binds = v
		}
		f.Connections = append(f.Connections, c)
	case "editable":
		p.sec = secEditable
		f.Editable = append(f.Editable, a.str("path"))
	default:
		p.sec = secUnknown
		p.errorAt(t.Pos, "unknown section [%s]: expected ext_resource, sub_resource, resource, node, connection or editable", t.Name)
	}
}

// node reads a [node] header.
func (p *parser) node(a *attrs, pos gdtext.Pos) {
	f := p.f
	n := Node{
		Name: a.str("name"), Type: a.str("type"), Owner: a.str("owner"),
		InstancePlaceholder: a.str("instance_placeholder"),
		Index:               a.int("index", -1),
		Line:                pos.Line,
		UniqueID:            a.raw("unique_id"),
		ParentIDPath:        a.raw("parent_id_path"),
	}
	if _, ok := a.get("name"); !ok {
		p.errorAt(pos, "expected a name= in [node]")
	}
	if v, ok := a.get("groups"); ok {
		n.Groups = v.Strings()
	}
	if v, ok := a.get("node_paths"); ok {
		n.NodePaths = v.Strings()
	}
	if v, ok := a.get("instance"); ok {
		if r, ok := refOf(v); ok && r.Kind == "ext" {
			n.Instance, n.InstancePos = r.ID, v.Pos
		} else {
			p.errorAt(v.Pos, "expected instance=ExtResource(id), found %s", v.Kind)
		}
	}
	parent, hasParent := a.get("parent")
	if hasParent {
		s, ok := parent.AsString()
		if !ok {
			p.errorAt(parent.Pos, "expected a string for parent=, found %s", parent.Kind)
		}
		n.Parent = s
	}
	root := len(f.Nodes) == 0
	switch {
	case root:
		n.Path = "."
		if hasParent {
			p.errorAt(pos, "expected no parent= on the first node (the root), found parent=%q", n.Parent)
		}
		n.Inherited = n.Instance != "" && n.Type == ""
	default:
		if !hasParent {
			p.errorAt(pos, "expected a parent= on node %q: only the first node is the root", n.Name)
		}
		parent := strings.TrimPrefix(n.Parent, "./")
		switch parent {
		case ".", "":
			n.Path = n.Name
		default:
			n.Path = parent + "/" + n.Name
		}
		n.Override = n.Type == "" && n.Instance == "" && n.InstancePlaceholder == ""
	}
	if p.paths[n.Path] && n.Name != "" {
		p.errorAt(pos, "duplicate node path %q: expected each node once", n.Path)
	}
	p.paths[n.Path] = true
	f.Nodes = append(f.Nodes, n)
}

// prop adds a property line to the current section. The properties of
// a section gather in p.pending until endSection stores them.
func (p *parser) prop(key string, v gdtext.Value, pos gdtext.Pos) {
	switch p.sec {
	case secNode, secSub, secResource:
		p.pending = append(p.pending, Prop{Name: key, Value: v, Line: pos.Line})
	case secUnknown:
		// Already reported at the section's header.
	case secNone:
		p.errorAt(pos, "expected a [gd_scene ...] or [gd_resource ...] header, found property %q", key)
		p.sec = secUnknown
	default:
		p.errorAt(pos, "unexpected property %q: expected a [node], [sub_resource] or [resource] section before it", key)
	}
}

// propChunk is how many Props one allocation holds: a scene's nodes have
// one or two properties each, and allocating each node's own slice was
// a fifth of the time of reading a big scene.
const propChunk = 512

// endSection stores the properties of the section that ends.
func (p *parser) endSection() {
	if len(p.pending) == 0 {
		return
	}
	k := len(p.pending)
	if k > cap(p.arena)-len(p.arena) {
		// Chunks double from 16 to propChunk, so that a small file does
		// not pay for a big scene's chunk.
		p.arena = make([]Prop, 0, max(k, min(propChunk, 2*cap(p.arena)), 16))
	}
	start := len(p.arena)
	p.arena = append(p.arena, p.pending...)
	props := p.arena[start : start+k : start+k]
	clear(p.pending)
	p.pending = p.pending[:0]
	f := p.f
	switch p.sec {
	case secNode:
		n := &f.Nodes[len(f.Nodes)-1]
		n.Props = props
		for _, pr := range props {
			if pr.Name == "script" {
				if r, ok := refOf(pr.Value); ok {
					n.Script = r
				}
			}
		}
	case secSub:
		r := &f.SubResources[len(f.SubResources)-1]
		r.Props = props
		if r.Type == "GDScript" {
			for _, pr := range props {
				if pr.Name == "script/source" {
					r.Source, _ = pr.Value.AsString()
				}
			}
		}
	case secResource:
		f.Resource = append(f.Resource, props...)
	}
}

// attrs reads the attributes of one tag, recording type errors.
type attrs struct {
	p *parser
	t *gdtext.Tag
}

// get returns the last value of an attribute, as the engine keeps the
// last one.
func (a *attrs) get(key string) (gdtext.Value, bool) {
	for i := len(a.t.Attrs) - 1; i >= 0; i-- {
		if a.t.Attrs[i].Key == key {
			return a.t.Attrs[i].Value, true
		}
	}
	return gdtext.Value{}, false
}

// str returns a string attribute, or "" when absent.
func (a *attrs) str(key string) string {
	v, ok := a.get(key)
	if !ok {
		return ""
	}
	if s, ok := v.AsString(); ok {
		return s
	}
	a.p.errorAt(v.Pos, "expected a string for %s= in [%s], found %s", key, a.t.Name, v.Kind)
	return ""
}

// int returns an int attribute, written bare (format=3) or quoted
// (index="1"), or def when absent.
func (a *attrs) int(key string, def int) int {
	v, ok := a.get(key)
	if !ok {
		return def
	}
	switch v.Kind {
	case gdtext.KindInt:
		return int(v.Int)
	case gdtext.KindString:
		if n, err := strconv.Atoi(strings.TrimSpace(v.Str)); err == nil {
			return n
		}
	}
	a.p.errorAt(v.Pos, "expected an integer for %s= in [%s], found %s", key, a.t.Name, v.String())
	return def
}

// raw returns an attribute as written (strings unquoted), or "".
func (a *attrs) raw(key string) string {
	v, ok := a.get(key)
	if !ok {
		return ""
	}
	if s, ok := v.AsString(); ok {
		return s
	}
	if v.Kind == gdtext.KindInt {
		return strconv.FormatInt(v.Int, 10)
	}
	return v.String()
}

// id returns the normalized id= attribute.
func (a *attrs) id() string {
	v, ok := a.get("id")
	if !ok {
		a.p.errorAt(a.t.Pos, "expected an id= in [%s]", a.t.Name)
		return ""
	}
	id, ok := idOf(v)
	if !ok {
		a.p.errorAt(v.Pos, "expected an int or a string for id= in [%s], found %s", a.t.Name, v.Kind)
	}
	return id
}

// idOf returns the id written as an int or a string, the int in decimal.
func idOf(v gdtext.Value) (string, bool) {
	switch v.Kind {
	case gdtext.KindInt:
		return strconv.FormatInt(v.Int, 10), true
	case gdtext.KindString, gdtext.KindStringName:
		return v.Str, true
	}
	return "", false
}

// refOf returns the reference made by an ExtResource(id) or
// SubResource(id) value.
func refOf(v gdtext.Value) (Ref, bool) {
	if v.Kind != gdtext.KindCall || len(v.Items) != 1 {
		return Ref{}, false
	}
	kind := ""
	switch v.Str {
	case "ExtResource":
		kind = "ext"
	case "SubResource":
		kind = "sub"
	default:
		return Ref{}, false
	}
	id, ok := idOf(v.Items[0])
	if !ok {
		return Ref{}, false
	}
	return Ref{Kind: kind, ID: id}, true
}
