package app

import (
	"context"
	"errors"
	"fmt"

	"agentshop/internal/bench"
	"agentshop/internal/commerce"
)

// StoreLedger is [bench.Ledger] on agentshop's own store.
type StoreLedger struct{ Store commerce.Store }

var _ bench.Ledger = StoreLedger{}

// Stock returns the live stock of itemID.
func (l StoreLedger) Stock(ctx context.Context, itemID string) (int64, error) {
	m, err := l.Store.StockLevels(ctx, []string{itemID})
	if err != nil {
		return 0, err
	}
	n, ok := m[itemID]
	if !ok {
		return 0, fmt.Errorf("no stock row for %s", itemID)
	}
	return n, nil
}

// Session returns the session id, its payments and its order as stored.
func (l StoreLedger) Session(ctx context.Context, id string) (bench.LedgerSession, error) {
	var ls bench.LedgerSession
	s, err := l.Store.GetSession(ctx, id)
	if err != nil {
		return ls, err
	}
	ls.Status, ls.OrderID = string(s.Status), s.OrderID
	ps, err := l.Store.ListPayments(ctx, id)
	if err != nil {
		return ls, err
	}
	for _, p := range ps {
		switch p.Status {
		case commerce.PaymentSucceeded:
			ls.Succeeded = append(ls.Succeeded, p.ID)
			ls.SucceededAmount += p.Amount
		case commerce.PaymentPending:
			ls.Pending++
		}
	}
	if s.OrderID != "" {
		o, err := l.Store.GetOrder(ctx, s.OrderID)
		switch {
		case errors.Is(err, commerce.ErrNotFound):
		case err != nil:
			return ls, err
		default:
			ls.OrderExists, ls.OrderPaymentID = true, o.PaymentID
		}
	}
	return ls, nil
}
