package instance

import (
	"context"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/godot-mcp-router/godot-mcp-router/instance/gdscript"
	"github.com/godot-mcp-router/godot-mcp-router/instance/index"
)

// Reference is one place that refers to the target.
type Reference struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Kind   string `json:"kind" jsonschema:"how it refers: an edge kind for files; declaration, extends, type, emit, connect, connection, node_path, node for the others"`
	Detail string `json:"detail,omitempty"`
}

// References is what find_references returns.
type References struct {
	Target     string      `json:"target"`
	TargetKind string      `json:"target_kind" jsonschema:"file, class, signal or node"`
	Total      int         `json:"total"`
	Offset     int         `json:"offset"`
	Truncated  bool        `json:"truncated"`
	References []Reference `json:"references"`
}

func findReferencesTool() tool {
	opts := []mcp.ToolOption{
		mcp.WithDescription("Who uses a file, a class_name, a signal or a node path, with file and line: scenes, scripts, resources and project.godot."),
		mcp.WithString("target", mcp.Required(), mcp.Description("a res:// path, a class_name, a signal name or a node path")),
		mcp.WithString("kind", mcp.Enum("auto", "file", "class", "signal", "node"), mcp.Description("what target is (default auto: a file if one has that path, else a class, else a signal, else a node path)")),
	}
	opts = append(opts, pagingArgs()...)
	opts = append(opts, readOnly())
	return tool{def: mcp.NewTool("find_references", opts...), handle: (*Server).findReferences, out: mcp.WithOutputSchema[References]()}
}

func (s *Server) findReferences(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	target, err1 := argString(req, "target", true)
	kind, err2 := argString(req, "kind", false)
	if err := firstErr(err1, err2); err != nil {
		return toolError("find_references: %v", err), nil
	}
	target = strings.TrimSpace(target)
	ix, err := s.index.current()
	if err != nil {
		return toolError("find_references: %v", err), nil
	}
	if kind == "" || kind == "auto" {
		kind = s.guessKind(ix, target)
	}
	var refs []Reference
	switch kind {
	case "file":
		p, err := s.resArg(target)
		if err != nil {
			return toolError("find_references: %v", err), nil
		}
		if q, ok := ix.ByUID[p]; ok {
			p = q
		}
		target = p
		for _, e := range ix.In(p) {
			refs = append(refs, Reference{File: e.From, Line: e.Line, Kind: e.Kind, Detail: e.Detail})
		}
	case "class":
		refs = classRefs(ix, target)
	case "signal":
		refs = signalRefs(ix, target)
	case "node":
		refs = nodeRefs(ix, target)
	default:
		return toolError("find_references: kind must be auto, file, class, signal or node, got %q", kind), nil
	}
	lo, hi, err := page(req, len(refs))
	if err != nil {
		return toolError("find_references: %v", err), nil
	}
	out := References{Target: clip(target, 200), TargetKind: kind, Total: len(refs), Offset: lo, Truncated: hi < len(refs), References: append([]Reference{}, refs[lo:hi]...)}
	var b strings.Builder
	fmt.Fprintf(&b, "%d references to %s %s", out.Total, kind, out.Target)
	if out.Truncated {
		fmt.Fprintf(&b, " (showing %d-%d; pass offset=%d for more)", lo+1, hi, hi)
	}
	b.WriteString(":\n")
	for _, r := range out.References {
		fmt.Fprintf(&b, "%s:%d: %s", r.File, r.Line, r.Kind)
		if r.Detail != "" {
			fmt.Fprintf(&b, " %s", r.Detail)
		}
		b.WriteByte('\n')
	}
	return structured(out, strings.TrimRight(b.String(), "\n")), nil
}

func (s *Server) guessKind(ix *index.Index, target string) string {
	if strings.Contains(target, "://") {
		return "file"
	}
	if p, err := s.resArg(target); err == nil {
		if _, ok := ix.Files[p]; ok {
			return "file"
		}
	}
	if _, ok := ix.Classes[target]; ok {
		return "class"
	}
	for _, p := range ix.Paths(index.KindScript) {
		if sc := ix.Files[p].Script; sc != nil {
			for _, sg := range sc.Signals {
				if sg.Name == target {
					return "signal"
				}
			}
		}
	}
	return "node"
}

