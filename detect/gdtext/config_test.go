package gdtext

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

const godot4Project = `; Engine configuration file.
; It's best edited using the editor UI and not directly,
; since the parameters that go here are not all obvious.
;
; Format:
;   [section] ; section goes between []
;   param=value ; assign values to parameters

config_version=5

[application]

config/name="Rich Text"
config/description="Shows a table:
[table=2]
[cell]a[/cell][cell]b[/cell]
[/table]
done."
run/main_scene="uid://bbjbbyv0fhdio"
run/main_scene.mobile="res://mobile.tscn"
config/features=PackedStringArray("4.3", "Forward Plus")
config/icon="uid://c4urt6rf4yw71"

[autoload]

Camera="*res://src/camera.gd"

[editor_plugins]

enabled=PackedStringArray("res://addons/x/plugin.cfg")

[input]

ui_left={
"deadzone": 0.5,
"events": [Object(InputEventKey,"resource_local_to_scene":false,"resource_name":"","device":-1,"window_id":0,"alt_pressed":false,"shift_pressed":false,"ctrl_pressed":false,"meta_pressed":false,"pressed":false,"keycode":4194319,"physical_keycode":0,"key_label":0,"unicode":0,"location":0,"echo":false,"script":null)
, Object(InputEventJoypadButton,"resource_local_to_scene":false,"resource_name":"","device":-1,"button_index":13,"pressure":0.0,"pressed":false,"script":null)
]
}

[rendering]

environment/defaults/default_clear_color=Color(0.1, 0.1, 0.1, 1)
`

const godot3Project = `; Engine configuration file.

config_version=4

_global_script_classes=[ {
"base": "Control",
"class": "PianoKey",
"language": "GDScript",
"path": "res://piano_key.gd"
} ]
_global_script_class_icons={
"PianoKey": ""
}

[application]

config/name="Pong with GDScript"
run/main_scene="pong.tscn"
config/icon="res://icon.png"

[display]

window/size/width=640
window/stretch/aspect="keep"

[editor_plugins]

enabled=PoolStringArray( "res://addons/main_screen/plugin.cfg", "custom_node" )

[input]

move_up={
"deadzone": 0.5,
"events": [ Object(InputEventKey,"resource_local_to_scene":false,"resource_name":"","device":0,"alt":false,"shift":false,"control":false,"meta":false,"command":false,"pressed":false,"scancode":87,"physical_scancode":0,"unicode":0,"echo":false,"script":null)
 ]
}

[rendering]

environment/default_clear_color=Color( 0, 0, 0, 1 )
quality/driver/driver_name="GLES2"
`

