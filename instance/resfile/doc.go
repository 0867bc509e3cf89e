// Package resfile reads Godot's text scene (.tscn) and resource (.tres) files: header, external and internal resources, the node tree, connections and editable paths.
//
// # Reading
//
// Parse walks a file section by section with the value reader of
// detect/gdtext: [tag attr=value ...] headers and name = value property
// lines, by byte offset, never by splitting lines, so a multi-line string
// holding a line that starts with '[' (BBCode such as [table=2] in a
// RichTextLabel) stays a string. A leading UTF-8 BOM and CRLF line endings
// are accepted. Godot 2 (format=1), 3 (format=2) and 4 (format=3 and 4)
// files share the syntax; Godot 2's XML scenes (.xscn) are refused with
// ErrXML.
//
// Parse always returns a File holding everything it could read. Each
// problem is an error in File.Errors, a *gdtext.Error with the file, line
// and column and what was expected where the problem has a position. After
// a syntax error the reader carries on at the next line that starts a known
// section ([node ...], [sub_resource ...], ...), so the remaining
// properties of a broken section are lost but the rest of the file is not.
// Besides syntax, Parse reports what the engine would refuse to load: a
// missing header, nodes without a parent after the root, duplicate ids and
// node paths, and ExtResource/SubResource references to ids the file does
// not declare. After 50 problems Parse stops reading.
//
// # Node paths
//
// Node.Parent is kept as written; Node.Path is computed as the engine's
// NodePath from the root, without the root's name: "." for the root,
// "A" for a child of the root (parent="."), "A/B/C" deeper. A parent may
// name a node that the file does not declare, inside an instanced scene
// whose children are editable: Parse does not check that parents exist.
//
// # Ids
//
// Ids are opaque strings. An int id (id=2, Godot 2 and 3) and a string id
// (id="1_kisbn", Godot 4) are both kept as text, the int in decimal, so
// that ExtResource( 2 ) and ExtResource("2") name the same resource, as in
// the engine. ext_resource and sub_resource ids are separate namespaces.
//
// # Connections
//
// The engine writes flags= only when the flags differ from CONNECT_PERSIST
// (2), and reads a missing flags= as 2 (resource_format_text.cpp, Godot 3
// and 4 alike), so Connection.Flags is 2 when the attribute is absent.
//
// # Elided packed arrays
//
// Meshes, particles and animations store big numeric arrays
// (PackedByteArray, PackedFloat32Array, PoolVector3Array, ...) that run to
// hundreds of kilobytes on one line. Nothing reading a project's structure
// needs their elements, and the value reader would build one Value per
// element (a 500 KB scene costs about 86 MB that way). Parse therefore
// elides every numeric packed array whose argument text is at least
// ElideBytes long, wherever it sits (a property, or deep inside a
// dictionary): its Value is a Call named after the constructor with no
// Items, and Value.Int holds the number of bytes of argument text left
// out. The arguments are cut from a copy of the source that the value
// reader reads, newlines kept so that lines do not move, and the columns
// of what follows a cut on its line are moved back: every position in
// values and errors is the one in the real file. String arrays (PackedStringArray, PoolStringArray), arrays holding
// anything but numbers (Godot 4.3's base64 PackedByteArray("...")) and
// shorter arrays are read in full.
package resfile
