package instance

import (
	"context"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
)

// ActiveNode is a node present when the main scene starts.
type ActiveNode struct {
	Path      string   `json:"path" jsonschema:"/root/... as the engine names it"`
	Type      string   `json:"type,omitempty"`
	Scene     string   `json:"scene" jsonschema:"the scene file the node is declared in"`
	Script    string   `json:"script,omitempty"`
	Callbacks []string `json:"callbacks" jsonschema:"per-frame callbacks its script defines"`
	Groups    []string `json:"groups"`
}

// ActiveNodes is what get_active_nodes returns.
type ActiveNodes struct {
	Note      string       `json:"note"`
	MainScene string       `json:"main_scene,omitempty"`
	Total     int          `json:"total"`
	Offset    int          `json:"offset"`
	Truncated bool         `json:"truncated"`
	Nodes     []ActiveNode `json:"nodes"`
}

func activeNodesTool() tool {
	opts := []mcp.ToolOption{
		mcp.WithDescription("Static analysis, no game run: the nodes that exist once the main scene has loaded (autoloads first, then the main scene with its instanced scenes expanded), with their scripts and which per-frame callbacks they run. Filter to processing nodes with only_processing."),
		mcp.WithBoolean("only_processing", mcp.Description("only nodes whose script defines a per-frame callback (default false)")),
	}
	opts = append(opts, pagingArgs()...)
	opts = append(opts, readOnly())
	return tool{def: mcp.NewTool("get_active_nodes", opts...), handle: (*Server).getActiveNodes, out: mcp.WithOutputSchema[ActiveNodes]()}
}

// maxActiveNodes bounds the expansion of the main scene.
const maxActiveNodes = 20000

func (s *Server) getActiveNodes(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	only, err := argBool(req, "only_processing", false)
	if err != nil {
		return toolError("get_active_nodes: %v", err), nil
	}
	ix, err := s.index.current()
	if err != nil {
		return toolError("get_active_nodes: %v", err), nil
	}
	out := ActiveNodes{Note: "static analysis: the tree as the scene files declare it; nodes added by code at run time are not known", Nodes: []ActiveNode{}}
	var all []ActiveNode
	at := map[string]int{} // node path -> index in all, to merge overrides
	add := func(node ActiveNode) {
		if i, ok := at[node.Path]; ok {
			// A node the parent scene overrides inside an instanced scene:
			// one node, the override's script and groups on top.
			prev := &all[i]
			if prev.Type == "" {
				prev.Type = node.Type
			}
			if node.Script != "" {
				prev.Script = node.Script
			}
			prev.Groups = append(prev.Groups, node.Groups...)
			return
		}
		at[node.Path] = len(all)
		all = append(all, node)
	}
	var addScene func(scenePath, prefix string, depth int, seen map[string]bool)
	addScene = func(scenePath, prefix string, depth int, seen map[string]bool) {
		f, ok := ix.Files[scenePath]
		if !ok || f.Scene == nil || len(all) >= maxActiveNodes {
			return
		}
		sc := f.Scene
		for i, n := range sc.Nodes {
			var path string
			switch {
			case i == 0:
				path = prefix
			case n.Parent == ".":
				path = prefix + "/" + n.Name
			default:
				path = prefix + "/" + n.Parent + "/" + n.Name
			}
			// An instanced scene's root is the instance node of the parent
			// scene, listed already.
			if i > 0 || depth == 0 {
				node := ActiveNode{Path: path, Type: n.Type, Scene: scenePath, Groups: append([]string{}, n.Groups...), Callbacks: []string{}}
				if n.Script.Kind == "ext" {
					node.Script = extPath(ix, scenePath, sc, n.Script.ID)
				}
				// An instance node is the root of the scene it instances:
				// its type and script come from there unless overridden.
				if n.Instance != "" {
					typ, script := sceneRoot(ix, extPath(ix, scenePath, sc, n.Instance))
					if node.Type == "" {
						node.Type = typ
					}
					if node.Script == "" {
						node.Script = script
					}
				}
				add(node)
			}
			// An inherited root's instance is the scene it extends: its nodes
			// are there too.
			if n.Instance != "" && depth < maxExpandDepth {
				sub := extPath(ix, scenePath, sc, n.Instance)
				if !seen[sub] {
					seen[sub] = true
					addScene(sub, path, depth+1, seen)
					delete(seen, sub)
				}
			}
		}
	}
	for _, a := range ix.Autoload {
		if a.Path == "" {
			continue
		}
		prefix := "/root/" + a.Name
		if strings.HasSuffix(a.Path, ".tscn") || strings.HasSuffix(a.Path, ".scn") {
			addScene(a.Path, prefix, 0, map[string]bool{a.Path: true})
			continue
		}
		add(ActiveNode{Path: prefix, Scene: "res://project.godot", Script: a.Path, Groups: []string{}})
	}
	for _, e := range ix.Out("res://project.godot") {
		if e.Kind == "main_scene" {
			out.MainScene = e.To
			name := "Main"
			if f, ok := ix.Files[e.To]; ok && f.Scene != nil && len(f.Scene.Nodes) > 0 {
				name = f.Scene.Nodes[0].Name
			}
			addScene(e.To, "/root/"+name, 0, map[string]bool{e.To: true})
		}
	}
	for i := range all {
		if all[i].Script != "" {
			all[i].Callbacks = frameCallbacksOf(ix, all[i].Script)
		}
	}
	if only {
		kept := all[:0]
		for _, n := range all {
			if len(n.Callbacks) > 0 {
				kept = append(kept, n)
			}
		}
		all = kept
	}
	lo, hi, err := page(req, len(all))
	if err != nil {
		return toolError("get_active_nodes: %v", err), nil
	}
	out.Total, out.Offset, out.Truncated = len(all), lo, hi < len(all)
	out.Nodes = append(out.Nodes, all[lo:hi]...)
	var b strings.Builder
	if out.MainScene == "" {
		b.WriteString("No main scene is set (application/run/main_scene); autoloads only.\n")
	}
	fmt.Fprintf(&b, "%d nodes at start (%s)", out.Total, out.Note)
	if out.Truncated {
		fmt.Fprintf(&b, "; showing %d-%d, pass offset=%d for more", lo+1, hi, hi)
	}
	b.WriteString(":\n")
	for _, n := range out.Nodes {
		fmt.Fprintf(&b, "%s (%s)", n.Path, n.Type)
		if n.Script != "" {
			fmt.Fprintf(&b, " script=%s", n.Script)
		}
		if len(n.Callbacks) > 0 {
			fmt.Fprintf(&b, " runs %s", strings.Join(n.Callbacks, ","))
		}
		b.WriteByte('\n')
	}
	return structured(out, strings.TrimRight(b.String(), "\n")), nil
}
