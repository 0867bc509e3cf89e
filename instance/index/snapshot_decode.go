package index

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"strings"
	"time"
	"unsafe"

	"github.com/godot-mcp-router/godot-mcp-router/detect/gdtext"
	"github.com/godot-mcp-router/godot-mcp-router/instance/gdscript"
	"github.com/godot-mcp-router/godot-mcp-router/instance/resfile"
	"github.com/godot-mcp-router/godot-mcp-router/instance/uid"
)

// restoredError is an error read back from a snapshot: the original's
// message, and what errors.As and errors.Is found in it.
type restoredError struct {
	msg      string
	at       *gdtext.Error // the *gdtext.Error it wrapped, or nil
	sentinel error         // one of snapshotSentinels it matched, or nil
}

func (e *restoredError) Error() string { return e.msg }

func (e *restoredError) Unwrap() []error {
	var out []error
	if e.at != nil {
		out = append(out, e.at)
	}
	if e.sentinel != nil {
		out = append(out, e.sentinel)
	}
	return out
}

// corruption is what a decoder panics with when the data is impossible;
// decodePayload turns it into ErrSnapshotCorrupt. Any other panic is a
// bug of the decoder, which the fuzz test is there to find.
type corruption string

// decoder reads a payload. Every count is checked against the bytes left
// before anything is allocated (each element takes at least min bytes),
// and nesting is bounded.
type decoder struct {
	b    []byte
	i    int
	strs []string

	// The summaries read so far, for references to them.
	scenes   []*resfile.File
	scripts  []*gdscript.Script
	imports  []*uid.Import
	binaries []*uid.Binary

	// Slabs for the thousands of small slices and structs of a snapshot.
	valueSlices   slab[gdtext.Value]
	entries       slab[gdtext.Entry]
	gdErrors      slab[gdtext.Error]
	restored      slab[restoredError]
	errs          slab[error]
	stringSlices  slab[string]
	sceneFiles    slab[resfile.File]
	extResources  slab[resfile.ExtResource]
	subResources  slab[resfile.SubResource]
	props         slab[resfile.Prop]
	nodes         slab[resfile.Node]
	connections   slab[resfile.Connection]
	scriptFiles   slab[gdscript.Script]
	classes       slab[*gdscript.Script]
	signals       slab[gdscript.Signal]
	variables     slab[gdscript.Variable]
	constants     slab[gdscript.Constant]
	enums         slab[gdscript.Enum]
	functions     slab[gdscript.Function]
	params        slab[gdscript.Param]
	calls         slab[gdscript.Call]
	loads         slab[gdscript.Load]
	pathRefs      slab[gdscript.PathRef]
	nodePathRefs  slab[gdscript.NodePathRef]
	signalUses    slab[gdscript.SignalUse]
	typeRefs      slab[gdscript.TypeRef]
	scriptErrors  slab[gdscript.Error]
	importFiles   slab[uid.Import]
	binaryHeaders slab[uid.Binary]
	sidecars      slab[byte]
}

// slab hands out slices cut from bigger allocations: one allocation for
// many small slices. A slice's capacity is its length, so that appending
// to it copies rather than overwrites the next one. The allocations grow
// from a few elements to slabBytes, so that a small project's snapshot
// stays small in memory.
type slab[T any] struct {
	free []T
	next int // elements of the next allocation
}

// slabBytes bounds the size of a slab's allocations.
const slabBytes = 32 << 10

func (s *slab[T]) take(n int) []T {
	if n == 0 {
		return []T{}
	}
	if n > len(s.free) {
		limit := max(slabBytes/max(int(unsafe.Sizeof(*new(T))), 1), 16)
		s.next = min(max(2*s.next, 16), limit)
		if n > s.next/4 {
			return make([]T, n)
		}
		s.free = make([]T, s.next)
	}
	out := s.free[:n:n]
	s.free = s.free[n:]
	return out
}

