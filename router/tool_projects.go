package router

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/godot-mcp-router/godot-mcp-router/detect"
	"github.com/godot-mcp-router/godot-mcp-router/store"
)

// How long list_projects and list_versions wait for the first scans of
// the session's folders; after that they answer with what is known.
const catalogWait = 2 * time.Second

const (
	defaultListLimit = 100
	maxListLimit     = 1000
)

// ListedProject is one project in list_projects and list_versions.
type ListedProject struct {
	ID        string    `json:"id" jsonschema:"slug/version, or slug when there is no version: what the project argument takes"`
	Slug      string    `json:"slug"`
	Version   string    `json:"version,omitempty"`
	Name      string    `json:"name,omitempty"`
	Engine    string    `json:"engine,omitempty"`
	Root      string    `json:"root"`
	Supported bool      `json:"supported" jsonschema:"false for Godot 2 projects, which the tools do not serve"`
	Problem   string    `json:"problem,omitempty" jsonschema:"why project.godot could not be read fully"`
	Instance  string    `json:"instance,omitempty" jsonschema:"the state of its instance when one runs: starting, ready, idle, ..."`
	LastUsed  time.Time `json:"last_used,omitzero" jsonschema:"when a call last used it"`
	Current   bool      `json:"current,omitempty" jsonschema:"this session's calls resolve to it"`
}

// ProjectList is what list_projects returns.
type ProjectList struct {
	Projects  []ListedProject `json:"projects"`
	Total     int             `json:"total" jsonschema:"projects matching the filter"`
	Offset    int             `json:"offset"`
	Truncated bool            `json:"truncated" jsonschema:"more projects match: raise offset"`
	Watched   []string        `json:"watched" jsonschema:"the folders the catalog watches for projects"`
	Note      string          `json:"note,omitempty"`
}

// VersionList is what list_versions returns.
type VersionList struct {
	Slug     string          `json:"slug"`
	Versions []ListedProject `json:"versions" jsonschema:"highest version first"`
	Note     string          `json:"note,omitempty"`
}

func listProjectsTool() mcp.Tool {
	return mcp.NewTool("list_projects",
		mcp.WithDescription("List the Godot projects the router knows: every project below the folders it watches (GODOT_PROJECTS_PATH, the folders sessions start in and their parents) and every project a session used, kept current by a file watcher. Answers from the catalog without scanning the disk. Each id is what the `project` argument of the other tools takes."),
		mcp.WithString("filter", mcp.Description("only projects whose id, name or root contains this text (ignoring case)")),
		mcp.WithNumber("limit", mcp.Description(fmt.Sprintf("at most this many projects (default %d, at most %d)", defaultListLimit, maxListLimit))),
		mcp.WithNumber("offset", mcp.Description("skip this many projects first (default 0)")),
		mcp.WithOutputSchema[ProjectList](),
		mcp.WithReadOnlyHintAnnotation(true),
		mcp.WithDestructiveHintAnnotation(false),
		mcp.WithIdempotentHintAnnotation(true),
		mcp.WithOpenWorldHintAnnotation(false),
	)
}

func listVersionsTool() mcp.Tool {
	return mcp.NewTool("list_versions",
		mcp.WithDescription("List the versions of one Godot project (the <slug>/<version>/project.godot layout, or projects sharing a slug), highest first, with which one this session's calls resolve to and which have a running instance."),
		mcp.WithString("project", mcp.Description("the project: a slug, slug/version or path (default: the project this session's calls resolve to)")),
		mcp.WithOutputSchema[VersionList](),
		mcp.WithReadOnlyHintAnnotation(true),
		mcp.WithDestructiveHintAnnotation(false),
		mcp.WithIdempotentHintAnnotation(true),
		mcp.WithOpenWorldHintAnnotation(false),
	)
}

// listedProjects decorates catalog records with what the router knows of
// their use.
func (r *Router) listedProjects(ctx context.Context, recs []store.CatalogProject) []ListedProject {
	states := map[string]string{}
	for _, in := range r.pool.Snapshot() {
		states[in.Root] = in.Status
	}
	used := r.pool.LastUsed()
	current := ""
	if _, cs := stateFrom(ctx); cs != nil {
		if d, err := r.resolve(ctx, cs, ""); err == nil {
			current = d.Project.Root
		}
	}
	out := make([]ListedProject, len(recs))
	for i, rec := range recs {
		id := rec.Slug
		if rec.Version != "" {
			id += "/" + rec.Version
		}
		out[i] = ListedProject{
			ID: id, Slug: rec.Slug, Version: rec.Version, Name: rec.Name, Engine: rec.Engine, Root: rec.Root,
			Supported: rec.Supported, Problem: rec.Problem, Instance: states[rec.Root], LastUsed: used[rec.Root],
			Current: rec.Root == current,
		}
	}
	return out
}

