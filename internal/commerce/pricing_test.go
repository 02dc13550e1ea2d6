package commerce

import (
	"testing"
	"time"
)

func testPricer(t testing.TB) *Pricer {
	t.Helper()
	cat, err := NewCatalog([]Item{
		{ID: "racket", Title: "Racket", Price: 13900, Currency: "usd", Stock: 10},
		{ID: "balls", Title: "Balls", Price: 599, Currency: "usd", Stock: 100},
		{ID: "gift", Title: "Gift card", Price: 5000, Currency: "usd", Stock: 1000, Digital: true},
		{ID: "rare", Title: "Rare shoe", Price: 9900, Currency: "usd", Stock: 2},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &Pricer{Catalog: cat, Config: PricingConfig{
		HomeCountry: "US",
		LowStockAt:  1,
		Shipping:    ShippingRates{DomesticStandard: 599, DomesticExpress: 1499, IntlStandard: 1999, IntlExpress: 3999, FreeStandardOver: 20000},
		Taxes: []TaxRate{
			{Country: "US", Region: "CA", BPS: 725},
			{Country: "GB", BPS: 2000, TaxShipping: true},
		},
		Coupons: []Coupon{
			{Code: "TEN", PercentOff: 10},
			{Code: "FIVE", AmountOff: 500},
			{Code: "BIG", PercentOff: 20, MinSubtotal: 50000},
			{Code: "OLD", PercentOff: 50, ExpiresAt: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)},
		},
	}}
}

var (
	caAddr = &Address{Name: "A", LineOne: "1 Main St", City: "SF", State: "CA", Country: "US", PostalCode: "94103"}
	nvAddr = &Address{Name: "A", LineOne: "1 Main St", City: "Reno", State: "NV", Country: "US", PostalCode: "89501"}
	gbAddr = &Address{Name: "A", LineOne: "1 High St", City: "London", Country: "GB", PostalCode: "N1"}
)

func TestQuote(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	stock := map[string]int64{"racket": 10, "balls": 100, "gift": 1000, "rare": 2}
	tests := []struct {
		name    string
		sess    Session
		want    Totals
		missing bool
		blocked bool
		codes   []string // message codes, in order
		options []string
	}{
		{
			name:    "no address: items priced, no options, missing",
			sess:    Session{Lines: []Line{{ItemID: "racket", Quantity: 1}}},
			want:    Totals{ItemsBase: 13900, Subtotal: 13900, Total: 13900},
			missing: true, codes: []string{CodeMissing},
		},
		{
			name: "CA address: tax on items, not shipping; standard selected by default",
			sess: Session{Lines: []Line{{ItemID: "racket", Quantity: 1}}, Address: caAddr},
			// tax 13900 × 7.25 % = 1007.75 → 1008
			want:    Totals{ItemsBase: 13900, Subtotal: 13900, Fulfillment: 599, Tax: 1008, Total: 13900 + 599 + 1008},
			options: []string{"shipping_standard", "shipping_express"},
		},
		{
			name: "express selected",
			sess: Session{Lines: []Line{{ItemID: "balls", Quantity: 2}}, Address: nvAddr, FulfillmentOptionID: "shipping_express"},
			want: Totals{ItemsBase: 1198, Subtotal: 1198, Fulfillment: 1499, Total: 1198 + 1499},
		},
		{
			name: "free standard shipping above the threshold",
			sess: Session{Lines: []Line{{ItemID: "racket", Quantity: 2}}, Address: nvAddr},
			want: Totals{ItemsBase: 27800, Subtotal: 27800, Total: 27800},
		},
		{
			name: "international with VAT on shipping",
			sess: Session{Lines: []Line{{ItemID: "balls", Quantity: 1}}, Address: gbAddr},
			// items 599 × 20 % = 119.8 → 120; shipping 1999 × 20 % = 399.8 → 400
			want: Totals{ItemsBase: 599, Subtotal: 599, Fulfillment: 1999, Tax: 520, Total: 599 + 1999 + 520},
		},
		{
			name:    "digital only: digital option, no address needed",
			sess:    Session{Lines: []Line{{ItemID: "gift", Quantity: 2}}},
			want:    Totals{ItemsBase: 10000, Subtotal: 10000, Total: 10000},
			options: []string{"digital"},
		},
		{
			name: "percent coupon then fixed coupon, tax on discounted lines",
			sess: Session{Lines: []Line{{ItemID: "racket", Quantity: 1}, {ItemID: "balls", Quantity: 1}}, Address: caAddr, CouponCodes: []string{"TEN", "FIVE"}},
			// base 14499; TEN = 1449.9 → 1450; FIVE = 500; discount 1950; discounted 12549
			// racket share of TEN: 1450×13900/14499 = 1390 (floor), balls 59, remainder 1 → racket 1391
			// FIVE on remaining (12509, 540): racket 500×12509/13049 = 479, balls 20, remainder 1 → racket 480
			// racket subtotal 13900−1871 = 12029 → tax 872.1 → 872; balls 599−79 = 520 → tax 37.7 → 38
			want: Totals{ItemsBase: 14499, Discount: 1950, Subtotal: 14499, Fulfillment: 599, Tax: 910, Total: 14499 - 1950 + 599 + 910},
		},
		{
			name:  "unknown, expired and below-minimum coupons are rejected with warnings",
			sess:  Session{Lines: []Line{{ItemID: "balls", Quantity: 1}}, Address: nvAddr, CouponCodes: []string{"NOPE", "OLD", "BIG"}},
			want:  Totals{ItemsBase: 599, Subtotal: 599, Fulfillment: 599, Total: 1198},
			codes: []string{CodeCouponInvalid, CodeCouponInvalid, CodeCouponMinimum},
		},
		{
			name:    "unknown item blocks payment",
			sess:    Session{Lines: []Line{{ItemID: "nope", Quantity: 1}}, Address: nvAddr},
			blocked: true, codes: []string{CodeInvalid},
		},
		{
			name:    "quantity above stock",
			sess:    Session{Lines: []Line{{ItemID: "rare", Quantity: 3}}, Address: nvAddr},
			want:    Totals{ItemsBase: 29700, Subtotal: 29700, Total: 29700},
			blocked: true, codes: []string{CodeQuantityExceeded},
		},
		{
			name:  "low stock warning",
			sess:  Session{Lines: []Line{{ItemID: "rare", Quantity: 1}}, Address: nvAddr},
			want:  Totals{ItemsBase: 9900, Subtotal: 9900, Fulfillment: 599, Total: 10499},
			codes: []string{CodeLowStock},
		},
		{
			name:    "unavailable option is an error",
			sess:    Session{Lines: []Line{{ItemID: "balls", Quantity: 1}}, Address: nvAddr, FulfillmentOptionID: "teleport"},
			want:    Totals{ItemsBase: 599, Subtotal: 599, Fulfillment: 599, Total: 1198},
			blocked: true, codes: []string{CodeInvalid},
		},
	}
	p := testPricer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := p.Quote(&tt.sess, stock, now)
			if q.Totals != tt.want {
				t.Errorf("totals = %+v, want %+v", q.Totals, tt.want)
			}
			if q.Missing != tt.missing || q.Blocked != tt.blocked {
				t.Errorf("missing, blocked = %t, %t; want %t, %t", q.Missing, q.Blocked, tt.missing, tt.blocked)
			}
			var codes []string
			for _, m := range q.Messages {
				codes = append(codes, m.Code)
			}
			if len(codes) != len(tt.codes) {
				t.Fatalf("message codes = %v, want %v", codes, tt.codes)
			}
			for i := range codes {
				if codes[i] != tt.codes[i] {
					t.Errorf("message codes = %v, want %v", codes, tt.codes)
				}
			}
			if tt.options != nil {
				var ids []string
				for _, o := range q.Options {
					ids = append(ids, o.ID)
				}
				if len(ids) != len(tt.options) || ids[0] != tt.options[0] {
					t.Errorf("options = %v, want %v", ids, tt.options)
				}
			}
			checkConsistent(t, q)
		})
	}
}