// one returns a new zero T.
func (s *slab[T]) one() *T { return &s.take(1)[0] }

// decodePayload decodes a whole decompressed payload. The result lacks
// Root and the maps derived from the rest.
func decodePayload(raw []byte) (ix *Index, err error) {
	d := &decoder{b: raw}
	defer func() {
		if r := recover(); r != nil {
			c, ok := r.(corruption)
			if !ok {
				panic(r)
			}
			ix, err = nil, fmt.Errorf("%w: %s at byte %d of %d of the payload", ErrSnapshotCorrupt, string(c), d.i, len(raw))
		}
	}()
	d.table()
	return d.index(), nil
}

func (d *decoder) fail(why string) { panic(corruption(why)) }

func (d *decoder) left() int { return len(d.b) - d.i }

// uvarint reads one or two bytes itself: string references take two in
// any but a small project.
func (d *decoder) uvarint() uint64 {
	if i := d.i; i+1 < len(d.b) {
		c := d.b[i]
		if c < 0x80 {
			d.i = i + 1
			return uint64(c)
		}
		if c2 := d.b[i+1]; c2 < 0x80 {
			d.i = i + 2
			return uint64(c&0x7f) | uint64(c2)<<7
		}
	}
	return d.uvarintSlow()
}

func (d *decoder) uvarintSlow() uint64 {
	var v uint64
	for shift, i := uint(0), d.i; i < len(d.b) && shift < 64; shift, i = shift+7, i+1 {
		c := d.b[i]
		if c < 0x80 {
			if shift == 63 && c > 1 {
				break
			}
			d.i = i + 1
			return v | uint64(c)<<shift
		}
		v |= uint64(c&0x7f) << shift
	}
	d.fail("truncated or overlong varint")
	return 0
}

func (d *decoder) varint() int64 {
	v := d.uvarint()
	return int64(v>>1) ^ -int64(v&1)
}

func (d *decoder) int() int { return int(d.varint()) }

func (d *decoder) byte() byte {
	if d.i >= len(d.b) {
		d.fail("truncated")
	}
	c := d.b[d.i]
	d.i++
	return c
}

func (d *decoder) bool() bool {
	switch d.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail("bad boolean")
	return false
}

func (d *decoder) fixed64() uint64 {
	if d.left() < 8 {
		d.fail("truncated")
	}
	v := binary.LittleEndian.Uint64(d.b[d.i:])
	d.i += 8
	return v
}

// count reads a count of elements taking at least min bytes each.
func (d *decoder) count(min int) int {
	n := d.uvarint()
	if n > uint64(d.left()/min) {
		d.fail(fmt.Sprintf("count %d beyond the data", n))
	}
	return int(n)
}

// sliceLen reads a slice's length+1; nil is true for a nil slice.
func (d *decoder) sliceLen(min int) (n int, isNil bool) {
	v := d.uvarint()
	if v == 0 {
		return 0, true
	}
	if v-1 > uint64(d.left()/min) {
		d.fail(fmt.Sprintf("length %d beyond the data", v-1))
	}
	return int(v - 1), false
}

func (d *decoder) str() string {
	if id := d.uvarint(); id < uint64(len(d.strs)) {
		return d.strs[id]
	}
	d.fail("bad string reference")
	return ""
}

// rawString reads a string written in place (the header's).
func (d *decoder) rawString() string {
	n := d.uvarint()
	if n > maxHeaderString || n > uint64(d.left()) {
		d.fail("bad string length")
	}
	s := string(d.b[d.i : d.i+int(n)])
	d.i += int(n)
	return s
}

