package detect

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Request is what a tool call tells us about where it runs.
type Request struct {
	Project       string               // the tool's explicit project argument: a path (absolute, relative to WorkDir, or ~/...), "slug/version", or "slug"
	Roots         []string             // the session's MCP roots, as filesystem paths
	WorkDir       string               // the session's working directory
	EnvProjectDir string               // CLAUDE_PROJECT_DIR
	Known         []Project            // the caller's catalog: for id lookups and for error messages
	LastUsed      map[string]time.Time // Root -> when a call last used it, for the rule
	Scan          ScanOptions          // bounds for scanning below a folder; zero means the defaults
	// Below, when set, answers for a folder that is not inside a project
	// which projects lie below it within depth levels, from a catalog kept
	// current by a watcher, instead of a scan of the disk. ok false means
	// the catalog does not cover that folder to that depth (or is not
	// trusted now): the folder is scanned.
	Below func(dir string, depth int) (projects []Project, problems map[string]string, ok bool)
}

// Where a Decision came from.
const (
	SourceArgument = "argument"
	SourceRoots    = "roots"
	SourceWorkDir  = "workdir"
	SourceEnv      = "CLAUDE_PROJECT_DIR"
)

// How sure a Decision is.
const (
	ConfidenceHigh   = "high"   // explicit argument, or the folder is inside exactly one project
	ConfidenceMedium = "medium" // chosen among several by the rule
	ConfidenceLow    = "low"    // the only project found by scanning below a folder that is not one
)

// Decision is the project a request resolved to, and why.
type Decision struct {
	Project      Project
	Source       string    // SourceArgument, SourceRoots, SourceWorkDir or SourceEnv
	Confidence   string    // ConfidenceHigh, ConfidenceMedium or ConfidenceLow
	Reason       string    // for people: why this project
	Alternatives []Project // the other candidates, best first, at most maxAlternatives
}

const (
	maxAlternatives = 20 // candidates kept in a Decision
	maxListed       = 20 // projects listed in an error message
)

// Resolve picks the project a request is about; see the package notes for
// the order and the rule. Errors wrap ErrNoProject (nothing found; the
// message lists the known projects), ErrUnknownProject (an argument
// matching nothing) or ErrUnsupported (a Godot 2 project).
func Resolve(req Request) (Decision, error) {
	if arg := strings.TrimSpace(req.Project); arg != "" {
		return resolveArgument(req, arg)
	}
	r := resolver{req: req, workDir: realOrEmpty(req.WorkDir)}
	if len(req.Roots) > 0 {
		if d, ok, err := r.fromFolders(SourceRoots, req.Roots); ok || err != nil {
			return d, err
		}
	}
	for _, src := range []struct{ name, dir string }{{SourceWorkDir, req.WorkDir}, {SourceEnv, req.EnvProjectDir}} {
		if strings.TrimSpace(src.dir) == "" {
			continue
		}
		if d, ok, err := r.fromFolders(src.name, []string{src.dir}); ok || err != nil {
			return d, err
		}
	}
	return Decision{}, r.noProjectError()
}

// resolver carries one Resolve call's inputs and notes.
type resolver struct {
	req     Request
	workDir string   // resolved WorkDir, "" when unset or unreadable
	looked  []string // what each folder gave, for the error when nothing is found
}

// candidate is a project found from a folder.
type candidate struct {
	p       Project
	from    string // the resolved folder it was found from
	levels  int    // how far up from `from` its root is; -1 when found by scanning below
	loadErr error  // a settings problem that did not stop us
}

// look collects the candidates of one folder: the project it is inside,
// or else the projects below it. Godot 2 projects come back apart.
func (r *resolver) look(label, dir string) (cands []candidate, unsupported []Project) {
	real, err := realDir(ExpandHome(dir))
	if err != nil {
		r.looked = append(r.looked, fmt.Sprintf("%s %s (cannot be read: %v)", label, dir, err))
		return nil, nil
	}
	if root, levels, err := findRoot(real); err == nil {
		p, err := load(root)
		if errors.Is(err, ErrUnsupported) {
			return nil, []Project{p}
		}
		return []candidate{{p: p, from: real, levels: levels, loadErr: err}}, nil
	}
	opts := r.req.Scan.withDefaults()
	found, err := r.below(real, opts)
	for _, f := range found {
		if !f.p.Supported {
			unsupported = append(unsupported, f.p)
			continue
		}
		cands = append(cands, candidate{p: f.p, from: real, levels: -1, loadErr: f.err})
	}
	switch {
	case err != nil && !errors.Is(err, ErrScanLimit):
		r.looked = append(r.looked, fmt.Sprintf("%s %s (%v)", label, real, err))
	case len(cands) == 0 && len(unsupported) == 0:
		note := fmt.Sprintf("%s %s (not inside a project, none below it within %d levels)", label, real, opts.MaxDepth)
		if err != nil {
			note = fmt.Sprintf("%s %s (not inside a project, none below it in the first %d folders)", label, real, opts.MaxDirs)
		}
		r.looked = append(r.looked, note)
	}
	return cands, unsupported
}

