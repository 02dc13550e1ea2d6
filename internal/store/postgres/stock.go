package postgres

import (
	"context"
	"fmt"
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
//
// Inside a transaction it is queued (see [conn.writeLater]): both errors
// are raised on the server, by the table's CHECK (quantity >= 0) and by
// must_affect, so they come back from a later call or from InTx. That
// keeps a popular item's row locked only from the batch that carries the
// UPDATE to the end of the transaction, the COMMIT's WAL flush and not
// several round trips (the caller queues it last; see
// [commerce.Service.Complete]). A concurrent decrement makes the UPDATE
// wait, then apply to the row it committed (READ COMMITTED), so the CHECK
// sees the real result.
func (c conn) AdjustStock(ctx context.Context, itemID string, delta int64) error {
	return c.writeLater(ctx, fmt.Sprintf("adjust stock of %s by %d", itemID, delta), `
		WITH w AS (
			UPDATE stock SET quantity = quantity + $1 WHERE item_id = $2
			RETURNING 1
		)
		SELECT must_affect(count(*)) FROM w`, delta, itemID)
}
