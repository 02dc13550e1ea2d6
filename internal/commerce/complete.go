package commerce

import (
	"context"
	"errors"
	"fmt"
	"time"

	"agentshop/internal/fault"
)

// Complete charges the session's total with in.Token and, on success,
// creates the order. It is safe against retries, concurrency and crashes:
//
//  1. In one transaction it locks the session, checks that it is payable,
//     claims a payment attempt (a pending row that a unique index allows
//     once per session) and reserves stock, last so that the stock rows
//     are locked as briefly as possible. A concurrent complete finds the
//     attempt and gets EINPROGRESS; nothing else can be charged.
//  2. Outside any transaction it calls the provider with an idempotency
//     key derived from the session and attempt number.
//  3. In a second transaction it records the outcome: the order, the
//     session's completion and the payment (success); or a payment_declined
//     or requires_3ds message and the stock released (failure). A
//     [StoreCharger] (the sandbox) records its side of the charge in this
//     same transaction.
//
// If the process dies between 1 and 3, the attempt stays pending; once its
// lease has passed, the next Complete re-drives it with the same provider
// idempotency key and token, through the provider the attempt recorded
// (not the default, which may have changed since), so the provider charges
// at most once. An attempt whose provider is not registered any more is
// not re-driven: EUNAVAILABLE wrapping [ErrProviderUnknown].
//
// The attempt keeps the quote it charges for ([Payment.Quote]), and the
// order is built from it: the order says what was charged, even if a
// coupon expired during the provider call or the re-drive runs with
// other prices.
//
// Completing a completed session returns it with its order and charges
// nothing. The result's messages carry declines; errors are for malformed
// input (EINVALID), unknown sessions (ENOTFOUND), canceled or expired
// sessions (ECONFLICT), a session that no longer matches in.Expect
// (ECONFLICT wrapping a [*ChangedError]: nothing charged), a complete in
// flight (EINPROGRESS) and an unknown provider outcome (EUNAVAILABLE).
//
// hooks.Begin runs in the claim transaction (step 1), hooks.Begun once it
// has committed, before the provider is called, and hooks.Commit in the
// transaction that answers: step 3, or step 1 when nothing is charged.
//
// Complete is not scoped to an owner: agent surfaces use [Owned.Complete].
func (s *Service) Complete(ctx context.Context, id string, in CompleteInput, hooks *TxHooks[*View]) (*View, error) {
	return s.complete(ctx, access{}, id, in, hooks)
}

func (s *Service) complete(ctx context.Context, a access, id string, in CompleteInput, hooks *TxHooks[*View]) (*View, error) {
	if err := in.validateLengths(); err != nil {
		return nil, err
	}
	c := &completion{s: s, access: a, id: id, in: in, hooks: hooks, now: s.now()}
	err := runAttempt(ctx, s, c.claim, hooks.begun)
	if errors.Is(err, ErrInsufficientStock) {
		return c.outOfStock(ctx)
	}
	if cerr, ok := errors.AsType[*chargeCommitError](err); ok {
		s.logger().ErrorContext(ctx, "payment provider could not record the charge; attempt left pending for retry", "session", id, "payment", c.claimed.ID, "err", cerr.err)
		s.releaseLease(ctx, c.claimed)
		return nil, &Error{Code: EUNAVAILABLE, Message: "The payment could not be recorded; retry the request.", Err: cerr.err}
	}
	if err != nil {
		return nil, err
	}
	if c.done != nil {
		return c.done, nil
	}
	if c.queued {
		s.eventsQueued()
	}
	if c.paid != nil && s.ObservePayment != nil {
		s.ObservePayment(c.paid.Provider, c.paid.Facilitator)
	}
	fault.Point("after_commit")
	return c.settled, nil
}

// completion is one Complete call's state across the steps of its
// payment attempt ([runAttempt]).
type completion struct {
	s      *Service
	access access // who asks: the claim refuses a session it may not reach
	id     string
	in     CompleteInput
	hooks  *TxHooks[*View]
	now    time.Time

	// done is the answer given in the claim transaction, when there is
	// nothing to charge (completed already, not payable yet).
	done *View
	// claimed is the attempt to charge, and version the session's version
	// once it is claimed: settle compares it to tell whether anything
	// settled meanwhile.
	claimed *Payment
	version int64
	// settledAt is the clock reading after the provider call; settled is
	// the answer given in the settle transaction, and queued whether that
	// put an order event in the outbox.
	settledAt time.Time
	settled   *View
	queued    bool
	// paid is the payment this call's settle recorded as charged, nil
	// when it recorded none (a decline, or a re-drive settled it first).
	paid *Payment
}

