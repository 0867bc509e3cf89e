package resfile

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/godot-mcp-router/godot-mcp-router/detect/gdtext"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func mustParse(t *testing.T, name string, src []byte) *File {
	t.Helper()
	f, err := Parse(name, src)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return f
}

// dump renders a File as text for the golden files.
func dump(f *File) string {
	var b strings.Builder
	fmt.Fprintf(&b, "kind=%s format=%d load_steps=%d uid=%q type=%q script_class=%q\n", f.Kind, f.Format, f.LoadSteps, f.UID, f.Type, f.ScriptClass)
	for _, r := range f.ExtResources {
		fmt.Fprintf(&b, "ext %q type=%s path=%q uid=%q line=%d\n", r.ID, r.Type, r.Path, r.UID, r.Line)
	}
	props := func(ps []Prop) {
		for _, p := range ps {
			fmt.Fprintf(&b, "\t%q = %s (line %d)\n", p.Name, p.Value, p.Line)
		}
	}
	for _, r := range f.SubResources {
		fmt.Fprintf(&b, "sub %q type=%s line=%d source=%q\n", r.ID, r.Type, r.Line, r.Source)
		props(r.Props)
	}
	if f.Resource != nil {
		b.WriteString("resource\n")
		props(f.Resource)
	}
	for _, n := range f.Nodes {
		fmt.Fprintf(&b, "node %q path=%q type=%q parent=%q instance=%q placeholder=%q owner=%q groups=%q node_paths=%q index=%d script=%v inherited=%v override=%v unique_id=%q parent_id_path=%q line=%d\n",
			n.Name, n.Path, n.Type, n.Parent, n.Instance, n.InstancePlaceholder, n.Owner, n.Groups, n.NodePaths, n.Index, n.Script, n.Inherited, n.Override, n.UniqueID, n.ParentIDPath, n.Line)
		props(n.Props)
	}
	for _, c := range f.Connections {
		fmt.Fprintf(&b, "connection %s from=%q to=%q method=%s flags=%d binds=%s unbinds=%d line=%d\n", c.Signal, c.From, c.To, c.Method, c.Flags, c.Binds, c.Unbinds, c.Line)
	}
	for _, e := range f.Editable {
		fmt.Fprintf(&b, "editable %q\n", e)
	}
	for _, u := range f.ExtRefs() {
		fmt.Fprintf(&b, "ref %q line=%d where=%q in=%q\n", u.ID, u.Line, u.Where, u.In)
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	for _, name := range []string{"godot3_scene.tscn", "godot4_scene.tscn", "inherited.tscn", "resource.tres", "godot2.tscn"} {
		t.Run(name, func(t *testing.T) {
			f := mustParse(t, name, readFixture(t, name))
			got := dump(f)
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("dump differs from %s (run with -update after checking):\n%s", golden, got)
			}
		})
	}
}

func nodeByPath(t *testing.T, f *File, path string) Node {
	t.Helper()
	for _, n := range f.Nodes {
		if n.Path == path {
			return n
		}
	}
	t.Fatalf("no node with path %q; have %v", path, paths(f))
	return Node{}
}

func paths(f *File) []string {
	var out []string
	for _, n := range f.Nodes {
		out = append(out, n.Path)
	}
	return out
}