// table reads the string table. All the strings are slices of one.
func (d *decoder) table() {
	n := d.count(1)
	lens := d.i
	total := uint64(0)
	for range n {
		total += d.uvarint()
		if total > uint64(len(d.b)) {
			d.fail("string table beyond the data")
		}
	}
	if total > uint64(d.left()) {
		d.fail("string table beyond the data")
	}
	all := string(d.b[d.i : d.i+int(total)])
	d.i += int(total)
	d.strs = make([]string, n+1)
	off := 0
	for k := 1; k <= n; k++ {
		l, w := binary.Uvarint(d.b[lens:])
		lens += w
		d.strs[k] = all[off : off+int(l)]
		off += int(l)
	}
}

func (d *decoder) pos() gdtext.Pos { return gdtext.Pos{Line: d.int(), Col: d.int()} }

func (d *decoder) time() time.Time {
	loc := d.byte()
	if loc == 0 {
		return time.Time{}
	}
	sec := d.varint()
	ns := d.uvarint()
	if ns >= 1e9 || sec < -1<<62 || sec > 1<<62 {
		d.fail("bad time")
	}
	switch loc {
	case 1:
		return time.Unix(sec, int64(ns))
	case 2:
		return time.Unix(sec, int64(ns)).UTC()
	}
	d.fail("bad time location")
	return time.Time{}
}

func (d *decoder) strings() []string {
	n, isNil := d.sliceLen(1)
	if isNil {
		return nil
	}
	s := d.stringSlices.take(n)
	for i := range s {
		s[i] = d.str()
	}
	return s
}

func (d *decoder) bytes() []byte {
	n, isNil := d.sliceLen(1)
	if isNil {
		return nil
	}
	b := d.sidecars.take(n)
	copy(b, d.b[d.i:])
	d.i += n
	return b
}

// decodeSlice reads what encodeSlice wrote, into a slice cut from a slab
// (made on its own when from is nil); min is the fewest bytes an element
// takes.
func decodeSlice[T any](d *decoder, from *slab[T], min int, elem func(*decoder, *T)) []T {
	n, isNil := d.sliceLen(min)
	if isNil {
		return nil
	}
	var s []T
	if from != nil {
		s = from.take(n)
	} else {
		s = make([]T, n)
	}
	for i := range s {
		elem(d, &s[i])
	}
	return s
}

// The fewest bytes an element of each kind takes (one a field at least);
// TestSnapshotMinimumSizes checks them against the encoder.
const (
	minCacheEntry  = 22 // tag, 12 for the File, sidecar, 8 for the hash
	minFileEntry   = 4  // tag, cache index, UID, Import
	minPair        = 2
	minValue       = 4 // kind, mask, position
	minEntry       = 4 + minValue
	minAutoload    = 5
	minEdge        = 5
	minProblem     = 6
	minExtResource = 5
	minSubResource = 5
	minProp        = 2 + minValue
	minNode        = 19
	minConnection  = 9 + minValue
	minSignal      = 4
	minVariable    = 11
	minConstant    = 5
	minEnum        = 4
	minFunction    = 9
	minParam       = 4
	minCall        = 2
	minLoad        = 4
	minPathRef     = 2
	minNodePathRef = 3
	minSignalUse   = 3
	minTypeRef     = 2
	minScriptError = 4
)

