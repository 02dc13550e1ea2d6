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
// idempotency key and token, so the provider charges at most once.
//
// Completing a completed session returns it with its order and charges
// nothing. The result's messages carry declines; errors are for malformed
// input (EINVALID), unknown sessions (ENOTFOUND), canceled or expired
// sessions (ECONFLICT), a complete in flight (EINPROGRESS) and an unknown
// provider outcome (EUNAVAILABLE).
//
// hooks.Begin runs in the claim transaction (step 1), hooks.Begun once it
// has committed, before the provider is called, and hooks.Commit in the
// transaction that answers: step 3, or step 1 when nothing is charged.
func (s *Service) Complete(ctx context.Context, id string, in CompleteInput, hooks *TxHooks[*View]) (*View, error) {
	now := s.now()
	var (
		claim *Payment
		// version is the session's version once claim is made: settle
		// compares it to tell whether anything settled meanwhile.
		version int64
		done    *View
	)
	err := s.Store.InTx(ctx, func(tx Executor) error {
		claim, done = nil, nil
		if err := hooks.begin(ctx, tx); err != nil {
			return err
		}
		sess, prev, err := tx.LockSessionPayments(ctx, id)
		if err != nil {
			return notFound(err, id)
		}
		st := effectiveStored(sess, now)
		switch st {
		case StatusCompleted:
			if done, err = s.view(ctx, tx, sess, now); err != nil {
				return err
			}
			return hooks.commit(ctx, tx, done)
		case StatusCanceled, StatusExpired:
			return &Error{Code: ECONFLICT, Reason: "session_" + string(st), Message: fmt.Sprintf("The checkout session is %s and cannot be paid.", st)}
		}
		if active := activePayment(prev); active != nil {
			if active.LeaseUntil.After(now) {
				return &Error{Code: EINPROGRESS, Message: "A payment for this session is in progress; retry shortly."}
			}
			// The request that claimed this attempt is gone (crash or
			// timeout). Re-drive it: same provider key, same token.
			s.logger().WarnContext(ctx, "re-driving abandoned payment attempt", "session", id, "payment", active.ID, "attempt", active.Attempt)
			active.LeaseUntil = now.Add(s.lease())
			active.UpdatedAt = now
			if err := tx.UpdatePayment(ctx, active); err != nil {
				return fmt.Errorf("take over payment: %w", err)
			}
			claim, version = active, sess.Version
			return nil
		}
		token := in.Token
		if st == StatusAuthRequired {
			challenged := ""
			if sess.Auth3DS != nil {
				challenged = sess.Auth3DS.Token
			}
			switch {
			case in.Authentication != nil:
				if token == "" {
					token = challenged
				}
			case token == "" || token == challenged:
				return &Error{Code: EINVALID, Reason: CodeRequires3DS, Param: "$.authentication_result",
					Message: "This payment needs 3-D Secure: complete again with authentication_result."}
			default:
				// Another payment credential is a new payment: the pending
				// challenge belonged to the previous one.
				sess.Status, sess.Auth3DS, sess.PaymentMessage = "", nil, nil
				st = ""
			}
		}
		if token == "" {
			return Invalid("$.payment_data", "A payment token is required.")
		}
		if in.Buyer != nil {
			if err := s.apply(sess, UpdateInput{Buyer: in.Buyer}); err != nil {
				return err
			}
		}
		// Priced without reading stock: the reservation below is what
		// decides whether there is enough (ErrInsufficientStock).
		v, err := s.viewWithStock(ctx, tx, sess, now, nil)
		if err != nil {
			return err
		}
		if v.Status != StatusReady && v.Status != StatusAuthRequired {
			// Not payable yet: answer with the session and its messages,
			// stock's included.
			if done, err = s.view(ctx, tx, sess, now); err != nil {
				return err
			}
			return hooks.commit(ctx, tx, done)
		}
		n := len(prev) + 1
		claim = &Payment{
			ID:             NewID("pay"),
			SessionID:      id,
			Attempt:        n,
			Status:         PaymentPending,
			Amount:         v.Quote.Totals.Total,
			Currency:       sess.Currency,
			Provider:       s.Payments.Default().Name(),
			IdempotencyKey: fmt.Sprintf("agentshop-%s-attempt-%d", id, n),
			Token:          token,
			LeaseUntil:     now.Add(s.lease()),
			CreatedAt:      now,
			UpdatedAt:      now,
		}
		if err := tx.CreatePayment(ctx, claim); err != nil {
			if errors.Is(err, ErrConflict) {
				return &Error{Code: EINPROGRESS, Message: "A payment for this session is in progress; retry shortly.", Err: err}
			}
			return fmt.Errorf("claim payment: %w", err)
		}
		sess.UpdatedAt = now
		sess.Version++
		if err := tx.UpdateSession(ctx, sess); err != nil {
			return fmt.Errorf("update session: %w", err)
		}
		version = sess.Version
		// Stock last: a store that queues writes (PostgreSQL) then sends
		// these UPDATEs with the COMMIT, so a popular item's row stays
		// locked for the commit only. Running out may therefore come back
		// from InTx rather than from AdjustStock.
		for _, l := range v.Quote.Lines {
			if err := tx.AdjustStock(ctx, l.ItemID, -l.Quantity); err != nil {
				return fmt.Errorf("reserve stock of %s: %w", l.ItemID, err)
			}
		}
		return nil
	})
	if errors.Is(err, ErrInsufficientStock) {
		// Answer with the session as it is now, which shows what ran out.
		// Read it in a transaction of its own: a store that commits in
		// groups (SQLite) answers this failed reservation before the
		// group holding the ones that won has committed, and a
		// transaction started now runs after that group.
		var v *View
		if err := s.Store.InTx(ctx, func(tx Executor) error {
			// The claim transaction rolled back, the caller's Begin
			// with it: begin again where the answer is committed.
			if err := hooks.begin(ctx, tx); err != nil {
				return err
			}
			sess, err := tx.LockSession(ctx, id)
			if err != nil {
				return notFound(err, id)
			}
			if v, err = s.view(ctx, tx, sess, s.now()); err != nil {
				return err
			}
			return hooks.commit(ctx, tx, v)
		}); err != nil {
			return nil, err
		}
		hooks.begun()
		return v, nil
	}
	if err != nil {
		return nil, err
	}
	hooks.begun()
	if done != nil {
		return done, nil
	}
	return s.charge(ctx, claim, version, in, hooks)
}

