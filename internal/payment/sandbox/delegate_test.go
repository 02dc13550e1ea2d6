package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"agentshop/internal/commerce"
	"agentshop/internal/payment/sandbox"
)

const (
	merchantID = "agentshop_test"
	sessionID  = "cs_test_1"
	testCVC    = "987" // 9 and 8 never occur in base32 ids or the test times
)

// start is the tests' "now".
var start = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

type testBundle struct {
	vault *memVault
	clock *clock
}

func setup(tb testing.TB) (*sandbox.Provider, *testBundle) {
	tb.Helper()
	b := &testBundle{vault: newMemVault(), clock: &clock{t: start}}
	return sandbox.New(b.vault, merchantID, b.clock.Now), b
}

// requestJSON returns a valid delegate-payment body for number as a
// generic map, for tests to change before encoding.
func requestJSON(number string) map[string]any {
	return map[string]any{
		"payment_method": map[string]any{
			"type":                      "card",
			"card_number_type":          "fpan",
			"virtual":                   false,
			"number":                    number,
			"exp_month":                 "12",
			"exp_year":                  "2030",
			"name":                      "Jane Doe",
			"cvc":                       testCVC,
			"checks_performed":          []any{"avs", "cvv"},
			"iin":                       number[:6],
			"display_card_funding_type": "credit",
			"display_brand":             "visa",
			"display_last4":             number[len(number)-4:],
			"metadata":                  map[string]any{"issuing_bank": "temp"},
		},
		"allowance": map[string]any{
			"reason":              "one_time",
			"max_amount":          5000,
			"currency":            "usd",
			"checkout_session_id": sessionID,
			"merchant_id":         merchantID,
			"expires_at":          start.Add(time.Hour).Format(time.RFC3339),
		},
		"billing_address": map[string]any{
			"name": "Jane Doe", "line_one": "185 Berry Street", "line_two": "Suite 550",
			"city": "San Francisco", "state": "CA", "country": "US", "postal_code": "94107",
		},
		"risk_signals": []any{map[string]any{"type": "card_testing", "score": 5, "action": "authorized"}},
		"metadata":     map[string]any{"campaign": "q4"},
	}
}

// set replaces the value at a dotted path ("allowance.currency"); a value
// of del removes the field.
func set(m map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		m = m[p].(map[string]any)
	}
	if v == del {
		delete(m, parts[len(parts)-1])
		return
	}
	m[parts[len(parts)-1]] = v
}

type deleteMarker struct{}

var del = deleteMarker{}

func encode(tb testing.TB, m map[string]any) []byte {
	tb.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// delegate decodes body and delegates it.
func delegate(tb testing.TB, p *sandbox.Provider, body []byte) (*sandbox.VaultToken, error) {
	tb.Helper()
	req, err := sandbox.DecodeDelegateRequest(body)
	if err != nil {
		return nil, err
	}
	return p.Delegate(context.Background(), req)
}

// mustDelegate delegates a valid request for number and returns the token id.
func mustDelegate(tb testing.TB, p *sandbox.Provider, number string) string {
	tb.Helper()
	tok, err := delegate(tb, p, encode(tb, requestJSON(number)))
	if err != nil {
		tb.Fatalf("delegate %s: %v", number, err)
	}
	return tok.ID
}

func TestDelegateStoresToken(t *testing.T) {
	t.Parallel()
	p, b := setup(t)
	m := requestJSON("4242424242424242")
	set(m, "allowance.currency", "USD") // any case is accepted, stored lower
	tok, err := delegate(t, p, encode(t, m))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.ID, "vt_") {
		t.Errorf("id %q lacks vt_ prefix", tok.ID)
	}
	want := &sandbox.VaultToken{
		ID:                tok.ID,
		CardLast4:         "4242",
		CardBrand:         "visa",
		CardBehavior:      sandbox.BehaviorSucceed,
		MaxAmount:         5000,
		Currency:          "usd",
		CheckoutSessionID: sessionID,
		MerchantID:        merchantID,
		ExpiresAt:         start.Add(time.Hour),
		Metadata:          map[string]string{"campaign": "q4"},
		CreatedAt:         start,
	}
	if diff := cmp.Diff(want, tok); diff != "" {
		t.Errorf("returned token (-want +got):\n%s", diff)
	}
	stored, err := b.vault.GetVaultToken(context.Background(), tok.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, stored); diff != "" {
		t.Errorf("stored token (-want +got):\n%s", diff)
	}
}

