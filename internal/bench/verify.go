package bench

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Ledger is read access to the merchant's own books, for checks the API
// cannot answer: how many charges a session has, and stock. cmd/agentshop
// implements it on agentshop's store when the bench runs next to the
// server; against another merchant there is none.
type Ledger interface {
	// Stock returns the item's stock level.
	Stock(ctx context.Context, itemID string) (int64, error)
	// Session returns what the merchant recorded for a checkout session.
	Session(ctx context.Context, id string) (LedgerSession, error)
}

// LedgerSession is what the merchant recorded for one checkout session.
type LedgerSession struct {
	Status  string
	OrderID string
	// OrderExists and OrderPaymentID describe the order OrderID names.
	OrderExists    bool
	OrderPaymentID string
	// Succeeded are the ids of the session's succeeded payments, and
	// SucceededAmount their sum; Pending counts attempts still pending.
	Succeeded       []string
	SucceededAmount int64
	Pending         int
}

// Verification is what [Verify] found.
type Verification struct {
	// Checked is how many successful flows were re-read over HTTP (all of
	// them unless more than VerifyMax).
	Checked        int
	Successful     int
	DistinctOrders int
	// Ledger is nil when the run had no Ledger.
	Ledger *LedgerCheck
	// Problems describes each failed check (at most 20; ProblemCount has
	// the total).
	Problems     []string
	ProblemCount int
}

// LedgerCheck is the part of [Verification] read from the merchant's books.
type LedgerCheck struct {
	Sessions      int // sessions the bench created
	Charged       int // sessions with a succeeded payment
	DoubleCharged int // sessions with more than one
	Pending       int // sessions with a payment still pending
	// Unseen counts sessions charged although the agent's flow failed
	// (for example a timeout on complete): not a double charge, but an
	// order the agent does not know about.
	Unseen int
	// StockBefore and StockAfter are the item's stock around the run;
	// StockExpected is StockBefore minus the quantity of every charged or
	// pending session (a pending attempt holds its reservation).
	StockBefore, StockAfter, StockExpected int64
}

// OK reports whether every check passed.
func (v *Verification) OK() bool { return v.ProblemCount == 0 }

func (v *Verification) problem(format string, args ...any) {
	v.ProblemCount++
	if len(v.Problems) < 20 {
		v.Problems = append(v.Problems, fmt.Sprintf(format, args...))
	}
}

// Verify checks a full-scenario run against the merchant:
//
//   - every successful flow's session reads back completed, with the same
//     order id, and its order page /orders/{id} is served;
//   - the order ids are distinct: orders = successful flows;
//   - with a Ledger: no session has two succeeded payments, each successful
//     flow has exactly one for its total and an order pointing at it, and
//     the stock fell by exactly the quantity of the charged sessions.
//
// It assumes nothing else bought the item during the run.
func Verify(ctx context.Context, r *Report) (*Verification, error) {
	cfg := r.Config
	v := &Verification{}
	if cfg.Scenario != ScenarioFull {
		return v, nil
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, verifyTimeout)
		defer cancel()
	}
	var ok []Flow
	seen := map[string]bool{}
	for _, f := range r.Sessions {
		if !f.OK {
			continue
		}
		ok = append(ok, f)
		if seen[f.OrderID] {
			v.problem("order %s returned for two sessions", f.OrderID)
		}
		seen[f.OrderID] = true
	}
	v.Successful, v.DistinctOrders = len(ok), len(seen)
	if err := v.reread(ctx, r, sample(ok, cfg.VerifyMax)); err != nil {
		return v, err
	}
	if cfg.Ledger != nil {
		if err := v.ledger(ctx, r); err != nil {
			return v, err
		}
	}
	return v, nil
}

// sample returns at most n flows, evenly spaced.
func sample(flows []Flow, n int) []Flow {
	if len(flows) <= n {
		return flows
	}
	out := make([]Flow, n)
	for i := range out {
		out[i] = flows[i*len(flows)/n]
	}
	return out
}

