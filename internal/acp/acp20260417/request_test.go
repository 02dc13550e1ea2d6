package acp20260417_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"agentshop/internal/acp/acp20260417"
	"agentshop/internal/acp/acpschema/schematest"
	"agentshop/internal/commerce"
)

// wantInvalid checks that err is an EINVALID *commerce.Error at param.
func wantInvalid(t *testing.T, err error, param string) {
	t.Helper()
	e, ok := errors.AsType[*commerce.Error](err)
	if !ok {
		t.Fatalf("err = %v (%T), want *commerce.Error", err, err)
	}
	if e.Code != commerce.EINVALID || e.Param != param {
		t.Fatalf("err = {Code: %q, Param: %q, Message: %q}, want {%q, %q}", e.Code, e.Param, e.Message, commerce.EINVALID, param)
	}
	if e.Message == "" {
		t.Error("error has no message")
	}
}

const caps = `"capabilities":{"interventions":{"supported":["3ds"]}}`

func TestDecodeCreate(t *testing.T) {
	c := acp20260417.New(merchant)
	addr := &commerce.Address{Name: "Ada", LineOne: "1 Market St", City: "SF", State: "CA", Country: "US", PostalCode: "94105", Company: "ACME"}
	one := []commerce.LineInput{{ItemID: "tee", Quantity: 1}}
	tests := []struct {
		name  string
		body  string
		want  commerce.CreateInput
		param string
	}{
		{name: "minimal", body: `{"line_items":[{"id":"tee"}],"currency":"usd",` + caps + `}`,
			want: commerce.CreateInput{Lines: one, Currency: "usd", Interventions: []string{"3ds"}}},
		{name: "quantity on item (#264)", body: `{"line_items":[{"id":"tee","quantity":3},{"id":"mug","quantity":2.0}],"currency":"usd",` + caps + `}`,
			want: commerce.CreateInput{Lines: []commerce.LineInput{{ItemID: "tee", Quantity: 3}, {ItemID: "mug", Quantity: 2}}, Currency: "usd", Interventions: []string{"3ds"}}},
		{name: "name and unit_amount ignored", body: `{"line_items":[{"id":"tee","name":"Cheap!","unit_amount":1}],"currency":"usd",` + caps + `}`,
			want: commerce.CreateInput{Lines: one, Currency: "usd", Interventions: []string{"3ds"}}},
		{name: "currency case", body: `{"line_items":[{"id":"tee"}],"currency":"USD"}`,
			want: commerce.CreateInput{Lines: one, Currency: "usd"}},
		{name: "capabilities missing", body: `{"line_items":[{"id":"tee"}],"currency":"usd"}`,
			want: commerce.CreateInput{Lines: one, Currency: "usd"}},
		{name: "unknown interventions and fields ignored", body: `{"line_items":[{"id":"tee"}],"currency":"usd","future":1,
			"capabilities":{"interventions":{"supported":["telepathy","3ds","biometric","3ds"],"display_context":"modal"},"extensions":["discount"],"payment":{"handlers":[]}}}`,
			want: commerce.CreateInput{Lines: one, Currency: "usd", Interventions: []string{"3ds", "biometric"}}},
		{name: "everything", body: `{"line_items":[{"id":"tee"}],"currency":"usd",` + caps + `,"locale":"en-US",
			"buyer":{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com"},
			"fulfillment_details":{"name":"Ada","email":"ada@example.com","phone_number":"+15551234567",
				"address":{"name":"Ada","line_one":"1 Market St","city":"SF","state":"CA","country":"US","postal_code":"94105","company":"ACME"}},
			"selected_fulfillment_options":[{"type":"shipping","option_id":"shipping_express","item_ids":["li_1"]}],
			"discounts":{"codes":["save10"]}}`,
			want: commerce.CreateInput{Lines: one, Currency: "usd", Interventions: []string{"3ds"}, Locale: "en-US",
				Buyer:               &commerce.Buyer{FirstName: "Ada", LastName: "Lovelace", FullName: "Ada Lovelace", Email: "ada@example.com"},
				Fulfillment:         &commerce.FulfillmentInput{Name: "Ada", Email: "ada@example.com", Phone: "+15551234567", Address: addr},
				FulfillmentOptionID: "shipping_express",
				CouponCodes:         []string{"save10"}}},
		{name: "deprecated coupons", body: `{"line_items":[{"id":"tee"}],"currency":"usd","coupons":["A","B"]}`,
			want: commerce.CreateInput{Lines: one, Currency: "usd", CouponCodes: []string{"A", "B"}}},
		{name: "discounts win over coupons", body: `{"line_items":[{"id":"tee"}],"currency":"usd","coupons":["A"],"discounts":{"codes":["B"]}}`,
			want: commerce.CreateInput{Lines: one, Currency: "usd", CouponCodes: []string{"B"}}},

		{name: "malformed", body: `{"line_items":[{"id":"tee"}`, param: "$"},
		{name: "empty body", body: ``, param: "$"},
		{name: "line_items missing", body: `{"currency":"usd"}`, param: "$.line_items"},
		{name: "line_items empty", body: `{"line_items":[],"currency":"usd"}`, param: "$.line_items"},
		{name: "line_items wrong type", body: `{"line_items":"tee","currency":"usd"}`, param: "$.line_items"},
		{name: "item id wrong type", body: `{"line_items":[{"id":"a"},{"id":7}],"currency":"usd"}`, param: "$.line_items[1].id"},
		{name: "item id missing", body: `{"line_items":[{"quantity":1}],"currency":"usd"}`, param: "$.line_items[0].id"},
		{name: "quantity zero", body: `{"line_items":[{"id":"a","quantity":0}],"currency":"usd"}`, param: "$.line_items[0].quantity"},
		{name: "quantity negative", body: `{"line_items":[{"id":"a","quantity":-2}],"currency":"usd"}`, param: "$.line_items[0].quantity"},
		{name: "quantity fraction", body: `{"line_items":[{"id":"a","quantity":0.5}],"currency":"usd"}`, param: "$.line_items[0].quantity"},
		{name: "quantity string", body: `{"line_items":[{"id":"a","quantity":"1"}],"currency":"usd"}`, param: "$.line_items[0].quantity"},
		{name: "currency missing", body: `{"line_items":[{"id":"a"}]}`, param: "$.currency"},
		{name: "currency wrong type", body: `{"line_items":[{"id":"a"}],"currency":840}`, param: "$.currency"},
		{name: "supported wrong type", body: `{"line_items":[{"id":"a"}],"currency":"usd","capabilities":{"interventions":{"supported":"3ds"}}}`, param: "$.capabilities.interventions.supported"},
		{name: "codes wrong type", body: `{"line_items":[{"id":"a"}],"currency":"usd","discounts":{"codes":"SAVE"}}`, param: "$.discounts.codes"},
		{name: "address incomplete", body: `{"line_items":[{"id":"a"}],"currency":"usd","fulfillment_details":{"address":{"name":"A","line_one":"1","city":"X","country":"US"}}}`, param: "$.fulfillment_details.address.postal_code"},
		{name: "email wrong type", body: `{"line_items":[{"id":"a"}],"currency":"usd","fulfillment_details":{"email":false}}`, param: "$.fulfillment_details.email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.DecodeCreate([]byte(tt.body))
			if tt.param != "" {
				wantInvalid(t, err, tt.param)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DecodeCreate (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeUpdate(t *testing.T) {
	c := acp20260417.New(merchant)
	tests := []struct {
		name  string
		body  string
		want  commerce.UpdateInput
		param string
	}{
		{name: "empty", body: `{}`, want: commerce.UpdateInput{}},
		{name: "lines with quantity", body: `{"line_items":[{"id":"tee","quantity":2}]}`,
			want: commerce.UpdateInput{Lines: []commerce.LineInput{{ItemID: "tee", Quantity: 2}}}},
		{name: "first selected option", body: `{"selected_fulfillment_options":[{"type":"shipping","option_id":"shipping_express","item_ids":["li_1"]},{"type":"digital","option_id":"digital","item_ids":[]}]}`,
			want: commerce.UpdateInput{FulfillmentOptionID: new("shipping_express")}},
		{name: "empty selection ignored", body: `{"selected_fulfillment_options":[]}`, want: commerce.UpdateInput{}},
		{name: "codes clear", body: `{"discounts":{"codes":[]}}`, want: commerce.UpdateInput{CouponCodes: &[]string{}}},
		{name: "codes set", body: `{"discounts":{"codes":["X"]}}`, want: commerce.UpdateInput{CouponCodes: &[]string{"X"}}},
		{name: "discounts without codes unchanged", body: `{"discounts":{}}`, want: commerce.UpdateInput{}},
		{name: "coupons clear", body: `{"coupons":[]}`, want: commerce.UpdateInput{CouponCodes: &[]string{}}},
		{name: "contact only", body: `{"fulfillment_details":{"name":"Ada","email":"a@b.co"}}`,
			want: commerce.UpdateInput{Fulfillment: &commerce.FulfillmentInput{Name: "Ada", Email: "a@b.co"}}},

		{name: "option id missing", body: `{"selected_fulfillment_options":[{"type":"shipping","item_ids":[]}]}`, param: "$.selected_fulfillment_options[0].option_id"},
		{name: "option wrong type", body: `{"selected_fulfillment_options":[{"type":"shipping","option_id":"a","item_ids":[]},{"option_id":3}]}`, param: "$.selected_fulfillment_options[1].option_id"},
		{name: "selection not array", body: `{"selected_fulfillment_options":{"option_id":"a"}}`, param: "$.selected_fulfillment_options"},
		{name: "line_items empty", body: `{"line_items":[]}`, param: "$.line_items"},
		{name: "buyer wrong type", body: `{"buyer":[]}`, param: "$.buyer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.DecodeUpdate([]byte(tt.body))
			if tt.param != "" {
				wantInvalid(t, err, tt.param)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DecodeUpdate (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeComplete(t *testing.T) {
	c := acp20260417.New(merchant)
	pd := `"payment_data":{"handler_id":"card_tokenized","instrument":{"type":"card","credential":{"type":"spt","token":"spt_123"}}}`
	card := commerce.PaymentSelection{HandlerID: "card_tokenized"}
	tests := []struct {
		name  string
		body  string
		want  commerce.CompleteInput
		param string
	}{
		{name: "token", body: `{` + pd + `}`, want: commerce.CompleteInput{Token: "spt_123", Payment: card}},
		{name: "any handler passed on", body: `{"payment_data":{"handler_id":"whatever","instrument":{"type":"x","credential":{"type":"y","token":"vt_1"}}}}`,
			want: commerce.CompleteInput{Token: "vt_1", Payment: commerce.PaymentSelection{HandlerID: "whatever"}}},
		{name: "3DS result", body: `{` + pd + `,"authentication_result":{"outcome":"authenticated","outcome_details":{"three_ds_cryptogram":"AAAB","electronic_commerce_indicator":"05","transaction_id":"tx1","version":"2.2.0"}}}`,
			want: commerce.CompleteInput{Token: "spt_123", Payment: card, Authentication: &commerce.AuthenticationResult{Outcome: "authenticated", Cryptogram: "AAAB", ECI: "05", TransactionID: "tx1", Version: "2.2.0"}}},
		{name: "denied without details", body: `{` + pd + `,"authentication_result":{"outcome":"denied","outcome_details":{"transaction_id":"tx2"}}}`,
			want: commerce.CompleteInput{Token: "spt_123", Payment: card, Authentication: &commerce.AuthenticationResult{Outcome: "denied", TransactionID: "tx2"}}},
		{name: "buyer and billing", body: `{"buyer":{"email":"a@b.co","full_name":"A B"},"payment_data":{"handler_id":"h","instrument":{"type":"card","credential":{"type":"spt","token":"t"}},
			"billing_address":{"name":"A B","line_one":"1 St","city":"X","state":"NY","country":"US","postal_code":"10001"}}}`,
			want: commerce.CompleteInput{Token: "t", Payment: commerce.PaymentSelection{HandlerID: "h"}, Buyer: &commerce.Buyer{FullName: "A B", Email: "a@b.co"},
				BillingAddress: &commerce.Address{Name: "A B", LineOne: "1 St", City: "X", State: "NY", Country: "US", PostalCode: "10001"}}},

		{name: "no payment data", body: `{}`, param: "$.payment_data"},
		{name: "purchase order", body: `{"payment_data":{"purchase_order_number":"PO-1"}}`, param: "$.payment_data.instrument"},
		{name: "no instrument", body: `{"payment_data":{"handler_id":"h"}}`, param: "$.payment_data.instrument"},
		{name: "no credential", body: `{"payment_data":{"handler_id":"h","instrument":{"type":"card"}}}`, param: "$.payment_data.instrument.credential"},
		{name: "no token", body: `{"payment_data":{"handler_id":"h","instrument":{"type":"card","credential":{"type":"spt"}}}}`, param: "$.payment_data.instrument.credential.token"},
		{name: "token wrong type", body: `{"payment_data":{"handler_id":"h","instrument":{"type":"card","credential":{"type":"spt","token":1}}}}`, param: "$.payment_data.instrument.credential.token"},
		{name: "outcome missing", body: `{` + pd + `,"authentication_result":{}}`, param: "$.authentication_result.outcome"},
		{name: "outcome wrong type", body: `{` + pd + `,"authentication_result":{"outcome":true}}`, param: "$.authentication_result.outcome"},
		{name: "malformed", body: `{"payment_data":`, param: "$"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.DecodeComplete([]byte(tt.body))
			if tt.param != "" {
				wantInvalid(t, err, tt.param)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DecodeComplete (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeCancel(t *testing.T) {
	c := acp20260417.New(merchant)
	ok := []string{``, `{}`, `{"intent_trace":null}`,
		`{"intent_trace":{"reason_code":"shipping_cost","trace_summary":"too pricey","metadata":{"target":0,"ref":"amazon","flag":true}}}`,
		`{"intent_trace":{"reason_code":"buyer_cancelled"}}`, // unknown reason codes are fine
	}
	for _, body := range ok {
		if err := c.DecodeCancel([]byte(body)); err != nil {
			t.Errorf("DecodeCancel(%s) = %v", body, err)
		}
	}
	bad := map[string]string{
		`{`:                                  "$",
		`"cancel"`:                           "$",
		`{"intent_trace":"price"}`:           "$.intent_trace",
		`{"intent_trace":{}}`:                "$.intent_trace.reason_code",
		`{"intent_trace":{"reason_code":1}}`: "$.intent_trace.reason_code",
		`{"intent_trace":{"reason_code":"other","metadata":{"a":{"b":1}}}}`: "$.intent_trace.metadata['a']",
		`{"intent_trace":{"reason_code":"other","metadata":[1]}}`:           "$.intent_trace.metadata",
	}
	for body, param := range bad {
		wantInvalid(t, c.DecodeCancel([]byte(body)), param)
	}
	long := `{"intent_trace":{"reason_code":"other","trace_summary":"` + repeat("x", 501) + `"}}`
	wantInvalid(t, c.DecodeCancel([]byte(long)), "$.intent_trace.trace_summary")
}

func repeat(s string, n int) string {
	b := make([]byte, 0, n*len(s))
	for range n {
		b = append(b, s...)
	}
	return string(b)
}

// TestRequestsMatchSchema checks that the request bodies this package
// accepts are the ones the (patched) schema describes, so decode and
// schema do not drift apart.
func TestRequestsMatchSchema(t *testing.T) {
	v := schematest.FromEnv(t)
	c := acp20260417.New(merchant)
	create := `{"line_items":[{"id":"tee","quantity":2}],"currency":"usd",` + caps + `,"discounts":{"codes":["SAVE10"]}}`
	if err := v.Validate(acp20260417.APIVersion, "CheckoutSessionCreateRequest", []byte(create)); err != nil {
		t.Errorf("schema rejects create: %v", err)
	}
	if _, err := c.DecodeCreate([]byte(create)); err != nil {
		t.Errorf("codec rejects create: %v", err)
	}
	cancel := `{"intent_trace":{"reason_code":"shipping_cost","metadata":{"x":1}}}`
	if err := v.Validate(acp20260417.APIVersion, "CancelSessionRequest", []byte(cancel)); err != nil {
		t.Errorf("schema rejects cancel: %v", err)
	}
}
