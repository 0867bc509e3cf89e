package instance

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/godot-mcp-router/godot-mcp-router/instance/gdscript"
	"github.com/godot-mcp-router/godot-mcp-router/instance/index"
)

// frameCallbacks are the engine callbacks that run every frame or on every
// input event.
var frameCallbacks = map[string]bool{
	"_process": true, "_physics_process": true, "_input": true, "_unhandled_input": true,
	"_unhandled_key_input": true, "_gui_input": true, "_integrate_forces": true,
}

// HotPath is one per-frame entry point and what it calls in its script.
type HotPath struct {
	Script    string   `json:"script"`
	Entry     string   `json:"entry" jsonschema:"the engine callback: _process, _physics_process, _input, ..."`
	Line      int      `json:"line"`
	Calls     []string `json:"calls" jsonschema:"functions of the same script reached from the entry, nearest first"`
	Reachable bool     `json:"reachable_from_main" jsonschema:"the script belongs to the main scene, what it instances, or an autoload"`
}

// Dependee is a file and how many references reach it.
type Dependee struct {
	Path   string `json:"path"`
	Kind   string `json:"kind"`
	UsedBy int    `json:"used_by"`
}

// HotPaths is what find_hot_paths returns.
type HotPaths struct {
	Note      string     `json:"note"`
	Total     int        `json:"total"`
	Truncated bool       `json:"truncated"`
	Paths     []HotPath  `json:"paths"`
	MostUsed  []Dependee `json:"most_depended_upon"`
}

func hotPathsTool() tool {
	return tool{
		def: mcp.NewTool("find_hot_paths",
			mcp.WithDescription("Static analysis, no game run: the code that runs every frame (_process, _physics_process, _input and what they call in the same script), marked when reachable from the main scene or an autoload, and the most depended-upon files."),
			mcp.WithNumber("limit", mcp.Description("at most this many entry points (default 50)"), mcp.Min(1), mcp.Max(maxLimit)),
			readOnly()),
		handle: (*Server).findHotPaths,
		out:    mcp.WithOutputSchema[HotPaths](),
	}
}

func (s *Server) findHotPaths(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	limit, err := argInt(req, "limit", 50)
	if err != nil || limit < 1 || limit > maxLimit {
		return toolError("find_hot_paths: limit must be a whole number between 1 and %d", maxLimit), nil
	}
	ix, err := s.index.current()
	if err != nil {
		return toolError("find_hot_paths: %v", err), nil
	}
	live := reachableFromMain(ix)
	out := HotPaths{Note: "static analysis of the source: what would run each frame, not a measurement", Paths: []HotPath{}, MostUsed: []Dependee{}}
	for _, p := range ix.Paths(index.KindScript) {
		sc := ix.Files[p].Script
		if sc == nil {
			continue
		}
		for _, fn := range sc.Functions {
			if !frameCallbacks[fn.Name] {
				continue
			}
			out.Paths = append(out.Paths, HotPath{Script: p, Entry: fn.Name, Line: fn.Line, Calls: callClosure(sc, fn.Name), Reachable: live[p]})
		}
	}
	sort.SliceStable(out.Paths, func(i, j int) bool {
		if out.Paths[i].Reachable != out.Paths[j].Reachable {
			return out.Paths[i].Reachable
		}
		return len(out.Paths[i].Calls) > len(out.Paths[j].Calls)
	})
	out.Total = len(out.Paths)
	if len(out.Paths) > limit {
		out.Paths, out.Truncated = out.Paths[:limit], true
	}
	for _, p := range ix.Paths("") {
		if n := len(ix.In(p)); n > 0 {
			out.MostUsed = append(out.MostUsed, Dependee{Path: p, Kind: ix.Files[p].Kind, UsedBy: n})
		}
	}
	sort.SliceStable(out.MostUsed, func(i, j int) bool { return out.MostUsed[i].UsedBy > out.MostUsed[j].UsedBy })
	if len(out.MostUsed) > 20 {
		out.MostUsed = out.MostUsed[:20]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d per-frame entry points (%s)\n", out.Total, out.Note)
	for _, h := range out.Paths {
		mark := ""
		if h.Reachable {
			mark = " [from main]"
		}
		fmt.Fprintf(&b, "%s:%d %s%s", h.Script, h.Line, h.Entry, mark)
		if len(h.Calls) > 0 {
			fmt.Fprintf(&b, " -> %s", strings.Join(h.Calls, ", "))
		}
		b.WriteByte('\n')
	}
	b.WriteString("most depended upon:\n")
	for _, d := range out.MostUsed {
		fmt.Fprintf(&b, "  %s (%s) used by %d\n", d.Path, d.Kind, d.UsedBy)
	}
	return structured(out, strings.TrimRight(b.String(), "\n")), nil
}

// maxHotCalls bounds the functions listed per entry point.
const maxHotCalls = 20

// callClosure lists the functions of sc reached from entry, breadth first,
// at most maxHotCalls.
func callClosure(sc *gdscript.Script, entry string) []string {
	byName := map[string]*gdscript.Function{}
	for i := range sc.Functions {
		byName[sc.Functions[i].Name] = &sc.Functions[i]
	}
	seen := map[string]bool{entry: true}
	queue := []string{entry}
	out := []string{}
	for len(queue) > 0 && len(out) < maxHotCalls {
		fn := byName[queue[0]]
		queue = queue[1:]
		if fn == nil {
			continue
		}
		for _, c := range fn.Calls {
			if len(out) == maxHotCalls {
				break
			}
			if seen[c.Name] || byName[c.Name] == nil {
				continue
			}
			seen[c.Name] = true
			out = append(out, c.Name)
			queue = append(queue, c.Name)
		}
	}
	return out
}

// reachableFromMain is every file the main scene and the autoloads lead to.
func reachableFromMain(ix *index.Index) map[string]bool {
	var start []string
	for _, e := range ix.Out("res://project.godot") {
		if e.Kind == "main_scene" || e.Kind == "autoload" {
			start = append(start, e.To)
		}
	}
	seen := map[string]bool{}
	for _, s := range start {
		seen[s] = true
	}
	for len(start) > 0 {
		p := start[0]
		start = start[1:]
		for _, e := range ix.Out(p) {
			if !seen[e.To] {
				seen[e.To] = true
				start = append(start, e.To)
			}
		}
	}
	return seen
}
