package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"agentshop/internal/commerce"
	"agentshop/internal/store"
)

// gatedProvider is [provider] whose Charge waits until the test lets it
// go: it sends the request on calling, then waits for release to close.
type gatedProvider struct {
	*provider
	calling chan commerce.ChargeRequest
	release chan struct{}
}

func (g *gatedProvider) Charge(ctx context.Context, req commerce.ChargeRequest) (commerce.ChargeResult, error) {
	g.calling <- req
	<-g.release
	return g.provider.Charge(ctx, req)
}

// testChargedQuote checks that an order says what was charged: the claim
// keeps the priced quote on the payment attempt, and the order is built
// from it rather than from pricing the session again after the provider
// call.
func testChargedQuote(t *testing.T, open func(t *testing.T) store.Store) {
	// requireOrderIsCharge checks that the session's one order totals the
	// attempt's amount, which the provider was asked for.
	requireOrderIsCharge := func(t *testing.T, ctx context.Context, b *serviceBundle, v *commerce.View, charged int64) *commerce.Order {
		t.Helper()
		if v.Status != commerce.StatusCompleted || v.Order == nil {
			t.Fatalf("status = %s, order %v; want completed with an order", v.Status, v.Order)
		}
		ps, err := b.store.ListPayments(ctx, v.Session.ID)
		requireNoError(t, err, "list payments")
		if len(ps) != 1 || ps[0].Status != commerce.PaymentSucceeded {
			t.Fatalf("payments = %+v, want one succeeded", ps)
		}
		stored, err := b.store.GetOrder(ctx, v.Order.ID)
		requireNoError(t, err, "get order")
		if stored.Totals.Total != charged || ps[0].Amount != charged || v.Quote.Totals.Total != charged {
			t.Errorf("order total %d, attempt amount %d, answered total %d; the provider charged %d",
				stored.Totals.Total, ps[0].Amount, v.Quote.Totals.Total, charged)
		}
		if ps[0].Quote != nil {
			t.Errorf("the settled attempt still keeps its quote: the order holds it")
		}
		return stored
	}

	// A coupon that expires while the provider is charging: the charge was
	// for the discounted total, and so is the order.
	t.Run("CouponExpiresDuringCharge", func(t *testing.T) {
		ctx, b := setupService(t, open)
		b.svc.Pricer.Config.Coupons = []commerce.Coupon{{Code: "SAVE10", PercentOff: 10, ExpiresAt: baseTime.Add(time.Minute)}}
		g := &gatedProvider{provider: b.provider, calling: make(chan commerce.ChargeRequest, 1), release: make(chan struct{})}
		b.svc.Payments = commerce.MustPayments(g)
		sess := b.createPayable(t, ctx)
		id := sess.Session.ID
		_, err := b.svc.Update(ctx, id, commerce.UpdateInput{CouponCodes: &[]string{"SAVE10"}}, nil)
		requireNoError(t, err, "apply coupon")

		type result struct {
			v   *commerce.View
			err error
		}
		done := make(chan result, 1)
		go func() {
			v, err := b.svc.Complete(ctx, id, commerce.CompleteInput{Token: "tok_ok"}, nil)
			done <- result{v, err}
		}()
		req := <-g.calling
		b.clock.Advance(2 * time.Minute) // the coupon expires mid-call
		close(g.release)
		res := <-done
		requireNoError(t, res.err, "complete")

		o := requireOrderIsCharge(t, ctx, b, res.v, req.Amount)
		if len(o.Applied) != 1 || o.Applied[0].Coupon.Code != "SAVE10" || o.Totals.Discount == 0 {
			t.Errorf("order coupons %+v, discount %d; want SAVE10 applied as charged", o.Applied, o.Totals.Discount)
		}
		// A fresh quote now would not have the discount: the order is
		// not a re-pricing.
		if q := b.svc.Pricer.Quote(&commerce.Session{Lines: res.v.Session.Lines, Address: res.v.Session.Address, CouponCodes: []string{"SAVE10"}}, nil, b.clock.Now()); q.Totals.Total == req.Amount {
			t.Fatalf("test is void: today's price %d equals the charge", q.Totals.Total)
		}
	})

	// An attempt left pending (the provider's answer was lost) is re-driven
	// by a process with other prices: it finishes the charge made at the
	// old prices, and the order says those.
	t.Run("RedriveWithOtherPrices", func(t *testing.T) {
		ctx, b := setupService(t, open)
		b.provider.lose = 1
		sess := b.createPayable(t, ctx)
		id := sess.Session.ID
		charged := sess.Quote.Totals.Total
		if _, err := b.svc.Complete(ctx, id, commerce.CompleteInput{Token: "tok_ok"}, nil); commerce.ErrorCode(err) != commerce.EUNAVAILABLE {
			t.Fatalf("complete with a lost answer: %v, want %s", err, commerce.EUNAVAILABLE)
		}

		// Another process: the mug costs more, shipping too, tax changed.
		cat, err := commerce.NewCatalog([]commerce.Item{
			{ID: "item_mug", ProductID: "prod_mug", Title: "Mug (new)", Price: 2500, Currency: "usd", Stock: initialStock},
		})
		requireNoError(t, err, "catalog")
		other := *b.svc
		other.Pricer = &commerce.Pricer{Catalog: cat, Config: commerce.PricingConfig{
			HomeCountry: "US",
			Shipping:    commerce.ShippingRates{DomesticStandard: 900, DomesticExpress: 1900},
			Taxes:       []commerce.TaxRate{{Country: "US", Region: "CA", BPS: 1000}},
		}}
		v, err := other.Complete(ctx, id, commerce.CompleteInput{Token: "tok_ok"}, nil)
		requireNoError(t, err, "re-drive")
		o := requireOrderIsCharge(t, ctx, b, v, charged)
		if o.Lines[0].Base != 2*1500 || o.Lines[0].Item.Title != "Mug" {
			t.Errorf("order line %+v, want the mug as priced when charged", o.Lines[0])
		}
		if d := cmp.Diff(sess.Quote.Totals, o.Totals); d != "" {
			t.Errorf("order totals differ from the quote charged (-charged +order):\n%s", d)
		}
		charges, calls := b.provider.charges()
		if charges != 1 || len(calls) != 1 {
			t.Errorf("provider charged %d times (calls %v), want once", charges, calls)
		}
	})

	// An attempt claimed by a build that kept no quote (rows written
	// before Payment.Quote existed) still settles, priced as that build
	// did.
	t.Run("LegacyAttemptWithoutQuote", func(t *testing.T) {
		ctx, b := setupService(t, open)
		b.provider.lose = 1
		sess := b.createPayable(t, ctx)
		id := sess.Session.ID
		if _, err := b.svc.Complete(ctx, id, commerce.CompleteInput{Token: "tok_ok"}, nil); commerce.ErrorCode(err) != commerce.EUNAVAILABLE {
			t.Fatalf("complete with a lost answer: %v, want %s", err, commerce.EUNAVAILABLE)
		}
		ps, err := b.store.ListPayments(ctx, id)
		requireNoError(t, err, "list payments")
		legacy := ps[0]
		legacy.Quote = nil
		requireNoError(t, b.store.UpdatePayment(ctx, legacy), "store the attempt as an old build did")

		v, err := b.svc.Complete(ctx, id, commerce.CompleteInput{Token: "tok_ok"}, nil)
		requireNoError(t, err, "re-drive")
		if v.Order == nil || v.Order.Totals.Total != sess.Quote.Totals.Total {
			t.Fatalf("order %+v, want one totalling %d", v.Order, sess.Quote.Totals.Total)
		}
		b.requireOrders(t, ctx, 1)
	})

	// The quote kept on an attempt round-trips through the store.
	t.Run("StoredWithAttempt", func(t *testing.T) {
		ctx, b := setupService(t, open)
		b.svc.Pricer.Config.Coupons = []commerce.Coupon{{Code: "SAVE10", PercentOff: 10}}
		sess := b.createPayable(t, ctx)
		v, err := b.svc.Update(ctx, sess.Session.ID, commerce.UpdateInput{CouponCodes: &[]string{"SAVE10"}}, nil)
		requireNoError(t, err, "apply coupon")
		b.svc.Payments = commerce.MustPayments(&gatedProvider{provider: b.provider,
			calling: make(chan commerce.ChargeRequest, 1), release: make(chan struct{})})
		g := b.svc.Payments.Default().(*gatedProvider)
		done := make(chan error, 1)
		go func() {
			_, err := b.svc.Complete(ctx, sess.Session.ID, commerce.CompleteInput{Token: "tok_ok"}, nil)
			done <- err
		}()
		<-g.calling
		ps, err := b.store.ListPayments(ctx, sess.Session.ID)
		close(g.release)
		requireNoError(t, <-done, "complete")
		requireNoError(t, err, "list payments")
		if len(ps) != 1 || ps[0].Quote == nil {
			t.Fatalf("pending attempts %+v, want one with its quote", ps)
		}
		want := &commerce.QuoteSnapshot{Lines: v.Quote.Lines, Totals: v.Quote.Totals, Applied: v.Quote.Applied, Fulfillment: v.Quote.Selected}
		if d := cmp.Diff(want, ps[0].Quote, cmpOpts); d != "" {
			t.Errorf("stored quote (-priced +stored):\n%s", d)
		}
		if ps[0].Quote.Totals.Discount == 0 || len(ps[0].Quote.Applied) != 1 || ps[0].Quote.Fulfillment == nil {
			t.Errorf("stored quote %+v lacks the coupon or the fulfillment option", ps[0].Quote)
		}
	})
}
