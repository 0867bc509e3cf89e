package instance

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/godot-mcp-router/godot-mcp-router/detect"
	"github.com/godot-mcp-router/godot-mcp-router/detect/gdtext"
)

// Bounds of get_project_info: projects with hundreds of input actions exist,
// and one answer must stay small.
const (
	maxInputActions = 200
	maxEventsShown  = 8
)

// ProjectInfo is what get_project_info returns.
type ProjectInfo struct {
	Name          string        `json:"name"`
	Description   string        `json:"description,omitempty"`
	Root          string        `json:"root" jsonschema:"absolute path of the project folder"`
	ID            string        `json:"id" jsonschema:"slug/version as the router names it"`
	Slug          string        `json:"slug"`
	Version       string        `json:"version,omitempty"`
	Engine        string        `json:"engine" jsonschema:"engine version: 4.3, 4.x, 3.x or 3.0"`
	ConfigVersion int           `json:"config_version"`
	Features      []string      `json:"features"`
	MainScene     string        `json:"main_scene,omitempty" jsonschema:"res:// or uid:// path of the main scene"`
	MainScenePath string        `json:"main_scene_path,omitempty" jsonschema:"the res:// path a uid:// main scene resolves to"`
	MainSceneOK   *bool         `json:"main_scene_exists,omitempty" jsonschema:"whether the main scene file exists"`
	Icon          string        `json:"icon,omitempty"`
	Autoloads     []Autoload    `json:"autoloads"`
	InputActions  []InputAction `json:"input_actions"`
	InputTotal    int           `json:"input_actions_total"`
	Truncated     bool          `json:"truncated" jsonschema:"true when input_actions was cut at 200"`
	Plugins       []Plugin      `json:"plugins"`
	Counts        FileCounts    `json:"counts"`
	Classes       int           `json:"classes" jsonschema:"scripts with a class_name"`
	Broken        int           `json:"broken_references" jsonschema:"problems check_project reports"`
	Problems      []string      `json:"problems,omitempty" jsonschema:"what could not be read in project.godot"`
}

// Autoload is one [autoload] entry.
type Autoload struct {
	Name      string `json:"name"`
	Path      string `json:"path"`
	Singleton bool   `json:"singleton" jsonschema:"reachable by name from every script (the * prefix)"`
	Exists    *bool  `json:"exists,omitempty"`
}

// InputAction is one [input] entry.
type InputAction struct {
	Name     string   `json:"name"`
	Deadzone *float64 `json:"deadzone,omitempty"`
	Events   []string `json:"events" jsonschema:"a short description of each bound event"`
}

// Plugin is one enabled editor plugin.
type Plugin struct {
	Path   string `json:"path" jsonschema:"res:// path of its plugin.cfg"`
	Exists bool   `json:"exists"`
}

func projectInfoTool() tool {
	return tool{
		def: mcp.NewTool("get_project_info",
			mcp.WithDescription("Project overview from project.godot: name, engine version, main scene, autoloads, input actions, enabled plugins, and counts of scenes, scripts, resources and shaders."),
			mcp.WithReadOnlyHintAnnotation(true),
			mcp.WithDestructiveHintAnnotation(false),
			mcp.WithIdempotentHintAnnotation(true),
			mcp.WithOpenWorldHintAnnotation(false),
		),
		handle: (*Server).getProjectInfo,
		out:    mcp.WithOutputSchema[ProjectInfo](),
	}
}

func (s *Server) getProjectInfo(_ context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	info, err := s.projectInfo()
	if err != nil {
		return toolError("get_project_info: %v", err), nil
	}
	return structured(info, info.text()), nil
}

// projectInfo reads project.godot afresh on every call: it is small, and the
// answer then follows edits without a watcher.
func (s *Server) projectInfo() (ProjectInfo, error) {
	file := filepath.Join(s.root, "project.godot")
	src, err := detect.ReadRegular(file, detect.MaxConfigSize)
	if err != nil {
		return ProjectInfo{}, fmt.Errorf("reading project.godot: %w", err)
	}
	proj, _ := detect.Load(s.root)
	cfg, perr := gdtext.ParseConfig("project.godot", src)
	info := ProjectInfo{
		Name:          proj.Name,
		Description:   clip(cfg.GetString("application/config/description"), 2000),
		Root:          s.root,
		ID:            proj.ID(),
		Slug:          proj.Slug,
		Version:       proj.Version,
		Engine:        proj.Engine,
		ConfigVersion: proj.ConfigVersion,
		Features:      []string{},
		Icon:          cfg.GetString("application/config/icon"),
		Autoloads:     []Autoload{},
		InputActions:  []InputAction{},
		Plugins:       []Plugin{},
	}
	if perr != nil {
		for _, line := range strings.Split(perr.Error(), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				info.Problems = append(info.Problems, line)
			}
		}
	}
	if v, ok := cfg.Get("application/config/features"); ok {
		info.Features = append(info.Features, v.Strings()...)
	}
	if main := cfg.GetString("application/run/main_scene"); main != "" {
		info.MainScene = s.normalizeResPath(main)
		if strings.HasPrefix(info.MainScene, "res://") {
			ok := s.resExists(info.MainScene)
			info.MainSceneOK = &ok
		}
	}
	for _, e := range cfg.Section("autoload") {
		target, _ := e.Value.AsString()
		a := Autoload{Name: e.Key, Singleton: strings.HasPrefix(target, "*")}
		a.Path = s.normalizeResPath(strings.TrimPrefix(target, "*"))
		if strings.HasPrefix(a.Path, "res://") {
			ok := s.resExists(a.Path)
			a.Exists = &ok
		}
		info.Autoloads = append(info.Autoloads, a)
	}
	inputs := cfg.Section("input")
	info.InputTotal = len(inputs)
	for i, e := range inputs {
		if i == maxInputActions {
			info.Truncated = true
			break
		}
		info.InputActions = append(info.InputActions, inputAction(e))
	}
	if v, ok := cfg.Get("editor_plugins/enabled"); ok {
		for _, p := range v.Strings() {
			if !strings.Contains(p, "://") && !strings.HasSuffix(p, ".cfg") {
				// Godot 3 lists plugin folder names under addons/.
				p = "res://addons/" + p + "/plugin.cfg"
			}
			p = s.normalizeResPath(p)
			info.Plugins = append(info.Plugins, Plugin{Path: p, Exists: s.resExists(p)})
		}
	}
	if ix, err := s.index.current(); err != nil {
		info.Counts = countFiles(s.root)
	} else {
		info.Counts = countIndexed(ix)
		info.Classes = len(ix.Classes)
		info.Broken = len(ix.Problems)
		if strings.HasPrefix(info.MainScene, "uid://") {
			p, ok := ix.ByUID[info.MainScene]
			ok = ok && ix.Files[p] != nil
			info.MainScenePath = p
			info.MainSceneOK = &ok
		}
	}
	return info, nil
}

