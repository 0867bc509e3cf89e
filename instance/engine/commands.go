package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/godot-mcp-router/godot-mcp-router/detect/gdtext"
)

// The errors of the command builders; match them with errors.Is.
var (
	// ErrNoPresets: the project has no export_presets.cfg.
	ErrNoPresets = errors.New("no export presets")
	// ErrUnknownPreset: export_presets.cfg has no preset of that name.
	ErrUnknownPreset = errors.New("unknown export preset")
	// ErrNoTemplates: the export templates of the engine's version are
	// not installed and the preset names no custom template.
	ErrNoTemplates = errors.New("export templates not installed")
	// ErrEngineOption: an argument for the game would be read by the
	// engine as one of its own options.
	ErrEngineOption = errors.New("an engine option, not an argument for the game")
)

// Build modes.
const (
	ModeRelease = "release"
	ModeDebug   = "debug"
	ModePack    = "pack" // only the .pck: needs no export templates
)

// Preset is one export preset of export_presets.cfg.
type Preset struct {
	Name       string `json:"name"`
	Platform   string `json:"platform"`
	ExportPath string `json:"export_path,omitempty" jsonschema:"where the editor would export it (as written)"`
	Runnable   bool   `json:"runnable"`
	// Custom templates, as written in the preset's options.
	CustomRelease string `json:"custom_release_template,omitempty"`
	CustomDebug   string `json:"custom_debug_template,omitempty"`
}

// MaxPresetsFile bounds export_presets.cfg.
const MaxPresetsFile = 4 << 20

// ReadPresets reads the export presets of the project at root.
func ReadPresets(root string) ([]Preset, error) {
	path := filepath.Join(root, "export_presets.cfg")
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: the project has no export_presets.cfg; add a preset in the editor (Project > Export) and save", ErrNoPresets)
	}
	if err != nil {
		return nil, fmt.Errorf("reading export presets: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading export presets: %w", err)
	}
	if st.Size() > MaxPresetsFile {
		return nil, fmt.Errorf("reading export presets: export_presets.cfg is %d bytes, more than %d", st.Size(), MaxPresetsFile)
	}
	src := make([]byte, st.Size())
	if _, err := f.ReadAt(src, 0); err != nil && st.Size() > 0 {
		return nil, fmt.Errorf("reading export presets: %w", err)
	}
	cfg, perr := gdtext.ParseConfig("export_presets.cfg", src)
	var out []Preset
	for i := 0; i < 1000; i++ {
		sec := "preset." + strconv.Itoa(i)
		name, ok := cfg.Get(sec + "/name")
		if !ok {
			if len(cfg.Section(sec)) == 0 && i > 0 && len(out) > 0 {
				break
			}
			continue
		}
		p := Preset{Platform: cfg.GetString(sec + "/platform"), ExportPath: cfg.GetString(sec + "/export_path")}
		p.Name, _ = name.AsString()
		if v, ok := cfg.Get(sec + "/runnable"); ok {
			p.Runnable, _ = v.AsBool()
		}
		p.CustomRelease = cfg.GetString(sec + ".options/custom_template/release")
		p.CustomDebug = cfg.GetString(sec + ".options/custom_template/debug")
		if p.Name != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 && perr != nil {
		return nil, fmt.Errorf("reading export presets: %w", perr)
	}
	return out, nil
}

// FindPreset returns the preset of that name; the error lists the others.
func FindPreset(presets []Preset, name string) (Preset, error) {
	var names []string
	for _, p := range presets {
		if p.Name == name {
			return p, nil
		}
		names = append(names, strconv.Quote(p.Name))
	}
	if len(names) == 0 {
		return Preset{}, fmt.Errorf("%w %q: export_presets.cfg has no presets", ErrUnknownPreset, name)
	}
	return Preset{}, fmt.Errorf("%w %q: the presets are %s", ErrUnknownPreset, name, strings.Join(names, ", "))
}

// TemplatesDir is where Godot keeps the export templates of b's version:
// templates/ (Godot 3) or export_templates/ (Godot 4) under Godot's data
// folder.
func TemplatesDir(b Binary, getenv func(string) string) string {
	sub := "export_templates"
	if b.Major < 4 {
		sub = "templates"
	}
	return filepath.Join(dataDir(getenv), sub, b.TemplatesName())
}

func dataDir(getenv func(string) string) string {
	home := getenv("HOME")
	if runtime.GOOS == "darwin" {
		return filepath.Join(home, "Library", "Application Support", "Godot")
	}
	if x := getenv("XDG_DATA_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "godot")
	}
	return filepath.Join(home, ".local", "share", "godot")
}

// CheckTemplates says whether a build of p in mode can find its templates:
// the preset's custom template for the mode, or the installed templates of
// the engine's version. A pack needs none.
func CheckTemplates(b Binary, root string, p Preset, mode string, getenv func(string) string) error {
	if mode == ModePack {
		return nil
	}
	custom := p.CustomRelease
	if mode == ModeDebug {
		custom = p.CustomDebug
	}
	if custom != "" {
		// Godot opens it as any file: res:// is the project, and a
		// relative path is taken from the project folder it runs in.
		path := custom
		if rest, ok := strings.CutPrefix(custom, "res://"); ok {
			path = filepath.Join(root, filepath.FromSlash(rest))
		} else if !filepath.IsAbs(custom) {
			path = filepath.Join(root, custom)
		}
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("%w: preset %q names the custom %s template %s, which cannot be read (%v); fix the path in the preset's options",
				ErrNoTemplates, p.Name, mode, custom, err)
		}
		return nil
	}
	dir := TemplatesDir(b, getenv)
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		return fmt.Errorf("%w: the export templates of Godot %s are not installed (expected in %s); install them in the editor (Editor > Manage Export Templates) or unpack the export templates of %s there; or build with mode \"pack\", which needs none",
			ErrNoTemplates, b.Version, dir, b.TemplatesName())
	}
	return nil
}

