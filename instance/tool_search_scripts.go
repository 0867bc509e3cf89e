package instance

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/godot-mcp-router/godot-mcp-router/instance/index"
)

// SearchHit is one match of search_scripts.
type SearchHit struct {
	Path string `json:"path"`
	Line int    `json:"line"`
	Kind string `json:"kind" jsonschema:"text, function, signal or class"`
	Text string `json:"text" jsonschema:"the matching line, or the declaration"`
}

// SearchResult is what search_scripts returns.
type SearchResult struct {
	Total     int         `json:"total"`
	Offset    int         `json:"offset"`
	Truncated bool        `json:"truncated"`
	Hits      []SearchHit `json:"hits"`
}

// maxSearchHits bounds the matches collected before paging.
const maxSearchHits = 5000

func searchScriptsTool() tool {
	opts := []mcp.ToolOption{
		mcp.WithDescription("Search GDScript files: by text (case-insensitive substring, per line), or for declarations of functions, signals or classes (class_name or extends) whose name contains the query."),
		mcp.WithString("query", mcp.Required(), mcp.Description("text or name to look for")),
		mcp.WithString("kind", mcp.Enum("text", "function", "signal", "class"), mcp.Description("what to search (default text)")),
		mcp.WithString("folder", mcp.Description("only scripts under this folder")),
	}
	opts = append(opts, pagingArgs()...)
	opts = append(opts, readOnly())
	return tool{def: mcp.NewTool("search_scripts", opts...), handle: (*Server).searchScripts, out: mcp.WithOutputSchema[SearchResult]()}
}

func (s *Server) searchScripts(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	query, err1 := argString(req, "query", true)
	kind, err2 := argString(req, "kind", false)
	folder, err3 := argString(req, "folder", false)
	if err := firstErr(err1, err2, err3); err != nil {
		return toolError("search_scripts: %v", err), nil
	}
	if kind == "" {
		kind = "text"
	}
	if kind != "text" && kind != "function" && kind != "signal" && kind != "class" {
		return toolError("search_scripts: kind must be text, function, signal or class, got %q", kind), nil
	}
	ix, err := s.index.current()
	if err != nil {
		return toolError("search_scripts: %v", err), nil
	}
	if folder != "" {
		if folder, err = s.resArg(folder); err != nil {
			return toolError("search_scripts: %v", err), nil
		}
		folder = strings.TrimSuffix(folder, "/") + "/"
	}
	q := strings.ToLower(query)
	var hits []SearchHit
	for _, p := range ix.Paths(index.KindScript) {
		if ctx.Err() != nil {
			return toolError("search_scripts: cancelled"), nil
		}
		if folder != "" && !strings.HasPrefix(p, folder) {
			continue
		}
		if len(hits) >= maxSearchHits {
			break
		}
		sc := ix.Files[p].Script
		switch kind {
		case "text":
			hits = append(hits, s.grep(p, q, maxSearchHits-len(hits))...)
		case "function":
			if sc == nil {
				continue
			}
			for _, f := range functionsOf(sc) {
				if strings.Contains(strings.ToLower(f.Name), q) {
					hits = append(hits, SearchHit{Path: p, Line: f.Line, Kind: "function", Text: "func " + f.Name + "(" + strings.Join(f.Params, ", ") + ")"})
				}
			}
		case "signal":
			if sc == nil {
				continue
			}
			for _, sg := range signalsOf(sc) {
				if strings.Contains(strings.ToLower(sg.Name), q) {
					hits = append(hits, SearchHit{Path: p, Line: sg.Line, Kind: "signal", Text: "signal " + sg.Name + "(" + strings.Join(sg.Params, ", ") + ")"})
				}
			}
		case "class":
			if sc == nil {
				continue
			}
			if sc.ClassName != "" && strings.Contains(strings.ToLower(sc.ClassName), q) {
				hits = append(hits, SearchHit{Path: p, Line: sc.ClassNameLine, Kind: "class", Text: "class_name " + sc.ClassName})
			}
			if sc.Extends != "" && strings.Contains(strings.ToLower(sc.Extends), q) {
				hits = append(hits, SearchHit{Path: p, Line: sc.ExtendsLine, Kind: "class", Text: "extends " + sc.Extends})
			}
			for _, c := range sc.Classes {
				if strings.Contains(strings.ToLower(c.Name), q) {
					hits = append(hits, SearchHit{Path: p, Line: c.Line, Kind: "class", Text: "class " + c.Name})
				}
			}
		}
	}
	lo, hi, err := page(req, len(hits))
	if err != nil {
		return toolError("search_scripts: %v", err), nil
	}
	out := SearchResult{Total: len(hits), Offset: lo, Truncated: hi < len(hits), Hits: append([]SearchHit{}, hits[lo:hi]...)}
	var b strings.Builder
	fmt.Fprintf(&b, "%d matches for %q (%s)", out.Total, clip(query, 200), kind)
	if out.Truncated {
		fmt.Fprintf(&b, "; showing %d-%d, pass offset=%d for more", lo+1, hi, hi)
	}
	b.WriteString(":\n")
	for _, h := range out.Hits {
		fmt.Fprintf(&b, "%s:%d: %s\n", h.Path, h.Line, h.Text)
	}
	return structured(out, strings.TrimRight(b.String(), "\n")), nil
}

// grep finds the lines of a script holding q (lower case).
func (s *Server) grep(p, q string, limit int) []SearchHit {
	f, err := os.Open(filepath.Join(s.root, filepath.FromSlash(strings.TrimPrefix(p, "res://"))))
	if err != nil {
		return nil
	}
	defer f.Close()
	var hits []SearchHit
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	line := 0
	for sc.Scan() && len(hits) < limit {
		line++
		t := sc.Text()
		if strings.Contains(strings.ToLower(t), q) {
			if len(t) > 300 {
				t = t[:300] + "..."
			}
			hits = append(hits, SearchHit{Path: p, Line: line, Kind: "text", Text: strings.TrimSpace(t)})
		}
	}
	return hits
}
