package sqlite

import (
	"context"
	"encoding/json"
	"time"
)

var (
	// qDeleteAbandonedSessions takes the oldest sessions first (ids sort
	// by creation time) among those that expired before the cut-off and
	// never reached the payment provider or an order.
	qDeleteAbandonedSessions = writeQuery(`
		DELETE FROM sessions WHERE id IN (
			SELECT s.id FROM sessions s
			WHERE s.expires_at < ? AND s.status <> 'completed'
			  AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.session_id = s.id)
			  AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.session_id = s.id)
			ORDER BY s.id LIMIT ?)
		RETURNING id`)
	// qDeleteSessionIdempotencyKeys removes the records whose scope names
	// one of the sessions (a JSON array of ids).
	qDeleteSessionIdempotencyKeys = writeQuery(`
		DELETE FROM idempotency_keys
		WHERE EXISTS (SELECT 1 FROM json_each(?) j WHERE instr(idempotency_keys.scope, j.value) > 0)`)
)

// DeleteAbandonedSessions removes up to limit sessions that expired
// before before and never became orders (no order, no payment attempt),
// with the idempotency records whose scope names them, in one
// transaction, and returns how many sessions it removed.
func (c conn) DeleteAbandonedSessions(ctx context.Context, before time.Time, limit int) (int64, error) {
	var n int64
	err := c.atomic(ctx, func(r runner) error {
		rows, err := r.query(ctx, qDeleteAbandonedSessions, before.UnixMicro(), limit)
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		n = int64(len(ids))
		if n == 0 {
			return nil
		}
		list, err := json.Marshal(ids)
		if err != nil {
			return err
		}
		_, err = r.exec(ctx, qDeleteSessionIdempotencyKeys, string(list))
		return err
	})
	if err != nil {
		return 0, wrap("delete abandoned sessions", err)
	}
	return n, nil
}