// checkConsistent asserts the invariants every quote must hold.
func checkConsistent(t *testing.T, q *Quote) {
	t.Helper()
	var base, disc, tax, lineTotals int64
	for _, l := range q.Lines {
		if l.Subtotal != l.Base-l.Discount || l.Total != l.Subtotal+l.Tax {
			t.Errorf("line %s inconsistent: %+v", l.ItemID, l)
		}
		base += l.Base
		disc += l.Discount
		tax += l.Tax
		lineTotals += l.Total
	}
	tt := q.Totals
	if base != tt.ItemsBase || disc != tt.Discount {
		t.Errorf("Σ lines base/discount = %d/%d, totals %d/%d", base, disc, tt.ItemsBase, tt.Discount)
	}
	fulfillment := int64(0)
	if q.Selected != nil {
		fulfillment = q.Selected.Total
		tax += q.Selected.Tax
	}
	if tax != tt.Tax {
		t.Errorf("Σ tax = %d, totals.Tax %d", tax, tt.Tax)
	}
	if tt.Total != tt.Subtotal-tt.Discount+tt.Fulfillment+tt.Tax {
		t.Errorf("total %d ≠ subtotal − discount + fulfillment + tax", tt.Total)
	}
	if tt.Total != lineTotals+fulfillment {
		t.Errorf("total %d ≠ Σ line totals %d + fulfillment %d", tt.Total, lineTotals, fulfillment)
	}
	for _, a := range q.Applied {
		var sum int64
		for _, x := range a.Allocations {
			sum += x
		}
		if sum != a.Amount {
			t.Errorf("coupon %s allocations sum %d ≠ amount %d", a.Coupon.Code, sum, a.Amount)
		}
	}
}

