package instance

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/godot-mcp-router/godot-mcp-router/instance/index"
	"github.com/godot-mcp-router/godot-mcp-router/instance/resfile"
)

// SceneSummary is one scene in list_scenes.
type SceneSummary struct {
	Path      string `json:"path"`
	UID       string `json:"uid,omitempty"`
	RootName  string `json:"root_name,omitempty"`
	RootType  string `json:"root_type,omitempty" jsonschema:"the root node's type; empty for inherited scenes"`
	Inherits  string `json:"inherits,omitempty" jsonschema:"the scene an inherited scene extends"`
	Nodes     int    `json:"nodes"`
	Instances int    `json:"instances" jsonschema:"nodes that instance another scene"`
	Script    string `json:"script,omitempty" jsonschema:"the root node's script"`
	UsedBy    int    `json:"used_by"`
	Binary    bool   `json:"binary,omitempty" jsonschema:"a binary .scn: no tree available"`
}

// SceneList is what list_scenes returns.
type SceneList struct {
	Total     int            `json:"total"`
	Offset    int            `json:"offset"`
	Truncated bool           `json:"truncated"`
	Scenes    []SceneSummary `json:"scenes"`
}

func listScenesTool() tool {
	opts := []mcp.ToolOption{
		mcp.WithDescription("List the project's scenes with their root node, node count, instanced scenes and root script; filter by folder or file name pattern."),
		mcp.WithString("folder", mcp.Description("only scenes under this folder")),
		mcp.WithString("name", mcp.Description("file name pattern, e.g. level_*.tscn")),
	}
	opts = append(opts, pagingArgs()...)
	opts = append(opts, readOnly())
	return tool{def: mcp.NewTool("list_scenes", opts...), handle: (*Server).listScenes, out: mcp.WithOutputSchema[SceneList]()}
}

func (s *Server) listScenes(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	folder, err1 := argString(req, "folder", false)
	name, err2 := argString(req, "name", false)
	if err := firstErr(err1, err2); err != nil {
		return toolError("list_scenes: %v", err), nil
	}
	ix, err := s.index.current()
	if err != nil {
		return toolError("list_scenes: %v", err), nil
	}
	if folder != "" {
		if folder, err = s.resArg(folder); err != nil {
			return toolError("list_scenes: %v", err), nil
		}
		folder = strings.TrimSuffix(folder, "/") + "/"
	}
	var all []SceneSummary
	for _, p := range ix.Paths(index.KindScene) {
		if folder != "" && folder != "res:///" && !strings.HasPrefix(p, folder) {
			continue
		}
		if name != "" {
			if ok, _ := path.Match(name, path.Base(p)); !ok {
				continue
			}
		}
		all = append(all, summarizeScene(ix, p))
	}
	lo, hi, err := page(req, len(all))
	if err != nil {
		return toolError("list_scenes: %v", err), nil
	}
	out := SceneList{Total: len(all), Offset: lo, Truncated: hi < len(all), Scenes: append([]SceneSummary{}, all[lo:hi]...)}
	var b strings.Builder
	fmt.Fprintf(&b, "%d scenes", out.Total)
	if out.Truncated {
		fmt.Fprintf(&b, " (showing %d-%d; pass offset=%d for more)", lo+1, hi, hi)
	}
	b.WriteString(":\n")
	for _, sc := range out.Scenes {
		fmt.Fprintf(&b, "%s: %s (%s), %d nodes", sc.Path, sc.RootName, sc.RootType, sc.Nodes)
		if sc.Script != "" {
			fmt.Fprintf(&b, ", script %s", sc.Script)
		}
		b.WriteByte('\n')
	}
	return structured(out, strings.TrimRight(b.String(), "\n")), nil
}

func summarizeScene(ix *index.Index, p string) SceneSummary {
	f := ix.Files[p]
	sum := SceneSummary{Path: p, UID: f.UID, UsedBy: len(ix.In(p))}
	sc := f.Scene
	if sc == nil {
		sum.Binary = f.Ext == ".scn"
		return sum
	}
	sum.Nodes = len(sc.Nodes)
	for i, n := range sc.Nodes {
		if n.Instance != "" {
			sum.Instances++
		}
		if i == 0 {
			sum.RootName, sum.RootType = n.Name, n.Type
			if n.Inherited {
				sum.Inherits = extPath(ix, p, sc, n.Instance)
				sum.Instances--
			}
			if n.Script.Kind == "ext" {
				sum.Script = extPath(ix, p, sc, n.Script.ID)
			}
		}
	}
	return sum
}

