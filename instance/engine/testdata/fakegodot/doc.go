// The contract of fakegodot, as our tests rely on it. (The package comment,
// with the Godot sources of every replayed message, is in main.go.)
//
// Every invocation first appends {"args":[...],"cwd":"...","pid":N} and a
// newline to the file named by FAKE_GODOT_LOG, if set (the spawn mode's
// child is not recorded).
//
// Arguments after a lone "--" or "++" are the game's: never read, never
// checked. Before it:
//
//   - "-d" or "--debug" anywhere: stderr "fakegodot: the debugger flag was
//     passed", exit 3.
//   - exactly "--version": stdout FAKE_GODOT_VERSION (default
//     4.3.stable.official.77dcf97d8) and "\n", exit 0, after sleeping
//     FAKE_GODOT_VERSION_SLEEP_MS if set.
//   - otherwise the options allowed are --headless, --path DIR, --quit and
//     --verbose (each at most once, anywhere), at most one mode option, and
//     for a run one positional scene (.tscn or .scn). Anything else, a
//     missing --path, an export or script without --headless (it would need
//     a display), a relative export path or a script that is not an absolute
//     .gd path: stderr "fakegodot: unexpected arguments: <argv as JSON>" and
//     a second "fakegodot: <reason>" line, exit 2.
//
// Then DIR must be an absolute path to an existing folder, else stdout
// `Invalid project path specified: "DIR", aborting.`, exit 1, no banner. A
// folder without project.godot gets the same, except for an export, which
// prints the banner and "ERROR: Please provide a valid project path when
// exporting, aborting." (exit 1).
//
// Every other run prints the banner on stdout: "Godot Engine v<version> -
// https://godotengine.org" and an empty line. Error blocks go to stderr as
// Godot 4's logger prints them without a terminal:
//
//	ERROR: <message, maybe several lines>
//	   at: <function> (<file>:<line>)
//	WARNING: <message>
//	     at: <function> (<file>:<line>)
//	SCRIPT ERROR: <message>
//	          at: <function> (<file>:<line>)
//
// Export: --headless --path DIR --export-release|--export-debug|--export-pack PRESET PATH.
// DIR/export_presets.cfg names the presets ([preset.N] name/platform,
// [preset.N.options] custom_template/release, custom_template/debug,
// binary_format/architecture, binary_format/embed_pck). Failures exit 1:
//
//   - no export_presets.cfg: "This project doesn't have an
//     `export_presets.cfg` file at its root." (two lines).
//   - no preset of that name: "Invalid export preset name: PRESET." and the
//     list of presets found. A preset whose platform 4.3 does not have
//     (Linux, Windows Desktop, macOS, Web, Android, iOS) is dropped with
//     `ERROR: Condition "!preset.is_valid()" is true. Continuing.`
//   - release/debug, no usable template for either mode:
//     `Cannot export project with preset "PRESET" due to configuration errors:`
//     followed by "No export template found at the expected path:" and the
//     path, for debug then release (and "Custom debug/release template not
//     found." for a custom template that is missing), then `Project export
//     for preset "PRESET" failed.`. Templates live in
//     $XDG_DATA_HOME (absolute) or $HOME/.local/share, then
//     godot/export_templates/<4.3.stable>/ (linux_debug.x86_64,
//     linux_release.x86_64, windows_release_x86_64.exe, macos.zip, ...).
//   - release/debug, the target folder missing: "Prepare Template: The given
//     export path doesn't exist." then the "failed" line.
//   - release/debug, a template for the other mode only: "Failed to open ",
//     "Prepare Template: Failed to copy export template.", "failed" (4.3's
//     real behaviour); a custom template of this mode missing: "Prepare
//     Template: Template file not found: "PATH"."
//   - pack, PATH not .pck or .zip: `Export path "PATH" doesn't end with a
//     supported extension.`, "failed".
//
// Otherwise the progress goes to stdout, FAKE_GODOT_STEPS files (default 5,
// the last being res://project.binary) FAKE_GODOT_STEP_MS apart (default 20):
//
//	savepack: begin: Packing steps: 102
//		savepack: step 2: Storing File: res://main.gd
//		...
//	savepack: end
//
// ("savezip" for a .zip pack; the step lines start with a tab). A release or
// debug export copies the template to PATH (mode 0755) and writes the pack
// to PATH without its extension plus ".pck" (appended to PATH instead when
// binary_format/embed_pck=true); a pack export writes PATH (a "GDPC" pack, or
// an empty zip). Exit 0. A pack into a missing folder fails after the steps
// with "Save PCK: Can't open file to read from path "<cache>/godot/packtmp".".
// FAKE_GODOT_FAIL_EXPORT=1 fails after the steps with "Save PCK: Failed to
// export project files." (or "Save ZIP: ..."), "savepack: end" and the
// "failed" line, writing nothing, exit 1.
//
// Script: --headless --path DIR -s|--script /abs/validator.gd. A missing
// validator: the three Godot load errors ending "Can't load script: PATH",
// exit 1. A validator without a `const PATHS = [` ... `]` block of one
// GDScript string per line: "fakegodot: validator ...", exit 2. For each
// path, in order, on stdout "GMR-VALIDATE-BEGIN <path>", then:
//
//   - missing file: stderr "ERROR: Attempt to open script '<path>' resulted
//     in error 'File not found'." and "ERROR: Failed loading resource: <path>.
//     Make sure resources have been imported by opening the project in the
//     editor at least once.", stdout "GMR-VALIDATE-END <path> failed".
//   - a line containing fake-parse-error: stderr "SCRIPT ERROR: Parse Error:
//     <text after fake-parse-error: on that line, or Expected end of
//     statement after expression.>" at "GDScript::reload (<path>:<line>)",
//     then `ERROR: Failed to load script "<path>" with error "Parse error".`,
//     stdout "GMR-VALIDATE-END <path> invalid".
//   - else stdout "GMR-VALIDATE-END <path> ok".
//
// Exit 0 whatever the scripts hold. Every block is one write, stdout and
// stderr unbuffered, so one pipe for both keeps them in order.
//
// Run: --path DIR [--headless] [SCENE] [-- ARGS]. A missing SCENE (res://,
// absolute, or relative to DIR): "Cannot open file 'res://x.tscn'.",
// "Failed loading resource: ...", "Failed loading scene: res://x.tscn.",
// exit 1. Then FAKE_GODOT_RUN:
//
//   - "" or "quit": "hello from the game", `args: ["a","b"]`, exit 0.
//   - "error-loop": "hello from the game"; stderr "SCRIPT ERROR: Cannot call
//     method 'foo' on a null value." at "_ready (res://main.gd:9)" and
//     "WARNING: the game has a warning for you" at push_warning; then "tick
//     N" (N from 1) every 50 ms forever. With --quit it stops (exit 0)
//     instead of ticking.
//   - "exit:<code>": "bye", exit code.
//   - "spawn": starts itself as FAKE_GODOT_RUN=sleep-child in its process
//     group, sharing stdout and stderr, writes "<ownpid> <childpid>\n" to
//     FAKE_GODOT_PIDS (renamed into place), then as error-loop.
//   - "ignore-term": as error-loop, ignoring SIGTERM.
//   - "flood": 100000 lines "flood 000001 xxx...x" of 200 bytes each
//     (newline included), exit 0.
//
// No signal handler is installed except SIGTERM's in ignore-term. A bad
// FAKE_GODOT_* value is reported as "fakegodot: ..." with exit 2.

package main
