package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseVersion(t *testing.T) {
	for _, c := range []struct {
		in                  string
		major, minor, patch int
		ok                  bool
		templates           string
	}{
		{"3.2.3.stable.custom_build", 3, 2, 3, true, "3.2.3.stable"},
		{"4.3.stable.official.77dcf97d8", 4, 3, 0, true, "4.3.stable"},
		{"4.2.1.stable.mono.official.b09f793f5", 4, 2, 1, true, "4.2.1.stable.mono"},
		{"4.4.dev2.official.97ef3c837", 4, 4, 0, true, "4.4.dev2"},
		{"3.6.stable.flathub", 3, 6, 0, true, "3.6.stable"},
		{"Godot Engine", 0, 0, 0, false, ""},
		{"0.1", 0, 0, 0, false, ""},
		{"", 0, 0, 0, false, ""},
		{"99999.1", 0, 0, 0, false, ""},
	} {
		ma, mi, pa, ok := ParseVersion(c.in)
		if ma != c.major || mi != c.minor || pa != c.patch || ok != c.ok {
			t.Errorf("ParseVersion(%q) = %d %d %d %v", c.in, ma, mi, pa, ok)
		}
		if ok {
			b := Binary{Version: c.in, Major: ma, Minor: mi, Patch: pa}
			if got := b.TemplatesName(); got != c.templates {
				t.Errorf("TemplatesName(%q) = %q, want %q", c.in, got, c.templates)
			}
		}
	}
}

func TestChoose(t *testing.T) {
	g3 := Binary{Path: "/usr/bin/godot3-server", Version: "3.2.3.stable", Major: 3, Minor: 2, Patch: 3}
	g35 := Binary{Path: "/opt/godot35", Version: "3.5.stable", Major: 3, Minor: 5}
	g42 := Binary{Path: "/opt/godot42", Version: "4.2.stable", Major: 4, Minor: 2}
	g43 := Binary{Path: "/opt/godot43", Version: "4.3.stable", Major: 4, Minor: 3}
	g44 := Binary{Path: "/opt/godot44", Version: "4.4.stable", Major: 4, Minor: 4}
	broken := Binary{Path: "/opt/broken", Err: "--version printed nothing"}
	for _, c := range []struct {
		name   string
		bins   []Binary
		major  int
		engine string
		want   string
		err    error
	}{
		{"same minor", []Binary{g42, g44, g43}, 4, "4.3", "/opt/godot43", nil},
		{"lowest newer", []Binary{g42, g44}, 4, "4.3", "/opt/godot44", nil},
		{"only older", []Binary{g42}, 4, "4.3", "/opt/godot42", nil},
		{"any 4 newest", []Binary{g42, g44, g43}, 4, "4.x", "/opt/godot44", nil},
		{"godot 3", []Binary{g43, g3, g35}, 3, "3.x", "/opt/godot35", nil},
		{"wrong major", []Binary{g3}, 4, "4.3", "", ErrWrongMajor},
		{"none", nil, 4, "4.3", "", ErrNoEngine},
		{"only broken", []Binary{broken}, 3, "3.x", "", ErrNoEngine},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := Choose(c.bins, c.major, c.engine)
			if !errors.Is(err, c.err) || b.Path != c.want {
				t.Fatalf("Choose = %q, %v; want %q, %v", b.Path, err, c.want, c.err)
			}
			if err != nil && !strings.Contains(err.Error(), "GODOT_BIN") {
				t.Fatalf("the error does not say what to set: %v", err)
			}
		})
	}
}

// writeExe writes an executable shell script that prints a version.
func writeExe(t *testing.T, path, version string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\necho "+version+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestFinderCandidates(t *testing.T) {
	dir := t.TempDir()
	bin1, bin2, proj := filepath.Join(dir, "bin1"), filepath.Join(dir, "bin2"), filepath.Join(dir, "project")
	writeExe(t, filepath.Join(bin1, "godot"), "4.3.stable.official.77dcf97d8")
	writeExe(t, filepath.Join(bin1, "Godot_v4.2-stable_linux.x86_64"), "4.2.stable.official.46dc27791")
	writeExe(t, filepath.Join(bin2, "godot3"), "3.5.3.stable.official.6c814135b")
	writeExe(t, filepath.Join(proj, "godot4"), "4.3.stable.evil")
	if err := os.Symlink(filepath.Join(bin1, "godot"), filepath.Join(bin2, "godot4")); err != nil {
		t.Fatal(err)
	}
	custom := filepath.Join(dir, "custom", "my-godot")
	writeExe(t, custom, "4.1.stable.custom_build")
	os.WriteFile(filepath.Join(bin2, "godot-server"), []byte("not executable"), 0o644)

	env := map[string]string{
		"PATH":      strings.Join([]string{bin1, "relative/dir", proj, bin2}, string(filepath.ListSeparator)),
		"GODOT_BIN": custom + string(filepath.ListSeparator) + filepath.Join(dir, "missing"),
	}
	f := &Finder{Getenv: func(k string) string { return env[k] }}
	bins := f.Find(context.Background(), proj)
	var got []string
	for _, b := range bins {
		s := b.Source + " " + filepath.Base(b.Path) + " " + b.Version
		if b.Err != "" {
			s = b.Source + " " + filepath.Base(b.Path) + " error"
		}
		got = append(got, s)
	}
	want := []string{
		"GODOT_BIN my-godot 4.1.stable.custom_build",
		"GODOT_BIN missing error",
		"PATH godot 4.3.stable.official.77dcf97d8",
		"PATH Godot_v4.2-stable_linux.x86_64 4.2.stable.official.46dc27791",
		"PATH godot4 error", // the project's own, refused
		"PATH godot3 3.5.3.stable.official.6c814135b",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("found:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Asked once: a second Find reads the cache (the script is gone, the
	// answer stays while the file is the same).
	b, err := Choose(f.Find(context.Background(), proj), 4, "4.3")
	if err != nil || filepath.Base(b.Path) != "godot" {
		t.Fatalf("Choose = %+v, %v", b, err)
	}
	// A binary added to a PATH folder is found.
	writeExe(t, filepath.Join(bin1, "godot3-server"), "3.2.3.stable.custom_build")
	found := false
	for _, b := range f.Find(context.Background(), proj) {
		found = found || (filepath.Base(b.Path) == "godot3-server" && b.Version == "3.2.3.stable.custom_build")
	}
	if !found {
		t.Fatal("godot3-server added to PATH was not found")
	}
	// A binary replaced in place is asked again.
	writeExe(t, filepath.Join(bin1, "godot"), "4.3.1.stable.official.abcdef")
	b, _ = Choose(f.Find(context.Background(), proj), 4, "4.3")
	if b.Version != "4.3.1.stable.official.abcdef" {
		t.Fatalf("after replacing the binary, Choose = %+v", b)
	}
}

// BenchmarkFindCached is what each engine tool pays to find its engine once
// every binary has been asked its version: the PATH lookups (this machine's
// PATH) and a stat per binary.
func BenchmarkFindCached(b *testing.B) {
	f := &Finder{}
	f.Find(context.Background(), "")
	b.ReportAllocs()
	for b.Loop() {
		f.Find(context.Background(), "")
	}
}

// BenchmarkFindFirst includes asking each binary found its version.
func BenchmarkFindFirst(b *testing.B) {
	for b.Loop() {
		(&Finder{}).Find(context.Background(), "")
	}
}
