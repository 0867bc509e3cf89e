package router

import (
	"context"
	"net/url"
	"path/filepath"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/godot-mcp-router/godot-mcp-router/detect"
	"github.com/godot-mcp-router/godot-mcp-router/instance/mcpconn"
)

// Env is what a client session knows about where its client runs.
type Env struct {
	WorkDir    string // the client's working directory
	ProjectDir string // CLAUDE_PROJECT_DIR, if the client set it
	// ProjectsPath lists the folders of the client's GODOT_PROJECTS_PATH.
	ProjectsPath []string
}

const (
	rootsTimeout = 5 * time.Second // a roots/list answer
	rootsWait    = 2 * time.Second // how long a call waits for the first answer
	decisionTTL  = 2 * time.Second // how long a detection result is reused
	maxCached    = 64              // cached decisions per session
)

// clientSession is the router's state for one MCP client session.
type clientSession struct {
	env   Env
	tasks sync.WaitGroup // roots requests in flight

	mu        sync.Mutex // guards the fields below
	roots     []string
	rootsGen  int
	rootsAsk  int           // numbers roots/list requests, so an older answer never overwrites a newer one
	rootsSeen int           // the request whose answer cs.roots holds
	rootsWait chan struct{} // non-nil while the first roots answer is awaited
	decisions map[string]cachedDecision
}

type cachedDecision struct {
	d       detect.Decision
	at      time.Time
	rootGen int
}

func newClientSession(env Env) *clientSession {
	return &clientSession{env: env, decisions: map[string]cachedDecision{}}
}

// stateFrom finds the router's state of the session a request belongs to.
func stateFrom(ctx context.Context) (*mcpconn.Session, *clientSession) {
	sess := mcpconn.FromContext(ctx)
	if sess == nil {
		return nil, nil
	}
	cs, _ := sess.Value().(*clientSession)
	return sess, cs
}

// onInitialized asks the client for its roots, when it has any. It runs on
// the session's read loop, so the request goes on its own goroutine: the
// loop must stay free to read the answer.
func (r *Router) onInitialized(ctx context.Context, _ mcp.JSONRPCNotification) {
	sess, cs := stateFrom(ctx)
	if cs == nil || sess.GetClientCapabilities().Roots == nil {
		return
	}
	cs.mu.Lock()
	if cs.rootsWait == nil {
		cs.rootsWait = make(chan struct{})
	}
	cs.mu.Unlock()
	cs.tasks.Go(func() { r.fetchRoots(sess, cs) })
}

func (r *Router) onRootsChanged(ctx context.Context, _ mcp.JSONRPCNotification) {
	sess, cs := stateFrom(ctx)
	if cs == nil {
		return
	}
	cs.tasks.Go(func() { r.fetchRoots(sess, cs) })
}

func (r *Router) fetchRoots(sess *mcpconn.Session, cs *clientSession) {
	cs.mu.Lock()
	cs.rootsAsk++
	ask := cs.rootsAsk
	cs.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), rootsTimeout)
	defer cancel()
	res, err := sess.ListRoots(ctx, mcp.ListRootsRequest{})
	var roots []string
	if err != nil {
		r.log.Warn("asking the client for its roots", "session", sess.SessionID(), "err", err)
	} else {
		for _, root := range res.Roots {
			if p := rootPath(root.URI); p != "" {
				roots = append(roots, p)
			}
		}
		r.log.Debug("client roots", "session", sess.SessionID(), "roots", roots)
	}
	if err == nil {
		r.projects.Session(roots...)
	}
	cs.mu.Lock()
	if err == nil && ask > cs.rootsSeen {
		cs.roots = roots
		cs.rootsGen++
		cs.rootsSeen = ask
	}
	if cs.rootsWait != nil {
		close(cs.rootsWait)
		cs.rootsWait = nil
	}
	cs.mu.Unlock()
}

// rootPath turns a file:// root URI into a path; other schemes are ignored.
func rootPath(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "file" || u.Path == "" {
		return ""
	}
	return filepath.Clean(u.Path)
}

// snapshot returns the roots, waiting briefly for the first answer so the
// first call of a session already knows them.
func (cs *clientSession) snapshot(ctx context.Context) ([]string, int) {
	cs.mu.Lock()
	wait := cs.rootsWait
	cs.mu.Unlock()
	if wait != nil {
		t := time.NewTimer(rootsWait)
		select {
		case <-wait:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return append([]string(nil), cs.roots...), cs.rootsGen
}

// resolve decides which project a call of this session is about.
func (r *Router) resolve(ctx context.Context, cs *clientSession, projectArg string) (detect.Decision, error) {
	roots, gen := cs.snapshot(ctx)
	now := time.Now()
	cs.mu.Lock()
	c, ok := cs.decisions[projectArg]
	cs.mu.Unlock()
	if ok && c.rootGen == gen && now.Sub(c.at) < decisionTTL {
		return c.d, nil
	}
	d, err := detect.Resolve(detect.Request{
		Project:       projectArg,
		Roots:         roots,
		WorkDir:       cs.env.WorkDir,
		EnvProjectDir: cs.env.ProjectDir,
		Known:         r.known(),
		LastUsed:      r.pool.LastUsed(),
		Below:         r.projects.Below,
	})
	if err != nil {
		return d, err
	}
	r.projects.Add(d.Project)
	cs.mu.Lock()
	if len(cs.decisions) >= maxCached {
		clear(cs.decisions)
	}
	cs.decisions[projectArg] = cachedDecision{d: d, at: now, rootGen: gen}
	cs.mu.Unlock()
	return d, nil
}

// known lists the projects the router knows of: those it serves now, the
// catalog's and those in the registry, for slug lookups and error messages.
func (r *Router) known() []detect.Project {
	projects := r.pool.Projects()
	seen := make(map[string]bool, len(projects))
	for _, p := range projects {
		seen[p.Root] = true
	}
	for _, p := range r.projects.Known() {
		if !seen[p.Root] {
			seen[p.Root] = true
			projects = append(projects, p)
		}
	}
	if st := r.reg.Store(); st != nil {
		recs, err := st.Instances()
		if err == nil {
			for _, rec := range recs {
				if seen[rec.Root] {
					continue
				}
				seen[rec.Root] = true
				projects = append(projects, detect.Project{
					Root: rec.Root, Slug: rec.Slug, Version: rec.Version, Engine: rec.Engine, Supported: true,
				})
			}
		}
	}
	return projects
}
