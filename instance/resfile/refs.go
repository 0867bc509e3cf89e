package resfile

import (
	"github.com/godot-mcp-router/godot-mcp-router/detect/gdtext"
)

// ExtByID returns the ext_resource with the given (normalized) id.
func (f *File) ExtByID(id string) (ExtResource, bool) {
	for _, r := range f.ExtResources {
		if r.ID == id {
			return r, true
		}
	}
	return ExtResource{}, false
}

// SubByID returns the sub_resource with the given (normalized) id.
func (f *File) SubByID(id string) (SubResource, bool) {
	r, ok := f.subByID(id)
	if !ok {
		return SubResource{}, false
	}
	return *r, true
}

func (f *File) subByID(id string) (*SubResource, bool) {
	for i := range f.SubResources {
		if f.SubResources[i].ID == id {
			return &f.SubResources[i], true
		}
	}
	return nil, false
}

// ExtRefs returns every use of an ext_resource in the file: node
// instance= attributes, properties of sub_resources, of the [resource]
// section and of nodes (at any depth inside their values), and connection
// binds. A script property whose value is the ExtResource itself is a
// "script" use. Uses come section by section: sub_resources, resource,
// nodes, connections.
func (f *File) ExtRefs() []RefUse {
	var out []RefUse
	f.walkRefs(func(u *use) {
		if u.ref.Kind == "ext" {
			out = append(out, RefUse{ID: u.ref.ID, Line: u.pos.Line, Where: u.where(), In: u.in()})
		}
	})
	return out
}

// use is one reference found by walkRefs. Its texts are built only when
// asked for: most walks look at ids alone.
type use struct {
	ref   Ref
	pos   gdtext.Pos
	how   string // "instance", "script", "property", "binds"
	prop  string // the property name, for "property"
	sec   string // "node", "sub_resource", "resource", "connection"
	secID string // the node path or the sub_resource id
}

func (u *use) where() string {
	if u.how == "property" {
		return "property " + u.prop
	}
	return u.how
}

func (u *use) in() string {
	if u.secID == "" {
		return u.sec
	}
	return u.sec + " " + u.secID
}

// walkRefs calls fn for every ExtResource and SubResource reference. The
// *use is reused between calls.
func (f *File) walkRefs(fn func(*use)) {
	var u use
	props := func(ps []Prop) {
		for i := range ps {
			p := &ps[i]
			if p.Name == "script" {
				if r, ok := refOf(p.Value); ok {
					u.ref, u.pos, u.how, u.prop = r, p.Value.Pos, "script", ""
					fn(&u)
					continue
				}
			}
			u.how, u.prop = "property", p.Name
			walkValue(&p.Value, &u, fn)
		}
	}
	u.sec = "sub_resource"
	for i := range f.SubResources {
		u.secID = f.SubResources[i].ID
		props(f.SubResources[i].Props)
	}
	u.sec, u.secID = "resource", ""
	props(f.Resource)
	u.sec = "node"
	for i := range f.Nodes {
		n := &f.Nodes[i]
		u.secID = n.Path
		if n.Instance != "" {
			u.ref, u.pos, u.how, u.prop = Ref{Kind: "ext", ID: n.Instance}, n.InstancePos, "instance", ""
			fn(&u)
		}
		props(n.Props)
	}
	u.sec, u.secID, u.how, u.prop = "connection", "", "binds", ""
	for i := range f.Connections {
		walkValue(&f.Connections[i].Binds, &u, fn)
	}
}

// walkValue calls fn for every reference inside v, with u.ref and u.pos
// set.
func walkValue(v *gdtext.Value, u *use, fn func(*use)) {
	switch v.Kind {
	case gdtext.KindCall:
		if r, ok := refOf(*v); ok {
			u.ref, u.pos = r, v.Pos
			fn(u)
			return
		}
	case gdtext.KindArray, gdtext.KindDictionary:
	default:
		return
	}
	for i := range v.Type {
		walkValue(&v.Type[i], u, fn)
	}
	for i := range v.Keys {
		walkValue(&v.Keys[i], u, fn)
	}
	for i := range v.Items {
		walkValue(&v.Items[i], u, fn)
	}
}

// checkRefs reports references to ids the file does not declare: the
// engine refuses to load such a file.
func (p *parser) checkRefs() {
	f := p.f
	ext := make(map[string]bool, len(f.ExtResources))
	for _, r := range f.ExtResources {
		ext[r.ID] = true
	}
	sub := make(map[string]bool, len(f.SubResources))
	for _, r := range f.SubResources {
		sub[r.ID] = true
	}
	f.walkRefs(func(u *use) {
		switch r := u.ref; {
		case r.Kind == "ext" && !ext[r.ID]:
			p.errorAt(u.pos, "ExtResource(%q) in %s (%s) refers to no [ext_resource id=%q]", r.ID, u.in(), u.where(), r.ID)
		case r.Kind == "sub" && !sub[r.ID]:
			p.errorAt(u.pos, "SubResource(%q) in %s (%s) refers to no [sub_resource id=%q]", r.ID, u.in(), u.where(), r.ID)
		}
	})
}