// TestGodot3Scene covers the Godot 3 spellings: int ids, padded calls,
// groups, an instance and an override inside it, instance_placeholder,
// binds and flags, editable, a built-in script holding lines that start
// with '[', quoted property names, a relative path and non-ASCII names.
func TestGodot3Scene(t *testing.T) {
	f := mustParse(t, "godot3_scene.tscn", readFixture(t, "godot3_scene.tscn"))
	if f.Kind != "scene" || f.Format != 2 || f.LoadSteps != 6 || f.UID != "" {
		t.Errorf("header: %+v", f)
	}
	if got := paths(f); !slices.Equal(got, []string{".", "Ciel étoilé", "Ciel étoilé/Label", "Ennemi", "Ennemi/Sprite", "Niveau", "Ennemi/Sprite/Zone", "Ennemi/Sprite/Zone/Forme"}) {
		t.Errorf("paths %q", got)
	}
	if r, ok := f.ExtByID("1"); !ok || r.Path != "../art/ciel.png" || r.Type != "Texture" {
		t.Errorf("ExtByID(1) = %+v, %v", r, ok)
	}
	root := f.Nodes[0]
	if root.Script != (Ref{Kind: "ext", ID: "2"}) || root.Index != -1 || root.Inherited {
		t.Errorf("root %+v", root)
	}
	if n := nodeByPath(t, f, "Ciel étoilé"); !slices.Equal(n.Groups, []string{"decor", "sky"}) || n.Props[1].Name != "custom/quoted name" {
		t.Errorf("sky %+v", n)
	}
	if n := nodeByPath(t, f, "Ciel étoilé/Label"); n.Script != (Ref{Kind: "sub", ID: "1"}) || n.Index != 1 {
		t.Errorf("label %+v", n)
	}
	if n := nodeByPath(t, f, "Ennemi"); n.Instance != "3" || n.Override || n.Type != "" {
		t.Errorf("instance %+v", n)
	}
	if n := nodeByPath(t, f, "Ennemi/Sprite"); !n.Override || n.Index != 0 {
		t.Errorf("override %+v", n)
	}
	if n := nodeByPath(t, f, "Niveau"); n.InstancePlaceholder != "res://big/level.tscn" || n.Override || n.Instance != "" {
		t.Errorf("placeholder %+v", n)
	}
	if n := nodeByPath(t, f, "Ennemi/Sprite/Zone"); n.Owner != "." {
		t.Errorf("owner %+v", n)
	}
	src := f.SubResources[0].Source
	if !strings.Contains(src, "\n[table=2]\n") || !strings.Contains(src, `text = "[b]hi[/b]"`) {
		t.Errorf("built-in script source %q", src)
	}
	if len(f.SubResources) != 2 || len(f.Nodes) != 8 {
		t.Errorf("%d sub_resources, %d nodes: a '[' line inside the script started a section", len(f.SubResources), len(f.Nodes))
	}
	c := f.Connections[0]
	if c.Flags != 3 || c.Binds.Kind != gdtext.KindArray || len(c.Binds.Items) != 2 || c.Unbinds != 0 {
		t.Errorf("connection %+v", c)
	}
	if c := f.Connections[1]; c.Flags != 2 || c.Binds.Kind != gdtext.KindNull {
		t.Errorf("connection without flags: Flags %d, Binds %v; want 2 (CONNECT_PERSIST) and none", c.Flags, c.Binds)
	}
	if !slices.Equal(f.Editable, []string{"Ennemi"}) {
		t.Errorf("editable %q", f.Editable)
	}
}

// TestGodot4Scene covers uids, numeric string ids next to generated ones,
// unbinds, node_paths, unique_id and parent_id_path, and a RichTextLabel
// text whose lines start with '[' (one even reads "[node ...").
func TestGodot4Scene(t *testing.T) {
	f := mustParse(t, "godot4_scene.tscn", readFixture(t, "godot4_scene.tscn"))
	if f.Format != 3 || f.UID != "uid://cw6xvqkq8e1ye" {
		t.Errorf("header %+v", f)
	}
	if len(f.Nodes) != 5 {
		t.Fatalf("%d nodes, want 5 (paths %q)", len(f.Nodes), paths(f))
	}
	if r, _ := f.ExtByID("1_kisbn"); r.UID != "uid://hsf7s6iwux28" {
		t.Errorf("ext 1_kisbn %+v", r)
	}
	if _, ok := f.ExtByID("1"); !ok {
		t.Error(`numeric string id "1" not found`)
	}
	text := nodeByPath(t, f, "Panel/Texte").Props[1].Value.Str
	if !strings.Contains(text, "\n[node name=\"not a node\" type=\"Label\"]\n") {
		t.Errorf("text %q", text)
	}
	if n := nodeByPath(t, f, "Panel"); !slices.Equal(n.NodePaths, []string{"exports", "node_ref"}) || n.UniqueID != "595946485" {
		t.Errorf("panel %+v", n)
	}
	if n := nodeByPath(t, f, "Panel/Bouton/Inner/Icon"); n.ParentIDPath != "PackedInt32Array(3, 44)" || n.Index != 2 || !n.Override {
		t.Errorf("icon %+v", n)
	}
	if c := f.Connections[0]; c.Unbinds != 1 || c.Flags != 2 {
		t.Errorf("connection %+v", c)
	}
	var wheres []string
	for _, u := range f.ExtRefs() {
		wheres = append(wheres, u.ID+" "+u.Where+" in "+u.In)
	}
	want := []string{"1_kisbn script in node .", "1 property icon in node Panel/Texte", "8_praud instance in node Panel/Bouton", "1 binds in connection"}
	if !slices.Equal(wheres, want) {
		t.Errorf("ExtRefs\n got %q\nwant %q", wheres, want)
	}
}

