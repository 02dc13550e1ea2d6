package commerce

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// maxEventField bounds the ids and texts of a [PaymentEvent], which come
// from the provider's payload.
const maxEventField = 255

// ApplyPaymentEvent is the one door through which a provider's events
// reach agentshop's payments and orders. In one transaction it records
// the event by (Provider, ID), so that a redelivery is answered
// EventDuplicate and changes nothing, and makes the event's effect:
//
//   - a payment result settles the pending attempt it is about through the
//     same settle as [Service.Complete] (an order, once: a complete that
//     re-drives the attempt at the same time finds it settled, and the
//     event finds an attempt complete settled and changes nothing), or
//     records the decline or 3-D Secure challenge; a result for a payment
//     still processing changes nothing;
//   - a refund is matched to the order's refunds by the provider's refund
//     id, or by agentshop's refund id the provider carries back: one of
//     agentshop's refunds still pending is settled, one already recorded
//     changes only if the provider says it failed since, and any other is
//     recorded as a refund made at the provider ([Refund.External]) — so
//     a refund is never counted twice;
//   - a dispute is opened or moved (status, amount, reason, evidence due
//     date), in the order of the provider's event times.
//
// Every change of an order queues its order_update (order_create for an
// order the event created) as [Service.RefundOrder] does. An event about
// a payment agentshop has no record of is kept as EventUnmatched. Nothing
// here calls a provider.
//
// EINVALID for an event that names no provider or id, or not exactly one
// of Charge, Refund and Dispute; errors from the store otherwise (the
// transaction rolled back: nothing recorded, the provider will redeliver).
func (s *Service) ApplyPaymentEvent(ctx context.Context, ev PaymentEvent) (out EventOutcome, err error) {
	if err := ev.validate(); err != nil {
		return EventOutcome{}, err
	}
	defer func() {
		if err == nil && s.ObservePaymentEvent != nil {
			s.ObservePaymentEvent(ev, out)
		}
	}()
	ctx = context.WithoutCancel(ctx)
	queued := false
	err = s.Store.InTx(ctx, func(tx Executor) error {
		out, queued = EventOutcome{}, false
		px, ok := tx.(PaymentEventExecutor)
		if !ok {
			return fmt.Errorf("apply payment event: store %T keeps no payment events", tx)
		}
		if _, err := px.GetInboundEvent(ctx, ev.Provider, ev.ID); err == nil {
			out.Result = EventDuplicate
			return nil
		} else if !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("get payment event: %w", err)
		}
		a := &applying{s: s, tx: tx, px: px, ev: ev, now: s.now()}
		var err error
		switch {
		case ev.Charge != nil:
			err = a.charge(ctx)
		case ev.Refund != nil:
			err = a.refund(ctx)
		default:
			err = a.dispute(ctx)
		}
		if err != nil {
			return err
		}
		out, queued = a.out, a.queued
		rec := &InboundEvent{Provider: ev.Provider, ID: ev.ID, Type: ev.Type, Result: out.Result,
			PaymentRef: ev.PaymentRef, OrderID: out.OrderID, OccurredAt: ev.OccurredAt, ReceivedAt: a.now}
		switch {
		case ev.Refund != nil:
			rec.ObjectRef, rec.Amount, rec.Currency = ev.Refund.Ref, ev.Refund.Amount, ev.Refund.Currency
		case ev.Dispute != nil:
			rec.ObjectRef, rec.Amount, rec.Currency = ev.Dispute.Ref, ev.Dispute.Amount, ev.Dispute.Currency
		}
		return px.CreateInboundEvent(ctx, rec)
	})
	if errors.Is(err, ErrConflict) {
		// A concurrent delivery of the same event recorded it first; this
		// one's effect rolled back.
		if px, ok := s.Store.(PaymentEventExecutor); ok {
			if _, gerr := px.GetInboundEvent(ctx, ev.Provider, ev.ID); gerr == nil {
				return EventOutcome{Result: EventDuplicate}, nil
			}
		}
	}
	if err != nil {
		return EventOutcome{}, err
	}
	if queued {
		s.eventsQueued()
	}
	return out, nil
}

