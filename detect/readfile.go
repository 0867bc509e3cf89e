package detect

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// MaxConfigSize bounds what ReadRegular reads of a project.godot or similar
// file: real ones are kilobytes.
const MaxConfigSize = 4 << 20

// ErrNotRegular is returned by ReadRegular for FIFOs, devices, sockets and
// folders.
var ErrNotRegular = errors.New("not a regular file")

// ReadRegular reads a regular file of at most max bytes. It never blocks on
// a FIFO (the open is non-blocking and the type is checked on the open
// descriptor) and never reads more than max bytes, so a project.godot that
// is a FIFO or a link to /dev/zero cannot hang or exhaust its reader.
func ReadRegular(path string, max int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("reading %s: %w", path, ErrNotRegular)
	}
	if st.Size() > max {
		return nil, fmt.Errorf("reading %s: %d bytes, more than the %d this reader takes", path, st.Size(), max)
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("reading %s: grew past %d bytes while read", path, max)
	}
	return b, nil
}
