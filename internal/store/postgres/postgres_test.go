package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"agentshop/internal/commerce"
	"agentshop/internal/store"
	"agentshop/internal/store/postgres"
	"agentshop/internal/store/storetest"
)

// testURL is the database the tests use; each test gets a schema of its own.
func testURL(tb testing.TB) string {
	tb.Helper()
	url := os.Getenv("AGENTSHOP_TEST_POSTGRES_URL")
	if url == "" {
		tb.Skip("AGENTSHOP_TEST_POSTGRES_URL not set; e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	return url
}

func TestStore(t *testing.T) {
	url := testURL(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return mustOpenSchema(t, url)
	})
}

// mustOpenSchema opens the database in a fresh schema and drops the schema
// when the test ends.
func mustOpenSchema(tb testing.TB, url string) *postgres.DB {
	tb.Helper()
	db, _ := openSchemaWith(tb, url, nil)
	return db
}

// openSchemaWith is mustOpenSchema with configure applied to the pool's
// configuration; it also returns the schema.
func openSchemaWith(tb testing.TB, url string, configure func(*pgxpool.Config)) (*postgres.DB, string) {
	tb.Helper()
	schema := schemaName()
	db, err := postgres.OpenSchemaWith(tb.Context(), url, schema, configure, postgres.WithSecrets(storetest.Box()))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
		dropSchema(tb, url, schema)
	})
	return db, schema
}

// schemaName returns a fresh schema name.
func schemaName() string {
	name := strings.ToLower(commerce.NewID("test"))
	return strings.ReplaceAll(name, "-", "_")
}

func dropSchema(tb testing.TB, url, schema string) {
	tb.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Errorf("drop schema %s: %v", schema, err)
		return
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, fmt.Sprintf("DROP SCHEMA %s CASCADE", pgx.Identifier{schema}.Sanitize())); err != nil {
		tb.Errorf("drop schema %s: %v", schema, err)
	}
}

// Replicas starting together on an empty schema apply each migration once.
func TestOpenConcurrently(t *testing.T) {
	url := testURL(t)
	schema := schemaName()
	t.Cleanup(func() { dropSchema(t, url, schema) })
	const n = 4
	errs := make(chan error, n)
	for range n {
		go func() {
			db, err := postgres.OpenSchema(t.Context(), url, schema)
			if err == nil {
				err = db.Close()
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}

	// Open with the schema in the URL finds it migrated.
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	db, err := postgres.Open(t.Context(), url+sep+"search_path="+schema)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestOpenMissingSchema(t *testing.T) {
	url := testURL(t)
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	if db, err := postgres.Open(t.Context(), url+sep+"search_path="+schemaName()); err == nil {
		db.Close()
		t.Fatal("Open succeeded on a search_path naming no schema")
	}
}

// TestUpgradeFrom0004: migrations 0005 (delegate fingerprints) and 0006
// (session owners) over the rows of a database at 0004 (storetest.Upgrade).
func TestUpgradeFrom0004(t *testing.T) {
	url := testURL(t)
	storetest.Upgrade(t, func(t *testing.T) (store.Store, func() store.Store) {
		schema := schemaName()
		t.Cleanup(func() { dropSchema(t, url, schema) })
		old, err := postgres.OpenSchema(t.Context(), url, schema, postgres.WithSecrets(storetest.Box()), postgres.MigrateUpTo(storetest.LastBeforeOwners))
		if err != nil {
			t.Fatal(err)
		}
		return old, func() store.Store {
			if err := old.Close(); err != nil {
				t.Fatal(err)
			}
			db, err := postgres.OpenSchema(t.Context(), url, schema, postgres.WithSecrets(storetest.Box()))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}
	})
}
