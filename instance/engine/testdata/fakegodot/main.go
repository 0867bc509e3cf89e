// Command fakegodot is a test double for the Godot 4.3 editor binary on
// Linux: it checks its arguments the way a real Godot 4 needs them, refuses
// any argument our program must never pass, and replays real Godot 4 output.
//
// Tests build it with `go build -o DIR/godot4 ./instance/engine/testdata/fakegodot`.
// The contract (modes, environment, exit codes) is written down in doc.go.
//
// Where each replayed message comes from (repository godotengine/godot; the
// texts were read in the 4.x sources named here, the layout of every
// ERROR/WARNING/SCRIPT ERROR block in drivers/unix/os_unix.cpp
// UnixTerminalLogger::log_error, without colours because stdout is a pipe):
//
//   - banner "Godot Engine v<version> - https://godotengine.org" and the blank
//     line after it: main/main.cpp Main::print_header (print_header(false) in
//     setup2) and the `print_header("")` "blank line for readability".
//   - `--version` output: main/main.cpp, `print_line(get_full_version_string())`.
//   - "Invalid project path specified: "<p>", aborting.": main/main.cpp,
//     `--path` handling in Main::setup (printed with OS::print, so stdout).
//   - "Please provide a valid project path when exporting, aborting.":
//     main/main.cpp Main::start, ERR_FAIL_COND_V_MSG for --export-*.
//   - "Invalid export preset name: ...", "This project doesn't have an
//     `export_presets.cfg` file at its root. ...", "Cannot export project with
//     preset "X" due to configuration errors:\n...", "Project export for preset
//     "X" failed.", "Export path "X" doesn't end with a supported extension.":
//     editor/editor_node.cpp EditorNode::_fs_changed.
//   - "No export template found at the expected path:\n<path>\n":
//     editor/export/editor_export_platform.cpp find_export_template; which
//     templates are checked (debug and release, valid if either exists),
//     "Custom debug/release template not found.", "Prepare Template: The given
//     export path doesn't exist.", "Prepare Template: Template file not found",
//     "Prepare Template: Failed to copy export template.":
//     editor/export/editor_export_platform_pc.cpp; the template folder name
//     (VERSION_FULL_CONFIG, "4.3.stable") and file names: the platforms'
//     export plugins (linux_release.x86_64, windows_release_x86_64.exe, ...).
//   - "Failed to open <path>": core/io/dir_access.cpp DirAccess::copy.
//   - "Save PCK: ...", "Save ZIP: ...": editor/export/editor_export_platform.cpp
//     save_pack / save_zip, printed through add_message in
//     editor/export/editor_export_platform.h.
//   - headless progress "savepack: begin: Packing steps: 102",
//     "\tsavepack: step N: Storing File: res://x", "savepack: end":
//     editor/editor_node.cpp EditorNode::progress_add_task / progress_task_step
//     / progress_end_task with cmdline_export_mode (4.1 to 4.4; the
//     "[   0% ] task | ..." format only arrived in 4.5), and the "savepack"
//     task, its 102 steps and "2 + file * 100 / total" in save_pack /
//     _save_pack_file.
//   - `Condition "!preset.is_valid()" is true. Continuing.`:
//     editor/export/editor_export.cpp EditorExport::load_config (unknown platform).
//   - "SCRIPT ERROR: Parse Error: <msg>" at "GDScript::reload (res://x.gd:N)":
//     modules/gdscript/gdscript.cpp GDScript::reload; "Failed to load script
//     "res://x.gd" with error "Parse error".": ResourceFormatLoaderGDScript::load.
//   - "Attempt to open script 'res://x.gd' resulted in error 'File not
//     found'.": modules/gdscript/gdscript.cpp GDScript::load_source_code;
//     "Failed loading resource: X. Make sure resources have been imported by
//     opening the project in the editor at least once.": core/io/resource_loader.cpp
//     ResourceLoader::_load; "Can't load script: X": main/main.cpp Main::start.
//   - "Cannot open file 'res://x.tscn'.": scene/resources/resource_format_text.cpp
//     (core/io/resource_format_binary.cpp for .scn); "Failed loading scene:
//     res://x.tscn.": main/main.cpp Main::start.
//   - runtime "SCRIPT ERROR: Cannot call method 'foo' on a null value." at
//     "_ready (res://main.gd:9)": modules/gdscript/gdscript_vm.cpp (Godot 4
//     wording; "Attempt to call function ... on a null instance" is Godot 3's).
//   - push_warning: core/variant/variant_utility.cpp
//     VariantUtilityFunctions::push_warning (WARN_PRINT).
//
// The line numbers in the "at:" lines are not all from 4.3 itself; sites.go
// says which were seen in real logs and which were reconstructed.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Exit codes. Godot itself only ever returns EXIT_SUCCESS or EXIT_FAILURE
// (main/main.cpp, platform/linuxbsd/godot_linuxbsd.cpp); 2 and 3 are ours.
const (
	exitOK         = 0
	exitFailure    = 1 // what Godot returns for every failure
	exitUnexpected = 2 // an argument (or environment) our program must never produce
	exitDebugger   = 3 // -d/--debug: a runtime error would stop the game at a "debug>" prompt
)