// charged is a provider's answer to a charge: its result and, from a
// [StoreCharger], the writes that make it final.
type charged struct {
	res    ChargeResult
	commit func(context.Context, Executor) error
}

// claim is Complete's first transaction (step 1). It answers at once
// (c.done, no attempt) when there is nothing to charge, takes over an
// abandoned pending attempt once its lease has passed, or claims a new one
// with a snapshot of the quote it charges for.
func (c *completion) claim(ctx context.Context, tx Executor) (*attempt[charged], error) {
	s, id, in, now := c.s, c.id, c.in, c.now
	c.claimed, c.done = nil, nil
	if err := c.hooks.begin(ctx, tx); err != nil {
		return nil, err
	}
	sess, prev, err := lockFor(ctx, tx, c.access, id)
	if err != nil {
		return nil, err
	}
	st := effectiveStored(sess, now)
	switch st {
	case StatusCompleted:
		if c.done, err = s.view(ctx, tx, sess, now); err != nil {
			return nil, err
		}
		return nil, c.hooks.commit(ctx, tx, c.done)
	case StatusCanceled, StatusExpired:
		return nil, &Error{Code: ECONFLICT, Reason: "session_" + string(st), Message: fmt.Sprintf("The checkout session is %s and cannot be paid.", st)}
	}
	if active := activePayment(prev); active != nil {
		if active.LeaseUntil.After(now) {
			return nil, &Error{Code: EINPROGRESS, Message: "A payment for this session is in progress; retry shortly."}
		}
		// The request that claimed this attempt is gone (crash or
		// timeout). Re-drive it: same provider key, same token, and the
		// provider it recorded, whichever is the default now.
		// It charges what its claim kept: that is what the payer must
		// have been shown.
		if err := in.Expect.check(sess, active.Amount); err != nil {
			return nil, err
		}
		prov, err := s.attemptProvider(active.Handler, active.Provider)
		if err != nil {
			return nil, err
		}
		s.logger().WarnContext(ctx, "re-driving abandoned payment attempt", "session", id, "payment", active.ID, "attempt", active.Attempt)
		active.LeaseUntil = now.Add(s.lease())
		active.UpdatedAt = now
		if err := tx.UpdatePayment(ctx, active); err != nil {
			return nil, fmt.Errorf("take over payment: %w", err)
		}
		c.claimed, c.version = active, sess.Version
		return c.attempt(prov), nil
	}
	token := in.Token
	// The handler the complete names, among those the session offers
	// (its mode's enabled ones); naming another charges nothing.
	h, err := s.Payments.selectHandler(s.sessionMode(sess), in.Payment)
	if err != nil {
		return nil, err
	}
	prov := h.Provider
	if st == StatusAuthRequired {
		challenged, challenger, challengerID := "", "", ""
		if sess.Auth3DS != nil {
			challenged, challenger, challengerID = sess.Auth3DS.Token, sess.Auth3DS.Provider, sess.Auth3DS.Handler
		}
		switch {
		case in.Authentication != nil:
			if token == "" {
				token = challenged
			}
			if token == challenged && challenger != "" {
				// The 3-D Secure result answers the provider that asked.
				if h, err = s.attemptHandler(challengerID, challenger); err != nil {
					return nil, err
				}
				prov = h.Provider
			}
		case token == "" || token == challenged:
			return nil, &Error{Code: EINVALID, Reason: CodeRequires3DS, Param: "$.authentication_result",
				Message: "This payment needs 3-D Secure: complete again with authentication_result."}
		default:
			// Another payment credential is a new payment: the pending
			// challenge belonged to the previous one.
			sess.Status, sess.Auth3DS, sess.PaymentMessage = "", nil, nil
			st = ""
		}
	}
	if token == "" {
		return nil, Invalid("$.payment_data", "A payment token is required.")
	}
	if in.Buyer != nil {
		if err := s.apply(sess, UpdateInput{Buyer: in.Buyer}); err != nil {
			return nil, err
		}
	}
	// Priced without reading stock: the reservation below is what
	// decides whether there is enough (ErrInsufficientStock).
	v, err := s.viewWithStock(ctx, tx, sess, now, nil)
	if err != nil {
		return nil, err
	}
	if v.Status != StatusReady && v.Status != StatusAuthRequired {
		// Not payable yet: answer with the session and its messages,
		// stock's included.
		if c.done, err = s.view(ctx, tx, sess, now); err != nil {
			return nil, err
		}
		return nil, c.hooks.commit(ctx, tx, c.done)
	}
	// What the payer was shown, compared with the session as locked and
	// priced here, in the transaction that claims: a change committed
	// after the caller looked and before this lock is refused, and one
	// after it waits for this claim (updates refuse a pending attempt).
	if err := in.Expect.check(sess, v.Quote.Totals.Total); err != nil {
		return nil, err
	}
	n := len(prev) + 1
	c.claimed = &Payment{
		ID:             NewID("pay"),
		SessionID:      id,
		Attempt:        n,
		Status:         PaymentPending,
		Amount:         v.Quote.Totals.Total,
		Currency:       sess.Currency,
		Provider:       prov.Name(),
		Handler:        h.ID,
		IdempotencyKey: fmt.Sprintf("agentshop-%s-attempt-%d", id, n),
		Token:          token,
		Quote:          snapshotQuote(v.Quote),
		LeaseUntil:     now.Add(s.lease()),
		CreatedAt:      now,
		UpdatedAt:      now,
	}
	if err := tx.CreatePayment(ctx, c.claimed); err != nil {
		if errors.Is(err, ErrConflict) {
			return nil, &Error{Code: EINPROGRESS, Message: "A payment for this session is in progress; retry shortly.", Err: err}
		}
		return nil, fmt.Errorf("claim payment: %w", err)
	}
	sess.UpdatedAt = now
	sess.Version++
	if err := tx.UpdateSession(ctx, sess); err != nil {
		return nil, fmt.Errorf("update session: %w", err)
	}
	c.version = sess.Version
	// Stock last: a store that queues writes (PostgreSQL) then sends
	// these UPDATEs with the COMMIT, so a popular item's row stays
	// locked for the commit only. Running out may therefore come back
	// from InTx rather than from AdjustStock.
	for _, l := range v.Quote.Lines {
		if err := tx.AdjustStock(ctx, l.ItemID, -l.Quantity); err != nil {
			return nil, fmt.Errorf("reserve stock of %s: %w", l.ItemID, err)
		}
	}
	return c.attempt(prov), nil
}

