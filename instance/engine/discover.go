package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/detect"
)

// The errors of Choose; match them with errors.Is.
var (
	// ErrNoEngine: no Godot binary was found at all.
	ErrNoEngine = errors.New("no Godot engine found")
	// ErrWrongMajor: Godot binaries were found, none of the project's major version.
	ErrWrongMajor = errors.New("no Godot engine of the project's major version")
)

// Binary is one Godot executable found on this machine.
type Binary struct {
	Path    string `json:"path" jsonschema:"where it was found"`
	Source  string `json:"source" jsonschema:"GODOT_BIN, PATH or app bundle"`
	Version string `json:"version,omitempty" jsonschema:"what --version printed, e.g. 4.3.stable.official.77dcf97d8"`
	Major   int    `json:"major,omitempty"`
	Minor   int    `json:"minor,omitempty"`
	Patch   int    `json:"patch,omitempty"`
	Mono    bool   `json:"mono,omitempty" jsonschema:"a .NET (C#) build"`
	Err     string `json:"error,omitempty" jsonschema:"why it cannot be used"`

	real string // symlinks resolved
}

// Usable reports whether the binary answered --version with a Godot version.
func (b Binary) Usable() bool { return b.Err == "" && b.Major > 0 }

// TemplatesName is the name of the folder Godot keeps this version's export
// templates in: "3.2.3.stable", "4.3.stable", "4.2.1.stable.mono".
func (b Binary) TemplatesName() string {
	v := strconv.Itoa(b.Major) + "." + strconv.Itoa(b.Minor)
	if b.Patch > 0 {
		v += "." + strconv.Itoa(b.Patch)
	}
	status := "stable"
	fields := strings.Split(b.Version, ".")
	for i, f := range fields {
		if _, err := strconv.Atoi(f); err != nil {
			status = f
			if i+1 < len(fields) && fields[i+1] == "mono" {
				status += ".mono"
			}
			break
		}
	}
	return v + "." + status
}

// Finder finds the Godot binaries of this machine and asks each its version
// once (per file: a binary replaced in place is asked again).
type Finder struct {
	// Getenv reads the environment (GODOT_BIN, PATH, HOME); nil: os.Getenv.
	Getenv func(string) string
	// VersionTimeout bounds one --version; 0: 10 s.
	VersionTimeout time.Duration

	mu    sync.Mutex                // guards the caches
	cache map[fileKey]versionAnswer // --version answers by file
	dirs  map[string]dirNames       // Godot's names in each PATH folder
}

type fileKey struct {
	path  string
	size  int64
	mtime int64
	ino   uint64
}

type versionAnswer struct {
	text string
	err  error
}

// releaseNames are the names Godot's downloads and packages use, matched
// against the files of each PATH folder.
var releaseNames = []string{
	"Godot_v*_linux.x86_64", "Godot_v*_linux.arm64", "Godot_v*_linux.x86_32",
	"Godot_v*_x11.64", "Godot_v*_x11.32", "Godot_v*_linux_x86_64", "Godot_v*_mono_linux_x86_64",
}

// plainNames are looked up in each PATH folder, in this order.
var plainNames = []string{"godot", "godot4", "godot3", "godot3-server", "godot-server", "godot-mono", "godot4-mono"}

// appBundles are where macOS keeps Godot (with ~ for the home folder).
var appBundles = []string{
	"/Applications/Godot.app/Contents/MacOS/Godot",
	"/Applications/Godot_mono.app/Contents/MacOS/Godot",
	"~/Applications/Godot.app/Contents/MacOS/Godot",
	"/Applications/Godot*.app/Contents/MacOS/Godot",
}

func (f *Finder) getenv(k string) string {
	if f.Getenv != nil {
		return f.Getenv(k)
	}
	return os.Getenv(k)
}

