package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	json "github.com/segmentio/encoding/json"

	"agentshop/internal/commerce"
)

const sessionColumns = `data, created_at, updated_at, expires_at`

// CreateSession inserts s. ErrConflict if the id exists.
func (c conn) CreateSession(ctx context.Context, s *commerce.Session) error {
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("postgres: create session: %w", err)
	}
	return c.writeLater(ctx, "create session "+s.ID, `
		INSERT INTO sessions (id, status, api_key_id, created_at, updated_at, expires_at, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		s.ID, string(s.Status), s.APIKeyID, ts(s.CreatedAt), ts(s.UpdatedAt), ts(s.ExpiresAt), string(data))
}

// GetSession returns the session with id, or ErrNotFound.
func (c conn) GetSession(ctx context.Context, id string) (*commerce.Session, error) {
	s, err := scanSession(c.q.QueryRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = $1`, id))
	if err != nil {
		return nil, wrap("get session "+id, err)
	}
	return s, nil
}

// LockSession is GetSession with SELECT … FOR UPDATE: inside [DB.InTx]
// the row stays locked until the transaction ends.
func (c conn) LockSession(ctx context.Context, id string) (*commerce.Session, error) {
	s, err := scanSession(c.q.QueryRow(ctx, lockSessionSQL, id))
	if err != nil {
		return nil, wrap("lock session "+id, err)
	}
	return s, nil
}

const lockSessionSQL = `SELECT ` + sessionColumns + ` FROM sessions WHERE id = $1 FOR UPDATE`

// LockSessionPayments is LockSession, then ListPayments. Inside [DB.InTx]
// both go out in one batch. Under READ COMMITTED each statement reads a
// snapshot taken when it starts, and the list's starts once the lock is
// held: it sees every attempt committed by the transaction that held the
// lock before, just as a separate ListPayments would.
func (c conn) LockSessionPayments(ctx context.Context, id string) (*commerce.Session, []*commerce.Payment, error) {
	t, ok := c.q.(*txConn)
	if !ok {
		s, err := c.LockSession(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		ps, err := c.ListPayments(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		return s, ps, nil
	}
	if t.err != nil {
		return nil, nil, t.err
	}
	br, err := t.send(ctx, lockSessionSQL, []any{id}, stmt{op: "list payments", sql: listPaymentsSQL, args: []any{id}})
	if err != nil {
		return nil, nil, err
	}
	defer br.Close()
	s, err := scanSession(br.QueryRow())
	if err != nil {
		return nil, nil, wrap("lock session "+id, err)
	}
	rows, err := br.Query()
	if err != nil {
		return nil, nil, wrap("list payments", err)
	}
	ps, err := scanPayments(rows)
	if err != nil {
		return nil, nil, err
	}
	if err := br.Close(); err != nil {
		return nil, nil, wrap("lock session "+id, err)
	}
	return s, ps, nil
}

// UpdateSession replaces the stored session with s.ID. ErrNotFound if it
// does not exist. Inside [DB.InTx] it is queued: its error may come from a
// later call or from InTx.
func (c conn) UpdateSession(ctx context.Context, s *commerce.Session) error {
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("postgres: update session: %w", err)
	}
	return c.writeLater(ctx, "update session "+s.ID, `
		WITH w AS (
			UPDATE sessions SET status = $1, api_key_id = $2, created_at = $3, updated_at = $4, expires_at = $5, data = $6
			WHERE id = $7
			RETURNING 1
		)
		SELECT must_affect(count(*)) FROM w`,
		string(s.Status), s.APIKeyID, ts(s.CreatedAt), ts(s.UpdatedAt), ts(s.ExpiresAt), string(data), s.ID)
}

func scanSession(row pgx.Row) (*commerce.Session, error) {
	var (
		data                []byte
		created, updated, x pgtype.Timestamptz
	)
	if err := row.Scan(&data, &created, &updated, &x); err != nil {
		return nil, err
	}
	s := new(commerce.Session)
	if err := json.Unmarshal(data, s); err != nil {
		return nil, fmt.Errorf("decode session: %w", err)
	}
	s.CreatedAt, s.UpdatedAt, s.ExpiresAt = timeOf(created), timeOf(updated), timeOf(x)
	return s, nil
}
