package acp20250929_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"agentshop/internal/acp/acp20250929"
	"agentshop/internal/acp/acpjson"
	"agentshop/internal/commerce"
)

// The decoders take any bytes an agent sends. Whatever the input, they
// must not panic, every error must be an EINVALID *commerce.Error whose
// Param is a JSONPath, and what they accept must make sense to the domain.
// Seeds: the spec's request examples in testdata/fuzz and the f.Add cases.

func FuzzDecodeCreate(f *testing.F) {
	for _, s := range []string{
		`{"items":[{"id":"tee","quantity":2}]}`,
		`{"items":[{"id":"tee","quantity":2.0},{"id":"mug","quantity":1e1}],"fulfillment_option_id":"x"}`,
		`{"items":[{"id":"tee","quantity":-1}]}`,
		`{"items":[{"id":"","quantity":1}]}`,
		`{"items":[{"id":"tee","quantity":9223372036854775808}]}`,
		`{"items":[]}`,
		`{"items":{}}`,
		`{"items":[{"id":"tee","quantity":1}]} x`,
		`{"buyer":{"first_name":"Ada","last_name":"L","email":"a@b.c"},"items":[{"id":"a","quantity":1}],"fulfillment_address":{"name":"A","line_one":"1","city":"SF","state":"CA","country":"US","postal_code":"1"}}`,
		``, `null`, `[]`, `"x"`,
	} {
		f.Add([]byte(s))
	}
	c := acp20250929.New(merchant)
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := c.DecodeCreate(body)
		if err != nil {
			checkFuzzInvalid(t, err)
			return
		}
		if len(in.Lines) == 0 {
			t.Fatal("accepted a create without items")
		}
		checkFuzzLines(t, in.Lines)
		// The accepted lines, sent again in the plainest form, decode to
		// the same lines.
		again, err := c.DecodeCreate(itemsBody(in.Lines))
		if err != nil {
			t.Fatalf("re-encoded items rejected: %v", err)
		}
		if !slices.Equal(again.Lines, in.Lines) {
			t.Fatalf("round trip: %v, then %v", in.Lines, again.Lines)
		}
	})
}

func FuzzDecodeUpdate(f *testing.F) {
	for _, s := range []string{
		`{}`,
		`{"items":[{"id":"tee","quantity":3}]}`,
		`{"fulfillment_option_id":"shipping_standard"}`,
		`{"fulfillment_option_id":null,"items":null}`,
		`{"items":[]}`,
		`{"fulfillment_address":{"name":"A","line_one":"1","city":"SF","state":"CA","country":"US","postal_code":"1"}}`,
		`{"fulfillment_address":{"name":1}}`,
		`{"buyer":{"email":7}}`,
	} {
		f.Add([]byte(s))
	}
	c := acp20250929.New(merchant)
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := c.DecodeUpdate(body)
		if err != nil {
			checkFuzzInvalid(t, err)
			return
		}
		if in.Lines != nil {
			if len(in.Lines) == 0 {
				t.Fatal("accepted an update that empties the items")
			}
			checkFuzzLines(t, in.Lines)
		}
	})
}

func FuzzDecodeComplete(f *testing.F) {
	for _, s := range []string{
		`{"payment_data":{"token":"vt_123","provider":"stripe"}}`,
		`{"payment_data":{"token":""}}`,
		`{"payment_data":{"token":"vt_1","billing_address":{"name":"A","line_one":"1","city":"SF","state":"CA","country":"US","postal_code":"1"}}}`,
		`{"payment_data":{"token":"vt_1","billing_address":{}}}`,
		`{"payment_data":null}`,
		`{"buyer":{"first_name":"Ada","last_name":"L","email":"a@b.c"},"payment_data":{"token":"t"}}`,
	} {
		f.Add([]byte(s))
	}
	c := acp20250929.New(merchant)
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := c.DecodeComplete(body)
		if err != nil {
			checkFuzzInvalid(t, err)
			return
		}
		if in.Token == "" {
			t.Fatal("accepted a complete without a payment token")
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

// checkFuzzLines fails unless every line names an item and buys at least one.
func checkFuzzLines(t *testing.T, lines []commerce.LineInput) {
	t.Helper()
	for i, l := range lines {
		if l.ItemID == "" || l.Quantity < 1 || l.Quantity > acpjson.MaxQuantity {
			t.Fatalf("accepted line %d: %+v", i, l)
		}
	}
}

// itemsBody is a create body with lines as items.
func itemsBody(lines []commerce.LineInput) []byte {
	type item struct {
		ID       string `json:"id"`
		Quantity int64  `json:"quantity"`
	}
	items := make([]item, len(lines))
	for i, l := range lines {
		items[i] = item{l.ItemID, l.Quantity}
	}
	b, _ := json.Marshal(map[string]any{"items": items})
	return b
}
