package acpclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"agentshop/internal/acp/acpschema"
	"agentshop/internal/acp/acpschema/schematest"
	"agentshop/internal/acpclient"
)

// fakeMerchant is a hand-written fake of an ACP merchant: it records each
// request and answers with canned bodies. It checks the client's side of
// the wire only; the end-to-end test against `agentshop serve` lives with
// the command.
type fakeMerchant struct {
	t   *testing.T
	srv *httptest.Server

	mu   sync.Mutex
	reqs []recorded
	// reply, when set, overrides the canned answer.
	reply func(w http.ResponseWriter, r *http.Request)
}

type recorded struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

func newFakeMerchant(t *testing.T) *fakeMerchant {
	t.Helper()
	f := &fakeMerchant{t: t}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeMerchant) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, recorded{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
	reply := f.reply
	f.mu.Unlock()
	if reply != nil {
		reply(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.URL.Path == "/.well-known/acp.json":
		io.WriteString(w, `{"protocol":{"name":"acp","version":"2026-04-17","supported_versions":["2025-09-29","2026-04-17"]},"api_base_url":"`+f.srv.URL+`","transports":["rest"],"capabilities":{"services":["checkout","delegate_payment"]}}`)
	case strings.HasSuffix(r.URL.Path, "/agentic_commerce/delegate_payment"):
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"vt_123","created":"2026-05-01T00:00:00Z","metadata":{"merchant_id":"acct_1"}}`)
	case strings.HasSuffix(r.URL.Path, "/checkout_sessions"):
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, session20260417)
	case strings.HasSuffix(r.URL.Path, "/complete"):
		io.WriteString(w, strings.Replace(session20260417, `"status":"ready_for_payment"`, `"status":"completed","order":{"id":"ord_1","checkout_session_id":"cs_1","permalink_url":"https://shop.example/orders/ord_1"}`, 1))
	case strings.HasSuffix(r.URL.Path, "/cancel"):
		io.WriteString(w, strings.Replace(session20260417, `"status":"ready_for_payment"`, `"status":"canceled"`, 1))
	default:
		io.WriteString(w, session20260417)
	}
}

func (f *fakeMerchant) last() recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) == 0 {
		f.t.Fatal("no request reached the fake merchant")
	}
	return f.reqs[len(f.reqs)-1]
}

const session20260417 = `{
 "id":"cs_1","status":"ready_for_payment","currency":"usd",
 "capabilities":{"payment":{"handlers":[
   {"id":"seller_pm","name":"dev.acp.seller_backed.saved_card","psp":"seller_managed","requires_delegate_payment":true,"config":{"merchant_id":"acct_seller"}},
   {"id":"card_tokenized","name":"dev.acp.tokenized.card","psp":"sandbox","requires_delegate_payment":true,"config":{"merchant_id":"acct_1"}}]}},
 "line_items":[{"id":"li_1","item":{"id":"sku_1"},"quantity":2,"name":"Mug","unit_amount":1500,
   "totals":[{"type":"items_base_amount","display_text":"Base","amount":3000},{"type":"tax","display_text":"Tax","amount":300},{"type":"total","display_text":"Total","amount":3300}]}],
 "fulfillment_details":{"name":"Ada Lovelace","email":"ada@example.com","address":{"name":"Ada Lovelace","line_one":"1 Main St","city":"San Francisco","state":"CA","country":"US","postal_code":"94103"}},
 "fulfillment_options":[
   {"type":"shipping","id":"ship_std","title":"Standard","description":"4-5 days","totals":[{"type":"total","display_text":"Shipping","amount":500}]},
   {"type":"shipping","id":"ship_exp","title":"Express","totals":[{"type":"subtotal","display_text":"Shipping","amount":1500},{"type":"total","display_text":"Shipping","amount":1500}]}],
 "selected_fulfillment_options":[{"type":"shipping","option_id":"ship_std","item_ids":["li_1"]}],
 "totals":[{"type":"subtotal","display_text":"Subtotal","amount":3000},{"type":"fulfillment","display_text":"Shipping","amount":500},{"type":"tax","display_text":"Tax","amount":300},{"type":"total","display_text":"Total","amount":3800}],
 "messages":[{"type":"info","content_type":"plain","content":"Free returns."}],
 "links":[]
}`

const session20250929 = `{
 "id":"cs_2","status":"ready_for_payment","currency":"usd",
 "payment_provider":{"provider":"stripe","merchant_id":"acct_2","supported_payment_methods":["card"]},
 "line_items":[{"id":"li_1","item":{"id":"sku_1","quantity":2.5},"base_amount":300,"discount":0,"subtotal":300,"tax":30,"total":330}],
 "fulfillment_address":{"name":"Ada","line_one":"1 Main St","city":"SF","state":"CA","country":"US","postal_code":"94103"},
 "fulfillment_option_id":"fo_1",
 "fulfillment_options":[{"type":"shipping","id":"fo_1","title":"Standard","subtitle":"4-5 days","subtotal":"100","tax":"0","total":"100"},
   {"type":"digital","id":"fo_2","title":"Download","subtotal":0,"tax":0,"total":0}],
 "totals":[{"type":"subtotal","display_text":"Subtotal","amount":300},{"type":"total","display_text":"Total","amount":430}],
 "messages":[{"type":"error","code":"requires_3ds","param":null,"content_type":"plain","content":"3DS needed"}],
 "links":[]
}`

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestRequests checks, per version and endpoint, the exact body, method,
// path and headers the client sends, and validates each body against the
// official JSON Schema when AGENTSHOP_ACP_SPEC_DIR is set.
func TestRequests(t *testing.T) {
	addr := &acpclient.Address{Name: "Ada Lovelace", LineOne: "1 Main St", City: "San Francisco", State: "CA", Country: "US", PostalCode: "94103"}
	const addrJSON = `{"name":"Ada Lovelace","line_one":"1 Main St","city":"San Francisco","state":"CA","country":"US","postal_code":"94103"}`
	expires := time.Date(2026, 5, 1, 12, 15, 0, 0, time.UTC)
	delegation := acpclient.NewDelegatePaymentRequest(acpclient.CardDelegation{
		Number: "4242 4242 4242 4242", ExpMonth: "12", ExpYear: "2030", CVC: "123",
		MaxAmount: 3800, Currency: "USD", CheckoutSessionID: "cs_1", MerchantID: "acct_1", ExpiresAt: expires,
	})
	const delegationJSON = `{"payment_method":{"type":"card","card_number_type":"fpan","number":"4242424242424242","exp_month":"12","exp_year":"2030","cvc":"123","display_card_funding_type":"credit","display_last4":"4242","metadata":{}},
	 "allowance":{"reason":"one_time","max_amount":3800,"currency":"usd","checkout_session_id":"cs_1","merchant_id":"acct_1","expires_at":"2026-05-01T12:15:00Z"},
	 "risk_signals":[{"type":"card_testing","score":0,"action":"authorized"}],"metadata":{}}`
	must := func(b any, err error) any {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	buyer := &acpclient.Buyer{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com"}

	tests := []struct {
		name    string
		version string
		call    func(ctx context.Context, c *acpclient.Client) (*acpclient.Response, error)
		method  string
		path    string
		body    string // "" for no body
		schema  string // JSON Schema definition of the body, if any
	}{
		{
			name: "create", version: acpclient.Version20250929,
			call: func(ctx context.Context, c *acpclient.Client) (*acpclient.Response, error) {
				_, r, err := c.CreateSession(ctx, must(acpclient.NewCreateRequest(acpclient.Version20250929, acpclient.CreateParams{
					Items: []acpclient.ItemQuantity{{ID: "sku_1", Quantity: 2}}, Currency: "usd"})))
				return r, err
			},
			method: "POST", path: "/checkout_sessions",
			body:   `{"items":[{"id":"sku_1","quantity":2}]}`,
			schema: "CheckoutSessionCreateRequest",
		},
		{
			name: "create with address", version: acpclient.Version20250929,
			call: func(ctx context.Context, c *acpclient.Client) (*acpclient.Response, error) {
				_, r, err := c.CreateSession(ctx, must(acpclient.NewCreateRequest(acpclient.Version20250929, acpclient.CreateParams{
					Items: []acpclient.ItemQuantity{{ID: "sku_1", Quantity: 1}}, Address: addr, Email: "ada@example.com"})))
				return r, err
			},
			method: "POST", path: "/checkout_sessions",
			body:   `{"items":[{"id":"sku_1","quantity":1}],"fulfillment_address":` + addrJSON + `}`,
			schema: "CheckoutSessionCreateRequest",
		},
		{
			name: "create", version: acpclient.Version20260417,
			call: func(ctx context.Context, c *acpclient.Client) (*acpclient.Response, error) {
				_, r, err := c.CreateSession(ctx, must(acpclient.NewCreateRequest(acpclient.Version20260417, acpclient.CreateParams{
					Items: []acpclient.ItemQuantity{{ID: "sku_1", Quantity: 2}, {ID: "sku_2", Quantity: 1}}, Currency: "usd"})))
				return r, err
			},
			method: "POST", path: "/checkout_sessions",
			body:   `{"line_items":[{"id":"sku_1","quantity":2},{"id":"sku_2","quantity":1}],"currency":"usd","capabilities":{"interventions":{"supported":["3ds"]}}}`,
			schema: "CheckoutSessionCreateRequest",
		},
		{
			name: "update address", version: acpclient.Version20250929,
			call: func(ctx context.Context, c *acpclient.Client) (*acpclient.Response, error) {
				_, r, err := c.UpdateSession(ctx, "cs_1", must(acpclient.NewUpdateRequest(acpclient.Version20250929, acpclient.UpdateParams{Address: addr, Email: "x@example.com"})))
				return r, err
			},
			method: "POST", path: "/checkout_sessions/cs_1",
			body:   `{"fulfillment_address":` + addrJSON + `}`,
			schema: "CheckoutSessionUpdateRequest",
		},
		{
			name: "update option", version: acpclient.Version20250929,
			call: func(ctx context.Context, c *acpclient.Client) (*acpclient.Response, error) {
				_, r, err := c.UpdateSession(ctx, "cs_1", must(acpclient.NewUpdateRequest(acpclient.Version20250929, acpclient.UpdateParams{FulfillmentOptionID: "fo_1", ItemIDs: []string{"li_1"}})))
				return r, err
			},
			method: "POST", path: "/checkout_sessions/cs_1",
			body:   `{"fulfillment_option_id":"fo_1"}`,
			schema: "CheckoutSessionUpdateRequest",
		},
		{
			name: "update address", version: acpclient.Version20260417,
			call: func(ctx context.Context, c *acpclient.Client) (*acpclient.Response, error) {
				_, r, err := c.UpdateSession(ctx, "cs_1", must(acpclient.NewUpdateRequest(acpclient.Version20260417, acpclient.UpdateParams{Address: addr, Email: "ada@example.com"})))
				return r, err
			},
			method: "POST", path: "/checkout_sessions/cs_1",
			body:   `{"fulfillment_details":{"name":"Ada Lovelace","email":"ada@example.com","address":` + addrJSON + `}}`,
			schema: "CheckoutSessionUpdateRequest",
		},
		{
			name: "update option", version: acpclient.Version20260417,
			call: func(ctx context.Context, c *acpclient.Client) (*acpclient.Response, error) {
				_, r, err := c.UpdateSession(ctx, "cs_1", must(acpclient.NewUpdateRequest(acpclient.Version20260417, acpclient.UpdateParams{FulfillmentOptionID: "ship_std", ItemIDs: []string{"li_1", "li_2"}})))
				return r, err
			},
			method: "POST", path: "/checkout_sessions/cs_1",
			body:   `{"selected_fulfillment_options":[{"type":"shipping","option_id":"ship_std","item_ids":["li_1","li_2"]}]}`,
			schema: "CheckoutSessionUpdateRequest",
		},
		{
			name: "get", version: acpclient.Version20260417,
			call: func(ctx context.Context, c *acpclient.Client) (*acpclient.Response, error) {
				_, r, err := c.GetSession(ctx, "cs 1/x")
				return r, err
			},
			method: "GET", path: "/checkout_sessions/cs 1/x",
		},
		{
			name: "complete", version: acpclient.Version20250929,
			call: func(ctx context.Context, c *acpclient.Client) (*acpclient.Response, error) {
				_, r, err := c.CompleteSession(ctx, "cs_1", must(acpclient.NewCompleteRequest(acpclient.Version20250929, acpclient.CompleteParams{Token: "vt_123", Buyer: buyer, HandlerID: "ignored"})))
				return r, err
			},
			method: "POST", path: "/checkout_sessions/cs_1/complete",
			body:   `{"buyer":{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com"},"payment_data":{"token":"vt_123","provider":"stripe"}}`,
			schema: "CheckoutSessionCompleteRequest",
		},
		{
			name: "complete", version: acpclient.Version20260417,
			call: func(ctx context.Context, c *acpclient.Client) (*acpclient.Response, error) {
				_, r, err := c.CompleteSession(ctx, "cs_1", must(acpclient.NewCompleteRequest(acpclient.Version20260417, acpclient.CompleteParams{Token: "vt_123", HandlerID: "card_tokenized", Buyer: &acpclient.Buyer{Email: "ada@example.com"}})))
				return r, err
			},
			method: "POST", path: "/checkout_sessions/cs_1/complete",
			body:   `{"buyer":{"email":"ada@example.com"},"payment_data":{"handler_id":"card_tokenized","instrument":{"type":"card","credential":{"type":"vault_token","token":"vt_123"}}}}`,
			schema: "CheckoutSessionCompleteRequest",
		},
		{
			name: "complete with 3DS result", version: acpclient.Version20260417,
			call: func(ctx context.Context, c *acpclient.Client) (*acpclient.Response, error) {
				_, r, err := c.CompleteSession(ctx, "cs_1", must(acpclient.NewCompleteRequest(acpclient.Version20260417, acpclient.CompleteParams{
					Token: "vt_123", HandlerID: "card_tokenized",
					Authentication: &acpclient.AuthenticationResult{Outcome: "authenticated", OutcomeDetails: &acpclient.OutcomeDetails{
						ThreeDSCryptogram: "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", ElectronicCommerceIndicator: "05", TransactionID: "ds_1", Version: "2.2.0"}},
				})))
				return r, err
			},
			method: "POST", path: "/checkout_sessions/cs_1/complete",
			body: `{"payment_data":{"handler_id":"card_tokenized","instrument":{"type":"card","credential":{"type":"vault_token","token":"vt_123"}}},
			 "authentication_result":{"outcome":"authenticated","outcome_details":{"three_ds_cryptogram":"AAAAAAAAAAAAAAAAAAAAAAAAAAA=","electronic_commerce_indicator":"05","transaction_id":"ds_1","version":"2.2.0"}}}`,
			schema: "CheckoutSessionCompleteRequest",
		},
		{
			name: "cancel without body", version: acpclient.Version20260417,
			call: func(ctx context.Context, c *acpclient.Client) (*acpclient.Response, error) {
				_, r, err := c.CancelSession(ctx, "cs_1", nil)
				return r, err
			},
			method: "POST", path: "/checkout_sessions/cs_1/cancel",
		},
		{
			name: "cancel with raw body", version: acpclient.Version20260417,
			call: func(ctx context.Context, c *acpclient.Client) (*acpclient.Response, error) {
				_, r, err := c.CancelSession(ctx, "cs_1", json.RawMessage(`{"intent_trace":{"reason_code":"timing_deferred"}}`))
				return r, err
			},
			method: "POST", path: "/checkout_sessions/cs_1/cancel",
			body:   `{"intent_trace":{"reason_code":"timing_deferred"}}`,
			schema: "CancelSessionRequest",
		},
		{
			name: "delegate payment", version: acpclient.Version20250929,
			call: func(ctx context.Context, c *acpclient.Client) (*acpclient.Response, error) {
				_, r, err := c.DelegatePayment(ctx, delegation)
				return r, err
			},
			method: "POST", path: "/agentic_commerce/delegate_payment",
			body:   delegationJSON,
			schema: "delegate_payment:DelegatePaymentRequest",
		},
		{
			name: "delegate payment", version: acpclient.Version20260417,
			call: func(ctx context.Context, c *acpclient.Client) (*acpclient.Response, error) {
				_, r, err := c.DelegatePayment(ctx, delegation)
				return r, err
			},
			method: "POST", path: "/agentic_commerce/delegate_payment",
			body:   delegationJSON,
			schema: "delegate_payment:DelegatePaymentRequest",
		},
	}
	// The schema check skips itself (and leaves schemas nil) when
	// AGENTSHOP_ACP_SPEC_DIR is unset.
	var schemas *acpschema.Validator
	t.Run("load schemas", func(t *testing.T) { schemas = schematest.FromEnv(t) })
	for _, tt := range tests {
		t.Run(tt.version+"/"+tt.name, func(t *testing.T) {
			f := newFakeMerchant(t)
			c := acpclient.New(f.srv.URL+"/", "sk_test_1", tt.version)
			if _, err := tt.call(t.Context(), c); err != nil {
				t.Fatalf("call: %v", err)
			}
			got := f.last()
			if got.Method != tt.method || got.Path != tt.path {
				t.Errorf("request = %s %s, want %s %s", got.Method, got.Path, tt.method, tt.path)
			}
			checkHeaders(t, got, tt.version)
			if tt.body == "" {
				if len(got.Body) != 0 {
					t.Errorf("body = %s, want none", got.Body)
				}
				if ct := got.Header.Get("Content-Type"); ct != "" {
					t.Errorf("Content-Type = %q without a body", ct)
				}
				return
			}
			if diff := cmp.Diff(decodeJSON(t, []byte(tt.body)), decodeJSON(t, got.Body)); diff != "" {
				t.Errorf("body mismatch (-want +got):\n%s", diff)
			}
			if schemas != nil && tt.schema != "" {
				if err := schemas.Validate(tt.version, tt.schema, got.Body); err != nil {
					t.Errorf("body fails the official schema: %v", err)
				}
			}
		})
	}
}

// checkHeaders checks the headers every request carries, and that every
// POST (and only a POST) carries a fresh UUIDv4 Idempotency-Key.
func checkHeaders(t *testing.T, r recorded, version string) {
	t.Helper()
	want := map[string]string{
		"Authorization": "Bearer sk_test_1",
		"Api-Version":   version,
		"Accept":        "application/json",
	}
	if len(r.Body) > 0 {
		want["Content-Type"] = "application/json"
	}
	for k, v := range want {
		if got := r.Header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if rid := r.Header.Get("Request-Id"); !uuidV4.MatchString(rid) {
		t.Errorf("Request-Id = %q, want a UUID", rid)
	}
	key := r.Header.Get("Idempotency-Key")
	switch {
	case r.Method == http.MethodPost && !uuidV4.MatchString(key):
		t.Errorf("POST Idempotency-Key = %q, want a UUIDv4", key)
	case r.Method != http.MethodPost && key != "":
		t.Errorf("%s sent Idempotency-Key %q", r.Method, key)
	}
}

func decodeJSON(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return v
}

func TestIdempotencyKey(t *testing.T) {
	f := newFakeMerchant(t)
	c := acpclient.New(f.srv.URL, "k", acpclient.Version20260417)
	ctx := t.Context()

	t.Run("fresh on every POST", func(t *testing.T) {
		seen := map[string]bool{}
		for range 5 {
			_, resp, err := c.CreateSession(ctx, map[string]any{"line_items": []any{}})
			if err != nil {
				t.Fatal(err)
			}
			key := f.last().Header.Get("Idempotency-Key")
			if seen[key] || !uuidV4.MatchString(key) {
				t.Fatalf("Idempotency-Key %q repeated or malformed", key)
			}
			seen[key] = true
			if resp.IdempotencyKey != key {
				t.Errorf("Response.IdempotencyKey = %q, sent %q", resp.IdempotencyKey, key)
			}
		}
	})
	t.Run("explicit", func(t *testing.T) {
		_, resp, err := c.CompleteSession(ctx, "cs_1", map[string]any{}, acpclient.WithIdempotencyKey("idem-fixed-1"))
		if err != nil {
			t.Fatal(err)
		}
		if got := f.last().Header.Get("Idempotency-Key"); got != "idem-fixed-1" || resp.IdempotencyKey != got {
			t.Errorf("Idempotency-Key = %q (response says %q), want idem-fixed-1", got, resp.IdempotencyKey)
		}
	})
	t.Run("removed on purpose", func(t *testing.T) {
		if _, _, err := c.CancelSession(ctx, "cs_1", nil, acpclient.WithIdempotencyKey("")); err != nil {
			t.Fatal(err)
		}
		if h := f.last().Header; h.Get("Idempotency-Key") != "" || len(h.Values("Idempotency-Key")) != 0 {
			t.Errorf("Idempotency-Key sent: %q", h.Values("Idempotency-Key"))
		}
	})
	t.Run("replay flag", func(t *testing.T) {
		f.mu.Lock()
		f.reply = func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, session20260417)
		}
		f.mu.Unlock()
		_, resp, err := c.CreateSession(ctx, map[string]any{})
		if err != nil {
			t.Fatal(err)
		}
		if !resp.Replayed() || resp.Status != http.StatusCreated {
			t.Errorf("Replayed() = %v, status %d", resp.Replayed(), resp.Status)
		}
	})
}

