package commerce

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// A Refunder is a PaymentProvider that can return money from a charge.
type Refunder interface {
	// Refund returns req.Amount of the charge req.ChargeRef. Calls with the
	// same IdempotencyKey refund at most once and return the same result.
	// A refusal (the charge cannot be refunded) is a result with Refused
	// set and a nil error. A non-nil error means the outcome is unknown:
	// the caller keeps the refund pending and retries with the same key.
	Refund(ctx context.Context, req RefundRequest) (RefundResult, error)
}

// RefundRequest returns part or all of a charge.
type RefundRequest struct {
	IdempotencyKey string
	ChargeRef      string // the provider's charge id (Payment.ProviderRef)
	Amount         int64
	Currency       Currency
	// RefundID is agentshop's [Refund.ID]; a provider that carries it back
	// in its events (Stripe metadata) lets [Service.ApplyPaymentEvent]
	// match a refund whose answer was lost.
	RefundID string
}

// RefundResult is a refund's definite outcome.
type RefundResult struct {
	Reference string // the provider's refund id, when it succeeded
	Refused   bool
	Message   string // why it was refused, client-safe
}

// Refund is money returned to the buyer from an order's charge.
type Refund struct {
	ID string // "re_…"; the provider idempotency key derives from it
	// Key is the caller's idempotency key: a refund asked for again with
	// the same key is this one, not another.
	Key         string
	Amount      int64
	Reason      string
	Status      RefundStatus
	ProviderRef string
	Message     string // why the provider refused it
	// External is set for a refund made at the provider (its dashboard,
	// another tool), which agentshop learned of from a provider event.
	External  bool `json:",omitempty"`
	CreatedAt time.Time
	SettledAt *time.Time
}

// RefundStatus is where a refund is.
type RefundStatus string

// Refund statuses.
const (
	// RefundPending is recorded and sent, or being sent, to the provider;
	// its amount is reserved against the order's refundable amount.
	RefundPending   RefundStatus = "pending"
	RefundSucceeded RefundStatus = "succeeded"
	RefundFailed    RefundStatus = "failed" // refused by the provider; nothing returned
)

// Refunded is the amount returned to the buyer so far.
func (o *Order) Refunded() int64 {
	var n int64
	for _, r := range o.Refunds {
		if r.Status == RefundSucceeded {
			n += r.Amount
		}
	}
	return n
}

// Refundable is what may still be refunded: the total less what has been
// refunded or is being refunded.
func (o *Order) Refundable() int64 {
	n := o.Totals.Total
	for _, r := range o.Refunds {
		if r.Status != RefundFailed {
			n -= r.Amount
		}
	}
	return n
}

// RefundInput asks for money back from an order.
type RefundInput struct {
	Amount int64 // minor units
	Reason string
	// Key makes the request idempotent: asked again with the same key
	// (after a timeout, a crash, a lost answer), the refund is finished or
	// answered again, never made twice. Empty: a new refund every time.
	Key string
}

