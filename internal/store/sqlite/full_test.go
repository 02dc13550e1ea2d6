package sqlite_test

import (
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"agentshop/internal/commerce"
)

// TestFullDisk: with the database at its size limit (max_page_count, which
// makes SQLite itself answer SQLITE_FULL, as a full disk does) writes
// fail as unavailable, not internal, and leave nothing half-written;
// ProbeWrite fails with them, and both succeed again once there is room.
func TestFullDisk(t *testing.T) {
	ctx := t.Context()
	db := mustOpen(t, filepath.Join(t.TempDir(), "agentshop.db"))
	pages, err := db.WriterPragma(ctx, "page_count")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(pages)
	if _, err := db.WriterPragma(ctx, "max_page_count = "+strconv.Itoa(n+4)); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	session := func(name string) *commerce.Session {
		return &commerce.Session{ID: commerce.NewID("cs"), Status: commerce.StatusReady, Currency: "usd",
			Buyer:     &commerce.Buyer{FirstName: name},
			CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour), Version: 1}
	}
	unavailable := func(err error, what string) {
		t.Helper()
		if !errors.Is(err, commerce.ErrUnavailable) || commerce.ErrorCode(err) != commerce.EUNAVAILABLE {
			t.Fatalf("%s: %v (code %s), want %s", what, err, commerce.ErrorCode(err), commerce.EUNAVAILABLE)
		}
	}

	// A transaction whose second write does not fit leaves no first one.
	small, big := session("Ada"), session(strings.Repeat("x", 256<<10))
	err = db.InTx(ctx, func(tx commerce.Executor) error {
		if err := tx.CreateSession(ctx, small); err != nil {
			return err
		}
		return tx.CreateSession(ctx, big)
	})
	unavailable(err, "a transaction past the size limit")
	for _, s := range []*commerce.Session{small, big} {
		if _, err := db.GetSession(ctx, s.ID); !errors.Is(err, commerce.ErrNotFound) {
			t.Errorf("session of the failed transaction: %v, want not found", err)
		}
	}
	// Fill what is left.
	for i := 0; ; i++ {
		err := db.CreateSession(ctx, session(strings.Repeat("y", 1000)))
		if err != nil {
			unavailable(err, "a write on a full database")
			break
		}
		if i > 1000 {
			t.Fatal("max_page_count never stopped a write")
		}
	}
	unavailable(db.ProbeWrite(ctx), "ProbeWrite on a full database")
	if err := db.Ping(ctx); err != nil {
		t.Errorf("Ping (reads) on a full database: %v", err)
	}

	if _, err := db.WriterPragma(ctx, "max_page_count = 1000000"); err != nil {
		t.Fatal(err)
	}
	if err := db.ProbeWrite(ctx); err != nil {
		t.Fatalf("ProbeWrite with room again: %v", err)
	}
	if err := db.CreateSession(ctx, big); err != nil {
		t.Fatalf("a write with room again: %v", err)
	}
}
