// Package detect works out which Godot project a path belongs to: its root, slug, version and engine, with a confidence and the alternatives.
//
// # Roots
//
// A project root is the nearest folder, going up from a path (the path
// itself included), that holds project.godot, or engine.cfg for Godot 2.
// Paths are made absolute and symlink-resolved first, so a symlinked folder
// resolves to the real root, which is what instances are keyed by. A
// project nested inside another project is found by walking up, so the
// nearest one wins; Scan never descends into a project it has found.
//
// # Slug and version
//
// Projects kept in the original system's <projects>/<slug>/<version>/
// layout (noxii/0.16) are told by their folder names: when the root's
// folder name looks like a version (an optional v or V, a digit, then only
// letters, digits, '.' and '-': 0.16, v1.2, 1.0-beta, 2024.1) AND at least
// one sibling folder with a version-like name also holds a project.godot,
// the slug is the parent folder's name (slugified) and the version is the
// root's folder name. Each condition is there because of real folders in
// godot-demo-projects: version-like names keep a demos repository
// (2d/platformer, 2d/pong) from becoming versions of a project called
// "2d"; leaving '_' out keeps viewport/2d_in_3d and viewport/3d_scaling
// out; and requiring a version-like sibling keeps misc/2.5d, one demo
// among many, from becoming version 2.5d of "misc". A version folder alone
// (noxii/0.16 with no other version beside it) is an ordinary project.
//
// Otherwise the slug is application/config/name slugified (lowercased, runs
// of anything but a-z and 0-9 turned into one '-', trimmed), falling back
// to the folder name and then to "project", and the version is
// application/config/version, or "" when unset. A project's ID is
// "slug/version", or "slug" without a version.
//
// # Engine
//
//	config_version 5   Godot 4: the first version-like entry of
//	                   application/config/features ("4.3", "4.3.1"), else "4.x"
//	config_version 4   Godot 3.1 to 3.x: "3.x"
//	config_version 3   Godot 3.0: "3.0"
//	engine.cfg         Godot 2: "2.x", Supported false
//	anything else      a guess: the features version when there is one (its
//	                   major in EngineMajor), else "unknown" with EngineMajor 0.
//	                   Such projects are still Supported: we try.
//
// # Broken files
//
// Load returns a Project whenever it found the root, even when the settings
// cannot be read or parsed: the root is what serving a project needs, and
// the error says what went wrong. Resolve uses such a project and says so
// in its Reason. A Godot 2 project is returned with Supported false and an
// error wrapping ErrUnsupported.
//
// # Resolution
//
// Resolve takes, in order: the explicit project argument; else the
// session's roots; else the working directory; else CLAUDE_PROJECT_DIR.
// For a folder it walks up to the nearest root (high confidence); failing
// that it scans below the folder, bounded by ScanOptions (one candidate:
// low confidence; several: chosen by the rule, medium confidence, with the
// others as Alternatives). With several roots, the candidates of all roots
// are pooled and the one holding the working directory, if any, wins with
// high confidence. The rule: most recently used (Request.LastUsed), else
// highest version (numeric by segments: 0.16 > 0.9, v1.2 = 1.2, 1.0 >
// 1.0-beta), else first by slug, then by root.
//
// An argument that names an existing path (absolute, ~/..., or relative to
// the working directory) is resolved like a folder, with high confidence
// unless several projects lie below it. Otherwise it is matched, ignoring
// case, as "slug/version" or "slug" against Request.Known; only when no
// known project matches (or the matches no longer exist on disk) are the
// session's folders scanned for it. A slug with several versions is chosen
// by the rule with medium confidence.
//
// # Watching
//
// A Watcher watches trees of folders on top of fsnotify, which watches
// single folders: it places one inotify watch per folder, as Mode and the
// depth allow, and a folder created or moved in is watched, with its
// subtree, before its Dir Change is visible, so a consumer that reads it
// then misses nothing. Its own map of watched folders is the truth:
// fsnotify drops a watch itself when its folder is deleted or moved, and
// keeps the old paths for the watches below a moved folder, so those are
// dropped by path prefix and placed again under the new path. The event
// loop never waits for the consumer; it records changes for Take and
// signals Ready. When the kernel queue overflows, the Watcher drops every
// watch, places them again, then reports Lost; past MaxWatches or the OS's
// limit it stays Degraded and the consumer checks the disk itself. A tree
// whose root is removed stays registered but unwatched: AddTree must be
// called again when the folder comes back. Symlinked folders are not
// followed, and a marker (WatchOptions.Markers) inside a skipped folder is
// not seen.
package detect
