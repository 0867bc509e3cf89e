package engine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// readOutputSample returns the lines of testdata/output/name as a caller
// splits them: on "\n", the "\r" of a CRLF stripped.
func readOutputSample(t testing.TB, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "output", name))
	if err != nil {
		t.Fatalf("reading sample: %v", err)
	}
	return splitOutputLines(string(b))
}

func splitOutputLines(text string) []string {
	lines := strings.Split(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, "\r")
	}
	return lines
}

// feedOutput runs lines through a Parser from seq first; levels has one
// letter per line: i, w or e.
func feedOutput(lines []string, first uint64) (levels string, issues []Issue) {
	var p Parser
	var b strings.Builder
	for i, l := range lines {
		lvl, is := p.Line(first+uint64(i), l)
		b.WriteByte(lvl.String()[0])
		issues = append(issues, is...)
	}
	return b.String(), append(issues, p.Flush()...)
}

func checkIssues(t *testing.T, got, want []Issue) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	for i := range max(len(got), len(want)) {
		var g, w Issue
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("issue %d:\n got %#v\nwant %#v", i, g, w)
		}
	}
}

// Godot 3.2.3 prints these two at every start here (LANG is C).
var (
	godot3Locale1 = Issue{Level: "error", Kind: "engine", File: "core/translation.cpp", Line: 945, Function: "get_language_code", Message: "Invalid locale 'C'.", Seq: 3}
	godot3Locale2 = Issue{Level: "error", Kind: "engine", File: "core/translation.cpp", Line: 969, Function: "set_locale", Message: "Unsupported locale 'C', falling back to 'en'.", Seq: 5}
)

