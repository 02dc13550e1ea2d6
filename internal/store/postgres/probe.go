package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"github.com/jackc/pgx/v5"
)

// ProbeWrite reports whether the database takes a write now: it commits
// a transaction that inserts a row into schema_migrations and deletes it
// again; nobody sees the row. It fails, wrapping
// [commerce.ErrUnavailable], while transactions are read-only (25006: a
// standby, default_transaction_read_only) or the server is out of
// resources (class 53, 53100 disk_full). /readyz calls it.
func (db *DB) ProbeWrite(ctx context.Context) error {
	var b [16]byte
	_, _ = rand.Read(b[:])
	name := "~readyz " + hex.EncodeToString(b[:])
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (name) VALUES ($1)`, name); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM schema_migrations WHERE name = $1`, name)
		return err
	})
	return wrap("probe write", err)
}
