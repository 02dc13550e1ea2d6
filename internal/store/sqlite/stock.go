package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"

	json "github.com/segmentio/encoding/json"

	"agentshop/internal/commerce"
)

var (
	qSeedStock   = writeQuery(`INSERT INTO stock (item_id, quantity) VALUES (?, ?) ON CONFLICT (item_id) DO NOTHING`)
	qStockLevels = readQuery(`
		SELECT item_id, quantity FROM stock
		WHERE item_id IN (SELECT value FROM json_each(?))`)
	qStockLevel  = readQuery(`SELECT quantity FROM stock WHERE item_id = ?`)
	qAdjustStock = writeQuery(`
			UPDATE stock SET quantity = quantity + ?1
			WHERE item_id = ?2 AND quantity + ?1 >= 0`)
	qStockExists = writeQuery(`SELECT 1 FROM stock WHERE item_id = ?`)
)

// SeedStock sets the stock of each item not yet known to the store and
// leaves existing counts untouched.
func (c conn) SeedStock(ctx context.Context, stock map[string]int64) error {
	ids := make([]string, 0, len(stock))
	for id := range stock {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return c.atomic(ctx, func(q runner) error {
		for _, id := range ids {
			_, err := q.exec(ctx, qSeedStock, id, stock[id])
			if err != nil {
				return wrap("seed stock of "+id, err)
			}
		}
		return nil
	})
}

// StockLevels returns the stock of the given items; unknown items are
// absent from the map.
func (c conn) StockLevels(ctx context.Context, itemIDs []string) (map[string]int64, error) {
	out := make(map[string]int64, len(itemIDs))
	if len(itemIDs) == 0 {
		return out, nil
	}
	if len(itemIDs) <= 4 {
		// A few primary-key lookups cost less than decoding a JSON list
		// into a virtual table (most carts hold one to three items).
		q := c.reader()
		for _, id := range itemIDs {
			var n int64
			err := q.queryRow(ctx, qStockLevel, id).Scan(&n)
			switch {
			case err == nil:
				out[id] = n
			case !errors.Is(err, sql.ErrNoRows):
				return nil, wrap("stock levels", err)
			}
		}
		return out, nil
	}
	ids, err := json.Marshal(itemIDs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: stock levels: %w", err)
	}
	rows, err := c.reader().query(ctx, qStockLevels, string(ids))
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
	// Inside InTx this runs holding the write connection: name the
	// operation only when it fails.
	op := func() string { return fmt.Sprintf("adjust stock of %s by %d", itemID, delta) }
	return c.atomic(ctx, func(q runner) error {
		res, err := q.exec(ctx, qAdjustStock, delta, itemID)
		if err != nil {
			return wrap(op(), err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return wrap(op(), err)
		} else if n == 1 {
			return nil
		}
		// The guard failed or the row is missing; tell which.
		var one int
		if err := q.queryRow(ctx, qStockExists, itemID).Scan(&one); err != nil {
			return wrap(op(), err)
		}
		return fmt.Errorf("sqlite: %s: %w", op(), commerce.ErrInsufficientStock)
	})
}