func TestInherited(t *testing.T) {
	f := mustParse(t, "inherited.tscn", readFixture(t, "inherited.tscn"))
	root := f.Nodes[0]
	if !root.Inherited || root.Instance != "1_base" || root.Path != "." {
		t.Errorf("root %+v", root)
	}
	for _, p := range []string{"Sprite2D", "Sprite2D/Arm"} {
		if n := nodeByPath(t, f, p); !n.Override {
			t.Errorf("%s is not an override", p)
		}
	}
	if n := nodeByPath(t, f, "Sprite2D/Arm/Extra"); n.Override || n.Type != "Node" {
		t.Errorf("extra %+v", n)
	}
}

func TestResource(t *testing.T) {
	f := mustParse(t, "resource.tres", readFixture(t, "resource.tres"))
	if f.Kind != "resource" || f.Type != "AnimationNodeBlendTree" || f.ScriptClass != "BlendSetup" || f.UID != "uid://d1o64hhg6sxuk" {
		t.Errorf("header %+v", f)
	}
	if len(f.Resource) != 5 || f.Resource[1].Name != "nodes/Animation 2/node" || !f.Resource[1].Value.IsCall("SubResource") {
		t.Errorf("resource %+v", f.Resource)
	}
	var got []string
	for _, u := range f.ExtRefs() {
		got = append(got, fmt.Sprintf("%s %s %s %d", u.ID, u.Where, u.In, u.Line))
	}
	want := []string{"2_walk property resource sub_resource 13 8", "1 script resource 11", "2_walk property library resource 16"}
	if !slices.Equal(got, want) {
		t.Errorf("ExtRefs\n got %q\nwant %q", got, want)
	}
}

func TestGodot2(t *testing.T) {
	f := mustParse(t, "godot2.tscn", readFixture(t, "godot2.tscn"))
	if f.Format != 1 || len(f.Nodes) != 2 || f.Nodes[1].Props[0].Name != "texture" || f.Connections[0].Binds.Kind != gdtext.KindArray {
		t.Errorf("%s", dump(f))
	}
}

// TestFormats checks that format=2, 3 and 4 files read alike, format 4
// holding base64 byte arrays and PackedVector4Array.
func TestFormats(t *testing.T) {
	for _, format := range []int{2, 3, 4} {
		src := fmt.Sprintf(`[gd_resource type="Image" format=%d]

[resource]
data = {
"data": PackedByteArray("iVBORw0KGgo="),
"v4": PackedVector4Array(1, 2, 3, 4)
}
`, format)
		f := mustParse(t, "f.tres", []byte(src))
		data, _ := f.Resource[0].Value.Get("data")
		if f.Format != format || !data.IsCall("PackedByteArray") || len(data.Items) != 1 || data.Items[0].Str != "iVBORw0KGgo=" {
			t.Errorf("format %d: %s", format, dump(f))
		}
	}
}

// TestEndings checks CRLF line endings and a BOM against the LF file.
func TestEndings(t *testing.T) {
	lf := readFixture(t, "godot4_scene.tscn")
	want := dump(mustParse(t, "lf", lf))
	crlf := bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n"))
	bom := append([]byte("\xEF\xBB\xBF"), lf...)
	for name, src := range map[string][]byte{"crlf": crlf, "bom": bom, "bom+crlf": append([]byte("\xEF\xBB\xBF"), crlf...)} {
		t.Run(name, func(t *testing.T) {
			got := dump(mustParse(t, name, src))
			if strings.Contains(name, "crlf") {
				// Multi-line strings keep their \r: the engine keeps them too.
				got = strings.ReplaceAll(strings.ReplaceAll(got, "\r", ""), `\r`, "")
			}
			if got != want {
				t.Errorf("differs from LF:\n%s", got)
			}
		})
	}
}

