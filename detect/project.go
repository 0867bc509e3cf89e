package detect

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/detect/gdtext"
)

// Errors returned by this package, to be matched with errors.Is.
var (
	// ErrNoProject: no project.godot (or engine.cfg) where we looked.
	ErrNoProject = errors.New("no Godot project found")
	// ErrUnsupported: a Godot 2 project (engine.cfg); we serve Godot 3 and 4.
	ErrUnsupported = errors.New("unsupported Godot version")
	// ErrUnknownProject: a project argument that is neither an existing
	// path nor the id of a project we know or can find.
	ErrUnknownProject = errors.New("unknown project")
	// ErrScanLimit: Scan stopped at ScanOptions.MaxDirs; its result is partial.
	ErrScanLimit = errors.New("scan limit reached")
)

// The files that mark a project root.
const (
	projectFile  = "project.godot"
	godot2File   = "engine.cfg"
	gdignoreFile = ".gdignore"
)

// Project is what detection knows about one Godot project.
type Project struct {
	Root          string // cleaned, symlink-resolved absolute path of the folder holding project.godot
	Name          string // application/config/name, or the folder name when unset
	Slug          string // see the package notes
	Version       string // see the package notes; "" when none
	Engine        string // "4.3", "4.x", "3.x", "3.0", "2.x", or "unknown"
	EngineMajor   int    // 4, 3, 2, or 0 when unknown
	ConfigVersion int    // config_version; 0 when missing (and for engine.cfg)
	MainScene     string // application/run/main_scene as written: res://..., uid://..., or bare relative
	Supported     bool   // false for Godot 2
	ModTime       time.Time
}

// ID names the project for people and for the project argument:
// "slug/version", or "slug" when there is no version.
func (p Project) ID() string {
	if p.Version == "" {
		return p.Slug
	}
	return p.Slug + "/" + p.Version
}

// Load reads the project whose root is the folder root. It returns the
// Project whenever root holds project.godot or engine.cfg, even when the
// error is not nil: see the package notes on broken files.
func Load(root string) (Project, error) {
	real, err := realPath(root)
	if err != nil {
		return Project{}, fmt.Errorf("loading project %s: %w", root, err)
	}
	return load(real)
}

// load is Load for a path that is already absolute and symlink-resolved.
func load(root string) (Project, error) {
	p := Project{Root: root, Name: filepath.Base(root)}
	file := filepath.Join(root, projectFile)
	info, err := os.Stat(file)
	if errors.Is(err, fs.ErrNotExist) {
		return loadGodot2(p)
	}
	if err != nil {
		p.Slug, p.Version = slugAndVersion(root, "", "")
		return p, fmt.Errorf("loading project %s: %w", root, err)
	}
	p.ModTime = info.ModTime()
	p.Supported = true
	src, err := ReadRegular(file, MaxConfigSize)
	if err != nil {
		p.Slug, p.Version = slugAndVersion(root, "", "")
		p.Engine = "unknown"
		return p, fmt.Errorf("loading project %s: %w", root, err)
	}
	c, perr := gdtext.ParseConfig(file, src)
	if name := strings.TrimSpace(c.GetString("application/config/name")); name != "" {
		p.Name = name
	}
	p.MainScene = c.GetString("application/run/main_scene")
	p.ConfigVersion = configVersion(c)
	p.Engine, p.EngineMajor = engine(p.ConfigVersion, c)
	p.Slug, p.Version = slugAndVersion(root, p.Name, c.GetString("application/config/version"))
	if perr != nil {
		return p, fmt.Errorf("parsing project settings: %w", perr)
	}
	return p, nil
}