// TestDelegateNeverStoresPANOrCVC looks for the card number and CVC in
// every field of every stored token.
func TestDelegateNeverStoresPANOrCVC(t *testing.T) {
	t.Parallel()
	p, b := setup(t)
	for _, c := range sandbox.TestCards {
		mustDelegate(t, p, c.Number)
	}
	mustDelegate(t, p, "5555555555554444")
	b.vault.mu.Lock()
	defer b.vault.mu.Unlock()
	for _, tok := range b.vault.tokens {
		dump := fmt.Sprintf("%#v %v", *tok, tok.Metadata)
		for _, c := range append(sandbox.TestCards, sandbox.TestCard{Number: "5555555555554444"}) {
			if strings.Contains(dump, c.Number) {
				t.Errorf("token %s stores the card number %s: %s", tok.ID, c.Number, dump)
			}
		}
		if strings.Contains(dump, testCVC) {
			t.Errorf("token %s stores the CVC: %s", tok.ID, dump)
		}
	}
}

func TestDelegateTestCards(t *testing.T) {
	t.Parallel()
	tests := []struct {
		number, brand, behavior, last4 string
	}{
		{"4242424242424242", "visa", sandbox.BehaviorSucceed, "4242"},
		{"4000000000009995", "visa", sandbox.BehaviorInsufficientFunds, "9995"},
		{"4000000000000002", "visa", sandbox.BehaviorGenericDecline, "0002"},
		{"4000002500003155", "visa", sandbox.BehaviorRequire3DS, "3155"},
		{"4000000000003014", "visa", sandbox.BehaviorSlow, "3014"},
		// Unlisted but Luhn-valid numbers succeed.
		{"4111111111111111", "visa", sandbox.BehaviorSucceed, "1111"},
		{"5555555555554444", "mastercard", sandbox.BehaviorSucceed, "4444"},
		{"2223003122003222", "mastercard", sandbox.BehaviorSucceed, "3222"},
		{"378282246310005", "amex", sandbox.BehaviorSucceed, "0005"},
		{"6011111111111117", "discover", sandbox.BehaviorSucceed, "1117"},
	}
	if len(sandbox.TestCards) != 5 {
		t.Errorf("TestCards has %d cards; update this table", len(sandbox.TestCards))
	}
	for _, tt := range tests {
		t.Run(tt.number, func(t *testing.T) {
			t.Parallel()
			p, _ := setup(t)
			tok, err := delegate(t, p, encode(t, requestJSON(tt.number)))
			if err != nil {
				t.Fatal(err)
			}
			got := [3]string{tok.CardBrand, tok.CardBehavior, tok.CardLast4}
			if want := [3]string{tt.brand, tt.behavior, tt.last4}; got != want {
				t.Errorf("brand, behavior, last4 = %q, want %q", got, want)
			}
		})
	}
}

func TestDelegateNetworkTokenShowsDisplayLast4(t *testing.T) {
	t.Parallel()
	p, _ := setup(t)
	m := requestJSON("4242424242424242")
	set(m, "payment_method.card_number_type", "network_token")
	set(m, "payment_method.display_last4", "1234")
	tok, err := delegate(t, p, encode(t, m))
	if err != nil {
		t.Fatal(err)
	}
	if tok.CardLast4 != "1234" {
		t.Errorf("last4 = %q, want the display_last4 1234", tok.CardLast4)
	}
}

