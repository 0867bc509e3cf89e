package router

import (
	"context"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/godot-mcp-router/godot-mcp-router/detect"
)

// ProjectRef names one project in router answers.
type ProjectRef struct {
	ID      string `json:"id" jsonschema:"slug/version, or slug when there is no version"`
	Root    string `json:"root"`
	Name    string `json:"name,omitempty"`
	Slug    string `json:"slug"`
	Version string `json:"version,omitempty"`
	Engine  string `json:"engine,omitempty"`
}

func refOf(p detect.Project) ProjectRef {
	return ProjectRef{ID: p.ID(), Root: p.Root, Name: p.Name, Slug: p.Slug, Version: p.Version, Engine: p.Engine}
}

// DetectionInputs is what detection looked at.
type DetectionInputs struct {
	Project          string   `json:"project,omitempty" jsonschema:"the explicit project argument"`
	WorkDir          string   `json:"workdir,omitempty"`
	ClaudeProjectDir string   `json:"claude_project_dir,omitempty"`
	Roots            []string `json:"roots"`
}

// DetectionReport is what debug_detection returns.
type DetectionReport struct {
	Project      *ProjectRef     `json:"project,omitempty" jsonschema:"the project calls resolve to; absent on error"`
	Source       string          `json:"source,omitempty" jsonschema:"argument, roots, workdir or CLAUDE_PROJECT_DIR"`
	Confidence   string          `json:"confidence,omitempty" jsonschema:"high, medium or low"`
	Reason       string          `json:"reason,omitempty"`
	Alternatives []ProjectRef    `json:"alternatives"`
	Error        string          `json:"error,omitempty"`
	Inputs       DetectionInputs `json:"inputs"`
}

func detectionTool() mcp.Tool {
	return mcp.NewTool("debug_detection",
		mcp.WithDescription("Show which Godot project this session's calls resolve to (from the `project` argument, the client's roots, its working directory or CLAUDE_PROJECT_DIR), with the confidence, the reason and the alternatives. Starts no instance."),
		mcp.WithString("project", mcp.Description("resolve this project argument instead (a path, slug/version or slug)")),
		mcp.WithOutputSchema[DetectionReport](),
		mcp.WithReadOnlyHintAnnotation(true),
		mcp.WithDestructiveHintAnnotation(false),
		mcp.WithIdempotentHintAnnotation(true),
		mcp.WithOpenWorldHintAnnotation(false),
	)
}

func (r *Router) debugDetection(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	_, cs := stateFrom(ctx)
	if cs == nil {
		cs = newClientSession(Env{})
	}
	arg := ""
	if v, ok := req.GetArguments()["project"]; ok && v != nil {
		s, isString := v.(string)
		if !isString {
			return mcp.NewToolResultError(fmt.Sprintf("debug_detection: argument \"project\" must be a string, got %T", v)), nil
		}
		arg = s
	}
	roots, _ := cs.snapshot(ctx)
	rep := DetectionReport{
		Alternatives: []ProjectRef{},
		Inputs: DetectionInputs{
			Project:          arg,
			WorkDir:          cs.env.WorkDir,
			ClaudeProjectDir: cs.env.ProjectDir,
			Roots:            append([]string{}, roots...),
		},
	}
	d, err := r.resolve(ctx, cs, arg)
	var text strings.Builder
	if err != nil {
		rep.Error = err.Error()
		fmt.Fprintf(&text, "No project: %v", err)
	} else {
		ref := refOf(d.Project)
		rep.Project = &ref
		rep.Source = d.Source
		rep.Confidence = d.Confidence
		rep.Reason = d.Reason
		for _, alt := range d.Alternatives {
			rep.Alternatives = append(rep.Alternatives, refOf(alt))
		}
		fmt.Fprintf(&text, "%s (%s, engine %s) at %s\nsource: %s, confidence: %s\n%s",
			ref.ID, ref.Name, ref.Engine, ref.Root, d.Source, d.Confidence, d.Reason)
		if len(rep.Alternatives) > 0 {
			text.WriteString("\nalternatives:")
			for _, a := range rep.Alternatives {
				fmt.Fprintf(&text, "\n  %s at %s", a.ID, a.Root)
			}
		}
	}
	return mcp.NewToolResultStructured(rep, text.String()), nil
}
