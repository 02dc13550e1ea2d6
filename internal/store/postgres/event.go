package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"agentshop/internal/commerce"
)

const eventColumns = `id, type, order_id, status, attempts, next_attempt_at, last_error, created_at, delivered_at`

// defaultEventLimit is how many events ListEvents returns when the
// filter's Limit is not positive.
const defaultEventLimit = 100

// CreateEvent puts e in the outbox, every field as given. ErrConflict if
// the id exists; ErrNotFound if the order does not exist. Inside [DB.InTx]
// it is queued: its error may come from a later call or from InTx.
func (c conn) CreateEvent(ctx context.Context, e *commerce.Event) error {
	return c.writeLater(ctx, "create event "+e.ID, `
		INSERT INTO events (`+eventColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		e.ID, string(e.Type), e.OrderID, string(e.Status), e.Attempts, e.NextAttemptAt,
		e.LastError, e.CreatedAt, tsPtr(e.DeliveredAt))
}

// claimEventsSQL takes, oldest due first, up to $3 pending events due at
// $1 that no earlier pending event of their order holds back, and leases
// them until $2. FOR UPDATE SKIP LOCKED lets claims on several replicas
// run side by side: each passes over the rows another is taking, and one
// that finds a row claimed and committed meanwhile rechecks it on its new
// version, which is no longer due. An order's later event stays held back
// while another claim is taking the first: its gate sees the first pending.
var claimEventsSQL = `
	WITH c AS (
		SELECT e.id FROM events e
		WHERE e.status = 'pending' AND e.next_attempt_at <= $1
			AND NOT EXISTS (
				SELECT 1 FROM events p
				WHERE p.order_id = e.order_id AND p.status = 'pending'
					AND (p.created_at, p.id) < (e.created_at, e.id))
		ORDER BY e.next_attempt_at, e.id
		LIMIT $3
		FOR UPDATE SKIP LOCKED
	)
	UPDATE events SET attempts = events.attempts + 1, next_attempt_at = $2
	FROM c WHERE events.id = c.id
	RETURNING ` + qualify("events", eventColumns)

