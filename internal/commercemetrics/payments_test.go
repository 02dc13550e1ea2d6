package commercemetrics_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"agentshop/internal/commerce"
	"agentshop/internal/commercemetrics"
	"agentshop/internal/payment/braintree"
	"agentshop/internal/payment/braintree/braintreetest"
	"agentshop/internal/store/sqlite"
)

// TestPaymentsByFacilitator pays real sessions (SQLite, Braintree's
// fake) and reads the counter: one per order, by the facilitator the
// charge reported; a decline counts nothing, a re-driven charge once.
func TestPaymentsByFacilitator(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "agentshop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat, err := commerce.NewCatalog([]commerce.Item{{ID: "ebook", ProductID: "ebook", Title: "Guide", Price: 999, Currency: "usd", Stock: 100, Digital: true}})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SeedStock(ctx, cat.InitialStock()); err != nil {
		t.Fatal(err)
	}
	f := braintreetest.New(t)
	bt, err := braintree.New(braintree.Config{MerchantID: braintreetest.MerchantID, PublicKey: braintreetest.PublicKey, PrivateKey: braintreetest.PrivateKey,
		Environment: braintree.Sandbox, MerchantAccounts: braintreetest.Accounts(), BaseURL: f.URL()})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	m := commercemetrics.New(reg)
	svc := &commerce.Service{Store: st, Pricer: &commerce.Pricer{Catalog: cat}, Payments: commerce.MustPayments(bt), ObservePayment: m.ObservePayment}
	pay := func(t *testing.T, n braintreetest.Nonce, cut bool) *commerce.View {
		t.Helper()
		v, err := svc.Create(ctx, commerce.CreateInput{Lines: []commerce.LineInput{{ItemID: "ebook", Quantity: 1}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		token := f.Nonce(n)
		if cut {
			f.CutNextCharge()
			if _, err := svc.Complete(ctx, v.Session.ID, commerce.CompleteInput{Token: token}, nil); err == nil {
				t.Fatal("complete with a cut answer succeeded")
			}
		}
		v, err = svc.Complete(ctx, v.Session.ID, commerce.CompleteInput{Token: token}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, cut := range []bool{false, true} {
		if v := pay(t, braintreetest.Nonce{Facilitator: braintreetest.ChatGPT()}, cut); v.Order == nil {
			t.Fatalf("no order: %+v", v.Messages)
		}
	}
	if v := pay(t, braintreetest.Nonce{}, false); v.Order == nil {
		t.Fatalf("no order: %+v", v.Messages)
	}
	if v := pay(t, braintreetest.Nonce{Decline: 2001, Facilitator: braintreetest.ChatGPT()}, false); v.Order != nil {
		t.Fatal("a declined nonce placed an order")
	}
	want := `
# HELP agentshop_payments_by_facilitator_total Payments charged (orders placed) by provider and facilitator: the platform that presented the payment credential for the buyer as the provider reports it (ChatGPT on Braintree), none when it reports none.
# TYPE agentshop_payments_by_facilitator_total counter
agentshop_payments_by_facilitator_total{facilitator="ChatGPT",provider="braintree"} 2
agentshop_payments_by_facilitator_total{facilitator="none",provider="braintree"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "agentshop_payments_by_facilitator_total"); err != nil {
		t.Error(err)
	}
}