// attempt is the charge of c.claimed through prov.
func (c *completion) attempt(prov PaymentProvider) *attempt[charged] {
	return &attempt[charged]{provider: prov, before: "before_provider", after: "after_provider",
		call: c.charge, failed: c.failed, settle: c.settle}
}

// outOfStock answers a complete whose stock reservation failed with the
// session as it is now, which shows what ran out. It reads it in a
// transaction of its own: a store that commits in groups (SQLite) answers
// this failed reservation before the group holding the ones that won has
// committed, and a transaction started now runs after that group.
func (c *completion) outOfStock(ctx context.Context) (*View, error) {
	var v *View
	if err := c.s.Store.InTx(ctx, func(tx Executor) error {
		// The claim transaction rolled back, the caller's Begin
		// with it: begin again where the answer is committed.
		if err := c.hooks.begin(ctx, tx); err != nil {
			return err
		}
		sess, err := tx.LockSession(ctx, c.id)
		if err != nil {
			return notFound(err, c.id)
		}
		if v, err = c.s.view(ctx, tx, sess, c.s.now()); err != nil {
			return err
		}
		return c.hooks.commit(ctx, tx, v)
	}); err != nil {
		return nil, err
	}
	c.hooks.begun()
	return v, nil
}

func (s *Service) lease() time.Duration {
	if s.PaymentLease > 0 {
		return s.PaymentLease
	}
	return 30 * time.Second
}

