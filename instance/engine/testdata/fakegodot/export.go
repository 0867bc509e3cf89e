package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// export plays `--headless --path DIR --export-release|--export-debug|--export-pack PRESET PATH`:
// EditorNode::_fs_changed with the PC export platform.
func (f *fake) export(o *options) int {
	cfgPath := filepath.Join(o.path, "export_presets.cfg")
	src, err := os.ReadFile(cfgPath)
	if errors.Is(err, fs.ErrNotExist) {
		f.engineError("This project doesn't have an `export_presets.cfg` file at its root.\nCreate an export preset from the \"Project > Export\" dialog and try again.", siteFsChangedFailed)
		return exitFailure
	}
	if err != nil {
		fmt.Fprintf(f.stderr, "fakegodot: reading %s: %v\n", cfgPath, err)
		return exitUnexpected
	}
	cfg, err := parseConfig(string(src))
	if err != nil {
		fmt.Fprintf(f.stderr, "fakegodot: parsing %s: %v\n", cfgPath, err)
		return exitUnexpected
	}

	// EditorExport::load_config drops presets of platforms it does not know.
	var presets []preset
	for _, p := range presetsFrom(cfg) {
		if _, ok := platformTemplates(&p); !ok {
			f.engineError(`Condition "!preset.is_valid()" is true. Continuing.`, siteLoadConfig)
			continue
		}
		presets = append(presets, p)
	}
	var p *preset
	for i := range presets {
		if presets[i].name == o.preset {
			p = &presets[i]
			break
		}
	}
	if p == nil {
		var b strings.Builder
		fmt.Fprintf(&b, "Invalid export preset name: %s.\nThe following presets were detected in this project's `export_presets.cfg`:\n\n", o.preset)
		for _, q := range presets {
			fmt.Fprintf(&b, "        \"%s\"\n", q.name)
		}
		f.engineError(b.String(), siteFsChangedFailed)
		return exitFailure
	}

	debug := o.export == "--export-debug"
	if o.export == "--export-pack" {
		return f.exportPack(o, p)
	}
	return f.exportProject(o, p, debug)
}

// exportPack is the pack-only branch of _fs_changed: save_pack or save_zip.
func (f *fake) exportPack(o *options, p *preset) int {
	var task, category string
	switch {
	case strings.HasSuffix(o.out, ".zip"):
		task, category = "savezip", "Save ZIP"
	case strings.HasSuffix(o.out, ".pck"):
		task, category = "savepack", "Save PCK"
	default:
		f.engineError(fmt.Sprintf("Export path \"%s\" doesn't end with a supported extension.", o.out), siteFsChangedConfig)
		f.exportFailed(p.name)
		return exitFailure
	}
	files, code := f.storeFiles(o.path, task)
	if code != exitOK {
		return code
	}
	if os.Getenv("FAKE_GODOT_FAIL_EXPORT") == "1" {
		f.engineError(category+": Failed to export project files.", siteAddMessage)
		f.endTask(task)
		f.exportFailed(p.name)
		return exitFailure
	}
	if !isDir(filepath.Dir(o.out)) {
		// save_pack opens the target only after packing, and its message
		// names the temporary file (sic).
		f.engineError(fmt.Sprintf("%s: Can't open file to read from path \"%s\".", category, packTempPath()), siteAddMessage)
		f.endTask(task)
		f.exportFailed(p.name)
		return exitFailure
	}
	data := pckBytes(f.version, files)
	if task == "savezip" {
		data = emptyZip()
	}
	if err := os.WriteFile(o.out, data, 0o644); err != nil {
		fmt.Fprintf(f.stderr, "fakegodot: writing %s: %v\n", o.out, err)
		return exitUnexpected
	}
	f.endTask(task)
	return exitOK
}

