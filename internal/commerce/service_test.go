package commerce

import (
	"errors"
	"testing"
)

// TestApplyQuantityCap checks the per-line quantity cap, including after
// duplicate items are merged into one line (issue 15 item 9: three lines
// of 100 became one of 300).
func TestApplyQuantityCap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		lines     []LineInput
		wantParam string // "" when accepted
		wantQty   int64  // the merged first line's quantity when accepted
	}{
		{"at the cap", []LineInput{{"mug", 100}}, "", 100},
		{"over the cap", []LineInput{{"mug", 101}}, "$.line_items[0].quantity", 0},
		{"duplicates within the cap", []LineInput{{"mug", 40}, {"tee", 1}, {"mug", 60}}, "", 100},
		{"duplicates over the cap", []LineInput{{"mug", 100}, {"mug", 100}, {"mug", 100}}, "$.line_items[1].quantity", 0},
		{"duplicates one over", []LineInput{{"mug", 50}, {"tee", 1}, {"mug", 51}}, "$.line_items[2].quantity", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &Service{}
			sess := &Session{}
			err := s.apply(sess, UpdateInput{Lines: tt.lines})
			if tt.wantParam == "" {
				if err != nil {
					t.Fatalf("apply: %v", err)
				}
				if got := sess.Lines[0].Quantity; got != tt.wantQty {
					t.Fatalf("merged quantity = %d, want %d", got, tt.wantQty)
				}
				return
			}
			e, ok := errors.AsType[*Error](err)
			if !ok || e.Code != EINVALID || e.Param != tt.wantParam {
				t.Fatalf("apply = %v, want EINVALID at %s", err, tt.wantParam)
			}
			if sess.Lines != nil {
				t.Fatalf("session changed on bad input: %+v", sess.Lines)
			}
		})
	}
}
