package sqlite_test

import (
	"path/filepath"
	"testing"

	"agentshop/internal/commerce"
	"agentshop/internal/store/sqlite"
	"agentshop/internal/store/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) commerce.Store {
		return mustOpen(t, filepath.Join(t.TempDir(), "agentshop.db"))
	})
}

// mustOpen opens a database at path and closes it when the test ends.
func mustOpen(tb testing.TB, path string) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(tb.Context(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}
