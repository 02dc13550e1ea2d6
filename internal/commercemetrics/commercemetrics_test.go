package commercemetrics_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"agentshop/internal/catalog"
	"agentshop/internal/commerce"
	"agentshop/internal/commercemetrics"
	"agentshop/internal/payment/sandbox"
	"agentshop/internal/store/sqlite"
)

const merchantID = "acct_test"

// TestOrderChanges refunds and cancels real orders (SQLite, the sandbox
// provider) and reads the counters from the registry.
func TestOrderChanges(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "agentshop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat := catalog.Demo()
	if err := st.SeedStock(ctx, cat.InitialStock()); err != nil {
		t.Fatal(err)
	}
	sb := sandbox.New(st, merchantID, nil)
	reg := prometheus.NewPedanticRegistry()
	m := commercemetrics.New(reg)
	svc := &commerce.Service{
		Store:              st,
		Pricer:             &commerce.Pricer{Catalog: cat, Config: commerce.PricingConfig{HomeCountry: "US"}},
		Payments:           commerce.MustPayments(sb),
		ObserveOrderChange: m.ObserveOrderChange,
	}
	order := func(t *testing.T) *commerce.Order {
		t.Helper()
		v, err := svc.Create(ctx, commerce.CreateInput{
			Lines: []commerce.LineInput{{ItemID: "starvie-metheora-warrior", Quantity: 1}},
			Fulfillment: &commerce.FulfillmentInput{Name: "Ada Lovelace", Address: &commerce.Address{
				Name: "Ada Lovelace", LineOne: "1 Market St", City: "San Francisco", State: "CA", Country: "US", PostalCode: "94103"}},
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		vt, err := sb.Delegate(ctx, sandbox.DelegateRequest{
			PaymentMethod: sandbox.PaymentMethodCard{Type: "card", CardNumberType: "fpan", Number: "4242424242424242",
				ExpMonth: "12", ExpYear: "2035", CVC: "123", DisplayCardFundingType: "credit"},
			Allowance: sandbox.Allowance{Reason: "one_time", MaxAmount: v.Quote.Totals.Total, Currency: "usd",
				CheckoutSessionID: v.Session.ID, MerchantID: merchantID, ExpiresAt: time.Now().Add(time.Hour).UTC().Format(time.RFC3339)},
		})
		if err != nil {
			t.Fatal(err)
		}
		v, err = svc.Complete(ctx, v.Session.ID, commerce.CompleteInput{Token: vt.ID}, nil)
		if err != nil || v.Order == nil {
			t.Fatalf("complete: %v %+v", err, v)
		}
		return v.Order
	}

	o := order(t)
	if _, err := svc.RefundOrder(ctx, o.ID, commerce.RefundInput{Amount: 100}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RefundOrder(ctx, o.ID, commerce.RefundInput{Amount: o.Totals.Total}, nil); err == nil {
		t.Fatal("refunded more than was charged")
	}
	if _, err := svc.RefundOrder(ctx, "ord_missing", commerce.RefundInput{Amount: 100}, nil); err == nil {
		t.Fatal("refunded a missing order")
	}
	if _, err := svc.CancelOrder(ctx, o.ID, "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CancelOrder(ctx, o.ID, "", nil); err == nil {
		t.Fatal("canceled a canceled order")
	}
	if _, err := svc.RefundOrder(ctx, o.ID, commerce.RefundInput{Amount: 1}, nil); err == nil {
		t.Fatal("refunded a canceled order")
	}
	o2 := order(t)
	if _, err := svc.CancelOrder(ctx, o2.ID, "", nil); err != nil {
		t.Fatal(err)
	}

	want := `
# HELP agentshop_order_changes_total Order refunds and cancellations by change (refund, cancel) and outcome (succeeded, refused by the provider, pending: the provider did not answer, in_progress, rejected before any money moved, error).
# TYPE agentshop_order_changes_total counter
agentshop_order_changes_total{change="cancel",outcome="error"} 0
agentshop_order_changes_total{change="cancel",outcome="in_progress"} 0
agentshop_order_changes_total{change="cancel",outcome="pending"} 0
agentshop_order_changes_total{change="cancel",outcome="refused"} 0
agentshop_order_changes_total{change="cancel",outcome="rejected"} 1
agentshop_order_changes_total{change="cancel",outcome="succeeded"} 2
agentshop_order_changes_total{change="refund",outcome="error"} 0
agentshop_order_changes_total{change="refund",outcome="in_progress"} 0
agentshop_order_changes_total{change="refund",outcome="pending"} 0
agentshop_order_changes_total{change="refund",outcome="refused"} 0
agentshop_order_changes_total{change="refund",outcome="rejected"} 3
agentshop_order_changes_total{change="refund",outcome="succeeded"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "agentshop_order_changes_total"); err != nil {
		t.Error(err)
	}
}
