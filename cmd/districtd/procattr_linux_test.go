package main

import (
	"os/exec"
	"syscall"
)

// setProcAttr makes a node die with the test binary, so a test killed by
// its timeout leaves no districtd behind.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
