// Package buildinfo says which build of agentshop is running: the module
// version, the VCS revision and time, and the Go version, read from
// [debug.ReadBuildInfo]. Release builds stamp the version with
//
//	go build -ldflags "-X agentshop/internal/buildinfo.version=v1.2.3"
//
// because a binary built inside the module's own checkout reports its
// main module as "(devel)". It imports nothing of agentshop's.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is the release version stamped with -ldflags -X (see the
// package doc); empty in other builds. It is a variable only so that the
// linker can set it: nothing assigns it at run time.
var version string

// Info describes one build.
type Info struct {
	// Version is the stamped release version, else the main module's
	// version (a tag, or "(devel)"), else "dev".
	Version string `json:"version"`
	// Revision is the VCS commit, with "-dirty" when the tree had
	// uncommitted changes; "unknown" when the build did not record it
	// (-buildvcs=false, or not built in a checkout).
	Revision string `json:"revision"`
	// Time is the commit's time (RFC 3339); "unknown" when not recorded.
	Time string `json:"time"`
	// GoVersion is the toolchain that built the binary.
	GoVersion string `json:"go_version"`
}

// Read returns the running binary's build information.
func Read() Info {
	return read(version, debug.ReadBuildInfo)
}

func read(stamped string, readBuild func() (*debug.BuildInfo, bool)) Info {
	i := Info{Version: "dev", Revision: "unknown", Time: "unknown", GoVersion: runtime.Version()}
	bi, ok := readBuild()
	if ok {
		if v := bi.Main.Version; v != "" {
			i.Version = v
		}
		if bi.GoVersion != "" {
			i.GoVersion = bi.GoVersion
		}
		dirty := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				i.Revision = s.Value
			case "vcs.time":
				i.Time = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if dirty && i.Revision != "unknown" {
			i.Revision += "-dirty"
		}
	}
	if stamped != "" {
		i.Version = stamped
	}
	return i
}

// String is the one-line form `agentshop version` prints.
func (i Info) String() string {
	return fmt.Sprintf("agentshop %s (revision %s, built %s, %s)", i.Version, i.Revision, i.Time, i.GoVersion)
}