// eachScript calls fn for every script of the project and its inner classes.
func eachScript(ix *index.Index, fn func(p string, sc *gdscript.Script)) {
	for _, p := range ix.Paths(index.KindScript) {
		sc := ix.Files[p].Script
		if sc == nil {
			continue
		}
		fn(p, sc)
		for _, c := range sc.Classes {
			fn(p, c)
		}
	}
}

func classRefs(ix *index.Index, name string) []Reference {
	var refs []Reference
	eachScript(ix, func(p string, sc *gdscript.Script) {
		if sc.ClassName == name {
			refs = append(refs, Reference{File: p, Line: sc.ClassNameLine, Kind: "declaration"})
		}
		if !sc.ExtendsPath && strings.SplitN(sc.Extends, ".", 2)[0] == name {
			refs = append(refs, Reference{File: p, Line: sc.ExtendsLine, Kind: "extends"})
		}
		for _, t := range sc.TypeRefs {
			if t.Name == name {
				refs = append(refs, Reference{File: p, Line: t.Line, Kind: "type"})
			}
		}
	})
	// Scripts extending the class's script by path: extends "res://x.gd".
	if script, ok := ix.Classes[name]; ok {
		for _, e := range ix.In(script) {
			if e.Kind == "extends" && e.Detail == "" {
				refs = append(refs, Reference{File: e.From, Line: e.Line, Kind: "extends", Detail: "by path"})
			}
		}
	}
	// Scenes and resources whose script class is the name.
	for _, p := range ix.Paths("") {
		if f := ix.Files[p]; f.Scene != nil && f.Scene.ScriptClass == name {
			refs = append(refs, Reference{File: p, Line: 1, Kind: "script_class"})
		}
	}
	return refs
}

func signalRefs(ix *index.Index, name string) []Reference {
	var refs []Reference
	eachScript(ix, func(p string, sc *gdscript.Script) {
		for _, sg := range sc.Signals {
			if sg.Name == name {
				refs = append(refs, Reference{File: p, Line: sg.Line, Kind: "declaration"})
			}
		}
		for _, u := range sc.SignalUses {
			if u.Signal == name {
				refs = append(refs, Reference{File: p, Line: u.Line, Kind: u.Kind})
			}
		}
	})
	for _, p := range ix.Paths(index.KindScene) {
		f := ix.Files[p]
		if f.Scene == nil {
			continue
		}
		for _, c := range f.Scene.Connections {
			if c.Signal == name {
				refs = append(refs, Reference{File: p, Line: c.Line, Kind: "connection", Detail: c.From + " -> " + c.To + "." + c.Method})
			}
		}
	}
	return refs
}

func nodeRefs(ix *index.Index, nodePath string) []Reference {
	np := strings.TrimPrefix(strings.TrimPrefix(nodePath, "$"), "%")
	matches := func(p string) bool {
		p = strings.TrimPrefix(strings.TrimPrefix(p, "$"), "%")
		return p == np || strings.HasSuffix(p, "/"+np)
	}
	var refs []Reference
	eachScript(ix, func(p string, sc *gdscript.Script) {
		for _, n := range sc.NodePaths {
			if matches(n.Path) {
				refs = append(refs, Reference{File: p, Line: n.Line, Kind: "node_path", Detail: n.Kind + n.Path})
			}
		}
	})
	for _, p := range ix.Paths(index.KindScene) {
		f := ix.Files[p]
		if f.Scene == nil {
			continue
		}
		for _, n := range f.Scene.Nodes {
			if matches(n.Path) {
				refs = append(refs, Reference{File: p, Line: n.Line, Kind: "node", Detail: n.Type})
			}
		}
		for _, c := range f.Scene.Connections {
			if matches(c.From) || matches(c.To) {
				refs = append(refs, Reference{File: p, Line: c.Line, Kind: "connection", Detail: c.From + "." + c.Signal + " -> " + c.To + "." + c.Method})
			}
		}
	}
	return refs
}
