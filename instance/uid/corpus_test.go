package uid

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/godot-mcp-router/godot-mcp-router/instance/resfile"
)

// corpusDir returns the shared corpus of real projects, failing the test
// when it is missing.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "corpus")
	for _, tree := range []string{"godot3-demos", "godot4-demos"} {
		if _, err := os.Stat(filepath.Join(dir, tree)); err != nil {
			t.Fatalf("the test corpus is missing (want ../shared/corpus next to the repository, with godot3-demos and godot4-demos): %v", err)
		}
	}
	return dir
}

// corpusFiles returns the files under the corpus (or one of its trees)
// whose names end with one of exts.
func corpusFiles(t testing.TB, tree string, exts ...string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(filepath.Join(corpusDir(t), tree), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		for _, ext := range exts {
			if !d.IsDir() && strings.HasSuffix(d.Name(), ext) {
				files = append(files, path)
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking the corpus: %v", err)
	}
	return files
}

var binaryExts = []string{".res", ".scn", ".mesh", ".anim", ".material"}

func TestCorpusSidecars(t *testing.T) {
	files := corpusFiles(t, "", ".uid")
	if len(files) != 538 {
		t.Errorf("found %d .uid files, want 538", len(files))
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := FromSidecar(src); !ok {
			t.Errorf("%s: no uid in %q", f, src)
		}
	}
}

func TestCorpusImports(t *testing.T) {
	files := corpusFiles(t, "", ".import")
	if len(files) != 1366 {
		t.Errorf("found %d .import files, want 1366", len(files))
	}
	withUID := map[string]int{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		imp, err := ParseImport(src)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		tree := "godot4-demos"
		if strings.Contains(f, "godot3-demos") {
			tree = "godot3-demos"
		}
		if imp.UID != "" {
			withUID[tree]++
		}
		if imp.Importer == "" || imp.SourceFile == "" {
			t.Errorf("%s: %+v", f, imp)
		}
		if tree == "godot3-demos" && imp.UID != "" {
			t.Errorf("%s: a Godot 3 .import with a uid", f)
		}
	}
	t.Logf("%d .import files, with a uid: %v", len(files), withUID)
}

func TestCorpusBinary(t *testing.T) {
	files := corpusFiles(t, "", binaryExts...)
	if len(files) != 47 {
		t.Errorf("found %d binary resource files, want 47", len(files))
	}
	var read, empty, compressed, uids int
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ReadBinary(bytes.NewReader(src))
		if len(src) == 0 {
			if err == nil {
				t.Errorf("%s: empty file read without error", f)
			}
			empty++
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		read++
		if b.Compressed {
			compressed++
		}
		if b.UID != "" {
			uids++
		}
		if b.Type == "" || b.Major < 3 || b.Major > 4 {
			t.Errorf("%s: %+v", f, b)
		}
		if (b.Major == 3) != (b.Format <= 3) || (b.Major == 3 && b.UID != "") {
			t.Errorf("%s: Godot %d with format %d and uid %q", f, b.Major, b.Format, b.UID)
		}
	}
	if read != 44 || empty != 3 || compressed != 11 {
		t.Errorf("read %d (want 44), empty %d (want 3), compressed %d (want 11)", read, empty, compressed)
	}
	t.Logf("%d binary headers read (%d RSCC, %d with a uid), %d empty files", read, compressed, uids, empty)
}

// project is one Godot project of the corpus and the uids its files say
// they have.
type project struct {
	root string
	uids map[uint64][]string // uid -> res:// paths claiming it
}

func (p *project) resPath(path string) string {
	rel, _ := filepath.Rel(p.root, path)
	return "res://" + filepath.ToSlash(rel)
}

func (p *project) add(t *testing.T, text, path string) {
	t.Helper()
	id, ok := Decode(text)
	if !ok {
		t.Errorf("%s: uid %q does not decode", path, text)
		return
	}
	if !slices.Contains(p.uids[id], path) {
		p.uids[id] = append(p.uids[id], path)
	}
}

// godot4Projects reads the uids recorded by every file of every project
// of the Godot 4 tree: text headers, sidecars, .import files, binary
// headers.
func godot4Projects(t *testing.T) []*project {
	t.Helper()
	var projects []*project
	for _, pg := range corpusFiles(t, "godot4-demos", "project.godot") {
		projects = append(projects, &project{root: filepath.Dir(pg), uids: map[uint64][]string{}})
	}
	for _, p := range projects {
		err := filepath.WalkDir(p.root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			name := d.Name()
			ext := filepath.Ext(name)
			switch {
			case ext == ".tscn" || ext == ".tres":
				src, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				f, _ := resfile.Parse(path, src)
				if f.UID != "" {
					p.add(t, f.UID, p.resPath(path))
				}
			case ext == ".uid":
				src, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				text, _ := FromSidecar(src)
				p.add(t, text, p.resPath(strings.TrimSuffix(path, ".uid")))
			case ext == ".import":
				src, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				imp, _ := ParseImport(src)
				if imp.UID != "" {
					p.add(t, imp.UID, p.resPath(strings.TrimSuffix(path, ".import")))
				}
			case slices.Contains(binaryExts, ext) || ext == ".occ" || ext == ".lmbake":
				fh, err := os.Open(path)
				if err != nil {
					return err
				}
				defer fh.Close()
				if b, err := ReadBinary(fh); err == nil && b.UID != "" {
					p.add(t, b.UID, p.resPath(path))
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return projects
}

// TestCorpusUIDsResolve checks that every ext_resource uid= of the Godot 4
// tree names exactly the file of its path=, through what the files
// themselves record.
func TestCorpusUIDsResolve(t *testing.T) {
	projects := godot4Projects(t)
	if len(projects) != 139 {
		t.Errorf("found %d Godot 4 projects, want 139", len(projects))
	}
	var resolved, refs int
	var absent, blanked []string
	for _, p := range projects {
		for id, paths := range p.uids {
			if len(paths) > 1 {
				t.Errorf("%s: uid %s claimed by %q", p.root, Encode(id), paths)
			}
		}
		for _, path := range corpusFiles(t, mustRel(t, p.root), ".tscn", ".tres") {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, _ := resfile.Parse(path, src)
			for _, r := range f.ExtResources {
				if r.UID == "" {
					continue
				}
				refs++
				target := r.Path
				if !strings.Contains(target, "://") {
					target = p.resPath(filepath.Join(filepath.Dir(path), filepath.FromSlash(target)))
				}
				id, ok := Decode(r.UID)
				if !ok {
					t.Errorf("%s:%d: uid %q does not decode", path, r.Line, r.UID)
					continue
				}
				if got := p.uids[id]; len(got) == 1 && got[0] == target {
					resolved++
					continue
				} else if len(got) > 0 {
					t.Errorf("%s:%d: %s names %q, but path= says %s", path, r.Line, r.UID, got, target)
					continue
				}
				// Nothing claims the uid: the target must be a file the
				// corpus does not have, or one it blanked.
				rel, _ := filepath.Rel(corpusDir(t), path)
				what := rel + ": " + r.UID + " -> " + target
				fi, err := os.Stat(filepath.Join(p.root, strings.TrimPrefix(target, "res://")))
				switch {
				case err != nil && isAbsent(target):
					absent = append(absent, what)
				case err == nil && fi.Size() == 0:
					blanked = append(blanked, what)
				default:
					t.Errorf("%s:%d: uid %s resolves to nothing (%s exists with %v)", path, r.Line, r.UID, target, err)
				}
			}
		}
	}
	t.Logf("%d ext_resource uids: %d resolve to exactly their path=, %d name truly absent files, %d name binary resources the corpus blanked (their uid lives only in their header)",
		refs, resolved, len(absent), len(blanked))
	for _, u := range absent {
		t.Logf("absent: %s", u)
	}
	for _, u := range blanked {
		t.Logf("blanked: %s", u)
	}
	if resolved+len(absent)+len(blanked) != refs {
		t.Errorf("%d of %d uids accounted for", resolved+len(absent)+len(blanked), refs)
	}
}

// absent4 are the files of the Godot 4 tree that the corpus README says
// are truly absent, as paths inside their projects (their ends, at
// least).
var absent4 = []string{
	"test_VoxelGIData.res", "zdm2_all.exr", "zdm2_indirect.exr", "model/godot_battle_bot.dae",
	"backgrounds/experiment.hdr", "backgrounds/lobby.hdr", "backgrounds/night.hdr",
	"backgrounds/park.hdr", "backgrounds/schelde.hdr", "models/godot_ball.glb",
	"perlworlnoise.png", "polyhaven/industrial_sunset_puresky_2k.hdr",
}

func isAbsent(target string) bool {
	for _, a := range absent4 {
		if strings.HasSuffix(target, "/"+a) || target == "res://"+a {
			return true
		}
	}
	return false
}

func mustRel(t *testing.T, dir string) string {
	t.Helper()
	rel, err := filepath.Rel(corpusDir(t), dir)
	if err != nil {
		t.Fatal(err)
	}
	return rel
}
