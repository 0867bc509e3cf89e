package index

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/godot-mcp-router/godot-mcp-router/detect"
	"github.com/godot-mcp-router/godot-mcp-router/detect/gdtext"
	"github.com/godot-mcp-router/godot-mcp-router/instance/resfile"
)

const testBuild = "v0.0.0-test+abc123"

// roundTrip snapshots ix and restores it.
func roundTrip(t testing.TB, ix *Index) (*Index, []byte) {
	t.Helper()
	data, err := ix.Snapshot(testBuild)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Restore(ix.Root, testBuild, data)
	if err != nil {
		t.Fatal(err)
	}
	return got, data
}

// requireSame fails when two indexes differ in any field, exported or
// not, at any depth, or in which pointers they share.
func requireSame(t testing.TB, want, got *Index) {
	t.Helper()
	c := &differ{fwd: map[uintptr]uintptr{}, back: map[uintptr]uintptr{}, path: []string{"Index"}}
	c.compare(reflect.ValueOf(want), reflect.ValueOf(got))
	if len(c.diffs) > 0 {
		t.Fatalf("restored index differs from the original:\n%s", strings.Join(c.diffs, "\n"))
	}
}

var (
	timeType  = reflect.TypeFor[time.Time]()
	errorType = reflect.TypeFor[error]()
)

// differ compares two values deeply. Times compare with Equal (and their
// location); errors by message and by what errors.As and errors.Is find;
// pointers by pointee, and the same original pointer must always meet the
// same restored one (sharing kept).
type differ struct {
	fwd, back map[uintptr]uintptr
	path      []string // to the values compared, joined only for a difference
	diffs     []string
}

func (c *differ) add(format string, args ...any) {
	if len(c.diffs) < 20 {
		c.diffs = append(c.diffs, strings.Join(c.path, "")+": "+fmt.Sprintf(format, args...))
	}
}

// at compares a part of the values, named by step.
func (c *differ) at(step string, a, b reflect.Value) {
	c.path = append(c.path, step)
	c.compare(a, b)
	c.path = c.path[:len(c.path)-1]
}

// open makes an unexported field's value usable with Interface.
func open(v reflect.Value) reflect.Value {
	if v.CanInterface() || !v.CanAddr() {
		return v
	}
	return reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
}

func (c *differ) compare(a, b reflect.Value) {
	if len(c.diffs) >= 20 {
		return
	}
	switch a.Type() {
	case timeType:
		ta, tb := open(a).Interface().(time.Time), open(b).Interface().(time.Time)
		if !ta.Equal(tb) || ta.Location() != tb.Location() || ta.IsZero() != tb.IsZero() {
			c.add("time %v, restored %v", ta, tb)
		}
		return
	case errorType:
		ea, _ := open(a).Interface().(error)
		eb, _ := open(b).Interface().(error)
		c.compareErrors(ea, eb)
		return
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				c.add("nil %v, restored nil %v", a.IsNil(), b.IsNil())
			}
			return
		}
		pa, pb := a.Pointer(), b.Pointer()
		if q, seen := c.fwd[pa]; seen {
			if q != pb {
				c.add("a shared pointer is no longer shared")
			}
			return
		}
		if q, seen := c.back[pb]; seen && q != pa {
			c.add("two pointers became one")
			return
		}
		c.fwd[pa], c.back[pb] = pb, pa
		c.compare(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			c.at("."+a.Type().Field(i).Name, a.Field(i), b.Field(i))
		}
	case reflect.Slice:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			c.add("len %d (nil %v), restored len %d (nil %v)", a.Len(), a.IsNil(), b.Len(), b.IsNil())
			return
		}
		for i := range a.Len() {
			c.at("["+strconv.Itoa(i)+"]", a.Index(i), b.Index(i))
		}
	case reflect.Map:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			c.add("%d entries (nil %v), restored %d (nil %v)", a.Len(), a.IsNil(), b.Len(), b.IsNil())
			return
		}
		for _, k := range a.MapKeys() {
			bv := b.MapIndex(k)
			if !bv.IsValid() {
				c.add("key %v lost", k)
				continue
			}
			c.at(fmt.Sprintf("[%v]", k), a.MapIndex(k), bv)
		}
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				c.add("nil %v, restored nil %v", a.IsNil(), b.IsNil())
			}
			return
		}
		c.compare(a.Elem(), b.Elem())
	case reflect.String:
		if a.String() != b.String() {
			c.add("%q, restored %q", a.String(), b.String())
		}
	case reflect.Bool:
		if a.Bool() != b.Bool() {
			c.add("%v, restored %v", a.Bool(), b.Bool())
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if a.Int() != b.Int() {
			c.add("%d, restored %d", a.Int(), b.Int())
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if a.Uint() != b.Uint() {
			c.add("%d, restored %d", a.Uint(), b.Uint())
		}
	case reflect.Float32, reflect.Float64:
		if math.Float64bits(a.Float()) != math.Float64bits(b.Float()) {
			c.add("%v, restored %v", a.Float(), b.Float())
		}
	default:
		c.add("cannot compare a %s", a.Kind())
	}
}

