package index

import (
	"fmt"
	"sort"
	"strings"
)

// Graph is a part of the dependency graph.
type Graph struct {
	Nodes     []GraphNode `json:"nodes"`
	Edges     []Edge      `json:"edges"`
	Cycles    [][]string  `json:"cycles" jsonschema:"each cycle as the files around it, first file repeated last"`
	Truncated bool        `json:"truncated"`
}

// GraphNode is a file in a Graph.
type GraphNode struct {
	Path string `json:"path"`
	Kind string `json:"kind"`
}

// GraphOptions selects a part of the graph.
type GraphOptions struct {
	Around   string          // a res path: only what is within Depth of it; "" = the whole project
	Depth    int             // edges away from Around, both directions; 0 = 2
	Kinds    map[string]bool // edge kinds to keep; empty = all
	MaxEdges int             // 0 = 2000
}

// Subgraph selects edges by options and lists their files and cycles.
func (ix *Index) Subgraph(o GraphOptions) Graph {
	if o.Depth <= 0 {
		o.Depth = 2
	}
	if o.MaxEdges <= 0 {
		o.MaxEdges = 2000
	}
	keep := func(e Edge) bool { return len(o.Kinds) == 0 || o.Kinds[e.Kind] }
	var edges []Edge
	if o.Around == "" {
		for _, e := range ix.Edges {
			if keep(e) {
				edges = append(edges, e)
			}
		}
	} else {
		seen := map[string]bool{o.Around: true}
		frontier := []string{o.Around}
		used := map[int]bool{}
		for d := 0; d < o.Depth && len(frontier) > 0; d++ {
			var next []string
			for _, p := range frontier {
				for _, list := range [][]int{ix.out[p], ix.in[p]} {
					for _, k := range list {
						e := ix.Edges[k]
						if !keep(e) || used[k] {
							continue
						}
						used[k] = true
						edges = append(edges, e)
						for _, q := range []string{e.From, e.To} {
							if !seen[q] {
								seen[q] = true
								next = append(next, q)
							}
						}
					}
				}
			}
			frontier = next
		}
		sort.SliceStable(edges, func(i, j int) bool {
			if edges[i].From != edges[j].From {
				return edges[i].From < edges[j].From
			}
			return edges[i].Line < edges[j].Line
		})
	}
	g := Graph{Edges: []Edge{}, Nodes: []GraphNode{}, Cycles: [][]string{}}
	if len(edges) > o.MaxEdges {
		edges = edges[:o.MaxEdges]
		g.Truncated = true
	}
	g.Edges = append(g.Edges, edges...)
	nodes := map[string]bool{}
	if o.Around != "" {
		nodes[o.Around] = true
	}
	for _, e := range edges {
		nodes[e.From] = true
		nodes[e.To] = true
	}
	for p := range nodes {
		kind := KindOther
		if f, ok := ix.Files[p]; ok {
			kind = f.Kind
		}
		g.Nodes = append(g.Nodes, GraphNode{Path: p, Kind: kind})
	}
	sort.Slice(g.Nodes, func(i, j int) bool { return g.Nodes[i].Path < g.Nodes[j].Path })
	g.Cycles = cycles(edges)
	return g
}