const (
	defaultVersion = "4.3.stable.official.77dcf97d8"
	godotWebsite   = "https://godotengine.org"
)

// fake is one invocation: where it prints and which Godot version it plays.
type fake struct {
	stdout  io.Writer
	stderr  io.Writer
	version string // full version string, e.g. 4.3.stable.official.77dcf97d8
}

func main() {
	f := &fake{stdout: os.Stdout, stderr: os.Stderr}
	os.Exit(f.main(os.Args[1:]))
}

func (f *fake) main(argv []string) int {
	// The log comes first so that even a rejected invocation is recorded.
	if err := appendInvocation(os.Getenv("FAKE_GODOT_LOG"), argv); err != nil {
		fmt.Fprintf(f.stderr, "fakegodot: recording the invocation: %v\n", err)
		return exitUnexpected
	}
	if os.Getenv("FAKE_GODOT_RUN") == "sleep-child" {
		sleepForever()
	}
	f.version = os.Getenv("FAKE_GODOT_VERSION")
	if f.version == "" {
		f.version = defaultVersion
	}

	engine, user := splitUserArgs(argv)
	for _, a := range engine {
		if a == "-d" || a == "--debug" {
			fmt.Fprintln(f.stderr, "fakegodot: the debugger flag was passed")
			return exitDebugger
		}
	}
	if len(argv) == 1 && argv[0] == "--version" {
		return f.printVersion()
	}

	o, err := parseOptions(engine, user)
	if err != nil {
		f.unexpected(argv, err.Error())
		return exitUnexpected
	}
	if !filepath.IsAbs(o.path) || !isDir(o.path) {
		// Setup fails while parsing arguments: no banner yet.
		fmt.Fprintf(f.stdout, "Invalid project path specified: \"%s\", aborting.\n", o.path)
		return exitFailure
	}
	hasProject := isFile(filepath.Join(o.path, "project.godot"))
	if !hasProject && o.mode != modeExport {
		// A real editor build would fall back to the Project Manager here,
		// which is never what our program wants: report the path as invalid.
		fmt.Fprintf(f.stdout, "Invalid project path specified: \"%s\", aborting.\n", o.path)
		return exitFailure
	}

	f.banner()
	switch o.mode {
	case modeExport:
		if !hasProject {
			f.engineError("Please provide a valid project path when exporting, aborting.", siteStartExportPath)
			return exitFailure
		}
		return f.export(o)
	case modeScript:
		return f.validate(o)
	default:
		return f.runGame(o)
	}
}

func (f *fake) printVersion() int {
	d, err := envMillis("FAKE_GODOT_VERSION_SLEEP_MS", 0)
	if err != nil {
		fmt.Fprintf(f.stderr, "fakegodot: %v\n", err)
		return exitUnexpected
	}
	time.Sleep(d)
	fmt.Fprintln(f.stdout, f.version)
	return exitOK
}

// banner prints Main::print_header's line and the blank line setup2 adds.
func (f *fake) banner() {
	fmt.Fprintf(f.stdout, "Godot Engine v%s - %s\n\n", f.version, godotWebsite)
}

// unexpected reports an argument vector real Godot might accept but our
// program must never produce.
func (f *fake) unexpected(argv []string, reason string) {
	if argv == nil {
		argv = []string{}
	}
	fmt.Fprintf(f.stderr, "fakegodot: unexpected arguments: %s\n", jsonText(argv))
	fmt.Fprintf(f.stderr, "fakegodot: %s\n", reason)
}

type mode int

const (
	modeRun mode = iota
	modeExport
	modeScript
)

// options is an accepted command line.
type options struct {
	mode     mode
	headless bool
	quit     bool
	verbose  bool
	path     string // --path
	export   string // --export-release, --export-debug or --export-pack
	preset   string
	out      string   // export target
	script   string   // -s / --script
	scene    string   // positional scene for a run
	user     []string // after a lone -- or ++
}

// splitUserArgs cuts argv at the first lone "--" or "++": what follows is the
// game's, never read by the engine (main/main.cpp, adding_user_args).
func splitUserArgs(argv []string) (engine, user []string) {
	for i, a := range argv {
		if a == "--" || a == "++" {
			return argv[:i], argv[i+1:]
		}
	}
	return argv, nil
}