func (c *differ) compareErrors(a, b error) {
	if a == nil || b == nil {
		if (a == nil) != (b == nil) {
			c.add("error %v, restored %v", a, b)
		}
		return
	}
	if a.Error() != b.Error() {
		c.add("error %q, restored %q", a.Error(), b.Error())
	}
	if _, ok := a.(*gdtext.Error); ok {
		if _, ok := b.(*gdtext.Error); !ok {
			c.add("a *gdtext.Error restored as a %T", b)
		}
	}
	var ga, gb *gdtext.Error
	if errors.As(a, &ga) != errors.As(b, &gb) || (ga != nil && *ga != *gb) {
		c.add("errors.As finds %+v, restored %+v", ga, gb)
	}
	for _, s := range snapshotSentinels {
		if errors.Is(a, s) != errors.Is(b, s) {
			c.add("errors.Is(%v) differs", s)
		}
	}
}

// filler sets every field of a value, exported or not, to something not
// zero. With zero set, the values are zero but present (pointers to zero
// values, and slices of two elements: the zero one, which takes the
// fewest bytes a decoder must accept, and a filled one).
type filler struct {
	t    testing.TB
	r    *rand.Rand
	zero bool
	on   map[reflect.Type]int // structs being filled, around the current field
}

// maxFillNesting bounds the recursive types (gdtext.Value within a
// Value, gdscript.Script within Classes): a slice or pointer of a struct
// already filled this many times around is left nil.
const maxFillNesting = 2

func (f *filler) str() string {
	if f.zero {
		return ""
	}
	const letters = "abcdefghijklmnopqrstuvwxyz/._:é日"
	rs := []rune(letters)
	var b strings.Builder
	for range 1 + f.r.IntN(8) {
		b.WriteRune(rs[f.r.IntN(len(rs))])
	}
	return b.String()
}

func (f *filler) gdError() *gdtext.Error {
	return &gdtext.Error{File: f.str(), Pos: gdtext.Pos{Line: f.r.IntN(1000) + 1, Col: f.r.IntN(80) + 1}, Msg: f.str(), Excerpt: f.str()}
}

func (f *filler) error() error {
	if f.zero {
		return errors.New("")
	}
	switch f.r.IntN(5) {
	case 0:
		return f.gdError()
	case 1:
		return fmt.Errorf("%s: %w", f.str(), f.gdError())
	case 2:
		return errors.Join(f.gdError(), errors.New(f.str()), f.gdError())
	case 3:
		return fmt.Errorf("%s: %w", f.str(), resfile.ErrLFSPointer)
	}
	return errors.New(f.str())
}