// ClaimEvents takes up to limit pending events due at now, oldest due
// first and at most one per order, and leases them until now+lease (see
// [commerce.Executor]). It returns them oldest first (CreatedAt, then ID);
// none when limit is not positive.
func (c conn) ClaimEvents(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*commerce.Event, error) {
	if limit <= 0 {
		return []*commerce.Event{}, nil
	}
	rows, err := c.q.Query(ctx, claimEventsSQL, now, now.Add(lease), limit)
	if err != nil {
		return nil, wrap("claim events", err)
	}
	out, err := scanEvents(rows)
	if err != nil {
		return nil, wrap("claim events", err)
	}
	// RETURNING gives the rows in no particular order.
	slices.SortFunc(out, func(a, b *commerce.Event) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// FinishEventAttempt stores the outcome of attempt e.Attempts: e's Status,
// NextAttemptAt, LastError and DeliveredAt. ErrConflict if the event has
// been claimed again since or is no longer pending; ErrNotFound if it does
// not exist. It is sent at once, also inside [DB.InTx]. A concurrent claim
// of the event makes the UPDATE wait for it and then find attempts changed.
func (c conn) FinishEventAttempt(ctx context.Context, e *commerce.Event) error {
	return c.updateEvent(ctx, "finish event attempt "+e.ID, fmt.Sprintf("attempt %d no longer owns the event", e.Attempts), `
		UPDATE events SET status = $2, next_attempt_at = $3, last_error = $4, delivered_at = $5
		WHERE id = $1 AND attempts = $6 AND status = 'pending'`,
		e.ID, string(e.Status), e.NextAttemptAt, e.LastError, tsPtr(e.DeliveredAt), e.Attempts)
}

// RequeueEvent puts a dead event back in the queue, due at now, with its
// attempts reset. ErrNotFound if it does not exist; ErrConflict unless it
// is dead. It is sent at once, also inside InTx.
func (c conn) RequeueEvent(ctx context.Context, id string, now time.Time) error {
	return c.updateEvent(ctx, "requeue event "+id, "not dead", `
		UPDATE events SET status = 'pending', attempts = 0, next_attempt_at = $2, last_error = ''
		WHERE id = $1 AND status = 'dead'`,
		id, now)
}

// updateEvent runs update, a conditional UPDATE of the event whose id is
// args[0] ($1), in one statement that also tells a missing event from a
// condition that did not hold: nil when it changed the row, ErrNotFound,
// or ErrConflict with why.
func (c conn) updateEvent(ctx context.Context, op, why, update string, args ...any) error {
	var updated, exists bool
	err := c.q.QueryRow(ctx, `
		WITH u AS (`+update+`
			RETURNING 1
		)
		SELECT EXISTS (SELECT 1 FROM u), EXISTS (SELECT 1 FROM events WHERE id = $1)`,
		args...,
	).Scan(&updated, &exists)
	switch {
	case err != nil:
		return wrap(op, err)
	case updated:
		return nil
	case !exists:
		return fmt.Errorf("postgres: %s: %w", op, commerce.ErrNotFound)
	}
	return fmt.Errorf("postgres: %s: %s: %w", op, why, commerce.ErrConflict)
}

// ListEvents returns the events matching f, oldest first (CreatedAt, then
// ID), at most f.Limit (100 when it is not positive).
func (c conn) ListEvents(ctx context.Context, f commerce.EventFilter) ([]*commerce.Event, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultEventLimit
	}
	var (
		where []string
		args  []any
	)
	if f.OrderID != "" {
		args = append(args, f.OrderID)
		where = append(where, fmt.Sprintf("order_id = $%d", len(args)))
	}
	if f.Status != "" {
		args = append(args, string(f.Status))
		where = append(where, fmt.Sprintf("status = $%d", len(args)))
	}
	sql := `SELECT ` + eventColumns + ` FROM events`
	if len(where) > 0 {
		sql += ` WHERE ` + strings.Join(where, " AND ")
	}
	args = append(args, limit)
	sql += fmt.Sprintf(` ORDER BY created_at, id LIMIT $%d`, len(args))
	rows, err := c.q.Query(ctx, sql, args...)
	if err != nil {
		return nil, wrap("list events", err)
	}
	out, err := scanEvents(rows)
	if err != nil {
		return nil, wrap("list events", err)
	}
	return out, nil
}

// DeleteDeliveredEvents removes the delivered events whose DeliveredAt is
// before before and returns how many. Pending and dead events are kept.
// It runs on the partial index events_delivered (migration 0004) and is
// sent at once, also inside [DB.InTx].
func (c conn) DeleteDeliveredEvents(ctx context.Context, before time.Time) (int64, error) {
	tag, err := c.q.Exec(ctx, `DELETE FROM events WHERE status = 'delivered' AND delivered_at < $1`, before)
	if err != nil {
		return 0, wrap("delete delivered events", err)
	}
	return tag.RowsAffected(), nil
}

// EventBacklog counts the outbox's pending events (waiting for an
// attempt, or with one in flight) and its dead ones (webhook.Backlog).
// Pending ones are counted on the partial index events_due; dead ones by
// a scan, as delivered events are deleted after webhook.keep_delivered.
func (c conn) EventBacklog(ctx context.Context) (pending, dead int64, err error) {
	err = c.q.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM events WHERE status = 'pending'),
			(SELECT count(*) FROM events WHERE status = 'dead')`).Scan(&pending, &dead)
	if err != nil {
		return 0, 0, wrap("event backlog", err)
	}
	return pending, dead, nil
}

// scanEvents reads and closes rows of eventColumns.
func scanEvents(rows pgx.Rows) ([]*commerce.Event, error) {
	defer rows.Close()
	out := []*commerce.Event{}
	for rows.Next() {
		var (
			e             = new(commerce.Event)
			typ, status   string
			next, created time.Time
			delivered     pgtype.Timestamptz
		)
		if err := rows.Scan(&e.ID, &typ, &e.OrderID, &status, &e.Attempts, &next, &e.LastError, &created, &delivered); err != nil {
			return nil, err
		}
		e.Type, e.Status = commerce.EventType(typ), commerce.EventStatus(status)
		e.NextAttemptAt, e.CreatedAt, e.DeliveredAt = next.UTC(), created.UTC(), timePtrOf(delivered)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// qualify prefixes each of the comma-separated columns with table.
func qualify(table, columns string) string {
	cols := strings.Split(columns, ", ")
	for i, c := range cols {
		cols[i] = table + "." + c
	}
	return strings.Join(cols, ", ")
}