// reread GETs each flow's session and order page, a few at a time.
func (v *Verification) reread(ctx context.Context, r *Report, flows []Flow) error {
	w := &worker{agents: &agents{cfg: r.Config}, rec: newRecorder()}
	w.c = newClient(r.Config)
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		next = make(chan Flow)
	)
	report := func(format string, args ...any) {
		mu.Lock()
		v.problem(format, args...)
		mu.Unlock()
	}
	for range min(r.Config.Concurrency, 8) {
		wg.Go(func() {
			for f := range next {
				s, _, err := w.c.GetSession(ctx, f.SessionID)
				switch {
				case err != nil:
					report("session %s: get: %v", f.SessionID, err)
					continue
				case s.Status != "completed":
					report("session %s: status %s after a successful complete", f.SessionID, s.Status)
				case s.Order == nil || s.Order.ID != f.OrderID:
					report("session %s: order changed from %s to %v", f.SessionID, f.OrderID, s.Order)
				}
				if _, err := w.c.Do(ctx, "GET", "/orders/"+f.OrderID, nil); err != nil {
					report("order page /orders/%s: %v", f.OrderID, err)
				}
			}
		})
	}
	for _, f := range flows {
		select {
		case next <- f:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
	v.Checked = len(flows)
	return ctx.Err()
}

// ledger checks charges and stock in the merchant's books.
func (v *Verification) ledger(ctx context.Context, r *Report) error {
	cfg := r.Config
	lc := &LedgerCheck{StockBefore: r.StockBefore}
	v.Ledger = lc
	held := int64(0)
	for _, f := range r.Sessions {
		if f.SessionID == "" {
			continue // create failed: nothing to check
		}
		lc.Sessions++
		ls, err := cfg.Ledger.Session(ctx, f.SessionID)
		if err != nil {
			return fmt.Errorf("bench: ledger: session %s: %w", f.SessionID, err)
		}
		if len(ls.Succeeded) > 0 {
			lc.Charged++
			held++
		}
		if ls.Pending > 0 {
			lc.Pending++
			if len(ls.Succeeded) == 0 {
				held++
			}
		}
		if len(ls.Succeeded) > 1 {
			lc.DoubleCharged++
			v.problem("session %s charged %d times: %v", f.SessionID, len(ls.Succeeded), ls.Succeeded)
		}
		switch {
		case f.OK && len(ls.Succeeded) == 0:
			v.problem("session %s: completed with order %s but no succeeded payment", f.SessionID, f.OrderID)
		case f.OK && (ls.OrderID != f.OrderID || !ls.OrderExists):
			v.problem("session %s: stored order %q (exists %v), agent saw %s", f.SessionID, ls.OrderID, ls.OrderExists, f.OrderID)
		case f.OK && ls.OrderPaymentID != ls.Succeeded[0]:
			v.problem("session %s: order %s points at payment %s, not the succeeded %s", f.SessionID, ls.OrderID, ls.OrderPaymentID, ls.Succeeded[0])
		case f.OK && ls.SucceededAmount != f.Total:
			v.problem("session %s: charged %d, agent authorized %d", f.SessionID, ls.SucceededAmount, f.Total)
		case !f.OK && len(ls.Succeeded) > 0:
			lc.Unseen++
		}
	}
	after, err := cfg.Ledger.Stock(ctx, cfg.Item)
	if err != nil {
		return fmt.Errorf("bench: ledger: stock of %s: %w", cfg.Item, err)
	}
	lc.StockAfter = after
	lc.StockExpected = lc.StockBefore - held*int64(cfg.Quantity)
	if lc.StockAfter != lc.StockExpected {
		v.problem("stock of %s is %d; expected %d (%d before, %d sessions charged or pending × %d)",
			cfg.Item, after, lc.StockExpected, lc.StockBefore, held, cfg.Quantity)
	}
	if ok := r.OK; lc.Charged-lc.Unseen != ok {
		v.problem("%d sessions charged, %d of them unseen by the agent, but %d flows succeeded", lc.Charged, lc.Unseen, ok)
	}
	return nil
}

// verifyTimeout bounds [Verify] when the caller gives no deadline.
const verifyTimeout = 2 * time.Minute
