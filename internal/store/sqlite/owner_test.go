package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/store"
	"agentshop/internal/store/sqlite"
	"agentshop/internal/store/storetest"
)

// TestMigrateSessionOwner: migration 0005 gives sessions stored before
// owners existed the owner their surface gives new ones: "key:<id>" for
// an agent key's, "app:" for the ChatGPT App's (no key); a session that
// has an owner keeps it.
func TestMigrateSessionOwner(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agentshop.db")
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for _, s := range []*commerce.Session{
		{ID: "cs_key", APIKeyID: "key_1"},
		{ID: "cs_app"},
		{ID: "cs_owned", APIKeyID: "key_2", Owner: "app:abc"},
	} {
		s.CreatedAt, s.UpdatedAt, s.ExpiresAt, s.Version = now, now, now.Add(time.Hour), 1
		if err := db.CreateSession(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Run the migration again over these rows, as on an older database.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`DELETE FROM schema_migrations WHERE name = '0006_session_owner.sql'`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	db = mustOpen(t, path)
	for id, want := range map[string]string{"cs_key": "key:key_1", "cs_app": "app:", "cs_owned": "app:abc"} {
		s, err := db.GetSession(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if s.Owner != want {
			t.Errorf("%s: owner %q, want %q", id, s.Owner, want)
		}
	}
}

// TestUpgradeFrom0004: migrations 0005 (delegate fingerprints) and 0006
// (session owners) over the rows of a database file at 0004
// (storetest.Upgrade).
func TestUpgradeFrom0004(t *testing.T) {
	storetest.Upgrade(t, func(t *testing.T) (store.Store, func() store.Store) {
		path := filepath.Join(t.TempDir(), "agentshop.db")
		old, err := sqlite.Open(t.Context(), path, sqlite.WithSecrets(storetest.Box()), sqlite.MigrateUpTo(storetest.LastBeforeOwners))
		if err != nil {
			t.Fatal(err)
		}
		return old, func() store.Store {
			if err := old.Close(); err != nil {
				t.Fatal(err)
			}
			return mustOpen(t, path)
		}
	})
}