func TestNotText(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		want error
	}{
		{"lfs", "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n", ErrLFSPointer},
		{"xml", "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<resource_file type=\"PackedScene\">", ErrXML},
		{"binary", "RSRC\x00\x00\x00\x00", ErrBinary},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse(tc.name, []byte(tc.src))
			if f == nil || !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.name) {
				t.Errorf("Parse = %v, %v; want %v", f, err, tc.want)
			}
		})
	}
}

// TestErrors checks that problems come with positions and that reading
// carries on after them.
func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string // substrings of the errors, in order
		nodes     int
	}{
		{"empty", "", []string{"empty:1:1: expected a [gd_scene ...] or [gd_resource ...] header"}, 0},
		{"no header", "[node name=\"A\" type=\"Node\"]\n", []string{"no header:1:1: expected a [gd_scene ...] or [gd_resource ...] header first, found [node]"}, 1},
		{"bad tag", "[gd_scene format=3]\n[node name=\"A\" type=\"Node\"\n[node name=\"B\" type=\"Node\" parent=\".\"]\n",
			[]string{"bad tag:2:27: expected ']' to close section [node, found end of line"}, 2},
		{"unterminated string", "[gd_scene format=3]\n[node name=\"A\" type=\"Node\"]\ntext = \"abc\n[node name=B type=Node parent=.]\n",
			[]string{"unterminated string:3:8: unterminated string", "unterminated string:4:31: expected a value, found '.'"}, 2},
		{"bad value", "[gd_scene format=3]\n[node name=\"A\" type=\"Node\"]\na = Vector2(1, 2\nb = 3\n[node name=\"B\" type=\"Node\" parent=\".\"]\n",
			[]string{"bad value:4:1: expected ',' or ')' in Vector2(...), found identifier \"b\""}, 2},
		{"dangling refs", "[gd_scene format=3]\n[ext_resource type=\"Script\" path=\"res://a.gd\" id=\"1\"]\n[node name=\"A\" type=\"Node\"]\nscript = ExtResource(\"2\")\nshape = SubResource( 7 )\n",
			[]string{`dangling refs:4:10: ExtResource("2") in node . (script) refers to no [ext_resource id="2"]`, `dangling refs:5:9: SubResource("7") in node . (property shape) refers to no [sub_resource id="7"]`}, 1},
		{"orphan", "[gd_scene format=3]\n[node name=\"A\" type=\"Node\"]\n[node name=\"B\" type=\"Node\"]\n",
			[]string{`orphan:3:1: expected a parent= on node "B"`}, 2},
		{"duplicates", "[gd_scene format=3]\n[ext_resource type=\"Script\" path=\"res://a.gd\" id=1]\n[ext_resource type=\"Script\" path=\"res://b.gd\" id=\"1\"]\n[node name=\"A\" type=\"Node\"]\n[node name=\"B\" type=\"Node\" parent=\".\"]\n[node name=\"B\" type=\"Node\" parent=\".\"]\n",
			[]string{`duplicates:3:1: duplicate ext_resource id "1"`, `duplicates:6:1: duplicate node path "B"`}, 3},
		{"unknown section", "[gd_scene format=3]\n[node name=\"A\" type=\"Node\"]\n[nodes]\nx = 1\n[node name=\"B\" type=\"Node\" parent=\".\"]\n",
			[]string{"unknown section:3:1: unknown section [nodes]"}, 2},
		{"bad attr", "[gd_scene format=x]\n[node name=2 type=\"Node\" index=\"one\"]\n",
			[]string{"bad attr:1:18: expected an integer for format=", "bad attr:2:12: expected a string for name=", "bad attr:2:32: expected an integer for index="}, 1},
		{"property in ext", "[gd_scene format=3]\n[ext_resource type=\"Script\" path=\"res://a.gd\" id=\"1\"]\nx = 1\n",
			[]string{`property in ext:3:1: unexpected property "x"`}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse(tc.name, []byte(tc.src))
			if err == nil {
				t.Fatalf("no error")
			}
			if len(f.Errors) != len(tc.want) {
				t.Errorf("%d errors, want %d: %v", len(f.Errors), len(tc.want), err)
			}
			for i, e := range f.Errors {
				var ge *gdtext.Error
				if !errors.As(e, &ge) || ge.Pos.Line < 1 || ge.Pos.Col < 1 {
					t.Errorf("error %v (%T) has no position", e, e)
				}
				if i < len(tc.want) && !strings.Contains(e.Error(), tc.want[i]) {
					t.Errorf("error %d = %q, want it to contain %q", i, e, tc.want[i])
				}
			}
			if len(f.Nodes) != tc.nodes {
				t.Errorf("%d nodes, want %d: reading did not carry on", len(f.Nodes), tc.nodes)
			}
		})
	}
}

