package gdtext

import (
	"errors"
	"os"
	"testing"
)

// fuzzSeeds are the fixtures of the table tests plus a few small real
// files. Small on purpose: the fuzzer minimizes every new interesting
// input, and minimizing a mutant of a 16 KB file takes it out of action
// for most of a minute.
func fuzzSeeds(t testing.TB) [][]byte {
	seeds := [][]byte{
		[]byte(godot4Project), []byte(godot3Project),
		[]byte("\uFEFFconfig_version=5\r\n[application]\r\nconfig/name=\"B\"\r\n"),
		[]byte(`{"a": [1, 2.5, -0.0, inf, nan, "x\"y\\z\u00e9\uD83D\uDE00", &"n", @"m", NodePath("p")], 3: Object(Node, "k": #fff)}`),
		[]byte(`Array[ExtResource("1")]([SubResource("2")])`),
		[]byte(`Dictionary[String, int]({"a": 1,})`),
		[]byte("key(Up, Shift) jbutton(0, 0)"),
		[]byte(`[node name="A" parent="." instance=ExtResource( 1 )]` + "\n\"a b\" = 0x1F\n"),
		[]byte("Vector2(1e-05, -inf) Color( 0, 0, 0, 1 ) PoolStringArray( \"a\" ) ; c\n"),
	}
	for _, f := range []string{"godot4-demos/2d/pong/project.godot", "godot3-demos/2d/pong/project.godot", "godot3-demos/2d/pong/pong.tscn"} {
		b, err := os.ReadFile(corpusDir(t) + "/" + f)
		if err != nil {
			t.Fatalf("reading a seed: %v", err)
		}
		seeds = append(seeds, b)
	}
	return seeds
}

func checkError(t *testing.T, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	if e.Pos.Line < 1 || e.Pos.Col < 1 || e.Msg == "" {
		t.Fatalf("error without a position or message: %+v", e)
	}
}

func FuzzParseValue(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, 0)
	}
	f.Fuzz(func(t *testing.T, src []byte, off int) {
		if off < 0 || off > len(src) {
			off = 0
		}
		v, end, err := ParseValue("fuzz", src, off)
		if end < 0 || end > len(src) {
			t.Fatalf("end %d outside [0, %d]", end, len(src))
		}
		if err != nil {
			checkError(t, err)
			return
		}
		if end <= off {
			t.Fatalf("a value ends at %d, not after its start %d", end, off)
		}
		// Rendering reads back to the same rendering.
		s1 := v.String()
		v2, _, err := ParseValue("render", []byte(s1), 0)
		if err != nil {
			t.Fatalf("reading back %q: %v", s1, err)
		}
		if s2 := v2.String(); s1 != s2 {
			t.Fatalf("round trip changed the value:\n first %q\nsecond %q", s1, s2)
		}
	})
}

// maxConfigFuzz bounds FuzzParseConfig's inputs. Whole files make every
// new interesting input a long minimization (the fuzzer stood still for
// most of each minute with the 16 KB seeds); the corpus tests cover the
// large real files.
const maxConfigFuzz = 2048

func FuzzParseConfig(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		if len(s) <= maxConfigFuzz {
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > maxConfigFuzz {
			return
		}
		c, err := ParseConfig("fuzz", src)
		if c == nil {
			t.Fatal("nil Config")
		}
		for _, e := range c.Entries {
			if e.Pos.Line < 1 || e.Pos.Col < 1 || e.Key == "" {
				t.Fatalf("bad entry %+v", e)
			}
		}
		if err == nil {
			return
		}
		joined, ok := err.(interface{ Unwrap() []error })
		if !ok {
			t.Fatalf("error %v is not a joined list", err)
		}
		errs := joined.Unwrap()
		if len(errs) > maxErrors+1 {
			t.Fatalf("%d errors, want at most %d", len(errs), maxErrors+1)
		}
		for i, e := range errs {
			if i == maxErrors { // "stopped after N errors"
				continue
			}
			checkError(t, e)
		}
	})
}