// ExportArgs is the command line of an export of preset to out (absolute).
func ExportArgs(b Binary, root, preset, mode, out string) []string {
	var flag string
	switch {
	case mode == ModePack:
		flag = "--export-pack"
	case mode == ModeDebug:
		flag = "--export-debug"
	case b.Major >= 4:
		flag = "--export-release"
	default:
		flag = "--export"
	}
	args := []string{}
	if b.Major >= 4 {
		args = append(args, "--headless")
	}
	return append(args, "--path", root, flag, preset, out)
}

// RunOptions says how to run the game.
type RunOptions struct {
	Scene    string   // res:// path of the scene to run; "" runs the main scene
	Headless bool     // no window
	Args     []string // for the game
}

// godot3Options are the options of Godot 3 that change what runs or
// what is read or written, or stop the game: Godot 3 reads its options
// anywhere on the command line, even after "--", so the game's arguments
// must not be one of them.
var godot3Options = map[string]bool{
	"-d": true, "--debug": true, "-b": true, "--breakpoints": true, "--remote-debug": true, "--profiling": true,
	"-e": true, "--editor": true, "-p": true, "--project-manager": true, "--path": true, "-u": true, "--upwards": true,
	"--main-pack": true, "--remote-fs": true, "--remote-fs-password": true, "-s": true, "--script": true,
	"--check-only": true, "--export": true, "--export-debug": true, "--export-pack": true, "--doctool": true,
	"--no-docbase": true, "--build-solutions": true, "--gdnative-generate-json-api": true, "--test": true,
	"-h": true, "--help": true, "--version": true, "-q": true, "--quit": true,
}

// RunArgs is the command line that runs the game. Godot 4 passes every
// argument after "--" to the game untouched; Godot 3 reads its own options
// anywhere, so there the game's arguments are checked against them, and the
// scene is always named (else Godot 3 takes the first plain argument as the
// scene to run).
func RunArgs(b Binary, root string, o RunOptions, mainScene string) ([]string, error) {
	args := []string{"--path", root}
	if o.Headless {
		if b.Major >= 4 {
			args = append(args, "--headless")
		} else {
			args = append(args, "--no-window")
		}
	}
	scene := o.Scene
	if b.Major < 4 && len(o.Args) > 0 {
		for _, a := range o.Args {
			name, _, _ := strings.Cut(a, "=")
			if godot3Options[name] {
				return nil, fmt.Errorf("%w: Godot 3 would read %q itself", ErrEngineOption, a)
			}
			// Godot 3 opens the project of any argument ending in
			// project.godot, in the editor.
			if strings.HasSuffix(strings.ToLower(a), "project.godot") {
				return nil, fmt.Errorf("%w: Godot 3 would open the project named by %q", ErrEngineOption, a)
			}
		}
		if scene == "" {
			scene = mainScene
		}
		if scene == "" {
			// Else Godot 3 runs the first plain argument as the scene.
			return nil, fmt.Errorf("%w: the project has no main scene, so Godot 3 would take the first argument for the scene to run: pass scene", ErrEngineOption)
		}
	}
	if scene != "" {
		args = append(args, scene)
	}
	if len(o.Args) > 0 {
		if b.Major >= 4 {
			args = append(args, "--")
		}
		args = append(args, o.Args...)
	}
	return args, nil
}

// ValidateArgs is the command line that runs the validator script at
// script (a file outside the project) in the project at root.
func ValidateArgs(b Binary, root, script string) []string {
	if b.Major >= 4 {
		return []string{"--headless", "--path", root, "-s", script}
	}
	return []string{"--no-window", "--path", root, "-s", script}
}

// Environ is the environment the engine runs with: the instance's, but
// with a real locale when there is none ("C" or unset), else Godot prints
// two errors about the locale at every start, which would read as errors
// of the project; and without XDG folders that are empty or relative.
func Environ(environ []string) []string {
	env := make([]string, 0, len(environ)+1)
	lang, lcAll := "", ""
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "LANG":
			lang = v
			continue
		case "LC_ALL":
			lcAll = v
		case "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME":
			// Godot takes these as they are: an empty or relative one
			// puts its user:// folder and settings under the working
			// folder, the project. The XDG spec says to ignore them.
			if !filepath.IsAbs(v) {
				continue
			}
		}
		env = append(env, kv)
	}
	if lcAll == "" && (lang == "" || lang == "C" || lang == "POSIX" || strings.HasPrefix(lang, "C.")) {
		lang = "en_US.UTF-8"
	}
	return append(env, "LANG="+lang)
}

// PrepareUserDirs makes the folders Godot's editor keeps its settings,
// cache and data in, when they are missing: Godot 3.2 does not make the
// parents of its own folders, and then an export fails with "Cannot create
// file .../.cache/godot/packtmp" on a machine where the editor never ran.
func PrepareUserDirs(getenv func(string) string) {
	home := getenv("HOME")
	if !filepath.IsAbs(home) || runtime.GOOS == "darwin" {
		return
	}
	xdg := func(name, def string) string {
		if v := getenv(name); filepath.IsAbs(v) {
			return v
		}
		return filepath.Join(home, def)
	}
	for _, d := range []string{xdg("XDG_CONFIG_HOME", ".config"), xdg("XDG_CACHE_HOME", ".cache"), xdg("XDG_DATA_HOME", filepath.Join(".local", "share"))} {
		os.MkdirAll(filepath.Join(d, "godot"), 0o700)
	}
}
