package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	json "github.com/segmentio/encoding/json"

	"agentshop/internal/commerce"
)

const paymentColumns = `data, lease_until, created_at, updated_at`

var (
	qCreatePayment = writeQuery(`
		INSERT INTO payments (id, session_id, attempt, status, lease_until, created_at, updated_at, facilitator, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	qUpdatePayment = writeQuery(`
		UPDATE payments SET session_id = ?, attempt = ?, status = ?, lease_until = ?, created_at = ?, updated_at = ?, facilitator = ?, data = ?
		WHERE id = ?`)
	qGetPayment   = readQuery(`SELECT ` + paymentColumns + ` FROM payments WHERE id = ?`)
	qListPayments = readQuery(`
		SELECT ` + paymentColumns + ` FROM payments WHERE session_id = ? ORDER BY attempt`)
)

// CreatePayment inserts p. ErrConflict if p's session already has an active
// (pending or succeeded) attempt, the attempt number is taken or the id
// exists; ErrNotFound if the session does not exist.
func (c conn) CreatePayment(ctx context.Context, p *commerce.Payment) error {
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("sqlite: create payment: %w", err)
	}
	_, err = c.writer().exec(ctx, qCreatePayment,
		p.ID, p.SessionID, p.Attempt, string(p.Status), micros(p.LeaseUntil), micros(p.CreatedAt), micros(p.UpdatedAt), facilitator(p), string(data))
	return wrap("create payment", err)
}

// UpdatePayment replaces the stored payment with p.ID. ErrNotFound if it
// does not exist; ErrConflict if it would make a second active attempt.
func (c conn) UpdatePayment(ctx context.Context, p *commerce.Payment) error {
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("sqlite: update payment: %w", err)
	}
	res, err := c.writer().exec(ctx, qUpdatePayment,
		p.SessionID, p.Attempt, string(p.Status), micros(p.LeaseUntil), micros(p.CreatedAt), micros(p.UpdatedAt), facilitator(p), string(data), p.ID)
	if err != nil {
		return wrap("update payment", err)
	}
	return mustAffect("update payment", p.ID, res)
}

// GetPayment returns the payment with id, or ErrNotFound.
func (c conn) GetPayment(ctx context.Context, id string) (*commerce.Payment, error) {
	row := c.reader().queryRow(ctx, qGetPayment, id)
	p, err := scanPayment(row)
	if err != nil {
		return nil, wrap("get payment "+id, err)
	}
	return p, nil
}

// ListPayments returns a session's attempts in attempt order.
func (c conn) ListPayments(ctx context.Context, sessionID string) ([]*commerce.Payment, error) {
	rows, err := c.reader().query(ctx, qListPayments, sessionID)
	if err != nil {
		return nil, wrap("list payments", err)
	}
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

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanPayment(row scanner) (*commerce.Payment, error) {
	var (
		data                    []byte
		lease, created, updated sql.NullInt64
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