// RefundOrder returns in.Amount of the order's charge to the buyer through
// the payment provider and, with OrderEvents, queues an order_update that
// carries it. It is safe against retries, concurrency and crashes like
// Complete: one transaction records the refund as pending (reserving its
// amount, so refunds never exceed the charge), the provider is called
// outside any transaction with an idempotency key derived from the
// refund, and a second transaction records the outcome. A refund left
// pending (the provider did not answer, or the process died) is finished
// with the same provider key by the same request again (in.Key), and by
// any refund or cancel of the order once the payment lease has passed;
// until then another refund of the order answers EINPROGRESS.
//
// The refund goes to the provider that charged the order (its payment's
// [Payment.Provider]), never to another.
//
// EINVALID for an amount that is not positive or exceeds what is left to
// refund, or a Key reused with another amount; ENOTALLOWED when the
// provider cannot refund; EUNAVAILABLE wrapping [ErrProviderUnknown] when
// the provider that charged is not registered (nothing is recorded);
// EUNAVAILABLE when the provider did not answer (the refund stays
// pending: retry with the same Key). A refusal by the
// provider is recorded as a failed refund and answered ECONFLICT with
// reason "refund_refused".
//
// hooks.Begin runs in the first transaction, hooks.Begun once it has
// committed, and hooks.Commit with the order in the transaction that
// records this request's refund settled (refused included), or in the
// first one when the request's refund was settled already.
func (s *Service) RefundOrder(ctx context.Context, orderID string, in RefundInput, hooks *TxHooks[*Order]) (_ *Order, err error) {
	defer func() { s.observeOrderChange(ChangeRefund, err) }()
	if in.Amount <= 0 {
		return nil, Invalid("amount", "The refund amount must be a positive number of minor units.")
	}
	in.Reason = strings.TrimSpace(in.Reason)
	return s.refund(ctx, orderID, in.Key, hooks, func(o *Order) (*Refund, error) {
		if in.Amount > o.Refundable() {
			return nil, Invalid("amount", "Only %s of order %s can still be refunded.", o.Currency.Format(o.Refundable()), o.ID)
		}
		return &Refund{Amount: in.Amount, Reason: in.Reason}, nil
	}, func(r *Refund) error {
		if r.Amount != in.Amount {
			return Invalid("key", "Refund key %q was used for %d, not %d.", in.Key, r.Amount, in.Amount)
		}
		return nil
	}, nil)
}

// cancelKey is the refund key of an order's cancellation: one per order,
// so a cancel asked for again finishes the first one's refund.
const cancelKey = "cancel"

// CancelOrder cancels an order that has not shipped: it refunds what is
// left of the charge, as RefundOrder does (idempotently: a cancel asked
// for again finishes the first), puts the items back in stock and sets the
// status to canceled, with an order_update. ECONFLICT once the order has
// shipped or is canceled already. hooks run as for RefundOrder; Commit
// also runs where the cancellation completes without a refund (nothing
// was left to refund).
func (s *Service) CancelOrder(ctx context.Context, orderID, reason string, hooks *TxHooks[*Order]) (_ *Order, err error) {
	defer func() { s.observeOrderChange(ChangeCancel, err) }()
	if reason = strings.TrimSpace(reason); reason == "" {
		reason = "Order canceled"
	}
	cancelable := func(o *Order) error {
		if o.Status != OrderConfirmed {
			return Errorf(ECONFLICT, "Order %s is %s and cannot be canceled.", o.ID, o.Status)
		}
		return nil
	}
	return s.refund(ctx, orderID, cancelKey, hooks, func(o *Order) (*Refund, error) {
		if err := cancelable(o); err != nil {
			return nil, err
		}
		return &Refund{Amount: o.Refundable(), Reason: reason}, nil
	}, func(*Refund) error { return nil }, func(ctx context.Context, tx Executor, o *Order) error {
		if err := cancelable(o); err != nil {
			return err
		}
		for _, l := range o.Lines {
			if err := s.releaseStock(ctx, tx, l.Line); err != nil {
				return err
			}
		}
		o.Status = OrderCanceled
		return nil
	})
}

// releaseStock puts a line's quantity back in stock (a declined payment,
// a canceled order). An item no longer in the catalog is skipped: its
// stock row is not kept.
func (s *Service) releaseStock(ctx context.Context, tx Executor, l Line) error {
	if s.Pricer == nil || s.Pricer.Catalog == nil {
		return nil
	}
	if _, ok := s.Pricer.Catalog.Item(l.ItemID); !ok {
		return nil
	}
	if err := tx.AdjustStock(ctx, l.ItemID, l.Quantity); err != nil {
		return fmt.Errorf("release stock of %s: %w", l.ItemID, err)
	}
	return nil
}

