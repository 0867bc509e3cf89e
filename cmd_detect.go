package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/detect"
	"github.com/godot-mcp-router/godot-mcp-router/store"
)

// runDetect prints which project a folder resolves to, and why.
func runDetect(args []string) error {
	fs := flag.NewFlagSet("godot-mcp-router detect", flag.ContinueOnError)
	project := fs.String("project", "", "resolve this project argument (a path, slug/version or slug)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	req := detect.Request{Project: *project}
	switch fs.NArg() {
	case 0:
		wd, err := os.Getwd()
		if err != nil {
			return fmt.Errorf("detect: %w", err)
		}
		req.WorkDir = wd
		req.EnvProjectDir = os.Getenv("CLAUDE_PROJECT_DIR")
	case 1:
		dir, err := filepath.Abs(fs.Arg(0))
		if err != nil {
			return fmt.Errorf("detect: %w", err)
		}
		req.WorkDir = dir
	default:
		return fmt.Errorf("detect: one folder at most")
	}
	req.Known, req.LastUsed = knownProjects()

	d, err := detect.Resolve(req)
	if err != nil {
		return err
	}
	fmt.Print(detect.Explain(d))
	return nil
}

// knownProjects reads the registry, if it can be read at once: a running
// router holds the file, and then slugs resolve from the disk alone.
func knownProjects() ([]detect.Project, map[string]time.Time) {
	path, err := store.DefaultPath()
	if err != nil {
		return nil, nil
	}
	if _, err := os.Stat(path); err != nil {
		return nil, nil
	}
	st, err := store.Open(path, &store.Options{Timeout: 100 * time.Millisecond, ReadOnly: true})
	if err != nil {
		return nil, nil
	}
	defer st.Close()
	recs, err := st.Instances()
	if err != nil {
		return nil, nil
	}
	var known []detect.Project
	used := map[string]time.Time{}
	for _, r := range recs {
		known = append(known, detect.Project{Root: r.Root, Slug: r.Slug, Version: r.Version, Engine: r.Engine, Supported: true})
		if !r.LastActivity.IsZero() {
			used[r.Root] = r.LastActivity
		}
	}
	return known, used
}
