package router

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/godot-mcp-router/godot-mcp-router/instance"
)

// projectParam is the argument every forwarded tool gains.
func projectParam() map[string]any {
	return map[string]any{
		"type": "string",
		"description": "Which Godot project: a path, slug/version (noxii/0.16) or slug. " +
			"Default: detected from the client's roots or working directory.",
	}
}

// catalog is every tool the router offers: its own and the instance tools,
// whose definitions come from the instance package, so tools/list never
// waits for an instance.
func (r *Router) catalog() []server.ServerTool {
	tools := []server.ServerTool{
		{Tool: pingTool(), Handler: r.ping},
		{Tool: detectionTool(), Handler: r.debugDetection},
		{Tool: instancesTool(), Handler: r.debugInstances},
	}
	for _, def := range instance.Tools() {
		readOnly := def.Annotations.ReadOnlyHint != nil && *def.Annotations.ReadOnlyHint
		tools = append(tools, server.ServerTool{Tool: withProjectParam(def), Handler: r.forward(def.Name, readOnly)})
	}
	return tools
}

// withProjectParam returns a copy of def whose input schema also takes
// `project`.
func withProjectParam(def mcp.Tool) mcp.Tool {
	if def.RawInputSchema != nil {
		var schema map[string]any
		if err := json.Unmarshal(def.RawInputSchema, &schema); err == nil {
			props, _ := schema["properties"].(map[string]any)
			props = maps.Clone(props)
			if props == nil {
				props = map[string]any{}
			}
			props["project"] = projectParam()
			schema["properties"] = props
			if raw, err := json.Marshal(schema); err == nil {
				def.RawInputSchema = raw
			}
		}
		return def
	}
	props := maps.Clone(def.InputSchema.Properties)
	if props == nil {
		props = map[string]any{}
	}
	props["project"] = projectParam()
	def.InputSchema.Properties = props
	if len(def.InputSchema.PropertyOrder) > 0 {
		def.InputSchema.PropertyOrder = append(slices.Clone(def.InputSchema.PropertyOrder), "project")
	}
	return def
}

// forward returns the handler of an instance tool: resolve the project,
// get its instance, run the tool there.
func (r *Router) forward(name string, readOnly bool) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		_, cs := stateFrom(ctx)
		if cs == nil {
			cs = newClientSession(Env{})
		}
		args := maps.Clone(req.GetArguments())
		if args == nil {
			args = map[string]any{}
		}
		projectArg := ""
		if v, ok := args["project"]; ok {
			s, isString := v.(string)
			if !isString && v != nil {
				return mcp.NewToolResultError(fmt.Sprintf("%s: argument \"project\" must be a string, got %T", name, v)), nil
			}
			projectArg = s
			delete(args, "project")
		}
		d, err := r.resolve(ctx, cs, projectArg)
		if err != nil {
			return mcp.NewToolResultError(fmt.Sprintf("%s: %v", name, err)), nil
		}
		fwd := mcp.CallToolRequest{}
		fwd.Params.Name = name
		fwd.Params.Arguments = args
		res, err := r.pool.Call(ctx, d.Project, fwd, readOnly)
		if err != nil {
			return mcp.NewToolResultError(fmt.Sprintf("%s on %s: %v", name, d.Project.ID(), err)), nil
		}
		return res, nil
	}
}
