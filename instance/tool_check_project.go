package instance

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/godot-mcp-router/godot-mcp-router/instance/index"
)

// CheckResult is what check_project returns.
type CheckResult struct {
	Total     int             `json:"total"`
	ByKind    map[string]int  `json:"by_kind"`
	Offset    int             `json:"offset"`
	Truncated bool            `json:"truncated"`
	Problems  []index.Problem `json:"problems"`
	Files     int             `json:"files_checked"`
}

func checkProjectTool() tool {
	opts := []mcp.ToolOption{
		mcp.WithDescription("Broken references, each with file and line: missing files, unknown uids, missing autoload or plugin targets, a missing main scene, scripts whose extends cannot resolve, files that cannot be parsed."),
		mcp.WithArray("kinds", mcp.Description("only these kinds, e.g. [\"missing_file\"] (default all)"), mcp.Items(map[string]any{"type": "string"})),
		mcp.WithString("folder", mcp.Description("only problems in files under this folder")),
	}
	opts = append(opts, pagingArgs()...)
	opts = append(opts, readOnly())
	return tool{def: mcp.NewTool("check_project", opts...), handle: (*Server).checkProject, out: mcp.WithOutputSchema[CheckResult]()}
}

func (s *Server) checkProject(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	kinds, err1 := argStrings(req, "kinds")
	folder, err2 := argString(req, "folder", false)
	if err := firstErr(err1, err2); err != nil {
		return toolError("check_project: %v", err), nil
	}
	ix, err := s.index.current()
	if err != nil {
		return toolError("check_project: %v", err), nil
	}
	if folder != "" {
		if folder, err = s.resArg(folder); err != nil {
			return toolError("check_project: %v", err), nil
		}
		folder = strings.TrimSuffix(folder, "/") + "/"
	}
	want := map[string]bool{}
	for _, k := range kinds {
		want[k] = true
	}
	var all []index.Problem
	byKind := map[string]int{}
	for _, p := range ix.Problems {
		if len(want) > 0 && !want[p.Kind] {
			continue
		}
		if folder != "" && folder != "res:///" && !strings.HasPrefix(p.File, folder) {
			continue
		}
		all = append(all, p)
		byKind[p.Kind]++
	}
	lo, hi, err := page(req, len(all))
	if err != nil {
		return toolError("check_project: %v", err), nil
	}
	out := CheckResult{Total: len(all), ByKind: byKind, Offset: lo, Truncated: hi < len(all), Problems: append([]index.Problem{}, all[lo:hi]...), Files: len(ix.Files)}
	var b strings.Builder
	if out.Total == 0 {
		fmt.Fprintf(&b, "No broken references in %d files.", out.Files)
		return structured(out, b.String()), nil
	}
	keys := make([]string, 0, len(byKind))
	for k := range byKind {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, byKind[k])
	}
	fmt.Fprintf(&b, "%d problems in %d files (%s)", out.Total, out.Files, strings.Join(parts, ", "))
	if out.Truncated {
		fmt.Fprintf(&b, "; showing %d-%d, pass offset=%d for more", lo+1, hi, hi)
	}
	b.WriteString(":\n")
	for _, p := range out.Problems {
		fmt.Fprintf(&b, "%s:%d: [%s] %s\n", p.File, p.Line, p.Kind, p.Message)
	}
	return structured(out, strings.TrimRight(b.String(), "\n")), nil
}
