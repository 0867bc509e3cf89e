package index

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/godot-mcp-router/godot-mcp-router/detect"
)

func corpusDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "corpus"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("the corpus belongs at %s: %v", dir, err)
	}
	return dir
}

// truelyAbsent is what corpus/README.md lists as really missing, relative
// to the corpus folder.
func trulyAbsent(t *testing.T, corpus string) map[string]bool {
	t.Helper()
	want := map[string]bool{}
	for _, p := range []string{
		"3d/global_illumination/test_VoxelGIData.res", "3d/global_illumination/zdm2_all.exr",
		"3d/global_illumination/zdm2_indirect.exr", "3d/ik/model/godot_battle_bot.dae",
		"3d/material_testers/backgrounds/experiment.hdr", "3d/material_testers/backgrounds/lobby.hdr",
		"3d/material_testers/backgrounds/night.hdr", "3d/material_testers/backgrounds/park.hdr",
		"3d/material_testers/backgrounds/schelde.hdr", "3d/material_testers/models/godot_ball.glb",
		"3d/sky_shaders/perlworlnoise.png", "compute/texture/assets/polyhaven/industrial_sunset_puresky_2k.hdr",
		"mobile/android_iap/addons/GodotGooglePlayBilling/plugin.cfg",
	} {
		want["godot4-demos/"+p] = true
	}
	f, err := os.Open(filepath.Join(corpus, "godot3-demos", "absent.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			want["godot3-demos/"+l] = true
		}
	}
	return want
}

// staleImports are .import files the upstream repositories still hold for
// assets renamed or replaced long ago (fortyfive.png became forty_five.png,
// maldita.wav became maldita.ogg): the assets exist neither in the corpus nor
// upstream, so corpus/README.md does not list them, but the import data does
// point at nothing and the checker says so (kind missing_import_source).
var staleImports = []string{
	"godot3-demos/misc/2.5d/assets/platform/textures/fortyfive.png",
	"godot3-demos/misc/2.5d/assets/platform/textures/frontside.png",
	"godot3-demos/misc/2.5d/assets/platform/textures/obliqueY.png",
	"godot3-demos/misc/2.5d/assets/platform/textures/obliqueZ.png",
	"godot3-demos/misc/2.5d/assets/platform/textures/topdown.png",
	"godot3-demos/misc/2.5d/assets/shadow/textures/fortyfive.png",
	"godot3-demos/misc/2.5d/assets/shadow/textures/frontside.png",
	"godot3-demos/misc/2.5d/assets/shadow/textures/topdown.png",
	"godot3-demos/audio/spectrum/maldita.wav",
}

// unknownIconUIDs are project icons set by a uid that no file of the project
// carries (copied from another demo): the engine cannot load them either.
// corpus/README.md does not list them; each was checked by hand: the uid
// appears nowhere else in the corpus.
var unknownIconUIDs = map[string]string{
	"godot4-demos/audio/audio_effects":         "uid://ck73wxgd3mrvp",
	"godot4-demos/audio/rhythm_game":           "uid://bdd4ws8b7jdqh",
	"godot4-demos/3d/soft_body_physics":        "uid://c5uks4gy25jah",
	"godot4-demos/3d/tonemap_color_correction": "uid://drhyssghe5h2u",
}

// TestCorpusBrokenReferences indexes all 228 corpus projects: each indexes
// without error, and the broken references are exactly the files the corpus
// lacks (corpus/README.md), plus the stale imports and unknown icon uids
// above.
func TestCorpusBrokenReferences(t *testing.T) {
	corpus := corpusDir(t)
	projects, err := detect.Scan(corpus, detect.ScanOptions{MaxDepth: 8, MaxDirs: 100000})
	if err != nil {
		t.Fatal(err)
	}
	if len(projects) != 228 {
		t.Fatalf("found %d corpus projects, want 228", len(projects))
	}
	want := trulyAbsent(t, corpus)
	for _, p := range staleImports {
		want[p] = true
	}
	got := map[string]bool{}
	files := 0
	for _, p := range projects {
		ix, err := Build(p.Root)
		if err != nil {
			t.Errorf("%s: %v", p.Root, err)
			continue
		}
		files += len(ix.Files)
		projRel, _ := filepath.Rel(corpus, p.Root)
		for _, pr := range ix.Problems {
			if pr.Kind == "unknown_uid" && pr.File == "res://project.godot" && unknownIconUIDs[filepath.ToSlash(projRel)] == pr.Target {
				got["icon:"+filepath.ToSlash(projRel)] = true
				continue
			}
			rel := ""
			if pr.Missing != "" {
				abs := filepath.Join(p.Root, filepath.FromSlash(strings.TrimPrefix(pr.Missing, "res://")))
				rel, _ = filepath.Rel(corpus, abs)
				rel = filepath.ToSlash(rel)
			}
			if rel == "" || !want[rel] {
				t.Errorf("%s: unexpected problem %+v", p.Root, pr)
				continue
			}
			got[rel] = true
		}
	}
	for proj := range unknownIconUIDs {
		want["icon:"+proj] = true
	}
	var missed []string
	for w := range want {
		if !got[w] {
			missed = append(missed, w)
		}
	}
	sort.Strings(missed)
	for _, m := range missed {
		t.Errorf("truly absent %s was not reported", m)
	}
	t.Logf("%d projects, %d files, %d absent files reported", len(projects), files, len(got))
}