func TestAPIError(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		header  map[string]string
		body    string
		want    acpclient.APIError
		wantMsg string
	}{
		{
			name: "flat", status: 400,
			body:    `{"type":"invalid_request","code":"idempotency_key_required","message":"Idempotency-Key header is required on all POST requests"}`,
			want:    acpclient.APIError{Status: 400, Type: "invalid_request", Code: "idempotency_key_required", Message: "Idempotency-Key header is required on all POST requests"},
			wantMsg: "acp: 400 invalid_request/idempotency_key_required: Idempotency-Key header is required on all POST requests",
		},
		{
			name: "with param", status: 400,
			body:    `{"type":"invalid_request","code":"requires_3ds","message":"Needs 3DS.","param":"$.authentication_result"}`,
			want:    acpclient.APIError{Status: 400, Type: "invalid_request", Code: "requires_3ds", Message: "Needs 3DS.", Param: "$.authentication_result"},
			wantMsg: "acp: 400 invalid_request/requires_3ds: Needs 3DS. (param $.authentication_result)",
		},
		{
			name: "in flight", status: 409, header: map[string]string{"Retry-After": "2"},
			body: `{"type":"invalid_request","code":"idempotency_in_flight","message":"busy"}`,
			want: acpclient.APIError{Status: 409, Type: "invalid_request", Code: "idempotency_in_flight", Message: "busy", RetryAfter: "2"},
		},
		{
			name: "unsupported version", status: 400,
			body: `{"type":"invalid_request","code":"unsupported_api_version","message":"no","supported_versions":["2026-04-17","2025-09-29"]}`,
			want: acpclient.APIError{Status: 400, Type: "invalid_request", Code: "unsupported_api_version", Message: "no", SupportedVersions: []string{"2026-04-17", "2025-09-29"}},
		},
		{
			name: "legacy envelope", status: 422,
			body: `{"error":{"type":"invalid_request","code":"invalid_card","message":"Invalid card number provided","param":"payment_method.number"}}`,
			want: acpclient.APIError{Status: 422, Type: "invalid_request", Code: "invalid_card", Message: "Invalid card number provided", Param: "payment_method.number"},
		},
		{
			name: "not json", status: 502,
			body:    "<html>\n<b>Bad   gateway</b></html>",
			want:    acpclient.APIError{Status: 502, Message: "<html> <b>Bad gateway</b></html>"},
			wantMsg: "acp: 502 Bad Gateway: <html> <b>Bad gateway</b></html>",
		},
		{
			name: "not found", status: 404,
			body: `{"type":"invalid_request","code":"not_found","message":"Checkout session not found."}`,
			want: acpclient.APIError{Status: 404, Type: "invalid_request", Code: "not_found", Message: "Checkout session not found."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeMerchant(t)
			f.reply = func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}
			c := acpclient.New(f.srv.URL, "k", acpclient.Version20260417)
			s, resp, err := c.GetSession(t.Context(), "cs_1")
			if s != nil {
				t.Errorf("session decoded from an error response")
			}
			if resp == nil || resp.Status != tt.status || string(resp.Body) != tt.body {
				t.Fatalf("response = %+v, want the raw %d answer", resp, tt.status)
			}
			apiErr, ok := errors.AsType[*acpclient.APIError](err)
			if !ok {
				t.Fatalf("err = %v (%T), want *APIError", err, err)
			}
			tt.want.Body = []byte(tt.body)
			if diff := cmp.Diff(&tt.want, apiErr); diff != "" {
				t.Errorf("APIError mismatch (-want +got):\n%s", diff)
			}
			if tt.wantMsg != "" && apiErr.Error() != tt.wantMsg {
				t.Errorf("Error() = %q, want %q", apiErr.Error(), tt.wantMsg)
			}
		})
	}
}

