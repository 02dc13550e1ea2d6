package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	json "github.com/segmentio/encoding/json"

	"agentshop/internal/commerce"
)

const paymentColumns = `data, lease_until, created_at, updated_at`

// CreatePayment inserts p. ErrConflict if p's session already has an active
// (pending or succeeded) attempt, the attempt number is taken or the id
// exists; ErrNotFound if the session does not exist.
func (c conn) CreatePayment(ctx context.Context, p *commerce.Payment) error {
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("postgres: create payment: %w", err)
	}
	_, err = c.q.Exec(ctx, `
		INSERT INTO payments (id, session_id, attempt, status, lease_until, created_at, updated_at, facilitator, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		p.ID, p.SessionID, p.Attempt, string(p.Status), ts(p.LeaseUntil), ts(p.CreatedAt), ts(p.UpdatedAt), facilitator(p), string(data))
	return wrap("create payment", err)
}

// UpdatePayment replaces the stored payment with p.ID. ErrNotFound if it
// does not exist; ErrConflict if it would make a second active attempt.
// Inside [DB.InTx] it is queued: its error may come from a later call or
// from InTx.
func (c conn) UpdatePayment(ctx context.Context, p *commerce.Payment) error {
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("postgres: update payment: %w", err)
	}
	return c.writeLater(ctx, "update payment "+p.ID, `
		WITH w AS (
			UPDATE payments SET session_id = $1, attempt = $2, status = $3, lease_until = $4, created_at = $5, updated_at = $6, facilitator = $7, data = $8
			WHERE id = $9
			RETURNING 1
		)
		SELECT must_affect(count(*)) FROM w`,
		p.SessionID, p.Attempt, string(p.Status), ts(p.LeaseUntil), ts(p.CreatedAt), ts(p.UpdatedAt), facilitator(p), string(data), p.ID)
}

// GetPayment returns the payment with id, or ErrNotFound.
func (c conn) GetPayment(ctx context.Context, id string) (*commerce.Payment, error) {
	p, err := scanPayment(c.q.QueryRow(ctx, `SELECT `+paymentColumns+` FROM payments WHERE id = $1`, id))
	if err != nil {
		return nil, wrap("get payment "+id, err)
	}
	return p, nil
}

// ListPayments returns a session's attempts in attempt order.
func (c conn) ListPayments(ctx context.Context, sessionID string) ([]*commerce.Payment, error) {
	rows, err := c.q.Query(ctx, listPaymentsSQL, sessionID)
	if err != nil {
		return nil, wrap("list payments", err)
	}
	return scanPayments(rows)
}

const listPaymentsSQL = `SELECT ` + paymentColumns + ` FROM payments WHERE session_id = $1 ORDER BY attempt`

// scanPayments reads and closes rows of paymentColumns.
func scanPayments(rows pgx.Rows) ([]*commerce.Payment, error) {
	defer rows.Close()
	out := []*commerce.Payment{}
	for rows.Next() {
		p, err := scanPayment(rows)
		if err != nil {
			return nil, wrap("list payments", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list payments", err)
	}
	return out, nil
}

// facilitator is the facilitator column of p: its facilitator's name, ""
// for none.
func facilitator(p *commerce.Payment) string {
	if p.Facilitator == nil {
		return ""
	}
	return p.Facilitator.Name
}

func scanPayment(row pgx.Row) (*commerce.Payment, error) {
	var (
		data                    []byte
		lease, created, updated pgtype.Timestamptz
	)
	if err := row.Scan(&data, &lease, &created, &updated); err != nil {
		return nil, err
	}
	p := new(commerce.Payment)
	if err := json.Unmarshal(data, p); err != nil {
		return nil, fmt.Errorf("decode payment: %w", err)
	}
	p.LeaseUntil, p.CreatedAt, p.UpdatedAt = timeOf(lease), timeOf(created), timeOf(updated)
	return p, nil
}
