// Package store keeps everything the router persists in one bbolt file: the instance registry now; state snapshots, metrics and the project catalog later.
//
// # Layout
//
// One bbolt file, by default ~/.local/state/godot-mcp-router/router.db (see
// DefaultPath), holding buckets:
//
//	meta       schema = "1" (decimal text); the layout version of this file
//	instances  project root -> Instance as JSON
//
// Later: snapshots, metrics, catalog. Records are JSON so a person can read them
// with the bbolt command and an older build can read a newer build's records
// (unknown fields are ignored). A change that an older build would misread
// raises the schema version instead.
//
// # Caveats
//
// One writer process. bbolt locks the file (flock) for the whole time it is
// open: exclusively for a writer, shared for a reader. Only the router opens the
// store for writing; a second router, or a status command opening it read-only
// while the router runs, waits Options.Timeout (default 500ms, never forever) and
// gets ErrLocked. A flock belongs to an open file, so two Stores on one path in
// one process conflict the same way.
//
// The registry is a record to re-check, never the truth. An Instance says what
// the router last wrote; after a crash, a reboot or a kill -9 the process may be
// gone, its pid reused by another program, its socket stale. Before trusting a
// record, check that the pid is alive with the same StartTime and that the
// socket answers.
//
// A damaged file never hangs or kills the caller. Before bbolt maps the file,
// Open takes the lock bbolt will take and walks the file's structure from its
// raw bytes: both meta pages, the freelist, every page reachable from the root
// bucket, each checked to lie inside the file, below the high water mark,
// reached once, with its keys inside the page and in order. It reads each
// reachable page once, so it costs one read of the file (small for a
// registry). This stands in for bbolt's tx.Check, which runs in a goroutine of
// its own and follows page pointers without bounds or cycle checks, so on a
// damaged file it can fault or overflow the stack, neither of which recover
// can catch.
//
// When the check fails, or bbolt's Open reports an invalid file, or bbolt
// panics while opening, Open renames the file to <path>.corrupt-<UTC time>
// (keeping the newest three such files and removing older ones), logs a warning,
// starts a new empty store and reports the old file's new name in Recovered. The
// rename happens under the lock and only if the path still names the damaged
// file, so two routers starting together cannot move each other's new file
// aside. A read-only Open never renames: it returns ErrCorrupt.
//
// Not damage: an empty file is how bbolt starts a new database; a valid bbolt
// file without our buckets gets them; a file whose newest meta page is damaged
// but whose previous one is sound is opened from the previous one, as bbolt
// designs (the last write may be lost; a warning is logged and the next write
// repairs the page).
//
// Damage found later (the file truncated or overwritten while the router runs)
// makes bbolt panic or fault inside a call. Every call runs with
// debug.SetPanicOnFault and recover, so it returns ErrCorrupt instead; the router
// should close the store and open it again, which moves the file aside.
//
// A record that does not decode as JSON is skipped with a warning: Instances
// leaves it out, Instance reports it missing, UpdateInstance replaces it.
//
// A file written by a newer build (schema higher than ours) is refused with
// ErrNewerSchema before bbolt opens it for writing, and left unchanged.
package store