func (f *filler) fill(v reflect.Value) {
	switch v.Type() {
	case timeType:
		if !f.zero {
			v.Set(reflect.ValueOf(time.Unix(f.r.Int64N(1<<40), f.r.Int64N(1e9))))
		}
		return
	case errorType:
		v.Set(reflect.ValueOf(f.error()))
		return
	}
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(!f.zero)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if !f.zero {
			bits := v.Type().Bits()
			n := f.r.Int64() >> (64 - bits)
			if f.r.IntN(2) == 0 {
				n = int64(f.r.IntN(200)) - 100 // small ones too
			}
			if n == 0 {
				n = 1
			}
			v.SetInt(n)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if !f.zero {
			v.SetUint(f.r.Uint64()>>(64-v.Type().Bits()) | 1)
		}
	case reflect.Float64:
		if !f.zero {
			v.SetFloat(f.r.NormFloat64() * 1e3)
		}
	case reflect.String:
		v.SetString(f.str())
	case reflect.Slice:
		if f.on[v.Type().Elem()] >= maxFillNesting {
			return
		}
		n, from := 1+f.r.IntN(3), 0
		if f.zero {
			n, from = 2, 1
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := from; i < n; i++ {
			f.fill(s.Index(i))
		}
		v.Set(s)
	case reflect.Pointer:
		if f.on[v.Type().Elem()] >= maxFillNesting {
			return
		}
		p := reflect.New(v.Type().Elem())
		f.fill(p.Elem())
		v.Set(p)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for range 1 + f.r.IntN(3) {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			f.fill(k)
			f.fill(e)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Struct:
		f.on[v.Type()]++
		defer func() { f.on[v.Type()]-- }()
		for i := range v.NumField() {
			fv := v.Field(i)
			if !fv.CanSet() {
				fv = reflect.NewAt(fv.Type(), unsafe.Pointer(fv.UnsafeAddr())).Elem()
			}
			f.fill(fv)
		}
	default:
		f.t.Fatalf("cannot fill a %s (%s): teach the test and the snapshot encoding about it", v.Kind(), v.Type())
	}
}

// randomIndex builds an index whose every field is set: cache entries, and
// Files that are copies of them with their own UID and an Import shared
// with another entry, as Update makes them; plus a file that is no copy,
// under a key that is not its path.
func randomIndex(t testing.TB, r *rand.Rand, zero bool) *Index {
	f := &filler{t: t, r: r, zero: zero, on: map[reflect.Type]int{}}
	set := func(p any) { f.fill(reflect.ValueOf(p).Elem()) }
	ix := &Index{Root: "/project", Files: map[string]*File{}, cache: map[string]*fileRead{}}
	handled := map[string]bool{"Root": true, "Files": true, "cache": true, "out": true, "in": true, "engine": true}
	for i := range 4 {
		fr := &fileRead{}
		set(fr)
		rel := fmt.Sprintf("dir/f%d.tscn", i)
		key := rel
		fr.Path = "res://" + rel
		if i == 3 {
			key = "key-other-than-path"
		}
		ix.cache[key] = fr
		c := fr.File
		set(&c.UID)
		if i > 0 {
			c.Import = ix.cache[fmt.Sprintf("dir/f%d.tscn", i-1)].Import
		}
		ix.Files[c.Path] = &c
	}
	var other File
	set(&other)
	ix.Files["res://not-its-path"] = &other
	for _, p := range []any{&ix.ByUID, &ix.dupUID, &ix.outside, &ix.checkedAt, &ix.Classes, &ix.Config, &ix.Autoload, &ix.Edges, &ix.Problems, &ix.Built, &ix.Took, &ix.Reused} {
		set(p)
	}
	for _, name := range []string{"ByUID", "dupUID", "outside", "checkedAt", "Classes", "Config", "Autoload", "Edges", "Problems", "Built", "Took", "Reused"} {
		handled[name] = true
	}
	for i := range reflect.TypeFor[Index]().NumField() {
		if name := reflect.TypeFor[Index]().Field(i).Name; !handled[name] {
			t.Fatalf("Index.%s is new: fill it here, and encode it in snapshot.go", name)
		}
	}
	ix.indexEdges()
	ix.engine = engineClasses()
	return ix
}

// TestSnapshotCoversEveryField fills every field of everything a snapshot
// holds and requires it back: a field added to any of those structs and
// not encoded fails here.
func TestSnapshotCoversEveryField(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 20 {
		zero := round%4 == 3 // every element present but zero: the fewest bytes
		ix := randomIndex(t, r, zero)
		got, _ := roundTrip(t, ix)
		requireSame(t, ix, got)
	}
}

// TestSnapshotCorpus restores every corpus project equal to its build, and
// Update then finds nothing to do.
func TestSnapshotCorpus(t *testing.T) {
	projects, err := detect.Scan(corpusDir(t), detect.ScanOptions{MaxDepth: 8, MaxDirs: 100000})
	if err != nil {
		t.Fatal(err)
	}
	size, files := 0, 0
	for _, p := range projects {
		ix, err := Build(p.Root)
		if err != nil {
			t.Fatalf("%s: %v", p.Root, err)
		}
		got, data := roundTrip(t, ix)
		requireSame(t, ix, got)
		up, err := Update(p.Root, got)
		if err != nil {
			t.Fatal(err)
		}
		if up != got {
			t.Fatalf("%s: Update of the restored index built a new one", p.Root)
		}
		size += len(data)
		files += len(ix.cache)
	}
	t.Logf("%d projects, %d files, %d snapshot bytes", len(projects), files, size)
}

// TestSnapshotEditsWhileDown changes the project between the snapshot and
// the restore: Update of the restored index equals a fresh Build and reads
// only what changed.
func TestSnapshotEditsWhileDown(t *testing.T) {
	root := GenerateProject(t, t.TempDir(), 300)
	ix, err := Build(root)
	if err != nil {
		t.Fatal(err)
	}
	data, err := ix.Snapshot(testBuild)
	if err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(2 * time.Second)
	write := func(rel, content string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, later, later); err != nil {
			t.Fatal(err)
		}
	}
	read := func(rel string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	write("scripts/script_0002.gd", "class_name Edited\nextends Node\nconst X = preload(\"res://missing.gd\")\n")
	write("scripts/script_0005.gd", read("scripts/script_0005.gd")) // a touch: same bytes
	write("scripts/added.gd", "extends Edited\n")
	write("scenes/added.tscn", "[gd_scene format=3]\n\n[ext_resource type=\"Script\" path=\"res://scripts/added.gd\" id=\"1\"]\n\n[node name=\"Added\" type=\"Node\"]\nscript = ExtResource(\"1\")\n")
	if err := os.Remove(filepath.Join(root, "scenes", "scene_0004.tscn")); err != nil {
		t.Fatal(err)
	}
	write("project.godot", read("project.godot")+"\n[display]\nwindow/size/viewport_width=640\n")

	restored, err := Restore(root, testBuild, data)
	if err != nil {
		t.Fatal(err)
	}
	up, err := Update(root, restored)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := Build(root)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := summary(t, up), summary(t, fresh); a != b {
		t.Fatal("restored and updated index differs from a fresh build")
	}
	// Untouched: all but the two scripts written, the two files added and
	// project.godot.
	if want := len(up.cache) - 5; up.Reused != want {
		t.Errorf("reused %d files, want %d", up.Reused, want)
	}
	if _, ok := up.Files["res://scenes/scene_0004.tscn"]; ok {
		t.Error("the deleted scene is still indexed")
	}
	if up.Classes["Edited"] == "" || up.Files["res://scripts/script_0005.gd"].Script != restored.Files["res://scripts/script_0005.gd"].Script {
		t.Error("the edit is missing, or the touched script was parsed again")
	}
}

// smallSnapshot is the snapshot of a small generated project, of a few
// KB. Its root is given, for snapshots that stay the same across runs.
func smallSnapshot(t testing.TB, root string) []byte {
	t.Helper()
	return smallSnapshotN(t, root, 40)
}

func smallSnapshotN(t testing.TB, root string, n int) []byte {
	t.Helper()
	ix, err := Build(GenerateProject(t, t.TempDir(), n))
	if err != nil {
		t.Fatal(err)
	}
	ix.Root = root
	data, err := ix.Snapshot(testBuild)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestSnapshotCorrupt feeds Restore every kind of damage: it reports the
// right error and never panics.
func TestSnapshotCorrupt(t *testing.T) {
	root := "/game"
	data := smallSnapshot(t, root)
	t.Logf("snapshot of %d bytes", len(data))
	formatAt := len(snapshotMagic)
	expect := func(t *testing.T, what string, in []byte, root, build string, want error) {
		t.Helper()
		ix, err := Restore(root, build, in)
		if !errors.Is(err, want) || ix != nil {
			t.Fatalf("%s: got %v, want %v", what, err, want)
		}
	}
	t.Run("truncated", func(t *testing.T) {
		for n := range len(data) {
			expect(t, fmt.Sprintf("first %d bytes", n), data[:n], root, testBuild, ErrSnapshotCorrupt)
		}
	})
	t.Run("bit flips", func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for range 500 {
			in := bytes.Clone(data)
			i := r.IntN(len(in))
			in[i] ^= 1 << r.IntN(8)
			want := ErrSnapshotCorrupt
			if i == formatAt {
				want = ErrSnapshotFormat
			}
			expect(t, fmt.Sprintf("bit flipped in byte %d", i), in, root, testBuild, want)
		}
	})
	t.Run("appended", func(t *testing.T) {
		expect(t, "a byte more", append(bytes.Clone(data), 0), root, testBuild, ErrSnapshotCorrupt)
	})
	t.Run("empty", func(t *testing.T) {
		expect(t, "nil", nil, root, testBuild, ErrSnapshotCorrupt)
		expect(t, "empty", []byte{}, root, testBuild, ErrSnapshotCorrupt)
	})
	t.Run("garbage", func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 6))
		for n := range 200 {
			in := make([]byte, n*7)
			for i := range in {
				in[i] = byte(r.Uint32())
			}
			expect(t, "garbage", in, root, testBuild, ErrSnapshotCorrupt)
			expect(t, "garbage after the magic", append([]byte(snapshotMagic+string(rune(SnapshotFormat))), in...), root, testBuild, ErrSnapshotCorrupt)
		}
	})
	t.Run("another root", func(t *testing.T) {
		expect(t, "another root", data, root+"2", testBuild, ErrSnapshotCorrupt)
	})
	t.Run("another build", func(t *testing.T) {
		expect(t, "another build", data, root, testBuild+"2", ErrSnapshotFormat)
	})
	t.Run("older format", func(t *testing.T) {
		in := bytes.Clone(data)
		in[formatAt] = SnapshotFormat - 1
		expect(t, "older format", in, root, testBuild, ErrSnapshotFormat)
		h, err := ReadSnapshotHeader(in)
		if !errors.Is(err, ErrSnapshotFormat) || h.Format != SnapshotFormat-1 {
			t.Fatalf("ReadSnapshotHeader: %+v, %v", h, err)
		}
	})
}