func TestDelegateAndDiscovery(t *testing.T) {
	f := newFakeMerchant(t)
	c := acpclient.New(f.srv.URL+"/api", "k", acpclient.Version20260417)

	d, resp, err := c.DelegatePayment(t.Context(), map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != "vt_123" || d.Metadata["merchant_id"] != "acct_1" || resp.Status != 201 {
		t.Errorf("delegated = %+v, status %d", d, resp.Status)
	}
	if got := f.last().Path; got != "/api/agentic_commerce/delegate_payment" {
		t.Errorf("delegate path = %s", got)
	}

	doc, _, err := c.Discovery(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	r := f.last()
	if r.Path != "/.well-known/acp.json" || r.Method != "GET" {
		t.Errorf("discovery request = %s %s, want GET at the origin root", r.Method, r.Path)
	}
	if a := r.Header.Get("Authorization"); a != "" {
		t.Errorf("discovery sent Authorization %q", a)
	}
	if doc.Protocol.Name != "acp" || len(doc.Protocol.SupportedVersions) != 2 || doc.Capabilities.Services[1] != "delegate_payment" {
		t.Errorf("discovery = %+v", doc)
	}
}

func TestTransportError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	c := acpclient.New(srv.URL, "k", acpclient.Version20260417)
	_, resp, err := c.GetSession(t.Context(), "cs_1")
	if err == nil || resp != nil {
		t.Fatalf("got resp %v, err %v; want a transport error and no response", resp, err)
	}
	if _, ok := errors.AsType[*acpclient.APIError](err); ok {
		t.Errorf("transport failure reported as an APIError: %v", err)
	}
}

func TestUnsupportedVersion(t *testing.T) {
	if _, err := acpclient.NewCreateRequest("2024-01-01", acpclient.CreateParams{}); err == nil {
		t.Error("NewCreateRequest accepted an unknown version")
	}
	if _, err := acpclient.NewCompleteRequest(acpclient.Version20250929, acpclient.CompleteParams{Authentication: &acpclient.AuthenticationResult{Outcome: "authenticated"}}); err == nil {
		t.Error("2025-09-29 complete accepted an authentication_result")
	}
}
