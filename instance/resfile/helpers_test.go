package resfile

import "github.com/godot-mcp-router/godot-mcp-router/detect/gdtext"

// countElided counts the elided packed arrays of a file.
func countElided(f *File) int {
	n := 0
	var visit func(v *gdtext.Value)
	visit = func(v *gdtext.Value) {
		if v.Kind == gdtext.KindCall && len(v.Items) == 0 && v.Int > 0 {
			n++
		}
		for i := range v.Items {
			visit(&v.Items[i])
		}
		for i := range v.Keys {
			visit(&v.Keys[i])
		}
	}
	props := func(ps []Prop) {
		for i := range ps {
			visit(&ps[i].Value)
		}
	}
	for _, s := range f.SubResources {
		props(s.Props)
	}
	props(f.Resource)
	for _, nd := range f.Nodes {
		props(nd.Props)
	}
	return n
}