// refund runs one refund request as a payment attempt ([runAttempt]).
// With the order locked: a refund with key (when key is set) is this
// request's, finished or re-driven; another pending refund is re-driven
// first once the lease has passed (EINPROGRESS before); otherwise
// newRefund decides the new refund (or refuses). same checks that a keyed
// refund found matches the request. done, when set, runs in the
// transaction that records this request's refund as succeeded (or at
// once, when nothing is left to refund), for CancelOrder's restock and
// status. hooks are the caller's, as RefundOrder documents.
func (s *Service) refund(ctx context.Context, orderID, key string, hooks *TxHooks[*Order], newRefund func(o *Order) (*Refund, error),
	same func(r *Refund) error, done func(ctx context.Context, tx Executor, o *Order) error) (*Order, error) {
	if !s.Payments.canRefund() {
		return nil, Errorf(ENOTALLOWED, "The payment provider cannot refund.")
	}
	// Refunds and their records must not be cut short by a caller that
	// goes away: the outcome would become unknown for no reason.
	ctx = context.WithoutCancel(ctx)
	for i := range 3 { // at most: a stale refund of another request, then this one
		r := &refunding{s: s, orderID: orderID, key: key, hooks: hooks, newRefund: newRefund, same: same, done: done, first: i == 0}
		begun := func() {
			if r.first {
				hooks.begun()
			}
		}
		if err := runAttempt(ctx, s, r.claim, begun); err != nil {
			return nil, err
		}
		if r.replay != nil { // answered without the provider
			if r.applied {
				s.eventsQueued()
			}
			return r.replay, refusal(r.replay, r.refund)
		}
		s.eventsQueued()
		if r.doneErr != nil {
			return r.settled, r.doneErr
		}
		if !r.ours {
			continue // the stale one is settled; now this request's
		}
		return r.settled, refusal(r.settled, r.refund)
	}
	return nil, Errorf(EINPROGRESS, "Another refund of order %s is in progress; retry shortly.", orderID)
}

// refunding is one pass of [Service.refund]: one refund's attempt, this
// request's or a stale one it finishes first.
type refunding struct {
	s         *Service
	orderID   string
	key       string
	hooks     *TxHooks[*Order]
	newRefund func(o *Order) (*Refund, error)
	same      func(r *Refund) error
	done      func(ctx context.Context, tx Executor, o *Order) error
	first     bool // the request's first pass: hooks.Begin runs in it

	refund  Refund
	ours    bool   // refund is this request's
	replay  *Order // this request's refund was settled already: the answer
	applied bool   // done ran in the claim transaction
	ref     string // the charge refunded (Payment.ProviderRef)
	cur     Currency
	settled *Order // the order once refund is settled
	doneErr error  // done refused after the money was returned
}

