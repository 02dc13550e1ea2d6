package acp_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestPurchase(t *testing.T) {
	for _, v := range versions() {
		t.Run(v, func(t *testing.T) {
			b := setup(t)
			// Create without an address: not ready, with a missing message.
			r := b.do(t, req{method: "POST", path: "/checkout_sessions", version: v, body: createBody(v, map[string]int{racket: 2}, false)}).want(t, http.StatusCreated)
			id := r.str("id")
			if r.str("status") != "not_ready_for_payment" || !r.hasMessage("missing") {
				t.Fatalf("no address: want not_ready_for_payment with a missing message: %s", r.Raw)
			}
			// Address → ready, default shipping selected, CA tax applied.
			r = b.do(t, req{method: "POST", path: "/checkout_sessions/" + id, version: v, body: addressBody(v)}).want(t, http.StatusOK)
			if r.str("status") != "ready_for_payment" {
				t.Fatalf("with address: status %q: %s", r.str("status"), r.Raw)
			}
			// 2 × 13900 = 27800; tax 7.25 % = 2015.5 → 2016; standard shipping 599.
			if got, want := r.total(), int64(27800+2016+599); got != want {
				t.Fatalf("total %d, want %d: %s", got, want, r.Raw)
			}
			tok := b.delegate(t, v, "4242424242424242", id, r.total())
			r = b.complete(t, v, id, tok).want(t, http.StatusOK)
			if r.str("status") != "completed" {
				t.Fatalf("complete: status %q: %s", r.str("status"), r.Raw)
			}
			order := r.JSON["order"].(map[string]any)
			if order["checkout_session_id"] != id || order["permalink_url"] != "https://shop.example/orders/"+order["id"].(string) {
				t.Errorf("order = %v", order)
			}
			// GET shows the same completed session.
			g := b.do(t, req{method: "GET", path: "/checkout_sessions/" + id, version: v}).want(t, http.StatusOK)
			if g.str("status") != "completed" || g.total() != r.total() {
				t.Errorf("GET after complete: %s", g.Raw)
			}
			if li, _ := g.JSON["line_items"].([]any); len(li) != 1 {
				t.Errorf("completed session shows %d line items, want 1: %s", len(li), g.Raw)
			}
			// Stock went down by exactly 2.
			lv, _ := b.store.StockLevels(context.Background(), []string{racket})
			if lv[racket] != 25-2 {
				t.Errorf("stock = %d, want 23", lv[racket])
			}
			// Completing again with another key charges nothing and returns the same order.
			tok2 := b.delegate(t, v, "4242424242424242", id, r.total())
			again := b.complete(t, v, id, tok2).want(t, http.StatusOK)
			if again.JSON["order"].(map[string]any)["id"] != order["id"] {
				t.Errorf("second complete returned another order: %s", again.Raw)
			}
			if n := b.provider.calls.Load(); n != 1 {
				t.Errorf("provider called %d times, want 1", n)
			}
		})
	}
}

func TestTestCards(t *testing.T) {
	tests := []struct {
		card string
		code string // message code after complete, "" for success
	}{
		{"4242424242424242", ""},
		{"4000000000009995", "payment_declined"},
		{"4000000000000002", "payment_declined"},
	}
	for _, v := range versions() {
		for _, tt := range tests {
			t.Run(v+"/"+tt.card, func(t *testing.T) {
				b := setup(t)
				s := b.newReadySession(t, v)
				id := s.str("id")
				r := b.complete(t, v, id, b.delegate(t, v, tt.card, id, s.total())).want(t, http.StatusOK)
				if tt.code == "" {
					if r.str("status") != "completed" {
						t.Fatalf("status %q: %s", r.str("status"), r.Raw)
					}
					return
				}
				if r.str("status") != "ready_for_payment" || !r.hasMessage(tt.code) {
					t.Fatalf("want ready_for_payment with %s: %s", tt.code, r.Raw)
				}
				// The session stays payable: a good card completes it.
				ok := b.complete(t, v, id, b.delegate(t, v, "4242424242424242", id, s.total())).want(t, http.StatusOK)
				if ok.str("status") != "completed" || ok.hasMessage("payment_declined") {
					t.Fatalf("retry with a good card: %s", ok.Raw)
				}
				lv, _ := b.store.StockLevels(context.Background(), []string{racket})
				if lv[racket] != 24 {
					t.Errorf("stock %d after one decline and one sale, want 24", lv[racket])
				}
			})
		}
	}
}

