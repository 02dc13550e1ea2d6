package braintree_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/payment/braintree/braintreetest"
	"agentshop/internal/store/sqlite"
)

// shop is a commerce.Service on a real SQLite file, paying with Braintree
// (the fake).
type shop struct {
	svc   *commerce.Service
	store *sqlite.DB
	fake  *braintreetest.Server
}

func newShop(t *testing.T) *shop {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "agentshop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat, err := commerce.NewCatalog([]commerce.Item{{ID: "racket", ProductID: "racket", Title: "Racket", Price: 13900, Currency: "usd", Stock: 5, Digital: true}})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SeedStock(ctx, cat.InitialStock()); err != nil {
		t.Fatal(err)
	}
	f := braintreetest.New(t)
	p, _ := newProvider(t, f)
	return &shop{store: st, fake: f, svc: &commerce.Service{
		Store:        st,
		Pricer:       &commerce.Pricer{Catalog: cat},
		Payments:     commerce.MustPayments(p),
		PaymentLease: time.Minute,
	}}
}

func (s *shop) session(t *testing.T) string {
	t.Helper()
	v, err := s.svc.Create(context.Background(), commerce.CreateInput{Lines: []commerce.LineInput{{ItemID: "racket", Quantity: 1}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != commerce.StatusReady {
		t.Fatalf("session status %s, messages %+v", v.Status, v.Messages)
	}
	return v.Session.ID
}

// TestServiceCutAnswer: the connection is cut after Braintree charged;
// complete says the provider did not answer and keeps the attempt
// pending; the next complete re-drives it and finds the charge: one
// sale, one order, with its facilitator.
func TestServiceCutAnswer(t *testing.T) {
	ctx := context.Background()
	s := newShop(t)
	id := s.session(t)
	nonce := s.fake.Nonce(braintreetest.Nonce{MaxAmount: "139.00", Currency: "USD", Facilitator: braintreetest.ChatGPT()})
	s.fake.CutNextCharge()
	_, err := s.svc.Complete(ctx, id, commerce.CompleteInput{Token: nonce}, nil)
	if e, ok := errors.AsType[*commerce.Error](err); !ok || e.Code != commerce.EUNAVAILABLE {
		t.Fatalf("complete with a cut answer: %v, want %s", err, commerce.EUNAVAILABLE)
	}
	ps, err := s.store.ListPayments(ctx, id)
	if err != nil || len(ps) != 1 || ps[0].Status != commerce.PaymentPending {
		t.Fatalf("payments = %+v, %v; want one pending", ps, err)
	}
	v, err := s.svc.Complete(ctx, id, commerce.CompleteInput{Token: nonce}, nil)
	if err != nil || v.Status != commerce.StatusCompleted || v.Order == nil {
		t.Fatalf("re-drive = %+v, %v; want completed", v, err)
	}
	sales := s.fake.Sales()
	if len(sales) != 1 || s.fake.Requests("charge") != 1 {
		t.Fatalf("sales %+v, charge requests %d; want one of each", sales, s.fake.Requests("charge"))
	}
	p, err := s.store.GetPayment(ctx, v.Order.PaymentID)
	if err != nil {
		t.Fatal(err)
	}
	if p.ProviderRef != sales[0].ID || p.IdempotencyKey != sales[0].OrderID || p.Provider != "braintree" {
		t.Errorf("payment = %+v, want the sale %+v", p, sales[0])
	}
	if p.Facilitator == nil || p.Facilitator.Name != "ChatGPT" {
		t.Errorf("payment facilitator = %+v, want ChatGPT", p.Facilitator)
	}
	// The order refunds through the same provider: not settled yet, so
	// in full it is a void.
	o, err := s.svc.CancelOrder(ctx, v.Order.ID, "", nil)
	if err != nil || o.Status != commerce.OrderCanceled {
		t.Fatalf("cancel = %+v, %v", o, err)
	}
	if got := s.fake.Sales()[0].Status; got != "VOIDED" {
		t.Errorf("sale after cancel = %s, want VOIDED", got)
	}
}

// TestServiceDeclineStaysPayable: a decline is a payment_declined message
// and the session can be paid with a new nonce.
func TestServiceDeclineStaysPayable(t *testing.T) {
	ctx := context.Background()
	s := newShop(t)
	id := s.session(t)
	for _, n := range []braintreetest.Nonce{
		{MaxAmount: "100.00"}, // 915266
		{Currency: "EUR"},     // 915267
		{Expired: true},       // 91565
		{Decline: 2001},       // insufficient funds
		{Reject: "FRAUD"},     // gateway
	} {
		v, err := s.svc.Complete(ctx, id, commerce.CompleteInput{Token: s.fake.Nonce(n)}, nil)
		if err != nil {
			t.Fatalf("complete with %+v: %v", n, err)
		}
		var msg *commerce.Message
		for i := range v.Messages {
			if v.Messages[i].Code == commerce.CodePaymentDeclined {
				msg = &v.Messages[i]
			}
		}
		if v.Status != commerce.StatusReady || msg == nil || msg.Content == "" {
			t.Fatalf("after a decline (%+v): status %s, messages %+v; want ready with payment_declined", n, v.Status, v.Messages)
		}
	}
	v, err := s.svc.Complete(ctx, id, commerce.CompleteInput{Token: s.fake.Nonce(braintreetest.Nonce{MaxAmount: "139.00"})}, nil)
	if err != nil || v.Status != commerce.StatusCompleted {
		t.Fatalf("complete with a good nonce = %+v, %v", v, err)
	}
	if n := s.fake.Charged(); n != 1 {
		t.Errorf("charged %d, want 1", n)
	}
}
