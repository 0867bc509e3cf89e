package index

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/godot-mcp-router/godot-mcp-router/detect"
	"github.com/godot-mcp-router/godot-mcp-router/detect/gdtext"
	"github.com/godot-mcp-router/godot-mcp-router/instance/gdscript"
	"github.com/godot-mcp-router/godot-mcp-router/instance/resfile"
	"github.com/godot-mcp-router/godot-mcp-router/instance/uid"
)

// File kinds.
const (
	KindScene    = "scene"
	KindResource = "resource"
	KindScript   = "script"
	KindShader   = "shader"
	KindProject  = "project"
	KindOther    = "other"
)

// maxParsedFile bounds what is read and parsed; bigger text files are
// indexed by name only (no project file is this big).
const maxParsedFile = 32 << 20

// File is one project file and its parsed summary.
type File struct {
	Path    string // res://...
	Kind    string
	Ext     string // lower-case extension with the dot
	Size    int64
	ModTime time.Time
	UID     string // its own uid, from wherever the project records it

	Scene  *resfile.File    // .tscn and .tres
	Script *gdscript.Script // .gd
	Import *uid.Import      // the asset's .import file, if any
	Binary *uid.Binary      // binary resources (.res, .scn, ...)
	Err    error            // why it could not be read or parsed (partial results stay)
	lfs    bool
}

