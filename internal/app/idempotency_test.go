package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"agentshop/internal/apikey"
	"agentshop/internal/payment/sandbox"
)

// TestIdempotencyAcrossSurfaces: one API key's Idempotency-Key is one
// operation whether it comes over REST or /acp/mcp. Used first on REST and
// then on /acp/mcp (and the other way round), the same body replays the
// first answer, another body is a conflict, and a session is created and
// charged once. Before, /acp/mcp scoped keys by tool name, so the same key
// over the other surface created a second session.
func TestIdempotencyAcrossSurfaces(t *testing.T) {
	t.Parallel()
	for _, version := range []string{"2025-09-29", "2026-04-17"} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			a := newApp(t, testConfig(t), Options{})
			srv := httptest.NewServer(a.Handler())
			t.Cleanup(srv.Close)
			secret, k := apikey.New("surfaces", time.Now())
			if err := a.Store.CreateAPIKey(t.Context(), k); err != nil {
				t.Fatal(err)
			}
			x := &surfaces{t: t, url: srv.URL, secret: secret, version: version}
			x.connect()
			ctx := t.Context()

			// Create: REST first, then /acp/mcp with the same key.
			create, other := createBody(version, 1), createBody(version, 2)
			rest := x.rest("/checkout_sessions", "create-1", create)
			if rest.status != http.StatusCreated {
				t.Fatalf("REST create: %d %s", rest.status, rest.body)
			}
			id := field(t, rest.body, "id")
			replay := x.mcp("create_checkout_session", "", "create-1", create)
			if replay.err != nil || !jsonEqual(t, replay.body, rest.body) {
				t.Fatalf("/acp/mcp create with REST's key and body: %v %s, want the REST answer %s", replay.err, replay.body, rest.body)
			}
			x.wantConflict(x.mcp("create_checkout_session", "", "create-1", other), "/acp/mcp create with REST's key, another body")

			// And the other way round: /acp/mcp first, then REST.
			first := x.mcp("create_checkout_session", "", "create-2", create)
			if first.err != nil {
				t.Fatalf("/acp/mcp create: %v", first.err)
			}
			again := x.rest("/checkout_sessions", "create-2", create)
			if again.status != http.StatusCreated || again.header.Get("Idempotent-Replayed") != "true" || !jsonEqual(t, again.body, first.body) {
				t.Fatalf("REST create with /acp/mcp's key and body: %d %v %s, want a replay of %s", again.status, again.header, again.body, first.body)
			}
			if r := x.rest("/checkout_sessions", "create-2", other); r.status != conflictStatus(version) {
				t.Fatalf("REST create with /acp/mcp's key, another body: %d %s, want %d", r.status, r.body, conflictStatus(version))
			}
			if field(t, first.body, "id") == id {
				t.Fatalf("two keys, one session %s", id)
			}

			// Complete: charged once, whichever surface retries.
			total := totalOf(t, rest.body)
			pay := completeBody(version, x.token(id, total))
			done := x.rest("/checkout_sessions/"+id+"/complete", "complete-1", pay)
			if done.status != http.StatusOK {
				t.Fatalf("REST complete: %d %s", done.status, done.body)
			}
			order := field(t, done.body, "order", "id")
			replay = x.mcp("complete_checkout_session", id, "complete-1", pay)
			if replay.err != nil || !jsonEqual(t, replay.body, done.body) {
				t.Fatalf("/acp/mcp complete with REST's key and body: %v %s, want the REST answer", replay.err, replay.body)
			}
			x.wantConflict(x.mcp("complete_checkout_session", id, "complete-1", completeBody(version, x.token(id, total))),
				"/acp/mcp complete with REST's key, another token")
			ps, err := a.Store.ListPayments(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != 1 || field(t, replay.body, "order", "id") != order {
				t.Fatalf("payments after the retries over /acp/mcp: %+v (order %s), want one", ps, order)
			}
			// An update with the complete's key and path is another
			// request: its own scope, no replay of the order.
			if u := x.mcp("update_checkout_session", id, "complete-1", pay); u.err == nil && field(t, u.body, "order", "id") != "" {
				t.Fatalf("update with the complete's key replayed the order: %s", u.body)
			}
		})
	}
}

// surfaces calls one app over REST and over /acp/mcp with one API key.
type surfaces struct {
	t       *testing.T
	url     string // the app's base URL
	secret  string
	version string
	cs      *mcp.ClientSession
}

type answer struct {
	status int
	header http.Header
	body   []byte
	err    *jsonrpc.Error // /acp/mcp's JSON-RPC error
}

func (x *surfaces) rest(path, key string, body any) answer {
	x.t.Helper()
	return x.do(http.MethodPost, path, key, body)
}

// do sends a REST request, with body as JSON unless it is nil.
func (x *surfaces) do(method, path, key string, body any) answer {
	x.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			x.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	r, err := http.NewRequestWithContext(x.t.Context(), method, x.url+path, rd)
	if err != nil {
		x.t.Fatal(err)
	}
	r.Header.Set("Authorization", "Bearer "+x.secret)
	r.Header.Set("API-Version", x.version)
	r.Header.Set("Content-Type", "application/json")
	if key != "" {
		r.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		x.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		x.t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: out}
}

