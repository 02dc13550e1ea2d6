package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	json "github.com/segmentio/encoding/json"

	"agentshop/internal/commerce"
)

const sessionColumns = `data, created_at, updated_at, expires_at`

var (
	qCreateSession = writeQuery(`
		INSERT INTO sessions (id, status, api_key_id, created_at, updated_at, expires_at, data)
		VALUES (?, ?, ?, ?, ?, ?, ?)`)
	qGetSession    = readQuery(`SELECT ` + sessionColumns + ` FROM sessions WHERE id = ?`)
	qUpdateSession = writeQuery(`
		UPDATE sessions SET status = ?, api_key_id = ?, created_at = ?, updated_at = ?, expires_at = ?, data = ?
		WHERE id = ?`)
)

// CreateSession inserts s. ErrConflict if the id exists.
func (c conn) CreateSession(ctx context.Context, s *commerce.Session) error {
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("sqlite: create session: %w", err)
	}
	_, err = c.writer().exec(ctx, qCreateSession,
		s.ID, string(s.Status), s.APIKeyID, micros(s.CreatedAt), micros(s.UpdatedAt), micros(s.ExpiresAt), string(data))
	return wrap("create session", err)
}

// GetSession returns the session with id, or ErrNotFound.
func (c conn) GetSession(ctx context.Context, id string) (*commerce.Session, error) {
	return c.getSession(ctx, c.reader(), id)
}

// LockSession is GetSession. Inside [DB.InTx], fn runs alone on the
// database's only write connection (the writer runs one fn at a time, each
// in its own savepoint), so no other transaction can change the session
// until fn's ends; outside a transaction there is nothing to lock.
func (c conn) LockSession(ctx context.Context, id string) (*commerce.Session, error) {
	return c.getSession(ctx, c.reader(), id)
}

// LockSessionPayments is LockSession, then ListPayments.
func (c conn) LockSessionPayments(ctx context.Context, id string) (*commerce.Session, []*commerce.Payment, error) {
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

func (c conn) getSession(ctx context.Context, q runner, id string) (*commerce.Session, error) {
	row := q.queryRow(ctx, qGetSession, id)
	s, err := scanSession(row)
	if err != nil {
		return nil, wrap("get session "+id, err)
	}
	return s, nil
}

// UpdateSession replaces the stored session with s.ID. ErrNotFound if it
// does not exist.
func (c conn) UpdateSession(ctx context.Context, s *commerce.Session) error {
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("sqlite: update session: %w", err)
	}
	res, err := c.writer().exec(ctx, qUpdateSession,
		string(s.Status), s.APIKeyID, micros(s.CreatedAt), micros(s.UpdatedAt), micros(s.ExpiresAt), string(data), s.ID)
	if err != nil {
		return wrap("update session", err)
	}
	return mustAffect("update session", s.ID, res)
}

func scanSession(row scanner) (*commerce.Session, error) {
	var (
		data                []byte
		created, updated, x sql.NullInt64
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