func (d *decoder) index() *Index {
	ix := &Index{}
	ix.Built = d.time()
	ix.Took = time.Duration(d.varint())
	ix.Reused = d.int()
	ix.Config = d.config()

	n := d.count(minCacheEntry)
	reads := make([]fileRead, n)
	ix.cache = make(map[string]*fileRead, n)
	for i := range reads {
		f := &reads[i]
		var rel string
		tag := d.byte()
		switch tag {
		case 0:
			rel = d.str()
		case 1:
		default:
			d.fail("bad cache entry")
		}
		d.file(&f.File)
		if tag == 1 {
			var ok bool
			if rel, ok = strings.CutPrefix(f.Path, "res://"); !ok {
				d.fail("cache entry without a res:// path")
			}
		}
		f.sidecar = d.bytes()
		f.hash = d.fixed64()
		ix.cache[rel] = f
	}
	if len(ix.cache) != n {
		d.fail("repeated cache entry")
	}

	n = d.count(minFileEntry)
	files := make([]File, n)
	ix.Files = make(map[string]*File, n)
	for i := range files {
		f := &files[i]
		tag := d.byte()
		if tag > 3 {
			d.fail("bad file entry")
		}
		if tag&1 != 0 {
			k := d.uvarint()
			if k >= uint64(len(reads)) {
				d.fail("bad cache reference")
			}
			*f = reads[k].File
			f.UID = d.str()
			f.Import = d.importRef()
		} else {
			d.file(f)
		}
		key := f.Path
		if tag&2 != 0 {
			key = d.str()
		}
		ix.Files[key] = f
	}
	if len(ix.Files) != n {
		d.fail("repeated file")
	}

	n = d.count(minPair)
	ix.ByUID = make(map[string]string, n)
	for range n {
		k := d.str()
		ix.ByUID[k] = d.str()
	}
	n = d.count(minPair)
	ix.dupUID = make(map[string]bool, n)
	for range n {
		k := d.str()
		ix.dupUID[k] = d.bool()
	}
	n = d.count(minPair)
	ix.outside = make(map[string]bool, n)
	for range n {
		k := d.str()
		ix.outside[k] = d.bool()
	}
	ix.checkedAt = d.time()
	n = d.count(minPair)
	ix.Classes = make(map[string]string, n)
	for range n {
		k := d.str()
		ix.Classes[k] = d.str()
	}
	ix.Autoload = decodeSlice(d, nil, minAutoload, (*decoder).autoload)
	ix.Edges = decodeSlice(d, nil, minEdge, (*decoder).edge)
	ix.Problems = decodeSlice(d, nil, minProblem, (*decoder).problem)
	if d.i != len(d.b) {
		d.fail("bytes after the end")
	}
	return ix
}

func (d *decoder) file(f *File) {
	f.Path = d.str()
	f.Kind = d.str()
	f.Ext = d.str()
	f.Size = d.varint()
	f.ModTime = d.time()
	f.UID = d.str()
	f.Scene = d.sceneRef()
	f.Script = d.scriptRef()
	f.Import = d.importRef()
	f.Binary = d.binaryRef()
	f.Err = d.error()
	f.lfs = d.bool()
}

func (d *decoder) error() error {
	switch tag := d.byte(); tag {
	case 0:
		return nil
	case 1:
		return d.gdError()
	case 2, 3:
		e := d.restored.one()
		e.msg = d.str()
		s := d.uvarint()
		if s > uint64(len(snapshotSentinels)) {
			d.fail("bad sentinel error")
		}
		if s > 0 {
			e.sentinel = snapshotSentinels[s-1]
		}
		if tag == 3 {
			e.at = d.gdError()
		}
		return e
	}
	d.fail("bad error")
	return nil
}

func (d *decoder) gdError() *gdtext.Error {
	e := d.gdErrors.one()
	*e = gdtext.Error{File: d.str(), Pos: d.pos(), Msg: d.str(), Excerpt: d.str()}
	return e
}

func (d *decoder) value(v *gdtext.Value, depth int) {
	if depth > maxValueDepth {
		d.fail("values nest too deep")
	}
	if d.left() < 2 {
		d.fail("truncated")
	}
	v.Kind = gdtext.Kind(d.b[d.i])
	mask := d.b[d.i+1]
	d.i += 2
	if mask >= 128 {
		d.fail("bad value")
	}
	v.Pos = d.pos()
	v.Bool = mask&1 != 0
	if mask&2 != 0 {
		v.Int = d.varint()
	}
	if mask&4 != 0 {
		v.Float = math.Float64frombits(bits.ReverseBytes64(d.uvarint()))
	}
	if mask&8 != 0 {
		v.Str = d.str()
	}
	if mask&16 != 0 {
		v.Items = d.values(depth)
	}
	if mask&32 != 0 {
		v.Keys = d.values(depth)
	}
	if mask&64 != 0 {
		v.Type = d.values(depth)
	}
}

