package instance

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
)

// tool is one Godot tool: its MCP definition and its handler.
type tool struct {
	def    mcp.Tool
	handle func(s *Server, ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error)
	// out adds the output schema to def. Only the router's tools/list
	// needs it (mcp-go does not validate results unless asked), and
	// building the schemas by reflection costs an instance 7 ms of its
	// start, so Tools applies it and the instance's own server does not.
	out mcp.ToolOption
}

// toolset lists every tool an instance serves. Adding a tool means a new
// tool_*.go file and one line here; the router picks it up from Tools.
func toolset() []tool {
	return []tool{
		projectInfoTool(),
		versionInfoTool(),
		listScriptsTool(),
		getScriptTool(),
		searchScriptsTool(),
		analyzeDependenciesTool(),
		dependencyGraphTool(),
		listScenesTool(),
		getSceneTool(),
		findReferencesTool(),
		checkProjectTool(),
		sourceFileTool(),
		hotPathsTool(),
		activeNodesTool(),
		godotVersionTool(),
		triggerBuildTool(),
		getBuildStatusTool(),
		waitForBuildTool(),
		cancelBuildTool(),
		runProjectTool(),
		getRunOutputTool(),
		stopProjectTool(),
		validateScriptsTool(),
	}
}

// Tools returns the definitions of every tool an instance serves, so the
// router can answer tools/list without starting one.
func Tools() []mcp.Tool {
	ts := toolset()
	defs := make([]mcp.Tool, len(ts))
	for i, t := range ts {
		defs[i] = t.def
		if t.out != nil {
			t.out(&defs[i])
		}
	}
	return defs
}

// structured builds a result that carries both the JSON value (for programs,
// matching the tool's outputSchema) and a short text rendering (for the
// agent to read).
func structured(v any, text string) *mcp.CallToolResult {
	return mcp.NewToolResultStructured(v, text)
}

// maxErrorText bounds a tool error: messages echo arguments, and an
// argument can be megabytes.
const maxErrorText = 2000

// toolError is a tool-level error: the call reached the tool and the tool
// says what was wrong, so the agent can correct itself.
func toolError(format string, args ...any) *mcp.CallToolResult {
	return mcp.NewToolResultError(clip(fmt.Sprintf(format, args...), maxErrorText))
}

// clip cuts s to at most n bytes, on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := s[:n]
	for len(cut) > 0 && !utf8.ValidString(cut) {
		cut = cut[:len(cut)-1]
	}
	return cut + fmt.Sprintf("... (%d bytes cut)", len(s)-len(cut))
}

// argInt reads an optional integer argument. JSON numbers arrive as float64;
// strings holding a number are accepted because some clients send them.
func argInt(req mcp.CallToolRequest, name string, def int) (int, error) {
	v, ok := req.GetArguments()[name]
	if !ok || v == nil {
		return def, nil
	}
	switch n := v.(type) {
	case float64:
		if n != float64(int(n)) {
			return 0, fmt.Errorf("argument %q must be a whole number, got %v", name, n)
		}
		return int(n), nil
	case json.Number:
		i, err := n.Int64()
		if err != nil {
			return 0, fmt.Errorf("argument %q must be a whole number, got %s", name, n)
		}
		return int(i), nil
	case string:
		// Atoi, not Sscan: "5abc" must be refused, not read as 5.
		i, err := strconv.Atoi(strings.TrimSpace(n))
		if err != nil {
			return 0, fmt.Errorf("argument %q must be a whole number, got %q", name, n)
		}
		return i, nil
	default:
		return 0, fmt.Errorf("argument %q must be a whole number, got %s", name, jsonTypeName(v))
	}
}