// below is scan(dir), answered from the catalog when Request.Below covers
// the folder.
func (r *resolver) below(dir string, opts ScanOptions) ([]scanned, error) {
	if r.req.Below != nil {
		if ps, problems, ok := r.req.Below(dir, opts.MaxDepth); ok {
			found := make([]scanned, len(ps))
			for i, p := range ps {
				found[i].p = p
				if msg := problems[p.Root]; msg != "" {
					found[i].err = errors.New(msg)
				}
			}
			slices.SortFunc(found, func(a, b scanned) int { return compareProjects(a.p, b.p) })
			return found, nil
		}
	}
	return scan(dir, opts)
}

// fromFolders resolves from the folders of one source. ok is false when
// they hold no project, so that the next source is tried.
func (r *resolver) fromFolders(source string, dirs []string) (d Decision, ok bool, err error) {
	label := folderLabel(source)
	var cands []candidate
	var unsupported []Project
	for _, dir := range dirs {
		c, u := r.look(label, dir)
		cands, unsupported = append(cands, c...), append(unsupported, u...)
	}
	cands = dedupe(cands)
	if len(cands) == 0 {
		if len(unsupported) > 0 {
			return Decision{}, true, fmt.Errorf("resolving the project from %s: %w", label, unsupportedError(unsupported[0].Root))
		}
		return Decision{}, false, nil
	}
	d = Decision{Source: source}
	if len(cands) == 1 {
		c := cands[0]
		d.Project, d.Confidence = c.p, ConfidenceLow
		if c.levels >= 0 {
			d.Confidence = ConfidenceHigh
			d.Reason = fmt.Sprintf("%s %s is inside project %s (%s)", label, c.from, c.p.Root, levelsText(c.levels))
		} else {
			d.Reason = fmt.Sprintf("%s %s is not inside a project; the only one below it is %s", label, c.from, c.p.Root)
		}
		if source == SourceArgument {
			d.Confidence = ConfidenceHigh // asked for by name
		}
		return withLoadNote(d, c.loadErr), true, nil
	}
	// Several: the one holding the working directory, else the rule.
	if c, ok := deepestHolding(cands, r.workDir); ok {
		d.Project, d.Confidence = c.p, ConfidenceHigh
		d.Alternatives = bounded(others(cands, c.p.Root))
		d.Reason = fmt.Sprintf("workdir %s is inside %s, one of %d projects found from %s", r.workDir, c.p.Root, len(cands), sourcePhrase(source, len(dirs)))
		return withLoadNote(d, c.loadErr), true, nil
	}
	best, rest, why := pick(cands, r.req.LastUsed)
	d.Project, d.Confidence, d.Alternatives = best.p, ConfidenceMedium, bounded(rest)
	where := fmt.Sprintf("%s %s holds", label, cands[0].from)
	if len(dirs) > 1 {
		where = fmt.Sprintf("the session's %d roots hold", len(dirs))
	}
	d.Reason = fmt.Sprintf("%s %d projects; chose %s (%s) as %s", where, len(cands), best.p.ID(), best.p.Root, why)
	return withLoadNote(d, best.loadErr), true, nil
}

// folderLabel names one folder of a source in reasons: "root /x".
func folderLabel(source string) string {
	switch source {
	case SourceRoots:
		return "root"
	case SourceArgument:
		return "folder"
	}
	return source
}

// sourcePhrase names a source's folders in reasons: "the session's roots".
func sourcePhrase(source string, n int) string {
	switch {
	case source == SourceRoots && n > 1:
		return "the session's roots"
	case source == SourceRoots:
		return "the session's root"
	}
	return "the " + folderLabel(source)
}

func levelsText(n int) string {
	switch n {
	case 0:
		return "project.godot is in the folder itself"
	case 1:
		return "project.godot found 1 level up"
	}
	return fmt.Sprintf("project.godot found %d levels up", n)
}

func withLoadNote(d Decision, err error) Decision {
	if err != nil {
		d.Reason += fmt.Sprintf("; its settings could not all be read (%v)", err)
	}
	return d
}

