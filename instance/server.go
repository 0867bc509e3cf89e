package instance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/godot-mcp-router/godot-mcp-router/detect"
	"github.com/godot-mcp-router/godot-mcp-router/instance/index"
	"github.com/godot-mcp-router/godot-mcp-router/instance/mcpconn"
)

// defaultVersion is the MCP server version an instance reports when
// Options.Version is empty; main passes the build's version.
const defaultVersion = "dev"

// Options tunes a Server. The zero value means the defaults.
type Options struct {
	Logger  *slog.Logger // nil discards logs
	Version string       // reported in serverInfo; "" means "dev"
	// Snapshot is a snapshot of the project's index kept by the router
	// (index.Snapshot), or nil. New restores it instead of reading every
	// file; one it cannot use is logged and ignored.
	Snapshot []byte
	// NoWatch makes Serve leave the files unwatched: every call checks the
	// tree. MaxWatches bounds the watches (0: detect.WatchBudget()).
	NoWatch    bool
	MaxWatches int
}

// Server serves the Godot tools of one project.
type Server struct {
	root    string
	project detect.Project
	log     *slog.Logger
	mcp     *server.MCPServer
	index   *projectIndex

	adoption *adoption // set by Run before Serve; nil: never adopted

	startMu      sync.Mutex // guards started and onChecked
	restoreStart time.Time  // when New began restoring a snapshot
	started      StartReport
	onChecked    func(StartReport) // told when the first check after a restore ends
	onWatch      func(WatchReport) // told when the way the files are followed changes

	noWatch    bool
	maxWatches int

	eng *engineState // the engine tools' runs and builds
}

// New prepares the tools for the project whose root is given. The root is
// resolved (absolute, symlinks) and must hold a project.godot of Godot 3 or 4.
func New(root string, opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Version == "" {
		opts.Version = defaultVersion
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("resolving project root %s: %w", root, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("resolving project root %s: %w", root, err)
	}
	proj, err := detect.Load(real)
	if errors.Is(err, detect.ErrUnsupported) {
		// A Godot 2 project has engine.cfg and no project.godot: say so
		// rather than "no project.godot". err names the root.
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(real, "project.godot")); err != nil {
		return nil, fmt.Errorf("no project.godot in %s: %w", real, err)
	}
	if err != nil && proj.Root == "" {
		return nil, fmt.Errorf("loading project %s: %w", real, err)
	}
	if err != nil {
		// A damaged project.godot still gets served: the tools report what
		// they can read and say what is broken.
		opts.Logger.Warn("project.godot has errors", "root", real, "err", err)
	}
	if !proj.Supported {
		return nil, fmt.Errorf("project %s: %w", real, detect.ErrUnsupported)
	}

	s := &Server{root: real, project: proj, log: opts.Logger, index: newProjectIndex(real, opts.Logger),
		noWatch: opts.NoWatch, maxWatches: opts.MaxWatches}
	if s.maxWatches <= 0 {
		s.maxWatches = min(DefaultMaxWatches, detect.WatchBudget())
	}
	s.eng = newEngineState(os.Getenv)
	s.eng.changed = s.index.bump
	s.started = s.indexAtStart(opts.Snapshot)
	s.mcp = server.NewMCPServer("godot-mcp-router-instance", opts.Version,
		server.WithToolCapabilities(false),
		server.WithRecovery(),
		server.WithInstructions("Godot tools for the project at "+real),
	)
	for _, t := range toolset() {
		handle := t.handle
		s.mcp.AddTool(t.def, func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return handle(s, ctx, req)
		})
	}
	return s, nil
}