// Candidates lists the Godot executables to consider, in order of
// preference: GODOT_BIN (one path or several, separated like PATH; a bare
// name is looked up on PATH), then the usual names in each PATH folder, then
// the macOS app bundles. A file reached twice is listed once. Nothing under
// exclude (the project folder) is listed: a project must never supply the
// engine that runs it. Relative PATH folders are skipped for the same reason.
func (f *Finder) Candidates(exclude string) []Binary {
	var out []Binary
	seen := map[string]bool{}
	add := func(path, source string) {
		b := Binary{Path: path, Source: source}
		real, err := filepath.EvalSymlinks(path)
		if err != nil {
			if source != "GODOT_BIN" {
				return // a name that is not there: nothing found
			}
			b.Err = fmt.Sprintf("GODOT_BIN names %s, which does not exist", path)
			out = append(out, b)
			return
		}
		if seen[real] {
			return
		}
		seen[real] = true
		b.real = real
		if exclude != "" && within(exclude, real) {
			b.Err = "inside the project folder: a project never supplies the engine that runs it"
			out = append(out, b)
			return
		}
		st, err := os.Stat(real)
		switch {
		case err != nil:
			b.Err = err.Error()
		case st.IsDir():
			b.Err = "a folder, not a program"
		case st.Mode()&0o111 == 0:
			b.Err = "not executable"
		}
		if b.Err != "" && source != "GODOT_BIN" {
			return
		}
		out = append(out, b)
	}
	pathDirs := filepath.SplitList(f.getenv("PATH"))
	if env := strings.TrimSpace(f.getenv("GODOT_BIN")); env != "" {
		for _, p := range filepath.SplitList(env) {
			p = detect.ExpandHome(strings.TrimSpace(p))
			switch {
			case p == "":
			case !strings.ContainsRune(p, filepath.Separator):
				found := false
				for _, d := range pathDirs {
					if filepath.IsAbs(d) && isFile(filepath.Join(d, p)) {
						add(filepath.Join(d, p), "GODOT_BIN")
						found = true
						break
					}
				}
				if !found {
					out = append(out, Binary{Path: p, Source: "GODOT_BIN", Err: fmt.Sprintf("GODOT_BIN names %s, which is not on PATH", p)})
				}
			case !filepath.IsAbs(p):
				out = append(out, Binary{Path: p, Source: "GODOT_BIN", Err: "GODOT_BIN must be an absolute path (or a name on PATH)"})
			default:
				add(p, "GODOT_BIN")
			}
		}
	}
	for _, d := range pathDirs {
		if !filepath.IsAbs(d) {
			continue
		}
		names := f.godotNames(d)
		for _, n := range plainNames {
			if slices.Contains(names, n) {
				add(filepath.Join(d, n), "PATH")
			}
		}
		var rel []string
		for _, n := range names {
			for _, pat := range releaseNames {
				if ok, _ := filepath.Match(pat, n); ok {
					rel = append(rel, filepath.Join(d, n))
					break
				}
			}
		}
		slices.Sort(rel)
		slices.Reverse(rel) // the newest release names first
		for _, p := range rel {
			add(p, "PATH")
		}
	}
	if runtime.GOOS == "darwin" {
		for _, p := range appBundles {
			m, _ := filepath.Glob(detect.ExpandHome(p))
			for _, p := range m {
				add(p, "app bundle")
			}
		}
	}
	return out
}

// godotNames lists the names in dir that may be Godot's (they start with
// "godot", any case). A folder is read again only when its mtime changed
// (an entry was added, removed or renamed): /usr/bin holds thousands.
func (f *Finder) godotNames(dir string) []string {
	st, err := os.Stat(dir)
	if err != nil {
		return nil
	}
	f.mu.Lock()
	c, ok := f.dirs[dir]
	f.mu.Unlock()
	// A folder changed within the last seconds is read again: on a file
	// system with coarse times a second change may keep the mtime.
	if ok && c.mtime == st.ModTime().UnixNano() && time.Since(st.ModTime()) > 2*time.Second {
		return c.names
	}
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	all, _ := d.Readdirnames(-1)
	d.Close()
	var names []string
	for _, n := range all {
		if len(n) >= 5 && strings.EqualFold(n[:5], "godot") {
			names = append(names, n)
		}
	}
	f.mu.Lock()
	if f.dirs == nil {
		f.dirs = map[string]dirNames{}
	}
	f.dirs[dir] = dirNames{mtime: st.ModTime().UnixNano(), names: names}
	f.mu.Unlock()
	return names
}

type dirNames struct {
	mtime int64
	names []string
}

// Find lists the candidates with their versions.
func (f *Finder) Find(ctx context.Context, exclude string) []Binary {
	bins := f.Candidates(exclude)
	var wg sync.WaitGroup
	for i := range bins {
		if bins[i].Err != "" {
			continue
		}
		wg.Go(func() { f.identify(ctx, &bins[i]) })
	}
	wg.Wait()
	return bins
}

// identify asks b its version, once per file.
func (f *Finder) identify(ctx context.Context, b *Binary) {
	st, err := os.Stat(b.real)
	if err != nil {
		b.Err = err.Error()
		return
	}
	key := fileKey{path: b.real, size: st.Size(), mtime: st.ModTime().UnixNano()}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		key.ino = uint64(sys.Ino)
	}
	f.mu.Lock()
	ans, ok := f.cache[key]
	f.mu.Unlock()
	if !ok {
		ans.text, ans.err = f.askVersion(ctx, b.real)
		if ctx.Err() != nil {
			b.Err = "not asked: " + ctx.Err().Error()
			return
		}
		f.mu.Lock()
		if f.cache == nil {
			f.cache = map[fileKey]versionAnswer{}
		}
		f.cache[key] = ans
		f.mu.Unlock()
	}
	if ans.err != nil {
		b.Err = ans.err.Error()
		return
	}
	b.Version = ans.text
	b.Major, b.Minor, b.Patch, ok = ParseVersion(ans.text)
	if !ok {
		b.Err = fmt.Sprintf("--version printed %q, not a Godot version", clipLine(ans.text, 80))
	}
	b.Mono = strings.Contains(ans.text, ".mono")
}

