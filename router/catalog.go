package router

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/godot-mcp-router/godot-mcp-router/instance"
	"github.com/godot-mcp-router/godot-mcp-router/instance/mcpconn"
)

// projectParam is the argument every forwarded tool gains.
func projectParam() map[string]any {
	return map[string]any{
		"type": "string",
		"description": "Which Godot project: a path, slug/version (noxii/0.16) or slug. " +
			"Default: detected from the client's roots or working directory.",
	}
}

// loadCatalog registers every tool with the MCP server and makes the
// tools/list answer. It runs in the background from New: building the
// output schemas takes milliseconds that initialize should not wait for.
func (r *Router) loadCatalog() {
	defer close(r.toolsReady)
	tools := r.catalog()
	r.mcp.AddTools(tools...)
	defs := make([]mcp.Tool, len(tools))
	for i, t := range tools {
		defs[i] = t.Tool
	}
	sort.Slice(defs, func(i, j int) bool { return defs[i].Name < defs[j].Name })
	b, err := json.Marshal(mcp.ListToolsResult{Tools: defs})
	if err != nil {
		r.log.Error("encoding the tool list", "err", err) // then tools/list takes mcp-go's path
		return
	}
	r.toolsList = b
}

// catalog is every tool the router offers: its own and the instance tools,
// whose definitions come from the instance package, so tools/list never
// waits for an instance.
func (r *Router) catalog() []server.ServerTool {
	tools := []server.ServerTool{
		{Tool: pingTool(), Handler: r.ping},
		{Tool: detectionTool(), Handler: r.debugDetection},
		{Tool: instancesTool(), Handler: r.debugInstances},
		{Tool: listProjectsTool(), Handler: r.listProjects},
		{Tool: listVersionsTool(), Handler: r.listVersions},
	}
	for _, def := range instance.Tools() {
		ft := forwarded{name: def.Name, readOnly: def.Annotations.ReadOnlyHint != nil && *def.Annotations.ReadOnlyHint}
		if r.forwarded != nil {
			r.forwarded[def.Name] = ft
		}
		tools = append(tools, server.ServerTool{Tool: withProjectParam(def), Handler: r.forward(ft)})
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

// forwarded is an instance tool as the router routes it.
type forwarded struct {
	name     string
	readOnly bool
}

// forward returns the mcp-go handler of an instance tool. Calls from client
// sessions take the interceptor's raw path; this handler serves the same
// calls made through MCPServer.HandleMessage directly.
func (r *Router) forward(ft forwarded) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		args, err := json.Marshal(req.GetArguments())
		if err != nil {
			return mcp.NewToolResultError(fmt.Sprintf("%s: arguments: %v", ft.name, err)), nil
		}
		sess, cs := stateFrom(ctx)
		var token any
		if req.Params.Meta != nil {
			token = req.Params.Meta.ProgressToken
		}
		raw := r.callForwarded(ctx, sess, cs, ft, args, token)
		var res mcp.CallToolResult
		if err := json.Unmarshal(raw, &res); err != nil {
			return nil, fmt.Errorf("decoding the instance's answer: %w", err)
		}
		return &res, nil
	}
}

