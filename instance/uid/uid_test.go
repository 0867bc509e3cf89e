package uid

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

func TestDecodeEncode(t *testing.T) {
	for _, tc := range []struct {
		text string
		id   uint64
	}{
		{"uid://a", 0},
		{"uid://b", 1},
		{"uid://y", 24},
		{"uid://0", 25},
		{"uid://8", 33},
		{"uid://ba", 34},
		{"uid://d4n4ub6itg400", math.MaxInt64}, // the engine's own comment
		// Real pairs from the corpus, read independently: the header of
		// truck_town's wheel.res holds 3545887397788631717, and the
		// scenes using it say uid://bqrwin8ccgptt.
		{"uid://bqrwin8ccgptt", 3545887397788631717},
	} {
		got, ok := Decode(tc.text)
		if !ok || got != tc.id {
			t.Errorf("Decode(%q) = %d, %v; want %d", tc.text, got, ok, tc.id)
		}
		if enc := Encode(tc.id); enc != tc.text {
			t.Errorf("Encode(%d) = %q, want %q", tc.id, enc, tc.text)
		}
	}
}

func TestDecodeInvalid(t *testing.T) {
	for _, text := range []string{
		"", "uid://", "uid:/abc", "res://abc", "UID://abc", "uid://<invalid>",
		"uid://abz",            // z is not a digit (the engine reads it as 0)
		"uid://ab9",            // nor is 9 (the engine reads it as 34)
		"uid://Abc",            // upper case
		"uid://ab c",           // space
		"uid://d4n4ub6itg401",  // 2^63
		"uid://aaaaaaaaaaaaaa", // 14 digits
		"uid://8888888888888",  // 13 digits, over 2^64
	} {
		if id, ok := Decode(text); ok {
			t.Errorf("Decode(%q) = %d, true; want false", text, id)
		}
	}
	// 12 digits always fit; leading zeros are accepted, as the engine
	// accepts them.
	if id, ok := Decode("uid://888888888888"); !ok || id != 2386420683693101055 { // 34^12-1
		t.Errorf("Decode(uid://888888888888) = %d, %v", id, ok)
	}
	if id, ok := Decode("uid://aab"); !ok || id != 1 {
		t.Errorf("Decode(uid://aab) = %d, %v", id, ok)
	}
}

func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		id := r.Uint64() >> (1 + r.IntN(63))
		text := Encode(id)
		got, ok := Decode(text)
		if !ok || got != id {
			t.Fatalf("Decode(Encode(%d)) = Decode(%q) = %d, %v", id, text, got, ok)
		}
	}
	if Encode(math.MaxUint64) != Encode(math.MaxInt64) {
		t.Error("Encode does not drop the top bit")
	}
}

func TestFromSidecar(t *testing.T) {
	for _, tc := range []struct {
		src, want string
		ok        bool
	}{
		{"uid://birx25108riec\n", "uid://birx25108riec", true},
		{"\xEF\xBB\xBFuid://birx25108riec\r\n", "uid://birx25108riec", true},
		{"uid://birx25108riec", "uid://birx25108riec", true},
		{"", "", false},
		{"uid://birx25108riec\nuid://b\n", "", false},
		{"version https://git-lfs.github.com/spec/v1\n", "", false},
	} {
		got, ok := FromSidecar([]byte(tc.src))
		if got != tc.want || ok != tc.ok {
			t.Errorf("FromSidecar(%q) = %q, %v; want %q, %v", tc.src, got, ok, tc.want, tc.ok)
		}
	}
}

// TestCorpusPairs checks uids recorded in each kind of place against the
// uid= of an ext_resource that points at the file.
func TestCorpusPairs(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "godot4-demos")
	read := func(rel string) []byte {
		src, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		return src
	}
	// main.gd.uid is referenced as uid://birx25108riec by compute/heightmap/main.tscn.
	if got, _ := FromSidecar(read("compute/heightmap/main.gd.uid")); got != "uid://birx25108riec" {
		t.Errorf("sidecar: %q", got)
	}
	// town_model.gltf is referenced as uid://dpgfy033dc715 by town_scene.tscn.
	if imp, err := ParseImport(read("3d/truck_town/town/model/town_model.gltf.import")); err != nil || imp.UID != "uid://dpgfy033dc715" || imp.Importer != "scene" {
		t.Errorf("import: %+v, %v", imp, err)
	}
}