// indexAtStart makes the index so the first call finds it ready: restored
// from the snapshot when there is a usable one, else built from the files.
// A snapshot is decoded in the background while the first call walks the
// tree to check it against the disk (as every call checks the index);
// checked then completes the report.
func (s *Server) indexAtStart(snapshot []byte) StartReport {
	start := time.Now()
	rep := StartReport{Index: "scan"}
	if snapshot != nil {
		// The header is cheap to read: a snapshot of another build or
		// project is refused before any work.
		h, err := index.ReadSnapshotHeader(snapshot)
		if err == nil && h.Root == s.root {
			// The build records come back even from a snapshot of
			// another build, whose index is not used.
			if err := s.eng.restore(h.State); err != nil {
				s.log.Warn("saved build records are unusable; dropped", "err", err)
			}
		}
		switch {
		case err == nil && h.Build != buildID():
			err = fmt.Errorf("%w: made by build %q, this is %q", index.ErrSnapshotFormat, h.Build, buildID())
		case err == nil && h.Root != s.root:
			err = fmt.Errorf("%w: a snapshot of %s, not of %s", index.ErrSnapshotCorrupt, h.Root, s.root)
		}
		switch {
		case errors.Is(err, index.ErrSnapshotFormat):
			// Another build wrote it: expected after an upgrade.
			s.log.Warn("snapshot is from another build or format; indexing from the files", "err", err)
			rep.SnapshotError = err.Error()
		case err != nil:
			s.log.Warn("snapshot is unusable; indexing from the files", "err", err)
			rep.SnapshotError = err.Error()
		default:
			s.restoreStart = start
			s.index.restore(s.root, buildID(), snapshot, s.checked)
			rep.Index, rep.Files = "snapshot", h.Files
			rep.TookMS = float64(time.Since(start).Microseconds()) / 1000
			s.log.Info("restoring the project index from a snapshot", "files", h.Files, "bytes", len(snapshot))
			return rep
		}
	}
	ix, err := s.index.current()
	rep.TookMS = float64(time.Since(start).Microseconds()) / 1000
	rep.Checked = true
	if err != nil {
		s.log.Warn("indexing the project", "root", s.root, "err", err)
		return rep
	}
	rep.Files = len(ix.Files)
	s.log.Info("project indexed", "files", len(ix.Files), "edges", len(ix.Edges), "problems", len(ix.Problems), "took_ms", rep.TookMS)
	return rep
}

// checked completes the start report once the first check of a restored
// index against the disk has run.
func (s *Server) checked(ix *index.Index, reread int, restoreErr error) {
	s.startMu.Lock()
	s.started.Checked = true
	s.started.Reread = reread
	s.started.TookMS = float64(time.Since(s.restoreStart).Microseconds()) / 1000
	s.started.Files = len(ix.Files)
	if restoreErr != nil {
		s.started.Index, s.started.Reread, s.started.SnapshotError = "scan", 0, restoreErr.Error()
	}
	rep, tell := s.started, s.onChecked
	s.startMu.Unlock()
	if restoreErr != nil {
		s.log.Warn("snapshot is unusable; indexed from the files", "err", restoreErr)
	} else {
		s.log.Info("restored index checked against the files", "files", rep.Files, "reread", reread)
	}
	if tell != nil {
		tell(rep)
	}
}

// watchChanged passes a new WatchReport on to the router.
func (s *Server) watchChanged(rep WatchReport) {
	s.startMu.Lock()
	tell := s.onWatch
	s.startMu.Unlock()
	if tell != nil {
		tell(rep)
	}
}

// Watching says how the index follows the files.
func (s *Server) Watching() WatchReport { return s.index.Watch() }

// Started says how the index was made at start.
func (s *Server) Started() StartReport {
	s.startMu.Lock()
	defer s.startMu.Unlock()
	return s.started
}

// Root is the resolved project root the server is confined to.
func (s *Server) Root() string { return s.root }

// MCP returns the MCP server holding the tools (tests and benchmarks serve
// it on a stream of their own).
func (s *Server) MCP() *server.MCPServer { return s.mcp }

// Serve accepts connections on ln and serves each as its own MCP session
// until ctx ends; then it closes ln and every connection and waits for their
// handlers. While it serves, the project's files are watched (unless
// Options.NoWatch).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	// Last out: the engine's runs and builds end with the instance.
	defer s.eng.close()
	if !s.noWatch {
		stopWatch := make(chan struct{})
		var watching sync.WaitGroup
		watching.Go(func() { s.index.watch(s.maxWatches, stopWatch, s.watchChanged) })
		defer func() {
			close(stopWatch)
			watching.Wait()
		}()
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex // guards conns
		conns = map[net.Conn]struct{}{}
	)
	closeAll := func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
	}
	stop := context.AfterFunc(ctx, closeAll)
	defer stop()

	var err error
	for {
		var c net.Conn
		c, err = ln.Accept()
		if err != nil {
			break
		}
		mu.Lock()
		if ctx.Err() != nil {
			// Accepted as ctx ended: closeAll may have run already and
			// would never close c, whose session would then block wg.Wait.
			mu.Unlock()
			c.Close()
			break
		}
		conns[c] = struct{}{}
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				mu.Lock()
				delete(conns, c)
				mu.Unlock()
				c.Close()
			}()
			done := make(chan struct{})
			defer close(done)
			sess := mcpconn.New(s.mcp, c, nil, mcpconn.Options{Logger: s.log, Intercept: s.interceptor(done)})
			if err := sess.Serve(ctx, c); err != nil && ctx.Err() == nil {
				s.log.Debug("connection ended", "err", err)
			}
		}()
	}
	// Also when Accept failed: sessions end only when their connection
	// closes, and the router never closes its own.
	closeAll()
	wg.Wait()
	if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return fmt.Errorf("accepting connections: %w", err)
}
