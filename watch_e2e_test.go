package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// scriptFunctions calls get_script and returns the names of its functions.
func (s *session) scriptFunctions(path string) []string {
	s.t.Helper()
	var out struct {
		Functions []struct {
			Name string `json:"name"`
		} `json:"functions"`
	}
	if res := s.call("get_script", map[string]any{"path": path, "content": false}, &out); res.IsError {
		s.t.Fatalf("get_script %s: %s", path, resultText(res))
	}
	var names []string
	for _, f := range out.Functions {
		names = append(names, f.Name)
	}
	return names
}

// until calls cond until it holds, for at most 5 s.
func until(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

type listedProject struct {
	ID       string `json:"id"`
	Version  string `json:"version"`
	Root     string `json:"root"`
	Instance string `json:"instance"`
	Current  bool   `json:"current"`
}

func (s *session) listProjects() []listedProject {
	s.t.Helper()
	var out struct {
		Projects []listedProject `json:"projects"`
	}
	if res := s.call("list_projects", nil, &out); res.IsError {
		s.t.Fatalf("list_projects: %s", resultText(res))
	}
	return out.Projects
}

func listedIDs(ps []listedProject) []string {
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	slices.Sort(ids)
	return ids
}

func writeProjectGodot(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	content := fmt.Sprintf("config_version=5\n\n[application]\n\nconfig/name=%q\nconfig/features=PackedStringArray(\"4.3\")\n", name)
	if err := os.WriteFile(filepath.Join(dir, "project.godot"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWatchEndToEnd, on the real binary: an edit shows in the next answers
// without any call walking the tree (the instance follows events); the
// catalog lists the projects of GODOT_PROJECTS_PATH, sees a new version
// appear, lists versions highest first, and is still there for the next
// router.
func TestWatchEndToEnd(t *testing.T) {
	proj := copyProject(t, "godot4-demos/2d/platformer")
	games := filepath.Join(filepath.Dir(proj), "games")
	writeProjectGodot(t, filepath.Join(games, "noxii", "0.15"), "Noxii")
	writeProjectGodot(t, filepath.Join(games, "noxii", "0.16"), "Noxii")
	env := newRouterEnv(t)
	env.extra = append(env.extra, "GODOT_PROJECTS_PATH="+games)
	s := startRouter(t, env, proj)

	if fns := s.scriptFunctions("res://player/player.gd"); slices.Contains(fns, "watched_e2e") {
		t.Fatalf("functions before the edit: %v", fns)
	}
	until(t, "the instance follows its files by events", func() bool {
		for _, in := range s.instances().Instances {
			if in.Root == proj && in.Watch != nil && in.Watch.Mode == "events" {
				return true
			}
		}
		return false
	})
	src, err := os.ReadFile(filepath.Join(proj, "player", "player.gd"))
	if err != nil {
		t.Fatal(err)
	}
	edited := string(src) + "\n\nfunc watched_e2e() -> void:\n\tpass\n"
	if err := os.WriteFile(filepath.Join(proj, "player", "player.gd"), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	took := until(t, "the edit shows in get_script", func() bool {
		return slices.Contains(s.scriptFunctions("res://player/player.gd"), "watched_e2e")
	})
	t.Logf("write to an answer that shows it: %v", took)
	until(t, "debug_instances counts the update made from the watcher's events", func() bool {
		for _, in := range s.instances().Instances {
			if in.Root == proj && in.Watch != nil && in.Watch.Updates > 0 {
				return true
			}
		}
		return false
	})

	// The catalog: the env folder's projects, and the session's own.
	want := []string{"noxii/0.15", "noxii/0.16", "platformer-2d"}
	var ps []listedProject
	until(t, "list_projects shows the known projects", func() bool {
		ps = s.listProjects()
		if !slices.Equal(listedIDs(ps), want) {
			t.Logf("list_projects: %v", listedIDs(ps))
			return false
		}
		return true
	})
	for _, p := range ps {
		if p.ID == "platformer-2d" && (!p.Current || p.Instance == "") {
			t.Fatalf("platformer listed as %+v; want current, with its instance", p)
		}
	}
	writeProjectGodot(t, filepath.Join(games, "noxii", "0.17"), "Noxii")
	took = until(t, "a new version is listed", func() bool {
		return slices.Contains(listedIDs(s.listProjects()), "noxii/0.17")
	})
	t.Logf("project.godot written to list_projects showing it: %v", took)
	var versions struct {
		Slug     string          `json:"slug"`
		Versions []listedProject `json:"versions"`
	}
	if res := s.call("list_versions", map[string]any{"project": "noxii"}, &versions); res.IsError {
		t.Fatalf("list_versions: %s", resultText(res))
	}
	var got []string
	for _, v := range versions.Versions {
		got = append(got, v.Version)
	}
	if versions.Slug != "noxii" || !slices.Equal(got, []string{"0.17", "0.16", "0.15"}) {
		t.Fatalf("list_versions = %s %v", versions.Slug, got)
	}
	// The id a list gives is what the project argument takes.
	var info projectInfo
	if res := s.call("get_project_info", map[string]any{"project": "noxii/0.17"}, &info); res.IsError || info.Root != filepath.Join(games, "noxii", "0.17") {
		t.Fatalf("get_project_info noxii/0.17: %s %+v", resultText(res), info)
	}
	if err := os.RemoveAll(filepath.Join(games, "noxii", "0.15")); err != nil {
		t.Fatal(err)
	}
	until(t, "a removed version leaves the list", func() bool {
		return !slices.Contains(listedIDs(s.listProjects()), "noxii/0.15")
	})
	if rep := s.instances(); !rep.Catalog.Watching || rep.Catalog.Degraded != "" || rep.Catalog.Projects != 3 {
		t.Fatalf("catalog report %+v", rep.Catalog)
	}

	// A router started later, elsewhere and without GODOT_PROJECTS_PATH,
	// knows the projects from the state file.
	s.client.Close()
	stop := exec.Command(binary, "stop")
	stop.Env = env.environ()
	if out, err := stop.CombinedOutput(); err != nil {
		t.Fatalf("stop: %v\n%s", err, out)
	}
	env2 := env
	env2.extra = slices.DeleteFunc(slices.Clone(env.extra), func(kv string) bool { return strings.HasPrefix(kv, "GODOT_PROJECTS_PATH=") })
	elsewhere := t.TempDir()
	s2 := startRouter(t, env2, elsewhere)
	if ids := listedIDs(s2.listProjects()); !slices.Equal(ids, []string{"noxii/0.16", "noxii/0.17", "platformer-2d"}) {
		t.Fatalf("list_projects after a restart = %v", ids)
	}
}
