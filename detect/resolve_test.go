package detect

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestResolve(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"games/noxii/0.9/project.godot":         godot4("Noxii"),
		"games/noxii/0.16/project.godot":        godot4("Noxii"),
		"games/noxii/0.16/src/deep/x.gd":        "",
		"games/solo/project.godot":              godot4("Solo", `config/version="2.0"`),
		"games/solo/addons/inner/project.godot": godot4("Inner Tool"),
		"single/only/project.godot":             godot3("Only One"),
		"empty/nothing/":                        "",
		"old/engine.cfg":                        godot2,
		"old/sub/":                              "",
		"mixed/a/project.godot":                 godot4("Alpha"),
		"mixed/b/engine.cfg":                    godot2,
		"broken/project.godot":                  "config_version=5\n[application]\nconfig/name=\"Broken\"\nrun/main_scene=[\n",
		"link -> games/noxii/0.16/src":          "",
	})
	t.Setenv("HOME", dir) // for "~/..." arguments
	p := func(rel string) string { return filepath.Join(dir, rel) }
	noxii16, err := Load(p("games/noxii/0.16"))
	if err != nil {
		t.Fatal(err)
	}
	noxii9, _ := Load(p("games/noxii/0.9"))
	solo, _ := Load(p("games/solo"))
	gone := Project{Root: p("gone"), Slug: "gone", Supported: true}

	tests := []struct {
		name       string
		req        Request
		root       string // relative; "" when an error is expected
		source     string
		confidence string
		alts       int
		reason     string // substring of Reason, or of the error
		err        error
	}{
		{"workdir deep inside a project", Request{WorkDir: p("games/noxii/0.16/src/deep")},
			"games/noxii/0.16", SourceWorkDir, ConfidenceHigh, 0, "is inside project " + p("games/noxii/0.16") + " (project.godot found 2 levels up)", nil},
		{"workdir through a symlink", Request{WorkDir: p("link")},
			"games/noxii/0.16", SourceWorkDir, ConfidenceHigh, 0, "found 1 level up", nil},
		{"nested project: nearest wins", Request{WorkDir: p("games/solo/addons/inner")},
			"games/solo/addons/inner", SourceWorkDir, ConfidenceHigh, 0, "project.godot is in the folder itself", nil},
		{"one project below: low", Request{WorkDir: p("single")},
			"single/only", SourceWorkDir, ConfidenceLow, 0, "the only one below it", nil},
		{"versions below: highest version", Request{WorkDir: p("games/noxii")},
			"games/noxii/0.16", SourceWorkDir, ConfidenceMedium, 1, "as the highest version", nil},
		{"versions below: most recently used", Request{WorkDir: p("games/noxii"), LastUsed: map[string]time.Time{p("games/noxii/0.9"): time.Now()}},
			"games/noxii/0.9", SourceWorkDir, ConfidenceMedium, 1, "as the most recently used", nil},
		{"many below: highest version across slugs", Request{WorkDir: p("games")},
			"games/solo", SourceWorkDir, ConfidenceMedium, 2, "holds 3 projects; chose solo/2.0 (" + p("games/solo") + ") as the highest version", nil},
		{"roots first", Request{Roots: []string{p("single")}, WorkDir: p("games/solo")},
			"single/only", SourceRoots, ConfidenceLow, 0, "root " + p("single"), nil},
		{"roots: workdir inside a candidate wins", Request{Roots: []string{p("games"), p("single")}, WorkDir: p("games/solo/addons")},
			"games/solo", SourceRoots, ConfidenceHigh, 3, "workdir " + p("games/solo/addons") + " is inside " + p("games/solo") + ", one of 4 projects", nil},
		{"roots: several by the rule", Request{Roots: []string{p("games/noxii"), p("single")}},
			"games/noxii/0.16", SourceRoots, ConfidenceMedium, 2, "the session's 2 roots hold 3 projects; chose noxii/0.16", nil},
		{"roots with nothing fall to workdir", Request{Roots: []string{p("empty")}, WorkDir: p("games/solo")},
			"games/solo", SourceWorkDir, ConfidenceHigh, 0, "", nil},
		{"CLAUDE_PROJECT_DIR fallback", Request{WorkDir: p("empty"), EnvProjectDir: p("games/solo")},
			"games/solo", SourceEnv, ConfidenceHigh, 0, "CLAUDE_PROJECT_DIR " + p("games/solo") + " is inside", nil},
		{"broken project.godot still resolves", Request{WorkDir: p("broken")},
			"broken", SourceWorkDir, ConfidenceHigh, 0, "its settings could not all be read", nil},
		{"godot 2 is refused", Request{WorkDir: p("old/sub")},
			"", "", "", 0, "Godot 2 project (engine.cfg) at " + p("old") + " is not supported; Godot 3 and 4 are", ErrUnsupported},
		{"godot 2 below is skipped for a supported one", Request{WorkDir: p("mixed")},
			"mixed/a", SourceWorkDir, ConfidenceLow, 0, "", nil},
		{"nothing anywhere", Request{WorkDir: p("empty"), Known: []Project{noxii16, solo}},
			"", "", "", 0, "noxii/0.16 (" + p("games/noxii/0.16") + "), solo/2.0 (" + p("games/solo") + "); pass the project argument", ErrNoProject},
		{"nothing given", Request{},
			"", "", "", 0, "no project argument, roots, working directory or CLAUDE_PROJECT_DIR was given; no projects are known yet", ErrNoProject},
		{"argument: absolute path", Request{Project: p("games/noxii/0.9/"), WorkDir: p("games/solo")},
			"games/noxii/0.9", SourceArgument, ConfidenceHigh, 0, "names a folder", nil},
		{"argument: relative path", Request{Project: "noxii/0.9", WorkDir: p("games")},
			"games/noxii/0.9", SourceArgument, ConfidenceHigh, 0, "", nil},
		{"argument: folder of versions", Request{Project: p("games/noxii")},
			"games/noxii/0.16", SourceArgument, ConfidenceMedium, 1, "highest version", nil},
		{"argument: folder without a project", Request{Project: p("empty")},
			"", "", "", 0, "not inside a project", ErrNoProject},
		{"argument: slug/version from Known", Request{Project: "Noxii/0.9", Known: []Project{noxii16, noxii9, solo}},
			"games/noxii/0.9", SourceArgument, ConfidenceHigh, 0, `matches the id of project noxii/0.9`, nil},
		{"argument: slug picks by the rule", Request{Project: "noxii", Known: []Project{noxii9, noxii16}},
			"games/noxii/0.16", SourceArgument, ConfidenceMedium, 1, "matches the slug of 2 projects; chose noxii/0.16", nil},
		{"argument: slug found by scanning the workdir", Request{Project: "solo", WorkDir: p("games")},
			"games/solo", SourceArgument, ConfidenceHigh, 0, "", nil},
		{"argument: sibling version found from inside another", Request{Project: "noxii/0.9", WorkDir: p("games/noxii/0.16/src")},
			"games/noxii/0.9", SourceArgument, ConfidenceHigh, 0, "", nil},
		{"argument: stale catalog entry ignored", Request{Project: "gone", Known: []Project{gone, solo}},
			"", "", "", 0, "solo/2.0 (" + p("games/solo") + ")", ErrUnknownProject},
		{"argument: unknown lists known ids", Request{Project: "nope/1.0", Known: []Project{noxii16, solo}},
			"", "", "", 0, `resolving project "nope/1.0": it is not an existing folder nor the id of a known project (known projects: noxii/0.16`, ErrUnknownProject},
		{"argument: home path", Request{Project: "~/games/solo"},
			"games/solo", SourceArgument, ConfidenceHigh, 0, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Resolve(tt.req)
			if tt.err != nil {
				if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.reason) {
					t.Fatalf("error = %v\nwant errors.Is %v and text %q", err, tt.err, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if want := p(tt.root); d.Project.Root != want {
				t.Errorf("root = %s, want %s\nreason: %s", d.Project.Root, want, d.Reason)
			}
			if d.Source != tt.source || d.Confidence != tt.confidence || len(d.Alternatives) != tt.alts {
				t.Errorf("source %s, confidence %s, %d alternatives; want %s, %s, %d\nreason: %s",
					d.Source, d.Confidence, len(d.Alternatives), tt.source, tt.confidence, tt.alts, d.Reason)
			}
			if !strings.Contains(d.Reason, tt.reason) {
				t.Errorf("reason = %q\nwant it to contain %q", d.Reason, tt.reason)
			}
			for _, a := range d.Alternatives {
				if a.Root == d.Project.Root {
					t.Errorf("the chosen project is among the alternatives")
				}
			}
		})
	}
}