func TestParseConfig(t *testing.T) {
	type check struct {
		name string
		want string // Value.String, or "" for "not set"
	}
	tests := []struct {
		name   string
		src    string
		checks []check
	}{
		{"godot 4", godot4Project, []check{
			{"config_version", "5"},
			{"application/config/name", `"Rich Text"`},
			{"application/config/description", "\"Shows a table:\n[table=2]\n[cell]a[/cell][cell]b[/cell]\n[/table]\ndone.\""},
			{"application/run/main_scene", `"uid://bbjbbyv0fhdio"`},
			{"application/run/main_scene.mobile", `"res://mobile.tscn"`},
			{"application/config/features", `PackedStringArray("4.3", "Forward Plus")`},
			{"autoload/Camera", `"*res://src/camera.gd"`},
			{"editor_plugins/enabled", `PackedStringArray("res://addons/x/plugin.cfg")`},
			{"rendering/environment/defaults/default_clear_color", "Color(0.1, 0.1, 0.1, 1)"},
			{"application/config/version", ""},
			{"run/main_scene", ""},
			{"[table", ""},
		}},
		{"godot 3", godot3Project, []check{
			{"config_version", "4"},
			{"_global_script_classes", `[{"base": "Control", "class": "PianoKey", "language": "GDScript", "path": "res://piano_key.gd"}]`},
			{"_global_script_class_icons", `{"PianoKey": ""}`},
			{"application/run/main_scene", `"pong.tscn"`},
			{"display/window/size/width", "640"},
			{"editor_plugins/enabled", `PoolStringArray("res://addons/main_screen/plugin.cfg", "custom_node")`},
			{"rendering/environment/default_clear_color", "Color(0, 0, 0, 1)"},
		}},
		{"bom", "\uFEFFconfig_version=5\n[application]\nconfig/name=\"B\"\n", []check{
			{"config_version", "5"},
			{"application/config/name", `"B"`},
		}},
		{"crlf", strings.ReplaceAll(godot3Project, "\n", "\r\n"), []check{
			{"config_version", "4"},
			{"application/config/name", `"Pong with GDScript"`},
			{"rendering/quality/driver/driver_name", `"GLES2"`},
			{"_global_script_class_icons", `{"PianoKey": ""}`},
		}},
		{"last occurrence wins", "[a]\nk=1\n[b]\nk=2\n[a]\nk=3\n", []check{
			{"a/k", "3"},
			{"b/k", "2"},
		}},
		{"spaces around equals and comments", "# hash comment\n[s] ; trailing\nk = 1 ; trailing\n  j\t=\t\"x\"\n", []check{
			{"s/k", "1"},
			{"s/j", `"x"`},
		}},
		{"quoted keys", "[resource]\n\"nodes/Animation 2/node\" = SubResource(\"13\")\n", []check{
			{"resource/nodes/Animation 2/node", `SubResource("13")`},
		}},
		{"string with a section-like line", "[a]\nk=\"x\n[b]\ny=1\"\nz=2\n", []check{
			{"a/k", "\"x\n[b]\ny=1\""},
			{"a/z", "2"},
			{"b/y", ""},
		}},
		{"empty file", "", nil},
		{"only comments", "; a\n; b", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfig("project.godot", []byte(tt.src))
			if err != nil {
				t.Fatalf("ParseConfig: %v", err)
			}
			for _, ch := range tt.checks {
				v, ok := c.Get(ch.name)
				got := ""
				if ok {
					got = v.String()
				}
				if got != ch.want {
					t.Errorf("Get(%q) = %s, want %s", ch.name, got, ch.want)
				}
			}
		})
	}
}

func TestConfigAccessors(t *testing.T) {
	c, err := ParseConfig("project.godot", []byte(godot4Project))
	if err != nil {
		t.Fatal(err)
	}
	app := c.Section("application")
	var keys []string
	for _, e := range app {
		keys = append(keys, e.Key)
	}
	want := "config/name config/description run/main_scene run/main_scene.mobile config/features config/icon"
	if got := strings.Join(keys, " "); got != want {
		t.Errorf("Section(application) keys = %s\nwant %s", got, want)
	}
	if top := c.Section(""); len(top) != 1 || top[0].Key != "config_version" || top[0].Pos != (Pos{9, 1}) {
		t.Errorf("top-level entries = %+v", top)
	}
	if got := c.GetString("application/config/name"); got != "Rich Text" {
		t.Errorf("GetString = %q", got)
	}
	if got := c.GetString("config_version"); got != "" {
		t.Errorf("GetString of an int = %q, want \"\"", got)
	}
	ev, _ := c.Get("input/ui_left")
	events, _ := ev.Get("events")
	if len(events.Items) != 2 {
		t.Fatalf("ui_left events = %v", events)
	}
	if k, _ := events.Items[0].Get("keycode"); k.Int != 4194319 {
		t.Errorf("keycode = %v", k)
	}
	if feats, _ := c.Get("application/config/features"); strings.Join(feats.Strings(), ",") != "4.3,Forward Plus" {
		t.Errorf("features = %v", feats.Strings())
	}
}

