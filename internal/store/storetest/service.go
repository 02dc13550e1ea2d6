package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/store"
)

const (
	initialStock = 10
	lineQuantity = 2
	lease        = 30 * time.Second
)

// serviceBundle is a real [commerce.Service] on the store under test with
// its collaborators.
type serviceBundle struct {
	store    store.Store
	svc      *commerce.Service
	provider *provider
	clock    *clock
}

func setupService(t *testing.T, open func(t *testing.T) store.Store) (context.Context, *serviceBundle) {
	t.Helper()
	ctx, s := setup(t, open)
	return ctx, bundleOn(t, ctx, s)
}

// bundleOn is the service bundle on s, whose stock it seeds.
func bundleOn(t *testing.T, ctx context.Context, s store.Store) *serviceBundle {
	t.Helper()
	cat, err := commerce.NewCatalog([]commerce.Item{
		{ID: "item_mug", ProductID: "prod_mug", Title: "Mug", Price: 1500, Currency: "usd", Stock: initialStock},
		{ID: "item_poster", ProductID: "prod_poster", Title: "Poster", Price: 900, Currency: "usd", Stock: 3},
	})
	requireNoError(t, err, "catalog")
	requireNoError(t, s.SeedStock(ctx, cat.InitialStock()), "seed stock")
	b := &serviceBundle{
		store:    s,
		provider: &provider{delay: 5 * time.Millisecond},
		clock:    &clock{now: baseTime},
	}
	b.svc = &commerce.Service{
		Store: s,
		Pricer: &commerce.Pricer{Catalog: cat, Config: commerce.PricingConfig{
			HomeCountry: "US",
			Shipping:    commerce.ShippingRates{DomesticStandard: 500, DomesticExpress: 1500, IntlStandard: 2000, IntlExpress: 4000},
			Taxes:       []commerce.TaxRate{{Country: "US", Region: "CA", BPS: 725}},
		}},
		Payments:     commerce.MustPayments(b.provider),
		Now:          b.clock.Now,
		PaymentLease: lease,
	}
	return b
}

// createPayable creates a session for two mugs shipped to California,
// ready for payment.
func (b *serviceBundle) createPayable(tb testing.TB, ctx context.Context) *commerce.View {
	tb.Helper()
	v, err := b.svc.Create(ctx, commerce.CreateInput{
		Lines: []commerce.LineInput{{ItemID: "item_mug", Quantity: lineQuantity}},
		Fulfillment: &commerce.FulfillmentInput{Name: "Ada Lovelace", Email: "ada@example.com", Address: &commerce.Address{
			Name: "Ada Lovelace", LineOne: "1 Main St", City: "Springfield", State: "CA", Country: "US", PostalCode: "94000"}},
	}, nil)
	requireNoError(tb, err, "create session")
	if v.Status != commerce.StatusReady {
		tb.Fatalf("new session status = %s, want %s (messages %+v)", v.Status, commerce.StatusReady, v.Messages)
	}
	return v
}

func (b *serviceBundle) requireStock(tb testing.TB, ctx context.Context, want int64) {
	tb.Helper()
	got, err := b.store.StockLevels(ctx, []string{"item_mug"})
	requireNoError(tb, err, "stock levels")
	if got["item_mug"] != want {
		tb.Errorf("stock = %d, want %d", got["item_mug"], want)
	}
}

func (b *serviceBundle) requireOrders(tb testing.TB, ctx context.Context, want int) []*commerce.Order {
	tb.Helper()
	orders, err := b.store.ListOrders(ctx, 100)
	requireNoError(tb, err, "list orders")
	if len(orders) != want {
		tb.Fatalf("orders = %d, want %d", len(orders), want)
	}
	return orders
}

