package gdscript

// Script is the outline of one GDScript file, or of an inner class in
// Classes. Declarations are kept in source order. The references (Loads,
// Paths, NodePaths, SignalUses, TypeRefs) and the Errors are collected for
// the whole file on the top-level Script; inner classes carry only their
// declarations.
type Script struct {
	Name    string `json:",omitempty"` // inner classes only
	Line    int    `json:",omitempty"` // inner classes only: the line of `class`
	EndLine int    `json:",omitempty"` // inner classes only: the last line of the body
	Doc     string `json:",omitempty"` // the ## comment block above class_name/extends (or `class`)

	Tool         bool `json:",omitempty"` // `tool` (3) or `@tool` (4)
	Abstract     bool `json:",omitempty"` // `@abstract` before class_name, extends or class (4.5)
	StaticUnload bool `json:",omitempty"` // `@static_unload`

	ClassName     string `json:",omitempty"`
	ClassNameLine int    `json:",omitempty"`
	Icon          string `json:",omitempty"` // class_name X, "res://icon.svg" (3) or @icon("...") (4)

	// Extends is a class name ("Node2D", "Inner.Class") or a path as written,
	// unquoted ("res://a.gd", "../motion.gd", "uid://..."). For Godot 3's
	// `extends "res://x.gd".Inner` Extends is the path and ExtendsInner the
	// dotted class inside it. Empty when the script does not extend anything
	// (it is then a RefCounted, or a Reference in Godot 3).
	Extends      string `json:",omitempty"`
	ExtendsPath  bool   `json:",omitempty"` // Extends was a quoted string (a path)
	ExtendsInner string `json:",omitempty"`
	ExtendsLine  int    `json:",omitempty"`

	Signals   []Signal   `json:",omitempty"`
	Variables []Variable `json:",omitempty"`
	Constants []Constant `json:",omitempty"`
	Enums     []Enum     `json:",omitempty"`
	Functions []Function `json:",omitempty"`
	Classes   []*Script  `json:",omitempty"`

	Loads      []Load        `json:",omitempty"`
	Paths      []PathRef     `json:",omitempty"`
	NodePaths  []NodePathRef `json:",omitempty"`
	SignalUses []SignalUse   `json:",omitempty"`
	TypeRefs   []TypeRef     `json:",omitempty"`
	Errors     []Error       `json:",omitempty"`
}

// Param is a parameter of a function, a lambda or a signal.
type Param struct {
	Name     string
	Type     string `json:",omitempty"` // as written: "int", "Array[Node]"; empty when untyped or inferred
	Default  string `json:",omitempty"` // source text of the default value, bounded
	Variadic bool   `json:",omitempty"` // ...args (Godot 4.5)
}

// Signal is a `signal` declaration.
type Signal struct {
	Name   string
	Line   int
	Params []Param `json:",omitempty"`
	Doc    string  `json:",omitempty"`
}

// Variable is a member variable (`var`, `static var`).
type Variable struct {
	Name     string
	Type     string `json:",omitempty"` // as written; empty when untyped or inferred (:=)
	Line     int
	Value    string `json:",omitempty"` // source text of the initializer, bounded
	Exported bool   `json:",omitempty"` // @export* (4) or export (3)
	Onready  bool   `json:",omitempty"`
	Static   bool   `json:",omitempty"`
	// Export is the export annotation or Godot 3 export hint as written:
	// "@export", "@export_range(0, 10)", "export(int, 0, 10)".
	Export string `json:",omitempty"`
	// Setter and Getter name the accessor functions: Godot 3's
	// `setget set_x, get_x` and Godot 4's `set = _set_x, get = _get_x`. A
	// Godot 4 accessor written inline (`set(value):` / `get:` with a body) is
	// recorded as "set" or "get".
	Setter string `json:",omitempty"`
	Getter string `json:",omitempty"`
	RPC    string `json:",omitempty"` // Godot 3 remote, master, puppet, ... on a var
	// Calls are the calls made by the initializer and by inline accessors.
	Calls []Call `json:",omitempty"`
	Doc   string `json:",omitempty"`
}

// Constant is a `const` declaration.
type Constant struct {
	Name  string
	Type  string `json:",omitempty"`
	Value string // source text of the expression, bounded
	Line  int
	Doc   string `json:",omitempty"`
}

// Enum is an `enum` declaration; Name is empty for an anonymous enum.
type Enum struct {
	Name   string `json:",omitempty"`
	Line   int
	Values []string `json:",omitempty"`
	Doc    string   `json:",omitempty"`
}

// Function is a `func` declaration (not a lambda).
type Function struct {
	Name       string
	Line       int
	EndLine    int
	Params     []Param `json:",omitempty"`
	ReturnType string  `json:",omitempty"`
	Static     bool    `json:",omitempty"`
	Abstract   bool    `json:",omitempty"` // @abstract, no body (Godot 4.5)
	// RPC is Godot 3's remote, master, puppet, remotesync, ... keyword, or
	// Godot 4's @rpc annotation as written ("@rpc(\"any_peer\")").
	RPC string `json:",omitempty"`
	// Calls are bare calls foo() and self.foo() in the body, including the
	// bodies of lambdas inside it, in source order, deduplicated by name and
	// line. load() and preload() are Loads, not Calls; super calls are left out.
	Calls []Call `json:",omitempty"`
	Doc   string `json:",omitempty"`
}

// Call is a call of a function by name.
type Call struct {
	Name string
	Line int
}

// Load is a preload("...") or load("...") (also ResourceLoader.load). When
// the argument is not one constant string, Dynamic is set and Path is the
// argument's source text.
type Load struct {
	Kind    string // "preload" or "load"
	Path    string
	Line    int
	Dynamic bool `json:",omitempty"`
}

// PathRef is any other string literal that is a resource path: it starts
// with res:// or uid:// and holds no template characters ('{', '%').
type PathRef struct {
	Path string
	Line int
}

// NodePathRef is a node path written in the script. Kind is "$" for $A/B
// and $"A/B", "%" for %Unique (Path without the '%'), "get_node" for
// get_node("..."), get_node_or_null("...") and has_node("...") called on
// self, and "^" for NodePath literals ^"..." (Godot 3 @"...").
type NodePathRef struct {
	Path string
	Line int
	Kind string
}

// SignalUse is a signal emitted, connected or disconnected by name: Kind
// is "emit" (emit_signal("x"), x.emit()), "connect" (connect("x", ...),
// x.connect(...)) or "disconnect". The receiver is not checked: in
// $Button.pressed.connect(f) the signal is "pressed" of another node.
type SignalUse struct {
	Signal string
	Line   int
	Kind   string
}

// TypeRef is an identifier starting with an uppercase letter used where a
// class is meant: a type hint, `is Foo`, `as Foo`, `Foo.new()`, `Foo.X`,
// `Foo.method()`. Built-in classes are kept. Deduplicated by name and line.
type TypeRef struct {
	Name string
	Line int
}