func TestParseConfigErrors(t *testing.T) {
	src := "config_version=5\n" + // 1
		"[application\n" + // 2: unclosed section
		"config/name=\"ok\"\n" + // 3
		"novalue=\n" + // 4
		"junk line\n" + // 5
		"a=1 2\n" + // 6: trailing garbage
		"b=[1,\n" + // 7: broken multi-line value
		"c=3\n" + // 8
		"d=4\n" // 9
	c, err := ParseConfig("p.godot", []byte(src))
	if err == nil {
		t.Fatal("no error")
	}
	var lines []int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var pe *Error
		if !errors.As(e, &pe) {
			t.Fatalf("error %v is not an *Error", e)
		}
		if pe.File != "p.godot" || pe.Pos.Line < 1 || pe.Msg == "" {
			t.Errorf("bad error %+v", pe)
		}
		lines = append(lines, pe.Pos.Line)
	}
	if got := fmt.Sprint(lines); got != "[2 4 5 6 8]" {
		t.Errorf("error lines = %s, want [2 4 5 6 8]\n%v", got, err)
	}
	// What could be read is there. "b=[1," fails on line 8, where it meets
	// "c=3"; reading resumes at the line after "b=", so c is not lost.
	for name, want := range map[string]string{"config_version": "5", "config/name": `"ok"`, "c": "3", "d": "4"} {
		if v, ok := c.Get(name); !ok || v.String() != want {
			t.Errorf("Get(%q) = %v, %v; want %s", name, v, ok, want)
		}
	}
	if !strings.Contains(err.Error(), "p.godot:2:13: expected ']' to close section [application") {
		t.Errorf("error text = %v", err)
	}
}

func TestParseConfigTooManyErrors(t *testing.T) {
	src := strings.Repeat("bad\n", 50) + "good=1\n"
	c, err := ParseConfig("p", []byte(src))
	if err == nil || !strings.Contains(err.Error(), "stopped after 10 errors") {
		t.Errorf("error = %v", err)
	}
	if len(c.Entries) != 0 {
		t.Errorf("entries = %v", c.Entries)
	}
}

func TestParseTag(t *testing.T) {
	tests := []struct {
		in    string
		name  string
		attrs string // key=value.String() joined by spaces
	}{
		{"[application]", "application", ""},
		{`[gd_scene load_steps=3 format=2]`, "gd_scene", "load_steps=3 format=2"},
		{`[ext_resource type="Script" uid="uid://hsf7s6iwux28" path="res://a.gd" id="1_kisbn"]`, "ext_resource",
			`type="Script" uid="uid://hsf7s6iwux28" path="res://a.gd" id="1_kisbn"`},
		{`[node name="A" parent="." instance=ExtResource( 1 )]`, "node", `name="A" parent="." instance=ExtResource(1)`},
		{`[connection signal="pressed" from="B" to="." method="_on" binds= [ 0 ]]`, "connection",
			`signal="pressed" from="B" to="." method="_on" binds=[0]`},
		{`[node name="N" groups=["a", "b"] node_paths=PackedStringArray("x")]`, "node", `name="N" groups=["a", "b"] node_paths=PackedStringArray("x")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tag, end, err := NewSource("t", []byte(tt.in)).ParseTag(0)
			if err != nil {
				t.Fatal(err)
			}
			var attrs []string
			for _, a := range tag.Attrs {
				attrs = append(attrs, a.Key+"="+a.Value.String())
				if a.Section != tag.Name {
					t.Errorf("attribute section = %q", a.Section)
				}
			}
			if tag.Name != tt.name || strings.Join(attrs, " ") != tt.attrs || end != len(tt.in) {
				t.Errorf("got [%s %s] end %d", tag.Name, strings.Join(attrs, " "), end)
			}
		})
	}
	for _, bad := range []string{"application]", "[]", "[a", "[a b]", "[a b=]", "[a b=1\n]"} {
		if _, _, err := NewSource("t", []byte(bad)).ParseTag(0); err == nil {
			t.Errorf("ParseTag(%q): no error", bad)
		}
	}
}

func TestParseAssign(t *testing.T) {
	s := NewSource("t", []byte("script/source = \"extends Node\n[not a tag]\n\"\n\"a b\" = 1\n"))
	e, end, err := s.ParseAssign(0)
	if err != nil || e.Key != "script/source" || e.Value.Str != "extends Node\n[not a tag]\n" {
		t.Fatalf("first = %+v, %v", e, err)
	}
	e, _, err = s.ParseAssign(end)
	if err != nil || e.Key != "a b" || e.Value.Int != 1 || e.Pos != (Pos{4, 1}) {
		t.Errorf("second = %+v, %v", e, err)
	}
	for _, bad := range []string{"", "=1", "k", "k=", "k= ; c", "\"k\" 1", `"k`} {
		if _, _, err := NewSource("t", []byte(bad)).ParseAssign(0); err == nil {
			t.Errorf("ParseAssign(%q): no error", bad)
		}
	}
}