func TestTooManyErrors(t *testing.T) {
	src := "[gd_scene format=3]\n" + strings.Repeat("[bogus]\n", 200)
	f, err := Parse("many", []byte(src))
	if len(f.Errors) != maxErrors+1 || !strings.Contains(err.Error(), "stopped after") {
		t.Errorf("%d errors: %v", len(f.Errors), err)
	}
}

// TestElide checks that long numeric arrays are elided, wherever they
// are, with the positions after them unchanged; and that short ones,
// string arrays and arrays inside strings are not.
func TestElide(t *testing.T) {
	long := strings.TrimSuffix(strings.Repeat("12, ", 400), ", ")
	multi := strings.Repeat("1.5, -2e-05, inf, nan,\n", 60) + "0"
	src := `[gd_resource type="ArrayMesh" format=3]

[ext_resource type="Texture2D" path="res://a.png" id="1"]

[resource]
_surfaces = [{"vertex_data": PackedByteArray(` + long + `), "tex": ExtResource("1"), "format": 34359742487}]
small = PackedInt32Array(1, 2, 3)
names = PackedStringArray("` + long + `")
multi = PoolRealArray( ` + multi + ` )
after = ExtResource("1")
doc = "PackedByteArray(` + long + `)"
`
	f := mustParse(t, "mesh.tres", []byte(src))
	surfaces := f.Resource[0].Value.Items[0]
	data, _ := surfaces.Get("vertex_data")
	if !data.IsCall("PackedByteArray") || len(data.Items) != 0 || data.Int != int64(len(long)) {
		t.Errorf("vertex_data %+v, want elided with Int %d", data, len(long))
	}
	tex, _ := surfaces.Get("tex")
	wantCol := strings.Index(strings.Split(src, "\n")[5], `ExtResource("1")`) + 1
	if tex.Pos != (gdtext.Pos{Line: 6, Col: wantCol}) {
		t.Errorf("tex at %v, want 6:%d", tex.Pos, wantCol)
	}
	if format, _ := surfaces.Get("format"); format.Int != 34359742487 {
		t.Errorf("format %v", format)
	}
	if small := f.Resource[1].Value; len(small.Items) != 3 {
		t.Errorf("small array elided: %v", small)
	}
	if names := f.Resource[2].Value; len(names.Items) != 1 {
		t.Errorf("string array elided: %v", names)
	}
	if m := f.Resource[3].Value; len(m.Items) != 0 || m.Int != int64(len(multi)+2) || m.Str != "PoolRealArray" {
		t.Errorf("multi-line array %+v", m)
	}
	if after := f.Resource[4]; after.Line != 70 || after.Value.Pos != (gdtext.Pos{Line: 70, Col: 9}) {
		t.Errorf("after at line %d, %v; want 70, 70:9", after.Line, after.Value.Pos)
	}
	if doc := f.Resource[5].Value.Str; doc != "PackedByteArray("+long+")" {
		t.Errorf("string touched: %.60q", doc)
	}
	if n := len(f.ExtRefs()); n != 2 {
		t.Errorf("%d ExtRefs, want 2", n)
	}
	// An error after an elided array on the same line has its real column.
	bad := `[gd_resource type="X" format=3]
[resource]
a = [PackedByteArray(` + long + `), ?]
`
	f, _ = Parse("bad.tres", []byte(bad))
	var ge *gdtext.Error
	if len(f.Errors) != 1 || !errors.As(f.Errors[0], &ge) || ge.Pos.Col != strings.Index(bad[strings.Index(bad, "a = "):], "?")+1 {
		t.Errorf("errors %v", f.Errors)
	}
}

func TestMissingHeader(t *testing.T) {
	f, err := Parse("x.tscn", []byte("[node name=\"A\" type=\"Node\"]\n"))
	if err == nil || f.Kind != "" || len(f.Nodes) != 1 {
		t.Errorf("Kind %q, %d nodes, error %v", f.Kind, len(f.Nodes), err)
	}
}