// charge calls the provider for the claimed attempt (step 2).
func (c *completion) charge(ctx context.Context, prov PaymentProvider) (charged, error) {
	p, in := c.claimed, c.in
	req := ChargeRequest{
		IdempotencyKey: p.IdempotencyKey,
		SessionID:      p.SessionID,
		Amount:         p.Amount,
		Currency:       p.Currency,
		Token:          p.Token,
		BillingAddress: in.BillingAddress,
		Buyer:          in.Buyer,
		Authentication: in.Authentication,
	}
	start := time.Now()
	var (
		out charged
		err error
	)
	if sc, ok := prov.(StoreCharger); ok {
		out.res, out.commit, err = sc.ChargeInStore(ctx, req)
	} else {
		out.res, err = prov.Charge(ctx, req)
	}
	took := time.Since(start)
	c.settledAt = c.s.now()
	outcome := map[ChargeOutcome]string{ChargeSucceeded: "succeeded", ChargeDeclined: "declined", ChargeRequires3DS: "requires_3ds"}[out.res.Outcome]
	if outcome == "" || err != nil {
		outcome = "error"
	}
	c.s.observe(outcome, took)
	return out, err
}

// failed answers a charge whose outcome is unknown: the attempt stays
// pending, its lease released so that a retry re-drives it at once.
func (c *completion) failed(ctx context.Context, err error) error {
	p := c.claimed
	c.s.logger().ErrorContext(ctx, "payment provider failed; attempt left pending for retry", "session", p.SessionID, "payment", p.ID, "err", err)
	c.s.releaseLease(ctx, p)
	return &Error{Code: EUNAVAILABLE, Message: "The payment provider did not answer; retry the request.", Err: err}
}

// settle is Complete's second transaction (step 3): it records the
// charge's outcome, unless a request that re-drove the attempt has.
func (c *completion) settle(ctx context.Context, tx Executor, ch charged) error {
	s, p, now := c.s, c.claimed, c.settledAt
	c.settled, c.queued, c.paid = nil, false, nil
	sess, err := tx.LockSession(ctx, p.SessionID)
	if err != nil {
		return notFound(err, p.SessionID)
	}
	// While an attempt is pending, only settling it changes the session
	// (update and cancel refuse; a re-drive takes the attempt over
	// without storing the session). So an unchanged version means p is
	// still pending as claimed, and reading it back can be skipped.
	cur := p
	if sess.Version != c.version {
		if cur, err = tx.GetPayment(ctx, p.ID); err != nil {
			return fmt.Errorf("get payment: %w", err)
		}
	}
	var order *Order
	if cur.Status == PaymentPending {
		if ch.commit != nil {
			if err := ch.commit(ctx, tx); err != nil {
				return &chargeCommitError{err}
			}
		}
		if order, err = s.settle(ctx, tx, sess, cur, ch.res, now); err != nil {
			return err
		}
		if order != nil {
			c.paid = cur
		}
	}
	// else: a request that re-drove this attempt settled it already.
	c.queued = order != nil && s.orderEvents(order)
	if order != nil {
		c.settled = &View{Session: sess, Status: StatusCompleted, Quote: orderQuote(order), Order: order}
	} else if c.settled, err = s.view(ctx, tx, sess, now); err != nil {
		return err
	}
	return c.hooks.commit(ctx, tx, c.settled)
}

// chargeCommitError is a [StoreCharger] commit's failure inside the
// settle transaction.
type chargeCommitError struct{ err error }

func (e *chargeCommitError) Error() string { return "record charge: " + e.err.Error() }
func (e *chargeCommitError) Unwrap() error { return e.err }

// releaseLease ends a pending attempt's lease now, so that the next request
// re-drives it at once instead of waiting for the lease to pass. Best
// effort: if it fails, the lease passes by itself.
func (s *Service) releaseLease(ctx context.Context, p *Payment) {
	ctx = context.WithoutCancel(ctx)
	_ = s.Store.InTx(ctx, func(tx Executor) error {
		cur, err := tx.GetPayment(ctx, p.ID)
		if err != nil || cur.Status != PaymentPending {
			return err
		}
		cur.LeaseUntil = s.now()
		return tx.UpdatePayment(ctx, cur)
	})
}

