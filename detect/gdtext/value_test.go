package gdtext

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// TestParseValue reads one value per case and compares its kind and its
// rendering with Value.String, which shows every field that matters.
func TestParseValue(t *testing.T) {
	tests := []struct {
		name string
		in   string
		kind Kind
		want string // Value.String of the result
	}{
		{"null", "null", KindNull, "null"},
		{"nil", "nil", KindNull, "null"},
		{"true", "true", KindBool, "true"},
		{"false", "false", KindBool, "false"},
		{"int", "42", KindInt, "42"},
		{"negative int", "-7", KindInt, "-7"},
		{"int64 max", "9223372036854775807", KindInt, "9223372036854775807"},
		{"int too large clamps", "99999999999999999999", KindInt, "9223372036854775807"},
		{"int too small clamps", "-99999999999999999999", KindInt, "-9223372036854775808"},
		{"hex int", "0x1F", KindInt, "31"},
		{"negative hex int", "-0x10", KindInt, "-16"},
		{"float", "1.5", KindFloat, "1.5"},
		{"negative float", "-0.25", KindFloat, "-0.25"},
		{"float exponent", "1e-05", KindFloat, "1e-05"},
		{"float exponent plus", "2.5E+3", KindFloat, "2500.0"},
		{"float trailing dot", "3.", KindFloat, "3.0"},
		{"float dangling exponent", "1e", KindFloat, "1.0"},
		{"float out of range", "1e999", KindFloat, "inf"},
		{"inf", "inf", KindFloat, "inf"},
		{"-inf", "-inf", KindFloat, "-inf"},
		{"inf_neg", "inf_neg", KindFloat, "-inf"},
		{"nan", "nan", KindFloat, "nan"},
		{"string", `"hello"`, KindString, `"hello"`},
		{"empty string", `""`, KindString, `""`},
		{"string escapes", `"a\"b\\c\n\t\b\f\r"`, KindString, "\"a\\\"b\\\\c\n\t\b\f\r\""},
		{"unknown escape is the char", `"\q\'"`, KindString, `"q'"`},
		{"unicode escape", `"\u00e9\u4e2d"`, KindString, `"é中"`},
		{"long unicode escape", `"\U01F600"`, KindString, `"😀"`},
		{"surrogate pair", `"\uD83D\uDE00"`, KindString, `"😀"`},
		{"raw newlines", "\"line 1\n[table=2]\nline 3\"", KindString, "\"line 1\n[table=2]\nline 3\""},
		{"utf-8 text", `"ノード"`, KindString, `"ノード"`},
		{"string name godot 4", `&"jump"`, KindStringName, `&"jump"`},
		{"string name godot 3", `@"jump"`, KindStringName, `&"jump"`},
		{"node path", `NodePath("Arm/Hand:position")`, KindNodePath, `NodePath("Arm/Hand:position")`},
		{"node path godot 3 padding", `NodePath( "." )`, KindNodePath, `NodePath(".")`},
		{"empty node path", `NodePath()`, KindNodePath, `NodePath("")`},
		{"colour rgb", "#fff", KindColor, "#fff"},
		{"colour rrggbb", "#1a2B3c", KindColor, "#1a2B3c"},
		{"colour rrggbbaa", "#1a2b3c4d", KindColor, "#1a2b3c4d"},
		{"empty array", "[]", KindArray, "[]"},
		{"array", `[1, "a", 2.5, null]`, KindArray, `[1, "a", 2.5, null]`},
		{"array trailing comma", "[ 1, 2, ]", KindArray, "[1, 2]"},
		{"array across lines", "[\n1,\n2\n]", KindArray, "[1, 2]"},
		{"empty dictionary", "{}", KindDictionary, "{}"},
		{"dictionary", `{ "a": 1, 2: [3] }`, KindDictionary, `{"a": 1, 2: [3]}`},
		{"dictionary trailing comma", "{\n\"a\": 1,\n}", KindDictionary, `{"a": 1}`},
		{"nested", `{"k": [{"x": [1, [2]]}]}`, KindDictionary, `{"k": [{"x": [1, [2]]}]}`},
		{"comment inside a value", "[1, ; one\n2]", KindArray, "[1, 2]"},
		{"vector2", "Vector2(1, -2.5)", KindCall, "Vector2(1, -2.5)"},
		{"colour constructor godot 3 padding", "Color( 0, 0, 0, 1 )", KindCall, "Color(0, 0, 0, 1)"},
		{"constructor with inf", "Vector2(inf, -inf)", KindCall, "Vector2(inf, -inf)"},
		{"packed string array", `PackedStringArray("4.3", "Forward Plus")`, KindCall, `PackedStringArray("4.3", "Forward Plus")`},
		{"empty packed string array", `PackedStringArray()`, KindCall, `PackedStringArray()`},
		{"pool string array godot 3", `PoolStringArray( "a", "b" )`, KindCall, `PoolStringArray("a", "b")`},
		{"packed byte array base64", `PackedByteArray("AAEC")`, KindCall, `PackedByteArray("AAEC")`},
		{"ext resource godot 4", `ExtResource("1_kisbn")`, KindCall, `ExtResource("1_kisbn")`},
		{"ext resource godot 3 padding", `ExtResource( 2 )`, KindCall, `ExtResource(2)`},
		{"sub resource", `SubResource("GDScript_ddk2o")`, KindCall, `SubResource("GDScript_ddk2o")`},
		{"resource uid and path", `Resource("uid://x","res://y")`, KindCall, `Resource("uid://x", "res://y")`},
		{"resource path", `Resource("res://a.tres")`, KindCall, `Resource("res://a.tres")`},
		{"typed array", `Array[int]([1, 2])`, KindArray, `Array[int]([1, 2])`},
		{"typed array of ext resource", `Array[ExtResource("1")]([ExtResource("2")])`, KindArray, `Array[ExtResource("1")]([ExtResource("2")])`},
		{"typed array of Resource", `Array[Resource]([])`, KindArray, `Array[Resource]([])`},
		{"typed array spaced", `Array[ NodePath ]( [ NodePath("a") ] )`, KindArray, `Array[NodePath]([NodePath("a")])`},
		{"typed dictionary", `Dictionary[String, int]({"a": 1})`, KindDictionary, `Dictionary[String, int]({"a": 1})`},
		{"object", `Object(InputEventKey,"resource_local_to_scene":false,"keycode":4194319,"script":null)`, KindCall,
			`Object(InputEventKey, "resource_local_to_scene": false, "keycode": 4194319, "script": null)`},
		{"object multiline", "Object(InputEventKey,\n\"device\":0,\n\"scancode\":65\n)", KindCall, `Object(InputEventKey, "device": 0, "scancode": 65)`},
		{"object without properties", `Object(Node)`, KindCall, `Object(Node)`},
		{"bare identifier", "InputEventKey", KindIdent, "InputEventKey"},
		{"godot 2 key event", "key(Up, Shift)", KindCall, "key(Up, Shift)"},
		{"godot 2 joystick event", "jbutton(0, 0)", KindCall, "jbutton(0, 0)"},
		{"generic call", "Transform3D(1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0)", KindCall, "Transform3D(1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0)"},
		{"leading spaces and comments", "  ; note\n\t 5", KindInt, "5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, end, err := ParseValue("t", []byte(tt.in), 0)
			if err != nil {
				t.Fatalf("ParseValue(%q): %v", tt.in, err)
			}
			if v.Kind != tt.kind {
				t.Errorf("kind = %v, want %v", v.Kind, tt.kind)
			}
			if got := v.String(); got != tt.want {
				t.Errorf("value = %s, want %s", got, tt.want)
			}
			if end != len(tt.in) {
				t.Errorf("end = %d, want %d (the whole input)", end, len(tt.in))
			}
		})
	}
}