func TestDelegateOptionalFields(t *testing.T) {
	t.Parallel()
	p, _ := setup(t)
	m := requestJSON("4242424242424242")
	for _, f := range []string{"exp_month", "exp_year", "cvc", "name", "iin", "display_last4", "display_brand", "checks_performed", "virtual"} {
		set(m, "payment_method."+f, del)
	}
	set(m, "billing_address", del)
	set(m, "risk_signals", []any{}) // 2026-04-17 allows an empty list
	if _, err := delegate(t, p, encode(t, m)); err != nil {
		t.Fatal(err)
	}
}

func TestDelegateInvalid(t *testing.T) {
	t.Parallel()
	expiredMonth := start.AddDate(0, -1, 0)
	tests := []struct {
		name  string
		body  string         // raw body, when set
		path  string         // field to change, for the others
		value any            // new value, or del
		param string         // want Param
		also  map[string]any // more changes
	}{
		{name: "not JSON", body: `{"payment_method":`, param: "$"},
		{name: "array", body: `[]`, param: "$"},
		{name: "trailing data", body: `{} {}`, param: "$"},
		{name: "unknown top-level field", path: "extra", value: "x", param: "$.extra"},
		{name: "unknown card field", path: "payment_method.pin", value: "1234", param: "$.payment_method.pin"},
		{name: "missing payment_method", path: "payment_method", value: del, param: "$.payment_method"},
		{name: "missing metadata", path: "metadata", value: del, param: "$.metadata"},
		{name: "missing risk_signals", path: "risk_signals", value: del, param: "$.risk_signals"},
		{name: "missing card metadata", path: "payment_method.metadata", value: del, param: "$.payment_method.metadata"},
		{name: "missing number", path: "payment_method.number", value: del, param: "$.payment_method.number"},
		{name: "null number", path: "payment_method.number", value: nil, param: "$.payment_method.number"},
		{name: "missing allowance field", path: "allowance.expires_at", value: del, param: "$.allowance.expires_at"},
		{name: "number not a string", path: "payment_method.number", value: 4242424242424242, param: "$.payment_method.number"},
		{name: "exp_month not a string", path: "payment_method.exp_month", value: 12, param: "$.payment_method.exp_month"},
		{name: "max_amount not an integer", path: "allowance.max_amount", value: "5000", param: "$.allowance.max_amount"},
		{name: "max_amount fractional", path: "allowance.max_amount", value: 50.5, param: "$.allowance.max_amount"},
		{name: "virtual not a boolean", path: "payment_method.virtual", value: "no", param: "$.payment_method.virtual"},
		{name: "metadata value not a string", path: "metadata", value: map[string]any{"a": 1}, param: "$.metadata"},
		{name: "payment_method not an object", path: "payment_method", value: "card", param: "$.payment_method"},
		{name: "risk_signals not an array", path: "risk_signals", value: map[string]any{}, param: "$.risk_signals"},
		{name: "risk signal score not an integer", path: "risk_signals", value: []any{map[string]any{"type": "card_testing", "score": "high", "action": "authorized"}}, param: "$.risk_signals[0].score"},
		{name: "risk signal unknown field", path: "risk_signals", value: []any{map[string]any{"type": "card_testing", "score": 1, "action": "authorized", "x": 1}}, param: "$.risk_signals[0].x"},

		{name: "type not card", path: "payment_method.type", value: "bank", param: "$.payment_method.type"},
		{name: "bad card_number_type", path: "payment_method.card_number_type", value: "dpan", param: "$.payment_method.card_number_type"},
		{name: "Luhn failure", path: "payment_method.number", value: "4242424242424241", param: "$.payment_method.number"},
		{name: "non-digit number", path: "payment_method.number", value: "4242 4242 4242 4242", param: "$.payment_method.number"},
		{name: "number too short", path: "payment_method.number", value: "42424", param: "$.payment_method.number"},
		{name: "month 13", path: "payment_method.exp_month", value: "13", param: "$.payment_method.exp_month"},
		{name: "month 00", path: "payment_method.exp_month", value: "00", param: "$.payment_method.exp_month"},
		{name: "month without year", path: "payment_method.exp_year", value: del, param: "$.payment_method.exp_year"},
		{name: "two-digit year", path: "payment_method.exp_year", value: "30", param: "$.payment_method.exp_year"},
		{name: "expired year", path: "payment_method.exp_year", value: "2025", param: "$.payment_method.exp_year"},
		{name: "expired month", path: "payment_method.exp_year", value: fmt.Sprint(expiredMonth.Year()), param: "$.payment_method.exp_month",
			also: map[string]any{"payment_method.exp_month": fmt.Sprintf("%02d", expiredMonth.Month())}},
		{name: "cvc too short", path: "payment_method.cvc", value: "12", param: "$.payment_method.cvc"},
		{name: "cvc not digits", path: "payment_method.cvc", value: "12a", param: "$.payment_method.cvc"},
		{name: "bad funding type", path: "payment_method.display_card_funding_type", value: "charge", param: "$.payment_method.display_card_funding_type"},
		{name: "display_last4 mismatch", path: "payment_method.display_last4", value: "1111", param: "$.payment_method.display_last4"},
		{name: "bad check", path: "payment_method.checks_performed", value: []any{"avs", "3ds"}, param: "$.payment_method.checks_performed[1]"},
		{name: "reason not one_time", path: "allowance.reason", value: "recurring", param: "$.allowance.reason"},
		{name: "zero max_amount", path: "allowance.max_amount", value: 0, param: "$.allowance.max_amount"},
		{name: "negative max_amount", path: "allowance.max_amount", value: -1, param: "$.allowance.max_amount"},
		{name: "unknown currency", path: "allowance.currency", value: "usx", param: "$.allowance.currency"},
		{name: "empty session", path: "allowance.checkout_session_id", value: "", param: "$.allowance.checkout_session_id"},
		{name: "other merchant", path: "allowance.merchant_id", value: "someone_else", param: "$.allowance.merchant_id"},
		{name: "expires_at not a date-time", path: "allowance.expires_at", value: "tomorrow", param: "$.allowance.expires_at"},
		{name: "expires_at now", path: "allowance.expires_at", value: start.Format(time.RFC3339), param: "$.allowance.expires_at"},
		{name: "expires_at past", path: "allowance.expires_at", value: start.Add(-time.Minute).Format(time.RFC3339), param: "$.allowance.expires_at"},
		{name: "billing country", path: "billing_address.country", value: "USA", param: "$.billing_address.country"},
		{name: "billing city too long", path: "billing_address.city", value: strings.Repeat("x", 61), param: "$.billing_address.city"},
		{name: "billing missing state", path: "billing_address.state", value: del, param: "$.billing_address.state"},
		{name: "risk blocked", path: "risk_signals", value: []any{
			map[string]any{"type": "card_testing", "score": 1, "action": "authorized"},
			map[string]any{"type": "card_testing", "score": 99, "action": "blocked"},
		}, param: "$.risk_signals[1].action"},
		{name: "risk unknown action", path: "risk_signals", value: []any{map[string]any{"type": "card_testing", "score": 1, "action": "allow"}}, param: "$.risk_signals[0].action"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, b := setup(t)
			body := []byte(tt.body)
			if tt.body == "" {
				m := requestJSON("4242424242424242")
				set(m, tt.path, tt.value)
				for k, v := range tt.also {
					set(m, k, v)
				}
				body = encode(t, m)
			}
			tok, err := delegate(t, p, body)
			if err == nil {
				t.Fatalf("delegated %s; want an error", tok.ID)
			}
			e, ok := errors.AsType[*commerce.Error](err)
			if !ok {
				t.Fatalf("error %v is not a *commerce.Error", err)
			}
			if e.Code != commerce.EINVALID || e.Reason != sandbox.ReasonInvalidCard || e.Param != tt.param || e.Message == "" {
				t.Errorf("error = {Code %q, Reason %q, Param %q, Message %q}; want invalid, invalid_card, %q", e.Code, e.Reason, e.Param, e.Message, tt.param)
			}
			if n := len(b.vault.tokens); n != 0 {
				t.Errorf("%d tokens stored after a rejected request", n)
			}
		})
	}
}

