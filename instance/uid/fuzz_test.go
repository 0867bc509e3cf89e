package uid

import (
	"bytes"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/godot-mcp-router/godot-mcp-router/detect/gdtext"
)

func FuzzDecode(f *testing.F) {
	for _, s := range []string{"uid://a", "uid://bqrwin8ccgptt", "uid://d4n4ub6itg400", "uid://d4n4ub6itg401", "uid://aab", "uid://z9", "uid://", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		id, ok := Decode(text)
		if !ok {
			return
		}
		if id >= 1<<63 {
			t.Fatalf("Decode(%q) = %d, over 63 bits", text, id)
		}
		enc := Encode(id)
		if canonical := "uid://" + strings.TrimLeft(text[6:], "a"); enc != canonical && !(id == 0 && enc == "uid://a") {
			t.Fatalf("Encode(Decode(%q)) = %q", text, enc)
		}
		if back, ok := Decode(enc); !ok || back != id {
			t.Fatalf("Decode(Encode(%d)) = %d, %v", id, back, ok)
		}
	})
}

// allocated returns the bytes allocated while running fn.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// maxAlloc bounds what reading one header may allocate, whatever the
// input claims: a block or two and the zstd decoder's tables.
const maxAlloc = 8 << 20

func FuzzReadBinary(f *testing.F) {
	g4 := rsrc(header{major: 4, minor: 3, format: 6, typ: "ArrayMesh", flags: flagUIDs | flagScriptClass, uid: 7, scriptClass: "X"})
	f.Add(g4)
	f.Add(rsrc(header{big: true, major: 4, minor: 3, format: 6, typ: "ArrayMesh", flags: flagUIDs, uid: 7}))
	f.Add(rsrc(header{major: 3, minor: 5, format: 3, typ: "SpatialMaterial"}))
	f.Add(rscc(f, g4[4:], 4096))
	f.Add(rscc(f, g4[4:], 5))
	f.Add([]byte("RSCC\x02\x00\x00\x00\x00\x10\x00\x00"))
	f.Fuzz(func(t *testing.T, src []byte) {
		var b Binary
		var err error
		if n := allocated(func() { b, err = ReadBinary(bytes.NewReader(src)) }); n > maxAlloc+uint64(len(src)) {
			t.Fatalf("allocated %d bytes for a %d-byte input", n, len(src))
		}
		if err != nil {
			if !errors.Is(err, ErrNotBinary) && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrCompression) && !errors.Is(err, errUnexpectedEOF) {
				t.Fatalf("undocumented error %v", err)
			}
			return
		}
		if b.UID != "" {
			if _, ok := Decode(b.UID); !ok {
				t.Fatalf("header uid %q does not decode", b.UID)
			}
		}
		if len(b.Type) > maxString || len(b.ScriptClass) > maxString {
			t.Fatalf("strings of %d and %d bytes", len(b.Type), len(b.ScriptClass))
		}
	})
}

func FuzzParseImport(f *testing.F) {
	f.Add([]byte("[remap]\n\nimporter=\"texture\"\ntype=\"CompressedTexture2D\"\nuid=\"uid://bnqnnnet4ec7x\"\npath=\"res://.godot/imported/a.ctex\"\n\n[deps]\n\nsource_file=\"res://a.png\"\ndest_files=[\"res://.godot/imported/a.ctex\"]\n"))
	f.Add([]byte("[remap]\r\nimporter=\"texture\"\r\npath.s3tc=\"x\"\r\nvalid=false\r\n[deps]\r\ndest_files=[ \"x\" ]\r\n"))
	f.Add([]byte("[remap]\nuid=\"uid://Z\"\npath=\"res://x\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		imp, err := ParseImport(src)
		if imp.UID != "" && err == nil {
			if _, ok := Decode(imp.UID); !ok {
				t.Fatalf("invalid uid %q without an error", imp.UID)
			}
		}
		if err == nil {
			return
		}
		joined, ok := err.(interface{ Unwrap() []error })
		if !ok {
			t.Fatalf("error %v (%T) is not a list", err, err)
		}
		for _, e := range joined.Unwrap() {
			var ge *gdtext.Error
			if !errors.As(e, &ge) && !strings.Contains(e.Error(), "stopped after") {
				t.Fatalf("error %v (%T) has no position", e, e)
			}
		}
	})
}