// claim is the refund's first transaction: it finds or records the
// refund to make, pending, or answers without the provider (r.replay).
func (r *refunding) claim(ctx context.Context, tx Executor) (*attempt[RefundResult], error) {
	s, hooks, done := r.s, r.hooks, r.done
	r.refund, r.ours, r.replay, r.applied = Refund{}, false, nil, false
	if r.first {
		if err := hooks.begin(ctx, tx); err != nil {
			return nil, err
		}
	}
	o, err := s.lockOrder(ctx, tx, r.orderID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	// finish makes done's change without a refund (none is left to
	// make), answering with the order.
	finish := func() (*attempt[RefundResult], error) {
		if err := done(ctx, tx, o); err != nil {
			return nil, err
		}
		o.UpdatedAt, r.applied, r.replay = now, true, o
		if err := s.saveOrder(ctx, tx, o); err != nil {
			return nil, err
		}
		return nil, hooks.commit(ctx, tx, o)
	}
	if i := refundByKey(o, r.key); i >= 0 {
		if err := r.same(&o.Refunds[i]); err != nil {
			return nil, err
		}
		r.refund, r.ours = o.Refunds[i], true
		if r.refund.Status == RefundSucceeded && done != nil {
			return finish() // a cancel cut short after its refund
		}
		if r.refund.Status != RefundPending {
			r.replay = o
			return nil, hooks.commit(ctx, tx, o)
		}
	} else if i := pendingRefund(o); i >= 0 {
		if now.Before(o.Refunds[i].CreatedAt.Add(s.lease())) {
			return nil, Errorf(EINPROGRESS, "Another refund of order %s is in progress; retry shortly.", o.ID)
		}
		r.refund = o.Refunds[i] // stale: finish it first
	} else {
		n, err := r.newRefund(o)
		if err != nil {
			return nil, err
		}
		if n.Amount <= 0 {
			if done == nil {
				return nil, Errorf(ECONFLICT, "Order %s has nothing left to refund.", o.ID)
			}
			return finish()
		}
		n.ID, n.Key, n.Status, n.CreatedAt = NewID("re"), r.key, RefundPending, now
		if n.Key == "" {
			n.Key = n.ID
		}
		o.Refunds = append(o.Refunds, *n)
		o.UpdatedAt = now
		if err := tx.UpdateOrder(ctx, o); err != nil {
			return nil, fmt.Errorf("update order: %w", err)
		}
		r.refund, r.ours = *n, true
	}
	p, err := tx.GetPayment(ctx, o.PaymentID)
	if err != nil {
		return nil, fmt.Errorf("get payment %s: %w", o.PaymentID, err)
	}
	// The refund goes to the provider that charged, whichever is the
	// default now; without it, nothing is recorded or sent.
	prov, err := s.attemptProvider(p.Handler, p.Provider)
	if err != nil {
		return nil, err
	}
	if _, ok := prov.(Refunder); !ok {
		return nil, Errorf(ENOTALLOWED, "The payment provider %s cannot refund.", prov.Name())
	}
	r.ref, r.cur = p.ProviderRef, o.Currency
	return &attempt[RefundResult]{provider: prov, call: r.call, failed: r.failed, settle: r.settle}, nil
}

// call asks the provider for the refund, under a key derived from it.
func (r *refunding) call(ctx context.Context, prov PaymentProvider) (RefundResult, error) {
	refunder, ok := prov.(Refunder)
	if !ok {
		return RefundResult{}, fmt.Errorf("payment provider %s cannot refund", prov.Name())
	}
	return refunder.Refund(ctx, RefundRequest{IdempotencyKey: "agentshop-" + r.refund.ID, ChargeRef: r.ref, Amount: r.refund.Amount, Currency: r.cur, RefundID: r.refund.ID})
}

// failed answers a refund whose outcome is unknown: it stays pending.
func (r *refunding) failed(ctx context.Context, err error) error {
	r.s.logger().ErrorContext(ctx, "payment provider failed to refund; refund left pending for retry", "order", r.orderID, "refund", r.refund.ID, "err", err)
	return &Error{Code: EUNAVAILABLE, Message: "The payment provider did not answer; the refund is pending: retry with the same key.", Err: err}
}

// settle is the refund's second transaction: it records the outcome,
// unless a concurrent re-drive has, and runs done for this request's
// refund.
func (r *refunding) settle(ctx context.Context, tx Executor, res RefundResult) error {
	s, hooks, done := r.s, r.hooks, r.done
	r.settled, r.doneErr = nil, nil
	o, err := s.lockOrder(ctx, tx, r.orderID)
	if err != nil {
		return err
	}
	i := refundIndex(o, r.refund.ID)
	if i < 0 {
		return fmt.Errorf("refund %s vanished from order %s", r.refund.ID, r.orderID)
	}
	r.settled = o
	// answer runs the caller's Commit with this request's refund.
	answer := func() error {
		if !r.ours {
			return nil
		}
		return hooks.commit(ctx, tx, o)
	}
	if o.Refunds[i].Status != RefundPending {
		// A concurrent re-drive, or the provider's event
		// (ApplyPaymentEvent), settled it. A cancel whose refund
		// succeeded still makes its change.
		if done != nil && r.ours && o.Refunds[i].Status == RefundSucceeded && o.Status != OrderCanceled {
			if err := r.finishDone(ctx, tx, o, s.now()); err != nil {
				return err
			}
		}
		return answer()
	}
	now := s.now()
	o.Refunds[i].SettledAt = &now
	o.UpdatedAt = now
	if res.Refused {
		o.Refunds[i].Status, o.Refunds[i].Message = RefundFailed, res.Message
		if err := tx.UpdateOrder(ctx, o); err != nil {
			return err
		}
		return answer()
	}
	o.Refunds[i].Status, o.Refunds[i].ProviderRef = RefundSucceeded, res.Reference
	if done != nil && r.ours {
		return r.finishDone(ctx, tx, o, now)
	}
	if err := s.saveOrder(ctx, tx, o); err != nil {
		return err
	}
	return answer()
}

// finishDone runs done for this request's succeeded refund, stores the
// order and answers.
func (r *refunding) finishDone(ctx context.Context, tx Executor, o *Order, now time.Time) error {
	if err := r.done(ctx, tx, o); err != nil {
		if _, business := errors.AsType[*Error](err); !business {
			return err
		}
		// The money is back with the buyer whatever done says:
		// record the refund, answer done's refusal.
		r.doneErr = err
	}
	o.UpdatedAt = now
	if err := r.s.saveOrder(ctx, tx, o); err != nil {
		return err
	}
	return r.hooks.commit(ctx, tx, o)
}

// refusal is the error for refund r of o when the provider refused it.
func refusal(o *Order, r Refund) error {
	if i := refundIndex(o, r.ID); i >= 0 && o.Refunds[i].Status == RefundFailed {
		return &Error{Code: ECONFLICT, Reason: "refund_refused", Message: "The payment provider refused the refund: " + o.Refunds[i].Message}
	}
	return nil
}

func refundIndex(o *Order, id string) int {
	for i := range o.Refunds {
		if o.Refunds[i].ID == id {
			return i
		}
	}
	return -1
}

// refundByKey returns the index of the refund asked for with key, or -1.
func refundByKey(o *Order, key string) int {
	if key == "" {
		return -1
	}
	for i := range o.Refunds {
		if o.Refunds[i].Key == key {
			return i
		}
	}
	return -1
}

// pendingRefund returns the index of the order's pending refund, or -1.
func pendingRefund(o *Order) int {
	for i := range o.Refunds {
		if o.Refunds[i].Status == RefundPending {
			return i
		}
	}
	return -1
}

// saveOrder stores a changed order and queues its order_update in the
// same transaction: with OrderEvents, and also without it when the order
// has events already, so that an order the agent was told about keeps
// being told about, whichever process (a server, `agentshop orders`)
// makes the change.
func (s *Service) saveOrder(ctx context.Context, tx Executor, o *Order) error {
	if err := tx.UpdateOrder(ctx, o); err != nil {
		return fmt.Errorf("update order: %w", err)
	}
	queue := s.orderEvents(o)
	if !queue {
		es, err := tx.ListEvents(ctx, EventFilter{OrderID: o.ID, Limit: 1})
		if err != nil {
			return fmt.Errorf("list order events: %w", err)
		}
		queue = len(es) > 0
	}
	if queue {
		if err := tx.CreateEvent(ctx, NewEvent(EventOrderUpdate, o.ID, o.UpdatedAt)); err != nil {
			return fmt.Errorf("queue order event: %w", err)
		}
	}
	return nil
}

// orderEvents reports whether o's changes go to the outbox: with
// OrderEvents, except a test order's when SkipTestOrderEvents is set.
func (s *Service) orderEvents(o *Order) bool {
	return s.OrderEvents && !(s.SkipTestOrderEvents && o.Mode == ModeTest)
}

// eventsQueued wakes the delivery worker after a commit that queued
// events.
func (s *Service) eventsQueued() {
	if s.OrderEvents && s.EventsQueued != nil {
		s.EventsQueued()
	}
}

// lockOrder is tx.LockOrder with ENOTFOUND for a missing order.
func (s *Service) lockOrder(ctx context.Context, tx Executor, id string) (*Order, error) {
	o, err := tx.LockOrder(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, &Error{Code: ENOTFOUND, Message: fmt.Sprintf("No order %q.", id), Err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("lock order %s: %w", id, err)
	}
	return o, nil
}
