//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package store

import (
	"os"
	"time"
)

// lockFile does nothing where package syscall has no flock: the structure
// check then runs unlocked, and bbolt's own lock in bolt.Open still keeps a
// second writer out.
func lockFile(f *os.File, exclusive bool, timeout time.Duration) error { return nil }