func TestResolveBoundsAlternatives(t *testing.T) {
	files := map[string]string{}
	for i := range 30 {
		files[filepath.Join("many", string(rune('a'+i%26))+strings.Repeat("x", i/26), "project.godot")] = godot4("P")
	}
	dir := writeTree(t, files)
	d, err := Resolve(Request{WorkDir: filepath.Join(dir, "many")})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Alternatives) != maxAlternatives || d.Confidence != ConfidenceMedium || !strings.Contains(d.Reason, "first by folder") {
		t.Errorf("%d alternatives, %s: %s", len(d.Alternatives), d.Confidence, d.Reason)
	}
	// The error message lists known projects, bounded.
	var known []Project
	for range 25 {
		known = append(known, d.Project)
	}
	_, err = Resolve(Request{Project: "zzz", Known: known})
	if err == nil || !strings.Contains(err.Error(), "and 5 more") {
		t.Errorf("error = %v", err)
	}
}

func TestExplain(t *testing.T) {
	d := Decision{
		Project:      Project{Root: "/p/noxii/0.16", Name: "Noxii", Slug: "noxii", Version: "0.16", Engine: "4.3", EngineMajor: 4, Supported: true, MainScene: "res://main.tscn"},
		Source:       SourceWorkDir,
		Confidence:   ConfidenceMedium,
		Reason:       "workdir /p/noxii holds 2 projects; chose noxii/0.16 (/p/noxii/0.16) as the highest version",
		Alternatives: []Project{{Root: "/p/noxii/0.9", Slug: "noxii", Version: "0.9"}},
	}
	want := `project:     noxii/0.16
root:        /p/noxii/0.16
name:        Noxii
engine:      Godot 4.3
main scene:  res://main.tscn
source:      workdir
confidence:  medium
reason:      workdir /p/noxii holds 2 projects; chose noxii/0.16 (/p/noxii/0.16) as the highest version
alternatives (pass project=<id> to choose one):
  noxii/0.9                /p/noxii/0.9
`
	if got := Explain(d); got != want {
		t.Errorf("Explain =\n%s\nwant\n%s", got, want)
	}
}

// Request.Below answers for a folder instead of a scan; when it declines,
// the folder is scanned.
func TestResolveAsksBelow(t *testing.T) {
	dir := t.TempDir()
	real, _ := filepath.EvalSymlinks(dir)
	catalog := Project{Root: filepath.Join(real, "only-in-the-catalog"), Slug: "cat", Supported: true, Engine: "4.x", EngineMajor: 4}
	asked := 0
	below := func(d string, depth int) ([]Project, map[string]string, bool) {
		asked++
		return []Project{catalog}, nil, true
	}
	d, err := Resolve(Request{WorkDir: dir, Below: below})
	if err != nil || d.Project.Root != catalog.Root || asked != 1 {
		t.Fatalf("with Below: %+v %v (asked %d)", d.Project, err, asked)
	}
	declines := func(string, int) ([]Project, map[string]string, bool) { return nil, nil, false }
	if _, err := Resolve(Request{WorkDir: dir, Below: declines}); !errors.Is(err, ErrNoProject) {
		t.Fatalf("a declining Below must lead to a scan, which finds nothing here: %v", err)
	}
}
