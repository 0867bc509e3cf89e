package instance

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/godot-mcp-router/godot-mcp-router/detect"
)

// VersionEntry is one version of the project.
type VersionEntry struct {
	ID       string    `json:"id"`
	Version  string    `json:"version,omitempty"`
	Root     string    `json:"root"`
	Engine   string    `json:"engine"`
	Modified time.Time `json:"modified" jsonschema:"when its project.godot last changed"`
	Current  bool      `json:"current"`
}

// VersionInfo is what get_version_info returns.
type VersionInfo struct {
	Slug     string         `json:"slug"`
	Current  VersionEntry   `json:"current"`
	Versions []VersionEntry `json:"versions" jsonschema:"this version and its siblings (<slug>/<version>/ folders), highest first"`
}

func versionInfoTool() tool {
	return tool{
		def: mcp.NewTool("get_version_info",
			mcp.WithDescription("This project version beside its sibling versions (the <slug>/<version>/ layout, e.g. noxii/0.16 next to noxii/0.15): id, engine, root and last change of each."),
			readOnly()),
		handle: (*Server).getVersionInfo,
		out:    mcp.WithOutputSchema[VersionInfo](),
	}
}

func (s *Server) getVersionInfo(_ context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	cur, _ := detect.Load(s.root)
	entry := func(p detect.Project) VersionEntry {
		return VersionEntry{ID: p.ID(), Version: p.Version, Root: p.Root, Engine: p.Engine, Modified: p.ModTime, Current: p.Root == s.root}
	}
	out := VersionInfo{Slug: cur.Slug, Current: entry(cur), Versions: []VersionEntry{}}
	siblings, _ := detect.Scan(filepath.Dir(s.root), detect.ScanOptions{MaxDepth: 1, MaxDirs: 500})
	for _, p := range siblings {
		if p.Slug == cur.Slug && p.Supported {
			out.Versions = append(out.Versions, entry(p))
		}
	}
	if len(out.Versions) == 0 {
		out.Versions = append(out.Versions, out.Current)
	}
	// detect.Scan sorts by slug, then version ascending; show the newest first.
	for i, j := 0, len(out.Versions)-1; i < j; i, j = i+1, j-1 {
		out.Versions[i], out.Versions[j] = out.Versions[j], out.Versions[i]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d version(s)\n", out.Slug, len(out.Versions))
	for _, v := range out.Versions {
		mark := ""
		if v.Current {
			mark = " (this one)"
		}
		fmt.Fprintf(&b, "  %s engine %s at %s, changed %s%s\n", v.ID, v.Engine, v.Root, v.Modified.Format(time.DateTime), mark)
	}
	return structured(out, strings.TrimRight(b.String(), "\n")), nil
}