func TestReadSnapshotHeader(t *testing.T) {
	before := time.Now()
	root := "/game"
	data := smallSnapshot(t, root)
	ix, err := Restore(root, testBuild, data)
	if err != nil {
		t.Fatal(err)
	}
	h, err := ReadSnapshotHeader(data)
	if err != nil {
		t.Fatal(err)
	}
	if h.Format != SnapshotFormat || h.Build != testBuild || h.Root != root || h.Files != len(ix.Files) ||
		h.Created.Before(before) || h.Created.After(time.Now()) {
		t.Fatalf("header %+v", h)
	}
	for n := range len(data) {
		if _, err := ReadSnapshotHeader(data[:n]); err == nil && n < snapshotHeaderLen(t, data) {
			t.Fatalf("header of the first %d bytes read", n)
		}
	}
}

// snapshotHeaderLen is where the payload starts.
func snapshotHeaderLen(t *testing.T, data []byte) int {
	t.Helper()
	full, _, err := readSnapshotHeader(data)
	if err != nil {
		t.Fatal(err)
	}
	return full.sumAt + 4
}

// TestRestoredErrors: an error comes back with its message, the line
// errLine finds, and the *gdtext.Error errors.As finds.
func TestRestoredErrors(t *testing.T) {
	root := t.TempDir()
	write := func(rel, content string) {
		if err := os.WriteFile(filepath.Join(root, rel), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("project.godot", "config_version=5\n")
	write("broken.tscn", "[gd_scene format=3]\n\n[node name=\"A\" type=\"Node\"]\nx = [1, 2\n")
	write("broken.gd", "extends Node\nfunc f(:\n")
	ix, err := Build(root)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := roundTrip(t, ix)
	for _, p := range []string{"res://broken.tscn", "res://broken.gd"} {
		a, b := ix.Files[p], got.Files[p]
		if a.Err == nil || b.Err == nil || a.Err.Error() != b.Err.Error() || errLine(a) != errLine(b) || errLine(a) == 0 {
			t.Errorf("%s: error %v line %d, restored %v line %d", p, a.Err, errLine(a), b.Err, errLine(b))
		}
	}
	requireSame(t, ix, got)
}

// minSize is the size of the encoding of T's zero value.
func minSize[T any](encode func(*encoder, *T)) int {
	e := &encoder{strs: map[string]uint64{"": 0}, table: []string{""}}
	var zero T
	encode(e, &zero)
	return len(e.buf)
}

// TestSnapshotMinimumSizes: the decoder refuses a count of elements that
// the bytes left cannot hold, assuming each takes at least its minimum. A
// minimum above what the encoder writes for a zero element would refuse
// good snapshots.
func TestSnapshotMinimumSizes(t *testing.T) {
	value := func(e *encoder, v *gdtext.Value) { e.value(v, 0) }
	tests := []struct {
		name      string
		min, size int
	}{
		{"value", minValue, minSize(value)},
		{"entry", minEntry, minSize((*encoder).entry)},
		{"autoload", minAutoload, minSize((*encoder).autoload)},
		{"edge", minEdge, minSize((*encoder).edge)},
		{"problem", minProblem, minSize((*encoder).problem)},
		{"ext_resource", minExtResource, minSize((*encoder).extResource)},
		{"sub_resource", minSubResource, minSize((*encoder).subResource)},
		{"prop", minProp, minSize((*encoder).prop)},
		{"node", minNode, minSize((*encoder).node)},
		{"connection", minConnection, minSize((*encoder).connection)},
		{"signal", minSignal, minSize((*encoder).signal)},
		{"variable", minVariable, minSize((*encoder).variable)},
		{"constant", minConstant, minSize((*encoder).constant)},
		{"enum", minEnum, minSize((*encoder).enum)},
		{"function", minFunction, minSize((*encoder).function)},
		{"param", minParam, minSize((*encoder).param)},
		{"call", minCall, minSize((*encoder).call)},
		{"load", minLoad, minSize((*encoder).load)},
		{"path ref", minPathRef, minSize((*encoder).pathRef)},
		{"node path ref", minNodePathRef, minSize((*encoder).nodePathRef)},
		{"signal use", minSignalUse, minSize((*encoder).signalUse)},
		{"type ref", minTypeRef, minSize((*encoder).typeRef)},
		{"script error", minScriptError, minSize((*encoder).scriptError)},
		{"file", minCacheEntry - 10, minSize((*encoder).file)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.min > tt.size {
				t.Errorf("minimum %d bytes, but a zero one takes %d", tt.min, tt.size)
			}
		})
	}
}

// TestSnapshotState keeps the program's state in the header: it reads back
// without decoding the index, survives Restore's checks, and is bounded.
func TestSnapshotState(t *testing.T) {
	root := GenerateProject(t, t.TempDir(), 20)
	ix, err := Build(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, state := range [][]byte{nil, []byte(`{"builds":[{"id":"b1"}]}`), bytes.Repeat([]byte{0, 0xff}, 1000)} {
		data, err := ix.SnapshotWithState(testBuild, state)
		if err != nil {
			t.Fatal(err)
		}
		h, err := ReadSnapshotHeader(data)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(h.State, state) || h.Format != SnapshotFormat || h.Files != len(ix.Files) {
			t.Fatalf("header: state %q (want %q), format %d, files %d", h.State, state, h.Format, h.Files)
		}
		got, err := Restore(root, testBuild, data)
		if err != nil {
			t.Fatal(err)
		}
		requireSame(t, ix, got)
		// Any change to the state is caught by the checksum.
		if len(state) > 0 {
			bad := bytes.Clone(data)
			bad[bytes.Index(bad, state)] ^= 1
			if _, err := ReadSnapshotHeader(bad); !errors.Is(err, ErrSnapshotCorrupt) {
				t.Fatalf("a damaged state read as %v", err)
			}
		}
	}
	if _, err := ix.SnapshotWithState(testBuild, make([]byte, MaxSnapshotState+1)); err == nil {
		t.Fatal("a state over the bound was encoded")
	}
}
