package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
)

// ProbeWrite reports whether the database can take a write now: it
// commits a transaction that inserts a row of a page's size into
// schema_migrations, so that it needs a new page, and deletes it again.
// Nobody sees the row. It fails, wrapping [commerce.ErrUnavailable], while
// the disk is full (or max_page_count is reached), read-only or failing.
// /readyz calls it.
func (db *DB) ProbeWrite(ctx context.Context) error {
	var b [2048]byte
	_, _ = rand.Read(b[:])
	name := "~readyz " + hex.EncodeToString(b[:])
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name) VALUES (?)`, name); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM schema_migrations WHERE name = ?`, name)
		return err
	})
	return wrap("probe write", err)
}
