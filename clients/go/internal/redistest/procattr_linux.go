package redistest

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill the topology launcher (whose servers die
// with it) if the test binary dies (a timeout or a panic), so no server
// outlives its test run.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
