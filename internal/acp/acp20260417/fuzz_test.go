package acp20260417_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"agentshop/internal/acp/acp20260417"
	"agentshop/internal/acp/acpjson"
	"agentshop/internal/commerce"
)

// The decoders take any bytes an agent sends. Whatever the input, they
// must not panic, every error must be an EINVALID *commerce.Error whose
// Param is a JSONPath, and what they accept must make sense to the domain.
// Seeds: the spec's request examples in testdata/fuzz and the f.Add cases.

func FuzzDecodeCreate(f *testing.F) {
	for _, s := range []string{
		`{"line_items":[{"id":"tee","quantity":2}],"currency":"usd"}`,
		`{"line_items":[{"id":"tee"}],"currency":"USD","capabilities":{"interventions":{"supported":["3ds","x","3ds"]}}}`,
		`{"line_items":[{"id":"tee","quantity":2.0}],"currency":"usd","discounts":{"codes":["SAVE5"]},"coupons":["X"]}`,
		`{"line_items":[{"id":"tee","quantity":0}],"currency":"usd"}`,
		`{"line_items":[{"id":"tee","quantity":"2"}],"currency":"usd"}`,
		`{"line_items":[],"currency":"usd"}`,
		`{"line_items":[{"id":"tee"}]}`,
		`{"line_items":[{"id":"tee"}],"currency":" "}`,
		`{"line_items":[{"id":"a"}],"currency":"usd","fulfillment_details":{"name":"A","email":"a@b.c","address":{"name":"A","line_one":"1","city":"SF","state":"CA","country":"US","postal_code":"1"}},"selected_fulfillment_options":[{"type":"shipping","option_id":"s","item_ids":["a"]}]}`,
		``, `null`, `[]`, `{"line_items":null}`,
	} {
		f.Add([]byte(s))
	}
	c := acp20260417.New(merchant)
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := c.DecodeCreate(body)
		if err != nil {
			checkFuzzInvalid(t, err)
			return
		}
		if len(in.Lines) == 0 {
			t.Fatal("accepted a create without line items")
		}
		checkFuzzLines(t, in.Lines)
		if in.Currency != strings.ToLower(in.Currency) {
			t.Fatalf("currency %q not lower-cased", in.Currency)
		}
		for _, s := range in.Interventions {
			if !slices.Contains([]string{"3ds", "biometric", "address_verification"}, s) {
				t.Fatalf("accepted unknown intervention %q", s)
			}
		}
		again, err := c.DecodeCreate(lineItemsBody(in.Lines))
		if err != nil {
			t.Fatalf("re-encoded line items rejected: %v", err)
		}
		if !slices.Equal(again.Lines, in.Lines) {
			t.Fatalf("round trip: %v, then %v", in.Lines, again.Lines)
		}
	})
}

func FuzzDecodeUpdate(f *testing.F) {
	for _, s := range []string{
		`{}`,
		`{"line_items":[{"id":"tee","quantity":3}]}`,
		`{"selected_fulfillment_options":[{"type":"shipping","option_id":"s","item_ids":["a"]}]}`,
		`{"selected_fulfillment_options":[]}`,
		`{"discounts":{"codes":[]}}`,
		`{"coupons":["A","B"]}`,
		`{"fulfillment_details":{"address":{"name":1}}}`,
		`{"line_items":[]}`,
	} {
		f.Add([]byte(s))
	}
	c := acp20260417.New(merchant)
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := c.DecodeUpdate(body)
		if err != nil {
			checkFuzzInvalid(t, err)
			return
		}
		if in.Lines != nil {
			if len(in.Lines) == 0 {
				t.Fatal("accepted an update that empties the line items")
			}
			checkFuzzLines(t, in.Lines)
		}
	})
}

func FuzzDecodeComplete(f *testing.F) {
	for _, s := range []string{
		`{"payment_data":{"handler_id":"card_tokenized","instrument":{"type":"card","credential":{"type":"vault_token","token":"vt_1"}}}}`,
		`{"payment_data":{"instrument":{"credential":{"token":""}}}}`,
		`{"payment_data":{"purchase_order_number":"PO-1"}}`,
		`{"payment_data":{"instrument":{}}}`,
		`{"payment_data":{"instrument":{"credential":{"token":"t"}}},"authentication_result":{"outcome":"authenticated","outcome_details":{"three_ds_cryptogram":"c","electronic_commerce_indicator":"05","transaction_id":"x","version":"2.2.0"}}}`,
		`{"payment_data":{"instrument":{"credential":{"token":"t"}}},"authentication_result":{}}`,
		`{"payment_data":{"instrument":{"credential":{"token":"t"}},"billing_address":{"line_one":"1"}}}`,
	} {
		f.Add([]byte(s))
	}
	c := acp20260417.New(merchant)
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := c.DecodeComplete(body)
		if err != nil {
			checkFuzzInvalid(t, err)
			return
		}
		if in.Token == "" {
			t.Fatal("accepted a complete without a credential token")
		}
		if in.Authentication != nil && in.Authentication.Outcome == "" {
			t.Fatal("accepted an authentication_result without an outcome")
		}
	})
}

func FuzzDecodeCancel(f *testing.F) {
	for _, s := range []string{
		``, `{}`,
		`{"intent_trace":{"reason_code":"price_sensitivity","trace_summary":"too much","metadata":{"a":1,"b":"x","c":true}}}`,
		`{"intent_trace":{"reason_code":"x","metadata":{"a":[1]}}}`,
		`{"intent_trace":{"reason_code":"x","metadata":{"it's":{}}}}`,
	} {
		f.Add([]byte(s))
	}
	c := acp20260417.New(merchant)
	f.Fuzz(func(t *testing.T, body []byte) {
		if err := c.DecodeCancel(body); err != nil {
			checkFuzzInvalid(t, err)
		}
	})
}

// checkFuzzInvalid fails unless err is an EINVALID *commerce.Error with a
// message and a JSONPath param.
func checkFuzzInvalid(t *testing.T, err error) {
	t.Helper()
	e, ok := errors.AsType[*commerce.Error](err)
	if !ok {
		t.Fatalf("error %v (%T) is not a *commerce.Error", err, err)
	}
	if e.Code != commerce.EINVALID || !strings.HasPrefix(e.Param, "$") || e.Message == "" {
		t.Fatalf("error {Code: %q, Param: %q, Message: %q}, want EINVALID with a $ param and a message", e.Code, e.Param, e.Message)
	}
}

// checkFuzzLines fails unless every line names an item and buys a
// quantity the domain can hold.
func checkFuzzLines(t *testing.T, lines []commerce.LineInput) {
	t.Helper()
	for i, l := range lines {
		if l.ItemID == "" || l.Quantity < 1 || l.Quantity > acpjson.MaxQuantity {
			t.Fatalf("accepted line %d: %+v", i, l)
		}
	}
}

// lineItemsBody is a create body with lines as line_items.
func lineItemsBody(lines []commerce.LineInput) []byte {
	type item struct {
		ID       string `json:"id"`
		Quantity int64  `json:"quantity"`
	}
	items := make([]item, len(lines))
	for i, l := range lines {
		items[i] = item{l.ItemID, l.Quantity}
	}
	b, _ := json.Marshal(map[string]any{"line_items": items, "currency": "usd"})
	return b
}