func (d *decoder) values(depth int) []gdtext.Value {
	s := d.valueSlices.take(d.count(minValue))
	for i := range s {
		d.value(&s[i], depth+1)
	}
	return s
}

func (d *decoder) config() *gdtext.Config {
	if !d.bool() {
		return nil
	}
	return &gdtext.Config{Entries: decodeSlice(d, &d.entries, minEntry, (*decoder).entry)}
}

func (d *decoder) entry(en *gdtext.Entry) {
	en.Section = d.str()
	en.Key = d.str()
	d.value(&en.Value, 0)
	en.Pos = d.pos()
}

func (d *decoder) autoload(a *Autoload) {
	a.Name = d.str()
	a.Path = d.str()
	a.Written = d.str()
	a.Singleton = d.bool()
	a.Line = d.int()
}

func (d *decoder) edge(e *Edge) {
	e.From = d.str()
	e.To = d.str()
	e.Kind = d.str()
	e.Line = d.int()
	e.Detail = d.str()
}

func (d *decoder) problem(p *Problem) {
	p.Kind = d.str()
	p.File = d.str()
	p.Line = d.int()
	p.Target = d.str()
	p.Missing = d.str()
	p.Message = d.str()
}

func (d *decoder) sceneRef() *resfile.File {
	switch v := d.uvarint(); {
	case v == 0:
		return nil
	case v == 1:
		s := d.sceneFiles.one()
		d.scenes = append(d.scenes, s)
		d.scene(s)
		return s
	case v-2 < uint64(len(d.scenes)):
		return d.scenes[v-2]
	}
	d.fail("bad scene reference")
	return nil
}

func (d *decoder) scriptRef() *gdscript.Script {
	switch v := d.uvarint(); {
	case v == 0:
		return nil
	case v == 1:
		s := d.scriptFiles.one()
		d.scripts = append(d.scripts, s)
		d.script(s, 0)
		return s
	case v-2 < uint64(len(d.scripts)):
		return d.scripts[v-2]
	}
	d.fail("bad script reference")
	return nil
}

func (d *decoder) importRef() *uid.Import {
	switch v := d.uvarint(); {
	case v == 0:
		return nil
	case v == 1:
		m := d.importFiles.one()
		d.imports = append(d.imports, m)
		m.UID = d.str()
		m.Type = d.str()
		m.Importer = d.str()
		m.Path = d.str()
		m.SourceFile = d.str()
		m.DestFiles = d.strings()
		m.Valid = d.bool()
		return m
	case v-2 < uint64(len(d.imports)):
		return d.imports[v-2]
	}
	d.fail("bad import reference")
	return nil
}

func (d *decoder) binaryRef() *uid.Binary {
	switch v := d.uvarint(); {
	case v == 0:
		return nil
	case v == 1:
		b := d.binaryHeaders.one()
		d.binaries = append(d.binaries, b)
		b.Type = d.str()
		b.UID = d.str()
		b.ScriptClass = d.str()
		flags := d.byte()
		if flags > 3 {
			d.fail("bad binary flags")
		}
		b.Compressed = flags&1 != 0
		b.BigEndian = flags&2 != 0
		b.Major = d.uint32()
		b.Minor = d.uint32()
		b.Format = d.uint32()
		return b
	case v-2 < uint64(len(d.binaries)):
		return d.binaries[v-2]
	}
	d.fail("bad binary reference")
	return nil
}

func (d *decoder) uint32() uint32 {
	v := d.uvarint()
	if v > math.MaxUint32 {
		d.fail("bad 32-bit number")
	}
	return uint32(v)
}

