//go:build unix && !linux

package engine

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// waitExited cannot wait without reaping where waitid is not available
// (false): the group is then killed after the leader is reaped (a pid reused
// within that instant is the risk taken).
func waitExited(pid int) bool { return false }