// dedupe keeps the first candidate of each root, preferring one found by
// walking up (it carries the more useful reason).
func dedupe(cands []candidate) []candidate {
	var out []candidate
	index := map[string]int{}
	for _, c := range cands {
		if i, ok := index[c.p.Root]; ok {
			if out[i].levels < 0 && c.levels >= 0 {
				out[i] = c
			}
			continue
		}
		index[c.p.Root] = len(out)
		out = append(out, c)
	}
	return out
}

// deepestHolding returns the candidate whose root holds dir, the deepest
// one when projects nest.
func deepestHolding(cands []candidate, dir string) (candidate, bool) {
	var best candidate
	found := false
	for _, c := range cands {
		if dir != "" && isInside(c.p.Root, dir) && (!found || len(c.p.Root) > len(best.p.Root)) {
			best, found = c, true
		}
	}
	return best, found
}

func isInside(root, path string) bool {
	if root == path || root == string(filepath.Separator) {
		return true
	}
	return strings.HasPrefix(path, root+string(filepath.Separator))
}

func others(cands []candidate, root string) []Project {
	var out []Project
	for _, c := range cands {
		if c.p.Root != root {
			out = append(out, c.p)
		}
	}
	return out
}

func bounded(ps []Project) []Project {
	if len(ps) > maxAlternatives {
		ps = ps[:maxAlternatives]
	}
	return ps
}

// pick applies the rule: most recently used, else highest version, else
// first by slug, then by root. It returns the best, the rest in rule order,
// and which part of the rule decided.
func pick(cands []candidate, lastUsed map[string]time.Time) (candidate, []Project, string) {
	sorted := slices.Clone(cands)
	order := func(a, b candidate) int {
		return cmp.Or(
			lastUsed[b.p.Root].Compare(lastUsed[a.p.Root]),
			compareVersions(b.p.Version, a.p.Version),
			cmp.Compare(a.p.Slug, b.p.Slug),
			cmp.Compare(a.p.Root, b.p.Root))
	}
	slices.SortFunc(sorted, order)
	best, second := sorted[0], sorted[1]
	var why string
	switch {
	case lastUsed[best.p.Root].After(lastUsed[second.p.Root]):
		why = "the most recently used (" + lastUsed[best.p.Root].Format(time.RFC3339) + ")"
	case compareVersions(best.p.Version, second.p.Version) > 0:
		why = "the highest version"
	case best.p.Slug != second.p.Slug:
		why = "the first by slug"
	default:
		why = "the first by folder"
	}
	rest := make([]Project, 0, len(sorted)-1)
	for _, c := range sorted[1:] {
		rest = append(rest, c.p)
	}
	return best, rest, why
}

// resolveArgument handles an explicit project argument.
func resolveArgument(req Request, arg string) (Decision, error) {
	r := resolver{req: req, workDir: realOrEmpty(req.WorkDir)}
	if path, ok := argumentPath(req, arg); ok {
		d, ok, err := r.fromFolders(SourceArgument, []string{path})
		if err != nil {
			return Decision{}, fmt.Errorf("resolving project %q: %w", arg, err)
		}
		if ok {
			d.Reason = fmt.Sprintf("argument %q names a folder: %s", arg, d.Reason)
			return d, nil
		}
		return Decision{}, fmt.Errorf("resolving project %q: %s: %w", arg, strings.Join(r.looked, "; "), ErrNoProject)
	}
	return r.fromID(arg)
}

// argumentPath returns the argument as an existing path, if it is one.
func argumentPath(req Request, arg string) (string, bool) {
	path := ExpandHome(arg)
	if !filepath.IsAbs(path) {
		if req.WorkDir == "" {
			return "", false // relative to nothing we know: an id
		}
		path = filepath.Join(ExpandHome(req.WorkDir), path)
	}
	if _, err := os.Stat(path); err != nil {
		return "", false
	}
	return path, true
}

// ExpandHome turns a leading ~ of a path into the home folder.
func ExpandHome(path string) string {
	if path != "~" && !strings.HasPrefix(path, "~/") {
		return path
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return path
	}
	return filepath.Join(home, path[1:])
}

func realOrEmpty(dir string) string {
	if dir == "" {
		return ""
	}
	real, err := realDir(ExpandHome(dir))
	if err != nil {
		return ""
	}
	return real
}

