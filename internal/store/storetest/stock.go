package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"agentshop/internal/commerce"
	"agentshop/internal/store"
)

func testStock(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("SeedKeepsExisting", func(t *testing.T) {
		ctx, s := setup(t, open)
		requireNoError(t, s.SeedStock(ctx, map[string]int64{"a": 5, "b": 3}), "seed")
		requireNoError(t, s.AdjustStock(ctx, "a", -2), "adjust")
		requireNoError(t, s.SeedStock(ctx, map[string]int64{"a": 100, "c": 7}), "reseed")
		got, err := s.StockLevels(ctx, []string{"a", "b", "c", "unknown"})
		requireNoError(t, err, "levels")
		requireDiff(t, map[string]int64{"a": 3, "b": 3, "c": 7}, got, "levels")
	})

	// Carts of any size: stores may look few items up one by one and many
	// at once.
	t.Run("LevelsOfMany", func(t *testing.T) {
		ctx, s := setup(t, open)
		seed := map[string]int64{}
		ids := []string{"nope"}
		for i := range 12 {
			id := fmt.Sprintf("item-%02d", i)
			seed[id] = int64(i)
			ids = append(ids, id)
		}
		requireNoError(t, s.SeedStock(ctx, seed), "seed")
		for _, n := range []int{1, 2, 4, 5, 13} {
			got, err := s.StockLevels(ctx, ids[:n])
			requireNoError(t, err, "levels")
			want := map[string]int64{}
			for _, id := range ids[1:n] {
				want[id] = seed[id]
			}
			requireDiff(t, want, got, fmt.Sprintf("levels of %d ids", n))
		}
	})

	t.Run("LevelsOfNothing", func(t *testing.T) {
		ctx, s := setup(t, open)
		got, err := s.StockLevels(ctx, nil)
		requireNoError(t, err, "levels")
		if len(got) != 0 {
			t.Fatalf("levels = %v, want empty", got)
		}
	})

	t.Run("Adjust", func(t *testing.T) {
		tests := []struct {
			name    string
			item    string
			delta   int64
			wantErr error
			want    int64 // stock of "a" afterwards, from 5
		}{
			{name: "Increment", item: "a", delta: 2, want: 7},
			{name: "DecrementToZero", item: "a", delta: -5, want: 0},
			{name: "BelowZero", item: "a", delta: -6, wantErr: commerce.ErrInsufficientStock, want: 5},
			{name: "Unknown", item: "nope", delta: -1, wantErr: commerce.ErrNotFound, want: 5},
			{name: "UnknownIncrement", item: "nope", delta: 1, wantErr: commerce.ErrNotFound, want: 5},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx, s := setup(t, open)
				requireNoError(t, s.SeedStock(ctx, map[string]int64{"a": 5}), "seed")
				err := s.AdjustStock(ctx, tt.item, tt.delta)
				if tt.wantErr == nil {
					requireNoError(t, err, "adjust")
				} else {
					requireIs(t, err, tt.wantErr, "adjust")
				}
				got, err := s.StockLevels(ctx, []string{"a", "nope"})
				requireNoError(t, err, "levels")
				requireDiff(t, map[string]int64{"a": tt.want}, got, "levels")
			})
		}
	})

	t.Run("ConcurrentGuard", func(t *testing.T) {
		ctx, s := setup(t, open)
		raceForStock(t, ctx, s, func() error { return s.AdjustStock(ctx, "a", -1) })
	})

	// Decrements in concurrent transactions, each with another write
	// before it, never take stock below zero either.
	t.Run("ConcurrentGuardInTx", func(t *testing.T) {
		ctx, s := setup(t, open)
		raceForStock(t, ctx, s, func() error {
			return s.InTx(ctx, func(tx commerce.Executor) error {
				if err := tx.CreateSession(ctx, newSession(baseTime)); err != nil {
					return err
				}
				return tx.AdjustStock(ctx, "a", -1)
			})
		})
	})
}

// raceForStock seeds 5 of item "a" and runs take, which takes one, 12 times
// at once: exactly 5 must succeed and 7 fail with ErrInsufficientStock,
// leaving none.
func raceForStock(t *testing.T, ctx context.Context, s commerce.Store, take func() error) {
	t.Helper()
	requireNoError(t, s.SeedStock(ctx, map[string]int64{"a": 5}), "seed")
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		ok, none int
	)
	for range 12 {
		wg.Go(func() {
			err := take()
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, commerce.ErrInsufficientStock):
				none++
			default:
				t.Errorf("take one: %v", err)
			}
		})
	}
	wg.Wait()
	if ok != 5 || none != 7 {
		t.Errorf("takes: %d succeeded, %d insufficient; want 5 and 7", ok, none)
	}
	got, err := s.StockLevels(ctx, []string{"a"})
	requireNoError(t, err, "levels")
	requireDiff(t, map[string]int64{"a": 0}, got, "levels")
}
