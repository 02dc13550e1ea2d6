package acpmcp_test

import (
	"strings"
	"testing"

	"agentshop/internal/acpmcp"
)

// TestPurchase runs create → update → complete (sandbox token) → get over
// the go-sdk client for each version.
func TestPurchase(t *testing.T) {
	t.Parallel()
	for _, version := range versions() {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			cs := b.client(t)

			s := b.call(t, cs, acpmcp.ToolCreate, version, mut(version, "", createPayload(version, false))).want(t)
			id := s.str("id")
			if !strings.HasPrefix(id, "cs_") && id == "" {
				t.Fatalf("no session id: %s", s.Raw)
			}
			if got := s.str("status"); got == "ready_for_payment" {
				t.Fatalf("session without address is %s, want not ready: %s", got, s.Raw)
			}

			s = b.call(t, cs, acpmcp.ToolUpdate, version, mut(version, id, addressPayload(version))).want(t)
			if got := s.str("status"); got != "ready_for_payment" {
				t.Fatalf("after address: status %q, want ready_for_payment: %s", got, s.Raw)
			}
			total := s.total()
			if total <= 0 {
				t.Fatalf("total %d: %s", total, s.Raw)
			}

			tok := b.token(t, "4242424242424242", id, total)
			done := b.call(t, cs, acpmcp.ToolComplete, version, mut(version, id, completePayload(version, tok))).want(t)
			if got := done.str("status"); got != "completed" {
				t.Fatalf("complete: status %q: %s", got, done.Raw)
			}
			if done.str("order", "id") == "" || done.str("order", "checkout_session_id") != id {
				t.Errorf("complete: order %v, want an order for %s", done.JSON["order"], id)
			}

			got := b.call(t, cs, acpmcp.ToolGet, version, args(version, id, nil)).want(t)
			if got.str("status") != "completed" || got.str("id") != id {
				t.Errorf("get after complete: %s", got.Raw)
			}
			if got.total() != total {
				t.Errorf("get total %d, want %d", got.total(), total)
			}

			// A completed session cannot be canceled (REST 405).
			b.wantError(t, b.call(t, cs, acpmcp.ToolCancel, version, mut(version, id, nil)), version, acpmcp.CodeACPError, "session_completed")
		})
	}
}

// TestDecline: a declined card leaves the session payable, with a message,
// as a result rather than an error.
func TestDecline(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cs := b.client(t)
	s := b.call(t, cs, acpmcp.ToolCreate, v2026, mut(v2026, "", createPayload(v2026, true))).want(t)
	id := s.str("id")
	tok := b.token(t, "4000000000009995", id, s.total())
	r := b.call(t, cs, acpmcp.ToolComplete, v2026, mut(v2026, id, completePayload(v2026, tok))).want(t)
	if r.str("status") == "completed" {
		t.Fatalf("declined card completed the session: %s", r.Raw)
	}
	if !strings.Contains(string(r.Raw), "payment_declined") {
		t.Errorf("no payment_declined message: %s", r.Raw)
	}
}

// TestCancel cancels once (with and without a payload), then gets the
// 405-like session_canceled error on the second cancel.
func TestCancel(t *testing.T) {
	t.Parallel()
	for _, version := range versions() {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			cs := b.client(t)
			payloads := map[string]any{"none": nil, "empty": map[string]any{}}
			if version == v2026 {
				payloads["intent_trace"] = map[string]any{"intent_trace": map[string]any{"reason_code": "price_sensitivity", "trace_summary": "Found it cheaper."}}
			}
			for name, p := range payloads {
				id := b.call(t, cs, acpmcp.ToolCreate, version, mut(version, "", createPayload(version, true))).want(t).str("id")
				r := b.call(t, cs, acpmcp.ToolCancel, version, mut(version, id, p)).want(t)
				if r.str("status") != "canceled" {
					t.Fatalf("%s: cancel status %q: %s", name, r.str("status"), r.Raw)
				}
				e := b.wantError(t, b.call(t, cs, acpmcp.ToolCancel, version, mut(version, id, p)), version, acpmcp.CodeACPError, "session_canceled")
				if e.Data["type"] != "invalid_request" {
					t.Errorf("%s: second cancel type %v", name, e.Data["type"])
				}
				if got := b.call(t, cs, acpmcp.ToolGet, version, args(version, id, nil)).want(t); got.str("status") != "canceled" {
					t.Errorf("%s: get after cancel: %s", name, got.Raw)
				}
			}
		})
	}
}

// TestNotFound: every tool with an id answers an unknown one with the
// not_found error.
func TestNotFound(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cs := b.client(t)
	for _, version := range versions() {
		for name, a := range map[string]map[string]any{
			acpmcp.ToolGet:      args(version, "cs_nope", nil),
			acpmcp.ToolUpdate:   mut(version, "cs_nope", addressPayload(version)),
			acpmcp.ToolComplete: mut(version, "cs_nope", completePayload(version, "vt_nope")),
			acpmcp.ToolCancel:   mut(version, "cs_nope", nil),
		} {
			r := b.wantError(t, b.call(t, cs, name, version, a), version, acpmcp.CodeACPError, "not_found")
			if r.Data["type"] != "invalid_request" {
				t.Errorf("%s %s: type %v", version, name, r.Data["type"])
			}
		}
	}
}
