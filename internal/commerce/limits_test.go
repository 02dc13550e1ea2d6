package commerce

import (
	"errors"
	"strings"
	"testing"
)

// TestLengthLimits: free text over its limit is refused with its
// JSONPath, at the ACP schemas' limits where they give one (issue 15
// item 5: 3.5 MB requests were stored).
func TestLengthLimits(t *testing.T) {
	t.Parallel()
	addr := func(f func(a *Address)) *FulfillmentInput {
		a := Address{Name: "Ada", LineOne: "1 Market St", City: "SF", State: "CA", Country: "US", PostalCode: "94105"}
		f(&a)
		return &FulfillmentInput{Address: &a}
	}
	lines := []LineInput{{ItemID: "mug", Quantity: 1}}
	tests := []struct {
		name      string
		in        UpdateInput
		wantParam string
	}{
		{"line_one at 60", UpdateInput{Fulfillment: addr(func(a *Address) { a.LineOne = strings.Repeat("a", 60) })}, ""},
		{"line_one at 61", UpdateInput{Fulfillment: addr(func(a *Address) { a.LineOne = strings.Repeat("a", 61) })}, "$.fulfillment_details.address.line_one"},
		{"60 multibyte characters", UpdateInput{Fulfillment: addr(func(a *Address) { a.LineOne = strings.Repeat("ü", 60) })}, ""},
		{"line_two", UpdateInput{Fulfillment: addr(func(a *Address) { a.LineTwo = strings.Repeat("a", 61) })}, "$.fulfillment_details.address.line_two"},
		{"city", UpdateInput{Fulfillment: addr(func(a *Address) { a.City = strings.Repeat("a", 61) })}, "$.fulfillment_details.address.city"},
		{"postal code at 20", UpdateInput{Fulfillment: addr(func(a *Address) { a.PostalCode = strings.Repeat("9", 20) })}, ""},
		{"postal code at 21", UpdateInput{Fulfillment: addr(func(a *Address) { a.PostalCode = strings.Repeat("9", 21) })}, "$.fulfillment_details.address.postal_code"},
		{"name at 257", UpdateInput{Fulfillment: addr(func(a *Address) { a.Name = strings.Repeat("n", 257) })}, "$.fulfillment_details.address.name"},
		{"state", UpdateInput{Fulfillment: addr(func(a *Address) { a.State = strings.Repeat("s", 61) })}, "$.fulfillment_details.address.state"},
		{"contact phone", UpdateInput{Fulfillment: &FulfillmentInput{Phone: strings.Repeat("1", 33)}}, "$.fulfillment_details.phone_number"},
		{"buyer email", UpdateInput{Buyer: &Buyer{Email: strings.Repeat("a", 250) + "@b.cd"}}, "$.buyer.email"},
		{"buyer first name", UpdateInput{Buyer: &Buyer{FirstName: strings.Repeat("a", 257)}}, "$.buyer.first_name"},
		{"item id", UpdateInput{Lines: []LineInput{{ItemID: strings.Repeat("i", 257), Quantity: 1}}}, "$.line_items[0].id"},
		{"too many lines", UpdateInput{Lines: make([]LineInput, 101)}, "$.line_items"},
		{"option id", UpdateInput{Lines: lines, FulfillmentOptionID: new(strings.Repeat("o", 257))}, "$.selected_fulfillment_options[0].option_id"},
		{"coupon", UpdateInput{CouponCodes: &[]string{"OK", strings.Repeat("C", 65)}}, "$.discounts.codes[1]"},
		{"too many coupons", UpdateInput{CouponCodes: new(make([]string, 21))}, "$.discounts.codes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sess := &Session{}
			err := (&Service{}).apply(sess, tt.in)
			if tt.wantParam == "" {
				if err != nil {
					t.Fatalf("apply: %v", err)
				}
				return
			}
			e, ok := errors.AsType[*Error](err)
			if !ok || e.Code != EINVALID || e.Param != tt.wantParam {
				t.Fatalf("apply = %v, want EINVALID at %s", err, tt.wantParam)
			}
			if sess.Address != nil || sess.Buyer != nil || sess.Lines != nil {
				t.Fatalf("session changed on bad input: %+v", sess)
			}
		})
	}
}

func TestCompleteLengthLimits(t *testing.T) {
	t.Parallel()
	in := CompleteInput{Token: "tok", BillingAddress: &Address{PostalCode: strings.Repeat("9", 21)}}
	if e, ok := errors.AsType[*Error](in.validateLengths()); !ok || e.Param != "$.payment_data.billing_address.postal_code" {
		t.Fatalf("billing postal code: %v", e)
	}
	in = CompleteInput{Token: strings.Repeat("t", MaxTokenLen+1)}
	if e, ok := errors.AsType[*Error](in.validateLengths()); !ok || e.Param != "$.payment_data.token" {
		t.Fatalf("token: %v", e)
	}
}
