// Package engine runs the Godot engine for an instance: it finds the Godot
// binaries installed (GODOT_BIN, then the usual names on PATH) and asks each
// its version once, builds the command lines of Godot 3 and Godot 4 (they
// differ), runs the engine in its own process group with its output kept in
// a bounded ring buffer, and reads that output: each line's level, and the
// errors and warnings as {file, line, message}.
//
// The engine is never started with the debugger flag (-d): a runtime error
// would then stop the game at a "debug>" prompt that waits on stdin.
package engine
