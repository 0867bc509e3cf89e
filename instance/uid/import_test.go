package uid

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/godot-mcp-router/godot-mcp-router/detect/gdtext"
)

func TestParseImport(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      Import
	}{
		{"godot4", `[remap]

importer="texture"
type="CompressedTexture2D"
uid="uid://bnqnnnet4ec7x"
path="res://.godot/imported/icon.svg-218a8f2b3041327d8a5756f3a245f83b.ctex"
metadata={
"vram_texture": false
}

[deps]

source_file="res://icon.svg"
dest_files=["res://.godot/imported/icon.svg-218a8f2b3041327d8a5756f3a245f83b.ctex"]

[params]

compress/mode=0
`, Import{UID: "uid://bnqnnnet4ec7x", Type: "CompressedTexture2D", Importer: "texture",
			Path: "res://.godot/imported/icon.svg-218a8f2b3041327d8a5756f3a245f83b.ctex", SourceFile: "res://icon.svg",
			DestFiles: []string{"res://.godot/imported/icon.svg-218a8f2b3041327d8a5756f3a245f83b.ctex"}, Valid: true}},
		{"godot3 vram", "\xEF\xBB\xBF[remap]\r\n\r\nimporter=\"texture\"\r\ntype=\"StreamTexture\"\r\npath.s3tc=\"res://.import/a.png-1.s3tc.stex\"\r\npath.etc2=\"res://.import/a.png-1.etc2.stex\"\r\n\r\n[deps]\r\n\r\nsource_file=\"res://a.png\"\r\ndest_files=[ \"res://.import/a.png-1.s3tc.stex\", \"res://.import/a.png-1.etc2.stex\" ]\r\n",
			Import{Type: "StreamTexture", Importer: "texture", Path: "res://.import/a.png-1.s3tc.stex", SourceFile: "res://a.png",
				DestFiles: []string{"res://.import/a.png-1.s3tc.stex", "res://.import/a.png-1.etc2.stex"}, Valid: true}},
		{"failed", "[remap]\nimporter=\"scene\"\ntype=\"PackedScene\"\nuid=\"uid://cyqvvr5mjg6ao\"\nvalid=false\n[deps]\nsource_file=\"res://m.glb\"\n",
			Import{UID: "uid://cyqvvr5mjg6ao", Type: "PackedScene", Importer: "scene", SourceFile: "res://m.glb"}},
		{"keep", "[remap]\n\nimporter=\"keep\"\n", Import{Importer: "keep", Valid: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseImport([]byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if got.UID != tc.want.UID || got.Type != tc.want.Type || got.Importer != tc.want.Importer || got.Path != tc.want.Path ||
				got.SourceFile != tc.want.SourceFile || !slices.Equal(got.DestFiles, tc.want.DestFiles) || got.Valid != tc.want.Valid {
				t.Errorf("ParseImport = %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseImportErrors(t *testing.T) {
	imp, err := ParseImport([]byte("[remap]\nimporter=\"texture\"\nuid=\"uid://Z\"\npath=\"res://x\n[deps]\nsource_file=\"res://a.png\"\n"))
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("error %v is not a joined list", err)
	}
	var found bool
	for _, e := range joined.Unwrap() {
		var ge *gdtext.Error
		if !errors.As(e, &ge) || ge.Pos.Line < 1 {
			t.Errorf("error %v has no position", e)
		}
		found = found || ge.Pos == (gdtext.Pos{Line: 3, Col: 5}) && strings.Contains(ge.Msg, "expected a uid://")
	}
	if !found {
		t.Errorf("no error about the uid at 3:5 in %v", err)
	}
	if imp.Importer != "texture" {
		t.Errorf("lost the entries before the error: %+v", imp)
	}
}
