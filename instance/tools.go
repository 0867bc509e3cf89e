package instance

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
)

// tool is one Godot tool: its MCP definition and its handler.
type tool struct {
	def    mcp.Tool
	handle func(s *Server, ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error)
}

// toolset lists every tool an instance serves. Adding a tool means a new
// tool_*.go file and one line here; the router picks it up from Tools.
func toolset() []tool {
	return []tool{
		projectInfoTool(),
		sourceFileTool(),
	}
}

// Tools returns the definitions of every tool an instance serves, so the
// router can answer tools/list without starting one.
func Tools() []mcp.Tool {
	ts := toolset()
	defs := make([]mcp.Tool, len(ts))
	for i, t := range ts {
		defs[i] = t.def
	}
	return defs
}

// structured builds a result that carries both the JSON value (for programs,
// matching the tool's outputSchema) and a short text rendering (for the
// agent to read).
func structured(v any, text string) *mcp.CallToolResult {
	return mcp.NewToolResultStructured(v, text)
}

// toolError is a tool-level error: the call reached the tool and the tool
// says what was wrong, so the agent can correct itself.
func toolError(format string, args ...any) *mcp.CallToolResult {
	return mcp.NewToolResultError(fmt.Sprintf(format, args...))
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
		return 0, fmt.Errorf("argument %q must be a whole number, got %T", name, v)
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
		return "", fmt.Errorf("argument %q must be a string, got %T", name, v)
	}
	if required && strings.TrimSpace(s) == "" {
		return "", fmt.Errorf("argument %q must not be empty", name)
	}
	return s, nil
}