// extPath is where an ext_resource of a scene leads (as written when broken).
func extPath(ix *index.Index, from string, sc *resfile.File, id string) string {
	ext, ok := sc.ExtByID(id)
	if !ok {
		return ""
	}
	if ext.UID != "" {
		if p, ok := ix.ByUID[ext.UID]; ok {
			return p
		}
	}
	if strings.Contains(ext.Path, "://") {
		return cleanResPath(ext.Path)
	}
	return cleanResPath("res://" + path.Join(path.Dir(strings.TrimPrefix(from, "res://")), ext.Path))
}

// SceneNode is one node of get_scene.
type SceneNode struct {
	Path     string   `json:"path" jsonschema:"from the scene root: . for the root, A/B below it"`
	Name     string   `json:"name"`
	Type     string   `json:"type,omitempty"`
	Parent   string   `json:"parent,omitempty" jsonschema:"the parent's path; empty for the root"`
	Script   string   `json:"script,omitempty" jsonschema:"res:// path, or builtin:<id> for a built-in script"`
	Instance string   `json:"instance,omitempty" jsonschema:"res:// path of the instanced scene"`
	Groups   []string `json:"groups"`
	Line     int      `json:"line,omitempty"`
	From     string   `json:"from,omitempty" jsonschema:"for nodes expanded from an instanced scene: the scene they come from"`
}

// Connection is one signal connection of a scene.
type Connection struct {
	Signal string `json:"signal"`
	From   string `json:"from"`
	To     string `json:"to"`
	Method string `json:"method"`
	Flags  int    `json:"flags,omitempty"`
	Line   int    `json:"line"`
}

// SceneDetail is what get_scene returns.
type SceneDetail struct {
	Path        string       `json:"path"`
	UID         string       `json:"uid,omitempty"`
	Format      int          `json:"format"`
	Nodes       []SceneNode  `json:"nodes"`
	Connections []Connection `json:"connections"`
	Editable    []string     `json:"editable"`
	Total       int          `json:"total_nodes"`
	Truncated   bool         `json:"truncated"`
	Problems    []string     `json:"problems,omitempty"`
}

// Bounds of get_scene: a node costs about 150 bytes of answer (JSON and
// text), so 300 stay near 12,000 tokens and 500 under 20,000.
const (
	defaultMaxNodes = 300
	maxMaxNodes     = 500
	maxExpandDepth  = 8
)

func getSceneTool() tool {
	return tool{
		def: mcp.NewTool("get_scene",
			mcp.WithDescription("A scene's node tree (path, name, type, parent, script, instanced scene, groups) and its signal connections; instanced scenes can be expanded in place. 300 nodes by default, at most 500."),
			mcp.WithString("path", mcp.Required(), mcp.Description("res:// path (or uid://) of the .tscn")),
			mcp.WithBoolean("expand_instances", mcp.Description("list the nodes of instanced scenes under their instance node (default false)")),
			mcp.WithNumber("max_nodes", mcp.Description("at most this many nodes (default 300, max 500)"), mcp.Min(1), mcp.Max(maxMaxNodes)),
			readOnly()),
		handle: (*Server).getScene,
		out:    mcp.WithOutputSchema[SceneDetail](),
	}
}