func TestThreeDS(t *testing.T) {
	const card = "4000002500003155"
	t.Run(v2026, func(t *testing.T) {
		b := setup(t)
		s := b.newReadySession(t, v2026)
		id := s.str("id")
		tok := b.delegate(t, v2026, card, id, s.total())
		r := b.complete(t, v2026, id, tok).want(t, http.StatusOK)
		if r.str("status") != "authentication_required" || r.JSON["authentication_metadata"] == nil {
			t.Fatalf("want authentication_required with authentication_metadata: %s", r.Raw)
		}
		// Completing without the result is a 4xx requires_3ds.
		e := b.complete(t, v2026, id, tok).want(t, http.StatusBadRequest)
		if e.str("code") != "requires_3ds" || e.str("param") != "$.authentication_result" {
			t.Errorf("without authentication_result: %s", e.Raw)
		}
		body := completeBody(v2026, tok)
		body["authentication_result"] = map[string]any{"outcome": "authenticated", "outcome_details": map[string]any{
			"three_ds_cryptogram": "AAABBB==", "electronic_commerce_indicator": "05", "transaction_id": "tx_1", "version": "2.2.0"}}
		done := b.do(t, req{method: "POST", path: "/checkout_sessions/" + id + "/complete", version: v2026, body: body}).want(t, http.StatusOK)
		if done.str("status") != "completed" {
			t.Fatalf("after 3DS: %s", done.Raw)
		}
	})
	t.Run("another card after a challenge", func(t *testing.T) {
		b := setup(t)
		s := b.newReadySession(t, v2026)
		id := s.str("id")
		b.complete(t, v2026, id, b.delegate(t, v2026, card, id, s.total())).want(t, http.StatusOK)
		r := b.complete(t, v2026, id, b.delegate(t, v2026, "4242424242424242", id, s.total())).want(t, http.StatusOK)
		if r.str("status") != "completed" || r.hasMessage("requires_3ds") {
			t.Fatalf("a new card after a 3DS challenge should pay: %s", r.Raw)
		}
	})
	t.Run(v2025, func(t *testing.T) {
		b := setup(t)
		s := b.newReadySession(t, v2025)
		id := s.str("id")
		r := b.complete(t, v2025, id, b.delegate(t, v2025, card, id, s.total())).want(t, http.StatusOK)
		if r.str("status") != "ready_for_payment" || !r.hasMessage("requires_3ds") {
			t.Fatalf("want ready_for_payment with requires_3ds: %s", r.Raw)
		}
	})
}

func TestAllowance(t *testing.T) {
	tests := []struct {
		name   string
		amount func(total int64) int64
		mutate func(b map[string]any, otherSession string)
		expire bool
	}{
		{name: "max_amount below the total", amount: func(t int64) int64 { return t - 1 }},
		{name: "bound to another session", mutate: func(b map[string]any, other string) {
			b["allowance"].(map[string]any)["checkout_session_id"] = other
		}},
		{name: "expired", expire: true},
	}
	for _, v := range versions() {
		for _, tt := range tests {
			t.Run(v+"/"+tt.name, func(t *testing.T) {
				b := setup(t)
				s := b.newReadySession(t, v)
				other := b.newReadySession(t, v).str("id")
				id := s.str("id")
				amount := s.total()
				if tt.amount != nil {
					amount = tt.amount(amount)
				}
				tok := b.delegate(t, v, "4242424242424242", id, amount, func(m map[string]any) {
					if tt.mutate != nil {
						tt.mutate(m, other)
					}
				})
				if tt.expire {
					b.clock.Advance(20 * time.Minute)
				}
				r := b.complete(t, v, id, tok).want(t, http.StatusOK)
				if r.str("status") != "ready_for_payment" || !r.hasMessage("payment_declined") {
					t.Fatalf("want a payment_declined message: %s", r.Raw)
				}
				if orders, _ := b.store.ListOrders(context.Background(), 10); len(orders) != 0 {
					t.Errorf("%d orders created", len(orders))
				}
			})
		}
	}
	t.Run("single use", func(t *testing.T) {
		b := setup(t)
		s := b.newReadySession(t, v2026)
		id := s.str("id")
		tok := b.delegate(t, v2026, "4242424242424242", id, s.total())
		b.complete(t, v2026, id, tok).want(t, http.StatusOK)
		// The same token on a second session (bound elsewhere and spent) is declined.
		s2 := b.newReadySession(t, v2026)
		r := b.complete(t, v2026, s2.str("id"), tok).want(t, http.StatusOK)
		if !r.hasMessage("payment_declined") {
			t.Fatalf("reused token: %s", r.Raw)
		}
	})
}

