package index

import (
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// TestProjectGodotRewrittenBetweenReads: project.godot is parsed by update
// and hashed by readFile, two reads; a same-size rewrite in the same tick
// between them must not leave a config that no Update corrects (its entry
// keeps the hash of the bytes parsed). Found by a reviewer.
func TestProjectGodotRewrittenBetweenReads(t *testing.T) {
	root := t.TempDir()
	cfg := filepath.Join(root, "project.godot")
	A, B := []byte("config_version=5\n"), []byte("config_version=4\n")
	put := func(b []byte, T time.Time) {
		tmp := cfg + ".tmp"
		os.WriteFile(tmp, b, 0o644)
		os.Chtimes(tmp, T, T)
		os.Rename(tmp, cfg)
	}
	for i := range 1000 {
		T := time.Now() // one coarse timestamp tick for both writes
		put(A, T)
		var stop atomic.Bool
		done := make(chan struct{})
		go func() {
			defer close(done)
			for !stop.Load() {
				put(B, T)
				return
			}
		}()
		ix, err := Build(root)
		stop.Store(true)
		<-done
		if err != nil {
			continue
		}
		up, err := Update(root, ix)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := up.Config.Get("config_version")
		cur, _ := os.ReadFile(cfg)
		want := "5"
		if string(cur) == string(B) {
			want = "4"
		}
		if v.String() != want {
			t.Fatalf("iteration %d: file says config_version=%s, Update keeps %s (same index returned: %v)", i, want, v.String(), up == ix || up.Built.Equal(ix.Built))
		}
	}
}