func testService(t *testing.T, open func(t *testing.T) store.Store) {
	// Twenty agents complete one session at once: one charge, one order,
	// one stock decrement; the others see the order or EINPROGRESS.
	t.Run("ConcurrentComplete", func(t *testing.T) {
		ctx, b := setupService(t, open)
		sess := b.createPayable(t, ctx)

		const n = 20
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			ids   = map[string]int{}
			inFly int
		)
		start := make(chan struct{})
		for range n {
			wg.Go(func() {
				<-start
				v, err := b.svc.Complete(ctx, sess.Session.ID, commerce.CompleteInput{Token: "tok_ok"}, nil)
				mu.Lock()
				defer mu.Unlock()
				switch e, _ := errors.AsType[*commerce.Error](err); {
				case err == nil && v.Status == commerce.StatusCompleted && v.Order != nil:
					ids[v.Order.ID]++
				case e != nil && e.Code == commerce.EINPROGRESS:
					inFly++
				default:
					t.Errorf("complete = (%+v, %v), want completed or %s", v, err, commerce.EINPROGRESS)
				}
			})
		}
		close(start)
		wg.Wait()

		if len(ids) != 1 {
			t.Fatalf("completed views carry order ids %v, want exactly one id", ids)
		}
		t.Logf("%d completed, %d in progress", n-inFly, inFly)
		charged, calls := b.provider.charges()
		if charged != 1 || len(calls) != 1 {
			t.Errorf("provider charged %d times, calls per key %v; want one charge, one call", charged, calls)
		}
		for _, c := range calls {
			if c != 1 {
				t.Errorf("provider calls per key = %v, want 1", calls)
			}
		}
		orders := b.requireOrders(t, ctx, 1)
		for id := range ids {
			if orders[0].ID != id || orders[0].SessionID != sess.Session.ID {
				t.Errorf("stored order %s of %s, views say %s of %s", orders[0].ID, orders[0].SessionID, id, sess.Session.ID)
			}
		}
		b.requireStock(t, ctx, initialStock-lineQuantity)
		ps, err := b.store.ListPayments(ctx, sess.Session.ID)
		requireNoError(t, err, "list payments")
		if len(ps) != 1 || ps[0].Status != commerce.PaymentSucceeded || ps[0].Token != "" {
			t.Errorf("payments = %+v, want one succeeded attempt with its token cleared", ps)
		}

		// Completing again charges nothing.
		v, err := b.svc.Complete(ctx, sess.Session.ID, commerce.CompleteInput{Token: "tok_ok"}, nil)
		requireNoError(t, err, "complete again")
		if v.Order == nil || v.Order.ID != orders[0].ID {
			t.Errorf("complete again: order %+v, want %s", v.Order, orders[0].ID)
		}
		if charged, _ := b.provider.charges(); charged != 1 {
			t.Errorf("provider charged %d times, want 1", charged)
		}
	})

	// Eight sessions, each ready to pay for two of the ten mugs, complete
	// at once: five get orders, and the stock never goes below zero. The
	// other three charge nothing and answer with their session, now
	// showing that the mugs ran out, whether the store reported the
	// shortage at the stock update or only at commit.
	t.Run("StockRunsOut", func(t *testing.T) {
		ctx, b := setupService(t, open)
		const n = 8
		sessions := make([]*commerce.View, n)
		for i := range sessions {
			sessions[i] = b.createPayable(t, ctx)
		}
		var (
			wg              sync.WaitGroup
			mu              sync.Mutex
			completed, gone int
		)
		start := make(chan struct{})
		for _, sess := range sessions {
			wg.Go(func() {
				<-start
				v, err := b.svc.Complete(ctx, sess.Session.ID, commerce.CompleteInput{Token: "tok_ok"}, nil)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err != nil:
					t.Errorf("complete: %v", err)
				case v.Status == commerce.StatusCompleted && v.Order != nil:
					completed++
				case v.Status == commerce.StatusNotReady && (hasMessage(v, commerce.CodeOutOfStock) || hasMessage(v, commerce.CodeQuantityExceeded)):
					gone++
				default:
					t.Errorf("complete = status %s, messages %+v; want completed, or not ready and out of stock", v.Status, v.Messages)
				}
			})
		}
		close(start)
		wg.Wait()
		if completed != initialStock/lineQuantity || gone != n-initialStock/lineQuantity {
			t.Errorf("%d completed, %d out of stock; want %d and %d", completed, gone, initialStock/lineQuantity, n-initialStock/lineQuantity)
		}
		if charged, _ := b.provider.charges(); charged != completed {
			t.Errorf("provider charged %d times for %d orders", charged, completed)
		}
		b.requireOrders(t, ctx, initialStock/lineQuantity)
		b.requireStock(t, ctx, 0)
	})

	// A declined charge releases the reserved stock and leaves the session
	// payable with a payment_declined message; the next attempt succeeds.
	t.Run("DeclineReleasesStock", func(t *testing.T) {
		ctx, b := setupService(t, open)
		sess := b.createPayable(t, ctx)

		v, err := b.svc.Complete(ctx, sess.Session.ID, commerce.CompleteInput{Token: declineToken}, nil)
		requireNoError(t, err, "complete with declined card")
		if v.Status != commerce.StatusReady {
			t.Errorf("status after decline = %s, want %s", v.Status, commerce.StatusReady)
		}
		if !hasMessage(v, commerce.CodePaymentDeclined) {
			t.Errorf("messages after decline = %+v, want %s", v.Messages, commerce.CodePaymentDeclined)
		}
		b.requireStock(t, ctx, initialStock)
		b.requireOrders(t, ctx, 0)

		v, err = b.svc.Complete(ctx, sess.Session.ID, commerce.CompleteInput{Token: "tok_ok"}, nil)
		requireNoError(t, err, "complete with good card")
		if v.Status != commerce.StatusCompleted || v.Order == nil {
			t.Fatalf("status after second attempt = %s, order %v; want completed with an order", v.Status, v.Order)
		}
		b.requireStock(t, ctx, initialStock-lineQuantity)
		b.requireOrders(t, ctx, 1)
		ps, err := b.store.ListPayments(ctx, sess.Session.ID)
		requireNoError(t, err, "list payments")
		var got []commerce.PaymentStatus
		for _, p := range ps {
			got = append(got, p.Status)
		}
		requireDiff(t, []commerce.PaymentStatus{commerce.PaymentFailed, commerce.PaymentSucceeded}, got, "payment statuses")
	})

	// The provider charges but its answer is lost. The attempt stays
	// pending; after its lease a retry re-drives it with the same
	// idempotency key, and the card is charged once in total.
	// The facilitator the provider reports on a charge is recorded on
	// the payment; a decline records none.
	t.Run("Facilitator", func(t *testing.T) {
		ctx, b := setupService(t, open)
		b.provider.facilitator = &commerce.Facilitator{Name: "ChatGPT", ClientID: "oauth_client_1"}
		declined := b.createPayable(t, ctx)
		_, err := b.svc.Complete(ctx, declined.Session.ID, commerce.CompleteInput{Token: declineToken}, nil)
		requireNoError(t, err, "complete declined")
		sess := b.createPayable(t, ctx)
		v, err := b.svc.Complete(ctx, sess.Session.ID, commerce.CompleteInput{Token: "tok_ok"}, nil)
		requireNoError(t, err, "complete")
		if v.Order == nil {
			t.Fatalf("no order: %+v", v.Messages)
		}
		p, err := b.store.GetPayment(ctx, v.Order.PaymentID)
		requireNoError(t, err, "get payment")
		requireDiff(t, b.provider.facilitator, p.Facilitator, "facilitator")
		ps, err := b.store.ListPayments(ctx, declined.Session.ID)
		requireNoError(t, err, "list payments")
		if len(ps) != 1 || ps[0].Status != commerce.PaymentFailed || ps[0].Facilitator != nil {
			t.Errorf("declined payments = %+v, want one failed without a facilitator", ps)
		}
	})

	t.Run("CrashRedrive", func(t *testing.T) {
		ctx, b := setupService(t, open)
		b.provider.lose = 1
		sess := b.createPayable(t, ctx)
		id := sess.Session.ID

		_, err := b.svc.Complete(ctx, id, commerce.CompleteInput{Token: "tok_ok"}, nil)
		if e, ok := errors.AsType[*commerce.Error](err); !ok || e.Code != commerce.EUNAVAILABLE {
			t.Fatalf("complete with a lost answer: error = %v, want %s", err, commerce.EUNAVAILABLE)
		}
		ps, err := b.store.ListPayments(ctx, id)
		requireNoError(t, err, "list payments")
		if len(ps) != 1 || ps[0].Status != commerce.PaymentPending || ps[0].Token == "" {
			t.Fatalf("payments = %+v, want one pending attempt that keeps its token", ps)
		}
		b.requireStock(t, ctx, initialStock-lineQuantity)

		// Had the process died instead, the lease would still be held.
		held := ps[0]
		held.LeaseUntil = b.clock.Now().Add(lease)
		requireNoError(t, b.store.UpdatePayment(ctx, held), "restore lease")
		_, err = b.svc.Complete(ctx, id, commerce.CompleteInput{Token: "tok_other"}, nil)
		if e, ok := errors.AsType[*commerce.Error](err); !ok || e.Code != commerce.EINPROGRESS {
			t.Fatalf("complete within the lease: error = %v, want %s", err, commerce.EINPROGRESS)
		}

		b.clock.Advance(lease + time.Second)
		v, err := b.svc.Complete(ctx, id, commerce.CompleteInput{Token: "tok_other"}, nil)
		requireNoError(t, err, "complete after the lease")
		if v.Status != commerce.StatusCompleted || v.Order == nil {
			t.Fatalf("status after re-drive = %s, order %v; want completed with an order", v.Status, v.Order)
		}
		charged, calls := b.provider.charges()
		if charged != 1 || len(calls) != 1 || calls[held.IdempotencyKey] != 2 {
			t.Errorf("provider charged %d, calls %v; want one charge, two calls with key %s", charged, calls, held.IdempotencyKey)
		}
		b.requireOrders(t, ctx, 1)
		b.requireStock(t, ctx, initialStock-lineQuantity)
		ps, err = b.store.ListPayments(ctx, id)
		requireNoError(t, err, "list payments")
		if len(ps) != 1 || ps[0].ID != held.ID || ps[0].Status != commerce.PaymentSucceeded {
			t.Errorf("payments = %+v, want attempt %s succeeded and no other", ps, held.ID)
		}
	})
}

func hasMessage(v *commerce.View, code string) bool {
	for _, m := range v.Messages {
		if m.Code == code {
			return true
		}
	}
	return false
}
