package postgres_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"agentshop/internal/commerce"
)

// TestReadOnly: while the session's transactions are read-only (SET
// default_transaction_read_only, as on a standby) writes fail as
// unavailable, not internal, leaving nothing half-written; ProbeWrite
// fails with them, and both succeed again once writes are allowed.
func TestReadOnly(t *testing.T) {
	url := testURL(t)
	ctx := t.Context()
	var readOnly atomic.Bool
	db, _ := openSchemaWith(t, url, func(cfg *pgxpool.Config) {
		cfg.PrepareConn = func(ctx context.Context, c *pgx.Conn) (bool, error) {
			mode := "off"
			if readOnly.Load() {
				mode = "on"
			}
			_, err := c.Exec(ctx, "SET default_transaction_read_only = "+mode)
			return err == nil, err
		}
	})
	now := time.Now()
	session := func() *commerce.Session {
		return &commerce.Session{ID: commerce.NewID("cs"), Status: commerce.StatusReady, Currency: "usd",
			CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour), Version: 1}
	}
	unavailable := func(err error, what string) {
		t.Helper()
		if !errors.Is(err, commerce.ErrUnavailable) || commerce.ErrorCode(err) != commerce.EUNAVAILABLE {
			t.Fatalf("%s: %v (code %s), want %s", what, err, commerce.ErrorCode(err), commerce.EUNAVAILABLE)
		}
	}

	readOnly.Store(true)
	a, b := session(), session()
	unavailable(db.CreateSession(ctx, a), "a write, read-only")
	unavailable(db.InTx(ctx, func(tx commerce.Executor) error {
		if err := tx.CreateSession(ctx, a); err != nil {
			return err
		}
		return tx.CreateSession(ctx, b)
	}), "a transaction, read-only")
	unavailable(db.ProbeWrite(ctx), "ProbeWrite, read-only")
	if err := db.Ping(ctx); err != nil {
		t.Errorf("Ping (reads), read-only: %v", err)
	}
	for _, s := range []*commerce.Session{a, b} {
		if _, err := db.GetSession(ctx, s.ID); !errors.Is(err, commerce.ErrNotFound) {
			t.Errorf("session written while read-only: %v, want not found", err)
		}
	}

	readOnly.Store(false)
	if err := db.ProbeWrite(ctx); err != nil {
		t.Fatalf("ProbeWrite, writable again: %v", err)
	}
	if err := db.CreateSession(ctx, a); err != nil {
		t.Fatalf("a write, writable again: %v", err)
	}
}
