//go:build faultinject

package commerce

import (
	"os"
	"syscall"
)

// faultPoint kills the process with SIGKILL when AGENTSHOP_FAULT names
// this point. It exists only in binaries built with -tags faultinject, for
// the crash-safety tests; production builds cannot be made to crash here.
//
// Points: "before_provider" (attempt claimed, provider not called),
// "after_provider" (provider answered, outcome not recorded),
// "after_commit" (outcome recorded, response not sent).
func faultPoint(name string) {
	if os.Getenv("AGENTSHOP_FAULT") == name {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // never return: the kill is asynchronous
	}
}