func TestMulRate(t *testing.T) {
	tests := []struct{ amount, bps, want int64 }{
		{13900, 725, 1008}, // 1007.75
		{100, 725, 7},      // 7.25
		{1000, 725, 73},    // 72.5 → half away from zero
		{-1000, 725, -73},
		{599, 2000, 120},
		{0, 725, 0},
		{1, 5000, 1}, // 0.5
	}
	for _, tt := range tests {
		if got := mulRate(tt.amount, tt.bps); got != tt.want {
			t.Errorf("mulRate(%d, %d) = %d, want %d", tt.amount, tt.bps, got, tt.want)
		}
	}
}

func TestCurrency(t *testing.T) {
	tests := []struct {
		in     string
		want   Currency
		exp    int
		amount int64
		format string
	}{
		{"USD", "usd", 2, 13900, "$139.00"},
		{"usd", "usd", 2, 5, "$0.05"},
		{"JPY", "jpy", 0, 500, "¥500"},
		{"kwd", "kwd", 3, 1234, "KWD 1.234"},
		{"eur", "eur", 2, -250, "-€2.50"},
	}
	for _, tt := range tests {
		c, err := ParseCurrency(tt.in)
		if err != nil || c != tt.want {
			t.Fatalf("ParseCurrency(%q) = %q, %v", tt.in, c, err)
		}
		if c.Exponent() != tt.exp {
			t.Errorf("%s exponent = %d, want %d", c, c.Exponent(), tt.exp)
		}
		if got := c.Format(tt.amount); got != tt.format {
			t.Errorf("%s.Format(%d) = %q, want %q", c, tt.amount, got, tt.format)
		}
	}
	if _, err := ParseCurrency("xyz1"); err == nil {
		t.Error("ParseCurrency accepted a bogus code")
	}
}
