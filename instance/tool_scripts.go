package instance

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/godot-mcp-router/godot-mcp-router/instance/gdscript"
	"github.com/godot-mcp-router/godot-mcp-router/instance/index"
)

// ScriptSummary is one script in list_scripts.
type ScriptSummary struct {
	Path      string `json:"path"`
	ClassName string `json:"class_name,omitempty"`
	Extends   string `json:"extends,omitempty"`
	Tool      bool   `json:"tool,omitempty"`
	Functions int    `json:"functions"`
	Signals   int    `json:"signals"`
	UsedBy    int    `json:"used_by" jsonschema:"how many references reach this script"`
}

// ScriptList is what list_scripts returns.
type ScriptList struct {
	Total     int             `json:"total"`
	Offset    int             `json:"offset"`
	Truncated bool            `json:"truncated"`
	Scripts   []ScriptSummary `json:"scripts"`
}

func listScriptsTool() tool {
	opts := []mcp.ToolOption{
		mcp.WithDescription("List the project's GDScript files with class_name, extends and counts; filter by folder, class_name, extends or file name pattern."),
		mcp.WithString("folder", mcp.Description("only scripts under this folder, e.g. res://player")),
		mcp.WithString("class", mcp.Description("only scripts whose class_name contains this text (case-insensitive)")),
		mcp.WithString("extends", mcp.Description("only scripts that extend this class or path")),
		mcp.WithString("name", mcp.Description("file name pattern, e.g. *enemy*.gd")),
	}
	opts = append(opts, pagingArgs()...)
	opts = append(opts, readOnly())
	return tool{def: mcp.NewTool("list_scripts", opts...), handle: (*Server).listScripts, out: mcp.WithOutputSchema[ScriptList]()}
}

// readOnly marks a tool that reads the project and changes nothing.
func readOnly() mcp.ToolOption {
	return func(t *mcp.Tool) {
		for _, o := range []mcp.ToolOption{
			mcp.WithReadOnlyHintAnnotation(true),
			mcp.WithDestructiveHintAnnotation(false),
			mcp.WithIdempotentHintAnnotation(true),
			mcp.WithOpenWorldHintAnnotation(false),
		} {
			o(t)
		}
	}
}