func TestConcurrentCompletes(t *testing.T) {
	b := setup(t)
	s := b.newReadySession(t, v2026)
	id := s.str("id")
	tok := b.delegate(t, v2026, "4242424242424242", id, s.total())
	var wg sync.WaitGroup
	statuses := make([]int, 20)
	orders := make([]string, 20)
	for i := range 20 {
		wg.Go(func() {
			r := b.complete(t, v2026, id, tok) // each with its own idempotency key
			statuses[i] = r.Status
			if o, ok := r.JSON["order"].(map[string]any); ok {
				orders[i] = o["id"].(string)
			}
		})
	}
	wg.Wait()
	var order string
	for i := range 20 {
		switch statuses[i] {
		case http.StatusOK:
			if order == "" {
				order = orders[i]
			}
			if orders[i] != order {
				t.Errorf("two different orders: %s and %s", order, orders[i])
			}
		case http.StatusConflict: // payment in progress: retry later
		default:
			t.Errorf("request %d: status %d", i, statuses[i])
		}
	}
	if order == "" {
		t.Fatal("no request completed the session")
	}
	ctx := context.Background()
	if all, _ := b.store.ListOrders(ctx, 100); len(all) != 1 {
		t.Errorf("%d orders, want 1", len(all))
	}
	if ps, _ := b.store.ListPayments(ctx, id); len(ps) != 1 {
		t.Errorf("%d payment attempts, want 1", len(ps))
	}
	if n := b.provider.calls.Load(); n != 1 {
		t.Errorf("provider charged %d times, want 1", n)
	}
	if lv, _ := b.store.StockLevels(ctx, []string{racket}); lv[racket] != 24 {
		t.Errorf("stock %d, want 24", lv[racket])
	}
}

func TestCancel(t *testing.T) {
	for _, v := range versions() {
		t.Run(v, func(t *testing.T) {
			b := setup(t)
			id := b.newReadySession(t, v).str("id")
			r := b.do(t, req{method: "POST", path: "/checkout_sessions/" + id + "/cancel", version: v, body: map[string]any{}}).want(t, http.StatusOK)
			if r.str("status") != "canceled" {
				t.Fatalf("cancel: %s", r.Raw)
			}
			b.do(t, req{method: "POST", path: "/checkout_sessions/" + id + "/cancel", version: v}).want(t, http.StatusMethodNotAllowed)
			b.do(t, req{method: "POST", path: "/checkout_sessions/" + id, version: v, body: addressBody(v)}).want(t, http.StatusConflict)
			b.complete(t, v, id, "vt_whatever").want(t, http.StatusConflict)
			// A completed session cannot be canceled either.
			s := b.newReadySession(t, v)
			b.complete(t, v, s.str("id"), b.delegate(t, v, "4242424242424242", s.str("id"), s.total())).want(t, http.StatusOK)
			b.do(t, req{method: "POST", path: "/checkout_sessions/" + s.str("id") + "/cancel", version: v}).want(t, http.StatusMethodNotAllowed)
		})
	}
}

