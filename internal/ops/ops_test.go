package ops

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func names(ts []ToolSpec) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name)
	}
	return out
}

// TestFilter: methods, tools and tags combine with AND; read only by
// default; stripe_api_read only when asked for.
func TestFilter(t *testing.T) {
	tests := []struct {
		name    string
		f       Filter
		has     []string
		hasNot  []string
		invalid string // the Param of the expected error
	}{
		{name: "DefaultReadOnly", f: Filter{}, has: []string{"stripe_list_charges", "shop_get_order"},
			hasNot: []string{"stripe_create_refund", "shop_refund_order", "stripe_close_dispute", APIReadTool}},
		{name: "WriteOnly", f: Filter{Methods: []Method{Write}}, has: []string{"stripe_create_refund", "shop_refund_order"}, hasNot: []string{"stripe_list_charges"}},
		{name: "TagsAndMethods", f: Filter{Methods: []Method{Read, Write}, Tags: []string{"disputes"}},
			has: []string{"stripe_list_disputes", "stripe_close_dispute"}, hasNot: []string{"stripe_list_charges", "stripe_create_refund"}},
		{name: "ToolsAndTags", f: Filter{Tools: []string{"stripe_list_customers", "stripe_list_charges"}, Tags: []string{"customers"}},
			has: []string{"stripe_list_customers"}, hasNot: []string{"stripe_list_charges", "stripe_get_customer"}},
		{name: "APIRead", f: Filter{APIRead: true, Tags: []string{"api"}}, has: []string{APIReadTool}, hasNot: []string{"stripe_list_charges"}},
		{name: "APIReadStillReadOnly", f: Filter{APIRead: true}, has: []string{APIReadTool}, hasNot: []string{"stripe_create_refund"}},
		{name: "NamedWriteOnReadServer", f: Filter{Tools: []string{"stripe_create_refund"}}, invalid: "tools"},
		{name: "UnknownTool", f: Filter{Tools: []string{"stripe_delete_everything"}}, invalid: "tools"},
		{name: "UnknownTag", f: Filter{Tags: []string{"crypto"}}, invalid: "tags"},
		{name: "UnknownMethod", f: Filter{Methods: []Method{"delete"}}, invalid: "methods"},
		{name: "APIReadTagWithoutAPIRead", f: Filter{Tags: []string{"api"}}, invalid: "tools"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.f.Validate()
			if tt.invalid != "" {
				if e, ok := err.(interface{ Error() string }); !ok || !strings.Contains(e.Error(), "("+tt.invalid+")") {
					t.Fatalf("Validate = %v, want invalid %s", err, tt.invalid)
				}
				return
			}
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			got := names(tt.f.Allowed())
			for _, n := range tt.has {
				if !slices.Contains(got, n) {
					t.Errorf("allowed %v lacks %s", got, n)
				}
			}
			for _, n := range tt.hasNot {
				if slices.Contains(got, n) {
					t.Errorf("allowed %v has %s", got, n)
				}
			}
		})
	}
}

func TestKeyMode(t *testing.T) {
	for key, want := range map[string]Mode{"sk_test_1": ModeTest, "rk_test_1": ModeTest, "sk_live_1": ModeLive, "rk_live_1": ModeLive, "pk_test_1": "", "sk_1": ""} {
		got, ok := KeyMode(key)
		if got != want || ok != (want != "") {
			t.Errorf("KeyMode(%q) = %q, %t; want %q", key, got, ok, want)
		}
	}
}

// TestMaskArgs: secrets by name and by shape are masked at any depth;
// the rest (the idempotency key included) is kept.
func TestMaskArgs(t *testing.T) {
	in := `{"charge":"ch_1","amount":1500,"confirmation_token":"opc_abc","idempotency_key":"k1",
		"nested":{"api_key":"x","note":"sk_live_123","list":["rk_test_9","fine"]}}`
	var got map[string]any
	if err := json.Unmarshal([]byte(MaskArgs(json.RawMessage(in))), &got); err != nil {
		t.Fatal(err)
	}
	want := `{"amount":1500,"charge":"ch_1","confirmation_token":"***","idempotency_key":"k1","nested":{"api_key":"***","list":["***","fine"],"note":"***"}}`
	if b, _ := json.Marshal(got); string(b) != want {
		t.Fatalf("MaskArgs = %s\nwant      %s", b, want)
	}
	if got := MaskArgs(json.RawMessage(`{not json`)); got != `{"unparsed_bytes":9}` {
		t.Fatalf("MaskArgs(invalid) = %s", got)
	}
}

func TestKeyHint(t *testing.T) {
	a := &Account{StripeKey: "rk_live_51Habcdefgh9876"}
	if got := a.KeyHint(); got != "rk_live_…9876" {
		t.Fatalf("KeyHint = %q", got)
	}
}