// validate checks what ApplyPaymentEvent relies on.
func (ev *PaymentEvent) validate() error {
	n := 0
	for _, set := range []bool{ev.Charge != nil, ev.Refund != nil, ev.Dispute != nil} {
		if set {
			n++
		}
	}
	switch {
	case ev.Provider == "" || ev.ID == "":
		return Invalid("id", "A payment event needs its provider and id.")
	case n != 1:
		return Invalid("type", "A payment event is exactly one of a payment result, a refund and a dispute.")
	case ev.Refund != nil && ev.Refund.Status != RefundSucceeded && ev.Refund.Status != RefundFailed:
		return Invalid("refund.status", "A refund event's status is succeeded or failed, not %q.", ev.Refund.Status)
	case ev.Dispute != nil && !ev.Dispute.Status.Valid():
		return Invalid("dispute.status", "Unknown dispute status %q.", ev.Dispute.Status)
	}
	for _, f := range []string{ev.Provider, ev.ID, ev.Type, ev.PaymentRef, ev.SessionID, ev.AttemptKey} {
		if len(f) > maxEventField {
			return Invalid("id", "A payment event field is longer than %d bytes.", maxEventField)
		}
	}
	return nil
}

// applying is one event's effect, inside ApplyPaymentEvent's transaction.
type applying struct {
	s   *Service
	tx  Executor
	px  PaymentEventExecutor
	ev  PaymentEvent
	now time.Time

	out    EventOutcome
	queued bool // an order event was put in the outbox
}

// payment finds the event's attempt: by session and attempt key when the
// provider carried them back, else by the provider's charge id. It
// returns nil, with out.Result EventUnmatched, when agentshop has none.
// With lock, the session is locked and returned too.
func (a *applying) payment(ctx context.Context, lock bool) (*Payment, *Session, error) {
	ev := a.ev
	a.out.Result = EventUnmatched
	var p *Payment
	if ev.PaymentRef != "" {
		found, err := a.px.FindPaymentByRef(ctx, ev.Provider, ev.PaymentRef)
		switch {
		case err == nil:
			p = found
		case !errors.Is(err, ErrNotFound):
			return nil, nil, fmt.Errorf("find payment %s: %w", ev.PaymentRef, err)
		}
	}
	sessionID := ev.SessionID
	if sessionID == "" {
		sessionID = attemptKeySession(ev.AttemptKey)
	}
	if p != nil {
		sessionID = p.SessionID
	}
	if sessionID == "" {
		return nil, nil, nil
	}
	var (
		sess     *Session
		payments []*Payment
		err      error
	)
	if lock {
		sess, payments, err = a.tx.LockSessionPayments(ctx, sessionID)
	} else {
		sess, err = a.tx.GetSession(ctx, sessionID)
		if err == nil && p == nil {
			payments, err = a.tx.ListPayments(ctx, sessionID)
		}
	}
	if errors.Is(err, ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read session %s: %w", sessionID, err)
	}
	for _, q := range payments {
		if p != nil && q.ID == p.ID || p == nil && ev.AttemptKey != "" && q.IdempotencyKey == ev.AttemptKey {
			p = q // as it is now that the session is locked
		}
	}
	if p == nil || p.Provider != ev.Provider {
		return nil, nil, nil
	}
	a.out.Result = EventIgnored
	a.out.OrderID = sess.OrderID
	return p, sess, nil
}

// attemptKeySession is the session named by an attempt's idempotency key
// ("agentshop-<session>-attempt-<n>", as Complete makes it, and as a
// provider without metadata carries it back, e.g. Braintree's orderId),
// or "".
func attemptKeySession(key string) string {
	rest, ok := strings.CutPrefix(key, "agentshop-")
	if !ok {
		return ""
	}
	i := strings.LastIndex(rest, "-attempt-")
	if i <= 0 {
		return ""
	}
	return rest[:i]
}