func TestParseValueFields(t *testing.T) {
	v := mustValue(t, `Object(InputEventKey,"pressed":false,"keycode":4194319)`)
	if !v.IsCall("Object") || len(v.Type) != 1 || v.Type[0].Kind != KindIdent || v.Type[0].Str != "InputEventKey" {
		t.Errorf("Object class = %+v, want Type [Ident InputEventKey]", v.Type)
	}
	if k, ok := v.Get("keycode"); !ok || k.Int != 4194319 {
		t.Errorf(`Get("keycode") = %v, %v`, k, ok)
	}

	v = mustValue(t, `Array[ExtResource("1")]([])`)
	if v.Kind != KindArray || len(v.Type) != 1 || !v.Type[0].IsCall("ExtResource") {
		t.Errorf("typed array Type = %+v", v.Type)
	}
	v = mustValue(t, `Dictionary[String, int]({})`)
	if v.Kind != KindDictionary || len(v.Type) != 2 || v.Type[0].Str != "String" || v.Type[1].Str != "int" {
		t.Errorf("typed dictionary Type = %+v", v.Type)
	}

	v = mustValue(t, `PoolStringArray( "a", "b" )`)
	if got := strings.Join(v.Strings(), ","); got != "a,b" {
		t.Errorf("Strings() = %q", got)
	}
	v = mustValue(t, `["a", 1, &"b", NodePath("c")]`)
	if got := strings.Join(v.Strings(), ","); got != "a,b,c" {
		t.Errorf("Strings() of an array = %q", got)
	}
	if mustValue(t, `Vector2(1, 2)`).Strings() != nil {
		t.Error("Strings() of a Vector2 is not nil")
	}

	v = mustValue(t, `{"a": 1, &"b": 2, "a": 3}`)
	if x, ok := v.Get("a"); !ok || x.Int != 3 {
		t.Errorf(`Get("a") = %v, %v; want the last one, 3`, x, ok)
	}
	if x, ok := v.Get("b"); !ok || x.Int != 2 {
		t.Errorf(`Get("b") = %v, %v`, x, ok)
	}
	if _, ok := v.Get("z"); ok {
		t.Error(`Get("z") found a value`)
	}

	if f, ok := mustValue(t, "nan").AsFloat(); !ok || !math.IsNaN(f) {
		t.Errorf("nan = %v", f)
	}
	if f, ok := mustValue(t, "3").AsFloat(); !ok || f != 3 {
		t.Errorf("AsFloat(3) = %v, %v", f, ok)
	}
	if _, ok := mustValue(t, "3").AsString(); ok {
		t.Error("AsString of an int succeeded")
	}
	if b, ok := mustValue(t, "true").AsBool(); !ok || !b {
		t.Error("AsBool(true) failed")
	}

	// Positions: of the value, of items, across lines.
	v = mustValue(t, "\n  [1,\n   \"x\"]")
	if v.Pos != (Pos{2, 3}) || v.Items[1].Pos != (Pos{3, 4}) {
		t.Errorf("positions = %v and %v, want 2:3 and 3:4", v.Pos, v.Items[1].Pos)
	}
}

