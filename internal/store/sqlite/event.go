package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"agentshop/internal/commerce"
)

const eventColumns = `id, type, order_id, status, attempts, next_attempt_at, last_error, created_at, delivered_at`

// defaultEventLimit is how many events ListEvents returns when the
// filter's Limit is not positive.
const defaultEventLimit = 100

var (
	qCreateEvent = writeQuery(`
		INSERT INTO events (` + eventColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	// qClaimEvents takes, oldest due first, the pending events due at ?1
	// that no earlier pending event of their order holds back, and leases
	// them until ?2. The writer runs one statement at a time, so two
	// claims never take the same event.
	qClaimEvents = writeQuery(`
		UPDATE events SET attempts = attempts + 1, next_attempt_at = ?2
		WHERE id IN (
			SELECT e.id FROM events e
			WHERE e.status = 'pending' AND e.next_attempt_at <= ?1
				AND NOT EXISTS (
					SELECT 1 FROM events p
					WHERE p.order_id = e.order_id AND p.status = 'pending'
						AND (p.created_at, p.id) < (e.created_at, e.id))
			ORDER BY e.next_attempt_at, e.id
			LIMIT ?3)
		RETURNING ` + eventColumns)
	qFinishEventAttempt = writeQuery(`
		UPDATE events SET status = ?, next_attempt_at = ?, last_error = ?, delivered_at = ?
		WHERE id = ? AND attempts = ? AND status = 'pending'`)
	qEventExists  = writeQuery(`SELECT 1 FROM events WHERE id = ?`)
	qRequeueEvent = writeQuery(`
		UPDATE events SET status = 'pending', attempts = 0, next_attempt_at = ?, last_error = ''
		WHERE id = ? AND status = 'dead'`)
	// qDeleteDeliveredEvents runs on the partial index events_delivered
	// (migration 0004).
	qDeleteDeliveredEvents = writeQuery(`
		DELETE FROM events WHERE status = 'delivered' AND delivered_at < ?`)
	// qEventBacklog counts pending events (on the partial index
	// events_due) and dead ones (a scan: delivered events are deleted
	// after webhook.keep_delivered, so the table stays small).
	qEventBacklog = readQuery(`
		SELECT (SELECT count(*) FROM events WHERE status = 'pending'),
			(SELECT count(*) FROM events WHERE status = 'dead')`)
	// qListEvents is ListEvents' query for each filter, indexed by
	// listEventsIndex.
	qListEvents = [4]*query{
		readQuery(listEventsSQL(``)),
		readQuery(listEventsSQL(`WHERE order_id = ?`)),
		readQuery(listEventsSQL(`WHERE status = ?`)),
		readQuery(listEventsSQL(`WHERE order_id = ? AND status = ?`)),
	}
)

func listEventsSQL(where string) string {
	return `SELECT ` + eventColumns + ` FROM events ` + where + ` ORDER BY created_at, id LIMIT ?`
}

// CreateEvent puts e in the outbox, every field as given. ErrConflict if
// the id exists; ErrNotFound if the order does not exist.
func (c conn) CreateEvent(ctx context.Context, e *commerce.Event) error {
	_, err := c.writer().exec(ctx, qCreateEvent,
		e.ID, string(e.Type), e.OrderID, string(e.Status), e.Attempts, e.NextAttemptAt.UnixMicro(),
		e.LastError, e.CreatedAt.UnixMicro(), microsPtr(e.DeliveredAt))
	return wrap("create event "+e.ID, err)
}

// ClaimEvents takes up to limit pending events due at now, oldest due
// first and at most one per order, and leases them until now+lease (see
// [commerce.Executor]). It returns them oldest first (CreatedAt, then ID);
// none when limit is not positive.
func (c conn) ClaimEvents(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*commerce.Event, error) {
	out := []*commerce.Event{}
	if limit <= 0 {
		return out, nil
	}
	err := c.atomic(ctx, func(q runner) error {
		rows, err := q.query(ctx, qClaimEvents, now.UnixMicro(), now.Add(lease).UnixMicro(), limit)
		if err != nil {
			return err
		}
		out, err = scanEvents(rows)
		return err
	})
	if err != nil {
		return nil, wrap("claim events", err)
	}
	// RETURNING gives the rows in no particular order.
	sortEvents(out)
	return out, nil
}

// FinishEventAttempt stores the outcome of attempt e.Attempts: e's Status,
// NextAttemptAt, LastError and DeliveredAt. ErrConflict if the event has
// been claimed again since or is no longer pending; ErrNotFound if it does
// not exist.
func (c conn) FinishEventAttempt(ctx context.Context, e *commerce.Event) error {
	return c.updateEvent(ctx, "finish event attempt "+e.ID, e.ID,
		fmt.Sprintf("attempt %d no longer owns the event", e.Attempts), qFinishEventAttempt,
		string(e.Status), e.NextAttemptAt.UnixMicro(), e.LastError, microsPtr(e.DeliveredAt), e.ID, e.Attempts)
}

// RequeueEvent puts a dead event back in the queue, due at now, with its
// attempts reset. ErrNotFound if it does not exist; ErrConflict unless it
// is dead.
func (c conn) RequeueEvent(ctx context.Context, id string, now time.Time) error {
	return c.updateEvent(ctx, "requeue event "+id, id, "not dead", qRequeueEvent, now.UnixMicro(), id)
}

// updateEvent runs a conditional UPDATE of event id: nil when it changed
// the row; otherwise ErrNotFound when the event does not exist, and
// ErrConflict (with why) when its condition did not hold.
func (c conn) updateEvent(ctx context.Context, op, id, why string, update *query, args ...any) error {
	return c.atomic(ctx, func(q runner) error {
		res, err := q.exec(ctx, update, args...)
		if err != nil {
			return wrap(op, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return wrap(op, err)
		} else if n == 1 {
			return nil
		}
		// Writers are serialized: the event is as the UPDATE found it.
		var one int
		if err := q.queryRow(ctx, qEventExists, id).Scan(&one); err != nil {
			return wrap(op, err)
		}
		return fmt.Errorf("sqlite: %s: %s: %w", op, why, commerce.ErrConflict)
	})
}

// ListEvents returns the events matching f, oldest first (CreatedAt, then
// ID), at most f.Limit (100 when it is not positive).
func (c conn) ListEvents(ctx context.Context, f commerce.EventFilter) ([]*commerce.Event, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultEventLimit
	}
	var (
		i    int
		args []any
	)
	if f.OrderID != "" {
		i |= 1
		args = append(args, f.OrderID)
	}
	if f.Status != "" {
		i |= 2
		args = append(args, string(f.Status))
	}
	args = append(args, limit)
	rows, err := c.reader().query(ctx, qListEvents[i], args...)
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
func (c conn) DeleteDeliveredEvents(ctx context.Context, before time.Time) (int64, error) {
	res, err := c.writer().exec(ctx, qDeleteDeliveredEvents, before.UnixMicro())
	if err != nil {
		return 0, wrap("delete delivered events", err)
	}
	n, err := res.RowsAffected()
	return n, wrap("delete delivered events", err)
}

// EventBacklog counts the outbox's pending events (waiting for an
// attempt, or with one in flight) and its dead ones (webhook.Backlog).
func (c conn) EventBacklog(ctx context.Context) (pending, dead int64, err error) {
	if err := c.reader().queryRow(ctx, qEventBacklog).Scan(&pending, &dead); err != nil {
		return 0, 0, wrap("event backlog", err)
	}
	return pending, dead, nil
}

// scanEvents reads and closes rows of eventColumns.
func scanEvents(rows *sql.Rows) ([]*commerce.Event, error) {
	defer rows.Close()
	out := []*commerce.Event{}
	for rows.Next() {
		var (
			e             = new(commerce.Event)
			typ, status   string
			next, created int64
			delivered     sql.NullInt64
		)
		if err := rows.Scan(&e.ID, &typ, &e.OrderID, &status, &e.Attempts, &next, &e.LastError, &created, &delivered); err != nil {
			return nil, err
		}
		e.Type, e.Status = commerce.EventType(typ), commerce.EventStatus(status)
		e.NextAttemptAt, e.CreatedAt = time.UnixMicro(next).UTC(), time.UnixMicro(created).UTC()
		e.DeliveredAt = timePtrOf(delivered)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// sortEvents sorts events oldest first: by CreatedAt, then ID.
func sortEvents(events []*commerce.Event) {
	slices.SortFunc(events, func(a, b *commerce.Event) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
}