func (s *Server) getScene(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	arg, err1 := argString(req, "path", true)
	expand, err2 := argBool(req, "expand_instances", false)
	maxNodes, err3 := argInt(req, "max_nodes", defaultMaxNodes)
	if err := firstErr(err1, err2, err3); err != nil {
		return toolError("get_scene: %v", err), nil
	}
	if maxNodes < 1 || maxNodes > maxMaxNodes {
		return toolError("get_scene: max_nodes must be between 1 and %d, got %d", maxMaxNodes, maxNodes), nil
	}
	ix, p, err := s.indexedFile(arg)
	if err != nil {
		return toolError("get_scene: %v", err), nil
	}
	f := ix.Files[p]
	if f.Scene == nil || f.Scene.Kind != "scene" {
		return toolError("get_scene: %s is not a text scene (.tscn)", p), nil
	}
	out := SceneDetail{Path: p, UID: f.UID, Format: f.Scene.Format, Nodes: []SceneNode{}, Connections: []Connection{}, Editable: append([]string{}, f.Scene.Editable...)}
	for _, e := range f.Scene.Errors {
		out.Problems = append(out.Problems, e.Error())
	}
	at := map[string]int{} // node path -> index in out.Nodes, to merge overrides when expanding
	var add func(sc *resfile.File, scenePath, prefix, from string, depth int, seen map[string]bool)
	add = func(sc *resfile.File, scenePath, prefix, from string, depth int, seen map[string]bool) {
		for i, n := range sc.Nodes {
			if prefix != "" && i == 0 {
				// The instance node stands for the sub-scene's root; an
				// inherited sub-scene brings its base scene's nodes too.
				if n.Inherited && depth < maxExpandDepth {
					base := extPath(ix, scenePath, sc, n.Instance)
					if sub, ok := ix.Files[base]; ok && sub.Scene != nil && !seen[base] {
						seen[base] = true
						add(sub.Scene, base, prefix, base, depth+1, seen)
						delete(seen, base)
					}
				}
				continue
			}
			node := SceneNode{Name: n.Name, Type: n.Type, Groups: append([]string{}, n.Groups...), Line: n.Line, From: from}
			node.Path = joinNodePath(prefix, n.Path)
			if n.Path != "." {
				node.Parent = joinNodePath(prefix, n.Parent)
			} else if prefix != "" {
				node.Parent = prefix
			}
			switch n.Script.Kind {
			case "ext":
				node.Script = extPath(ix, scenePath, sc, n.Script.ID)
			case "sub":
				node.Script = "builtin:" + n.Script.ID
			}
			if n.Instance != "" {
				node.Instance = extPath(ix, scenePath, sc, n.Instance)
			}
			if from != "" {
				node.Line = 0
			}
			if expand {
				if k, ok := at[node.Path]; ok {
					// The parent scene overrides a node of an instanced
					// scene: one node, the override's script and groups on top.
					prev := &out.Nodes[k]
					if prev.Type == "" {
						prev.Type = node.Type
					}
					if node.Script != "" {
						prev.Script = node.Script
					}
					prev.Groups = append(prev.Groups, node.Groups...)
					continue
				}
				if node.Instance != "" {
					typ, script := sceneRoot(ix, node.Instance)
					if node.Type == "" {
						node.Type = typ
					}
					if node.Script == "" {
						node.Script = script
					}
				}
			}
			out.Total++
			if len(out.Nodes) >= maxNodes {
				out.Truncated = true
				continue
			}
			at[node.Path] = len(out.Nodes)
			out.Nodes = append(out.Nodes, node)
			if expand && node.Instance != "" && depth < maxExpandDepth && !seen[node.Instance] {
				if sub, ok := ix.Files[node.Instance]; ok && sub.Scene != nil {
					seen[node.Instance] = true
					add(sub.Scene, node.Instance, node.Path, node.Instance, depth+1, seen)
					delete(seen, node.Instance)
				}
			}
		}
	}
	add(f.Scene, p, "", "", 0, map[string]bool{p: true})
	for _, c := range f.Scene.Connections {
		out.Connections = append(out.Connections, Connection{Signal: c.Signal, From: c.From, To: c.To, Method: c.Method, Flags: c.Flags, Line: c.Line})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d nodes", p, out.Total)
	if out.Truncated {
		fmt.Fprintf(&b, " (showing %d)", len(out.Nodes))
	}
	b.WriteByte('\n')
	for _, n := range out.Nodes {
		depth := 0
		if n.Path != "." {
			depth = strings.Count(n.Path, "/") + 1
		}
		fmt.Fprintf(&b, "%s%s", strings.Repeat("  ", depth), n.Name)
		if n.Type != "" {
			fmt.Fprintf(&b, " (%s)", n.Type)
		}
		if n.Instance != "" {
			fmt.Fprintf(&b, " [instance %s]", n.Instance)
		}
		if n.Script != "" {
			fmt.Fprintf(&b, " script=%s", n.Script)
		}
		if len(n.Groups) > 0 {
			fmt.Fprintf(&b, " groups=%s", strings.Join(n.Groups, ","))
		}
		b.WriteByte('\n')
	}
	for _, c := range out.Connections {
		fmt.Fprintf(&b, "connection: %s.%s -> %s.%s()\n", c.From, c.Signal, c.To, c.Method)
	}
	return structured(out, strings.TrimRight(b.String(), "\n")), nil
}

// joinNodePath puts a node path of a sub-scene under the instance node.
func joinNodePath(prefix, p string) string {
	switch {
	case prefix == "":
		return p
	case p == "." || p == "":
		return prefix
	case prefix == ".":
		return p
	}
	return prefix + "/" + p
}
