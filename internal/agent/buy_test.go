package agent

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"agentshop/internal/acpclient"
)

func TestParseAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want acpclient.Address
	}{
		{
			in:   "Ada Lovelace, 1 Main St, San Francisco, CA 94103, US",
			want: acpclient.Address{Name: "Ada Lovelace", LineOne: "1 Main St", City: "San Francisco", State: "CA", PostalCode: "94103", Country: "US"},
		},
		{
			in:   "Ada Lovelace, 1 Main St, San Francisco, CA 94103",
			want: acpclient.Address{Name: "Ada Lovelace", LineOne: "1 Main St", City: "San Francisco", State: "CA", PostalCode: "94103", Country: "US"},
		},
		{
			in:   "  Ada   Lovelace ,1 Main St,  Apt 4 , San Francisco,CA   94103-1234 , us ",
			want: acpclient.Address{Name: "Ada Lovelace", LineOne: "1 Main St", LineTwo: "Apt 4", City: "San Francisco", State: "CA", PostalCode: "94103-1234", Country: "US"},
		},
		{
			in:   "Ada Lovelace, 1 Main St, San Francisco, CA, 94103, USA",
			want: acpclient.Address{Name: "Ada Lovelace", LineOne: "1 Main St", City: "San Francisco", State: "CA", PostalCode: "94103", Country: "US"},
		},
		{
			in:   "Jo Smith, 350 5th Ave, Floor 3, Manhattan, New York 10118, US",
			want: acpclient.Address{Name: "Jo Smith", LineOne: "350 5th Ave", LineTwo: "Floor 3", City: "Manhattan", State: "New York", PostalCode: "10118", Country: "US"},
		},
		{
			in:   "Jean Roy, 100 King St W, Toronto, ON M5X 1A9, CA",
			want: acpclient.Address{Name: "Jean Roy", LineOne: "100 King St W", City: "Toronto", State: "ON", PostalCode: "M5X 1A9", Country: "CA"},
		},
		{
			in:   "Sam Jones, 10 Downing Street, London, SW1A 2AA, UK",
			want: acpclient.Address{Name: "Sam Jones", LineOne: "10 Downing Street", City: "London", PostalCode: "SW1A 2AA", Country: "GB"},
		},
		{
			in:   "Sam Jones, 1 High St, Flat 2, London, SW1A 2AA, GB",
			want: acpclient.Address{Name: "Sam Jones", LineOne: "1 High St", LineTwo: "Flat 2", City: "London", PostalCode: "SW1A 2AA", Country: "GB"},
		},
		{
			in:   "Kim Lee, 1 George St, Sydney, NSW, 2000, AU",
			want: acpclient.Address{Name: "Kim Lee", LineOne: "1 George St", City: "Sydney", State: "NSW", PostalCode: "2000", Country: "AU"},
		},
	}
	for _, tt := range tests {
		got, err := ParseAddress(tt.in)
		if err != nil {
			t.Errorf("ParseAddress(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseAddress(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}

	for _, bad := range []string{
		"",
		"Ada Lovelace",
		"Ada, 1 Main St, San Francisco",          // no state/postal
		"Ada, 1 Main St, San Francisco, CA",      // CA read as the country, then no postal code
		"Ada, 1 Main St, San Francisco, CA, US",  // no postal code
		"1 Main St, San Francisco, CA 94103, US", // no name: three parts before the region
		"Ada, a, b, c, d, San Francisco, CA 94103",
	} {
		if a, err := ParseAddress(bad); err == nil {
			t.Errorf("ParseAddress(%q) = %+v, want an error", bad, a)
		}
	}
}

func TestMoney(t *testing.T) {
	t.Parallel()
	tests := []struct {
		amount   int64
		currency string
		want     string
	}{
		{13900, "usd", "$139.00"},
		{5, "USD", "$0.05"},
		{0, "usd", "$0.00"},
		{-250, "eur", "-€2.50"},
		{500, "jpy", "¥500"},
		{1250, "chf", "CHF 12.50"},
		{1000, "krw", "KRW 1000"},
	}
	for _, tt := range tests {
		if got := money(tt.amount, tt.currency); got != tt.want {
			t.Errorf("money(%d, %q) = %q, want %q", tt.amount, tt.currency, got, tt.want)
		}
	}
}

func TestChooseOption(t *testing.T) {
	t.Parallel()
	opt := func(typ, id string, total int64, has bool) acpclient.FulfillmentOption {
		return acpclient.FulfillmentOption{Type: typ, ID: id, Total: total, HasTotal: has}
	}
	tests := []struct {
		name     string
		options  []acpclient.FulfillmentOption
		selected []string
		want     string
	}{
		{"cheapest shipping", []acpclient.FulfillmentOption{opt("shipping", "exp", 1500, true), opt("shipping", "std", 500, true), opt("pickup", "free", 0, true)}, nil, "std"},
		{"a total beats none", []acpclient.FulfillmentOption{opt("shipping", "odd", 0, false), opt("shipping", "std", 500, true)}, nil, "std"},
		{"digital, unselected", []acpclient.FulfillmentOption{opt("digital", "dl", 0, true)}, nil, "dl"},
		{"digital, already settled", []acpclient.FulfillmentOption{opt("digital", "dl", 0, true)}, []string{"dl"}, ""},
		{"nothing to choose", nil, nil, ""},
	}
	for _, tt := range tests {
		got := chooseOption(&acpclient.Session{FulfillmentOptions: tt.options, SelectedFulfillmentOptionIDs: tt.selected})
		id := ""
		if got != nil {
			id = got.ID
		}
		if id != tt.want {
			t.Errorf("%s: chose %q, want %q", tt.name, id, tt.want)
		}
	}
}

// fakeShop is a hand-written fake ACP merchant that walks one session
// through the happy path (and 3-D Secure when asked). It exists to test
// the command's flow and output; the end-to-end test against the real
// `agentshop serve` is separate.
type fakeShop struct {
	version  string
	require3 bool // answer the first complete with authentication_required
	decline  bool

	mu    sync.Mutex
	calls []string
	state map[string]any
}

func (f *fakeShop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, r.Method+" "+r.URL.Path+" "+string(body))
	if r.Method == http.MethodPost && r.Header.Get("Idempotency-Key") == "" {
		w.WriteHeader(400)
		io.WriteString(w, `{"type":"invalid_request","code":"idempotency_key_required","message":"Idempotency-Key header is required on all POST requests"}`)
		return
	}
	var req map[string]any
	_ = json.Unmarshal(body, &req)
	w.Header().Set("Content-Type", "application/json")
	path := r.URL.Path
	switch {
	case path == "/.well-known/acp.json":
		io.WriteString(w, `{"protocol":{"name":"acp","version":"2026-04-17","supported_versions":["2025-09-29","2026-04-17"]},"api_base_url":"x","transports":["rest"],"capabilities":{"services":["checkout","delegate_payment"],"supported_currencies":["usd"]}}`)
		return
	case path == "/agentic_commerce/delegate_payment":
		w.WriteHeader(201)
		io.WriteString(w, `{"id":"vt_1","created":"2026-01-01T00:00:00Z","metadata":{}}`)
		return
	case path == "/checkout_sessions":
		f.state = map[string]any{"id": "cs_1", "status": "not_ready_for_payment", "currency": "usd", "messages": []any{}, "links": []any{}}
		f.state["messages"] = []any{map[string]any{"type": "error", "code": "missing", "param": "$.fulfillment_address", "content_type": "plain", "content": "Add an address."}}
		if f.version == acpclient.Version20250929 {
			f.state["payment_provider"] = map[string]any{"provider": "stripe", "merchant_id": "shop_1", "supported_payment_methods": []any{"card"}}
			f.state["line_items"] = []any{map[string]any{"id": "li_1", "item": map[string]any{"id": "mug", "quantity": 2}, "base_amount": 3000, "discount": 0, "subtotal": 3000, "tax": 0, "total": 3000}}
		} else {
			f.state["capabilities"] = map[string]any{"payment": map[string]any{"handlers": []any{map[string]any{"id": "card_tokenized", "name": "dev.acp.tokenized.card", "config": map[string]any{"merchant_id": "shop_1"}}}}}
			f.state["line_items"] = []any{map[string]any{"id": "li_1", "item": map[string]any{"id": "mug"}, "quantity": 2, "name": "Mug",
				"totals": []any{map[string]any{"type": "total", "display_text": "Total", "amount": 3000}}}}
		}
		f.state["fulfillment_options"] = []any{}
		f.state["totals"] = []any{map[string]any{"type": "subtotal", "display_text": "Subtotal", "amount": 3000}, map[string]any{"type": "total", "display_text": "Total", "amount": 3000}}
		w.WriteHeader(201)
	case strings.HasSuffix(path, "/complete"):
		switch {
		case f.decline:
			f.state["messages"] = []any{map[string]any{"type": "error", "code": "payment_declined", "content_type": "plain", "content": "Your card was declined."}}
		case f.require3 && req["authentication_result"] == nil:
			f.state["status"] = "authentication_required"
			f.state["authentication_metadata"] = map[string]any{"directory_server": "visa"}
		default:
			f.state["status"] = "completed"
			f.state["order"] = map[string]any{"id": "ord_1", "checkout_session_id": "cs_1", "permalink_url": "https://shop.example/orders/ord_1"}
		}
	default: // update
		f.state["messages"] = []any{}
		if _, ok := req["fulfillment_address"]; ok {
			f.state["fulfillment_options"] = shippingOptions(f.version)
		}
		if _, ok := req["fulfillment_details"]; ok {
			f.state["fulfillment_options"] = shippingOptions(f.version)
		}
		if id, ok := req["fulfillment_option_id"]; ok {
			f.state["fulfillment_option_id"] = id
			f.state["status"] = "ready_for_payment"
		}
		if sel, ok := req["selected_fulfillment_options"]; ok {
			f.state["selected_fulfillment_options"] = sel
			f.state["status"] = "ready_for_payment"
		}
		if f.state["status"] == "ready_for_payment" {
			f.state["totals"] = []any{map[string]any{"type": "subtotal", "display_text": "Subtotal", "amount": 3000}, map[string]any{"type": "fulfillment", "display_text": "Shipping", "amount": 500},
				map[string]any{"type": "tax", "display_text": "Tax", "amount": 290}, map[string]any{"type": "total", "display_text": "Total", "amount": 3790}}
		}
	}
	b, _ := json.Marshal(f.state)
	w.Write(b)
}

func shippingOptions(version string) []any {
	if version == acpclient.Version20250929 {
		return []any{
			map[string]any{"type": "shipping", "id": "exp", "title": "Express", "subtotal": 1500, "tax": 0, "total": 1500},
			map[string]any{"type": "shipping", "id": "std", "title": "Standard", "subtotal": 500, "tax": 0, "total": 500},
		}
	}
	return []any{
		map[string]any{"type": "shipping", "id": "exp", "title": "Express", "totals": []any{map[string]any{"type": "total", "display_text": "Shipping", "amount": 1500}}},
		map[string]any{"type": "shipping", "id": "std", "title": "Standard", "totals": []any{map[string]any{"type": "total", "display_text": "Shipping", "amount": 500}}},
	}
}

func TestAgentBuy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		shop     *fakeShop
		opts     func(*BuyOptions)
		wantErr  string
		wantOut  []string
		wantCall []string // substrings of the recorded calls, in order
	}{
		{
			name: "2026-04-17 happy path", shop: &fakeShop{version: acpclient.Version20260417},
			wantOut: []string{"→ discovery", "→ create session      201  cs_1  not_ready_for_payment", "2 × mug  Mug  $30.00", "! error missing: Add an address.",
				"→ set address         200  cs_1  not_ready_for_payment", "→ select shipping     200  cs_1  ready_for_payment  Standard $5.00 (std)",
				"Subtotal $30.00 · Shipping $5.00 · Tax $2.90 · Total $37.90", "→ delegate payment    201  vt_1  card •••• 4242, up to $37.90, merchant shop_1",
				"→ complete            200  cs_1  completed", "✓ order ord_1  https://shop.example/orders/ord_1"},
			wantCall: []string{"GET /.well-known/acp.json", `"line_items":[{"id":"mug","quantity":2}],"currency":"usd","capabilities":{"interventions":{"supported":["3ds"]}}`,
				`"fulfillment_details":{"name":"Ada Lovelace","email":"ada@example.com","address":`,
				`{"selected_fulfillment_options":[{"type":"shipping","option_id":"std","item_ids":["li_1"]}]}`,
				`"max_amount":3790,"currency":"usd","checkout_session_id":"cs_1","merchant_id":"shop_1"`,
				`{"buyer":{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com"},"payment_data":{"handler_id":"card_tokenized","instrument":{"type":"card","credential":{"type":"vault_token","token":"vt_1"}}}}`},
		},
		{
			name: "2025-09-29 happy path", shop: &fakeShop{version: acpclient.Version20250929},
			opts:    func(o *BuyOptions) { o.Version = acpclient.Version20250929 },
			wantOut: []string{"→ select shipping     200  cs_1  ready_for_payment  Standard $5.00 (std)", "✓ order ord_1"},
			wantCall: []string{`{"items":[{"id":"mug","quantity":2}]}`, `{"fulfillment_address":{"name":"Ada Lovelace"`, `{"fulfillment_option_id":"std"}`,
				`{"buyer":{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com"},"payment_data":{"token":"vt_1","provider":"stripe"}}`},
		},
		{
			name: "3DS", shop: &fakeShop{version: acpclient.Version20260417, require3: true},
			wantOut:  []string{"→ complete            200  cs_1  authentication_required", "→ complete (3DS authenticated) 200  cs_1  completed", "✓ order ord_1"},
			wantCall: []string{`"authentication_result":{"outcome":"authenticated","outcome_details":{"three_ds_cryptogram":`},
		},
		{
			name: "3DS refused by flag", shop: &fakeShop{version: acpclient.Version20260417, require3: true},
			opts:    func(o *BuyOptions) { o.Auth3DS = "none" },
			wantErr: "requires 3-D Secure",
		},
		{
			name: "declined", shop: &fakeShop{version: acpclient.Version20260417, decline: true},
			wantOut: []string{"! error payment_declined: Your card was declined."},
			wantErr: "did not complete: session cs_1 is ready_for_payment (payment_declined: Your card was declined.)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			shop := tt.shop
			srv := httptest.NewServer(shop)
			defer srv.Close()
			var out, errOut bytes.Buffer
			o := testOptions(t, srv.URL)
			o.APIKey, o.Quantity, o.Email = "sk_test", 2, "ada@example.com"
			if tt.opts != nil {
				tt.opts(&o)
			}
			err := Buy(t.Context(), o, &out, &errOut)
			t.Logf("output:\n%s%s", out.String(), errOut.String())
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Buy: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Buy error = %v, want one containing %q", err, tt.wantErr)
			}
			// Compare with runs of spaces squeezed: column widths are cosmetic.
			squeeze := func(s string) string {
				lines := strings.Split(s, "\n")
				for i, l := range lines {
					lines[i] = strings.Join(strings.Fields(l), " ")
				}
				return strings.Join(lines, "\n")
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(squeeze(out.String()), squeeze(w)) {
					t.Errorf("output lacks %q", w)
				}
			}
			calls := strings.Join(shop.calls, "\n")
			at := 0
			for _, w := range tt.wantCall {
				i := strings.Index(calls[at:], w)
				if i < 0 {
					t.Errorf("no call (after the previous one) contains %s\ncalls:\n%s", w, calls)
					continue
				}
				at += i + len(w)
			}
		})
	}
}