func TestExpiry(t *testing.T) {
	for _, tt := range []struct{ version, status string }{{v2026, "expired"}, {v2025, "canceled"}} {
		t.Run(tt.version, func(t *testing.T) {
			b := setup(t)
			id := b.newReadySession(t, tt.version).str("id")
			b.clock.Advance(2 * time.Hour) // TTL is 1 h in setup
			g := b.do(t, req{method: "GET", path: "/checkout_sessions/" + id, version: tt.version}).want(t, http.StatusOK)
			if g.str("status") != tt.status {
				t.Errorf("status %q, want %q", g.str("status"), tt.status)
			}
			b.do(t, req{method: "POST", path: "/checkout_sessions/" + id, version: tt.version, body: addressBody(tt.version)}).want(t, http.StatusConflict)
			b.complete(t, tt.version, id, "vt_x").want(t, http.StatusConflict)
		})
	}
}

func TestBusinessMessages(t *testing.T) {
	for _, v := range versions() {
		t.Run(v, func(t *testing.T) {
			b := setup(t)
			// Unknown item: 201 with an invalid message naming it.
			r := b.do(t, req{method: "POST", path: "/checkout_sessions", version: v, body: createBody(v, map[string]int{"no-such-thing": 1}, true)}).want(t, http.StatusCreated)
			if r.str("status") != "not_ready_for_payment" || !r.hasMessage("invalid") {
				t.Errorf("unknown item: %s", r.Raw)
			}
			// Out of stock (the L4 grip is 0 in the demo catalog).
			r = b.do(t, req{method: "POST", path: "/checkout_sessions", version: v, body: createBody(v, map[string]int{"wilson-pro-staff-97-v14-l4": 1}, true)}).want(t, http.StatusCreated)
			if r.str("status") != "not_ready_for_payment" || !r.hasMessage("out_of_stock") {
				t.Errorf("out of stock: %s", r.Raw)
			}
			// More than in stock (3 left of the Vertex 04).
			r = b.do(t, req{method: "POST", path: "/checkout_sessions", version: v, body: createBody(v, map[string]int{"bullpadel-vertex-04": 5}, true)}).want(t, http.StatusCreated)
			want := "quantity_exceeded"
			if v == v2025 {
				want = "out_of_stock"
			}
			if r.str("status") != "not_ready_for_payment" || !r.hasMessage(want) {
				t.Errorf("above stock: %s", r.Raw)
			}
			// Completing a session that is not ready charges nothing.
			c := b.complete(t, v, r.str("id"), "vt_nothing").want(t, http.StatusOK)
			if c.str("status") != "not_ready_for_payment" {
				t.Errorf("complete of a not-ready session: %s", c.Raw)
			}
			if b.provider.calls.Load() != 0 {
				t.Error("provider called for a not-ready session")
			}
		})
	}
}

func TestCoupon(t *testing.T) {
	b := setup(t)
	body := createBody(v2026, map[string]int{racket: 1}, true)
	body["discounts"] = map[string]any{"codes": []string{"welcome10", "BOGUS"}}
	r := b.do(t, req{method: "POST", path: "/checkout_sessions", version: v2026, body: body}).want(t, http.StatusCreated)
	// 13900 − 1390 = 12510; tax 7.25 % = 906.975 → 907; shipping 599.
	if got, want := r.total(), int64(12510+907+599); got != want {
		t.Errorf("total %d, want %d: %s", got, want, r.Raw)
	}
	d, _ := r.JSON["discounts"].(map[string]any)
	if d == nil || len(d["applied"].([]any)) != 1 || len(d["rejected"].([]any)) != 1 {
		t.Errorf("discounts: %v", d)
	}
	if !r.hasMessage("discount_code_invalid") {
		t.Errorf("no warning for the rejected code: %s", r.Raw)
	}
	// The completed session still shows the discount it was charged with.
	id := r.str("id")
	c := b.complete(t, v2026, id, b.delegate(t, v2026, "4242424242424242", id, r.total())).want(t, http.StatusOK)
	if c.total() != r.total() {
		t.Errorf("charged total %d, quoted %d", c.total(), r.total())
	}
	if d, _ := c.JSON["discounts"].(map[string]any); d == nil || len(d["applied"].([]any)) != 1 {
		t.Errorf("completed session lost its applied discount: %s", c.Raw)
	}
}
