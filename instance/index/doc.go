// Package index holds what an instance knows of its project: every scene,
// script and resource with its parsed summary, the uid and class_name maps,
// the dependency graph with typed edges, and the broken references.
//
// # Building
//
// Build walks the project the way the engine's file system scan does
// (skipping hidden folders such as .godot/, .git/ and .import/, folders
// holding a .gdignore file, and nested projects), reads and parses every
// file on all cores, then resolves references in one pass.
//
// # References
//
// A reference names its target by uid, by path, or both. As in the engine, a
// known uid wins over the path; an unknown uid falls back to the path. A
// path without "://" is relative to the referring file's folder. A reference
// is broken when neither leads to a file that exists.
//
// Edge kinds: extends, preload, load (constant load() and res:// strings in
// code), ext_resource, instance (instanced scenes and placeholders), script
// (script attachment), signal (a scene's connection to the script of its
// target node), autoload, main_scene, plugin, setting (another project
// setting naming a file: default environment, theme, bus layout, ...), class
// (a use of a class_name).
//
// # Engine classes
//
// GDScript may extend an engine class by name. The list of engine class
// names in engine_classes.txt (Godot 3 and 4, gathered from the types that
// real projects use plus the common base classes) tells them apart from
// user classes; a name that is neither is reported as unresolved.
//
// # Snapshots
//
// Snapshot encodes an index (every file's parsed summary, the maps, edges
// and problems) so that a restarted process starts warm: Restore decodes it
// without reading the project, and Update(root, restored) then checks each
// file's size and modification time against the disk, parses only what
// changed, and returns the restored index itself when nothing did. A
// snapshot is a header (magic, SnapshotFormat, build, root, file count,
// creation time, payload size, CRC-32C) and a zstd frame holding a
// hand-written binary payload, described in snapshot.go. Restore refuses a
// snapshot of another format or build (ErrSnapshotFormat) and a damaged one
// or one of another root (ErrSnapshotCorrupt); it never panics on any input.
// A restored error keeps its message and the *gdtext.Error it wrapped, not
// its type. The restored summaries are cut from shared allocations, which
// stay in memory while any of their files is still indexed.
package index