// intercept answers, off mcp-go's path, the two requests that carry weight:
// tools/list from the catalog's JSON made once, and tools/call of instance
// tools, whose params go to the instance and whose result comes back as raw
// JSON, never decoded. Requests of the stateless protocol (2026-07-28, whose
// results mcp-go decorates) and everything else are left to the MCP server.
func (r *Router) intercept(ctx context.Context, _ *mcpconn.Session, method string, params json.RawMessage) (json.RawMessage, bool) {
	if method != string(mcp.MethodToolsCall) && method != string(mcp.MethodToolsList) {
		return nil, false
	}
	var p struct {
		Name      string                     `json:"name"`
		Arguments json.RawMessage            `json:"arguments"`
		Cursor    string                     `json:"cursor"`
		Meta      map[string]json.RawMessage `json:"_meta"`
	}
	malformed := len(params) > 0 && json.Unmarshal(params, &p) != nil
	select {
	case <-r.toolsReady:
	case <-ctx.Done():
		return nil, false
	}
	if _, modern := p.Meta[mcp.MetaKeyProtocolVersion]; modern || malformed {
		return nil, false // mcp-go decorates modern results and explains malformed requests
	}
	if method == string(mcp.MethodToolsList) {
		if p.Cursor != "" || r.toolsList == nil {
			return nil, false
		}
		return r.toolsList, true
	}
	ft, ok := r.forwarded[p.Name]
	if !ok {
		return nil, false
	}
	sess, cs := stateFrom(ctx)
	var token any
	if raw, ok := p.Meta["progressToken"]; ok {
		if err := json.Unmarshal(raw, &token); err != nil {
			token = nil
		}
	}
	return r.callForwarded(ctx, sess, cs, ft, p.Arguments, token), true
}

// callForwarded resolves the project of a call, takes the `project`
// argument out, runs the tool on the project's instance and returns the raw
// CallToolResult. Every failure is a tool error result the agent can read.
func (r *Router) callForwarded(ctx context.Context, sess *mcpconn.Session, cs *clientSession, ft forwarded, rawArgs json.RawMessage, progressToken any) json.RawMessage {
	if cs == nil {
		cs = newClientSession(Env{})
	}
	args := map[string]json.RawMessage{}
	if t := bytes.TrimSpace(rawArgs); len(t) > 0 && !bytes.Equal(t, []byte("null")) {
		if err := json.Unmarshal(t, &args); err != nil {
			return toolErrorJSON("%s: arguments must be a JSON object, got %s", ft.name, jsonKind(t))
		}
	}
	projectArg := ""
	if v, ok := args["project"]; ok {
		delete(args, "project")
		if !bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			if err := json.Unmarshal(v, &projectArg); err != nil {
				return toolErrorJSON("%s: argument \"project\" must be a string, got %s", ft.name, jsonKind(v))
			}
		}
	}
	d, err := r.resolve(ctx, cs, projectArg)
	if err != nil {
		return toolErrorJSON("%s: %v", ft.name, err)
	}
	var meta map[string]string
	if progressToken != nil && sess != nil {
		tok, done := r.progress.open(sess, progressToken)
		defer done()
		meta = map[string]string{"progressToken": tok}
	}
	params, err := json.Marshal(struct {
		Name      string                     `json:"name"`
		Arguments map[string]json.RawMessage `json:"arguments"`
		Meta      map[string]string          `json:"_meta,omitempty"`
	}{ft.name, args, meta})
	if err != nil {
		return toolErrorJSON("%s: arguments: %v", ft.name, err)
	}
	start := time.Now()
	res, err := r.pool.Call(ctx, d.Project, params, ft.readOnly)
	r.metrics.call(d.Project.Root, ft.name, time.Since(start), err != nil || isToolError(res))
	if err != nil {
		return toolErrorJSON("%s on %s: %v", ft.name, d.Project.ID(), err)
	}
	return res
}

// isToolError reports whether a raw CallToolResult has isError set, without
// decoding it (the flag is near the end, where mcp-go writes it).
func isToolError(res json.RawMessage) bool {
	return bytes.Contains(res, []byte(`"isError":true`))
}

// maxErrorText bounds a tool error: messages echo arguments, and an
// argument can be megabytes.
const maxErrorText = 2000

// toolErrorJSON is a CallToolResult with isError set, as raw JSON.
func toolErrorJSON(format string, args ...any) json.RawMessage {
	b, _ := json.Marshal(mcp.NewToolResultError(clipText(fmt.Sprintf(format, args...), maxErrorText)))
	return b
}

// jsonKind names the JSON type of a raw value for error messages.
func jsonKind(raw json.RawMessage) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "nothing"
	}
	switch t[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}
