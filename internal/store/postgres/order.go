package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	json "github.com/segmentio/encoding/json"

	"agentshop/internal/commerce"
)

const orderColumns = `data, created_at, updated_at, mode, ` + orderDisputesColumn

// CreateOrder inserts o. ErrConflict if the id exists or the session
// already has an order; ErrNotFound if the session does not exist.
func (c conn) CreateOrder(ctx context.Context, o *commerce.Order) error {
	data, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("postgres: create order: %w", err)
	}
	return c.writeLater(ctx, "create order "+o.ID, `
		INSERT INTO orders (id, session_id, created_at, updated_at, data, mode)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		o.ID, o.SessionID, ts(o.CreatedAt), ts(o.UpdatedAt), string(data), string(o.Mode))
}

// GetOrder returns the order with id, or ErrNotFound.
func (c conn) GetOrder(ctx context.Context, id string) (*commerce.Order, error) {
	o, err := scanOrder(c.q.QueryRow(ctx, `SELECT `+orderColumns+` FROM orders WHERE id = $1`, id))
	if err != nil {
		return nil, wrap("get order "+id, err)
	}
	return o, nil
}

// LockOrder is GetOrder with SELECT … FOR UPDATE: inside [DB.InTx] the
// row stays locked until the transaction ends.
func (c conn) LockOrder(ctx context.Context, id string) (*commerce.Order, error) {
	o, err := scanOrder(c.q.QueryRow(ctx, lockOrderSQL, id))
	if err != nil {
		return nil, wrap("lock order "+id, err)
	}
	return o, nil
}

const lockOrderSQL = `SELECT ` + orderColumns + ` FROM orders WHERE id = $1 FOR UPDATE`

// UpdateOrder replaces the stored order with o.ID, every column and its
// data. ErrNotFound if it does not exist; ErrConflict if o.SessionID
// changed to a session that has another order. Inside [DB.InTx] it is
// queued: its error may come from a later call or from InTx.
func (c conn) UpdateOrder(ctx context.Context, o *commerce.Order) error {
	data, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("postgres: update order: %w", err)
	}
	return c.writeLater(ctx, "update order "+o.ID, `
		WITH w AS (
			UPDATE orders SET session_id = $1, created_at = $2, updated_at = $3, data = $4, mode = $6
			WHERE id = $5
			RETURNING 1
		)
		SELECT must_affect(count(*)) FROM w`,
		o.SessionID, ts(o.CreatedAt), ts(o.UpdatedAt), string(data), o.ID, string(o.Mode))
}

// ListOrders returns orders newest first (ties by id, descending), at most
// limit; none when limit is not positive.
func (c conn) ListOrders(ctx context.Context, limit int) ([]*commerce.Order, error) {
	out := []*commerce.Order{}
	if limit <= 0 {
		return out, nil
	}
	rows, err := c.q.Query(ctx, `
		SELECT `+orderColumns+` FROM orders ORDER BY created_at DESC NULLS LAST, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, wrap("list orders", err)
	}
	defer rows.Close()
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, wrap("list orders", err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list orders", err)
	}
	return out, nil
}

func scanOrder(row pgx.Row) (*commerce.Order, error) {
	var (
		data, disputes   []byte
		created, updated pgtype.Timestamptz
		mode             string
	)
	if err := row.Scan(&data, &created, &updated, &mode, &disputes); err != nil {
		return nil, err
	}
	o := new(commerce.Order)
	if err := json.Unmarshal(data, o); err != nil {
		return nil, fmt.Errorf("decode order: %w", err)
	}
	o.CreatedAt, o.UpdatedAt = timeOf(created), timeOf(updated)
	if o.Mode == "" {
		o.Mode = commerce.Mode(mode) // set by migration 0008 for older orders
	}
	if err := decodeOrderDisputes(o, disputes); err != nil {
		return nil, err
	}
	return o, nil
}

// defaultOrderLimit is how many orders FindOrders returns when the
// filter's Limit is not positive.
const defaultOrderLimit = 100

// FindOrders returns the orders matching f, newest first (ties by id,
// descending), at most f.Limit (100 when not positive). The cursor's row
// value bounds the scan of orders_created_at.
func (c conn) FindOrders(ctx context.Context, f commerce.OrderFilter) ([]*commerce.Order, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultOrderLimit
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Status != "" {
		where = append(where, "data->>'Status' = "+arg(string(f.Status)))
	}
	if f.Mode != "" {
		where = append(where, "mode = "+arg(string(f.Mode)))
	}
	if !f.CreatedFrom.IsZero() {
		where = append(where, "created_at >= "+arg(f.CreatedFrom))
	}
	if !f.CreatedTo.IsZero() {
		where = append(where, "created_at < "+arg(f.CreatedTo))
	}
	if f.StartingAfter != "" {
		where = append(where, "(created_at, id) < (SELECT created_at, id FROM orders WHERE id = "+arg(f.StartingAfter)+")")
	}
	sql := `SELECT ` + orderColumns + ` FROM orders`
	if len(where) > 0 {
		sql += ` WHERE ` + strings.Join(where, " AND ")
	}
	sql += ` ORDER BY created_at DESC NULLS LAST, id DESC LIMIT ` + arg(limit)
	rows, err := c.q.Query(ctx, sql, args...)
	if err != nil {
		return nil, wrap("find orders", err)
	}
	defer rows.Close()
	out := []*commerce.Order{}
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, wrap("find orders", err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("find orders", err)
	}
	return out, nil
}
