package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	json "github.com/segmentio/encoding/json"

	"agentshop/internal/commerce"
)

var _ commerce.PaymentEventExecutor = conn{}

const inboundColumns = `provider, id, type, result, payment_ref, object_ref, order_id, amount, currency, occurred_at, received_at`

// GetInboundEvent returns the record of provider's event id, or
// ErrNotFound.
func (c conn) GetInboundEvent(ctx context.Context, provider, id string) (*commerce.InboundEvent, error) {
	e, err := scanInbound(c.q.QueryRow(ctx, `SELECT `+inboundColumns+` FROM payment_events WHERE provider = $1 AND id = $2`, provider, id))
	if err != nil {
		return nil, wrap("get payment event "+id, err)
	}
	return e, nil
}

// CreateInboundEvent records e; ErrConflict, at once, if it is recorded
// already (a concurrent transaction recording it too waits for this one).
func (c conn) CreateInboundEvent(ctx context.Context, e *commerce.InboundEvent) error {
	_, err := c.q.Exec(ctx, `INSERT INTO payment_events (`+inboundColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		e.Provider, e.ID, e.Type, string(e.Result), e.PaymentRef, e.ObjectRef, e.OrderID, e.Amount,
		string(e.Currency), ts(e.OccurredAt), e.ReceivedAt)
	return wrap("create payment event "+e.ID, err)
}

// ListInboundEvents returns the records matching f, newest first.
func (c conn) ListInboundEvents(ctx context.Context, f commerce.InboundFilter) ([]*commerce.InboundEvent, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultEventLimit
	}
	var (
		rows pgx.Rows
		err  error
	)
	if f.Result != "" {
		rows, err = c.q.Query(ctx, `SELECT `+inboundColumns+` FROM payment_events WHERE result = $1
			ORDER BY received_at DESC, provider DESC, id DESC LIMIT $2`, string(f.Result), limit)
	} else {
		rows, err = c.q.Query(ctx, `SELECT `+inboundColumns+` FROM payment_events
			ORDER BY received_at DESC, provider DESC, id DESC LIMIT $1`, limit)
	}
	if err != nil {
		return nil, wrap("list payment events", err)
	}
	defer rows.Close()
	out := []*commerce.InboundEvent{}
	for rows.Next() {
		e, err := scanInbound(rows)
		if err != nil {
			return nil, wrap("list payment events", err)
		}
		out = append(out, e)
	}
	return out, wrap("list payment events", rows.Err())
}

// DeleteInboundEvents removes the records received before before and those
// beyond the newest keep.
func (c conn) DeleteInboundEvents(ctx context.Context, before time.Time, keep int) (int64, error) {
	tag, err := c.q.Exec(ctx, `
		DELETE FROM payment_events WHERE received_at < $1 OR (provider, id) IN (
			SELECT provider, id FROM payment_events ORDER BY received_at DESC, provider DESC, id DESC OFFSET $2)`,
		before, max(keep, 0))
	if err != nil {
		return 0, wrap("delete payment events", err)
	}
	return tag.RowsAffected(), nil
}

func scanInbound(row pgx.Row) (*commerce.InboundEvent, error) {
	var (
		e                  commerce.InboundEvent
		result, currency   string
		occurred, received pgtype.Timestamptz
	)
	if err := row.Scan(&e.Provider, &e.ID, &e.Type, &result, &e.PaymentRef, &e.ObjectRef, &e.OrderID, &e.Amount,
		&currency, &occurred, &received); err != nil {
		return nil, err
	}
	e.Result, e.Currency = commerce.EventResult(result), commerce.Currency(currency)
	e.OccurredAt, e.ReceivedAt = timeOf(occurred), timeOf(received)
	return &e, nil
}