// charge applies an asynchronous payment result.
func (a *applying) charge(ctx context.Context) error {
	p, sess, err := a.payment(ctx, true)
	if err != nil || p == nil {
		return err
	}
	res := a.ev.Charge.Result
	if p.Status != PaymentPending || res.Outcome == "" {
		return nil // settled already (by complete, or an earlier event), or still processing
	}
	if res.Outcome == ChargeSucceeded && res.Reference == "" {
		res.Reference = a.ev.PaymentRef
	}
	s := a.s
	order, err := s.settle(ctx, a.tx, sess, p, res, a.now)
	if err != nil {
		return err
	}
	a.out.Result = EventApplied
	if order != nil {
		a.out.OrderID = order.ID
		a.queued = s.OrderEvents
	}
	s.logger().InfoContext(ctx, "payment event settled a pending attempt", "provider", a.ev.Provider, "event", a.ev.ID,
		"session", sess.ID, "payment", p.ID, "outcome", res.Outcome)
	return nil
}

// order locks the order of the event's payment; nil (unmatched) when the
// payment has none.
func (a *applying) order(ctx context.Context) (*Order, *Payment, error) {
	p, sess, err := a.payment(ctx, false)
	if err != nil || p == nil {
		return nil, nil, err
	}
	if sess.OrderID == "" || p.Status != PaymentSucceeded {
		// A refund or dispute of a charge that made no order here.
		a.out.Result = EventUnmatched
		return nil, nil, nil
	}
	o, err := a.s.lockOrder(ctx, a.tx, sess.OrderID)
	if err != nil {
		return nil, nil, err
	}
	return o, p, nil
}

// refund applies a refund the provider reports.
func (a *applying) refund(ctx context.Context) error {
	o, _, err := a.order(ctx)
	if err != nil || o == nil {
		return err
	}
	re, s := a.ev.Refund, a.s
	i := -1
	for j := range o.Refunds {
		if re.Ref != "" && o.Refunds[j].ProviderRef == re.Ref || re.RefundID != "" && o.Refunds[j].ID == re.RefundID {
			i = j
			break
		}
	}
	switch {
	case i >= 0 && o.Refunds[i].Status == RefundPending:
		// Ours, its answer not recorded yet: the provider's word settles
		// it, and the refund path then finds it settled.
		r := &o.Refunds[i]
		r.Status, r.ProviderRef, r.SettledAt = re.Status, re.Ref, &a.now
		if re.Status == RefundFailed {
			r.Message = "The payment provider reported the refund as failed."
		}
	case i >= 0 && o.Refunds[i].Status == RefundSucceeded && re.Status == RefundFailed:
		r := &o.Refunds[i]
		r.Status, r.Message = RefundFailed, "The payment provider reported the refund as failed."
	case i >= 0:
		return nil // recorded as it is
	case re.Status == RefundFailed || re.Amount <= 0:
		return nil // a refund made elsewhere that returned nothing
	default:
		if re.Amount > o.Refundable() {
			s.logger().ErrorContext(ctx, "provider reports a refund above what is left to refund; recorded as reported",
				"order", o.ID, "refund", re.Ref, "amount", re.Amount, "refundable", o.Refundable())
		}
		reason := re.Reason
		if reason == "" {
			reason = "Refunded at " + a.ev.Provider
		}
		o.Refunds = append(o.Refunds, Refund{ID: NewID("re"), Key: a.ev.Provider + ":" + re.Ref, Amount: re.Amount, Reason: reason,
			Status: RefundSucceeded, ProviderRef: re.Ref, External: true, CreatedAt: a.occurred(), SettledAt: &a.now})
		i = len(o.Refunds) - 1
	}
	o.UpdatedAt = a.now
	if err := s.saveOrder(ctx, a.tx, o); err != nil {
		return err
	}
	r := o.Refunds[i]
	a.out.Result, a.out.Refund, a.queued = EventApplied, &r, true
	return nil
}