func (s *Server) listScripts(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	ix, err := s.index.current()
	if err != nil {
		return toolError("list_scripts: %v", err), nil
	}
	folder, err1 := argString(req, "folder", false)
	class, err2 := argString(req, "class", false)
	ext, err3 := argString(req, "extends", false)
	name, err4 := argString(req, "name", false)
	if err := firstErr(err1, err2, err3, err4); err != nil {
		return toolError("list_scripts: %v", err), nil
	}
	if folder != "" {
		if folder, err = s.resArg(folder); err != nil {
			return toolError("list_scripts: %v", err), nil
		}
		folder = strings.TrimSuffix(folder, "/") + "/"
	}
	var all []ScriptSummary
	for _, p := range ix.Paths(index.KindScript) {
		f := ix.Files[p]
		sc := f.Script
		if folder != "" && folder != "res:///" && !strings.HasPrefix(p, folder) {
			continue
		}
		if name != "" {
			if ok, _ := path.Match(name, path.Base(p)); !ok {
				continue
			}
		}
		sum := ScriptSummary{Path: p, UsedBy: len(ix.In(p))}
		if sc != nil {
			sum.ClassName, sum.Extends, sum.Tool = sc.ClassName, sc.Extends, sc.Tool
			sum.Functions, sum.Signals = len(sc.Functions), len(sc.Signals)
		}
		if class != "" && !strings.Contains(strings.ToLower(sum.ClassName), strings.ToLower(class)) {
			continue
		}
		if ext != "" && !strings.EqualFold(sum.Extends, ext) && !strings.EqualFold(strings.Trim(sum.Extends, `"`), ext) {
			continue
		}
		all = append(all, sum)
	}
	lo, hi, err := page(req, len(all))
	if err != nil {
		return toolError("list_scripts: %v", err), nil
	}
	out := ScriptList{Total: len(all), Offset: lo, Truncated: hi < len(all), Scripts: append([]ScriptSummary{}, all[lo:hi]...)}
	var b strings.Builder
	fmt.Fprintf(&b, "%d scripts", out.Total)
	if out.Truncated {
		fmt.Fprintf(&b, " (showing %d-%d; pass offset=%d for more)", lo+1, hi, hi)
	}
	b.WriteString(":\n")
	for _, sc := range out.Scripts {
		fmt.Fprintf(&b, "%s", sc.Path)
		if sc.ClassName != "" {
			fmt.Fprintf(&b, " class_name %s", sc.ClassName)
		}
		if sc.Extends != "" {
			fmt.Fprintf(&b, " extends %s", sc.Extends)
		}
		fmt.Fprintf(&b, " (%d funcs, %d signals, used by %d)\n", sc.Functions, sc.Signals, sc.UsedBy)
	}
	return structured(out, strings.TrimRight(b.String(), "\n")), nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// Function is a function in a script outline.
type Function struct {
	Name       string   `json:"name"`
	Line       int      `json:"line"`
	Params     []string `json:"params" jsonschema:"each as written: name, name: Type, name := default"`
	ReturnType string   `json:"return_type,omitempty"`
	Static     bool     `json:"static"`
}

// Signal is a signal in a script outline.
type Signal struct {
	Name   string   `json:"name"`
	Line   int      `json:"line"`
	Params []string `json:"params"`
}

// Variable is a member variable in a script outline.
type Variable struct {
	Name     string `json:"name"`
	Line     int    `json:"line"`
	Type     string `json:"type,omitempty"`
	Exported bool   `json:"exported,omitempty"`
	Export   string `json:"export,omitempty"`
	Onready  bool   `json:"onready,omitempty"`
	Static   bool   `json:"static,omitempty"`
}

// Constant is a constant in a script outline.
type Constant struct {
	Name  string `json:"name"`
	Line  int    `json:"line"`
	Value string `json:"value,omitempty"`
}

// Enum is an enum in a script outline.
type Enum struct {
	Name   string   `json:"name,omitempty"`
	Line   int      `json:"line"`
	Values []string `json:"values"`
}

// Load is a preload or load in a script outline.
type Load struct {
	Kind    string `json:"kind"`
	Path    string `json:"path"`
	Line    int    `json:"line"`
	Dynamic bool   `json:"dynamic,omitempty"`
}

// InnerClass is a class declared inside a script.
type InnerClass struct {
	Name      string     `json:"name"`
	Line      int        `json:"line"`
	Extends   string     `json:"extends,omitempty"`
	Functions []Function `json:"functions"`
	Signals   []Signal   `json:"signals"`
}

// Outline is a script's declarations.
type Outline struct {
	ClassName string       `json:"class_name"`
	Extends   string       `json:"extends"`
	Inner     string       `json:"extends_inner,omitempty" jsonschema:"the inner class of extends \"res://a.gd\".Inner"`
	Tool      bool         `json:"tool"`
	Icon      string       `json:"icon,omitempty"`
	Signals   []Signal     `json:"signals"`
	Functions []Function   `json:"functions"`
	Variables []Variable   `json:"variables"`
	Constants []Constant   `json:"constants"`
	Enums     []Enum       `json:"enums"`
	Classes   []InnerClass `json:"inner_classes"`
	Loads     []Load       `json:"loads"`
	Errors    []string     `json:"errors,omitempty" jsonschema:"what the parser could not read, with line:col"`
	Truncated bool         `json:"outline_truncated" jsonschema:"true when a list above was cut at 100 entries"`
}

// scriptContentBytes bounds get_script's content (JSON-encoded bytes).
const scriptContentBytes = 20 << 10

// maxOutline bounds each list of an outline: a generated script with
// thousands of functions must not make a megabyte answer.
const maxOutline = 100

// capList cuts a list to maxOutline entries and says whether it did.
func capList[T any](l []T, cut *bool) []T {
	if len(l) > maxOutline {
		*cut = true
		return l[:maxOutline]
	}
	return l
}

func outlineOf(sc *gdscript.Script) Outline {
	o := Outline{Signals: []Signal{}, Functions: []Function{}, Variables: []Variable{}, Constants: []Constant{},
		Enums: []Enum{}, Classes: []InnerClass{}, Loads: []Load{}}
	if sc == nil {
		return o
	}
	o.ClassName, o.Extends, o.Inner, o.Tool, o.Icon = sc.ClassName, sc.Extends, sc.ExtendsInner, sc.Tool, sc.Icon
	o.Signals, o.Functions = signalsOf(sc), functionsOf(sc)
	for _, v := range sc.Variables {
		o.Variables = append(o.Variables, Variable{Name: v.Name, Line: v.Line, Type: v.Type, Exported: v.Exported, Export: v.Export, Onready: v.Onready, Static: v.Static})
	}
	for _, c := range sc.Constants {
		o.Constants = append(o.Constants, Constant{Name: c.Name, Line: c.Line, Value: c.Value})
	}
	for _, e := range sc.Enums {
		o.Enums = append(o.Enums, Enum{Name: e.Name, Line: e.Line, Values: append([]string{}, e.Values...)})
	}
	for _, c := range sc.Classes {
		o.Classes = append(o.Classes, InnerClass{Name: c.Name, Line: c.Line, Extends: c.Extends, Functions: functionsOf(c), Signals: signalsOf(c)})
	}
	for _, l := range sc.Loads {
		o.Loads = append(o.Loads, Load{Kind: l.Kind, Path: l.Path, Line: l.Line, Dynamic: l.Dynamic})
	}
	for _, e := range sc.Errors {
		o.Errors = append(o.Errors, clip(fmt.Sprintf("%d:%d: %s", e.Pos.Line, e.Pos.Col, e.Msg), 300))
	}
	o.Signals = capList(o.Signals, &o.Truncated)
	o.Functions = capList(o.Functions, &o.Truncated)
	o.Variables = capList(o.Variables, &o.Truncated)
	o.Constants = capList(o.Constants, &o.Truncated)
	o.Enums = capList(o.Enums, &o.Truncated)
	o.Classes = capList(o.Classes, &o.Truncated)
	o.Loads = capList(o.Loads, &o.Truncated)
	o.Errors = capList(o.Errors, &o.Truncated)
	for i := range o.Enums {
		o.Enums[i].Values = capList(o.Enums[i].Values, &o.Truncated)
	}
	for i := range o.Classes {
		o.Classes[i].Functions = capList(o.Classes[i].Functions, &o.Truncated)
		o.Classes[i].Signals = capList(o.Classes[i].Signals, &o.Truncated)
	}
	return o
}

func functionsOf(sc *gdscript.Script) []Function {
	out := []Function{}
	for _, f := range sc.Functions {
		out = append(out, Function{Name: f.Name, Line: f.Line, Params: paramsText(f.Params), ReturnType: f.ReturnType, Static: f.Static})
	}
	return out
}

func signalsOf(sc *gdscript.Script) []Signal {
	out := []Signal{}
	for _, s := range sc.Signals {
		out = append(out, Signal{Name: s.Name, Line: s.Line, Params: paramsText(s.Params)})
	}
	return out
}

func paramsText(ps []gdscript.Param) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		t := p.Name
		if p.Type != "" {
			t += ": " + p.Type
		}
		if p.Default != "" {
			t += " = " + p.Default
		}
		out = append(out, t)
	}
	return out
}