// argString reads a string argument; required ones must be present and non-empty.
func argString(req mcp.CallToolRequest, name string, required bool) (string, error) {
	v, ok := req.GetArguments()[name]
	if !ok || v == nil {
		if required {
			return "", fmt.Errorf("argument %q is required", name)
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("argument %q must be a string, got %s", name, jsonTypeName(v))
	}
	if required && strings.TrimSpace(s) == "" {
		return "", fmt.Errorf("argument %q must not be empty", name)
	}
	return s, nil
}

// Paging bounds shared by the list tools.
const (
	defaultLimit = 100
	maxLimit     = 200
)

// page reads limit and offset and returns the window [lo, hi) of n items.
func page(req mcp.CallToolRequest, n int) (lo, hi int, err error) {
	limit, err := argInt(req, "limit", defaultLimit)
	if err != nil {
		return 0, 0, err
	}
	offset, err := argInt(req, "offset", 0)
	if err != nil {
		return 0, 0, err
	}
	if limit < 1 || limit > maxLimit {
		return 0, 0, fmt.Errorf("argument \"limit\" must be between 1 and %d, got %d", maxLimit, limit)
	}
	if offset < 0 {
		return 0, 0, fmt.Errorf("argument \"offset\" must be 0 or more, got %d", offset)
	}
	lo = min(offset, n)
	hi = min(lo+limit, n)
	return lo, hi, nil
}

// pagingArgs are the limit and offset arguments of list tools.
func pagingArgs() []mcp.ToolOption {
	return []mcp.ToolOption{
		mcp.WithNumber("limit", mcp.Description("at most this many items (default 100, max 200)"), mcp.Min(1), mcp.Max(maxLimit)),
		mcp.WithNumber("offset", mcp.Description("skip this many items (for the next page)"), mcp.Min(0)),
	}
}

// argBool reads an optional boolean argument.
func argBool(req mcp.CallToolRequest, name string, def bool) (bool, error) {
	v, ok := req.GetArguments()[name]
	if !ok || v == nil {
		return def, nil
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("argument %q must be true or false, got %s", name, jsonTypeName(v))
	}
	return b, nil
}

// argStrings reads an optional list of strings (a single string is taken as
// a list of one).
func argStrings(req mcp.CallToolRequest, name string) ([]string, error) {
	v, ok := req.GetArguments()[name]
	if !ok || v == nil {
		return nil, nil
	}
	switch t := v.(type) {
	case string:
		return []string{t}, nil
	case []any:
		out := make([]string, 0, len(t))
		for _, it := range t {
			s, ok := it.(string)
			if !ok {
				return nil, fmt.Errorf("argument %q must be a list of strings", name)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("argument %q must be a list of strings, got %s", name, jsonTypeName(v))
}

// jsonTypeName names the JSON type of a decoded argument for error messages.
func jsonTypeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// resArg resolves a file argument to the index's res:// key: res://,
// relative or absolute paths inside the project (no existence check: the
// index says what exists).
func (s *Server) resArg(p string) (string, error) {
	p = strings.TrimSpace(p)
	if p == "" {
		return "", fmt.Errorf("empty path")
	}
	if strings.HasPrefix(p, "uid://") {
		return p, nil
	}
	if strings.HasPrefix(p, "res://") {
		return cleanResPath(p), nil
	}
	if strings.Contains(p, "://") {
		return "", fmt.Errorf("%s: unknown scheme; use res://", p)
	}
	if filepath.IsAbs(p) {
		rel, err := filepath.Rel(s.root, filepath.Clean(p))
		if err != nil || strings.HasPrefix(rel, "..") {
			return "", fmt.Errorf("%s: %w", p, errOutsideRoot)
		}
		p = filepath.ToSlash(rel)
	}
	return cleanResPath("res://" + p), nil
}

func cleanResPath(p string) string {
	rest := strings.TrimPrefix(p, "res://")
	c := path.Clean("/" + rest)
	return "res://" + strings.TrimPrefix(c, "/")
}

// acts marks a tool that changes things (runs the engine, writes files,
// stops processes): not read-only; destructive and idempotent as given.
func acts(destructive, idempotent bool) mcp.ToolOption {
	return func(t *mcp.Tool) {
		for _, o := range []mcp.ToolOption{
			mcp.WithReadOnlyHintAnnotation(false),
			mcp.WithDestructiveHintAnnotation(destructive),
			mcp.WithIdempotentHintAnnotation(idempotent),
			mcp.WithOpenWorldHintAnnotation(false),
		} {
			o(t)
		}
	}
}