// cycles finds the strongly connected components with more than one file
// (or a file that depends on itself) and returns one cycle through each.
func cycles(edges []Edge) [][]string {
	adj := map[string][]string{}
	for _, e := range edges {
		adj[e.From] = append(adj[e.From], e.To)
	}
	for k := range adj {
		sort.Strings(adj[k])
	}
	var (
		index   = map[string]int{}
		low     = map[string]int{}
		onStack = map[string]bool{}
		stack   []string
		n       int
		out     [][]string
	)
	// Tarjan's algorithm, iterative so that deep graphs cannot overflow.
	type frame struct {
		v string
		i int
	}
	nodes := make([]string, 0, len(adj))
	for v := range adj {
		nodes = append(nodes, v)
	}
	sort.Strings(nodes)
	for _, root := range nodes {
		if _, done := index[root]; done {
			continue
		}
		call := []frame{{v: root}}
		index[root], low[root] = n, n
		n++
		stack = append(stack, root)
		onStack[root] = true
		for len(call) > 0 {
			top := &call[len(call)-1]
			if top.i < len(adj[top.v]) {
				w := adj[top.v][top.i]
				top.i++
				if _, seen := index[w]; !seen {
					index[w], low[w] = n, n
					n++
					stack = append(stack, w)
					onStack[w] = true
					call = append(call, frame{v: w})
				} else if onStack[w] && index[w] < low[top.v] {
					low[top.v] = index[w]
				}
				continue
			}
			v := top.v
			call = call[:len(call)-1]
			if len(call) > 0 && low[v] < low[call[len(call)-1].v] {
				low[call[len(call)-1].v] = low[v]
			}
			if low[v] != index[v] {
				continue
			}
			var comp []string
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				comp = append(comp, w)
				if w == v {
					break
				}
			}
			if len(comp) > 1 || selfLoop(adj, v) {
				out = append(out, cycleThrough(adj, comp))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

func selfLoop(adj map[string][]string, v string) bool {
	for _, w := range adj[v] {
		if w == v {
			return true
		}
	}
	return false
}

// cycleThrough returns a path around a strongly connected component,
// starting and ending at its smallest file.
func cycleThrough(adj map[string][]string, comp []string) []string {
	in := map[string]bool{}
	for _, c := range comp {
		in[c] = true
	}
	sort.Strings(comp)
	start := comp[0]
	// Breadth-first from start back to start, inside the component.
	prev := map[string]string{}
	queue := []string{start}
	visited := map[string]bool{}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range adj[v] {
			if !in[w] {
				continue
			}
			if w == start {
				path := []string{start}
				for x := v; x != start; x = prev[x] {
					path = append(path, x)
				}
				path = append(path, start)
				// reverse the middle to follow edge direction
				for i, j := 1, len(path)-2; i < j; i, j = i+1, j-1 {
					path[i], path[j] = path[j], path[i]
				}
				return path
			}
			if !visited[w] {
				visited[w] = true
				prev[w] = v
				queue = append(queue, w)
			}
		}
	}
	return append(comp, start)
}

// Mermaid renders a graph as a Mermaid flowchart.
func (g Graph) Mermaid() string {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	ids := map[string]string{}
	for i, n := range g.Nodes {
		id := fmt.Sprintf("n%d", i)
		ids[n.Path] = id
		fmt.Fprintf(&b, "  %s[\"%s\"]\n", id, strings.ReplaceAll(strings.TrimPrefix(n.Path, "res://"), `"`, "'"))
	}
	for _, e := range g.Edges {
		fmt.Fprintf(&b, "  %s -->|%s| %s\n", ids[e.From], e.Kind, ids[e.To])
	}
	return b.String()
}

// DOT renders a graph in Graphviz DOT.
func (g Graph) DOT() string {
	var b strings.Builder
	b.WriteString("digraph dependencies {\n  rankdir=LR;\n  node [shape=box];\n")
	for _, n := range g.Nodes {
		fmt.Fprintf(&b, "  %q;\n", n.Path)
	}
	for _, e := range g.Edges {
		fmt.Fprintf(&b, "  %q -> %q [label=%q];\n", e.From, e.To, e.Kind)
	}
	b.WriteString("}\n")
	return b.String()
}

// Dependents returns what depends on p, transitively when deep is set, with
// the edge that reached each file (breadth first, nearest first).
func (ix *Index) Dependents(p string, deep bool, limit int) ([]Edge, bool) {
	return ix.walkEdges(p, deep, limit, ix.in, func(e Edge) string { return e.From })
}

// Dependencies returns what p depends on, transitively when deep is set.
func (ix *Index) Dependencies(p string, deep bool, limit int) ([]Edge, bool) {
	return ix.walkEdges(p, deep, limit, ix.out, func(e Edge) string { return e.To })
}

func (ix *Index) walkEdges(p string, deep bool, limit int, adj map[string][]int, next func(Edge) string) ([]Edge, bool) {
	seen := map[string]bool{p: true}
	frontier := []string{p}
	var out []Edge
	for len(frontier) > 0 {
		var nf []string
		for _, q := range frontier {
			for _, k := range adj[q] {
				e := ix.Edges[k]
				out = append(out, e)
				if limit > 0 && len(out) >= limit {
					return out, true
				}
				if n := next(e); !seen[n] {
					seen[n] = true
					nf = append(nf, n)
				}
			}
		}
		if !deep {
			break
		}
		frontier = nf
	}
	return out, false
}
