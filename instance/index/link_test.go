package index

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestProjectCannotReachOutside: a project.godot that names plugins outside
// the root, a plugin.cfg that is a symlink out, and a FIFO plugin.cfg never
// make the index read outside the root or hang.
func TestProjectCannotReachOutside(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.cfg")
	os.WriteFile(secret, []byte("[plugin]\nscript=\"LEAKED\"\n"), 0o600)
	fifo := filepath.Join(outside, "fifo.cfg")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(t.TempDir(), "game")
	os.MkdirAll(filepath.Join(root, "addons", "linked"), 0o755)
	os.Symlink(secret, filepath.Join(root, "addons", "linked", "plugin.cfg"))
	os.MkdirAll(filepath.Join(root, "addons", "pipe"), 0o755)
	os.Symlink(fifo, filepath.Join(root, "addons", "pipe", "plugin.cfg"))
	rel, _ := filepath.Rel(root, secret)
	os.WriteFile(filepath.Join(root, "project.godot"), []byte(`config_version=5
[editor_plugins]
enabled=PackedStringArray("res://`+filepath.ToSlash(rel)+`", "res://addons/linked/plugin.cfg", "res://addons/pipe/plugin.cfg")
`), 0o644)

	done := make(chan *Index, 1)
	go func() {
		ix, err := Build(root)
		if err != nil {
			t.Error(err)
		}
		done <- ix
	}()
	var ix *Index
	select {
	case ix = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Build hung on a FIFO plugin.cfg")
	}
	if ix == nil {
		return
	}
	for _, e := range ix.Edges {
		if strings.Contains(e.To, "..") || strings.Contains(e.From, "..") {
			t.Errorf("edge leaves the root: %+v", e)
		}
	}
	for _, p := range ix.Problems {
		if strings.Contains(p.Message, "LEAKED") || strings.Contains(p.Target, "LEAKED") {
			t.Errorf("content from outside the root leaked: %+v", p)
		}
	}
}