// fromID matches the argument as "slug/version" or "slug" against the
// known projects, and only when none matches, against the projects the
// session's folders lead to.
func (r *resolver) fromID(arg string) (Decision, error) {
	want := strings.Trim(arg, "/")
	var live []Project
	for _, p := range r.req.Known {
		if fileExists(filepath.Join(p.Root, projectFile)) || fileExists(filepath.Join(p.Root, godot2File)) {
			live = append(live, p) // a stale catalog entry is not a match
		}
	}
	pool := live
	matches, how := matchID(live, want)
	if len(matches) == 0 {
		found := r.discover()
		pool = append(pool, found...)
		matches, how = matchID(found, want)
	}
	var cands []candidate
	var unsupported []Project
	for _, p := range matches {
		if !p.Supported {
			unsupported = append(unsupported, p)
			continue
		}
		cands = append(cands, candidate{p: p, levels: -1})
	}
	cands = dedupe(cands)
	switch {
	case len(cands) == 0 && len(unsupported) > 0:
		return Decision{}, fmt.Errorf("resolving project %q: %w", arg, unsupportedError(unsupported[0].Root))
	case len(cands) == 0:
		return Decision{}, fmt.Errorf("resolving project %q: it is not an existing folder nor the id of a known project (%s); pass a folder path or one of these ids: %w",
			arg, listProjects(pool), ErrUnknownProject)
	case len(cands) == 1:
		p := cands[0].p
		return Decision{Project: p, Source: SourceArgument, Confidence: ConfidenceHigh,
			Reason: fmt.Sprintf("argument %q matches the %s of project %s at %s", arg, how, p.ID(), p.Root)}, nil
	}
	best, rest, why := pick(cands, r.req.LastUsed)
	return Decision{Project: best.p, Source: SourceArgument, Confidence: ConfidenceMedium, Alternatives: bounded(rest),
		Reason: fmt.Sprintf("argument %q matches the %s of %d projects; chose %s (%s) as %s", arg, how, len(cands), best.p.ID(), best.p.Root, why)}, nil
}

// matchID returns the projects whose id equals want, else those whose
// slug does, ignoring case; how says which.
func matchID(ps []Project, want string) ([]Project, string) {
	var byID, bySlug []Project
	for _, p := range ps {
		if strings.EqualFold(p.ID(), want) {
			byID = append(byID, p)
		} else if strings.EqualFold(p.Slug, want) {
			bySlug = append(bySlug, p)
		}
	}
	if len(byID) > 0 {
		return byID, "id"
	}
	return bySlug, "slug"
}

// discover returns the projects the session's folders lead to: the one
// each is inside, or those below it, and for a project in the
// <slug>/<version> layout, its sibling versions.
func (r *resolver) discover() []Project {
	var dirs []string
	dirs = append(dirs, r.req.Roots...)
	dirs = append(dirs, r.req.WorkDir, r.req.EnvProjectDir)
	var out []Project
	seen := map[string]bool{}
	add := func(p Project) {
		if !seen[p.Root] {
			seen[p.Root] = true
			out = append(out, p)
		}
	}
	for _, dir := range dirs {
		if strings.TrimSpace(dir) == "" {
			continue
		}
		cands, unsupported := r.look("folder", dir)
		for _, c := range cands {
			add(c.p)
			if c.levels >= 0 && c.p.Version != "" && c.p.Version == filepath.Base(c.p.Root) {
				siblings, _ := Scan(filepath.Dir(c.p.Root), ScanOptions{MaxDepth: 1, MaxDirs: r.req.Scan.withDefaults().MaxDirs})
				for _, s := range siblings {
					add(s)
				}
			}
		}
		for _, p := range unsupported {
			add(p)
		}
	}
	return out
}

// noProjectError says where we looked, which projects we know, and what
// to do.
func (r *resolver) noProjectError() error {
	looked := "no project argument, roots, working directory or CLAUDE_PROJECT_DIR was given"
	if len(r.looked) > 0 {
		looked = "looked in " + strings.Join(r.looked, "; ")
	}
	return fmt.Errorf("resolving the project: %w: %s; %s; pass the project argument (a folder path, or one of these ids)",
		ErrNoProject, looked, listProjects(r.req.Known))
}

// listProjects names up to maxListed projects with their roots.
func listProjects(ps []Project) string {
	if len(ps) == 0 {
		return "no projects are known yet"
	}
	sorted := slices.Clone(ps)
	slices.SortFunc(sorted, compareProjects)
	var parts []string
	for i, p := range sorted {
		if i == maxListed {
			parts = append(parts, fmt.Sprintf("and %d more", len(sorted)-maxListed))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", p.ID(), p.Root))
	}
	return "known projects: " + strings.Join(parts, ", ")
}
