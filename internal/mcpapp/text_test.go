package mcpapp_test

import (
	"strings"
	"testing"
)

// A U+0000 in any string argument is a tool error naming its JSONPath,
// and changes nothing.
func TestNULIsRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := b.readyCheckout(t)
	for name, c := range map[string]struct {
		tool  string
		args  map[string]any
		param string
	}{
		"item id":    {"show_checkout", map[string]any{"items": []any{map[string]any{"id": racket + "\x00", "quantity": 1}}}, "$.items[0].id"},
		"session id": {"update_checkout", map[string]any{"checkout_session_id": s.ID + "\x00"}, "$.checkout_session_id"},
		"address":    {"update_checkout", map[string]any{"checkout_session_id": s.ID, "fulfillment_address": map[string]any{"name": "A\x00", "line_one": "1 Market St", "city": "San Francisco", "state": "CA", "country": "US", "postal_code": "94103"}}, "$.fulfillment_address.name"},
		"token":      {"complete_checkout", map[string]any{"checkout_session_id": s.ID, "payment_data": map[string]any{"token": "vt_\x00", "provider": "stripe"}}, "$.payment_data.token"},
	} {
		res := b.call(t, c.tool, c.args)
		if !res.IsError || !strings.Contains(text(res), c.param) || !strings.Contains(text(res), "U+0000") {
			t.Errorf("%s: isError %v, text %q; want a tool error naming %s and U+0000", name, res.IsError, text(res), c.param)
		}
	}
	if got := b.ok(t, "update_checkout", map[string]any{"checkout_session_id": s.ID}); got.Status != "ready_for_payment" || got.total() != s.total() {
		t.Errorf("after the refused calls: %s, total %d; want unchanged", got.Status, got.total())
	}
}
