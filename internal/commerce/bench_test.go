package commerce

import (
	"testing"
	"time"
)

// BenchmarkQuote prices a 3-line cart to California with a percentage
// coupon and tax: what every session read and write pays once.
func BenchmarkQuote(b *testing.B) {
	p := testPricer(b)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	stock := map[string]int64{"racket": 10, "balls": 100, "gift": 1000, "rare": 2}
	s := &Session{
		ID: "cs_bench", Currency: "usd", Address: caAddr, CouponCodes: []string{"TEN"},
		Lines: []Line{{ID: "li_1", ItemID: "racket", Quantity: 1}, {ID: "li_2", ItemID: "balls", Quantity: 3}, {ID: "li_3", ItemID: "gift", Quantity: 2}},
	}
	if q := p.Quote(s, stock, now); q.Totals.Tax == 0 || q.Totals.Discount == 0 || len(q.Lines) != 3 {
		b.Fatalf("quote lacks tax, discount or lines: %+v", q.Totals)
	}
	b.ReportAllocs()
	for b.Loop() {
		p.Quote(s, stock, now)
	}
}
