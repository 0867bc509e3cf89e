package router

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/godot-mcp-router/godot-mcp-router/instance/mcpconn"
	"github.com/godot-mcp-router/godot-mcp-router/store"
)

// Options tunes a Router. The zero value means the defaults.
type Options struct {
	Logger  *slog.Logger
	Version string // the build's version, "" = "dev"
	Pool    PoolOptions
	// StoreProblem says why no store is available (locked by another
	// router, unreadable), shown by debug_instances; "" when st is fine.
	StoreProblem string
	// ProjectsPath lists folders holding projects (GODOT_PROJECTS_PATH of
	// the process); sessions may name more (Env.ProjectsPath).
	ProjectsPath []string
	Projects     ProjectsOptions
	// MetricsFlush is how often metrics go to the store; 0 means 5 s.
	MetricsFlush time.Duration
}

// Router is the client-facing core: it serves any number of MCP client
// sessions, each with its own working directory and roots, over one shared
// instance pool.
type Router struct {
	log     *slog.Logger
	version string
	started time.Time
	pid     int

	reg          *Registry
	snaps        *Snapshots
	bg           sync.WaitGroup // background work (snapshot pruning)
	storeProblem string
	pool         *Pool
	projects     *Projects
	metrics      *Metrics
	progress     progressRelay
	mcp          *server.MCPServer
	forwarded    map[string]forwarded // instance tools by name; written before toolsReady closes
	toolsList    json.RawMessage      // the tools/list result; written before toolsReady closes
	toolsReady   chan struct{}        // closed when the catalog is registered
	closeOnce    sync.Once
	closeErr     error
}

// New builds a router. st may be nil when the store could not be opened;
// the router then keeps its registry in memory only.
func New(st *store.Store, opts Options) (*Router, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	r := &Router{
		log:          opts.Logger,
		version:      opts.Version,
		started:      time.Now(),
		pid:          os.Getpid(),
		storeProblem: opts.StoreProblem,
		forwarded:    map[string]forwarded{},
		toolsReady:   make(chan struct{}),
	}
	r.reg = NewRegistry(st, opts.Logger)
	r.snaps = NewSnapshots(st, opts.Logger)
	popts := opts.Pool
	popts.Logger = opts.Logger
	popts.Version = opts.Version
	popts.Registry = r.reg
	popts.Snapshots = r.snaps
	r.metrics = NewMetrics(st, opts.Logger, opts.MetricsFlush)
	popts.Metrics = r.metrics
	popts.OnNotification = r.progress.deliver
	pool, err := NewPool(popts)
	if err != nil {
		r.reg.Close()
		r.snaps.Close()
		r.metrics.Close()
		return nil, err
	}
	r.pool = pool
	r.projects = NewProjects(st, opts.Logger, opts.ProjectsPath, opts.Projects)
	// Records left by a router that died are re-checked before this one
	// spawns anything, so a stale record never touches a new instance.
	// Instances of a router that crashed wait out a grace period for a
	// new one: take over those that prove who they are.
	r.pool.AdoptLive(r.reg.Reconcile())
	r.bg.Go(r.snaps.Prune)

	r.mcp = server.NewMCPServer("godot-mcp-router", opts.Version,
		server.WithToolCapabilities(false),
		server.WithRecovery(),
		server.WithInstructions(instructions),
	)
	go r.loadCatalog()
	r.mcp.AddNotificationHandler(string(mcp.MethodNotificationInitialized), r.onInitialized)
	r.mcp.AddNotificationHandler(string(mcp.MethodNotificationRootsListChanged), r.onRootsChanged)
	return r, nil
}

const instructions = "Godot project tools. The project is detected from the client's roots or working " +
	"directory; every project tool also takes an optional `project` argument (a path, slug/version or slug). " +
	"debug_detection shows what a call would resolve to."

// ServeSession serves one client session on the given streams until in
// reaches EOF or ctx ends. stdio is one session; a daemon serves many.
func (r *Router) ServeSession(ctx context.Context, in io.Reader, out io.Writer, env Env) error {
	cs := newClientSession(env)
	// Cheap: the folders are noted at once, scanned and saved in the
	// background.
	for _, dir := range env.ProjectsPath {
		r.projects.Watch(dir, "env", r.projects.opts.Depth)
	}
	r.projects.Session(env.WorkDir, env.ProjectDir)
	sess := mcpconn.New(r.mcp, out, cs, mcpconn.Options{Logger: r.log, Intercept: r.intercept})
	err := sess.Serve(ctx, in)
	cs.tasks.Wait()
	if err != nil {
		return fmt.Errorf("serving client session: %w", err)
	}
	return nil
}

// MCP exposes the router's MCP server (for in-process tests and benchmarks).
func (r *Router) MCP() *server.MCPServer { return r.mcp }

// Pool exposes the instance pool.
func (r *Router) Pool() *Pool { return r.pool }

// Close stops every instance and flushes the registry. Safe to call twice.
func (r *Router) Close() error {
	r.closeOnce.Do(func() {
		<-r.toolsReady
		r.closeErr = r.pool.Close() // asks each instance for a last snapshot first
		r.projects.Close()
		r.metrics.Close() // the last flush, after the pool's last events
		r.bg.Wait()
		r.snaps.Close()
		r.reg.Close()
	})
	return r.closeErr
}
