package main

import "fmt"

// site is where Godot raises a message: what its "at:" line names.
type site struct {
	function string
	file     string
	line     int
}

// The places the replayed messages are raised. The function and file names
// are from the 4.x sources; the line numbers are as good as we could find:
// "seen" ones were read in real logs of the version named, the others are
// reconstructed (no 4.3 copy of that file was at hand) and only need to look
// like Godot's. Our parser must not depend on them.
var (
	// Seen as editor/export/editor_export_platform.h:182 in a 4.4-dev log (godotengine/godot#99225).
	siteAddMessage = site{"add_message", "editor/export/editor_export_platform.h", 182}
	// Reconstructed.
	siteFsChangedConfig = site{"_fs_changed", "editor/editor_node.cpp", 1030}
	// Reconstructed.
	siteFsChangedFailed = site{"_fs_changed", "editor/editor_node.cpp", 1050}
	// Seen as editor_export.cpp:225 in a 4.3-dev report (godotengine/godot#89023).
	siteLoadConfig = site{"load_config", "editor/export/editor_export.cpp", 225}
	// Reconstructed.
	siteDirCopy = site{"copy", "core/io/dir_access.cpp", 408}
	// Reconstructed.
	siteStartExportPath = site{"start", "main/main.cpp", 3439}
	// Reconstructed.
	siteStartScript = site{"start", "main/main.cpp", 3711}
	// Reconstructed.
	siteStartScene = site{"start", "main/main.cpp", 3939}
	// Seen as gdscript.cpp:2705 in a log from late 2024 (MakovWait/godots#102).
	siteGDScriptLoad = site{"load", "modules/gdscript/gdscript.cpp", 2705}
	// Reconstructed (4.7 prints 1139).
	siteLoadSourceCode = site{"load_source_code", "modules/gdscript/gdscript.cpp", 1096}
	// Reconstructed (4.7 prints 317).
	siteResourceLoad = site{"_load", "core/io/resource_loader.cpp", 283}
	// Reconstructed.
	siteTextLoad = site{"load", "scene/resources/resource_format_text.cpp", 1646}
	// Reconstructed.
	siteBinaryLoad = site{"load", "core/io/resource_format_binary.cpp", 1180}
	// Seen as variant_utility.cpp:1118 in a 4.4.1 log; 4.3 is within a few lines.
	sitePushWarning = site{"push_warning", "core/variant/variant_utility.cpp", 1118}
)

// The three block layouts of UnixTerminalLogger::log_error
// (drivers/unix/os_unix.cpp) when stdout is not a terminal. Each block is a
// single write, so a reader sharing stdout and stderr sees it whole.

func (f *fake) engineError(msg string, at site) {
	fmt.Fprintf(f.stderr, "ERROR: %s\n   at: %s (%s:%d)\n", msg, at.function, at.file, at.line)
}

func (f *fake) warning(msg string, at site) {
	fmt.Fprintf(f.stderr, "WARNING: %s\n     at: %s (%s:%d)\n", msg, at.function, at.file, at.line)
}

func (f *fake) scriptError(msg, function, file string, line int) {
	fmt.Fprintf(f.stderr, "SCRIPT ERROR: %s\n          at: %s (%s:%d)\n", msg, function, file, line)
}

// exportFailed is the last thing _fs_changed prints for a failed export.
func (f *fake) exportFailed(preset string) {
	f.engineError(fmt.Sprintf("Project export for preset \"%s\" failed.", preset), siteFsChangedFailed)
}

// loadFailed is what ResourceLoader::_load adds when a loader returned nothing.
func (f *fake) loadFailed(path string) {
	f.engineError(fmt.Sprintf("Failed loading resource: %s. Make sure resources have been imported by opening the project in the editor at least once.", path), siteResourceLoad)
}

// scriptNotFound is GDScript::load_source_code failing to open a script.
func (f *fake) scriptNotFound(path string) {
	f.engineError(fmt.Sprintf("Attempt to open script '%s' resulted in error 'File not found'.", path), siteLoadSourceCode)
}
