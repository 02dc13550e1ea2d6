// Package commercetest builds commerce values for tests of the wire
// adapters: a small catalog priced by the real Pricer, sessions, views and
// completed views. Only tests import it.
package commercetest

import (
	"encoding/json"
	"testing"
	"time"

	"agentshop/internal/commerce"
)

// Now is the fixtures' clock reading.
var Now = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// Merchant is a test merchant profile with all policy links.
var Merchant = commerce.Merchant{
	Name:          "Agentshop Test Store",
	ID:            "acct_test_123",
	BaseURL:       "https://shop.example.com",
	TermsURL:      "https://shop.example.com/terms",
	PrivacyURL:    "https://shop.example.com/privacy",
	ReturnsURL:    "https://shop.example.com/returns",
	Provider:      "sandbox",
	Interventions: []string{"3ds"},
}

// Pricer returns the real Pricer over a small catalog: two physical
// items, one digital item; California tax on goods and shipping; two
// coupons.
func Pricer(t testing.TB) *commerce.Pricer {
	t.Helper()
	cat, err := commerce.NewCatalog([]commerce.Item{
		{ID: "tee_blue_m", ProductID: "tee", Title: "Organic Tee, Blue, M", Price: 2500, Currency: "usd", Stock: 10,
			ImageURL: "https://shop.example.com/img/tee.jpg", Category: "apparel",
			Options: []commerce.ItemOption{{Name: "Color", Value: "Blue"}, {Name: "Size", Value: "M"}}},
		{ID: "mug", ProductID: "mug", Title: "Enamel Mug", Price: 1299, Currency: "usd", Stock: 10},
		{ID: "ebook", ProductID: "ebook", Title: "Field Guide (PDF)", Price: 999, Currency: "usd", Stock: 1000, Digital: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &commerce.Pricer{Catalog: cat, Config: commerce.PricingConfig{
		HomeCountry: "US",
		Shipping:    commerce.ShippingRates{DomesticStandard: 500, DomesticExpress: 1500, IntlStandard: 1500, IntlExpress: 3500},
		Taxes:       []commerce.TaxRate{{Country: "US", Region: "CA", BPS: 725, TaxShipping: true}},
		Coupons: []commerce.Coupon{
			{Code: "SAVE10", Name: "10% off", PercentOff: 10},
			{Code: "FIVE", Name: "$5 off over $100", AmountOff: 500, MinSubtotal: 10000},
		},
	}}
}

// Home is a California address (taxed at 7.25 %).
var Home = &commerce.Address{Name: "Ada Lovelace", LineOne: "1 Market St", City: "San Francisco", State: "CA", Country: "US", PostalCode: "94105"}

// Session returns an open session with lines, numbered li_1, li_2, ….
func Session(lines ...commerce.Line) *commerce.Session {
	for i := range lines {
		lines[i].ID = "li_" + string(rune('1'+i))
	}
	return &commerce.Session{ID: "cs_test", Currency: "usd", Lines: lines, Interventions: []string{"3ds", "biometric"},
		CreatedAt: Now.Add(-time.Hour), UpdatedAt: Now, ExpiresAt: Now.Add(23 * time.Hour), Version: 1}
}

// Line is a session line for qty of item.
func Line(item string, qty int64) commerce.Line { return commerce.Line{ItemID: item, Quantity: qty} }

// View prices s the way commerce.Service does on a read.
func View(p *commerce.Pricer, s *commerce.Session, stock map[string]int64) *commerce.View {
	v := &commerce.View{Session: s, Quote: p.Quote(s, stock, Now)}
	v.Messages = append(v.Messages, v.Quote.Messages...)
	if s.PaymentMessage != nil {
		v.Messages = append(v.Messages, *s.PaymentMessage)
	}
	switch {
	case s.Status != "":
		v.Status = s.Status
	case v.Quote.Missing || v.Quote.Blocked:
		v.Status = commerce.StatusNotReady
	default:
		v.Status = commerce.StatusReady
	}
	return v
}

// Completed turns a ready view into the completed view the service
// returns: the order's lines and totals, no messages.
func Completed(v *commerce.View) *commerce.View {
	q := v.Quote
	o := &commerce.Order{ID: "ord_test", SessionID: v.Session.ID, Status: "confirmed", Currency: "usd",
		Lines: q.Lines, Totals: q.Totals, Applied: q.Applied, Address: v.Session.Address, Buyer: v.Session.Buyer, CreatedAt: Now, UpdatedAt: Now}
	oq := &commerce.Quote{Lines: o.Lines, Totals: o.Totals, Applied: o.Applied}
	if q.Selected != nil {
		f := *q.Selected
		o.Fulfillment = &f
		oq.Options = []commerce.FulfillmentOption{f}
		oq.Selected = &oq.Options[0]
	}
	s := *v.Session
	s.Status, s.OrderID = commerce.StatusCompleted, o.ID
	return &commerce.View{Session: &s, Status: commerce.StatusCompleted, Quote: oq, Order: o}
}

// DecodeJSON decodes b as a JSON object, failing the test otherwise.
func DecodeJSON(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, b)
	}
	return m
}