// bearerTransport adds an Authorization header to every request.
type bearerTransport struct{ key string }

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.key)
	return http.DefaultTransport.RoundTrip(r)
}

func (x *surfaces) connect() {
	x.t.Helper()
	ctx, cancel := context.WithTimeout(x.t.Context(), 10*time.Second)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "app-test", Version: "1"}, nil)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: x.url + "/acp/mcp",
		HTTPClient: &http.Client{Transport: bearerTransport{x.secret}}, MaxRetries: -1, DisableStandaloneSSE: true}, nil)
	if err != nil {
		x.t.Fatal(err)
	}
	x.t.Cleanup(func() { cs.Close() })
	x.cs = cs
}

func (x *surfaces) mcp(tool, id, key string, payload any) answer {
	x.t.Helper()
	args := map[string]any{"meta": map[string]any{"api_version": x.version, "idempotency_key": key}, "payload": payload}
	if id != "" {
		args["id"] = id
	}
	res, err := x.cs.CallTool(x.t.Context(), &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		var werr *jsonrpc.Error
		if !errors.As(err, &werr) {
			x.t.Fatalf("%s: %v", tool, err)
		}
		return answer{err: werr}
	}
	if res.IsError {
		x.t.Fatalf("%s: isError result %+v", tool, res.Content)
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		x.t.Fatal(err)
	}
	return answer{body: b}
}

// wantConflict checks that r is /acp/mcp's idempotency conflict.
func (x *surfaces) wantConflict(r answer, what string) {
	x.t.Helper()
	var data struct{ Code string }
	if r.err != nil {
		_ = json.Unmarshal(r.err.Data, &data)
	}
	if r.err == nil || data.Code != "idempotency_conflict" {
		x.t.Fatalf("%s: %v %s, want idempotency_conflict", what, r.err, r.body)
	}
}

// token mints a sandbox vault token for a 4242 card, allowed up to amount
// on session id, through delegate_payment.
func (x *surfaces) token(id string, amount int64) string {
	x.t.Helper()
	req := sandbox.DelegateRequest{
		PaymentMethod: sandbox.PaymentMethodCard{Type: "card", CardNumberType: "fpan", Number: "4242424242424242",
			ExpMonth: "12", ExpYear: "2035", CVC: "123", DisplayCardFundingType: "credit", DisplayLast4: "4242", Metadata: map[string]string{}},
		Allowance: sandbox.Allowance{Reason: "one_time", MaxAmount: amount, Currency: "usd", CheckoutSessionID: id,
			MerchantID: DefaultConfig().Shop.MerchantID, ExpiresAt: time.Now().Add(time.Hour).UTC().Format(time.RFC3339)},
		RiskSignals: []sandbox.RiskSignal{},
		Metadata:    map[string]string{},
	}
	r := x.rest("/agentic_commerce/delegate_payment", fmt.Sprintf("delegate-%d", time.Now().UnixNano()), req)
	if r.status != http.StatusCreated {
		x.t.Fatalf("delegate_payment: %d %s", r.status, r.body)
	}
	return field(x.t, r.body, "id")
}

// createBody is a create request for quantity demo rackets shipped to
// California, in version's shape.
func createBody(version string, quantity int) map[string]any {
	addr := map[string]any{"name": "Ada Lovelace", "line_one": "1 Market St", "city": "San Francisco",
		"state": "CA", "country": "US", "postal_code": "94103"}
	lines := []map[string]any{{"id": "starvie-metheora-warrior", "quantity": quantity}}
	if version == "2025-09-29" {
		return map[string]any{"items": lines, "fulfillment_address": addr}
	}
	return map[string]any{"line_items": lines, "currency": "usd",
		"fulfillment_details": map[string]any{"name": "Ada Lovelace", "email": "ada@example.com", "address": addr}}
}

func completeBody(version, token string) map[string]any {
	if version == "2025-09-29" {
		return map[string]any{"payment_data": map[string]any{"token": token, "provider": "stripe"},
			"buyer": map[string]any{"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}}
	}
	return map[string]any{"payment_data": map[string]any{"handler_id": "card_tokenized",
		"instrument": map[string]any{"type": "card", "credential": map[string]any{"type": "spt", "token": token}}}}
}

// conflictStatus is REST's status for an idempotency conflict.
func conflictStatus(version string) int {
	if version == "2025-09-29" {
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}

// field is the string at path in the JSON object b ("" when absent).
func field(t *testing.T, b []byte, path ...string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %s", b)
	}
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	s, _ := v.(string)
	return s
}

// totalOf is the session's total amount.
func totalOf(t *testing.T, b []byte) int64 {
	t.Helper()
	var s struct {
		Totals []struct {
			Type   string
			Amount int64
		}
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	for _, x := range s.Totals {
		if x.Type == "total" {
			return x.Amount
		}
	}
	t.Fatalf("no total in %s", b)
	return 0
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}
