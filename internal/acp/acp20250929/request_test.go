package acp20250929_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"agentshop/internal/acp/acp20250929"
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

func TestDecodeCreate(t *testing.T) {
	c := acp20250929.New(merchant)
	addr := &commerce.Address{Name: "Ada", LineOne: "1 Market St", City: "SF", State: "CA", Country: "US", PostalCode: "94105"}
	tests := []struct {
		name  string
		body  string
		want  commerce.CreateInput
		param string // expected error param; "" means success
	}{
		{name: "minimal", body: `{"items":[{"id":"tee","quantity":2}]}`,
			want: commerce.CreateInput{Lines: []commerce.LineInput{{ItemID: "tee", Quantity: 2}}}},
		{name: "full", body: `{"items":[{"id":"tee","quantity":1},{"id":"mug","quantity":3}],
			"buyer":{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com","phone_number":"+15551234567"},
			"fulfillment_address":{"name":"Ada","line_one":"1 Market St","city":"SF","state":"CA","country":"US","postal_code":"94105"}}`,
			want: commerce.CreateInput{
				Lines:       []commerce.LineInput{{ItemID: "tee", Quantity: 1}, {ItemID: "mug", Quantity: 3}},
				Buyer:       &commerce.Buyer{FirstName: "Ada", LastName: "Lovelace", FullName: "Ada Lovelace", Email: "ada@example.com", PhoneNumber: "+15551234567"},
				Fulfillment: &commerce.FulfillmentInput{Name: "Ada", Address: addr},
			}},
		{name: "unknown fields ignored", body: `{"items":[{"id":"tee","quantity":1,"color":"red"}],"coupon":"X","extra":{"a":[1]}}`,
			want: commerce.CreateInput{Lines: []commerce.LineInput{{ItemID: "tee", Quantity: 1}}}},
		{name: "whole float quantity", body: `{"items":[{"id":"tee","quantity":2.0}]}`,
			want: commerce.CreateInput{Lines: []commerce.LineInput{{ItemID: "tee", Quantity: 2}}}},
		{name: "exponent quantity", body: `{"items":[{"id":"tee","quantity":1e1}]}`,
			want: commerce.CreateInput{Lines: []commerce.LineInput{{ItemID: "tee", Quantity: 10}}}},
		{name: "option id accepted on create", body: `{"items":[{"id":"tee","quantity":1}],"fulfillment_option_id":"shipping_express"}`,
			want: commerce.CreateInput{Lines: []commerce.LineInput{{ItemID: "tee", Quantity: 1}}, FulfillmentOptionID: "shipping_express"}},

		{name: "malformed JSON", body: `{"items":[`, param: "$"},
		{name: "empty body", body: ``, param: "$"},
		{name: "trailing garbage", body: `{"items":[{"id":"a","quantity":1}]} x`, param: "$"},
		{name: "not an object", body: `[1,2]`, param: "$"},
		{name: "items missing", body: `{}`, param: "$.items"},
		{name: "items null", body: `{"items":null}`, param: "$.items"},
		{name: "items empty", body: `{"items":[]}`, param: "$.items"},
		{name: "items not array", body: `{"items":{"id":"a"}}`, param: "$.items"},
		{name: "item not object", body: `{"items":[{"id":"a","quantity":1},"b"]}`, param: "$.items[1]"},
		{name: "id wrong type", body: `{"items":[{"id":"a","quantity":1},{"id":5,"quantity":1}]}`, param: "$.items[1].id"},
		{name: "id missing", body: `{"items":[{"quantity":1}]}`, param: "$.items[0].id"},
		{name: "id empty", body: `{"items":[{"id":"","quantity":1}]}`, param: "$.items[0].id"},
		{name: "quantity missing", body: `{"items":[{"id":"a"}]}`, param: "$.items[0].quantity"},
		{name: "quantity string", body: `{"items":[{"id":"a","quantity":"2"}]}`, param: "$.items[0].quantity"},
		{name: "quantity zero", body: `{"items":[{"id":"a","quantity":0}]}`, param: "$.items[0].quantity"},
		{name: "quantity negative", body: `{"items":[{"id":"a","quantity":-1}]}`, param: "$.items[0].quantity"},
		{name: "quantity fraction", body: `{"items":[{"id":"a","quantity":1},{"id":"b","quantity":1.5}]}`, param: "$.items[1].quantity"},
		{name: "quantity huge", body: `{"items":[{"id":"a","quantity":1e300}]}`, param: "$.items[0].quantity"},
		{name: "buyer wrong type", body: `{"items":[{"id":"a","quantity":1}],"buyer":"ada"}`, param: "$.buyer"},
		{name: "buyer email wrong type", body: `{"items":[{"id":"a","quantity":1}],"buyer":{"email":1}}`, param: "$.buyer.email"},
		{name: "address field wrong type", body: `{"items":[{"id":"a","quantity":1}],"fulfillment_address":{"postal_code":94105}}`, param: "$.fulfillment_address.postal_code"},
		{name: "address line missing", body: `{"items":[{"id":"a","quantity":1}],"fulfillment_address":{"name":"A","city":"SF","state":"CA","country":"US","postal_code":"1"}}`, param: "$.fulfillment_address.line_one"},
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
	c := acp20250929.New(merchant)
	tests := []struct {
		name  string
		body  string
		want  commerce.UpdateInput
		param string
	}{
		{name: "empty object changes nothing", body: `{}`, want: commerce.UpdateInput{}},
		{name: "option", body: `{"fulfillment_option_id":"shipping_express"}`, want: commerce.UpdateInput{FulfillmentOptionID: new("shipping_express")}},
		{name: "items", body: `{"items":[{"id":"tee","quantity":4}]}`, want: commerce.UpdateInput{Lines: []commerce.LineInput{{ItemID: "tee", Quantity: 4}}}},
		{name: "items empty", body: `{"items":[]}`, param: "$.items"},
		{name: "option wrong type", body: `{"fulfillment_option_id":1}`, param: "$.fulfillment_option_id"},
		{name: "quantity wrong", body: `{"items":[{"id":"tee","quantity":true}]}`, param: "$.items[0].quantity"},
		{name: "malformed", body: `{"items":}`, param: "$"},
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
	c := acp20250929.New(merchant)
	tests := []struct {
		name  string
		body  string
		want  commerce.CompleteInput
		param string
	}{
		{name: "token", body: `{"payment_data":{"token":"spt_123","provider":"stripe"}}`, want: commerce.CompleteInput{Token: "spt_123", Payment: commerce.PaymentSelection{Provider: "stripe"}}},
		{name: "other provider passed on", body: `{"payment_data":{"token":"vt_1","provider":"sandbox"}}`, want: commerce.CompleteInput{Token: "vt_1", Payment: commerce.PaymentSelection{Provider: "sandbox"}}},
		{name: "billing address and buyer", body: `{"buyer":{"first_name":"A","last_name":"B","email":"a@b.co"},
			"payment_data":{"token":"t","provider":"stripe","billing_address":{"name":"A B","line_one":"1 St","city":"X","state":"","country":"US","postal_code":"1"}}}`,
			want: commerce.CompleteInput{Token: "t", Payment: commerce.PaymentSelection{Provider: "stripe"}, Buyer: &commerce.Buyer{FirstName: "A", LastName: "B", FullName: "A B", Email: "a@b.co"},
				BillingAddress: &commerce.Address{Name: "A B", LineOne: "1 St", City: "X", Country: "US", PostalCode: "1"}}},
		{name: "no payment data", body: `{}`, param: "$.payment_data"},
		{name: "no token", body: `{"payment_data":{"provider":"stripe"}}`, param: "$.payment_data.token"},
		{name: "token wrong type", body: `{"payment_data":{"token":42}}`, param: "$.payment_data.token"},
		{name: "billing address incomplete", body: `{"payment_data":{"token":"t","billing_address":{"name":"A"}}}`, param: "$.payment_data.billing_address.line_one"},
		{name: "malformed", body: `nope`, param: "$"},
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
	c := acp20250929.New(merchant)
	for _, body := range []string{``, `  `, `{}`, `{"intent_trace":{"reason_code":"anything"}}`} {
		if err := c.DecodeCancel([]byte(body)); err != nil {
			t.Errorf("DecodeCancel(%q) = %v", body, err)
		}
	}
	wantInvalid(t, c.DecodeCancel([]byte(`{`)), "$")
	wantInvalid(t, c.DecodeCancel([]byte(`[]`)), "$")
}

func TestRequestParam(t *testing.T) {
	c := acp20250929.New(merchant)
	for in, want := range map[string]string{
		"$.line_items":                          "$.items",
		"$.line_items[2].quantity":              "$.items[2].quantity",
		"$.fulfillment_details.address.country": "$.fulfillment_address.country",
		"$.selected_fulfillment_options":        "$.fulfillment_option_id",
		"$.buyer.email":                         "$.buyer.email",
	} {
		if got := c.RequestParam(in); got != want {
			t.Errorf("RequestParam(%q) = %q, want %q", in, got, want)
		}
	}
}
