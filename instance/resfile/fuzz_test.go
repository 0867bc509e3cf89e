package resfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godot-mcp-router/godot-mcp-router/detect/gdtext"
)

// FuzzParse checks that no input makes Parse panic, that every problem
// has a position or is one of the documented sentinels, and that the tree
// it builds holds together.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"godot3_scene.tscn", "godot4_scene.tscn", "inherited.tscn", "resource.tres", "godot2.tscn"} {
		src, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Add([]byte("[gd_resource type=\"X\" format=3]\n[resource]\na = [PackedByteArray(" + strings.Repeat("1, ", 400) + "2), ExtResource(\"1\")]\nb = ?\n"))
	f.Add([]byte("\xEF\xBB\xBF[gd_scene format=2]\r\n[node name=\"A\" type=\"Node\"]\r\nt = \"x\r\n[b]\"\r\n"))
	f.Add([]byte("version https://git-lfs.github.com/spec/v1\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		file, err := Parse("fuzz", src)
		if file == nil {
			t.Fatal("nil File")
		}
		if (err == nil) != (len(file.Errors) == 0) {
			t.Fatalf("error %v with %d Errors", err, len(file.Errors))
		}
		if len(file.Errors) > maxErrors+1 {
			t.Fatalf("%d errors", len(file.Errors))
		}
		for _, e := range file.Errors {
			var ge *gdtext.Error
			switch {
			case errors.As(e, &ge):
				if ge.Pos.Line < 1 || ge.Pos.Col < 1 || ge.Msg == "" {
					t.Fatalf("error without a position: %+v", ge)
				}
			case errors.Is(e, ErrLFSPointer), errors.Is(e, ErrXML), errors.Is(e, ErrBinary), strings.Contains(e.Error(), "stopped after"):
			default:
				t.Fatalf("unexpected error %v (%T)", e, e)
			}
		}
		for i, n := range file.Nodes {
			if (i == 0) != (n.Path == ".") && n.Name != "." {
				t.Fatalf("node %d has path %q", i, n.Path)
			}
		}
		file.ExtRefs()
	})
}
