//go:build !linux

package router

import "errors"

// processStartTime is not known on this OS; callers then rely on the pid and
// the socket answering.
func processStartTime(pid int) (uint64, error) {
	return 0, errors.New("process start time is not available on this OS")
}
