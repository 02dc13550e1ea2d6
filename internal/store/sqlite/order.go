package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	json "github.com/segmentio/encoding/json"

	"agentshop/internal/commerce"
)

const orderColumns = `data, created_at, updated_at, mode, ` + orderDisputesColumn

var (
	qCreateOrder = writeQuery(`
		INSERT INTO orders (id, session_id, created_at, updated_at, data, mode)
		VALUES (?, ?, ?, ?, ?, ?)`)
	qGetOrder    = readQuery(`SELECT ` + orderColumns + ` FROM orders WHERE id = ?`)
	qUpdateOrder = writeQuery(`
		UPDATE orders SET session_id = ?, created_at = ?, updated_at = ?, data = ?, mode = ?
		WHERE id = ?`)
	qListOrders = readQuery(`
		SELECT ` + orderColumns + ` FROM orders ORDER BY created_at DESC, id DESC LIMIT ?`)
)

// CreateOrder inserts o. ErrConflict if the id exists or the session
// already has an order; ErrNotFound if the session does not exist.
func (c conn) CreateOrder(ctx context.Context, o *commerce.Order) error {
	data, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("sqlite: create order: %w", err)
	}
	_, err = c.writer().exec(ctx, qCreateOrder,
		o.ID, o.SessionID, micros(o.CreatedAt), micros(o.UpdatedAt), string(data), string(o.Mode))
	return wrap("create order", err)
}

// GetOrder returns the order with id, or ErrNotFound.
func (c conn) GetOrder(ctx context.Context, id string) (*commerce.Order, error) {
	return c.getOrder(ctx, c.reader(), id)
}

// LockOrder is GetOrder. Inside [DB.InTx], fn runs alone on the database's
// only write connection (the writer runs one fn at a time, each in its own
// savepoint), so no other transaction can change the order until fn's
// ends; outside a transaction there is nothing to lock.
func (c conn) LockOrder(ctx context.Context, id string) (*commerce.Order, error) {
	return c.getOrder(ctx, c.reader(), id)
}

func (c conn) getOrder(ctx context.Context, q runner, id string) (*commerce.Order, error) {
	row := q.queryRow(ctx, qGetOrder, id)
	o, err := scanOrder(row)
	if err != nil {
		return nil, wrap("get order "+id, err)
	}
	return o, nil
}

// UpdateOrder replaces the stored order with o.ID, every column and its
// data. ErrNotFound if it does not exist; ErrConflict if o.SessionID
// changed to a session that has another order.
func (c conn) UpdateOrder(ctx context.Context, o *commerce.Order) error {
	data, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("sqlite: update order: %w", err)
	}
	res, err := c.writer().exec(ctx, qUpdateOrder,
		o.SessionID, micros(o.CreatedAt), micros(o.UpdatedAt), string(data), string(o.Mode), o.ID)
	if err != nil {
		return wrap("update order", err)
	}
	return mustAffect("update order", o.ID, res)
}

// ListOrders returns orders newest first (ties by id, descending), at most
// limit; none when limit is not positive.
func (c conn) ListOrders(ctx context.Context, limit int) ([]*commerce.Order, error) {
	out := []*commerce.Order{}
	if limit <= 0 {
		return out, nil
	}
	rows, err := c.reader().query(ctx, qListOrders, limit)
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

func scanOrder(row scanner) (*commerce.Order, error) {
	var (
		data, disputes   []byte
		created, updated sql.NullInt64
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

// qFindOrders is FindOrders' query without a cursor ([0]) and with one
// ([1]): the cursor's row value bounds the scan of orders_created_at,
// which the optional filters (?1 = ” or NULL: off) cannot.
var qFindOrders = [2]*query{
	readQuery(findOrdersSQL(``)),
	readQuery(findOrdersSQL(`AND (created_at, id) < (SELECT created_at, id FROM orders WHERE id = ?4)`)),
}

func findOrdersSQL(cursor string) string {
	return `SELECT ` + orderColumns + ` FROM orders
		WHERE (?1 = '' OR json_extract(data, '$.Status') = ?1) AND (?6 = '' OR mode = ?6)
			AND (?2 IS NULL OR created_at >= ?2) AND (?3 IS NULL OR created_at < ?3) ` + cursor + `
		ORDER BY created_at DESC, id DESC LIMIT ?5`
}

// FindOrders returns the orders matching f, newest first (ties by id,
// descending), at most f.Limit (100 when not positive).
func (c conn) FindOrders(ctx context.Context, f commerce.OrderFilter) ([]*commerce.Order, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultOrderLimit
	}
	q := qFindOrders[0]
	if f.StartingAfter != "" {
		q = qFindOrders[1]
	}
	rows, err := c.reader().query(ctx, q, string(f.Status), micros(f.CreatedFrom), micros(f.CreatedTo), f.StartingAfter, limit, string(f.Mode))
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
