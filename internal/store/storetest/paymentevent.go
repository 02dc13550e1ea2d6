package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/store"
)

// testInboundEvents checks the records of provider events: conflicts on
// (provider, id), listing newest first and by result, and the retention
// sweep by age and by count.
func testInboundEvents(t *testing.T, open func(t *testing.T) store.Store) {
	ctx, s := setup(t, open)
	rec := func(i int, res commerce.EventResult) *commerce.InboundEvent {
		return &commerce.InboundEvent{Provider: "stripe", ID: fmt.Sprintf("evt_%02d", i), Type: "charge.refunded", Result: res,
			PaymentRef: "pi_1", ObjectRef: "re_1", OrderID: "ord_1", Amount: 500, Currency: "usd",
			OccurredAt: baseTime.Add(time.Duration(i) * time.Minute), ReceivedAt: baseTime.Add(time.Duration(i) * time.Minute)}
	}
	for i := range 6 {
		res := commerce.EventApplied
		if i%2 == 1 {
			res = commerce.EventUnmatched
		}
		requireNoError(t, s.CreateInboundEvent(ctx, rec(i, res)), "create inbound event")
	}
	err := s.InTx(ctx, func(tx commerce.Executor) error {
		return tx.(commerce.PaymentEventExecutor).CreateInboundEvent(ctx, rec(0, commerce.EventApplied))
	})
	requireIs(t, err, commerce.ErrConflict, "the same event recorded again")
	other := rec(0, commerce.EventApplied)
	other.Provider = "braintree"
	requireNoError(t, s.CreateInboundEvent(ctx, other), "the same id from another provider")

	got, err := s.GetInboundEvent(ctx, "stripe", "evt_03")
	requireNoError(t, err, "get inbound event")
	requireDiff(t, rec(3, commerce.EventUnmatched), got, "inbound event as stored")
	_, err = s.GetInboundEvent(ctx, "stripe", "evt_99")
	requireIs(t, err, commerce.ErrNotFound, "get an unknown event")

	unmatched, err := s.ListInboundEvents(ctx, commerce.InboundFilter{Result: commerce.EventUnmatched})
	requireNoError(t, err, "list unmatched")
	if ids := inboundIDs(unmatched); fmt.Sprint(ids) != "[evt_05 evt_03 evt_01]" {
		t.Errorf("unmatched = %v, want newest first", ids)
	}
	all, err := s.ListInboundEvents(ctx, commerce.InboundFilter{Limit: 2})
	requireNoError(t, err, "list")
	if ids := inboundIDs(all); fmt.Sprint(ids) != "[evt_05 evt_04]" {
		t.Errorf("list limit 2 = %v", ids)
	}

	// Older than evt_02 goes (evt_00, evt_01, braintree's evt_00); then
	// the newest 2 are kept of what is left.
	n, err := s.DeleteInboundEvents(ctx, baseTime.Add(2*time.Minute), 1000)
	requireNoError(t, err, "delete by age")
	if n != 3 {
		t.Errorf("deleted %d by age, want 3", n)
	}
	n, err = s.DeleteInboundEvents(ctx, time.Time{}, 2)
	requireNoError(t, err, "delete by count")
	if n != 2 {
		t.Errorf("deleted %d by count, want 2", n)
	}
	all, err = s.ListInboundEvents(ctx, commerce.InboundFilter{})
	requireNoError(t, err, "list after sweep")
	if ids := inboundIDs(all); fmt.Sprint(ids) != "[evt_05 evt_04]" {
		t.Errorf("after the sweep: %v", ids)
	}
}

func inboundIDs(es []*commerce.InboundEvent) []string {
	var ids []string
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	return ids
}

// paymentEvents is a paid order's bundle for the provider-event tests.
type paymentEvents struct {
	*serviceBundle
	seq int
}

func (b *paymentEvents) apply(t *testing.T, ev commerce.PaymentEvent) commerce.EventOutcome {
	t.Helper()
	if ev.ID == "" {
		b.seq++
		ev.ID = fmt.Sprintf("evt_%d", b.seq)
	}
	ev.Provider = "storetest"
	if ev.OccurredAt.IsZero() {
		ev.OccurredAt = b.clock.Now()
	}
	out, err := b.svc.ApplyPaymentEvent(t.Context(), ev)
	requireNoError(t, err, "apply "+ev.Type)
	return out
}