// loadGodot2 fills p from engine.cfg, as far as it can be read.
func loadGodot2(p Project) (Project, error) {
	file := filepath.Join(p.Root, godot2File)
	info, err := os.Stat(file)
	if err != nil {
		return p, fmt.Errorf("loading project %s: no %s or %s: %w", p.Root, projectFile, godot2File, ErrNoProject)
	}
	p.ModTime = info.ModTime()
	p.Engine, p.EngineMajor = "2.x", 2
	// Godot 2 is refused whatever the file says, so a read or parse
	// failure here changes nothing: keep what could be read.
	if src, err := ReadRegular(file, MaxConfigSize); err == nil {
		c, _ := gdtext.ParseConfig(file, src)
		if name := strings.TrimSpace(c.GetString("application/name")); name != "" {
			p.Name = name
		}
		p.MainScene = c.GetString("application/main_scene")
	}
	p.Slug, p.Version = slugAndVersion(p.Root, p.Name, "")
	return p, unsupportedError(p.Root)
}

func unsupportedError(root string) error {
	return fmt.Errorf("Godot 2 project (engine.cfg) at %s is not supported; Godot 3 and 4 are: %w", root, ErrUnsupported)
}

func configVersion(c *gdtext.Config) int {
	v, _ := c.Get("config_version")
	if n, ok := v.AsInt(); ok && n > 0 && n < 1000 {
		return int(n)
	}
	return 0
}

// engineVersion reports whether a config/features entry is an engine
// version ("4.3", "4.3.1") and returns its major number.
func engineVersion(f string) (major int, ok bool) {
	parts := strings.Split(f, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	for _, part := range parts {
		if !isNumeric(part) {
			return 0, false
		}
	}
	major, err := strconv.Atoi(parts[0])
	return major, err == nil
}

// engine tells the engine version from config_version and, for Godot 4,
// config/features (sorted by the editor, so the version comes first).
func engine(configVersion int, c *gdtext.Config) (string, int) {
	var featureVersion string
	major := 0
	features, _ := c.Get("application/config/features")
	for _, f := range features.Strings() {
		if m, ok := engineVersion(f); ok {
			featureVersion, major = f, m
			break
		}
	}
	switch configVersion {
	case 3:
		return "3.0", 3
	case 4:
		return "3.x", 3
	case 5:
		if featureVersion == "" {
			return "4.x", 4
		}
		return featureVersion, major
	}
	if featureVersion != "" {
		return featureVersion, major
	}
	return "unknown", 0
}

// looksLikeVersion reports whether a folder name looks like a version:
// an optional v or V, a digit, then only letters, digits, '.' and '-'
// (0.16, v1.2, 1.0-beta, 2024.1). See the package notes for why not '_'.
func looksLikeVersion(name string) bool {
	if name != "" && (name[0] == 'v' || name[0] == 'V') {
		name = name[1:]
	}
	if name == "" || name[0] < '0' || name[0] > '9' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// slugAndVersion applies the rules of the package notes.
func slugAndVersion(root, name, configVersion string) (slug, version string) {
	base, parent := filepath.Base(root), filepath.Dir(root)
	if parent != root && looksLikeVersion(base) && hasVersionSibling(parent, base) {
		if s := slugify(filepath.Base(parent)); s != "" {
			return s, base
		}
	}
	slug = slugify(name)
	if slug == "" {
		slug = slugify(base)
	}
	if slug == "" {
		slug = "project"
	}
	return slug, strings.TrimSpace(configVersion)
}

// hasVersionSibling reports whether another version-named folder beside
// self holds a project.godot. Only version-named folders are looked at,
// so a demos folder with dozens of projects costs no stat calls.
func hasVersionSibling(parent, self string) bool {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if e.Name() == self || !looksLikeVersion(e.Name()) {
			continue
		}
		if fileExists(filepath.Join(parent, e.Name(), projectFile)) {
			return true
		}
	}
	return false
}

// slugify lowercases s and turns each run of characters other than a-z
// and 0-9 into one '-', trimmed at both ends.
func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		} else {
			dash = true
		}
	}
	return b.String()
}

func fileExists(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular()
}

// realPath makes path absolute, cleaned and symlink-resolved.
func realPath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}