func TestDelegateVaultError(t *testing.T) {
	t.Parallel()
	p, b := setup(t)
	b.vault.fail = errors.New("disk full")
	_, err := delegate(t, p, encode(t, requestJSON("4242424242424242")))
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("error = %v, want the vault's error wrapped", err)
	}
}

func TestHandleDelegate(t *testing.T) {
	t.Parallel()
	p, _ := setup(t)
	v := newMemVault() // the transaction's executor, not the provider's vault
	store, err := p.HandleDelegate(context.Background(), encode(t, requestJSON("4242424242424242")), "idem_1")
	if err != nil {
		t.Fatal(err)
	}
	body, err := store(context.Background(), executor{v: v})
	if err != nil {
		t.Fatal(err)
	}
	var resp struct {
		ID       string            `json:"id"`
		Created  string            `json:"created"`
		Metadata map[string]string `json:"metadata"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatal(err)
	}
	if _, err := v.GetVaultToken(context.Background(), resp.ID); err != nil {
		t.Errorf("token %s not stored through the executor: %v", resp.ID, err)
	}
	want := map[string]string{"campaign": "q4", "merchant_id": merchantID, "idempotency_key": "idem_1", "source": "agentshop_sandbox"}
	if diff := cmp.Diff(want, resp.Metadata); diff != "" {
		t.Errorf("metadata (-want +got):\n%s", diff)
	}
	if resp.Created != "2026-05-01T12:00:00Z" {
		t.Errorf("created = %q", resp.Created)
	}

	if _, err := p.HandleDelegate(context.Background(), []byte(`{}`), "idem_2"); commerce.ErrorCode(err) != commerce.EINVALID {
		t.Errorf("empty body: error %v, want invalid", err)
	}
}

// executor is a commerce.Executor whose vault methods use a memVault; the
// embedded nil Executor panics if anything else is called.
type executor struct {
	commerce.Executor
	v *memVault
}

func (e executor) CreateVaultToken(ctx context.Context, t *sandbox.VaultToken) error {
	return e.v.CreateVaultToken(ctx, t)
}

func (e executor) GetVaultToken(ctx context.Context, id string) (*sandbox.VaultToken, error) {
	return e.v.GetVaultToken(ctx, id)
}

func (e executor) RedeemVaultToken(ctx context.Context, id, key string, at time.Time) error {
	return e.v.RedeemVaultToken(ctx, id, key, at)
}

func TestEncodeDelegateResponse(t *testing.T) {
	t.Parallel()
	tok := &sandbox.VaultToken{
		ID:         "vt_abc",
		MerchantID: merchantID,
		Metadata:   map[string]string{"source": "chatgpt_checkout", "merchant_id": "spoofed", "campaign": "q4"},
		CreatedAt:  time.Date(2026, 5, 1, 14, 0, 0, 0, time.FixedZone("CEST", 2*3600)),
	}
	tests := []struct {
		key  string
		want string
	}{
		{"idem_1", `{"id":"vt_abc","created":"2026-05-01T12:00:00Z","metadata":{"campaign":"q4","idempotency_key":"idem_1","merchant_id":"agentshop_test","source":"agentshop_sandbox"}}`},
		// 2025-09-29 makes Idempotency-Key optional: no key, no echo.
		{"", `{"id":"vt_abc","created":"2026-05-01T12:00:00Z","metadata":{"campaign":"q4","merchant_id":"agentshop_test","source":"agentshop_sandbox"}}`},
	}
	for _, tt := range tests {
		got, err := sandbox.EncodeDelegateResponse(tok, tt.key)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want {
			t.Errorf("key %q:\n got %s\nwant %s", tt.key, got, tt.want)
		}
	}
	if tok.Metadata["merchant_id"] != "spoofed" {
		t.Error("EncodeDelegateResponse changed the token's metadata")
	}
	if _, err := sandbox.EncodeDelegateResponse(nil, "k"); err == nil {
		t.Error("nil token: want an error")
	}
}