// ScriptDetail is what get_script returns.
type ScriptDetail struct {
	Path    string      `json:"path"`
	Outline             // class_name, extends, functions, signals, ...
	UsedBy  int         `json:"used_by"`
	Source  *SourceFile `json:"source,omitempty" jsonschema:"the content, 20 KiB at most; read on with start_line"`
}

func getScriptTool() tool {
	return tool{
		def: mcp.NewTool("get_script",
			mcp.WithDescription("A GDScript file's outline (class_name, extends, signals, functions with lines and signatures, variables, constants, enums, inner classes, preloads) and its content (20 KiB at most; `start_line` reads on)."),
			mcp.WithString("path", mcp.Required(), mcp.Description("res:// path of the .gd file")),
			mcp.WithBoolean("content", mcp.Description("include the source text (default true)")),
			mcp.WithNumber("start_line", mcp.Description("first line of content (default 1)"), mcp.Min(1)),
			mcp.WithNumber("end_line", mcp.Description("last line of content"), mcp.Min(1)),
			readOnly()),
		handle: (*Server).getScript,
		out:    mcp.WithOutputSchema[ScriptDetail](),
	}
}

func (s *Server) getScript(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	arg, err := argString(req, "path", true)
	if err != nil {
		return toolError("get_script: %v", err), nil
	}
	withContent, err := argBool(req, "content", true)
	if err != nil {
		return toolError("get_script: %v", err), nil
	}
	start, err1 := argInt(req, "start_line", 1)
	end, err2 := argInt(req, "end_line", 0)
	if err := firstErr(err1, err2); err != nil {
		return toolError("get_script: %v", err), nil
	}
	ix, err := s.index.current()
	if err != nil {
		return toolError("get_script: %v", err), nil
	}
	p, err := s.resArg(arg)
	if err != nil {
		return toolError("get_script: %v", err), nil
	}
	if q, ok := ix.ByUID[p]; ok {
		p = q
	}
	f, ok := ix.Files[p]
	if !ok || f.Kind != index.KindScript {
		return toolError("get_script: %s is not a script of this project (list_scripts lists them)", p), nil
	}
	out := ScriptDetail{Path: p, Outline: outlineOf(f.Script), UsedBy: len(ix.In(p))}
	if withContent {
		abs, _, err := s.resolvePath(p)
		if err != nil {
			return toolError("get_script: %v", err), nil
		}
		// Less content than get_source_file gives: the outline shares the
		// answer.
		src, err := readSource(abs, max(start, 1), end, scriptContentBytes)
		if err != nil {
			return toolError("get_script: %s: %v", p, err), nil
		}
		src.Path = p
		out.Source = &src
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s", p)
	if out.ClassName != "" {
		fmt.Fprintf(&b, " class_name %s", out.ClassName)
	}
	if out.Extends != "" {
		fmt.Fprintf(&b, " extends %s", out.Extends)
	}
	fmt.Fprintf(&b, "\nsignals: %d, functions: %d, variables: %d, used by %d\n", len(out.Signals), len(out.Functions), len(out.Variables), out.UsedBy)
	for i, fn := range out.Functions {
		if i == 50 {
			fmt.Fprintf(&b, "  ... %d more functions in the structured result\n", len(out.Functions)-i)
			break
		}
		fmt.Fprintf(&b, "  %d: func %s(%s)", fn.Line, fn.Name, strings.Join(fn.Params, ", "))
		if fn.ReturnType != "" {
			fmt.Fprintf(&b, " -> %s", fn.ReturnType)
		}
		b.WriteByte('\n')
	}
	if out.Source != nil {
		fmt.Fprintf(&b, "lines %d-%d of %d", out.Source.StartLine, out.Source.EndLine, out.Source.TotalLines)
		if out.Source.Truncated {
			fmt.Fprintf(&b, " (truncated; continue with start_line=%d)", out.Source.NextLine)
		}
		b.WriteString(":\n")
		b.WriteString(out.Source.Content)
	}
	return structured(out, strings.TrimRight(b.String(), "\n")), nil
}
