package instance

import (
	"context"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/godot-mcp-router/godot-mcp-router/instance/engine"
)

// GodotVersions is what get_godot_version returns.
type GodotVersions struct {
	Project  string          `json:"project_engine" jsonschema:"the engine the project is for, from project.godot (4.3, 4.x, 3.x)"`
	Serving  *engine.Binary  `json:"serving,omitempty" jsonschema:"the binary the engine tools use for this project"`
	Problem  string          `json:"problem,omitempty" jsonschema:"why none serves it, and what to install or set"`
	Found    []engine.Binary `json:"found" jsonschema:"every Godot binary found, in order of preference"`
	Searched string          `json:"searched" jsonschema:"where they were looked for"`
	Presets  []engine.Preset `json:"presets" jsonschema:"the export presets of export_presets.cfg"`
}

func godotVersionTool() tool {
	return tool{
		def: mcp.NewTool("get_godot_version",
			mcp.WithDescription("The Godot engines installed here (GODOT_BIN, then godot, godot4, godot3, godot3-server and Godot_v* release names on PATH), each with its version, and which one serves this project's builds, runs and script checks; also the project's export presets."),
			readOnly()),
		handle: (*Server).getGodotVersion,
		out:    mcp.WithOutputSchema[GodotVersions](),
	}
}

func (s *Server) getGodotVersion(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	b, bins, err := s.engineBinary(ctx)
	out := GodotVersions{Project: s.project.Engine, Found: bins, Presets: []engine.Preset{},
		Searched: "GODOT_BIN, then PATH (" + s.eng.getenv("PATH") + ")"}
	if out.Found == nil {
		out.Found = []engine.Binary{}
	}
	if err != nil {
		out.Problem = err.Error()
	} else {
		out.Serving = &b
	}
	if presets, err := engine.ReadPresets(s.root); err == nil {
		out.Presets = presets
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "project engine: Godot %s\n", out.Project)
	if out.Serving != nil {
		fmt.Fprintf(&sb, "serving it: Godot %s at %s\n", b.Version, b.Path)
	} else {
		fmt.Fprintf(&sb, "no engine serves it: %s\n", out.Problem)
	}
	for _, f := range bins {
		if f.Err != "" {
			fmt.Fprintf(&sb, "  %s (%s): %s\n", f.Path, f.Source, f.Err)
		} else {
			fmt.Fprintf(&sb, "  %s (%s): Godot %s\n", f.Path, f.Source, f.Version)
		}
	}
	for _, p := range out.Presets {
		fmt.Fprintf(&sb, "preset %q: %s\n", p.Name, p.Platform)
	}
	return structured(out, strings.TrimRight(sb.String(), "\n")), nil
}
