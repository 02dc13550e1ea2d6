package conformance

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseJSONPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []pathSegment
	}{
		{"$", nil},
		{"$.line_items", []pathSegment{{Name: "line_items"}}},
		{"$.line_items[0].item.id", []pathSegment{{Name: "line_items"}, {Index: 0, IsIndex: true}, {Name: "item"}, {Name: "id"}}},
		{"$.fulfillment_details.address", []pathSegment{{Name: "fulfillment_details"}, {Name: "address"}}},
		{"$.a[10][2]", []pathSegment{{Name: "a"}, {Index: 10, IsIndex: true}, {Index: 2, IsIndex: true}}},
		{"$._x1", []pathSegment{{Name: "_x1"}}},
		{"$.größe", []pathSegment{{Name: "größe"}}},
	}
	for _, tt := range tests {
		got, err := parseJSONPath(tt.in)
		if err != nil {
			t.Errorf("parseJSONPath(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("parseJSONPath(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
	for _, bad := range []string{
		"", "line_items", "payment_method.number", "$.", "$..a", "$.1a", "$[", "$[]", "$[01]",
		"$[-1]", "$[*]", "$.a[0", "$['a']", "$.a b", "$.a.", "$ .a",
	} {
		if got, err := parseJSONPath(bad); err == nil {
			t.Errorf("parseJSONPath(%q) = %v, want an error", bad, got)
		}
	}
}