func (s *Service) lease() time.Duration {
	if s.PaymentLease > 0 {
		return s.PaymentLease
	}
	return 30 * time.Second
}

// charge calls the provider for a claimed attempt and records the outcome.
// version is the session's version when p was claimed.
func (s *Service) charge(ctx context.Context, p *Payment, version int64, in CompleteInput, hooks *TxHooks[*View]) (*View, error) {
	// The charge and its record must not be cut short by a client that
	// hangs up: the outcome would become ambiguous for no reason.
	ctx = context.WithoutCancel(ctx)
	fault.Point("before_provider")
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
		res    ChargeResult
		commit func(context.Context, Executor) error
		perr   error
	)
	if sc, ok := s.Payments.Default().(StoreCharger); ok {
		res, commit, perr = sc.ChargeInStore(ctx, req)
	} else {
		res, perr = s.Payments.Default().Charge(ctx, req)
	}
	took := time.Since(start)
	fault.Point("after_provider")
	if perr != nil {
		s.observe("error", took)
		s.logger().ErrorContext(ctx, "payment provider failed; attempt left pending for retry", "session", p.SessionID, "payment", p.ID, "err", perr)
		s.releaseLease(ctx, p)
		return nil, &Error{Code: EUNAVAILABLE, Message: "The payment provider did not answer; retry the request.", Err: perr}
	}
	outcome := map[ChargeOutcome]string{ChargeSucceeded: "succeeded", ChargeDeclined: "declined", ChargeRequires3DS: "requires_3ds"}[res.Outcome]
	if outcome == "" {
		outcome = "error"
	}
	s.observe(outcome, took)

	now := s.now()
	var (
		v      *View
		queued bool // an order event was put in the outbox
	)
	err := s.Store.InTx(ctx, func(tx Executor) error {
		queued = false
		sess, err := tx.LockSession(ctx, p.SessionID)
		if err != nil {
			return notFound(err, p.SessionID)
		}
		// While an attempt is pending, only settling it changes the session
		// (update and cancel refuse; a re-drive takes the attempt over
		// without storing the session). So an unchanged version means p is
		// still pending as claimed, and reading it back can be skipped.
		cur := p
		if sess.Version != version {
			if cur, err = tx.GetPayment(ctx, p.ID); err != nil {
				return fmt.Errorf("get payment: %w", err)
			}
		}
		var order *Order
		if cur.Status == PaymentPending {
			if commit != nil {
				if err := commit(ctx, tx); err != nil {
					return &chargeCommitError{err}
				}
			}
			if order, err = s.settle(ctx, tx, sess, cur, res, in, now); err != nil {
				return err
			}
		}
		// else: a request that re-drove this attempt settled it already.
		queued = order != nil && s.OrderEvents
		if order != nil {
			v = &View{Session: sess, Status: StatusCompleted, Quote: orderQuote(order), Order: order}
		} else if v, err = s.view(ctx, tx, sess, now); err != nil {
			return err
		}
		return hooks.commit(ctx, tx, v)
	})
	if cerr, ok := errors.AsType[*chargeCommitError](err); ok {
		s.logger().ErrorContext(ctx, "payment provider could not record the charge; attempt left pending for retry", "session", p.SessionID, "payment", p.ID, "err", cerr.err)
		s.releaseLease(ctx, p)
		return nil, &Error{Code: EUNAVAILABLE, Message: "The payment could not be recorded; retry the request.", Err: cerr.err}
	}
	if err != nil {
		return nil, err
	}
	if queued {
		s.eventsQueued()
	}
	fault.Point("after_commit")
	return v, nil
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
func (s *Service) settle(ctx context.Context, tx Executor, sess *Session, p *Payment, res ChargeResult, in CompleteInput, now time.Time) (*Order, error) {
	var order *Order
	token := p.Token
	p.Token = ""
	p.UpdatedAt = now
	sess.UpdatedAt = now
	sess.Version++
	switch res.Outcome {
	case ChargeSucceeded:
		q := s.Pricer.Quote(sess, nil, now)
		if q.Totals.Total != p.Amount {
			// Cannot happen while sessions are locked during payment; if it
			// does, the charged amount is the truth and we say so loudly.
			s.logger().ErrorContext(ctx, "charged amount differs from the session total", "session", sess.ID, "charged", p.Amount, "total", q.Totals.Total)
		}
		p.Status = PaymentSucceeded
		p.ProviderRef = res.Reference
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
			CreatedAt: now,
			UpdatedAt: now,
		}
		if q.Selected != nil {
			f := *q.Selected
			o.Fulfillment = &f
		}
		if err := tx.CreateOrder(ctx, o); err != nil {
			return nil, fmt.Errorf("create order: %w", err)
		}
		if s.OrderEvents {
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
			sess.Auth3DS = &Challenge{PaymentID: p.ID, Token: token, Provider: p.Provider, DirectoryServer: res.DirectoryServer}
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
