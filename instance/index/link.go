package index

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/godot-mcp-router/godot-mcp-router/detect"
	"github.com/godot-mcp-router/godot-mcp-router/detect/gdtext"
	"github.com/godot-mcp-router/godot-mcp-router/instance/gdscript"
	"github.com/godot-mcp-router/godot-mcp-router/instance/resfile"
)

//go:embed engine_classes.txt
var engineClassList string

// engineClasses is the set of engine class names.
func engineClasses() map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(engineClassList) {
		m[n] = true
	}
	return m
}

// classes fills the class_name map: from the scripts themselves, and from
// the class lists a project may keep (Godot 3's _global_script_classes).
func (ix *Index) classes() {
	for p, f := range ix.Files {
		if f.Script != nil && f.Script.ClassName != "" {
			if prev, ok := ix.Classes[f.Script.ClassName]; !ok || p < prev {
				ix.Classes[f.Script.ClassName] = p
			}
		}
	}
	if v, ok := ix.Config.Get("_global_script_classes"); ok {
		for _, item := range v.Items {
			class, _ := item.Get("class")
			file, _ := item.Get("path")
			name, _ := class.AsString()
			p, _ := file.AsString()
			if name != "" && p != "" {
				if _, known := ix.Classes[name]; !known {
					ix.Classes[name] = cleanRes(p)
				}
			}
		}
	}
}

