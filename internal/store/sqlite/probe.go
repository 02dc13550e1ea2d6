package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
)

// probeSize is the size of the blob ProbeWrite writes: 16 overflow pages
// and more, which is more WAL frames than a create, an update or a complete
// writes on its own.
const probeSize = 64 << 10

// ProbeWrite reports whether the database can take a write now: it
// commits a transaction that overwrites the one row of readyz_probe with a
// fresh random blob of probeSize bytes. A small write would not do: on a
// full disk SQLite still commits a few pages into WAL space that an
// earlier checkpoint left for reuse, while a checkout's transaction of
// more pages fails, and /readyz would say ready while every create
// answers 503. It fails, wrapping [commerce.ErrUnavailable], while the
// disk is full (or max_page_count is reached), read-only or failing.
// /readyz calls it, at most once a second (internal/app).
func (db *DB) ProbeWrite(ctx context.Context) error {
	b := make([]byte, probeSize)
	_, _ = rand.Read(b)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO readyz_probe (id, blob) VALUES (1, ?)
			ON CONFLICT (id) DO UPDATE SET blob = excluded.blob`, b)
		return err
	})
	return wrap("probe write", err)
}