// askVersion runs path --version in a folder of no project.
func (f *Finder) askVersion(ctx context.Context, path string) (string, error) {
	timeout := f.VersionTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	// Run as any engine process (own group, killed whole), with its
	// output bounded.
	p, err := Start(Command{Path: path, Args: []string{"--version"}, Dir: os.TempDir(), TimeLimit: timeout, Output: NewOutput(200, 64<<10)})
	if err != nil {
		return "", err
	}
	select {
	case <-p.Done():
	case <-ctx.Done():
		p.Kill()
		<-p.Done()
		return "", ctx.Err()
	}
	st := p.Status()
	if st.State == StateTimeLimit {
		return "", fmt.Errorf("--version gave no answer within %v", timeout)
	}
	// The version is the last line that starts with a digit: some builds
	// print warnings first. (Godot 3 exits 255 after printing it.)
	lines := p.Output.Tail(200)
	var version string
	for _, line := range lines {
		line = strings.TrimSpace(line)
		if line != "" && line[0] >= '0' && line[0] <= '9' {
			version = line
		}
	}
	if version == "" {
		all := strings.Join(lines, "\n")
		if code := st.ExitCode; code != nil && *code != 0 {
			return "", fmt.Errorf("--version failed (exit code %d, %s): %s", *code, st.Signal, clipLine(all, 200))
		}
		return "", fmt.Errorf("--version printed no version: %q", clipLine(all, 200))
	}
	return version, nil
}

// ParseVersion reads the numbers of a Godot version string such as
// "3.2.3.stable.custom_build" or "4.3.stable.official.77dcf97d8".
func ParseVersion(s string) (major, minor, patch int, ok bool) {
	fields := strings.Split(strings.TrimSpace(s), ".")
	var nums []int
	for _, f := range fields {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 || len(f) > 4 {
			break
		}
		nums = append(nums, n)
		if len(nums) == 3 {
			break
		}
	}
	if len(nums) < 2 || nums[0] < 1 {
		return 0, 0, 0, false
	}
	if len(nums) == 3 {
		patch = nums[2]
	}
	return nums[0], nums[1], patch, true
}

// Choose picks the binary that serves a project of the given engine
// ("4.3", "4.x", "3.x") and major version: the first of bins (they are in
// order of preference) of the same major and minor, else of the same major
// the lowest that is not older than the project, else the newest of the
// same major. The error says what was found and what to install or set.
func Choose(bins []Binary, major int, engine string) (Binary, error) {
	wantMinor := -1
	if _, m, _, ok := ParseVersion(engine + ".0"); ok && !strings.HasSuffix(engine, ".x") {
		wantMinor = m
	}
	var same []Binary
	var usable []Binary
	for _, b := range bins {
		if !b.Usable() {
			continue
		}
		usable = append(usable, b)
		if b.Major == major {
			same = append(same, b)
		}
	}
	if len(same) == 0 {
		if len(usable) == 0 {
			return Binary{}, fmt.Errorf("%w: install Godot %d (a binary named godot, godot%d or Godot_v%d.x-stable_linux.x86_64 on PATH; Debian's godot3-server for Godot 3) or set GODOT_BIN to its path%s",
				ErrNoEngine, major, major, major, describeUnusable(bins))
		}
		var found []string
		for _, b := range usable {
			found = append(found, fmt.Sprintf("Godot %s at %s", b.Version, b.Path))
		}
		return Binary{}, fmt.Errorf("%w: this project is for Godot %s, and only %s was found; install Godot %d or set GODOT_BIN to it (several paths may be given, separated by %q)",
			ErrWrongMajor, engine, strings.Join(found, ", "), major, string(filepath.ListSeparator))
	}
	if wantMinor >= 0 {
		for _, b := range same {
			if b.Minor == wantMinor {
				return b, nil
			}
		}
		var best *Binary
		for i, b := range same {
			if b.Minor > wantMinor && (best == nil || b.Minor < best.Minor) {
				best = &same[i]
			}
		}
		if best != nil {
			return *best, nil
		}
	}
	best := same[0]
	for _, b := range same[1:] {
		if b.Minor > best.Minor || (b.Minor == best.Minor && b.Patch > best.Patch) {
			best = b
		}
	}
	return best, nil
}

func describeUnusable(bins []Binary) string {
	var parts []string
	for _, b := range bins {
		if !b.Usable() {
			parts = append(parts, b.Path+": "+b.Err)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (not usable: " + strings.Join(parts, "; ") + ")"
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// within reports whether path is root or below it.
func within(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

func clipLine(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
