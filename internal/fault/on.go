//go:build faultinject

package fault

import (
	"os"
	"syscall"
)

// Point kills the process with SIGKILL when AGENTSHOP_FAULT names this
// point. It exists only in binaries built with -tags faultinject, for the
// crash-safety tests; production builds cannot be made to crash here.
func Point(name string) {
	if os.Getenv("AGENTSHOP_FAULT") == name {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // never return: the kill is asynchronous
	}
}