// normalizeResPath turns a bare relative path (some Godot 3 projects write
// main_scene="pong.tscn") into res:// form; other forms are kept.
func (s *Server) normalizeResPath(p string) string {
	if p == "" || strings.Contains(p, "://") {
		return p
	}
	return "res://" + strings.TrimPrefix(path.Clean("/"+p), "/")
}

// resExists reports whether a res:// path names an existing file inside the
// project.
func (s *Server) resExists(res string) bool {
	_, _, err := s.resolvePath(res)
	return err == nil
}

// inputAction summarizes one [input] entry: its deadzone and a short text for
// each event, such as "key keycode=4194319" or "joypad_button button_index=0".
func inputAction(e gdtext.Entry) InputAction {
	a := InputAction{Name: e.Key, Events: []string{}}
	if dz, ok := e.Value.Get("deadzone"); ok {
		if f, ok := dz.AsFloat(); ok {
			a.Deadzone = &f
		}
	}
	events, _ := e.Value.Get("events")
	for i, ev := range events.Items {
		if i == maxEventsShown {
			a.Events = append(a.Events, fmt.Sprintf("... %d more", len(events.Items)-i))
			break
		}
		a.Events = append(a.Events, describeEvent(ev))
	}
	return a
}

// eventFields are the properties that say which key, button or axis an
// input event is bound to, in Godot 4 and Godot 3 spellings.
var eventFields = []string{"keycode", "physical_keycode", "key_label", "unicode", "scancode", "physical_scancode",
	"button_index", "axis", "axis_value", "device"}

func describeEvent(ev gdtext.Value) string {
	if !ev.IsCall("Object") || len(ev.Type) == 0 {
		return ev.Kind.String()
	}
	class := ev.Type[0].Str
	kind := strings.TrimPrefix(class, "InputEvent")
	var parts []string
	for _, f := range eventFields {
		v, ok := ev.Get(f)
		if !ok {
			continue
		}
		switch v.Kind {
		case gdtext.KindInt:
			if v.Int == 0 && f != "button_index" && f != "axis" {
				continue // unset
			}
			if f == "device" {
				continue
			}
		case gdtext.KindFloat:
			if v.Float == 0 {
				continue
			}
		default:
			continue
		}
		parts = append(parts, f+"="+v.String())
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		return kind
	}
	return kind + " " + strings.Join(parts, " ")
}

func (info ProjectInfo) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s), Godot %s, at %s\n", info.Name, info.ID, info.Engine, info.Root)
	if info.MainScene != "" {
		fmt.Fprintf(&b, "main scene: %s", info.MainScene)
		if info.MainSceneOK != nil && !*info.MainSceneOK {
			b.WriteString(" (MISSING)")
		}
		b.WriteByte('\n')
	}
	c := info.Counts
	fmt.Fprintf(&b, "files: %d (scenes %d, scripts %d, resources %d, shaders %d); %d classes; %d broken references (check_project)\n",
		c.Files, c.Scenes, c.Scripts, c.Resources, c.Shaders, info.Classes, info.Broken)
	if len(info.Autoloads) > 0 {
		b.WriteString("autoloads:")
		for _, a := range info.Autoloads {
			fmt.Fprintf(&b, " %s=%s", a.Name, a.Path)
			if a.Exists != nil && !*a.Exists {
				b.WriteString(" (MISSING)")
			}
		}
		b.WriteByte('\n')
	}
	if len(info.InputActions) > 0 {
		names := make([]string, len(info.InputActions))
		for i, a := range info.InputActions {
			names[i] = a.Name
		}
		fmt.Fprintf(&b, "input actions (%d): %s\n", info.InputTotal, strings.Join(names, ", "))
	}
	for _, p := range info.Plugins {
		fmt.Fprintf(&b, "plugin: %s", p.Path)
		if !p.Exists {
			b.WriteString(" (MISSING)")
		}
		b.WriteByte('\n')
	}
	for _, p := range info.Problems {
		fmt.Fprintf(&b, "problem: %s\n", p)
	}
	return strings.TrimRight(b.String(), "\n")
}