// occurred is the event's time, or now when the provider gave none.
func (a *applying) occurred() time.Time {
	if a.ev.OccurredAt.IsZero() {
		return a.now
	}
	return a.ev.OccurredAt.UTC()
}

// dispute opens or moves a dispute.
func (a *applying) dispute(ctx context.Context) error {
	o, _, err := a.order(ctx)
	if err != nil || o == nil {
		return err
	}
	de, ev := a.ev.Dispute, a.ev
	d, err := a.px.GetDisputeByRef(ctx, ev.Provider, de.Ref)
	switch {
	case errors.Is(err, ErrNotFound):
		d = &Dispute{ID: NewID("dsp"), OrderID: o.ID, Provider: ev.Provider, ProviderRef: de.Ref, OpenedAt: a.occurred()}
	case err != nil:
		return fmt.Errorf("get dispute %s: %w", de.Ref, err)
	case d.OrderID != o.ID:
		return fmt.Errorf("dispute %s belongs to order %s, not %s", de.Ref, d.OrderID, o.ID)
	case a.occurred().Before(d.LastEventAt):
		return nil // an older event arriving late
	}
	before := *d
	d.Status, d.Amount, d.Currency, d.Reason, d.Inquiry = de.Status, de.Amount, de.Currency, de.Reason, de.Inquiry
	if de.EvidenceDueBy != nil {
		d.EvidenceDueBy = new(de.EvidenceDueBy.UTC())
	} else if !de.Status.Open() {
		d.EvidenceDueBy = nil
	}
	d.FundsWithdrawn = d.FundsWithdrawn || de.FundsWithdrawn
	d.FundsReinstated = d.FundsReinstated || de.FundsReinstated
	d.LastEventAt = a.occurred()
	if !before.UpdatedAt.IsZero() && sameDispute(before, *d) {
		// Same state: remember the newer event time, tell no one.
		return a.px.PutDispute(ctx, d)
	}
	d.UpdatedAt = a.now
	if err := a.px.PutDispute(ctx, d); err != nil {
		return fmt.Errorf("put dispute %s: %w", de.Ref, err)
	}
	o.UpdatedAt = a.now
	if err := a.s.saveOrder(ctx, a.tx, o); err != nil {
		return err
	}
	cp := *d
	a.out.Result, a.out.Dispute, a.queued = EventApplied, &cp, true
	a.s.logger().InfoContext(ctx, "dispute recorded", "provider", ev.Provider, "dispute", d.ProviderRef, "order", o.ID,
		"status", d.Status, "amount", d.Amount)
	return nil
}

// sameDispute reports whether x and y say the same to the merchant and
// the agent.
func sameDispute(x, y Dispute) bool {
	due := func(t *time.Time) int64 {
		if t == nil {
			return 0
		}
		return t.Unix()
	}
	return x.Status == y.Status && x.Amount == y.Amount && x.Currency == y.Currency && x.Reason == y.Reason &&
		x.Inquiry == y.Inquiry && x.FundsWithdrawn == y.FundsWithdrawn && x.FundsReinstated == y.FundsReinstated &&
		due(x.EvidenceDueBy) == due(y.EvidenceDueBy)
}

// ListDisputes returns the disputes matching f (see
// [PaymentEventExecutor.ListDisputes]).
func (s *Service) ListDisputes(ctx context.Context, f DisputeFilter) ([]*Dispute, error) {
	px, ok := s.Store.(PaymentEventExecutor)
	if !ok {
		return nil, fmt.Errorf("list disputes: store %T keeps no disputes", s.Store)
	}
	return px.ListDisputes(ctx, f)
}
