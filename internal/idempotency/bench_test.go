package idempotency

import "testing"

// createBody is a realistic 2026-04-17 create request: three items,
// buyer, address, capabilities and a coupon, as an agent formats it.
var createBody = []byte(`{
  "line_items": [
    {"id": "starvie-metheora-warrior", "quantity": 1},
    {"id": "head-padel-pro-balls-3", "quantity": 3},
    {"id": "gift-card-25", "quantity": 2}
  ],
  "currency": "usd",
  "buyer": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "phone_number": "+14155550100"},
  "fulfillment_details": {
    "name": "Ada Lovelace", "email": "ada@example.com", "phone_number": "+14155550100",
    "address": {"name": "Ada Lovelace", "line_one": "1 Market St", "line_two": "Suite 300",
      "city": "San Francisco", "state": "CA", "country": "US", "postal_code": "94103"}
  },
  "capabilities": {"interventions": {"supported": ["3ds"]}},
  "discounts": {"codes": ["WELCOME10"]}
}`)

// BenchmarkCanonical canonicalizes a create body (idempotency comparison
// and request signatures).
func BenchmarkCanonical(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(createBody)))
	for b.Loop() {
		if _, err := Canonical(createBody); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFingerprint is what every mutating request with an
// Idempotency-Key pays before its claim: canonical form plus SHA-256.
func BenchmarkFingerprint(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(createBody)))
	for b.Loop() {
		if _, err := Fingerprint(createBody); err != nil {
			b.Fatal(err)
		}
	}
}
