package app

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// serve creates the data directory 0700 and the SQLite files in it 0600
// (the stock seeded at start is a write, so the -wal and -shm exist).
func TestDataFilesArePrivate(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.Data = filepath.Join(t.TempDir(), "var", "agentshop")
	newApp(t, cfg, Options{})
	want := map[string]fs.FileMode{
		cfg.Data:                                    0o700,
		filepath.Join(cfg.Data, "agentshop.db"):     0o600,
		filepath.Join(cfg.Data, "agentshop.db-wal"): 0o600,
		filepath.Join(cfg.Data, "agentshop.db-shm"): 0o600,
	}
	for p, mode := range want {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != mode {
			t.Errorf("%s: mode %v, want %v", p, got, mode)
		}
	}
}