// Edge is one typed dependency from one file to another.
type Edge struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Kind   string `json:"kind"`
	Line   int    `json:"line,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// Problem is one broken reference.
type Problem struct {
	Kind    string `json:"kind" jsonschema:"missing_file, unknown_uid, missing_import_source, missing_autoload, missing_plugin, missing_main_scene, unresolved_extends, parse_error or unsupported"`
	File    string `json:"file" jsonschema:"res:// path of the file holding the reference"`
	Line    int    `json:"line,omitempty"`
	Target  string `json:"target,omitempty" jsonschema:"what the reference names, as written"`
	Missing string `json:"missing,omitempty" jsonschema:"the res:// path it leads to, which does not exist"`
	Message string `json:"message"`
}

// Autoload is one [autoload] entry of project.godot.
type Autoload struct {
	Name      string
	Path      string // resolved res:// path ("" when unresolvable)
	Written   string // as written, without the *
	Singleton bool
	Line      int
}

// Index is the whole project, as of Built.
type Index struct {
	Root     string
	Files    map[string]*File
	ByUID    map[string]string // uid://... -> res path (the first by path when several files carry one uid)
	dupUID   map[string]bool   // uids carried by more than one file
	Classes  map[string]string // class_name -> res path of its script
	Config   *gdtext.Config
	Autoload []Autoload
	Edges    []Edge
	Problems []Problem
	Built    time.Time
	Took     time.Duration
	Reused   int // files taken from the previous index unchanged (Update)

	cache map[string]*fileRead // what was read, by relative path: the next Update reuses it
	// outside records the paths linking looked up on the disk that are not
	// among the walked files (folders; files in hidden, .gdignore'd or
	// nested-project folders), and whether they existed.
	outside map[string]bool
	// checkedAt is when the walk that last matched this index to the disk
	// began: a file modified shortly before it may have changed again
	// within the same timestamp tick, unseen (see racy).
	checkedAt time.Time
	engine    map[string]bool // engine class names, while linking

	out map[string][]int // res path -> indexes into Edges leaving it
	in  map[string][]int // res path -> indexes into Edges reaching it
}

// Build indexes the project at root (absolute, symlinks resolved).
func Build(root string) (*Index, error) { return Update(root, nil) }

// Update indexes the project again. A file whose size and modification time
// are those prev recorded is taken from prev as it is; one whose content
// hash is prev's (a touch, a git checkout of the same bytes) keeps its
// parsed summary; the rest are read and parsed. The result is the same as a
// fresh Build. When nothing changed at all, Update returns prev itself: no
// file is read and nothing is linked again. prev stays valid for calls still
// using it.
func Update(root string, prev *Index) (*Index, error) {
	return UpdateFrom(root, func() *Index { return prev })
}

// UpdateFrom is Update with the previous index given late: prev is called
// once the tree has been walked, so an index still being restored from a
// snapshot can finish while the walk runs. prev may return nil.
func UpdateFrom(root string, prevIndex func() *Index) (*Index, error) {
	start := time.Now()
	paths, err := walk(root)
	if err != nil {
		return nil, err
	}
	return update(root, start, paths, prevIndex())
}

// update makes the index of the files in paths (what a walk that began at
// start would list, in any order), reusing what prev (nil, or of another
// root: none) read of files that have not changed.
func update(root string, start time.Time, paths []walked, prev *Index) (*Index, error) {
	if prev != nil && prev.Root != root {
		prev = nil
	}
	if prev != nil && prev.matches(paths) {
		return prev, nil
	}
	ix := &Index{
		Root:    root,
		Files:   map[string]*File{},
		ByUID:   map[string]string{},
		Classes: map[string]string{},
		cache:   map[string]*fileRead{},
		dupUID:  map[string]bool{},
		outside: map[string]bool{},

		checkedAt: start,
	}
	src, err := detect.ReadRegular(filepath.Join(root, "project.godot"), detect.MaxConfigSize)
	if err != nil {
		return nil, fmt.Errorf("reading project.godot: %w", err)
	}
	cfg, cfgErr := gdtext.ParseConfig("project.godot", src)
	ix.Config = cfg
	if cfgErr != nil {
		ix.Problems = append(ix.Problems, Problem{Kind: "parse_error", File: "res://project.godot", Message: cfgErr.Error()})
	}

	files := make([]*fileRead, len(paths))
	var wg sync.WaitGroup
	next := make(chan int)
	workers := runtime.GOMAXPROCS(0) * 2
	for range workers {
		wg.Go(func() {
			for i := range next {
				w := paths[i]
				var old *fileRead
				if prev != nil {
					old = prev.cache[w.rel]
				}
				if old != nil && old.Size == w.size && old.ModTime.Equal(w.mtime) && !prev.racy(old) && !w.force {
					files[i] = old
					continue
				}
				files[i] = readFile(root, w, old)
			}
		})
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	// project.godot's entry stands for the bytes parsed above, not for a
	// later read by readFile: were it rewritten in between (same size,
	// same tick), the entry would match the new bytes while the config
	// holds the old, and no later check would see a difference.
	cfgHash := contentHash(src)
	for i, w := range paths {
		if w.rel == "project.godot" && files[i] != nil && files[i].hash != cfgHash {
			c := *files[i]
			c.hash = cfgHash
			files[i] = &c
		}
	}
	if prev != nil && prev.sameFiles(paths, files) && prev.outsideSame() {
		// Only racy entries were read again, and none had changed: the
		// index stands, checked as of this walk.
		same := *prev
		same.checkedAt = start
		same.Reused = len(files)
		return &same, nil
	}

	sidecars := map[string][]byte{} // res path of the asset -> its .uid sidecar
	imports := map[string]*uid.Import{}
	for _, f := range files {
		switch {
		case f == nil:
		case strings.HasSuffix(f.Path, ".uid") && f.sidecar != nil:
			sidecars[strings.TrimSuffix(f.Path, ".uid")] = f.sidecar
		case strings.HasSuffix(f.Path, ".import") && f.Import != nil:
			asset := strings.TrimSuffix(f.Path, ".import")
			imports[asset] = f.Import
		default:
			// A copy: Build fills in derived fields (UID, Import), and a
			// reused entry may be read by calls on prev at the same time.
			c := f.File
			ix.Files[f.Path] = &c
		}
	}
	for i, f := range files {
		if f != nil {
			ix.cache[paths[i].rel] = f
			if prev != nil && prev.cache[paths[i].rel] == f {
				ix.Reused++
			}
		}
	}
	// Own uids: text headers, binary headers, sidecars, [remap] uid of .import.
	// In path order, so that a uid two files carry (a scene copied outside
	// the editor) always goes to the same one.
	for _, p := range ix.sortedPaths("") {
		f := ix.Files[p]
		switch {
		case f.Scene != nil && f.Scene.UID != "":
			f.UID = f.Scene.UID
		case f.Binary != nil && f.Binary.UID != "":
			f.UID = f.Binary.UID
		}
		if s, ok := sidecars[p]; ok {
			if id, ok := uid.FromSidecar(s); ok && f.UID == "" {
				f.UID = id
			}
		}
		if imp, ok := imports[p]; ok {
			f.Import = imp
			if imp.UID != "" && f.UID == "" {
				f.UID = imp.UID
			}
		}
		if f.UID != "" {
			if _, taken := ix.ByUID[f.UID]; taken {
				ix.dupUID[f.UID] = true
			} else {
				ix.ByUID[f.UID] = p
			}
		}
	}
	// An .import whose asset is absent still records the asset's uid: a
	// reference by that uid then names the missing asset, not "unknown".
	// In path order: two such .import files claiming one uid give the
	// same answer on every build.
	for _, asset := range slices.Sorted(maps.Keys(imports)) {
		imp := imports[asset]
		if _, ok := ix.Files[asset]; !ok {
			if imp.UID != "" {
				if _, taken := ix.ByUID[imp.UID]; !taken {
					ix.ByUID[imp.UID] = asset
				}
			}
			ix.Problems = append(ix.Problems, Problem{
				Kind: "missing_import_source", File: asset + ".import", Target: asset, Missing: asset,
				Message: fmt.Sprintf("%s.import describes %s, which is missing (a missing asset, or import data left behind by a rename)", asset, asset),
			})
		}
	}
	ix.classes()
	ix.link()
	ix.Built = time.Now()
	ix.Took = ix.Built.Sub(start)
	return ix, nil
}

// walked is one file found by walk.
type walked struct {
	rel   string // slash-separated, relative to the root
	size  int64
	mtime time.Time
	force bool // read again even when size and time match (UpdatePaths was told it changed)
}

// racyWindow is how close to a walk a file's modification time must be for
// the file to count as racy: long enough for the coarsest timestamps
// (FAT's 2 s; Linux file systems tick every 1-10 ms).
const racyWindow = 2 * time.Second

// matches reports whether the files walk found are exactly those ix was
// built from, with the same sizes and modification times, none racy, and
// the paths outside the walk that linking looked up as they were.
func (ix *Index) matches(paths []walked) bool {
	if len(paths) != len(ix.cache) {
		return false
	}
	for _, w := range paths {
		c, ok := ix.cache[w.rel]
		if !ok || c.Size != w.size || !c.ModTime.Equal(w.mtime) || ix.racy(c) || w.force {
			return false
		}
	}
	return ix.outsideSame()
}

// OutsideChanged reports whether a path outside the walk that linking
// looked up (a reference into a skipped folder) appeared or went since ix
// was checked: a watcher that covers only the walked folders cannot see
// that, so its user asks before trusting ix.
func (ix *Index) OutsideChanged() bool { return !ix.outsideSame() }

// racy reports whether a file read for ix may have been written again,
// with the same size, within the same timestamp tick after it was read:
// its modification time is close to the walk that checked it. Such a file
// is hashed again by the next Update (as git treats racily clean entries).
func (ix *Index) racy(c *fileRead) bool {
	return c.hash != 0 && !c.ModTime.Before(ix.checkedAt.Add(-racyWindow))
}

// sameFiles reports whether the files read are all ix's own entries.
func (ix *Index) sameFiles(paths []walked, files []*fileRead) bool {
	if len(paths) != len(ix.cache) {
		return false
	}
	for i, w := range paths {
		if files[i] == nil || files[i] != ix.cache[w.rel] {
			return false
		}
	}
	return true
}

// outsideSame reports whether the paths outside the walk that linking
// looked up still exist, or still do not.
func (ix *Index) outsideSame() bool {
	for res, found := range ix.outside {
		rest := strings.TrimPrefix(res, "res://")
		_, err := os.Stat(filepath.Join(ix.Root, filepath.FromSlash(rest)))
		if (err == nil) != found {
			return false
		}
	}
	return true
}

// fileRead is a File plus what only Build needs.
type fileRead struct {
	File
	sidecar []byte
	hash    uint64 // of the bytes parsed (0: not read, as for textures)
}

// contentHash identifies a file's bytes (the first 8 bytes of SHA-256,
// which the CPU computes at gigabytes a second).
func contentHash(src []byte) uint64 {
	sum := sha256.Sum256(src)
	return binary.LittleEndian.Uint64(sum[:8]) | 1 // never 0, which means "not hashed"
}

// readFile reads and parses one file by its kind. When old (the file's
// entry in the previous index, or nil) was parsed from the same bytes, its
// summary is kept and only the metadata is new.
func readFile(root string, w walked, old *fileRead) *fileRead {
	res := "res://" + w.rel
	ext := strings.ToLower(path.Ext(w.rel))
	f := &fileRead{File: File{Path: res, Ext: ext, Size: w.size, ModTime: w.mtime, Kind: kindOf(w.rel, ext)}}
	needs := ext == ".tscn" || ext == ".tres" || ext == ".gd" || ext == ".uid" || ext == ".import" || isBinaryResource(ext) || w.rel == "project.godot"
	if !needs {
		return f
	}
	if w.size > maxParsedFile {
		f.Err = fmt.Errorf("%d bytes: too large to parse", w.size)
		return f
	}
	abs := filepath.Join(root, filepath.FromSlash(w.rel))
	if isBinaryResource(ext) {
		fh, err := os.Open(abs)
		if err != nil {
			f.Err = err
			return f
		}
		defer fh.Close()
		if w.size == 0 {
			return f
		}
		b, err := uid.ReadBinary(fh)
		if err == nil {
			f.Binary = &b
		} else if !isTextResource(abs) {
			f.Err = err
		}
		return f
	}
	src, err := detect.ReadRegular(abs, maxParsedFile)
	if err != nil {
		f.Err = err
		return f
	}
	f.hash = contentHash(src)
	if old != nil && old.hash == f.hash && old.Size == f.Size {
		if old.ModTime.Equal(f.ModTime) {
			return old // a racy entry, unchanged
		}
		same := *old
		same.ModTime = f.ModTime
		return &same
	}
	if w.rel == "project.godot" {
		// Parsed by update itself; hashed here so that a same-size
		// rewrite within the timestamp tick is seen (racy, as any file).
		return f
	}
	if bytes.HasPrefix(src, []byte("version https://git-lfs.github.com/spec/")) {
		f.lfs = true
		f.Err = fmt.Errorf("a Git LFS pointer, not the file (run git lfs pull)")
		return f
	}
	switch ext {
	case ".uid":
		f.sidecar = src
	case ".import":
		imp, err := uid.ParseImport(src)
		if err == nil {
			f.Import = &imp
		}
	case ".tscn", ".tres":
		sc, err := resfile.Parse(res, src)
		f.Scene = sc
		f.Err = err
	case ".gd":
		f.Script = gdscript.Parse(src)
		if len(f.Script.Errors) > 0 {
			e := f.Script.Errors[0]
			f.Err = fmt.Errorf("%d:%d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
		}
	}
	return f
}

// isTextResource tells a text resource saved under a binary extension.
func isTextResource(abs string) bool {
	b := make([]byte, 16)
	fh, err := os.Open(abs)
	if err != nil {
		return false
	}
	defer fh.Close()
	n, _ := fh.Read(b)
	return bytes.HasPrefix(b[:n], []byte("[gd_"))
}

func isBinaryResource(ext string) bool {
	switch ext {
	case ".res", ".scn", ".mesh", ".anim", ".material", ".shape", ".occ", ".theme", ".stylebox", ".font", ".meshlib", ".lmbake", ".oggvorbisstr", ".oggstr", ".sample", ".tex", ".stex", ".ctex":
		return true
	}
	return false
}

func kindOf(rel, ext string) string {
	switch ext {
	case ".tscn", ".scn", ".escn":
		return KindScene
	case ".gd", ".cs":
		return KindScript
	case ".gdshader", ".shader", ".gdshaderinc":
		return KindShader
	case ".tres", ".res":
		return KindResource
	}
	if rel == "project.godot" {
		return KindProject
	}
	if isBinaryResource(ext) {
		return KindResource
	}
	return KindOther
}

// sortedPaths returns the res paths of files of one kind ("" = all), sorted.
func (ix *Index) sortedPaths(kind string) []string {
	out := make([]string, 0, len(ix.Files))
	for p, f := range ix.Files {
		if kind == "" || f.Kind == kind {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// Entries counts the files the index was made from, sidecars and .import
// files included (Files holds the project's files without those).
func (ix *Index) Entries() int { return len(ix.cache) }

// Paths lists the files of one kind ("" = all), sorted.
func (ix *Index) Paths(kind string) []string { return ix.sortedPaths(kind) }