// FindPaymentByRef returns provider's attempt whose ProviderRef is ref.
func (c conn) FindPaymentByRef(ctx context.Context, provider, ref string) (*commerce.Payment, error) {
	if ref == "" {
		return nil, fmt.Errorf("postgres: find payment: %w", commerce.ErrNotFound)
	}
	p, err := scanPayment(c.q.QueryRow(ctx, `SELECT `+paymentColumns+` FROM payments
		WHERE data->>'ProviderRef' = $1 AND data->>'Provider' = $2 ORDER BY attempt LIMIT 1`, ref, provider))
	if err != nil {
		return nil, wrap("find payment "+ref, err)
	}
	return p, nil
}

// GetDisputeByRef returns provider's dispute ref, or ErrNotFound.
func (c conn) GetDisputeByRef(ctx context.Context, provider, ref string) (*commerce.Dispute, error) {
	d, err := scanDispute(c.q.QueryRow(ctx, `SELECT data FROM disputes WHERE provider = $1 AND provider_ref = $2`, provider, ref))
	if err != nil {
		return nil, wrap("get dispute "+ref, err)
	}
	return d, nil
}

// PutDispute inserts or replaces d. Inside [DB.InTx] it is queued: its
// error may come from a later call or from InTx.
func (c conn) PutDispute(ctx context.Context, d *commerce.Dispute) error {
	data, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("postgres: put dispute: %w", err)
	}
	return c.writeLater(ctx, "put dispute "+d.ID, `
		INSERT INTO disputes (id, order_id, provider, provider_ref, status, evidence_due_by, opened_at, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (id) DO UPDATE SET order_id = excluded.order_id, provider = excluded.provider,
			provider_ref = excluded.provider_ref, status = excluded.status,
			evidence_due_by = excluded.evidence_due_by, opened_at = excluded.opened_at, data = excluded.data`,
		d.ID, d.OrderID, d.Provider, d.ProviderRef, string(d.Status), tsPtr(d.EvidenceDueBy), ts(d.OpenedAt), string(data))
}

// ListDisputes returns the disputes matching f, soonest evidence due date
// first (none last), then oldest first.
func (c conn) ListDisputes(ctx context.Context, f commerce.DisputeFilter) ([]*commerce.Dispute, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultEventLimit
	}
	where := ``
	if f.Open {
		where = `WHERE status IN ('needs_response', 'under_review')`
	}
	rows, err := c.q.Query(ctx, `SELECT data FROM disputes `+where+`
		ORDER BY evidence_due_by NULLS LAST, opened_at, id LIMIT $1`, limit)
	if err != nil {
		return nil, wrap("list disputes", err)
	}
	defer rows.Close()
	out := []*commerce.Dispute{}
	for rows.Next() {
		d, err := scanDispute(rows)
		if err != nil {
			return nil, wrap("list disputes", err)
		}
		out = append(out, d)
	}
	return out, wrap("list disputes", rows.Err())
}

func scanDispute(row pgx.Row) (*commerce.Dispute, error) {
	var data []byte
	if err := row.Scan(&data); err != nil {
		return nil, err
	}
	d := new(commerce.Dispute)
	if err := json.Unmarshal(data, d); err != nil {
		return nil, fmt.Errorf("decode dispute: %w", err)
	}
	return d, nil
}

// orderDisputesColumn reads an order's disputes with it, as a JSON array,
// in the same statement.
const orderDisputesColumn = `(SELECT coalesce(jsonb_agg(d.data), '[]'::jsonb) FROM disputes d WHERE d.order_id = orders.id)`

// decodeOrderDisputes sets o.Disputes from orderDisputesColumn, oldest
// first.
func decodeOrderDisputes(o *commerce.Order, data []byte) error {
	if len(data) == 0 || string(data) == "[]" {
		o.Disputes = nil
		return nil
	}
	if err := json.Unmarshal(data, &o.Disputes); err != nil {
		return fmt.Errorf("decode disputes of order %s: %w", o.ID, err)
	}
	slices.SortFunc(o.Disputes, func(x, y commerce.Dispute) int {
		return cmp.Or(x.OpenedAt.Compare(y.OpenedAt), cmp.Compare(x.ID, y.ID))
	})
	return nil
}
