package instance

import (
	"sort"

	"github.com/godot-mcp-router/godot-mcp-router/instance/index"
)

// maxChain bounds walks along inheritance (scenes inheriting scenes,
// scripts extending scripts): real chains are a few links; a cycle is not
// followed forever.
const maxChain = 16

// sceneRoot returns the type and script of a scene's root node as the
// engine builds it: an inherited scene's root takes both from the scene it
// inherits unless it overrides them.
func sceneRoot(ix *index.Index, scenePath string) (typ, script string) {
	for range maxChain {
		f, ok := ix.Files[scenePath]
		if !ok || f.Scene == nil || len(f.Scene.Nodes) == 0 {
			return typ, script
		}
		root := f.Scene.Nodes[0]
		if typ == "" {
			typ = root.Type
		}
		if script == "" && root.Script.Kind == "ext" {
			script = extPath(ix, scenePath, f.Scene, root.Script.ID)
		}
		if !root.Inherited || (typ != "" && script != "") {
			return typ, script
		}
		scenePath = extPath(ix, scenePath, f.Scene, root.Instance)
	}
	return typ, script
}

// frameCallbacksOf lists the per-frame callbacks a script defines or
// inherits from the scripts it extends (by path or class_name).
func frameCallbacksOf(ix *index.Index, script string) []string {
	found := map[string]bool{}
	seen := map[string]bool{}
	for range maxChain {
		if script == "" || seen[script] {
			break
		}
		seen[script] = true
		f, ok := ix.Files[script]
		if !ok || f.Script == nil {
			break
		}
		for _, fn := range f.Script.Functions {
			if frameCallbacks[fn.Name] {
				found[fn.Name] = true
			}
		}
		next := ""
		for _, e := range ix.Out(script) {
			if e.Kind == "extends" {
				next = e.To
				break
			}
		}
		script = next
	}
	out := make([]string, 0, len(found))
	for name := range found {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}