func (b *paymentEvents) order(t *testing.T, id string) *commerce.Order {
	t.Helper()
	o, err := b.store.GetOrder(t.Context(), id)
	requireNoError(t, err, "get order")
	return o
}

func (b *paymentEvents) events(t *testing.T, orderID string) []commerce.EventType {
	t.Helper()
	es, err := b.store.ListEvents(t.Context(), commerce.EventFilter{OrderID: orderID})
	requireNoError(t, err, "list order events")
	var types []commerce.EventType
	for _, e := range es {
		types = append(types, e.Type)
	}
	return types
}

// testPaymentEvents runs [commerce.Service.ApplyPaymentEvent] on the
// store: asynchronous results settle a pending attempt once (racing a
// re-drive of complete too), refunds made at the provider appear once and
// never double agentshop's own, disputes open and move in event order,
// redeliveries change nothing, unknown payments are kept as unmatched.
func testPaymentEvents(t *testing.T, open func(t *testing.T) store.Store) {
	setupEvents := func(t *testing.T) *paymentEvents {
		t.Helper()
		_, b := setupService(t, open)
		b.svc.OrderEvents = true
		return &paymentEvents{serviceBundle: b}
	}
	// pending leaves a session with an attempt the provider charged but
	// whose answer was lost.
	pending := func(t *testing.T, b *paymentEvents) (*commerce.View, *commerce.Payment) {
		t.Helper()
		ctx := t.Context()
		v := b.createPayable(t, ctx)
		b.provider.lose = 1
		if _, err := b.svc.Complete(ctx, v.Session.ID, commerce.CompleteInput{Token: "tok_ok"}, nil); commerce.ErrorCode(err) != commerce.EUNAVAILABLE {
			t.Fatalf("complete with a lost answer: %v, want %s", err, commerce.EUNAVAILABLE)
		}
		ps, err := b.store.ListPayments(ctx, v.Session.ID)
		requireNoError(t, err, "list payments")
		if len(ps) != 1 || ps[0].Status != commerce.PaymentPending {
			t.Fatalf("payments = %+v, want one pending", ps)
		}
		return v, ps[0]
	}
	succeeded := func(v *commerce.View, p *commerce.Payment) commerce.PaymentEvent {
		return commerce.PaymentEvent{Type: "payment_intent.succeeded", PaymentRef: "ch_" + p.IdempotencyKey,
			SessionID: v.Session.ID, AttemptKey: p.IdempotencyKey,
			Charge: &commerce.ChargeEvent{Result: commerce.ChargeResult{Outcome: commerce.ChargeSucceeded}}}
	}
	paid := func(t *testing.T, b *paymentEvents) *commerce.Order {
		t.Helper()
		v := b.createPayable(t, t.Context())
		v, err := b.svc.Complete(t.Context(), v.Session.ID, commerce.CompleteInput{Token: "tok_ok"}, nil)
		requireNoError(t, err, "complete")
		return v.Order
	}

	t.Run("AsyncSuccessSettlesOnce", func(t *testing.T) {
		b := setupEvents(t)
		ctx := t.Context()
		v, p := pending(t, b)
		ev := succeeded(v, p)
		ev.ID = "evt_async"
		out := b.apply(t, ev)
		if out.Result != commerce.EventApplied || out.OrderID == "" {
			t.Fatalf("async success = %+v, want applied with an order", out)
		}
		o := b.order(t, out.OrderID)
		if o.PaymentID != p.ID || o.Totals.Total != p.Amount {
			t.Errorf("order = %+v, want paid by %s for %d", o, p.ID, p.Amount)
		}
		got, err := b.store.GetPayment(ctx, p.ID)
		requireNoError(t, err, "get payment")
		if got.Status != commerce.PaymentSucceeded || got.ProviderRef != "ch_"+p.IdempotencyKey || got.Token != "" {
			t.Errorf("payment = %+v, want succeeded with the provider's ref and no token", got)
		}
		if again := b.apply(t, ev); again.Result != commerce.EventDuplicate {
			t.Errorf("redelivery = %+v, want duplicate", again)
		}
		// Another event about the same success changes nothing either.
		if other := b.apply(t, succeeded(v, p)); other.Result != commerce.EventIgnored {
			t.Errorf("a second success event = %+v, want ignored", other)
		}
		// The agent's retry of complete answers the order, charging nothing.
		cv, err := b.svc.Complete(ctx, v.Session.ID, commerce.CompleteInput{Token: "tok_ok"}, nil)
		requireNoError(t, err, "complete after the event")
		if cv.Order == nil || cv.Order.ID != out.OrderID {
			t.Errorf("complete after the event: %+v, want order %s", cv.Order, out.OrderID)
		}
		b.requireOrders(t, ctx, 1)
		b.requireStock(t, ctx, initialStock-lineQuantity)
		if types := b.events(t, out.OrderID); fmt.Sprint(types) != "[order_create]" {
			t.Errorf("order events = %v, want one order_create", types)
		}
	})

	// The provider's event and a re-drive of complete settle the same
	// attempt at once: one order, and both answer it.
	t.Run("AsyncSuccessRacesRedrive", func(t *testing.T) {
		for i := range 5 {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				b := setupEvents(t)
				ctx := t.Context()
				v, p := pending(t, b)
				start := make(chan struct{})
				var (
					wg       sync.WaitGroup
					orderIDs [2]string
					errs     [2]error
				)
				wg.Go(func() {
					<-start
					cv, err := b.svc.Complete(ctx, v.Session.ID, commerce.CompleteInput{Token: "tok_ok"}, nil)
					if err == nil && cv.Order != nil {
						orderIDs[0] = cv.Order.ID
					}
					errs[0] = err
				})
				wg.Go(func() {
					<-start
					ev := succeeded(v, p)
					ev.ID, ev.Provider, ev.OccurredAt = "evt_race", "storetest", b.clock.Now()
					out, err := b.svc.ApplyPaymentEvent(ctx, ev)
					orderIDs[1], errs[1] = out.OrderID, err
				})
				close(start)
				wg.Wait()
				for i, err := range errs {
					if err != nil && commerce.ErrorCode(err) != commerce.EINPROGRESS {
						t.Errorf("racer %d: %v", i, err)
					}
				}
				orders := b.requireOrders(t, ctx, 1)
				if orderIDs[1] != orders[0].ID || orderIDs[0] != "" && orderIDs[0] != orders[0].ID {
					t.Errorf("racers answered orders %v, stored %s", orderIDs, orders[0].ID)
				}
				b.requireStock(t, ctx, initialStock-lineQuantity)
				if charged, _ := b.provider.charges(); charged != 1 {
					t.Errorf("%d charges, want 1", charged)
				}
				if types := b.events(t, orders[0].ID); fmt.Sprint(types) != "[order_create]" {
					t.Errorf("order events = %v, want one order_create", types)
				}
			})
		}
	})

	t.Run("AsyncFailure", func(t *testing.T) {
		b := setupEvents(t)
		ctx := t.Context()
		v, p := pending(t, b)
		processing := succeeded(v, p)
		processing.Type, processing.Charge = "payment_intent.processing", &commerce.ChargeEvent{}
		if out := b.apply(t, processing); out.Result != commerce.EventIgnored {
			t.Errorf("processing = %+v, want ignored", out)
		}
		// Named by the attempt key alone, as Braintree's orderId names it.
		failed := succeeded(v, p)
		failed.SessionID, failed.PaymentRef = "", "txn_unknown_yet"
		failed.Type = "payment_intent.payment_failed"
		failed.Charge = &commerce.ChargeEvent{Result: commerce.ChargeResult{Outcome: commerce.ChargeDeclined, DeclineCode: "insufficient_funds", Message: "Your card has insufficient funds."}}
		if out := b.apply(t, failed); out.Result != commerce.EventApplied || out.OrderID != "" {
			t.Errorf("failure = %+v, want applied without an order", out)
		}
		got, err := b.store.GetPayment(ctx, p.ID)
		requireNoError(t, err, "get payment")
		if got.Status != commerce.PaymentFailed || got.DeclineCode != "insufficient_funds" {
			t.Errorf("payment = %+v, want failed", got)
		}
		b.requireStock(t, ctx, initialStock)
		sv, err := b.svc.Get(ctx, v.Session.ID)
		requireNoError(t, err, "get session")
		if sv.Status != commerce.StatusReady || sv.Session.PaymentMessage == nil || sv.Session.PaymentMessage.Code != commerce.CodePaymentDeclined {
			t.Errorf("session = %s %+v, want payable with the decline", sv.Status, sv.Session.PaymentMessage)
		}
		b.requireOrders(t, ctx, 0)
	})

	t.Run("ExternalRefundOnce", func(t *testing.T) {
		b := setupEvents(t)
		ctx := t.Context()
		o := paid(t, b)
		ours, err := b.svc.RefundOrder(ctx, o.ID, commerce.RefundInput{Amount: 700, Key: "k1"}, nil)
		requireNoError(t, err, "our refund")
		ourRef := ours.Refunds[0].ProviderRef
		chargeRef := "ch_agentshop-" + o.SessionID + "-attempt-1"

		// The provider's event about our own refund: nothing new.
		if out := b.apply(t, commerce.PaymentEvent{Type: "refund.created", PaymentRef: chargeRef,
			Refund: &commerce.RefundEvent{Ref: ourRef, Amount: 700, Currency: "usd", Status: commerce.RefundSucceeded}}); out.Result != commerce.EventIgnored {
			t.Errorf("event of our refund = %+v, want ignored", out)
		}
		dash := commerce.PaymentEvent{Type: "refund.created", PaymentRef: chargeRef,
			Refund: &commerce.RefundEvent{Ref: "re_dashboard", Amount: 300, Currency: "usd", Status: commerce.RefundSucceeded, Reason: "requested_by_customer"}}
		out := b.apply(t, dash)
		if out.Result != commerce.EventApplied || out.Refund == nil || !out.Refund.External || out.OrderID != o.ID {
			t.Fatalf("dashboard refund = %+v, want an applied external refund of %s", out, o.ID)
		}
		// The same refund in another event (charge.refunded after
		// refund.created): counted once.
		dash.Type = "charge.refunded"
		if out := b.apply(t, dash); out.Result != commerce.EventIgnored {
			t.Errorf("the same refund again = %+v, want ignored", out)
		}
		got := b.order(t, o.ID)
		if got.Refunded() != 1000 || len(got.Refunds) != 2 {
			t.Errorf("refunded %d in %d refunds, want 1000 in 2: %+v", got.Refunded(), len(got.Refunds), got.Refunds)
		}
		r := got.Refunds[1]
		if r.Status != commerce.RefundSucceeded || r.ProviderRef != "re_dashboard" || !r.External || r.Reason != "requested_by_customer" {
			t.Errorf("external refund = %+v", r)
		}
		// Stripe later says the dashboard refund failed.
		failed := dash
		failed.Type = "refund.updated"
		failed.Refund = &commerce.RefundEvent{Ref: "re_dashboard", Amount: 300, Currency: "usd", Status: commerce.RefundFailed}
		if out := b.apply(t, failed); out.Result != commerce.EventApplied {
			t.Errorf("refund failed later = %+v, want applied", out)
		}
		if got := b.order(t, o.ID); got.Refunded() != 700 {
			t.Errorf("refunded %d after the failure, want 700", got.Refunded())
		}
		if types := b.events(t, o.ID); len(types) != 4 {
			t.Errorf("order events = %v, want order_create and three order_updates", types)
		}
	})

	// Our refund whose answer was lost is settled by the provider's event;
	// the retry then answers it without refunding again.
	t.Run("PendingRefundSettledByEvent", func(t *testing.T) {
		b := setupEvents(t)
		ctx := t.Context()
		o := paid(t, b)
		b.provider.loseRefunds = 1
		if _, err := b.svc.RefundOrder(ctx, o.ID, commerce.RefundInput{Amount: 500, Key: "k1"}, nil); commerce.ErrorCode(err) != commerce.EUNAVAILABLE {
			t.Fatalf("refund with a lost answer: %v", err)
		}
		pendingRefund := b.order(t, o.ID).Refunds[0]
		out := b.apply(t, commerce.PaymentEvent{Type: "refund.created", PaymentRef: "ch_agentshop-" + o.SessionID + "-attempt-1",
			Refund: &commerce.RefundEvent{Ref: "re_from_event", RefundID: pendingRefund.ID, Amount: 500, Currency: "usd", Status: commerce.RefundSucceeded}})
		if out.Result != commerce.EventApplied || out.Refund == nil || out.Refund.External {
			t.Fatalf("event of our pending refund = %+v", out)
		}
		got, err := b.svc.RefundOrder(ctx, o.ID, commerce.RefundInput{Amount: 500, Key: "k1"}, nil)
		requireNoError(t, err, "retry of the refund")
		if got.Refunded() != 500 || len(got.Refunds) != 1 || got.Refunds[0].ProviderRef != "re_from_event" {
			t.Errorf("after the retry: %+v", got.Refunds)
		}
		if total, _ := b.provider.refunded(); total != 500 {
			t.Errorf("provider refunded %d, want 500", total)
		}
	})

	t.Run("DisputeLifecycle", func(t *testing.T) {
		b := setupEvents(t)
		ctx := t.Context()
		o := paid(t, b)
		ref := "ch_agentshop-" + o.SessionID + "-attempt-1"
		due := baseTime.Add(7 * 24 * time.Hour)
		dispute := func(typ string, st commerce.DisputeStatus, at time.Time) commerce.PaymentEvent {
			return commerce.PaymentEvent{Type: typ, PaymentRef: ref, OccurredAt: at, Dispute: &commerce.DisputeEvent{
				Ref: "dp_1", Amount: o.Totals.Total, Currency: "usd", Reason: "fraudulent", Status: st, EvidenceDueBy: &due}}
		}
		t0 := b.clock.Now()
		out := b.apply(t, dispute("charge.dispute.created", commerce.DisputeNeedsResponse, t0))
		if out.Result != commerce.EventApplied || out.Dispute == nil || out.Dispute.Status != commerce.DisputeNeedsResponse {
			t.Fatalf("dispute opened = %+v", out)
		}
		got := b.order(t, o.ID)
		if len(got.Disputes) != 1 || got.Disputes[0].ProviderRef != "dp_1" || got.Disputes[0].EvidenceDueBy == nil ||
			!got.Disputes[0].EvidenceDueBy.Equal(due) || got.Disputes[0].Reason != "fraudulent" {
			t.Fatalf("order disputes = %+v", got.Disputes)
		}
		open, err := b.svc.ListDisputes(ctx, commerce.DisputeFilter{Open: true})
		requireNoError(t, err, "list open disputes")
		if len(open) != 1 || open[0].OrderID != o.ID {
			t.Errorf("open disputes = %+v", open)
		}
		b.clock.Advance(time.Hour)
		t1 := b.clock.Now()
		withdrawn := dispute("charge.dispute.funds_withdrawn", commerce.DisputeNeedsResponse, t1)
		withdrawn.Dispute.FundsWithdrawn = true
		if out := b.apply(t, withdrawn); out.Result != commerce.EventApplied || !out.Dispute.FundsWithdrawn {
			t.Errorf("funds withdrawn = %+v", out)
		}
		// An update from before the last one, delivered late: kept, no change.
		if out := b.apply(t, dispute("charge.dispute.updated", commerce.DisputeUnderReview, t0.Add(time.Minute))); out.Result != commerce.EventIgnored {
			t.Errorf("late older update = %+v, want ignored", out)
		}
		b.clock.Advance(time.Hour)
		lost := dispute("charge.dispute.closed", commerce.DisputeLost, b.clock.Now())
		lost.Dispute.EvidenceDueBy = nil
		if out := b.apply(t, lost); out.Result != commerce.EventApplied || out.Dispute.Status != commerce.DisputeLost {
			t.Errorf("dispute lost = %+v", out)
		}
		got = b.order(t, o.ID)
		if len(got.Disputes) != 1 || got.Disputes[0].Status != commerce.DisputeLost || !got.Disputes[0].FundsWithdrawn ||
			got.Disputes[0].EvidenceDueBy != nil {
			t.Errorf("order disputes after losing = %+v", got.Disputes)
		}
		locked := new(commerce.Order)
		requireNoError(t, b.store.InTx(ctx, func(tx commerce.Executor) error {
			var err error
			locked, err = tx.LockOrder(ctx, o.ID)
			return err
		}), "lock order")
		requireDiff(t, got.Disputes, locked.Disputes, "disputes read by LockOrder")
		listed, err := b.store.ListOrders(ctx, 10)
		requireNoError(t, err, "list orders")
		requireDiff(t, got.Disputes, listed[0].Disputes, "disputes read by ListOrders")
		open, err = b.svc.ListDisputes(ctx, commerce.DisputeFilter{Open: true})
		requireNoError(t, err, "list open disputes")
		all, err := b.svc.ListDisputes(ctx, commerce.DisputeFilter{})
		requireNoError(t, err, "list disputes")
		if len(open) != 0 || len(all) != 1 {
			t.Errorf("open %d, all %d disputes after losing, want 0 and 1", len(open), len(all))
		}
		if types := b.events(t, o.ID); len(types) != 4 {
			t.Errorf("order events = %v, want order_create and three order_updates", types)
		}
	})

	t.Run("DisputesByEvidenceDue", func(t *testing.T) {
		b := setupEvents(t)
		ctx := t.Context()
		for i, days := range []int{9, 2, -1, 5} {
			o := paid(t, b)
			ev := commerce.PaymentEvent{Type: "charge.dispute.created", PaymentRef: "ch_agentshop-" + o.SessionID + "-attempt-1",
				Dispute: &commerce.DisputeEvent{Ref: fmt.Sprintf("dp_%d", i), Amount: 100, Currency: "usd", Status: commerce.DisputeNeedsResponse}}
			if days >= 0 {
				ev.Dispute.EvidenceDueBy = new(baseTime.Add(time.Duration(days) * 24 * time.Hour))
			}
			b.apply(t, ev)
		}
		want := []string{"dp_1", "dp_3", "dp_0", "dp_2"} // 2, 5, 9 days, then none
		open, err := b.svc.ListDisputes(ctx, commerce.DisputeFilter{Open: true})
		requireNoError(t, err, "list open disputes")
		var got []string
		for _, d := range open {
			got = append(got, d.ProviderRef)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("open disputes = %v, want %v", got, want)
		}
	})

	t.Run("Unmatched", func(t *testing.T) {
		b := setupEvents(t)
		ctx := t.Context()
		for _, ev := range []commerce.PaymentEvent{
			{Type: "charge.dispute.created", PaymentRef: "ch_elsewhere", Dispute: &commerce.DisputeEvent{Ref: "dp_x", Amount: 100, Currency: "usd", Status: commerce.DisputeNeedsResponse}},
			{Type: "payment_intent.succeeded", PaymentRef: "pi_elsewhere", SessionID: "cs_unknown", AttemptKey: "k",
				Charge: &commerce.ChargeEvent{Result: commerce.ChargeResult{Outcome: commerce.ChargeSucceeded}}},
			{Type: "refund.created", PaymentRef: "ch_elsewhere", Refund: &commerce.RefundEvent{Ref: "re_x", Amount: 100, Currency: "usd", Status: commerce.RefundSucceeded}},
		} {
			if out := b.apply(t, ev); out.Result != commerce.EventUnmatched {
				t.Errorf("%s of an unknown payment = %+v, want unmatched", ev.Type, out)
			}
		}
		got, err := b.store.ListInboundEvents(ctx, commerce.InboundFilter{Result: commerce.EventUnmatched})
		requireNoError(t, err, "list unmatched")
		if len(got) != 3 || got[0].Type != "refund.created" || got[0].ObjectRef != "re_x" || got[0].Amount != 100 {
			t.Errorf("unmatched events = %+v", got)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		b := setupEvents(t)
		for _, ev := range []commerce.PaymentEvent{
			{Provider: "storetest", Type: "x"},
			{Provider: "storetest", ID: "evt_1", Type: "x"},
			{Provider: "storetest", ID: "evt_1", Refund: &commerce.RefundEvent{Status: commerce.RefundPending}},
		} {
			_, err := b.svc.ApplyPaymentEvent(t.Context(), ev)
			if e, ok := errors.AsType[*commerce.Error](err); !ok || e.Code != commerce.EINVALID {
				t.Errorf("ApplyPaymentEvent(%+v) = %v, want %s", ev, err, commerce.EINVALID)
			}
		}
		if got, _ := b.store.ListInboundEvents(t.Context(), commerce.InboundFilter{}); len(got) != 0 {
			t.Errorf("invalid events were recorded: %+v", got)
		}
	})
}
