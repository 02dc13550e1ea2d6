package conformance

import (
	"encoding/json"
	"strings"
	"testing"
)

// session2025 is a consistent 2025-09-29 session: two lines, a discount
// on one, shipping selected.
const session2025 = `{
 "line_items": [
  {"id": "li_1", "base_amount": 1000, "discount": 100, "subtotal": 900, "tax": 65, "total": 965},
  {"id": "li_2", "base_amount": 500, "discount": 0, "subtotal": 500, "tax": 36, "total": 536}
 ],
 "fulfillment_options": [
  {"type": "shipping", "id": "std", "subtotal": 599, "tax": 0, "total": 599},
  {"type": "shipping", "id": "exp", "subtotal": 1499, "tax": 0, "total": 1499}
 ],
 "fulfillment_option_id": "std",
 "totals": [
  {"type": "items_base_amount", "amount": 1500},
  {"type": "subtotal", "amount": 1500},
  {"type": "discount", "amount": 100},
  {"type": "fulfillment", "amount": 599},
  {"type": "tax", "amount": 101},
  {"type": "total", "amount": 2100}
 ]
}`

// session2026 is a consistent 2026-04-17 session with taxed shipping
// (shipping tax counted in the session tax) and a post-discount subtotal.
const session2026 = `{
 "line_items": [
  {"id": "li_1", "quantity": 2, "unit_amount": 500, "totals": [
   {"type": "items_base_amount", "amount": 1000}, {"type": "discount", "amount": 100},
   {"type": "subtotal", "amount": 900}, {"type": "tax", "amount": 180}, {"type": "total", "amount": 1080}]}
 ],
 "fulfillment_options": [
  {"type": "shipping", "id": "std", "totals": [{"type": "subtotal", "amount": 500}, {"type": "tax", "amount": 100}, {"type": "total", "amount": 600}]}
 ],
 "selected_fulfillment_options": [{"type": "shipping", "option_id": "std", "item_ids": ["li_1"]}],
 "totals": [
  {"type": "subtotal", "amount": 900},
  {"type": "fulfillment", "amount": 500},
  {"type": "tax", "amount": 280},
  {"type": "total", "amount": 1680}
 ]
}`

// edit returns body with one substitution, failing if old is absent.
func edit(t *testing.T, body, old, new string) string {
	t.Helper()
	if !strings.Contains(body, old) {
		t.Fatalf("test body has no %q", old)
	}
	return strings.Replace(body, old, new, 1)
}

func TestCheckTotals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want []string // rules broken; nil: none
	}{
		{"2025 consistent", session2025, nil},
		{"2026 consistent", session2026, nil},
		{"2026 shipping tax inside fulfillment", edit(t, edit(t, session2026, `"fulfillment", "amount": 500`, `"fulfillment", "amount": 600`), `"tax", "amount": 280`, `"tax", "amount": 180`), nil},
		{"2025 no address yet", `{"line_items": [{"base_amount": 10, "discount": 0, "subtotal": 10, "tax": 0, "total": 10}], "fulfillment_options": [], "totals": [{"type": "subtotal", "amount": 10}, {"type": "total", "amount": 10}]}`, nil},
		{"two totals", edit(t, session2025, `{"type": "total", "amount": 2100}`, `{"type": "total", "amount": 2100}, {"type": "total", "amount": 2100}`), []string{ruleOneTotal}},
		{"no total", edit(t, session2025, `{"type": "total", "amount": 2100}`, `{"type": "fee", "amount": 0}`), []string{ruleOneTotal}},
		{"float amount", edit(t, session2025, `"tax": 36,`, `"tax": 36.5,`), []string{ruleIntegers}},
		{"string amount", edit(t, session2026, `"amount": 1680`, `"amount": "1680"`), []string{ruleIntegers}},
		{"negative discount", edit(t, edit(t, session2025, `"discount": 100,`, `"discount": -100,`), `"subtotal": 900`, `"subtotal": 1100`), []string{ruleIntegers, ruleLines}},
		{"line subtotal", edit(t, session2025, `"subtotal": 900`, `"subtotal": 901`), []string{ruleLines}},
		{"line total", edit(t, session2026, `"total", "amount": 1080`, `"total", "amount": 1081`), []string{ruleLines, ruleSession}},
		{"option total", edit(t, session2025, `"subtotal": 1499, "tax": 0, "total": 1499`, `"subtotal": 1499, "tax": 0, "total": 1500`), []string{ruleOptions}},
		{"selected option not offered", edit(t, session2025, `"fulfillment_option_id": "std"`, `"fulfillment_option_id": "nope"`), []string{ruleSelected}},
		{"selected option of another type", edit(t, session2026, `"type": "shipping", "option_id"`, `"type": "digital", "option_id"`), []string{ruleSelected}},
		{"session total off by one", edit(t, session2025, `"amount": 2100`, `"amount": 2101`), []string{ruleSession}},
		{"session tax", edit(t, session2025, `"type": "tax", "amount": 101`, `"type": "tax", "amount": 102`), []string{ruleSession}},
		{"subtotal neither convention", edit(t, session2025, `"type": "subtotal", "amount": 1500`, `"type": "subtotal", "amount": 1450`), []string{ruleSession}},
		{"not JSON", `[`, []string{ruleIntegers}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !json.Valid([]byte(tt.body)) && tt.name != "not JSON" {
				t.Fatalf("test body is not JSON")
			}
			got := map[string]bool{}
			for _, p := range checkTotals([]byte(tt.body)) {
				got[p.Rule] = true
				t.Logf("%s: %s", p.Rule, p.Detail)
			}
			want := map[string]bool{}
			for _, r := range tt.want {
				want[r] = true
			}
			for _, r := range totalsRules {
				if got[r] != want[r] {
					t.Errorf("rule %q broken = %v, want %v", r, got[r], want[r])
				}
			}
		})
	}
}
