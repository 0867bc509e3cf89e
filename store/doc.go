// Package store keeps everything the router persists in one bbolt file: the instance registry, state snapshots, the project catalog and metrics.
//
// # Layout
//
// One bbolt file, by default ~/.local/state/godot-mcp-router/router.db (see
// DefaultPath), holding buckets:
//
//	meta             schema = "1" (decimal text); the layout version of this file
//	instances        project root -> Instance as JSON
//	snapshot_meta    project root -> SnapshotInfo as JSON
//	snapshot_data    project root -> the snapshot's bytes, opaque to the store
//	catalog          project root -> CatalogProject as JSON
//	catalog_folders  watched folder path -> WatchedFolder as JSON
//	metrics          root + "\x00" + tool -> MetricsRecord as JSON (all-time totals)
//	metrics_hourly   hour + "\x00" + root + "\x00" + tool -> MetricsRecord as JSON
//	                 (hour: RFC 3339 in UTC, 2026-03-04T10:00:00Z, so keys sort by time)
//
// Records are JSON so a person can read them with the
// bbolt command and an older build can read a newer build's records (unknown
// fields are ignored). A change that an older build would misread raises the
// schema version instead. A new bucket does not: an older build walks any
// bucket in its structure check and asks only for its own, so it opens the
// file as before and leaves the new buckets alone.
//
// A snapshot (a compressed encoded project index, 50 KB to a few MB, made
// elsewhere) lets a restarted per-project process start warm. Its metadata and
// its data are written together in one transaction and kept in two buckets so
// that listing snapshots, counting their total and choosing what to evict
// never read the data: bbolt knows a value's length from its page's element
// table. The data of all snapshots together is kept within
// Options.SnapshotCap (256 MiB by default): PutSnapshot evicts the least
// recently used (oldest UsedAt; TouchSnapshot renews it) in the same
// transaction. The file does not shrink when snapshots go: bbolt keeps the
// freed pages and reuses them for later writes. Half a snapshot (metadata
// without data, data without metadata, metadata that does not decode) is
// reported missing and removed by the next PutSnapshot or PruneSnapshots.
//
// The project catalog is what the router's file watcher found: one record
// per project root, and the folders it watches. Both are bounded so that a
// watcher pointed at a huge tree cannot grow the file without end: past
// MaxCatalog projects PutProjects drops the least recently seen (oldest
// SeenAt), past MaxFolders folders PutFolders drops the least recently used
// (oldest UsedAt), in the same transaction and those just put last. Like the
// registry, the catalog is a record to re-check: a project may have moved or
// gone since SeenAt.
//
// Metrics count, per project and per tool of a project, calls, errors and a
// latency Histogram, and per project its instance's spawns, restarts,
// crashes, idle stops and missed heartbeats. The router counts in memory and
// hands the deltas to AddMetrics every few seconds and at shutdown, one
// transaction per flush, so a crash loses at most the last few seconds and
// the totals survive restarts. Each flush adds into the all-time totals and
// into the roll-up of its UTC hour. Both are bounded: roll-ups of hours
// that ended MetricsKeep (7 days) or longer before the flush are deleted,
// and past MaxHourlyRecords the oldest hours go (the whole week for about
// 119 projects and tools busy every hour; more keep fewer hours); past
// MaxMetricsRecords the least recently updated totals go. The histogram's
// fixed buckets (LatencyBounds) are part of the layout: p50, p95 and p99 are
// estimated from them, within a bucket's width, and histograms merge by
// adding. Counting the records to enforce the caps walks a bucket's keys, so
// AddMetrics does it only when a flush makes new records, for the roll-ups
// about once an hour.
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
// reached once, with its keys inside the page and in order. It reads
// structure only: page headers, element tables, keys and bucket headers. A
// value is checked to lie inside its page (with its overflow pages), which
// lies inside the file, but its bytes are not read, so hundreds of megabytes
// of snapshots add about one small read per snapshot, not a read of the
// file. This stands in for bbolt's tx.Check, which runs in a goroutine of
// its own and follows page pointers without bounds or cycle checks, so on a
// damaged file it can fault or overflow the stack, neither of which recover
// can catch. Damage inside a value (a flipped bit in a snapshot) is not the
// store's to find: bbolt keeps no checksums of values, and the snapshot's
// reader must check its own format.
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
// A record that does not decode as JSON is skipped with a warning: Instances,
// Projects, Folders, Metrics and MetricsHourly leave it out, Instance
// reports it missing, UpdateInstance, PutProjects, PutFolders and AddMetrics
// replace it.
//
// A file written by a newer build (schema higher than ours) is refused with
// ErrNewerSchema before bbolt opens it for writing, and left unchanged.
package store
