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
}

// Server serves the Godot tools of one project.
type Server struct {
	root    string
	project detect.Project
	log     *slog.Logger
	mcp     *server.MCPServer
	index   *projectIndex
	started StartReport
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

	s := &Server{root: real, project: proj, log: opts.Logger, index: newProjectIndex(real)}
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

// indexAtStart builds the index, from the snapshot when there is a usable
// one, so the first call finds it ready.
func (s *Server) indexAtStart(snapshot []byte) StartReport {
	start := time.Now()
	rep := StartReport{Index: "scan"}
	var restored *index.Index
	if snapshot != nil {
		ix, err := index.Restore(s.root, buildID(), snapshot)
		switch {
		case errors.Is(err, index.ErrSnapshotFormat):
			// Another build wrote it: expected after an upgrade.
			s.log.Info("snapshot is from another build or format; indexing from the files", "err", err)
			rep.SnapshotError = err.Error()
		case err != nil:
			s.log.Warn("snapshot is unusable; indexing from the files", "err", err)
			rep.SnapshotError = err.Error()
		default:
			restored = ix
			s.index.restore(ix)
		}
	}
	ix, err := s.index.current()
	rep.TookMS = float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		s.log.Warn("indexing the project", "root", s.root, "err", err)
		return rep
	}
	rep.Files = len(ix.Files)
	if restored != nil {
		rep.Index = "snapshot"
		if ix != restored {
			rep.Reread = ix.Entries() - ix.Reused
		}
	}
	s.log.Info("project indexed", "from", rep.Index, "files", len(ix.Files), "reread", rep.Reread,
		"edges", len(ix.Edges), "problems", len(ix.Problems), "took_ms", rep.TookMS)
	return rep
}

// Started says how the index was made at start.
func (s *Server) Started() StartReport { return s.started }

// Root is the resolved project root the server is confined to.
func (s *Server) Root() string { return s.root }

// MCP returns the MCP server holding the tools (tests and benchmarks serve
// it on a stream of their own).
func (s *Server) MCP() *server.MCPServer { return s.mcp }

// Serve accepts connections on ln and serves each as its own MCP session
// until ctx ends; then it closes ln and every connection and waits for their
// handlers.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
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
			sess := mcpconn.New(s.mcp, c, nil, mcpconn.Options{Logger: s.log})
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