func (r *Router) listProjects(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	args := req.GetArguments()
	filter, err := optString(args, "filter")
	if err != nil {
		return mcp.NewToolResultError("list_projects: " + err.Error()), nil
	}
	limit, err := optInt(args, "limit", defaultListLimit, 1, maxListLimit)
	if err != nil {
		return mcp.NewToolResultError("list_projects: " + err.Error()), nil
	}
	offset, err := optInt(args, "offset", 0, 0, 1<<31-1)
	if err != nil {
		return mcp.NewToolResultError("list_projects: " + err.Error()), nil
	}
	res := ProjectList{Projects: []ListedProject{}, Offset: offset, Watched: []string{}}
	r.projects.Refresh()
	if !r.projects.Wait(catalogWait) {
		res.Note = "some watched folders are still being scanned; projects may be missing"
	}
	var recs []store.CatalogProject
	want := strings.ToLower(strings.TrimSpace(filter))
	for _, rec := range r.projects.List() {
		id := rec.Slug
		if rec.Version != "" {
			id += "/" + rec.Version
		}
		if want != "" && !strings.Contains(strings.ToLower(id), want) && !strings.Contains(strings.ToLower(rec.Name), want) &&
			!strings.Contains(strings.ToLower(rec.Root), want) {
			continue
		}
		recs = append(recs, rec)
	}
	res.Total = len(recs)
	if offset < len(recs) {
		recs = recs[offset:]
	} else {
		recs = nil
	}
	if len(recs) > limit {
		recs, res.Truncated = recs[:limit], true
	}
	res.Projects = r.listedProjects(ctx, recs)
	st := r.projects.Status()
	for _, f := range st.Folders {
		res.Watched = append(res.Watched, f.Path)
	}
	if st.Degraded != "" {
		res.Note = strings.TrimPrefix(res.Note+"; ", "; ") + "the file watcher cannot cover every folder (" + st.Degraded + "): the watched folders were scanned for this answer"
	}

	var text strings.Builder
	switch {
	case res.Total == 0 && want != "":
		fmt.Fprintf(&text, "No known project matches %q.", filter)
	case res.Total == 0:
		text.WriteString("No Godot projects known yet. Set GODOT_PROJECTS_PATH to the folders holding your projects, or start the client in a project's folder.")
	default:
		fmt.Fprintf(&text, "%d project(s)", res.Total)
		if res.Truncated || offset > 0 {
			fmt.Fprintf(&text, ", showing %d from %d", len(res.Projects), offset)
		}
		text.WriteString(":")
		for _, p := range res.Projects {
			writeListed(&text, p)
		}
	}
	if res.Note != "" {
		text.WriteString("\nnote: " + res.Note)
	}
	return mcp.NewToolResultStructured(res, text.String()), nil
}

func writeListed(b *strings.Builder, p ListedProject) {
	fmt.Fprintf(b, "\n  %s  engine %s  %s", p.ID, p.Engine, p.Root)
	var tags []string
	if p.Current {
		tags = append(tags, "current")
	}
	if p.Instance != "" {
		tags = append(tags, "instance "+p.Instance)
	}
	if !p.Supported {
		tags = append(tags, "unsupported (Godot 2)")
	}
	if p.Problem != "" {
		tags = append(tags, "problem: "+p.Problem)
	}
	if len(tags) > 0 {
		b.WriteString("  [" + strings.Join(tags, "; ") + "]")
	}
}

func (r *Router) listVersions(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	arg, err := optString(req.GetArguments(), "project")
	if err != nil {
		return mcp.NewToolResultError("list_versions: " + err.Error()), nil
	}
	arg = strings.Trim(strings.TrimSpace(arg), "/")
	r.projects.Refresh()
	r.projects.Wait(catalogWait)
	all := r.projects.List()
	slug := ""
	for _, rec := range all {
		if strings.EqualFold(rec.Slug, arg) {
			slug = rec.Slug
			break
		}
	}
	if slug == "" {
		_, cs := stateFrom(ctx)
		if cs == nil {
			cs = newClientSession(Env{})
		}
		d, err := r.resolve(ctx, cs, arg)
		if err != nil {
			return mcp.NewToolResultError("list_versions: " + err.Error()), nil
		}
		slug = d.Project.Slug
		r.projects.Add(d.Project)
		all = r.projects.List()
	}
	var recs []store.CatalogProject
	for _, rec := range all {
		if rec.Slug == slug {
			recs = append(recs, rec)
		}
	}
	slices.SortStableFunc(recs, func(a, b store.CatalogProject) int { return detect.CompareVersions(b.Version, a.Version) })
	if len(recs) > maxListLimit {
		recs = recs[:maxListLimit]
	}
	res := VersionList{Slug: slug, Versions: r.listedProjects(ctx, recs)}
	var text strings.Builder
	fmt.Fprintf(&text, "%s: %d version(s), highest first:", slug, len(res.Versions))
	for _, p := range res.Versions {
		writeListed(&text, p)
	}
	return mcp.NewToolResultStructured(res, text.String()), nil
}

// optString reads an optional string argument.
func optString(args map[string]any, name string) (string, error) {
	v, ok := args[name]
	if !ok || v == nil {
		return "", nil
	}
	s, isString := v.(string)
	if !isString {
		return "", fmt.Errorf("argument %q must be a string, got %T", name, v)
	}
	return s, nil
}

// optInt reads an optional whole-number argument within [lo, hi].
func optInt(args map[string]any, name string, def, lo, hi int) (int, error) {
	v, ok := args[name]
	if !ok || v == nil {
		return def, nil
	}
	f, isNum := v.(float64)
	if !isNum || f != float64(int64(f)) {
		return 0, fmt.Errorf("argument %q must be a whole number, got %v", name, v)
	}
	if f < float64(lo) || f > float64(hi) {
		return 0, fmt.Errorf("argument %q must be between %d and %d, got %v", name, lo, hi, v)
	}
	return int(f), nil
}
