//go:build unix

package router

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/godot-mcp-router/godot-mcp-router/instance"
)

// maxSocketPath keeps socket paths under 100 bytes (sun_path is 104 bytes on
// macOS, including the NUL).
const maxSocketPath = 99

// RuntimeDir returns the per-user folder for sockets, creating it with mode
// 0700: $XDG_RUNTIME_DIR/godot-mcp-router when that is set and short enough
// for socket paths, else /tmp/godot-mcp-router-<uid>. A folder that exists
// with wider permissions or another owner is refused, never loosened.
func RuntimeDir() (string, error) {
	fallback := filepath.Join(os.TempDir(), "godot-mcp-router-"+strconv.Itoa(os.Geteuid()))
	dir := fallback
	if x := os.Getenv("XDG_RUNTIME_DIR"); x != "" && filepath.IsAbs(x) {
		d := filepath.Join(x, "godot-mcp-router")
		if len(socketPath(d, "/", 1<<22, 99999)) <= maxSocketPath {
			dir = d
		}
	}
	if err := ensurePrivateDir(dir); err != nil {
		return "", err
	}
	return dir, nil
}

// ensurePrivateDir creates dir with mode 0700 if missing and checks that it
// is private to this user.
func ensurePrivateDir(dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(dir), err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("creating runtime folder %s: %w", dir, err)
	}
	return instance.CheckPrivateDir(dir)
}

// socketPath names the socket of one spawn of an instance: a hash of its
// root, so the name is short whatever the root; the router's pid, so two
// routers (two stdio clients before a shared daemon exists) never fight
// over one socket; and the spawn's number, so a new process never takes
// the path of one still stopping, or of a dead router's that had our pid.
func socketPath(dir, root string, routerPID, spawn int) string {
	return filepath.Join(dir, rootHash(root)+"-"+strconv.Itoa(routerPID)+"-"+strconv.Itoa(spawn)+".sock")
}

// logName is the instance log's file name for a root.
func logName(root string) string { return rootHash(root) + ".log" }

func rootHash(root string) string {
	sum := sha256.Sum256([]byte(root))
	return hex.EncodeToString(sum[:8])
}

// EnsureRuntimeDir creates dir (0700) when it is missing and refuses one
// that others can reach, as RuntimeDir does for the default folder.
func EnsureRuntimeDir(dir string) error { return ensurePrivateDir(dir) }
