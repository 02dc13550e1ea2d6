package buildinfo

import (
	"runtime/debug"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRead(t *testing.T) {
	t.Parallel()
	vcs := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "agentshop", Version: "(devel)"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.time", Value: "2026-12-07T01:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	tests := []struct {
		name    string
		stamped string
		bi      *debug.BuildInfo
		want    Info
	}{
		{name: "NoBuildInfo", want: Info{Version: "dev", Revision: "unknown", Time: "unknown"}},
		{name: "VCS", bi: vcs, want: Info{Version: "(devel)", Revision: "abc123-dirty", Time: "2026-12-07T01:00:00Z", GoVersion: "go1.26.8"}},
		{name: "Stamped", stamped: "v1.2.3", bi: vcs, want: Info{Version: "v1.2.3", Revision: "abc123-dirty", Time: "2026-12-07T01:00:00Z", GoVersion: "go1.26.8"}},
		{name: "NoVCS", bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.4.0"}},
			want: Info{Version: "v0.4.0", Revision: "unknown", Time: "unknown", GoVersion: "go1.26.8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := read(tt.stamped, func() (*debug.BuildInfo, bool) { return tt.bi, tt.bi != nil })
			if tt.bi == nil {
				tt.want.GoVersion = got.GoVersion // runtime.Version()
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("read (-want +got):\n%s", d)
			}
		})
	}
}
