package stripe

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	stripeapi "github.com/stripe/stripe-go/v85"

	"agentshop/internal/commerce"
	"agentshop/internal/payment/stripe/stripetest"
)

// newTestProvider returns a Provider talking to a fresh fake Stripe that
// expects DefaultAPIVersion.
func newTestProvider(t *testing.T) (*Provider, *stripetest.Server) {
	t.Helper()
	f := stripetest.New(t, DefaultAPIVersion)
	p, err := New(Config{SecretKey: stripetest.Key, BaseURL: f.URL()})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p, f
}

func chargeReq(token, key string) commerce.ChargeRequest {
	return commerce.ChargeRequest{IdempotencyKey: key, SessionID: "cs_1", Amount: 2000, Currency: "usd", Token: token}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
	}{
		{name: "OK", cfg: Config{SecretKey: "sk_test_x"}},
		{name: "ErrKeyRequired", cfg: Config{}, wantErr: true},
		{name: "ErrKeyBlank", cfg: Config{SecretKey: "  "}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(tt.cfg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("New err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && p.Name() != "stripe" {
				t.Errorf("Name = %q, want stripe", p.Name())
			}
		})
	}
}

// The mode declared to agents is the key's: live keys are live, test keys
// test, and a key whose mode cannot be told is refused.
func TestLiveMode(t *testing.T) {
	tests := []struct {
		key     string
		live    bool
		wantErr bool
	}{
		{key: "sk_live_51Habc", live: true},
		{key: "rk_live_51Habc", live: true},
		{key: "sk_test_51Habc", live: false},
		{key: "rk_test_51Habc", live: false},
		{key: stripetest.Key, live: false},
		{key: "pk_live_51Habc", wantErr: true}, // a publishable key cannot charge
		{key: "sk_51Habc", wantErr: true},
		{key: "live", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			p, err := New(Config{SecretKey: tt.key})
			if (err != nil) != tt.wantErr {
				t.Fatalf("New err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && p.LiveMode() != tt.live {
				t.Errorf("LiveMode() = %v, want %v", p.LiveMode(), tt.live)
			}
		})
	}
}