func (d *decoder) scene(s *resfile.File) {
	s.Kind = d.str()
	s.Format = d.int()
	s.LoadSteps = d.int()
	s.UID = d.str()
	s.Type = d.str()
	s.ScriptClass = d.str()
	s.ExtResources = decodeSlice(d, &d.extResources, minExtResource, (*decoder).extResource)
	s.SubResources = decodeSlice(d, &d.subResources, minSubResource, (*decoder).subResource)
	s.Resource = decodeSlice(d, &d.props, minProp, (*decoder).prop)
	s.Nodes = decodeSlice(d, &d.nodes, minNode, (*decoder).node)
	s.Connections = decodeSlice(d, &d.connections, minConnection, (*decoder).connection)
	s.Editable = d.strings()
	s.Errors = decodeSlice(d, &d.errs, 1, func(d *decoder, err *error) { *err = d.error() })
}

func (d *decoder) extResource(r *resfile.ExtResource) {
	r.ID = d.str()
	r.Type = d.str()
	r.Path = d.str()
	r.UID = d.str()
	r.Line = d.int()
}

func (d *decoder) subResource(r *resfile.SubResource) {
	r.ID = d.str()
	r.Type = d.str()
	r.Line = d.int()
	r.Props = decodeSlice(d, &d.props, minProp, (*decoder).prop)
	r.Source = d.str()
}

func (d *decoder) prop(p *resfile.Prop) {
	p.Name = d.str()
	d.value(&p.Value, 0)
	p.Line = d.int()
}

func (d *decoder) node(n *resfile.Node) {
	n.Name = d.str()
	n.Type = d.str()
	n.Parent = d.str()
	n.Path = d.str()
	n.Instance = d.str()
	n.InstancePlaceholder = d.str()
	n.Owner = d.str()
	n.Groups = d.strings()
	n.NodePaths = d.strings()
	n.Index = d.int()
	n.Script.Kind = d.str()
	n.Script.ID = d.str()
	n.Props = decodeSlice(d, &d.props, minProp, (*decoder).prop)
	n.Line = d.int()
	flags := d.byte()
	if flags > 3 {
		d.fail("bad node flags")
	}
	n.Inherited = flags&1 != 0
	n.Override = flags&2 != 0
	n.UniqueID = d.str()
	n.ParentIDPath = d.str()
	n.InstancePos = d.pos()
}

func (d *decoder) connection(c *resfile.Connection) {
	c.Signal = d.str()
	c.From = d.str()
	c.To = d.str()
	c.Method = d.str()
	c.Flags = d.int()
	d.value(&c.Binds, 0)
	c.Unbinds = d.int()
	c.FromIDPath = d.str()
	c.ToIDPath = d.str()
	c.Line = d.int()
}

func (d *decoder) script(s *gdscript.Script, depth int) {
	if depth > maxClassDepth {
		d.fail("inner classes nest too deep")
	}
	s.Name = d.str()
	s.Line = d.int()
	s.EndLine = d.int()
	s.Doc = d.str()
	flags := d.byte()
	if flags > 15 {
		d.fail("bad script flags")
	}
	s.Tool = flags&1 != 0
	s.Abstract = flags&2 != 0
	s.StaticUnload = flags&4 != 0
	s.ExtendsPath = flags&8 != 0
	s.ClassName = d.str()
	s.ClassNameLine = d.int()
	s.Icon = d.str()
	s.Extends = d.str()
	s.ExtendsInner = d.str()
	s.ExtendsLine = d.int()
	s.Signals = decodeSlice(d, &d.signals, minSignal, (*decoder).signal)
	s.Variables = decodeSlice(d, &d.variables, minVariable, (*decoder).variable)
	s.Constants = decodeSlice(d, &d.constants, minConstant, (*decoder).constant)
	s.Enums = decodeSlice(d, &d.enums, minEnum, (*decoder).enum)
	s.Functions = decodeSlice(d, &d.functions, minFunction, (*decoder).function)
	s.Classes = decodeSlice(d, &d.classes, 1, func(d *decoder, c **gdscript.Script) {
		if d.bool() {
			*c = d.scriptFiles.one()
			d.script(*c, depth+1)
		}
	})
	s.Loads = decodeSlice(d, &d.loads, minLoad, (*decoder).load)
	s.Paths = decodeSlice(d, &d.pathRefs, minPathRef, (*decoder).pathRef)
	s.NodePaths = decodeSlice(d, &d.nodePathRefs, minNodePathRef, (*decoder).nodePathRef)
	s.SignalUses = decodeSlice(d, &d.signalUses, minSignalUse, (*decoder).signalUse)
	s.TypeRefs = decodeSlice(d, &d.typeRefs, minTypeRef, (*decoder).typeRef)
	s.Errors = decodeSlice(d, &d.scriptErrors, minScriptError, (*decoder).scriptError)
}