func TestOutputSamples(t *testing.T) {
	tests := []struct {
		file   string
		source string
		levels string
		issues []Issue
	}{
		{
			file:   "godot3_runtime.txt",
			source: "captured: godot3-server 3.2.3 --path DIR, main scene's _ready calls push_warning, push_error, then a method on null (killed by timeout)",
			levels: "iieeeeiwweeee",
			issues: []Issue{
				godot3Locale1, godot3Locale2,
				{Level: "warning", Kind: "push", File: "modules/gdscript/gdscript_functions.cpp", Line: 817, Function: "call", Message: "a warning here", Seq: 8},
				{Level: "error", Kind: "push", File: "modules/gdscript/gdscript_functions.cpp", Line: 803, Function: "call", Message: "an error pushed", Seq: 10},
				{Level: "error", Kind: "script", File: "res://main.gd", Line: 9, Function: "_ready", Message: "Invalid call. Nonexistent function 'foo' in base 'Nil'.", Seq: 12},
			},
		},
		{
			file:   "godot3_tty_colors.txt",
			source: "captured: the same run under script(1), so the engine saw a terminal and coloured its output (CRLF line ends; script's own closing lines removed)",
			levels: "iieeeeiwweeee",
			issues: []Issue{
				godot3Locale1, godot3Locale2,
				{Level: "warning", Kind: "push", File: "modules/gdscript/gdscript_functions.cpp", Line: 817, Function: "call", Message: "a warning here", Seq: 8},
				{Level: "error", Kind: "push", File: "modules/gdscript/gdscript_functions.cpp", Line: 803, Function: "call", Message: "an error pushed", Seq: 10},
				{Level: "error", Kind: "script", File: "res://main.gd", Line: 9, Function: "_ready", Message: "Invalid call. Nonexistent function 'foo' in base 'Nil'.", Seq: 12},
			},
		},
		{
			file:   "godot3_parse_error.txt",
			source: "captured: godot3-server -s tool.gd, which loads a script that does not parse with ResourceLoader.load(path, \"\", true), then load()s a missing one",
			levels: "iieeeeieeeeieeeeeei",
			issues: []Issue{
				godot3Locale1, godot3Locale2,
				{Level: "error", Kind: "script", File: "res://bad.gd", Line: 6, Function: "GDScript::reload", Message: `Parse Error: Error parsing expression, misplaced: '\n'`, Seq: 8},
				{Level: "error", Kind: "engine", File: "modules/gdscript/gdscript.cpp", Line: 599, Function: "reload", Message: "Method failed. Returning: ERR_PARSE_ERROR", Seq: 10},
				{Level: "error", Kind: "engine", File: "modules/gdscript/gdscript.cpp", Line: 829, Function: "load_source_code", Message: `Condition "err" is true. Returned: err`, Seq: 13},
				{Level: "error", Kind: "engine", File: "modules/gdscript/gdscript.cpp", Line: 2286, Function: "load", Message: "Cannot load source code from file 'res://missing.gd'.", Seq: 15},
				{Level: "error", Kind: "engine", File: "core/io/resource_loader.cpp", Line: 278, Function: "_load", Message: "Failed loading resource: res://missing.gd. Make sure resources have been imported by opening the project in the editor at least once.", Seq: 17},
			},
		},
		{
			file:   "godot3_missing_file.txt",
			source: "captured: godot3-server --path DIR with run/main_scene naming a scene that does not exist",
			levels: "iieeeeeeeeeeww",
			issues: []Issue{
				godot3Locale1, godot3Locale2,
				{Level: "error", Kind: "engine", File: "scene/resources/resource_format_text.cpp", Line: 1228, Function: "load_interactive", Message: "Cannot open file 'res://nowhere.tscn'.", Seq: 7},
				{Level: "error", Kind: "engine", File: "core/io/resource_loader.cpp", Line: 278, Function: "_load", Message: "Failed loading resource: res://nowhere.tscn. Make sure resources have been imported by opening the project in the editor at least once.", Seq: 9},
				{Level: "error", Kind: "engine", File: "main/main.cpp", Line: 1944, Function: "start", Message: "Failed loading scene: res://nowhere.tscn", Seq: 11},
				{Level: "warning", Kind: "engine", File: "core/object.cpp", Line: 2135, Function: "cleanup", Message: "ObjectDB instances leaked at exit (run with --verbose for details).", Seq: 13},
			},
		},
		{
			file:   "godot3_export_bad_preset.txt",
			source: `captured: godot3-server --path DIR --export "Nope" out/game.x86_64`,
			levels: "iieeeeee",
			issues: []Issue{
				godot3Locale1, godot3Locale2,
				{Level: "error", Kind: "engine", File: "editor/editor_node.cpp", Line: 753, Function: "_fs_changed", Message: "Invalid export preset name: Nope. Make sure `export_presets.cfg` is present in the current directory.", Seq: 7},
			},
		},
		{
			file:   "godot3_export_no_templates.txt",
			source: `captured: godot3-server --path DIR --export "Linux/X11" out/game.x86_64 with no export templates installed`,
			levels: "iieeeeeeeeeeeee",
			issues: []Issue{
				godot3Locale1, godot3Locale2,
				{Level: "error", Kind: "engine", File: "editor/editor_node.cpp", Line: 730, Function: "_fs_changed", Message: "Cannot export project with preset 'Linux/X11' due to configuration errors:\n" +
					"No export template found at the expected path:\n/root/.local/share/godot/templates/3.2.3.stable/linux_x11_64_debug\n" +
					"No export template found at the expected path:\n/root/.local/share/godot/templates/3.2.3.stable/linux_x11_64_release", Seq: 7},
				{Level: "error", Kind: "engine", File: "editor/editor_node.cpp", Line: 753, Function: "_fs_changed", Message: "Project export failed for preset 'Linux/X11', the export template appears to be missing.", Seq: 14},
			},
		},
		{
			file:   "godot3_export_pack.txt",
			source: `captured: godot3-server --path DIR --export-pack "Linux/X11" out/game.pck (a successful export)`,
			levels: "iieeeeiiiiii",
			issues: []Issue{godot3Locale1, godot3Locale2},
		},
		{
			file:   "godot3_file_log.txt",
			source: "captured: user://logs/godot.log of a 3.2.3 run with logging/file_logging/enable_file_logging (the file log's own format)",
			levels: "iieeeeieeeewwee",
			issues: []Issue{
				godot3Locale1, godot3Locale2,
				{Level: "error", Kind: "script", File: "res://bad.gd", Line: 6, Function: "GDScript::reload", Message: `Parse Error: Error parsing expression, misplaced: '\n'`, Seq: 8},
				{Level: "error", Kind: "engine", File: "modules/gdscript/gdscript.cpp", Line: 599, Function: "reload", Message: "Method failed. Returning: ERR_PARSE_ERROR", Seq: 10},
				{Level: "warning", Kind: "push", File: "modules/gdscript/gdscript_functions.cpp", Line: 817, Function: "call", Message: "a warning here", Seq: 12},
				{Level: "error", Kind: "push", File: "modules/gdscript/gdscript_functions.cpp", Line: 803, Function: "call", Message: "an error pushed", Seq: 14},
			},
		},
		{
			file:   "godot4_runtime.txt",
			source: "reconstructed, not captured: formats from drivers/unix/os_unix.cpp UnixTerminalLogger::log_error (Godot 4.0 to 4.4) and core/variant/variant_utility.cpp push_error/push_warning; line numbers illustrative",
			levels: "iiiwweeee",
			issues: []Issue{
				{Level: "warning", Kind: "push", File: "core/variant/variant_utility.cpp", Line: 1118, Function: "push_warning", Message: "a warning here", Seq: 4},
				{Level: "error", Kind: "push", File: "core/variant/variant_utility.cpp", Line: 1106, Function: "push_error", Message: "an error pushed", Seq: 6},
				{Level: "error", Kind: "script", File: "res://main.gd", Line: 9, Function: "_ready", Message: "Attempt to call function 'foo' in base 'null instance' on a null instance.", Seq: 8},
			},
		},
		{
			file:   "godot4_colors.txt",
			source: "reconstructed, not captured: godot4_runtime.txt with the colours of drivers/unix/os_unix.cpp UnixTerminalLogger::log_error when stdout is a terminal, and a print_rich line",
			levels: "iiiwweeee",
			issues: []Issue{
				{Level: "warning", Kind: "push", File: "core/variant/variant_utility.cpp", Line: 1118, Function: "push_warning", Message: "a warning here", Seq: 4},
				{Level: "error", Kind: "push", File: "core/variant/variant_utility.cpp", Line: 1106, Function: "push_error", Message: "an error pushed", Seq: 6},
				{Level: "error", Kind: "script", File: "res://main.gd", Line: 9, Function: "_ready", Message: "Attempt to call function 'foo' in base 'null instance' on a null instance.", Seq: 8},
			},
		},
		{
			file:   "godot4_parse_error.txt",
			source: "reconstructed, not captured: drivers/unix/os_unix.cpp UnixTerminalLogger::log_error; the messages of modules/gdscript (GDScript::reload, the script loader)",
			levels: "iiieeeei",
			issues: []Issue{
				{Level: "error", Kind: "script", File: "res://bad.gd", Line: 5, Function: "GDScript::reload", Message: `Parse Error: Expected expression after "+=" operator.`, Seq: 4},
				{Level: "error", Kind: "engine", File: "modules/gdscript/gdscript.cpp", Line: 2936, Function: "load", Message: `Failed to load script "res://bad.gd" with error "Parse error".`, Seq: 6},
			},
		},
		{
			file:   "godot4_export_no_templates.txt",
			source: "reconstructed, not captured: editor/editor_node.cpp EditorNode::_fs_changed (ERR_PRINT of the configuration errors, then of the failure) printed by UnixTerminalLogger::log_error",
			levels: "iieeeeeeeee",
			issues: []Issue{
				{Level: "error", Kind: "engine", File: "editor/editor_node.cpp", Line: 1040, Function: "_fs_changed", Message: `Cannot export project with preset "Linux" due to configuration errors:` + "\n" +
					"No export template found at the expected path:\n/home/u/.local/share/godot/export_templates/4.3.stable/linux_debug.x86_64\n" +
					"No export template found at the expected path:\n/home/u/.local/share/godot/export_templates/4.3.stable/linux_release.x86_64", Seq: 3},
				{Level: "error", Kind: "engine", File: "editor/editor_node.cpp", Line: 1051, Function: "_fs_changed", Message: `Project export for preset "Linux" failed.`, Seq: 10},
			},
		},
		{
			file:   "godot4_export_bad_preset.txt",
			source: "reconstructed, not captured: editor/editor_node.cpp EditorNode::_fs_changed (the invalid preset message, presets listed) printed by UnixTerminalLogger::log_error",
			levels: "iieeeeeee",
			issues: []Issue{
				{Level: "error", Kind: "engine", File: "editor/editor_node.cpp", Line: 1051, Function: "_fs_changed", Message: "Invalid export preset name: Nope.\n" +
					"The following presets were detected in this project's `export_presets.cfg`:\n\n" +
					"        \"Linux\"\n        \"Web Build\"", Seq: 3},
			},
		},
		{
			file:   "godot4_export_pack.txt",
			source: "reconstructed, not captured: editor/editor_node.cpp progress_add_task, progress_task_step and progress_end_task in command-line mode; the task's name and labels are illustrative",
			levels: "iiiiiiii",
		},
		{
			file:   "godot4_backtrace.txt",
			source: "reconstructed, not captured: core/error/error_macros.cpp _err_print_error (4.5 passes the script backtraces), core/object/script_backtrace.cpp ScriptBacktrace::format; the indentation as Godot 4.5 to 4.7 output in public logs shows it",
			levels: "iiiwwwweeeeeeeeeeeee",
			issues: []Issue{
				{Level: "warning", Kind: "push", File: "res://main.gd", Line: 7, Function: "push_warning", Message: "a warning here", Seq: 4},
				{Level: "error", Kind: "push", File: "res://util.gd", Line: 3, Function: "push_error", Message: "an error pushed", Seq: 8},
				{Level: "error", Kind: "engine", File: "core/io/resource_loader.cpp", Line: 351, Function: "_load", Message: "Resource file not found: res://missing.png (expected type: unknown)", Seq: 13},
				{Level: "error", Kind: "script", File: "res://main.gd", Line: 10, Function: "_ready", Message: "Attempt to call function 'foo' in base 'null instance' on a null instance.", Seq: 17},
			},
		},
	}

	files, err := filepath.Glob(filepath.Join("testdata", "output", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	tested := make(map[string]bool, len(tests))
	for _, tc := range tests {
		tested[tc.file] = true
	}
	for _, f := range files {
		if !tested[filepath.Base(f)] {
			t.Errorf("sample %s has no test", f)
		}
	}

	for _, tc := range tests {
		t.Run(strings.TrimSuffix(tc.file, ".txt"), func(t *testing.T) {
			lines := readOutputSample(t, tc.file)
			levels, issues := feedOutput(lines, 1)
			if levels != tc.levels {
				t.Errorf("levels\n got %s\nwant %s", levels, tc.levels)
			}
			checkIssues(t, issues, tc.issues)

			b, err := os.ReadFile(filepath.Join("testdata", "output", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			checkIssues(t, ParseOutput(string(b)), tc.issues)
		})
	}
}

func TestOutputLevel(t *testing.T) {
	for _, tc := range []struct {
		l    Level
		want string
	}{{LevelInfo, "info"}, {LevelWarning, "warning"}, {LevelError, "error"}, {Level(7), "Level(7)"}} {
		if got := tc.l.String(); got != tc.want {
			t.Errorf("Level(%d).String() = %q, want %q", tc.l, got, tc.want)
		}
	}
	for _, tc := range []struct {
		s    string
		want Level
		ok   bool
	}{
		{"info", LevelInfo, true},
		{"INFO", LevelInfo, true},
		{"all", LevelInfo, true},
		{"warning", LevelWarning, true},
		{"Warn", LevelWarning, true},
		{"error", LevelError, true},
		{"ERR", LevelError, true},
		{"", LevelInfo, false},
		{"fatal", LevelInfo, false},
		{" error", LevelInfo, false},
	} {
		got, ok := ParseLevel(tc.s)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v, %v", tc.s, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParserEdges(t *testing.T) {
	many := []string{"ERROR: load: too long"}
	manyLevels := "e"
	for i := range 33 {
		many = append(many, "line "+string(rune('a'+i%26)))
		manyLevels += "e"
	}
	manyLevels = manyLevels[:33] + "i"
	many = append(many, "   At: core/x.cpp:1.")
	manyLevels += "i"

	tests := []struct {
		name   string
		lines  []string
		levels string
		issues []Issue
	}{
		{
			name:   "pending at EOF keeps only the header",
			lines:  []string{"ERROR: _load: Cannot open file.", "more text"},
			levels: "ee",
			issues: []Issue{{Level: "error", Kind: "engine", Function: "_load", Message: "Cannot open file.", Seq: 1}},
		},
		{
			name:   "header then new header",
			lines:  []string{"WARNING: first: no location", "ERROR: second: located", "   At: core/a.cpp:3."},
			levels: "wee",
			issues: []Issue{
				{Level: "warning", Kind: "engine", Function: "first", Message: "no location", Seq: 1},
				{Level: "error", Kind: "engine", File: "core/a.cpp", Line: 3, Function: "second", Message: "located", Seq: 2},
			},
		},
		{
			name:   "33 continuation lines",
			lines:  many,
			levels: manyLevels,
			issues: []Issue{{Level: "error", Kind: "engine", Function: "load", Message: "too long", Seq: 1}},
		},
		{
			name:   "32 continuation lines then the location",
			lines:  append(append([]string{}, many[:33]...), "   At: core/x.cpp:1."),
			levels: strings.Repeat("e", 34),
			issues: []Issue{{Level: "error", Kind: "engine", File: "core/x.cpp", Line: 1, Function: "load", Message: "too long\n" + strings.Join(many[1:33], "\n"), Seq: 1}},
		},
		{
			name:   "the banner ends a pending issue",
			lines:  []string{"ERROR: alert without location", "Godot Engine v4.3.stable.official - https://godotengine.org", "   at: f (core/a.cpp:1)"},
			levels: "eii",
			issues: []Issue{{Level: "error", Kind: "engine", Message: "alert without location", Seq: 1}},
		},
		{
			name:   "a progress line ends a pending issue",
			lines:  []string{"Godot Engine v4.3.stable.official - https://godotengine.org", "ERROR: Vulkan: no device", "[  12% ] export | Working", "[ DONE ] export"},
			levels: "ieii",
			issues: []Issue{{Level: "error", Kind: "engine", Message: "Vulkan: no device", Seq: 2}},
		},
		{
			name:   "Godot 3 banner: a header names its function",
			lines:  []string{"Godot Engine v3.2.3.stable - https://godotengine.org", "ERROR: some thing: no location"},
			levels: "ie",
			issues: []Issue{{Level: "error", Kind: "engine", Message: "some thing: no location", Seq: 2}},
		},
		{
			name:   "savepack lines are info",
			lines:  []string{"ERROR: f: x", "\tsavepack: step 2: Storing File: res://a.gd"},
			levels: "ei",
			issues: []Issue{{Level: "error", Kind: "engine", Function: "f", Message: "x", Seq: 1}},
		},
		{
			name:   "a location without an issue is info",
			lines:  []string{"   At: res://main.gd:9.", "          at: _ready (res://main.gd:9)"},
			levels: "ii",
		},
		{
			name:   "a location must be indented",
			lines:  []string{"ERROR: f: message", "At: core/a.cpp:1.", "   At: core/b.cpp:2."},
			levels: "eee",
			issues: []Issue{{Level: "error", Kind: "engine", File: "core/b.cpp", Line: 2, Function: "f", Message: "message\nAt: core/a.cpp:1.", Seq: 1}},
		},
		{
			name:   "not headers",
			lines:  []string{"ERRORS: many", "ERROR:x", "   ERROR: indented", "WARNINGS", "error: lower case", "SCRIPT: no", "a line that says ERROR: in its middle"},
			levels: "iiiiiii",
		},
		{
			name:   "Windows paths",
			lines:  []string{"ERROR: f: godot 3", `   At: C:\godot\core\io\file_access.cpp:12.`, "ERROR: godot 4", `   at: load (C:\godot\modules\gdscript\gdscript.cpp:2936)`, "SCRIPT ERROR: in a project", `          at: _ready (C:\game\main.gd:3)`},
			levels: "eeeeee",
			issues: []Issue{
				{Level: "error", Kind: "engine", File: `C:\godot\core\io\file_access.cpp`, Line: 12, Function: "f", Message: "godot 3", Seq: 1},
				{Level: "error", Kind: "engine", File: `C:\godot\modules\gdscript\gdscript.cpp`, Line: 2936, Function: "load", Message: "godot 4", Seq: 3},
				{Level: "error", Kind: "script", File: `C:\game\main.gd`, Line: 3, Function: "_ready", Message: "in a project", Seq: 5},
			},
		},
		{
			name:   "At and at alike",
			lines:  []string{"ERROR: f: a", "   at: core/a.cpp:1.", "ERROR: b", "   At: g (core/b.cpp:2)"},
			levels: "eeee",
			issues: []Issue{
				{Level: "error", Kind: "engine", File: "core/a.cpp", Line: 1, Function: "f", Message: "a", Seq: 1},
				{Level: "error", Kind: "engine", File: "core/b.cpp", Line: 2, Function: "g", Message: "b", Seq: 3},
			},
		},
		{
			name:   "USER prefix and a code after the location (Godot 4.0's file log)",
			lines:  []string{"USER ERROR: an error pushed", "   at: push_error (core/variant/variant_utility.cpp:880) - an error pushed", "USER SCRIPT ERROR: bad", "   at: _ready (res://main.gd:2) - bad"},
			levels: "eeee",
			issues: []Issue{
				{Level: "error", Kind: "push", File: "core/variant/variant_utility.cpp", Line: 880, Function: "push_error", Message: "an error pushed", Seq: 1},
				{Level: "error", Kind: "script", File: "res://main.gd", Line: 2, Function: "_ready", Message: "bad", Seq: 3},
			},
		},
		{
			name:   "shader error",
			lines:  []string{"SHADER ERROR: Expected ';'", "          at: _compile (res://water.gdshader:12)", "**SHADER ERROR**: Expected ';'", "   At: servers/visual/shader_language.cpp:7:_set_error() - x"},
			levels: "eeee",
			issues: []Issue{
				{Level: "error", Kind: "script", File: "res://water.gdshader", Line: 12, Function: "_compile", Message: "Expected ';'", Seq: 1},
				{Level: "error", Kind: "engine", File: "servers/visual/shader_language.cpp", Line: 7, Function: "_set_error", Message: "Expected ';'", Seq: 3},
			},
		},
		{
			name:   "a Godot 4 push is held until the next line",
			lines:  []string{"ERROR: pushed", "   at: push_error (core/variant/variant_utility.cpp:1024)", "next line"},
			levels: "eei",
			issues: []Issue{{Level: "error", Kind: "push", File: "core/variant/variant_utility.cpp", Line: 1024, Function: "push_error", Message: "pushed", Seq: 1}},
		},
		{
			name:   "a held push at EOF",
			lines:  []string{"WARNING: pushed", "     at: push_warning (core/variant/variant_utility.cpp:1034)"},
			levels: "ww",
			issues: []Issue{{Level: "warning", Kind: "push", File: "core/variant/variant_utility.cpp", Line: 1034, Function: "push_warning", Message: "pushed", Seq: 1}},
		},
		{
			name: "a held push, then a header",
			lines: []string{"ERROR: pushed", "   at: push_error (core/variant/variant_utility.cpp:1024)",
				"ERROR: next", "   at: f (core/a.cpp:1)"},
			levels: "eeee",
			issues: []Issue{
				{Level: "error", Kind: "push", File: "core/variant/variant_utility.cpp", Line: 1024, Function: "push_error", Message: "pushed", Seq: 1},
				{Level: "error", Kind: "engine", File: "core/a.cpp", Line: 1, Function: "f", Message: "next", Seq: 3},
			},
		},
		{
			name: "backtrace frame without a file; two backtraces",
			lines: []string{"ERROR: pushed", "   at: push_error (core/variant/variant_utility.cpp:1024)",
				"   GDScript backtrace (most recent call first):", "       [0] <anonymous lambda>",
				"   C# backtrace (most recent call first):", "       [0] Main._Ready (res://Main.cs:4)", "       [1] Other (res://Other.cs:5)", "print"},
			levels: "eeeeeeei",
			issues: []Issue{{Level: "error", Kind: "push", File: "core/variant/variant_utility.cpp", Line: 1024, Function: "push_error", Message: "pushed", Seq: 1}},
		},
		{
			name: "frames outside a backtrace are info",
			lines: []string{"ERROR: f: x", "   At: core/a.cpp:1.", "       [0] _ready (res://main.gd:9)",
				"   GDScript backtrace (most recent call first):", "[0] not indented"},
			levels: "eeiii",
			issues: []Issue{{Level: "error", Kind: "engine", File: "core/a.cpp", Line: 1, Function: "f", Message: "x", Seq: 1}},
		},
		{
			name:   "a negative line number reads as none",
			lines:  []string{"SCRIPT ERROR: Compile Error: Failed to compile depended scripts.", "          at: GDScript::reload (res://tools/check.gd:-1)"},
			levels: "ee",
			issues: []Issue{{Level: "error", Kind: "script", File: "res://tools/check.gd", Function: "GDScript::reload", Message: "Compile Error: Failed to compile depended scripts.", Seq: 1}},
		},
		{
			name:   "stray carriage returns and trailing spaces",
			lines:  []string{"ERROR: f: a\rb  \r", "second\r line \t", "", "", "   At: core/a.cpp:1.\r"},
			levels: "eeeee",
			issues: []Issue{{Level: "error", Kind: "engine", File: "core/a.cpp", Line: 1, Function: "f", Message: "a\rb\nsecond\r line", Seq: 1}},
		},
		{
			name:   "colours around every part",
			lines:  []string{"\x1b[1;31mERROR:\x1b[0;91m a \x1b[1mbold\x1b[22m word", "\x1b[0;90m   at: f (core/a.cpp:1)\x1b[0m", "\x1b[0;90m   \x1b[0mGDScript backtrace (most recent call first):", "\x1b[90m       [0] _ready (res://main.gd:9)\x1b[0m", "\x1b[32mplain\x1b[0m", "\x1b[", "x\x1b"},
			levels: "eeeeiii",
			issues: []Issue{{Level: "error", Kind: "engine", File: "core/a.cpp", Line: 1, Function: "f", Message: "a bold word", Seq: 1}},
		},
		{
			name:   "empty header message",
			lines:  []string{"ERROR: ", "the message", "   at: f (core/a.cpp:1)", "ERROR:"},
			levels: "eeee",
			issues: []Issue{
				{Level: "error", Kind: "engine", File: "core/a.cpp", Line: 1, Function: "f", Message: "the message", Seq: 1},
				{Level: "error", Kind: "engine", Message: "", Seq: 4},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			levels, issues := feedOutput(tc.lines, 1)
			if levels != tc.levels {
				t.Errorf("levels\n got %s\nwant %s", levels, tc.levels)
			}
			checkIssues(t, issues, tc.issues)
		})
	}
}

func TestParserFlushTwice(t *testing.T) {
	var p Parser
	p.Line(1, "ERROR: f: x")
	if got := p.Flush(); len(got) != 1 {
		t.Fatalf("first Flush = %v, want one issue", got)
	}
	if got := p.Flush(); got != nil {
		t.Errorf("second Flush = %v, want nil", got)
	}
	if lvl, got := p.Line(2, "after"); lvl != LevelInfo || got != nil {
		t.Errorf("Line after Flush = %v, %v", lvl, got)
	}
}

func TestParserHugeLines(t *testing.T) {
	huge := strings.Repeat("é", 512<<10) // 1 MiB
	tests := []struct {
		name  string
		lines []string
	}{
		{"header", []string{"ERROR: f: " + huge, "   At: core/a.cpp:1."}},
		{"continuation", []string{"ERROR: f: x", huge, huge, "   At: core/a.cpp:1."}},
		{"location", []string{"ERROR: x", "   at: f (" + huge + ":1)"}},
		{"function", []string{"ERROR: " + huge + ": x"}},
		{"frame", []string{"ERROR: x", "   at: push_error (core/variant/variant_utility.cpp:1)", "   GDScript backtrace (most recent call first):", "       [0] f (" + huge + ":1)"}},
		{"info", []string{huge, "\x1b[" + huge}},
		{"colours", []string{"ERROR: " + strings.Repeat("\x1b[1m", 1<<18)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, issues := feedOutput(tc.lines, 1)
			for _, is := range issues {
				if len(is.Message) > maxIssueMessage || len(is.File) > maxIssueLocation || len(is.Function) > maxIssueLocation {
					t.Errorf("issue over the bounds: message %d, file %d, function %d bytes", len(is.Message), len(is.File), len(is.Function))
				}
				if !strings.HasPrefix(is.Message, "x") && !strings.HasPrefix(is.Message, "é") && is.Message != "" {
					t.Errorf("message starts %q", is.Message[:min(10, len(is.Message))])
				}
				if strings.ContainsRune(is.Message, '\uFFFD') {
					t.Error("message cut inside a character")
				}
			}
		})
	}
}

func TestParserIssueJSON(t *testing.T) {
	b, err := json.Marshal(ParseOutput("ERROR: x\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `[{"level":"error","kind":"engine","message":"x","seq":1}]`; got != want {
		t.Errorf("JSON = %s, want %s", got, want)
	}
	if got := ParseOutput(""); got != nil {
		t.Errorf("ParseOutput(\"\") = %v", got)
	}
}
