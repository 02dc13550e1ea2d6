package acp20260417_test

import (
	"testing"

	"agentshop/internal/acp/acp20260417"
	"agentshop/internal/commerce"
)

var benchCreate = []byte(`{
  "line_items": [{"id": "tee_blue_m", "quantity": 1}, {"id": "mug", "quantity": 3}, {"id": "ebook", "quantity": 2}],
  "currency": "usd",
  "buyer": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"},
  "fulfillment_details": {"name": "Ada Lovelace", "email": "ada@example.com",
    "address": {"name": "Ada Lovelace", "line_one": "1 Market St", "city": "San Francisco", "state": "CA", "country": "US", "postal_code": "94105"}},
  "capabilities": {"interventions": {"supported": ["3ds"]}},
  "discounts": {"codes": ["SAVE10"]}
}`)

func BenchmarkDecodeCreate(b *testing.B) {
	c := acp20260417.New(merchant)
	if _, err := c.DecodeCreate(benchCreate); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(benchCreate)))
	for b.Loop() {
		_, _ = c.DecodeCreate(benchCreate)
	}
}

// BenchmarkEncodeSession encodes a ready 3-line session with an address,
// a coupon, shipping options and tax: the body of most responses.
func BenchmarkEncodeSession(b *testing.B) {
	c := acp20260417.New(merchant)
	s := session(line("tee_blue_m", 1), line("mug", 3), line("ebook", 2))
	s.Address, s.CouponCodes = home, []string{"SAVE10"}
	s.Buyer = &commerce.Buyer{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com"}
	v := view(pricer(b), s, map[string]int64{"tee_blue_m": 10, "mug": 10, "ebook": 1000})
	out, err := c.EncodeSession(v)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(out)))
	for b.Loop() {
		_, _ = c.EncodeSession(v)
	}
}
