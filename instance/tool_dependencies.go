package instance

import (
	"context"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/godot-mcp-router/godot-mcp-router/instance/index"
)

// maxDeps bounds each direction of analyze_dependencies.
const maxDeps = 100

// Dependencies is what analyze_dependencies returns.
type Dependencies struct {
	Path       string       `json:"path"`
	Kind       string       `json:"kind"`
	Transitive bool         `json:"transitive"`
	Uses       []index.Edge `json:"uses" jsonschema:"edges from this file (transitively: from everything it reaches)"`
	UsedBy     []index.Edge `json:"used_by" jsonschema:"edges into this file (transitively: into everything that reaches it)"`
	Truncated  bool         `json:"truncated"`
}

func analyzeDependenciesTool() tool {
	return tool{
		def: mcp.NewTool("analyze_dependencies",
			mcp.WithDescription("What one file uses and what uses it (scenes, scripts, resources), each edge typed (extends, preload, load, ext_resource, instance, script, signal, autoload, class, ...) with its line; transitively on request."),
			mcp.WithString("path", mcp.Required(), mcp.Description("res:// path (or uid://) of the file")),
			mcp.WithBoolean("transitive", mcp.Description("follow edges all the way (default false: direct only)")),
			readOnly()),
		handle: (*Server).analyzeDependencies,
		out:    mcp.WithOutputSchema[Dependencies](),
	}
}

func (s *Server) analyzeDependencies(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	arg, err1 := argString(req, "path", true)
	deep, err2 := argBool(req, "transitive", false)
	if err := firstErr(err1, err2); err != nil {
		return toolError("analyze_dependencies: %v", err), nil
	}
	ix, p, err := s.indexedFile(arg)
	if err != nil {
		return toolError("analyze_dependencies: %v", err), nil
	}
	out := Dependencies{Path: p, Kind: ix.Files[p].Kind, Transitive: deep}
	var t1, t2 bool
	out.Uses, t1 = ix.Dependencies(p, deep, maxDeps)
	out.UsedBy, t2 = ix.Dependents(p, deep, maxDeps)
	out.Truncated = t1 || t2
	if out.Uses == nil {
		out.Uses = []index.Edge{}
	}
	if out.UsedBy == nil {
		out.UsedBy = []index.Edge{}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s) uses %d, used by %d", p, out.Kind, len(out.Uses), len(out.UsedBy))
	if out.Truncated {
		fmt.Fprintf(&b, " (cut at %d each)", maxDeps)
	}
	b.WriteString("\nuses:\n")
	for _, e := range out.Uses {
		fmt.Fprintf(&b, "  %s -[%s]-> %s (line %d)\n", e.From, e.Kind, e.To, e.Line)
	}
	b.WriteString("used by:\n")
	for _, e := range out.UsedBy {
		fmt.Fprintf(&b, "  %s -[%s]-> %s (line %d)\n", e.From, e.Kind, e.To, e.Line)
	}
	return structured(out, strings.TrimRight(b.String(), "\n")), nil
}

// indexedFile resolves a path argument (res://, relative, uid://) to a file
// of the current index.
func (s *Server) indexedFile(arg string) (*index.Index, string, error) {
	ix, err := s.index.current()
	if err != nil {
		return nil, "", err
	}
	p, err := s.resArg(arg)
	if err != nil {
		return nil, "", err
	}
	if q, ok := ix.ByUID[p]; ok {
		p = q
	}
	if _, ok := ix.Files[p]; !ok {
		return nil, "", fmt.Errorf("%s is not a file of this project", p)
	}
	return ix, p, nil
}

// GraphResult is what get_dependency_graph returns.
type GraphResult struct {
	index.Graph
	Format   string `json:"format"`
	Rendered string `json:"rendered,omitempty" jsonschema:"the graph as Mermaid or Graphviz DOT text, when asked"`
}

func dependencyGraphTool() tool {
	return tool{
		def: mcp.NewTool("get_dependency_graph",
			mcp.WithDescription("The project's dependency graph, or the part within depth of one file: nodes (files) and typed edges, with cycles reported; as JSON, Mermaid or Graphviz DOT. 300 edges by default, at most 1000."),
			mcp.WithString("path", mcp.Description("center the graph on this file (default: the whole project)")),
			mcp.WithNumber("depth", mcp.Description("edges away from path, both directions (default 2)"), mcp.Min(1), mcp.Max(20)),
			mcp.WithArray("kinds", mcp.Description("edge kinds to keep, e.g. [\"instance\",\"script\"] (default all)"), mcp.Items(map[string]any{"type": "string"})),
			mcp.WithString("format", mcp.Enum("json", "mermaid", "dot"), mcp.Description("json (default), mermaid or dot")),
			mcp.WithNumber("max_edges", mcp.Description("at most this many edges (default 300)"), mcp.Min(1), mcp.Max(1000)),
			readOnly()),
		handle: (*Server).dependencyGraph,
		out:    mcp.WithOutputSchema[GraphResult](),
	}
}

func (s *Server) dependencyGraph(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	arg, err1 := argString(req, "path", false)
	depth, err2 := argInt(req, "depth", 2)
	kinds, err3 := argStrings(req, "kinds")
	format, err4 := argString(req, "format", false)
	maxEdges, err5 := argInt(req, "max_edges", 300)
	if err := firstErr(err1, err2, err3, err4, err5); err != nil {
		return toolError("get_dependency_graph: %v", err), nil
	}
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "mermaid" && format != "dot" {
		return toolError("get_dependency_graph: format must be json, mermaid or dot, got %q", format), nil
	}
	if maxEdges < 1 || maxEdges > 1000 {
		return toolError("get_dependency_graph: max_edges must be between 1 and 1000, got %d", maxEdges), nil
	}
	var ix *index.Index
	var p string
	var err error
	if arg != "" {
		ix, p, err = s.indexedFile(arg)
	} else {
		ix, err = s.index.current()
	}
	if err != nil {
		return toolError("get_dependency_graph: %v", err), nil
	}
	o := index.GraphOptions{Around: p, Depth: depth, MaxEdges: maxEdges}
	if len(kinds) > 0 {
		o.Kinds = map[string]bool{}
		for _, k := range kinds {
			o.Kinds[k] = true
		}
	}
	out := GraphResult{Graph: ix.Subgraph(o), Format: format}
	var text string
	switch format {
	case "mermaid":
		out.Rendered = out.Mermaid()
		text = out.Rendered
	case "dot":
		out.Rendered = out.DOT()
		text = out.Rendered
	default:
		var b strings.Builder
		fmt.Fprintf(&b, "%d files, %d edges, %d cycles", len(out.Nodes), len(out.Edges), len(out.Cycles))
		if out.Truncated {
			b.WriteString(" (truncated)")
		}
		b.WriteByte('\n')
		for i, e := range out.Edges {
			if i == 200 {
				fmt.Fprintf(&b, "... %d more edges in the structured result\n", len(out.Edges)-i)
				break
			}
			fmt.Fprintf(&b, "%s -[%s]-> %s\n", e.From, e.Kind, e.To)
		}
		for _, c := range out.Cycles {
			fmt.Fprintf(&b, "cycle: %s\n", strings.Join(c, " -> "))
		}
		text = b.String()
	}
	return structured(out, strings.TrimRight(text, "\n")), nil
}
