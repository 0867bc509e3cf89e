package router

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// processStartTime returns the start time of pid as the kernel records it
// (clock ticks after boot, field 22 of /proc/<pid>/stat). Together with the
// pid it identifies one process: a reused pid has another start time.
func processStartTime(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("reading start time of pid %d: %w", pid, err)
	}
	// The command name (field 2) is in parentheses and may hold spaces or
	// parentheses itself; the fields after the last ')' are plain.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("reading start time of pid %d: malformed stat", pid)
	}
	fields := strings.Fields(s[i+1:])
	// fields[0] is field 3 (state), so field 22 is fields[19].
	if len(fields) < 20 {
		return 0, fmt.Errorf("reading start time of pid %d: short stat", pid)
	}
	v, err := strconv.ParseUint(fields[19], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("reading start time of pid %d: %w", pid, err)
	}
	return v, nil
}
