package sqlite_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"agentshop/internal/commerce"
)

// TestFilesArePrivate: the database file and the -wal and -shm files
// SQLite creates beside it are readable by their owner only. (SQLite alone
// makes them 0644 less the umask: 0644 under the usual 022.)
func TestFilesArePrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agentshop.db")
	db := mustOpen(t, path)
	now := time.Now()
	s := &commerce.Session{ID: commerce.NewID("cs"), Status: commerce.StatusReady, Currency: "usd",
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour), Version: 1}
	if err := db.CreateSession(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s: mode %v, want %v", filepath.Base(p), got, fs.FileMode(0o600))
		}
	}
}
