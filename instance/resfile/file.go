package resfile

import (
	"errors"

	"github.com/godot-mcp-router/godot-mcp-router/detect/gdtext"
)

// The errors Parse returns for files that are not text resources at all,
// wrapped with the file name; match them with errors.Is.
var (
	// ErrLFSPointer: the file is a Git LFS pointer ("version
	// https://git-lfs.github.com/spec/v1 ..."); the resource itself was
	// never fetched.
	ErrLFSPointer = errors.New("file is a Git LFS pointer, not the resource (run git lfs pull)")
	// ErrXML: the file is a Godot 2 XML scene or resource (.xscn, .xml).
	ErrXML = errors.New("Godot 2 XML resource format is not supported")
	// ErrBinary: the file is a binary resource (RSRC or RSCC) under a text
	// name; read its header with package uid.
	ErrBinary = errors.New("file is a binary resource, not a text one")
)

// File is one parsed .tscn or .tres file.
type File struct {
	Kind        string // "scene" (gd_scene) or "resource" (gd_resource); "" when the header is missing
	Format      int    // 1 Godot 2, 2 Godot 3, 3 Godot 4, 4 Godot 4.3+; 0 when absent
	LoadSteps   int    // 0 when absent (always since 4.6)
	UID         string // header uid="uid://...", or ""
	Type        string // gd_resource type="..."
	ScriptClass string // gd_resource script_class="..."

	ExtResources []ExtResource
	SubResources []SubResource
	Resource     []Prop // the [resource] section of a .tres
	Nodes        []Node // in file order; Nodes[0] is the root
	Connections  []Connection
	Editable     []string // [editable path="A/B"], in file order

	// Errors holds every problem found: *gdtext.Error values for problems
	// at a position, syntax first in file order, then references to
	// undeclared ids.
	Errors []error
}

// ExtResource is an [ext_resource] section.
type ExtResource struct {
	ID   string // normalized: id=2 gives "2"
	Type string
	Path string // as written: "res://a.png", or relative to the file's folder ("../a.png")
	UID  string // uid="uid://..." (Godot 4), or ""
	Line int
}

// SubResource is a [sub_resource] section: a resource built into the file.
type SubResource struct {
	ID     string // normalized like ExtResource.ID
	Type   string
	Line   int
	Props  []Prop
	Source string // the script/source of a built-in GDScript (Type "GDScript"), else ""
}

// Node is a [node] section.
type Node struct {
	Name string
	Type string // "" for an instance, an inherited root or an override
	// Parent is as written: "" for the root, "." for a child of the root,
	// "A/B" deeper (paths do not include the root's name).
	Parent string
	// Path is the node's path from the root, without the root's name:
	// "." for the root, "A", "A/B/C" below it.
	Path                string
	Instance            string // the ext_resource id of instance=ExtResource(...), or ""
	InstancePlaceholder string // instance_placeholder="res://x.tscn", a plain path, or ""
	Owner               string
	Groups              []string
	NodePaths           []string // node_paths=PackedStringArray(...): properties holding NodePaths
	Index               int      // index="N", or -1 when absent
	Script              Ref      // from a script = ExtResource(...) or SubResource(...) property
	Props               []Prop   // every property line, in order
	Line                int
	// Inherited is set on a root with instance= and no type: the scene
	// inherits the instanced one.
	Inherited bool
	// Override is set on a non-root node with neither type nor instance
	// (nor instance_placeholder): it changes a node inside an instanced
	// scene.
	Override bool
	// UniqueID and ParentIDPath are Godot 4.6's unique_id=... and
	// parent_id_path=..., kept as written ("1853132735",
	// "PackedInt32Array(1103021127, 2033118158)"), or "".
	UniqueID     string
	ParentIDPath string

	InstancePos gdtext.Pos // where instance=ExtResource(...) is written; zero when no Instance
}

// Connection is a [connection] section: a signal connected in the editor.
type Connection struct {
	Signal  string
	From    string // node path of the emitter, relative to the root ("." is the root)
	To      string // node path of the receiver
	Method  string
	Flags   int          // 2 (CONNECT_PERSIST) when flags= is absent, as in the engine
	Binds   gdtext.Value // binds= [...] as written; a zero (null) Value when absent
	Unbinds int          // unbinds=N (Godot 4), 0 when absent
	// FromIDPath and ToIDPath are Godot 4.6's from_uid_path= and
	// to_uid_path=, kept as written, or "".
	FromIDPath string
	ToIDPath   string
	Line       int
}

// Prop is one name = value property line.
type Prop struct {
	Name  string // unquoted: "nodes/Animation 2/node"
	Value gdtext.Value
	Line  int
}

// Ref names an ext_resource or a sub_resource of the same file.
type Ref struct {
	Kind string // "ext", "sub", or "" for no reference
	ID   string
}

// RefUse is one use of an ext_resource, for typing the edges of a
// dependency graph.
type RefUse struct {
	ID   string // the ext_resource id
	Line int    // where the ExtResource(...) is written
	// Where says how the resource is used: "instance" (a node's
	// instance=), "script" (a script property), "property <name>" (in a
	// property's value, at any depth), or "binds" (a connection's binds).
	Where string
	// In names the section: "node <path>", "sub_resource <id>",
	// "resource", or "connection".
	In string
}