func TestCharge(t *testing.T) {
	authenticated := &commerce.AuthenticationResult{Outcome: "authenticated", Cryptogram: "AAABBB", ECI: "05", TransactionID: "ds_1", Version: "2.2.0"}
	tests := []struct {
		name        string
		req         commerce.ChargeRequest
		want        commerce.ChargeResult
		wantErr     bool
		wantCreated int // PaymentIntents the fake created
	}{
		{
			name:        "Succeeded",
			req:         chargeReq("spt_ok", "k1"),
			want:        commerce.ChargeResult{Outcome: commerce.ChargeSucceeded, Reference: "pi_fake_1"},
			wantCreated: 1,
		},
		{
			name: "CurrencyUpperCase",
			req: func() commerce.ChargeRequest {
				r := chargeReq("spt_ok", "k1")
				r.Currency = "USD"
				return r
			}(),
			want:        commerce.ChargeResult{Outcome: commerce.ChargeSucceeded, Reference: "pi_fake_1"},
			wantCreated: 1,
		},
		{
			name: "InsufficientFunds",
			req:  chargeReq("spt_decline_funds", "k1"),
			want: commerce.ChargeResult{Outcome: commerce.ChargeDeclined, DeclineCode: "insufficient_funds",
				Message: "Your card has insufficient funds."},
			wantCreated: 1,
		},
		{
			name: "StolenCardIsGeneric",
			req:  chargeReq("spt_stolen", "k1"),
			want: commerce.ChargeResult{Outcome: commerce.ChargeDeclined, DeclineCode: "generic_decline",
				Message: "The card was declined."},
			wantCreated: 1,
		},
		{
			name: "Requires3DS",
			req:  chargeReq("spt_3ds", "k1"),
			want: commerce.ChargeResult{Outcome: commerce.ChargeRequires3DS, DeclineCode: "authentication_required",
				Message: "The card issuer requires 3-D Secure authentication."},
			wantCreated: 1,
		},
		{
			name: "3DSAuthenticated",
			req: func() commerce.ChargeRequest {
				r := chargeReq("spt_3ds", "k2")
				r.Authentication = authenticated
				return r
			}(),
			want:        commerce.ChargeResult{Outcome: commerce.ChargeSucceeded, Reference: "pi_fake_1"},
			wantCreated: 1,
		},
		{
			name: "3DSDeniedNotSent",
			req: func() commerce.ChargeRequest {
				r := chargeReq("spt_3ds", "k2")
				r.Authentication = &commerce.AuthenticationResult{Outcome: "denied"}
				return r
			}(),
			want: commerce.ChargeResult{Outcome: commerce.ChargeDeclined, DeclineCode: DeclineAuthenticationFailed,
				Message: "3-D Secure authentication failed; the card was not charged."},
		},
		{
			name:        "ProcessingReadAgain",
			req:         chargeReq("spt_processing", "k1"),
			want:        commerce.ChargeResult{Outcome: commerce.ChargeSucceeded, Reference: "pi_fake_1"},
			wantCreated: 1,
		},
		{
			name: "TokenConsumed",
			req:  chargeReq("spt_used", "k1"),
			want: commerce.ChargeResult{Outcome: commerce.ChargeDeclined, DeclineCode: DeclinePaymentTokenInvalid,
				Message: declineMessages[DeclinePaymentTokenInvalid]},
		},
		{
			name: "TokenUnknown",
			req:  chargeReq("spt_unknown", "k1"),
			want: commerce.ChargeResult{Outcome: commerce.ChargeDeclined, DeclineCode: DeclinePaymentTokenInvalid,
				Message: declineMessages[DeclinePaymentTokenInvalid]},
		},
		{
			name: "TokenNotSPT",
			req:  chargeReq("vt_sandbox", "k1"),
			want: commerce.ChargeResult{Outcome: commerce.ChargeDeclined, DeclineCode: DeclinePaymentTokenInvalid,
				Message: declineMessages[DeclinePaymentTokenInvalid]},
		},
		{
			name: "InvalidRequest",
			req: func() commerce.ChargeRequest {
				r := chargeReq("spt_ok", "k1")
				r.Currency = "xxx"
				return r
			}(),
			want: commerce.ChargeResult{Outcome: commerce.ChargeDeclined, DeclineCode: DeclineProcessingError,
				Message: "The card could not be processed."},
		},
		{name: "ErrServer", req: chargeReq("spt_500", "k1"), wantErr: true},
		{name: "ErrRateLimited", req: chargeReq("spt_429", "k1"), wantErr: true},
		{name: "ErrKeyInUse", req: chargeReq("spt_409", "k1"), wantErr: true},
		{name: "ErrNoKey", req: chargeReq("spt_ok", ""), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, f := newTestProvider(t)
			got, err := p.Charge(context.Background(), tt.req)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Charge err = %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("Charge = %+v, want %+v", got, tt.want)
			}
			if n, _ := f.Counts(); n != tt.wantCreated {
				t.Errorf("PaymentIntents created = %d, want %d", n, tt.wantCreated)
			}
		})
	}
}

func TestChargeRequest(t *testing.T) {
	p, f := newTestProvider(t)
	req := chargeReq("spt_3ds", "k1")
	req.Authentication = &commerce.AuthenticationResult{Outcome: "attempt_acknowledged", Cryptogram: "AAABBB", ECI: "06", TransactionID: "ds_1", Version: "2.2.0"}
	if _, err := p.Charge(context.Background(), req); err != nil {
		t.Fatalf("Charge: %v", err)
	}
	form := f.Form()
	want := map[string]string{
		"amount":                             "2000",
		"currency":                           "usd",
		"confirm":                            "true",
		"automatic_payment_methods[enabled]": "true",
		"automatic_payment_methods[allow_redirects]": "never",
		tokenParam:                      "spt_3ds",
		"metadata[checkout_session_id]": "cs_1",
		"payment_method_options[card][three_d_secure][ares_trans_status]":             "A",
		"payment_method_options[card][three_d_secure][cryptogram]":                    "AAABBB",
		"payment_method_options[card][three_d_secure][electronic_commerce_indicator]": "06",
		"payment_method_options[card][three_d_secure][transaction_id]":                "ds_1",
		"payment_method_options[card][three_d_secure][version]":                       "2.2.0",
	}
	for k, v := range want {
		if got := form.Get(k); got != v {
			t.Errorf("form %s = %q, want %q", k, got, v)
		}
	}
}