func mustValue(t *testing.T, in string) Value {
	t.Helper()
	v, _, err := ParseValue("t", []byte(in), 0)
	if err != nil {
		t.Fatalf("ParseValue(%q): %v", in, err)
	}
	return v
}

func TestParseValueAtOffset(t *testing.T) {
	src := []byte(`key = ExtResource( 2 ) ; comment` + "\nnext = 1")
	v, end, err := ParseValue("t", src, 5)
	if err != nil {
		t.Fatal(err)
	}
	if !v.IsCall("ExtResource") || string(src[end:end+2]) != " ;" {
		t.Errorf("got %v ending at %d (%q)", v, end, src[end:])
	}
	if v.Pos != (Pos{1, 7}) {
		t.Errorf("Pos = %v, want 1:7", v.Pos)
	}
	// A Source reads many values and jumps about with correct positions.
	s := NewSource("t", src)
	v, _, err = s.ParseValue(len(src) - 1)
	if err != nil || v.Int != 1 || v.Pos != (Pos{2, 8}) {
		t.Errorf("second value = %v at %v, %v", v, v.Pos, err)
	}
	v, _, err = s.ParseValue(5)
	if err != nil || v.Pos != (Pos{1, 7}) {
		t.Errorf("first value again = %v at %v, %v", v, v.Pos, err)
	}
	// A bare identifier leaves the spaces after it unread.
	v, end, _ = ParseValue("t", []byte("Foo  ,"), 0)
	if v.Kind != KindIdent || end != 3 {
		t.Errorf("identifier ends at %d, want 3", end)
	}
}

func TestParseValueErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		pos  Pos
		msg  string
	}{
		{"empty", "", Pos{1, 1}, "expected a value, found end of file"},
		{"only spaces", "  \n ", Pos{2, 2}, "expected a value, found end of file"},
		{"unterminated string", "\"abc\ndef", Pos{1, 1}, "unterminated string"},
		{"unterminated escape", `"abc\`, Pos{1, 1}, "unterminated string"},
		{"bad unicode escape", `"\u12G4"`, Pos{1, 6}, "expected 4 hex digits after '\\u'"},
		{"lone trail surrogate", `"\uDE00"`, Pos{1, 8}, "trail surrogate without a lead"},
		{"lone lead surrogate", `"\uD83Dx"`, Pos{1, 8}, "lead surrogate without a trail"},
		{"string name without quote", "&abc", Pos{1, 2}, `expected '"' after '&'`},
		{"bad colour", "#12345", Pos{1, 7}, "expected 3, 4, 6 or 8 hex digits"},
		{"minus alone", "- 1", Pos{1, 2}, "expected a digit or inf after '-'"},
		{"unclosed array", "[1, 2", Pos{1, 6}, "expected ',' or ']' in array, found end of file"},
		{"array missing comma", "[1 2]", Pos{1, 4}, "expected ',' or ']' in array, found a number"},
		{"array wrong close", "[1, 2}", Pos{1, 6}, "expected ',' or ']' in array, found '}'"},
		{"dictionary missing colon", `{"a" 1}`, Pos{1, 6}, "expected ':' after a key in dictionary"},
		{"dictionary unclosed", "{\n\"a\": 1,\n", Pos{3, 1}, "expected '}' to close dictionary, found end of file"},
		{"call unclosed", "Vector2(1, 2", Pos{1, 13}, "expected ',' or ')' in Vector2(...)"},
		{"object without class", `Object("a":1)`, Pos{1, 8}, "expected a class name in Object(...)"},
		{"object bad key", `Object(Node, 1: 2)`, Pos{1, 14}, "expected a property name as a string"},
		{"typed array no parens", `Array[int][1]`, Pos{1, 11}, "expected '(' after Array[...]"},
		{"typed dict one type", `Dictionary[int]({})`, Pos{1, 16}, "expected 2 type(s) in Dictionary[...]"},
		{"node path not a string", `NodePath(1)`, Pos{1, 10}, "expected a string in NodePath(...)"},
		{"raw call unclosed", "key(Up", Pos{1, 5}, "expected ')' to close key(...)"},
		{"stray character", "[1, ?]", Pos{1, 5}, "expected a value, found '?'"},
		{"non-ascii character", "[1, é]", Pos{1, 5}, "expected a value, found 'é'"},
		{"too deep", strings.Repeat("[", MaxDepth+1), Pos{1, MaxDepth + 1}, "values nest deeper than 512 levels"},
		{"too deep calls", strings.Repeat("f(", MaxDepth+1), Pos{1, 2*MaxDepth + 2}, "values nest deeper than 512 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, end, err := ParseValue("f.tres", []byte(tt.in), 0)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("ParseValue(%q) error = %v, want an *Error", tt.in, err)
			}
			if e.File != "f.tres" || e.Pos != tt.pos || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("error = %s (pos %v), want %v: ...%s...", e, e.Pos, tt.pos, tt.msg)
			}
			if !strings.HasPrefix(e.Error(), "f.tres:") {
				t.Errorf("Error() = %q, want it to start with the file", e.Error())
			}
			if end < 0 || end > len(tt.in) {
				t.Errorf("end %d outside the input", end)
			}
		})
	}
	// Offsets outside the source are errors, not panics.
	for _, off := range []int{-1, 4} {
		if _, _, err := ParseValue("t", []byte("1"), off); err == nil {
			t.Errorf("offset %d: no error", off)
		}
	}
}

func TestErrorString(t *testing.T) {
	_, _, err := ParseValue("project.godot", []byte("x=[1, 2}"), 2)
	want := `project.godot:1:8: expected ',' or ']' in array, found '}', near "x=[1, 2}"`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant    %s", err, want)
	}
	e := &Error{Pos: Pos{2, 3}, Msg: "m"}
	if e.Error() != "2:3: m" {
		t.Errorf("Error() without file = %q", e.Error())
	}
}

// TestStringRoundTrip checks that Value.String reads back to itself.
func TestStringRoundTrip(t *testing.T) {
	for _, in := range []string{
		`{"a": [1, 2.5, -0.0, inf, nan, "x\"y\\z", &"n", NodePath("p")], 3: Object(Node, "k": #fff)}`,
		`Array[ExtResource("1")]([SubResource("2")])`,
		`Dictionary[String, Array]({"a": Array[int]([1])})`,
		"key(Up , Shift)",
		"\"multi\nline\"",
	} {
		v := mustValue(t, in)
		s1 := v.String()
		s2 := mustValue(t, s1).String()
		if s1 != s2 {
			t.Errorf("round trip of %q:\n first %s\nsecond %s", in, s1, s2)
		}
	}
}