// parseOptions checks the engine arguments strictly: only the options our
// program uses, each at most once, in the combinations it uses.
func parseOptions(engine, user []string) (*options, error) {
	o := &options{user: user}
	if o.user == nil {
		o.user = []string{}
	}
	hasPath := false
	seen := map[string]bool{}
	once := func(name string) error {
		if seen[name] {
			return fmt.Errorf("%s given twice", name)
		}
		seen[name] = true
		return nil
	}
	for i := 0; i < len(engine); i++ {
		a := engine[i]
		switch a {
		case "--headless", "--quit", "--verbose":
			if err := once(a); err != nil {
				return nil, err
			}
			switch a {
			case "--headless":
				o.headless = true
			case "--quit":
				o.quit = true
			default:
				o.verbose = true
			}
		case "--path":
			if err := once(a); err != nil {
				return nil, err
			}
			if i+1 >= len(engine) {
				return nil, errors.New("--path needs a directory")
			}
			i++
			o.path, hasPath = engine[i], true
		case "--export-release", "--export-debug", "--export-pack":
			if o.mode != modeRun {
				return nil, fmt.Errorf("%s with another mode", a)
			}
			if i+2 >= len(engine) {
				return nil, fmt.Errorf("%s needs <preset> <path>", a)
			}
			o.mode, o.export = modeExport, a
			o.preset, o.out = engine[i+1], engine[i+2]
			i += 2
		case "-s", "--script":
			if o.mode != modeRun {
				return nil, fmt.Errorf("%s with another mode", a)
			}
			if i+1 >= len(engine) {
				return nil, fmt.Errorf("%s needs a script", a)
			}
			i++
			o.mode, o.script = modeScript, engine[i]
		default:
			if strings.HasPrefix(a, "-") {
				return nil, fmt.Errorf("unknown option %q", a)
			}
			if o.scene != "" {
				return nil, fmt.Errorf("second positional argument %q", a)
			}
			if !strings.HasSuffix(a, ".tscn") && !strings.HasSuffix(a, ".scn") {
				return nil, fmt.Errorf("positional argument %q is not a scene (.tscn or .scn)", a)
			}
			o.scene = a
		}
	}
	if !hasPath {
		return nil, errors.New("--path is required")
	}
	switch o.mode {
	case modeExport:
		if o.scene != "" {
			return nil, fmt.Errorf("scene %q with %s", o.scene, o.export)
		}
		if !o.headless {
			return nil, fmt.Errorf("%s without --headless needs a display: Godot would stop with \"Unable to create DisplayServer, all display drivers failed.\"", o.export)
		}
		if !filepath.IsAbs(o.out) {
			return nil, fmt.Errorf("export path %q is not absolute", o.out)
		}
	case modeScript:
		if o.scene != "" {
			return nil, fmt.Errorf("scene %q with a script", o.scene)
		}
		if !o.headless {
			return nil, errors.New("a script without --headless needs a display: Godot would stop with \"Unable to create DisplayServer, all display drivers failed.\"")
		}
		if !filepath.IsAbs(o.script) || !strings.HasSuffix(o.script, ".gd") {
			return nil, fmt.Errorf("script %q is not an absolute path to a .gd file", o.script)
		}
	}
	return o, nil
}

// invocation is one line of FAKE_GODOT_LOG.
type invocation struct {
	Args []string `json:"args"`
	Cwd  string   `json:"cwd"`
	Pid  int      `json:"pid"`
}

// appendInvocation adds one JSON line to the log named by FAKE_GODOT_LOG.
// One write on an O_APPEND file, so concurrent invocations do not interleave.
func appendInvocation(path string, argv []string) error {
	if path == "" {
		return nil
	}
	cwd, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("getting the working directory: %w", err)
	}
	if argv == nil {
		argv = []string{}
	}
	line := jsonText(invocation{Args: argv, Cwd: cwd, Pid: os.Getpid()}) + "\n"
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("opening %s: %w", path, err)
	}
	if _, err := file.WriteString(line); err != nil {
		file.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", path, err)
	}
	return nil
}

// jsonText is v as compact JSON, without HTML escaping.
func jsonText(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprintf("%q", fmt.Sprint(v))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// envInt reads a non-negative integer from the environment.
func envInt(name string, def int) (int, error) {
	s := os.Getenv(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s=%q is not a non-negative integer", name, s)
	}
	return n, nil
}

// envMillis reads a duration in milliseconds from the environment.
func envMillis(name string, def int) (time.Duration, error) {
	n, err := envInt(name, def)
	return time.Duration(n) * time.Millisecond, err
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

func sleepForever() {
	for {
		time.Sleep(time.Hour)
	}
}