// TestChargeRetry checks that retrying with the same idempotency key,
// after a result or an unknown outcome, charges at most once.
func TestChargeRetry(t *testing.T) {
	tests := []struct {
		name        string
		first, then commerce.ChargeRequest
		wantErr     bool // of the retry
		wantCreated int
	}{
		{name: "SucceededReplayed", first: chargeReq("spt_ok", "k1"), then: chargeReq("spt_ok", "k1"), wantCreated: 1},
		{name: "DeclineReplayed", first: chargeReq("spt_decline_funds", "k1"), then: chargeReq("spt_decline_funds", "k1"), wantCreated: 1},
		{name: "OtherKeyChargesAgain", first: chargeReq("spt_ok", "k1"), then: chargeReq("spt_ok", "k2"), wantCreated: 2},
		{name: "ServerErrorReplayed", first: chargeReq("spt_500", "k1"), then: chargeReq("spt_500", "k1"), wantErr: true},
		{
			name:  "ErrSameKeyOtherParams",
			first: chargeReq("spt_ok", "k1"),
			then: func() commerce.ChargeRequest {
				r := chargeReq("spt_ok", "k1")
				r.Amount = 999
				return r
			}(),
			wantErr:     true, // idempotency_error: not a decline, the first may have charged
			wantCreated: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, f := newTestProvider(t)
			ctx := context.Background()
			first, ferr := p.Charge(ctx, tt.first)
			got, err := p.Charge(ctx, tt.then)
			if (err != nil) != tt.wantErr {
				t.Fatalf("retry err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && tt.first.IdempotencyKey == tt.then.IdempotencyKey && (ferr != nil || got != first) {
				t.Errorf("retry = %+v, %v; first = %+v, %v", got, err, first, ferr)
			}
			if n, _ := f.Counts(); n != tt.wantCreated {
				t.Errorf("PaymentIntents created = %d, want %d", n, tt.wantCreated)
			}
		})
	}
}

func TestChargeErrors(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	f := stripetest.New(t, DefaultAPIVersion)
	tests := []struct {
		name string
		cfg  Config
	}{
		{name: "Unauthorized", cfg: Config{SecretKey: "sk_test_wrong", BaseURL: f.URL()}},
		{name: "Unreachable", cfg: Config{SecretKey: "sk_test_fake", BaseURL: closed.URL}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(tt.cfg)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			res, err := p.Charge(context.Background(), chargeReq("spt_ok", "k1"))
			if err == nil {
				t.Fatalf("Charge = %+v, want an error", res)
			}
			if !strings.HasPrefix(err.Error(), "stripe: charge: ") || strings.Contains(err.Error(), "{") {
				t.Errorf("error %q: want a one-line message prefixed stripe: charge:", err)
			}
		})
	}
}

func TestChargeAPIErrorUnwraps(t *testing.T) {
	p, _ := newTestProvider(t)
	_, err := p.Charge(context.Background(), chargeReq("spt_500", "k1"))
	se, ok := errors.AsType[*stripeapi.Error](err)
	if !ok || se.HTTPStatusCode != http.StatusInternalServerError || se.Type != stripeapi.ErrorTypeAPI {
		t.Fatalf("err = %v: want a *stripe.Error with HTTP 500 api_error in the chain", err)
	}
}

func TestAPIVersion(t *testing.T) {
	const version = "2099-01-01.preview"
	f := stripetest.New(t, version) // fails the test on another Stripe-Version
	p, err := New(Config{SecretKey: stripetest.Key, BaseURL: f.URL(), APIVersion: version})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if _, err := p.Charge(context.Background(), chargeReq("spt_ok", "k1")); err != nil {
		t.Fatalf("Charge: %v", err)
	}
	if _, err := p.Refund(context.Background(), commerce.RefundRequest{IdempotencyKey: "r1", ChargeRef: "pi_fake_1", Amount: 100, Currency: "usd"}); err != nil {
		t.Fatalf("Refund: %v", err)
	}
}