func (d *decoder) load(l *gdscript.Load) {
	l.Kind = d.str()
	l.Path = d.str()
	l.Line = d.int()
	l.Dynamic = d.bool()
}

func (d *decoder) pathRef(r *gdscript.PathRef) {
	r.Path = d.str()
	r.Line = d.int()
}

func (d *decoder) nodePathRef(r *gdscript.NodePathRef) {
	r.Path = d.str()
	r.Line = d.int()
	r.Kind = d.str()
}

func (d *decoder) signalUse(u *gdscript.SignalUse) {
	u.Signal = d.str()
	u.Line = d.int()
	u.Kind = d.str()
}

func (d *decoder) typeRef(r *gdscript.TypeRef) {
	r.Name = d.str()
	r.Line = d.int()
}

func (d *decoder) scriptError(e *gdscript.Error) {
	e.File = d.str()
	e.Pos.Line = d.int()
	e.Pos.Col = d.int()
	e.Msg = d.str()
}

func (d *decoder) param(p *gdscript.Param) {
	p.Name = d.str()
	p.Type = d.str()
	p.Default = d.str()
	p.Variadic = d.bool()
}

func (d *decoder) call(c *gdscript.Call) {
	c.Name = d.str()
	c.Line = d.int()
}

func (d *decoder) signal(s *gdscript.Signal) {
	s.Name = d.str()
	s.Line = d.int()
	s.Params = decodeSlice(d, &d.params, minParam, (*decoder).param)
	s.Doc = d.str()
}

func (d *decoder) variable(v *gdscript.Variable) {
	v.Name = d.str()
	v.Type = d.str()
	v.Line = d.int()
	v.Value = d.str()
	flags := d.byte()
	if flags > 7 {
		d.fail("bad variable flags")
	}
	v.Exported = flags&1 != 0
	v.Onready = flags&2 != 0
	v.Static = flags&4 != 0
	v.Export = d.str()
	v.Setter = d.str()
	v.Getter = d.str()
	v.RPC = d.str()
	v.Calls = decodeSlice(d, &d.calls, minCall, (*decoder).call)
	v.Doc = d.str()
}

func (d *decoder) constant(c *gdscript.Constant) {
	c.Name = d.str()
	c.Type = d.str()
	c.Value = d.str()
	c.Line = d.int()
	c.Doc = d.str()
}

func (d *decoder) enum(en *gdscript.Enum) {
	en.Name = d.str()
	en.Line = d.int()
	en.Values = d.strings()
	en.Doc = d.str()
}

func (d *decoder) function(f *gdscript.Function) {
	f.Name = d.str()
	f.Line = d.int()
	f.EndLine = d.int()
	f.Params = decodeSlice(d, &d.params, minParam, (*decoder).param)
	f.ReturnType = d.str()
	flags := d.byte()
	if flags > 3 {
		d.fail("bad function flags")
	}
	f.Static = flags&1 != 0
	f.Abstract = flags&2 != 0
	f.RPC = d.str()
	f.Calls = decodeSlice(d, &d.calls, minCall, (*decoder).call)
	f.Doc = d.str()
}
