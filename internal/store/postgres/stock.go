package postgres

import (
	"context"
	"fmt"

	"agentshop/internal/commerce"
)

// SeedStock sets the stock of each item not yet known to the store and
// leaves existing counts untouched.
func (c conn) SeedStock(ctx context.Context, stock map[string]int64) error {
	if len(stock) == 0 {
		return nil
	}
	ids := make([]string, 0, len(stock))
	qty := make([]int64, 0, len(stock))
	for id, n := range stock {
		ids = append(ids, id)
		qty = append(qty, n)
	}
	_, err := c.q.Exec(ctx, `
		INSERT INTO stock (item_id, quantity)
		SELECT * FROM unnest($1::text[], $2::bigint[])
		ON CONFLICT (item_id) DO NOTHING`, ids, qty)
	return wrap("seed stock", err)
}

// StockLevels returns the stock of the given items; unknown items are
// absent from the map.
func (c conn) StockLevels(ctx context.Context, itemIDs []string) (map[string]int64, error) {
	out := make(map[string]int64, len(itemIDs))
	if len(itemIDs) == 0 {
		return out, nil
	}
	rows, err := c.q.Query(ctx, `SELECT item_id, quantity FROM stock WHERE item_id = ANY($1)`, itemIDs)
	if err != nil {
		return nil, wrap("stock levels", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id string
			n  int64
		)
		if err := rows.Scan(&id, &n); err != nil {
			return nil, wrap("stock levels", err)
		}
		out[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("stock levels", err)
	}
	return out, nil
}

// AdjustStock adds delta to an item's stock. ErrInsufficientStock if the
// result would be negative; ErrNotFound if the item has no stock row.
func (c conn) AdjustStock(ctx context.Context, itemID string, delta int64) error {
	op := fmt.Sprintf("adjust stock of %s by %d", itemID, delta)
	// A concurrent decrement makes this wait, then re-check the guard
	// against the row it committed (READ COMMITTED update semantics).
	tag, err := c.q.Exec(ctx, `
		UPDATE stock SET quantity = quantity + $1
		WHERE item_id = $2 AND quantity + $1 >= 0`, delta, itemID)
	if err != nil {
		return wrap(op, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	// The guard failed or the row is missing; stock rows are never
	// deleted, so telling which needs no lock.
	var one int
	if err := c.q.QueryRow(ctx, `SELECT 1 FROM stock WHERE item_id = $1`, itemID).Scan(&one); err != nil {
		return wrap(op, err)
	}
	return fmt.Errorf("postgres: %s: %w", op, commerce.ErrInsufficientStock)
}