func TestAgentBuyJSON(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(&fakeShop{version: acpclient.Version20260417})
	defer srv.Close()
	var out, errOut bytes.Buffer
	o := testOptions(t, srv.URL)
	o.JSON = true
	err := Buy(t.Context(), o, &out, &errOut)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Status string `json:"status"`
		Order  struct {
			ID string `json:"id"`
		} `json:"order"`
	}
	if err := json.Unmarshal(out.Bytes(), &s); err != nil || s.Status != "completed" || s.Order.ID != "ord_1" {
		t.Errorf("stdout is not the final session (%v):\n%s", err, out.String())
	}
	if !strings.Contains(errOut.String(), "→ complete") {
		t.Errorf("steps not on stderr:\n%s", errOut.String())
	}
}

// testOptions are the defaults of `agent buy` for one mug shipped to Ada
// at merchant.
func testOptions(t *testing.T, merchant string) BuyOptions {
	t.Helper()
	a, err := ParseAddress("Ada Lovelace, 1 Main St, San Francisco, CA 94103, US")
	if err != nil {
		t.Fatal(err)
	}
	return BuyOptions{Merchant: merchant, Items: []string{"mug"}, Quantity: 1, ShipTo: &a,
		Version: acpclient.Version20260417, Card: "4242424242424242", Auth3DS: "authenticated"}
}
