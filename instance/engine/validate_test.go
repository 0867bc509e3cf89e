package engine

import (
	"os"
	"strings"
	"testing"
)

// validated are the paths of testdata/validate/godot3.txt, the real
// output of Godot 3.2.3 running ValidatorScript(3, validated) in a project
// where bad.gd does not parse (line 6), child.gd extends it, the quoted
// name is fine, and missing.gd is not there.
var validated = []string{"res://scripts/bad.gd", "res://scripts/child.gd", `res://scripts/it's "quoted".gd`, "res://scripts/missing.gd"}

func outputLines(text string) []OutputLine {
	var lines []OutputLine
	for i, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		lines = append(lines, OutputLine{Seq: uint64(i + 1), Text: strings.TrimSuffix(l, "\r")})
	}
	return lines
}

func TestReadValidation(t *testing.T) {
	b, err := os.ReadFile("testdata/validate/godot3.txt")
	if err != nil {
		t.Fatal(err)
	}
	res := ReadValidation(append(validated, "res://never.gd"), outputLines(string(b)))
	want := []struct {
		state string
		line  int
		msg   string
	}{
		{ScriptInvalid, 6, "Parse Error: Error parsing expression, misplaced: '\\n'"},
		{ScriptInvalid, 1, "Parse Error: Script isn't fully loaded (cyclic preload?): res://scripts/bad.gd"},
		{ScriptOK, 0, ""},
		{ScriptFailed, 829, `Condition "err" is true. Returned: err`}, // no error of its own: those printed while it loaded
		{ScriptNotRun, 0, ""},
	}
	for i, w := range want {
		r := res[i]
		if r.State != w.state {
			t.Errorf("%s: state %s, want %s", r.Path, r.State, w.state)
		}
		if w.msg == "" {
			if len(r.Errors) != 0 {
				t.Errorf("%s: errors %+v", r.Path, r.Errors)
			}
			continue
		}
		if len(r.Errors) == 0 || r.Errors[0].Line != w.line || r.Errors[0].Message != w.msg {
			t.Errorf("%s: errors %+v, want line %d %q", r.Path, r.Errors, w.line, w.msg)
		}
	}
	if n := len(res[3].Errors); n != 4 {
		t.Errorf("missing.gd: %d errors, want the 4 printed while it loaded", n)
	}
}

// TestValidatorScriptQuotes: names with quotes and backslashes are written
// as GDScript strings that read back as the same path.
func TestValidatorScriptQuotes(t *testing.T) {
	for _, major := range []int{3, 4} {
		s := ValidatorScript(major, []string{`res://a"b.gd`, `res://c\d.gd`})
		if !strings.Contains(s, `"res://a\"b.gd",`) || !strings.Contains(s, `"res://c\\d.gd",`) {
			t.Fatalf("Godot %d validator:\n%s", major, s)
		}
		if major == 4 && !strings.Contains(s, "CACHE_MODE_IGNORE") || major == 3 && !strings.Contains(s, "can_instance()") {
			t.Fatalf("Godot %d validator uses the wrong API:\n%s", major, s)
		}
	}
	if CanValidate("res://a\nb.gd") || CanValidate("/abs/a.gd") || !CanValidate(`res://it's "x".gd`) {
		t.Fatal("CanValidate")
	}
}

// FuzzReadValidation: any output, any paths: no panic, one result per
// path, known states, errors bounded.
func FuzzReadValidation(f *testing.F) {
	b, _ := os.ReadFile("testdata/validate/godot3.txt")
	f.Add(string(b), "res://scripts/bad.gd")
	f.Add("GMR-VALIDATE-BEGIN res://a.gd\nGMR-VALIDATE-END res://a.gd\nGMR-VALIDATE-END  x\n", "res://a.gd")
	f.Add("GMR-VALIDATE-END res://a.gd weird\nSCRIPT ERROR: x\n   At: res://a.gd:-1.\n", "res://a.gd")
	f.Fuzz(func(t *testing.T, text, path string) {
		paths := []string{path, "res://x.gd", path + "2"}
		res := ReadValidation(paths, outputLines(text))
		if len(res) != len(paths) {
			t.Fatalf("%d results for %d paths", len(res), len(paths))
		}
		for _, r := range res {
			if len(r.Errors) > maxScriptErrors {
				t.Fatalf("%d errors", len(r.Errors))
			}
		}
	})
}

// TestReadValidationOnce: a broken script loaded first as another's
// dependency and then on its own prints its error twice; it is listed once.
func TestReadValidationOnce(t *testing.T) {
	out := "GMR-VALIDATE-BEGIN res://a.gd\n" +
		"SCRIPT ERROR: GDScript::reload: Parse Error: bad\n   At: res://b.gd:6.\n" +
		"GMR-VALIDATE-END res://a.gd invalid\n" +
		"GMR-VALIDATE-BEGIN res://b.gd\n" +
		"SCRIPT ERROR: GDScript::reload: Parse Error: bad\n   At: res://b.gd:6.\n" +
		"GMR-VALIDATE-END res://b.gd invalid\n"
	res := ReadValidation([]string{"res://a.gd", "res://b.gd"}, outputLines(out))
	if len(res[1].Errors) != 1 || res[1].Errors[0].Line != 6 {
		t.Fatalf("b.gd: %+v", res[1].Errors)
	}
	if len(res[0].Errors) != 1 || res[0].Errors[0].File != "res://b.gd" {
		t.Fatalf("a.gd (its dependency's error): %+v", res[0].Errors)
	}
}