// settle records a provider result for a pending attempt. It returns the
// order when the charge succeeded.
func (s *Service) settle(ctx context.Context, tx Executor, sess *Session, p *Payment, res ChargeResult, now time.Time) (*Order, error) {
	var order *Order
	token := p.Token
	p.Token = ""
	p.UpdatedAt = now
	sess.UpdatedAt = now
	sess.Version++
	switch res.Outcome {
	case ChargeSucceeded:
		// The order is what was charged: the quote as priced when the
		// attempt was claimed, whatever the coupons, the catalog or the
		// clock say now (a coupon that expired during the provider call,
		// a re-drive by a process with other prices).
		q := p.Quote
		if q == nil {
			// Claimed by a build that did not keep the quote: price the
			// session again, as that build did.
			q = snapshotQuote(s.Pricer.Quote(sess, nil, now))
		}
		if q.Totals.Total != p.Amount {
			// Only a re-priced legacy attempt can differ; the charged
			// amount is the truth and we say so loudly.
			s.logger().ErrorContext(ctx, "charged amount differs from the session total", "session", sess.ID, "charged", p.Amount, "total", q.Totals.Total)
		}
		p.Status = PaymentSucceeded
		p.ProviderRef = res.Reference
		p.Facilitator = res.Facilitator
		o := &Order{
			ID:        NewID("ord"),
			SessionID: sess.ID,
			Status:    OrderConfirmed,
			Currency:  sess.Currency,
			Lines:     q.Lines,
			Totals:    q.Totals,
			Applied:   q.Applied,
			Address:   sess.Address,
			Buyer:     sess.Buyer,
			PaymentID: p.ID,
			Mode:      s.sessionMode(sess),
			CreatedAt: now,
			UpdatedAt: now,
		}
		if q.Fulfillment != nil {
			f := *q.Fulfillment
			o.Fulfillment = &f
		}
		if err := tx.CreateOrder(ctx, o); err != nil {
			return nil, fmt.Errorf("create order: %w", err)
		}
		if s.orderEvents(o) {
			if err := tx.CreateEvent(ctx, NewEvent(EventOrderCreate, o.ID, now)); err != nil {
				return nil, fmt.Errorf("queue order event: %w", err)
			}
		}
		order = o
		sess.Status = StatusCompleted
		sess.OrderID = o.ID
		sess.PaymentMessage = nil
		sess.Auth3DS = nil
	case ChargeDeclined, ChargeRequires3DS:
		p.Status = PaymentFailed
		p.DeclineCode = res.DeclineCode
		for _, l := range sess.Lines {
			if err := s.releaseStock(ctx, tx, l); err != nil {
				return nil, err
			}
		}
		msg := res.Message
		if res.Outcome == ChargeRequires3DS {
			if msg == "" {
				msg = "The card issuer requires 3-D Secure authentication."
			}
			sess.Status = StatusAuthRequired
			// The token was not redeemed; it is re-presented with the 3DS result.
			sess.Auth3DS = &Challenge{PaymentID: p.ID, Token: token, Provider: p.Provider, Handler: p.Handler, DirectoryServer: res.DirectoryServer}
			sess.PaymentMessage = &Message{Type: MessageError, Code: CodeRequires3DS, Param: "$.authentication_result", Content: msg}
		} else {
			if msg == "" {
				msg = "The payment was declined."
			}
			sess.Status = ""
			sess.Auth3DS = nil
			sess.PaymentMessage = &Message{Type: MessageError, Code: CodePaymentDeclined, Param: "$.payment_data", Content: msg}
		}
	default:
		return nil, fmt.Errorf("payment provider returned unknown outcome %q", res.Outcome)
	}
	// Like the token, the quote is kept only while the attempt is
	// pending: the order now holds what was charged, and a failed
	// attempt charged nothing.
	p.Quote = nil
	if err := tx.UpdatePayment(ctx, p); err != nil {
		return nil, fmt.Errorf("update payment: %w", err)
	}
	if err := tx.UpdateSession(ctx, sess); err != nil {
		return nil, fmt.Errorf("update session: %w", err)
	}
	return order, nil
}

func (s *Service) observe(outcome string, d time.Duration) {
	if s.Observe != nil {
		s.Observe(outcome, d)
	}
}
