package detect

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWatchBudget(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		content string
		want    int
	}{
		{"8192\n", 2048},    // Linux before 5.11
		{"1048576\n", 8192}, // newer kernels scale it with memory
		{"524288", 8192},
		{"100\n", 256},
		{"garbage", 8192},
		{"-5", 8192},
	} {
		f := filepath.Join(dir, "limit")
		os.WriteFile(f, []byte(c.content), 0o644)
		if got := watchBudget(f); got != c.want {
			t.Errorf("limit %q: budget %d, want %d", c.content, got, c.want)
		}
	}
	if got := watchBudget(filepath.Join(dir, "missing")); got != maxWatchBudget {
		t.Errorf("no limit file: %d", got)
	}
	if b := WatchBudget(); b < 256 || b > maxWatchBudget {
		t.Errorf("this machine's budget %d", b)
	}
}