// exportProject is the normal branch of _fs_changed: can_export, then the
// PC platform's prepare_template and save_pack.
func (f *fake) exportProject(o *options, p *preset, debug bool) int {
	names, _ := platformTemplates(p)
	dir := templatesDir(f.version)
	customDebug := strings.TrimSpace(p.option("custom_template/debug", ""))
	customRelease := strings.TrimSpace(p.option("custom_template/release", ""))

	// EditorExportPlatformPC::has_valid_export_configuration: the official
	// templates are always looked for, custom ones override them, and the
	// export may go on when either mode has a template.
	var errs strings.Builder
	exists := func(path string) bool {
		if isFile(path) {
			return true
		}
		fmt.Fprintf(&errs, "No export template found at the expected path:\n%s\n", path)
		return false
	}
	dvalid := exists(filepath.Join(dir, names.debug))
	rvalid := dvalid
	if names.release != names.debug {
		rvalid = exists(filepath.Join(dir, names.release))
	}
	if customDebug != "" {
		if dvalid = isFile(projectFile(o.path, customDebug)); !dvalid {
			errs.WriteString("Custom debug template not found.\n")
		}
	}
	if customRelease != "" {
		if rvalid = isFile(projectFile(o.path, customRelease)); !rvalid {
			errs.WriteString("Custom release template not found.\n")
		}
	}
	if !dvalid && !rvalid {
		f.engineError(fmt.Sprintf("Cannot export project with preset \"%s\" due to configuration errors:\n%s", p.name, errs.String()), siteFsChangedConfig)
		f.exportFailed(p.name)
		return exitFailure
	}

	// EditorExportPlatformPC::prepare_template.
	if !isDir(filepath.Dir(o.out)) {
		f.engineError("Prepare Template: The given export path doesn't exist.", siteAddMessage)
		f.exportFailed(p.name)
		return exitFailure
	}
	template := customRelease
	if debug {
		template = customDebug
	}
	if template != "" {
		template = projectFile(o.path, template)
		if !isFile(template) {
			f.engineError(fmt.Sprintf("Prepare Template: Template file not found: \"%s\".", template), siteAddMessage)
			f.exportFailed(p.name)
			return exitFailure
		}
	} else {
		name := names.release
		if debug {
			name = names.debug
		}
		if template = filepath.Join(dir, name); !isFile(template) {
			// find_export_template returned "", which prepare_template
			// does not check before copying.
			f.engineError("Failed to open ", siteDirCopy)
			f.engineError("Prepare Template: Failed to copy export template.", siteAddMessage)
			f.exportFailed(p.name)
			return exitFailure
		}
	}

	// prepare_template copies the template to the export path first: a
	// failure or a kill while packing leaves it there.
	binaryData, err := os.ReadFile(template)
	if err != nil {
		fmt.Fprintf(f.stderr, "fakegodot: reading the template %s: %v\n", template, err)
		return exitUnexpected
	}
	if err := os.WriteFile(o.out, binaryData, 0o755); err != nil {
		fmt.Fprintf(f.stderr, "fakegodot: writing %s: %v\n", o.out, err)
		return exitUnexpected
	}

	// export_project_data: save_pack, next to the binary or embedded in it.
	files, code := f.storeFiles(o.path, "savepack")
	if code != exitOK {
		return code
	}
	if os.Getenv("FAKE_GODOT_FAIL_EXPORT") == "1" {
		f.engineError("Save PCK: Failed to export project files.", siteAddMessage)
		f.endTask("savepack")
		f.exportFailed(p.name)
		return exitFailure
	}
	pck := pckBytes(f.version, files)
	if p.option("binary_format/embed_pck", "false") == "true" {
		binaryData = append(binaryData, pck...)
	} else {
		pckPath := strings.TrimSuffix(o.out, filepath.Ext(o.out)) + ".pck"
		if err := os.WriteFile(pckPath, pck, 0o644); err != nil {
			fmt.Fprintf(f.stderr, "fakegodot: writing %s: %v\n", pckPath, err)
			return exitUnexpected
		}
	}
	if err := os.WriteFile(o.out, binaryData, 0o755); err != nil {
		fmt.Fprintf(f.stderr, "fakegodot: writing %s: %v\n", o.out, err)
		return exitUnexpected
	}
	f.endTask("savepack")
	return exitOK
}

// storeFiles prints the headless progress of save_pack/save_zip: a task of
// 102 steps, one "Storing File:" step per file at 2 + i*100/total, with
// FAKE_GODOT_STEPS files and FAKE_GODOT_STEP_MS between them. The caller
// ends the task.
func (f *fake) storeFiles(project, task string) ([]string, int) {
	steps, err := envInt("FAKE_GODOT_STEPS", 5)
	if err == nil && steps > 1000 {
		err = fmt.Errorf("FAKE_GODOT_STEPS=%d is more than 1000", steps)
	}
	pause, err2 := envMillis("FAKE_GODOT_STEP_MS", 20)
	if err = errors.Join(err, err2); err != nil {
		fmt.Fprintf(f.stderr, "fakegodot: %v\n", err)
		return nil, exitUnexpected
	}
	files := packedFiles(project, steps)
	fmt.Fprintf(f.stdout, "%s: begin: Packing steps: 102\n", task)
	for i, file := range files {
		if i > 0 {
			time.Sleep(pause)
		}
		fmt.Fprintf(f.stdout, "\t%s: step %d: Storing File: %s\n", task, 2+i*100/len(files), file)
	}
	return files, exitOK
}

func (f *fake) endTask(task string) {
	fmt.Fprintf(f.stdout, "%s: end\n", task)
}

// projectFile resolves a path the editor reads relative to the project folder.
func projectFile(project, path string) string {
	if strings.HasPrefix(path, "res://") {
		return filepath.Join(project, strings.TrimPrefix(path, "res://"))
	}
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(project, path)
}