func TestRefund(t *testing.T) {
	refund := func(key, ref string, amount int64) commerce.RefundRequest {
		return commerce.RefundRequest{IdempotencyKey: key, ChargeRef: ref, Amount: amount, Currency: "usd"}
	}
	tests := []struct {
		name        string
		before      []commerce.RefundRequest // succeed first
		req         commerce.RefundRequest
		want        commerce.RefundResult
		wantErr     bool
		wantRefunds int
	}{
		{name: "Partial", req: refund("r1", "pi_fake_1", 500), want: commerce.RefundResult{Reference: "re_fake_2"}, wantRefunds: 1},
		{name: "Full", req: refund("r1", "pi_fake_1", 2000), want: commerce.RefundResult{Reference: "re_fake_2"}, wantRefunds: 1},
		{
			name:        "SameKeyReplayed",
			before:      []commerce.RefundRequest{refund("r1", "pi_fake_1", 500)},
			req:         refund("r1", "pi_fake_1", 500),
			want:        commerce.RefundResult{Reference: "re_fake_2"},
			wantRefunds: 1,
		},
		{
			name: "OverRefund",
			req:  refund("r1", "pi_fake_1", 2001),
			want: commerce.RefundResult{Refused: true, Message: "The amount is more than what is left to refund on the payment."},
		},
		{
			name:        "AlreadyRefunded",
			before:      []commerce.RefundRequest{refund("r1", "pi_fake_1", 2000)},
			req:         refund("r2", "pi_fake_1", 1),
			want:        commerce.RefundResult{Refused: true, Message: "The payment has already been refunded."},
			wantRefunds: 1,
		},
		{
			name: "NoSuchPayment",
			req:  refund("r1", "pi_nope", 100),
			want: commerce.RefundResult{Refused: true, Message: "Stripe has no such payment."},
		},
		{name: "ErrServer", req: refund("r1", "pi_500", 100), wantErr: true},
		{name: "ErrNoKey", req: refund("", "pi_fake_1", 100), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, f := newTestProvider(t)
			ctx := context.Background()
			if res, err := p.Charge(ctx, chargeReq("spt_ok", "charge")); err != nil || res.Reference != "pi_fake_1" {
				t.Fatalf("Charge = %+v, %v", res, err)
			}
			for _, r := range tt.before {
				if res, err := p.Refund(ctx, r); err != nil || res.Refused {
					t.Fatalf("Refund before = %+v, %v", res, err)
				}
			}
			got, err := p.Refund(ctx, tt.req)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Refund err = %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("Refund = %+v, want %+v", got, tt.want)
			}
			if _, n := f.Counts(); n != tt.wantRefunds {
				t.Errorf("refunds created = %d, want %d", n, tt.wantRefunds)
			}
		})
	}
}

// TestRefusalsAreLogged: what Stripe said about a refused request reaches
// the logger (results carry only a code and a client-safe message).
func TestRefusalsAreLogged(t *testing.T) {
	f := stripetest.New(t, DefaultAPIVersion)
	var buf bytes.Buffer
	p, err := New(Config{SecretKey: stripetest.Key, BaseURL: f.URL(), Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Charge(t.Context(), commerce.ChargeRequest{IdempotencyKey: "k_unknown", Amount: 1000, Currency: "usd", Token: "spt_unknown"})
	if err != nil || res.Outcome != commerce.ChargeDeclined {
		t.Fatalf("Charge = %+v, %v; want a decline", res, err)
	}
	for _, want := range []string{`msg="stripe refused the request"`, "op=charge", "idempotency_key=k_unknown", "status=400", "spt_…", "type=invalid_request_error", "stripe_request_id=req_fake"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, buf.String())
		}
	}
	if strings.Contains(buf.String(), "spt_unknown") {
		t.Errorf("the token reached the log:\n%s", buf.String())
	}
	buf.Reset()
	if _, err := p.Charge(t.Context(), commerce.ChargeRequest{IdempotencyKey: "k_ok", Amount: 1000, Currency: "usd", Token: "spt_ok"}); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Errorf("a successful charge logged:\n%s", buf.String())
	}
}