// link resolves every reference into edges and problems.
func (ix *Index) link() {
	ix.engine = engineClasses()
	engine := ix.engine
	for _, p := range ix.sortedPaths("") {
		f := ix.Files[p]
		switch {
		case f.Scene != nil:
			ix.linkScene(f)
		case f.Script != nil:
			ix.linkScript(p, f.Script, 0, engine)
		}
		if f.Err != nil && (f.Scene != nil || f.Script != nil || f.lfs) {
			ix.Problems = append(ix.Problems, Problem{Kind: "parse_error", File: p, Line: errLine(f), Message: f.Err.Error()})
		}
		if f.Scene != nil && f.Scene.Format == 1 {
			ix.Problems = append(ix.Problems, Problem{Kind: "unsupported", File: p, Message: "a Godot 2 file (format=1)"})
		}
	}
	ix.linkProject()

	sort.SliceStable(ix.Edges, func(i, j int) bool {
		a, b := ix.Edges[i], ix.Edges[j]
		if a.From != b.From {
			return a.From < b.From
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.To < b.To
	})
	ix.indexEdges()
	sort.SliceStable(ix.Problems, func(i, j int) bool {
		a, b := ix.Problems[i], ix.Problems[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
}

// indexEdges fills the out and in maps from Edges, as link leaves them
// and as Restore finds them.
func (ix *Index) indexEdges() {
	ix.out = make(map[string][]int, len(ix.Files))
	ix.in = make(map[string][]int, len(ix.Files))
	for i, e := range ix.Edges {
		ix.out[e.From] = append(ix.out[e.From], i)
		ix.in[e.To] = append(ix.in[e.To], i)
	}
}

// errLine is the line of a file's first parse error, 0 when unknown.
func errLine(f *File) int {
	if f.Script != nil && len(f.Script.Errors) > 0 {
		return f.Script.Errors[0].Pos.Line
	}
	var ge *gdtext.Error
	if errors.As(f.Err, &ge) {
		return ge.Pos.Line
	}
	return 0
}

// cleanRes normalizes a res:// path ("res://a/../b" -> "res://b").
func cleanRes(p string) string {
	rest, ok := strings.CutPrefix(p, "res://")
	if !ok {
		return p
	}
	c := path.Clean("/" + rest)
	return "res://" + strings.TrimPrefix(c, "/")
}

// absolute turns a path as written in file `from` into a res:// path.
func absolute(from, written string) string {
	switch {
	case strings.HasPrefix(written, "res://"):
		return cleanRes(written)
	case strings.Contains(written, "://"):
		return written
	case strings.HasPrefix(written, "/"):
		return written // an OS path: not a project reference
	}
	dir := path.Dir(strings.TrimPrefix(from, "res://"))
	return cleanRes("res://" + path.Join(dir, written))
}

// exists reports whether a res:// path names a file (or folder) of the
// project, indexed or not (a reference into a skipped folder still exists).
func (ix *Index) exists(res string) bool {
	if _, ok := ix.Files[res]; ok {
		return true
	}
	if found, ok := ix.outside[res]; ok {
		return found
	}
	rest, ok := strings.CutPrefix(res, "res://")
	if !ok {
		return false
	}
	_, err := os.Stat(filepath.Join(ix.Root, filepath.FromSlash(rest)))
	// Recorded, so that a later check of the index against the disk
	// notices when it appears or goes (see matches).
	ix.outside[res] = err == nil
	return err == nil
}

// resolve follows a reference by uid and/or path. It returns the target's
// res path; ok is false when the reference is broken, with a problem kind.
func (ix *Index) resolve(from, written, id string) (target string, ok bool, kind string) {
	if strings.HasPrefix(written, "uid://") {
		id, written = written, "" // a uid written where a path may stand
	}
	var pathTarget string
	if written != "" {
		pathTarget = absolute(from, written)
	}
	if id != "" {
		if p, known := ix.ByUID[id]; known {
			switch {
			case ix.exists(p) && (pathTarget == "" || p == pathTarget || !ix.exists(pathTarget) || !ix.dupUID[id]):
				return p, true, ""
			case pathTarget != "" && ix.exists(pathTarget):
				// The uid's file is gone (only an orphan .import names it),
				// or the uid is on several files and the path names one of
				// them: the engine loads the path.
				return pathTarget, true, ""
			}
			return p, false, "missing_file"
		}
	}
	if written == "" {
		return "", false, "unknown_uid"
	}
	target = pathTarget
	if !strings.HasPrefix(target, "res://") {
		return target, true, "" // user:// and OS paths are outside the project's graph
	}
	if ix.exists(target) {
		return target, true, ""
	}
	if id != "" {
		return target, false, "unknown_uid"
	}
	return target, false, "missing_file"
}

// ref records one reference: an edge when it resolves, a problem when not.
func (ix *Index) ref(from string, line int, kind, written, id, detail string) {
	ix.refAt(from, from, line, kind, written, id, detail)
}

// refAt is ref with relative paths taken from base's folder.
func (ix *Index) refAt(from, base string, line int, kind, written, id, detail string) {
	target, ok, why := ix.resolve(base, written, id)
	if ok {
		if strings.HasPrefix(target, "res://") {
			ix.Edges = append(ix.Edges, Edge{From: from, To: target, Kind: kind, Line: line, Detail: detail})
		}
		return
	}
	what := written
	if what == "" {
		what = id
	}
	msg := fmt.Sprintf("%s reference to %s: no such file", kind, what)
	if strings.HasPrefix(target, "res://") && written != "" && target != absolute(base, written) {
		msg = fmt.Sprintf("%s reference to %s: it leads to %s, which is missing", kind, what, target)
	}
	if why == "unknown_uid" {
		msg = fmt.Sprintf("%s reference to %s: unknown uid %s and no file at the path", kind, what, id)
		if written == "" {
			msg = fmt.Sprintf("%s reference to unknown uid %s", kind, id)
		}
	}
	missing := ""
	if strings.HasPrefix(target, "res://") {
		missing = target
	}
	ix.Problems = append(ix.Problems, Problem{Kind: why, File: from, Line: line, Target: what, Missing: missing, Message: msg})
}

func (ix *Index) linkScene(f *File) {
	sc := f.Scene
	kinds := map[string]map[string]bool{} // ext id -> edge kinds by use
	for _, u := range sc.ExtRefs() {
		k := "ext_resource"
		switch {
		case u.Where == "instance":
			k = "instance"
		case u.Where == "script":
			k = "script"
		}
		if kinds[u.ID] == nil {
			kinds[u.ID] = map[string]bool{}
		}
		kinds[u.ID][k] = true
	}
	for _, ext := range sc.ExtResources {
		ks := kinds[ext.ID]
		kind := "ext_resource"
		switch {
		case ks["instance"]:
			kind = "instance"
		case ks["script"]:
			kind = "script"
		}
		ix.ref(f.Path, ext.Line, kind, ext.Path, ext.UID, ext.Type)
	}
	for _, n := range sc.Nodes {
		if n.InstancePlaceholder != "" {
			ix.ref(f.Path, n.Line, "instance", n.InstancePlaceholder, "", "placeholder "+n.Path)
		}
	}
	// Built-in scripts can preload and extend too.
	for _, sub := range sc.SubResources {
		if sub.Type == "GDScript" && sub.Source != "" {
			s := gdscript.Parse([]byte(sub.Source))
			// Line 1 of the source is the line of `script/source = "`.
			offset := sub.Line
			for _, pr := range sub.Props {
				if pr.Name == "script/source" {
					offset = pr.Line - 1
				}
			}
			ix.linkScript(f.Path, s, offset, ix.engine)
		}
	}
	// A connection ties the scene to the script of the node that handles it.
	for _, c := range sc.Connections {
		if target := ix.nodeScript(f.Path, sc, c.To); target != "" {
			ix.Edges = append(ix.Edges, Edge{From: f.Path, To: target, Kind: "signal", Line: c.Line,
				Detail: c.Signal + " -> " + c.Method})
		}
	}
}

// nodeScript returns the res path of the script attached to the node at
// nodePath in sc ("" when none or built in).
func (ix *Index) nodeScript(from string, sc *resfile.File, nodePath string) string {
	for _, n := range sc.Nodes {
		if n.Path != nodePath || n.Script.Kind != "ext" {
			continue
		}
		ext, ok := sc.ExtByID(n.Script.ID)
		if !ok {
			return ""
		}
		target, ok, _ := ix.resolve(from, ext.Path, ext.UID)
		if ok {
			return target
		}
	}
	return ""
}

// linkScript records what a script file depends on; lineOffset shifts lines
// of built-in scripts.
func (ix *Index) linkScript(p string, s *gdscript.Script, lineOffset int, engine map[string]bool) {
	if s.Extends != "" {
		if s.ExtendsPath {
			written := s.Extends
			if i := strings.Index(written, "\"."); i > 0 { // extends "res://a.gd".Inner
				written = written[:i]
			}
			ix.ref(p, s.ExtendsLine+lineOffset, "extends", written, uidOf(written), "")
		} else {
			base := strings.SplitN(s.Extends, ".", 2)[0]
			if target, ok := ix.Classes[base]; ok {
				if target != p {
					ix.Edges = append(ix.Edges, Edge{From: p, To: target, Kind: "extends", Line: s.ExtendsLine + lineOffset, Detail: base})
				}
			} else if !engine[base] && !ix.usedAsType(base) {
				ix.Problems = append(ix.Problems, Problem{Kind: "unresolved_extends", File: p, Line: s.ExtendsLine + lineOffset, Target: base,
					Message: fmt.Sprintf("extends %s: neither an engine class nor a class_name of this project", base)})
			}
		}
	}
	ix.linkScriptRefs(p, s, lineOffset)
	for _, inner := range s.Classes {
		ix.linkScriptRefs(p, inner, lineOffset)
	}
}

// usedAsType reports whether some scene or resource of the project uses a
// name as a node or resource type: then it is an engine (or module) class
// missing from our list rather than a typo.
func (ix *Index) usedAsType(name string) bool {
	for _, f := range ix.Files {
		if f.Scene == nil {
			continue
		}
		if f.Scene.Type == name {
			return true
		}
		for _, n := range f.Scene.Nodes {
			if n.Type == name {
				return true
			}
		}
		for _, s := range f.Scene.SubResources {
			if s.Type == name {
				return true
			}
		}
	}
	return false
}

func uidOf(written string) string {
	if strings.HasPrefix(written, "uid://") {
		return written
	}
	return ""
}

func (ix *Index) linkScriptRefs(p string, s *gdscript.Script, lineOffset int) {
	for _, l := range s.Loads {
		if l.Dynamic || l.Path == "" {
			continue
		}
		base := p
		if l.Kind == "load" {
			// load() localizes a relative path against res://, not the
			// script's folder (preload and extends use the folder).
			base = "res://project.godot"
		}
		ix.refAt(p, base, l.Line+lineOffset, l.Kind, l.Path, "", "")
	}
	for _, r := range s.Paths {
		// Only whole file paths: "res://levels/level_" + str(n) is a
		// prefix being built, and "res://levels/" a folder.
		if strings.ContainsAny(r.Path, "%{*") || strings.HasSuffix(r.Path, "/") ||
			(!strings.HasPrefix(r.Path, "uid://") && path.Ext(r.Path) == "") {
			continue
		}
		ix.refAt(p, "res://project.godot", r.Line+lineOffset, "load", r.Path, "", "string")
	}
	seen := map[string]bool{}
	for _, t := range s.TypeRefs {
		target, ok := ix.Classes[t.Name]
		if !ok || target == p || seen[t.Name] {
			continue
		}
		seen[t.Name] = true
		ix.Edges = append(ix.Edges, Edge{From: p, To: target, Kind: "class", Line: t.Line + lineOffset, Detail: t.Name})
	}
}

// linkProject follows project.godot: main scene, icon, autoloads, plugins.
func (ix *Index) linkProject() {
	const from = "res://project.godot"
	cfg := ix.Config
	lineOf := func(name string) int {
		for i := len(cfg.Entries) - 1; i >= 0; i-- {
			e := cfg.Entries[i]
			if e.Section+"/"+e.Key == name || e.Key == name {
				return e.Pos.Line
			}
		}
		return 0
	}
	if v, ok := cfg.Get("application/run/main_scene"); ok {
		if s, _ := v.AsString(); s != "" {
			ix.projectRef(from, lineOf("application/run/main_scene"), "main_scene", s)
		}
	}
	if v, ok := cfg.Get("application/config/icon"); ok {
		if s, _ := v.AsString(); s != "" {
			ix.projectRef(from, lineOf("application/config/icon"), "ext_resource", s)
		}
	}
	// Every other setting that names a project file: default environment,
	// theme, bus layout, boot splash, translations, cursors, ...
	handled := map[string]bool{"application/run/main_scene": true, "application/config/icon": true, "editor_plugins/enabled": true}
	for _, e := range cfg.Entries {
		name := e.Key
		if e.Section != "" {
			name = e.Section + "/" + e.Key
		}
		if handled[name] || e.Section == "autoload" || e.Section == "" || e.Section == "input" {
			continue
		}
		for _, str := range resStrings(e.Value, 0) {
			if i := strings.LastIndexByte(str, ':'); i > len("res://") && !strings.Contains(str[i:], "/") {
				str = str[:i] // a translation remap: "res://a.wav:es"
			}
			if requiredSetting(name) {
				ix.ref(from, e.Pos.Line, "setting", bareToRes(str), "", name)
				continue
			}
			// Other settings may name optional files (GDNative singletons,
			// translations not shipped): an edge when they resolve, no
			// problem when they do not.
			if target, ok, _ := ix.resolve(from, bareToRes(str), ""); ok && strings.HasPrefix(target, "res://") {
				ix.Edges = append(ix.Edges, Edge{From: from, To: target, Kind: "setting", Line: e.Pos.Line, Detail: name})
			}
		}
	}
	for _, e := range cfg.Section("autoload") {
		s, _ := e.Value.AsString()
		a := Autoload{Name: e.Key, Singleton: strings.HasPrefix(s, "*"), Written: strings.TrimPrefix(s, "*"), Line: e.Pos.Line}
		if a.Written != "" {
			target, ok, _ := ix.resolve(from, bareToRes(a.Written), uidOf(a.Written))
			if ok {
				a.Path = target
				ix.Edges = append(ix.Edges, Edge{From: from, To: target, Kind: "autoload", Line: a.Line, Detail: a.Name})
			} else {
				ix.Problems = append(ix.Problems, Problem{Kind: "missing_autoload", File: from, Line: a.Line, Target: a.Written, Missing: bareToRes(a.Written),
					Message: fmt.Sprintf("autoload %s points to %s, which does not exist", a.Name, a.Written)})
			}
		}
		ix.Autoload = append(ix.Autoload, a)
	}
	if v, ok := cfg.Get("editor_plugins/enabled"); ok {
		for _, p := range v.Strings() {
			if !strings.Contains(p, "://") && !strings.HasSuffix(p, ".cfg") {
				p = "res://addons/" + p + "/plugin.cfg" // Godot 3 lists folder names
			}
			target := bareToRes(p)
			if ix.exists(target) {
				ix.Edges = append(ix.Edges, Edge{From: from, To: target, Kind: "plugin", Line: lineOf("editor_plugins/enabled")})
				ix.pluginScript(target)
			} else {
				ix.Problems = append(ix.Problems, Problem{Kind: "missing_plugin", File: from, Line: lineOf("editor_plugins/enabled"), Target: p, Missing: target,
					Message: fmt.Sprintf("enabled plugin %s does not exist", p)})
			}
		}
	}
}

// requiredSetting reports the project settings whose file the engine loads
// at start: a missing one is a broken reference.
func requiredSetting(name string) bool {
	switch name {
	case "rendering/environment/default_environment", // Godot 3
		"gui/theme/custom",
		"gui/theme/custom_font",
		"audio/buses/default_bus_layout",
		"audio/default_bus_layout", // Godot 3
		"application/boot_splash/image",
		"display/mouse_cursor/custom_image":
		return true
	}
	return false
}

// resStrings lists the res:// and uid:// strings inside a value (arrays,
// PackedStringArray and other constructors included), bounded in depth.
func resStrings(v gdtext.Value, depth int) []string {
	if depth > 8 {
		return nil
	}
	if s, ok := v.AsString(); ok {
		if strings.HasPrefix(s, "res://") || strings.HasPrefix(s, "uid://") {
			return []string{s}
		}
		return nil
	}
	var out []string
	for _, it := range v.Items {
		out = append(out, resStrings(it, depth+1)...)
	}
	return out
}

// projectRef is a project.godot reference that may be a uid or a bare path.
func (ix *Index) projectRef(from string, line int, kind, written string) {
	id := uidOf(written)
	if id != "" {
		written = ""
	} else {
		written = bareToRes(written)
	}
	before := len(ix.Problems)
	ix.ref(from, line, kind, written, id, "")
	if kind == "main_scene" && len(ix.Problems) > before {
		ix.Problems[len(ix.Problems)-1].Kind = "missing_main_scene"
	}
}

// pluginScript links a plugin.cfg to its script. Only a file the walk found
// (a regular file inside the root, not through a symlink) is read.
func (ix *Index) pluginScript(cfgPath string) {
	if _, ok := ix.Files[cfgPath]; !ok {
		return
	}
	src, err := detect.ReadRegular(filepath.Join(ix.Root, filepath.FromSlash(strings.TrimPrefix(cfgPath, "res://"))), detect.MaxConfigSize)
	if err != nil {
		return
	}
	cfg, _ := gdtext.ParseConfig(cfgPath, src)
	if cfg == nil {
		return
	}
	if s := cfg.GetString("plugin/script"); s != "" {
		for _, e := range cfg.Section("plugin") {
			if e.Key == "script" {
				ix.ref(cfgPath, e.Pos.Line, "script", s, uidOf(s), "")
			}
		}
	}
}

// bareToRes turns project.godot's bare relative paths ("pong.tscn") into
// res:// paths; uid:// and res:// stay as they are.
func bareToRes(p string) string {
	switch {
	case p == "":
		return p
	case strings.HasPrefix(p, "res://"):
		return cleanRes(p) // res://../x must not climb out of the root
	case strings.Contains(p, "://"):
		return p
	}
	return cleanRes("res://" + p)
}

// Out returns the edges leaving a file.
func (ix *Index) Out(p string) []Edge { return ix.pick(ix.out[p]) }

// In returns the edges reaching a file.
func (ix *Index) In(p string) []Edge { return ix.pick(ix.in[p]) }

func (ix *Index) pick(idx []int) []Edge {
	out := make([]Edge, len(idx))
	for i, k := range idx {
		out[i] = ix.Edges[k]
	}
	return out
}