// packedFiles names n files as save_pack would store them: the project's
// scripts, scenes and resources in order, then res://project.binary last
// (export_project_files stores the converted project settings at the end).
// It pads with imported-looking names when the project is smaller.
func packedFiles(project string, n int) []string {
	if n == 0 {
		return nil
	}
	var found []string
	_ = filepath.WalkDir(project, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if path != project && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".gd", ".tscn", ".scn", ".tres", ".res", ".gdshader":
			rel, err := filepath.Rel(project, path)
			if err == nil {
				found = append(found, "res://"+filepath.ToSlash(rel))
			}
		}
		return nil
	})
	sort.Strings(found)
	if len(found) > n-1 {
		found = found[:n-1]
	}
	for i := len(found); i < n-1; i++ {
		found = append(found, fmt.Sprintf("res://.godot/imported/fake_%d.res", i))
	}
	return append(found, "res://project.binary")
}

// pckBytes is a small Godot pack: the "GDPC" magic, pack format 2, the engine
// version and the stored paths. Not loadable, but recognisable.
func pckBytes(version string, files []string) []byte {
	var b bytes.Buffer
	b.WriteString("GDPC")
	var major, minor, patch uint32
	fmt.Sscanf(version, "%d.%d.%d", &major, &minor, &patch)
	for _, v := range []uint32{2, major, minor, patch, 0} {
		_ = binary.Write(&b, binary.LittleEndian, v)
	}
	_ = binary.Write(&b, binary.LittleEndian, uint64(0)) // files base
	b.Write(make([]byte, 16*4))                          // reserved
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(files)))
	for _, file := range files {
		_ = binary.Write(&b, binary.LittleEndian, uint32(len(file)))
		b.WriteString(file)
	}
	return b.Bytes()
}

// emptyZip is a valid ZIP archive with no entries (an end of central directory).
func emptyZip() []byte {
	return append([]byte("PK\x05\x06"), make([]byte, 18)...)
}

// templateNames are a platform's export template file names.
type templateNames struct {
	debug   string
	release string
}

// platformTemplates gives the template file names of the 4.3 export
// platforms (their get_template_file_name / _get_template_name), and false
// for a platform 4.3 does not have.
func platformTemplates(p *preset) (templateNames, bool) {
	arch := p.option("binary_format/architecture", "x86_64")
	switch p.platform {
	case "Linux":
		return templateNames{"linux_debug." + arch, "linux_release." + arch}, true
	case "Windows Desktop":
		return templateNames{"windows_debug_" + arch + ".exe", "windows_release_" + arch + ".exe"}, true
	case "macOS":
		return templateNames{"macos.zip", "macos.zip"}, true
	case "iOS":
		return templateNames{"ios.zip", "ios.zip"}, true
	case "Android":
		return templateNames{"android_debug.apk", "android_release.apk"}, true
	case "Web":
		base := "web"
		if p.option("variant/extensions_support", "false") == "true" {
			base += "_dlink"
		}
		if p.option("variant/thread_support", "false") != "true" {
			base += "_nothreads"
		}
		return templateNames{base + "_debug.zip", base + "_release.zip"}, true
	}
	return templateNames{}, false
}

// templatesDir is EditorPaths' export templates folder for this version:
// $XDG_DATA_HOME (when absolute) or $HOME/.local/share, then
// godot/export_templates/<VERSION_FULL_CONFIG>.
func templatesDir(version string) string {
	return filepath.Join(xdgDir("XDG_DATA_HOME", ".local/share"), "godot", "export_templates", versionConfig(version))
}

// packTempPath is save_pack's temporary file in the editor cache folder.
func packTempPath() string {
	return filepath.Join(xdgDir("XDG_CACHE_HOME", ".cache"), "godot", "packtmp")
}

// xdgDir is OS_LinuxBSD's data/cache path: the XDG variable when it is an
// absolute path, else $HOME/<fallback>, else ".".
func xdgDir(env, fallback string) string {
	if v := os.Getenv(env); filepath.IsAbs(v) {
		return v
	}
	if home := os.Getenv("HOME"); home != "" {
		return filepath.Join(home, fallback)
	}
	return "."
}

// versionConfig is VERSION_FULL_CONFIG for a full version string: the
// numbers, the status and the module config, e.g. "4.3.stable" for
// "4.3.stable.official.77dcf97d8" or "4.3.stable.mono" for a .NET build.
func versionConfig(full string) string {
	fields := strings.Split(full, ".")
	i := 0
	for i < len(fields) && isDigits(fields[i]) {
		i++
	}
	end := i
	if end < len(fields) {
		end++ // status
	}
	if end < len(fields) && fields[end] == "mono" {
		end++
	}
	return strings.Join(fields[:end], ".")
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
