package postgres

import (
	"context"
	"time"
)

// deleteAbandonedSessionsSQL deletes, in one statement, up to $2 of the
// oldest sessions (ids sort by creation time) that expired before $1 and
// never reached the payment provider or an order, and the idempotency
// records whose scope names one of them.
const deleteAbandonedSessionsSQL = `
	WITH doomed AS (
		DELETE FROM sessions WHERE id IN (
			SELECT s.id FROM sessions s
			WHERE s.expires_at < $1 AND s.status <> 'completed'
			  AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.session_id = s.id)
			  AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.session_id = s.id)
			ORDER BY s.id LIMIT $2
			FOR UPDATE SKIP LOCKED)
		RETURNING id
	), records AS (
		DELETE FROM idempotency_keys k
		WHERE EXISTS (SELECT 1 FROM doomed d WHERE strpos(k.scope, d.id) > 0)
	)
	SELECT count(*) FROM doomed`

// DeleteAbandonedSessions removes up to limit sessions that expired
// before before and never became orders (no order, no payment attempt),
// with the idempotency records whose scope names them, and returns how
// many sessions it removed. It is one statement, sent at once, also
// inside [DB.InTx]; replicas running it together skip each other's rows.
func (c conn) DeleteAbandonedSessions(ctx context.Context, before time.Time, limit int) (int64, error) {
	var n int64
	if err := c.q.QueryRow(ctx, deleteAbandonedSessionsSQL, before, limit).Scan(&n); err != nil {
		return 0, wrap("delete abandoned sessions", err)
	}
	return n, nil
}
