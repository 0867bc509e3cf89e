package uid

import (
	"errors"
	"fmt"
	"strings"

	"github.com/godot-mcp-router/godot-mcp-router/detect/gdtext"
)

// Import is what an <asset>.import file says about the imported asset.
type Import struct {
	UID      string // [remap] uid="uid://...", Godot 4 only; "" in Godot 3
	Type     string // [remap] type=, the resource type of the import ("CompressedTexture2D")
	Importer string // [remap] importer= ("texture", "scene", "keep", ...)
	// Path is [remap] path=, the imported file under .godot/imported
	// (Godot 4) or .import (Godot 3). Textures imported for several
	// formats have path.s3tc=, path.etc2=, ... instead: Path is then the
	// first of them in the file.
	Path       string
	SourceFile string   // [deps] source_file=
	DestFiles  []string // [deps] dest_files=
	Valid      bool     // false when [remap] valid=false: the import failed
}

// ParseImport reads an .import file. It returns what it could read even
// with an error, which joins the problems found, each a *gdtext.Error
// without a file name: the caller knows it.
func ParseImport(src []byte) (Import, error) {
	cfg, err := gdtext.ParseConfig("", src)
	imp := Import{Valid: true}
	if cfg == nil {
		return imp, err
	}
	str := func(e gdtext.Entry) string {
		s, _ := e.Value.AsString()
		return s
	}
	for _, e := range cfg.Entries {
		switch e.Section {
		case "remap":
			switch {
			case e.Key == "uid":
				imp.UID = str(e)
				if _, ok := Decode(imp.UID); !ok {
					err = errors.Join(err, &gdtext.Error{Pos: e.Value.Pos, Msg: fmt.Sprintf("expected a uid://... for [remap] uid=, found %s", e.Value)})
				}
			case e.Key == "type":
				imp.Type = str(e)
			case e.Key == "importer":
				imp.Importer = str(e)
			case e.Key == "path":
				imp.Path = str(e)
			case strings.HasPrefix(e.Key, "path.") && imp.Path == "":
				imp.Path = str(e)
			case e.Key == "valid":
				if v, ok := e.Value.AsBool(); ok {
					imp.Valid = v
				}
			}
		case "deps":
			switch e.Key {
			case "source_file":
				imp.SourceFile = str(e)
			case "dest_files":
				imp.DestFiles = e.Value.Strings()
			}
		}
	}
	return imp, err
}
