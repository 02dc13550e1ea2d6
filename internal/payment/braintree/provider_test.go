package braintree_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/payment/braintree"
	"agentshop/internal/payment/braintree/braintreetest"
)

// syncBuffer is a log sink safe for the provider's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func config(f *braintreetest.Server) braintree.Config {
	return braintree.Config{
		MerchantID: braintreetest.MerchantID, PublicKey: braintreetest.PublicKey, PrivateKey: braintreetest.PrivateKey,
		Environment: braintree.Sandbox, MerchantAccounts: braintreetest.Accounts(), BaseURL: f.URL(),
		RecheckDelay: time.Millisecond,
	}
}

func newProvider(t *testing.T, f *braintreetest.Server, edit ...func(*braintree.Config)) (*braintree.Provider, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	cfg := config(f)
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	for _, e := range edit {
		e(&cfg)
	}
	p, err := braintree.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p, logs
}

func chargeReq(key, token string, amount int64) commerce.ChargeRequest {
	return commerce.ChargeRequest{IdempotencyKey: key, SessionID: "cs_1", Amount: amount, Currency: "usd", Token: token}
}

func TestNew(t *testing.T) {
	f := braintreetest.New(t)
	tests := []struct {
		name     string
		edit     func(*braintree.Config)
		wantErr  string
		wantLive bool
	}{
		{name: "sandbox", edit: func(*braintree.Config) {}},
		{name: "production", edit: func(c *braintree.Config) { c.Environment = braintree.Production }, wantLive: true},
		{name: "production default endpoint", edit: func(c *braintree.Config) { c.Environment, c.BaseURL = braintree.Production, "" }, wantLive: true},
		{name: "no environment", edit: func(c *braintree.Config) { c.Environment = "" }, wantErr: "environment"},
		{name: "test is not an environment", edit: func(c *braintree.Config) { c.Environment = "test" }, wantErr: "environment"},
		{name: "sandbox on the production endpoint", edit: func(c *braintree.Config) { c.BaseURL = braintree.ProductionURL }, wantErr: "must not use the production endpoint"},
		{name: "production on the sandbox endpoint", edit: func(c *braintree.Config) { c.Environment, c.BaseURL = braintree.Production, braintree.SandboxURL },
			wantErr: "must not use the sandbox endpoint"},
		{name: "no merchant id", edit: func(c *braintree.Config) { c.MerchantID = "" }, wantErr: "merchant id"},
		{name: "no public key", edit: func(c *braintree.Config) { c.PublicKey = "" }, wantErr: "keys"},
		{name: "no private key", edit: func(c *braintree.Config) { c.PrivateKey = " " }, wantErr: "keys"},
		{name: "no merchant account", edit: func(c *braintree.Config) { c.MerchantAccounts = nil }, wantErr: "merchant account"},
		{name: "unknown currency", edit: func(c *braintree.Config) { c.MerchantAccounts = map[commerce.Currency]string{"zzz": "a"} }, wantErr: "currency"},
		{name: "empty account id", edit: func(c *braintree.Config) { c.MerchantAccounts = map[commerce.Currency]string{"usd": ""} }, wantErr: "empty"},
		{name: "not a URL", edit: func(c *braintree.Config) { c.BaseURL = "ftp://x" }, wantErr: "URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config(f)
			tt.edit(&cfg)
			p, err := braintree.New(cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New = %v, want an error about %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Name() != "braintree" || p.LiveMode() != tt.wantLive || p.MerchantID() != braintreetest.MerchantID {
				t.Errorf("Name, LiveMode, MerchantID = %q, %v, %q", p.Name(), p.LiveMode(), p.MerchantID())
			}
		})
	}
}

func TestCharge(t *testing.T) {
	f := braintreetest.New(t)
	p, _ := newProvider(t, f)
	nonce := f.Nonce(braintreetest.Nonce{MaxAmount: "139.00", Currency: "USD", Facilitator: braintreetest.ChatGPT()})
	res, err := p.Charge(context.Background(), chargeReq("agentshop-cs_1-attempt-1", nonce, 13900))
	if err != nil {
		t.Fatal(err)
	}
	sales := f.Sales()
	if len(sales) != 1 {
		t.Fatalf("sales = %+v, want one", sales)
	}
	s := sales[0]
	if res.Outcome != commerce.ChargeSucceeded || res.Reference != s.ID || res.Reference == "" {
		t.Errorf("result = %+v, want success with reference %s", res, s.ID)
	}
	if s.OrderID != "agentshop-cs_1-attempt-1" || s.Amount != "139.00" || s.Account != braintreetest.AccountUSD || s.Status != "SUBMITTED_FOR_SETTLEMENT" {
		t.Errorf("sale = %+v", s)
	}
	if fc := res.Facilitator; fc == nil || fc.Name != "ChatGPT" || fc.ClientID != "fake_openai_client_id" {
		t.Errorf("facilitator = %+v, want ChatGPT", fc)
	}
	if got := braintree.LegacyID(res.Reference); got != s.LegacyID {
		t.Errorf("LegacyID(%q) = %q, want %q", res.Reference, got, s.LegacyID)
	}
	if n := f.Requests("search"); n != 1 {
		t.Errorf("searches = %d, want 1 (before charging)", n)
	}

	// The same key again answers with the same transaction.
	again, err := p.Charge(context.Background(), chargeReq("agentshop-cs_1-attempt-1", nonce, 13900))
	if err != nil || again.Reference != res.Reference || again.Outcome != commerce.ChargeSucceeded {
		t.Errorf("repeated charge = %+v, %v; want the first one's", again, err)
	}
	if len(f.Sales()) != 1 || f.Requests("charge") != 1 {
		t.Errorf("sales, charges = %d, %d; want 1, 1", len(f.Sales()), f.Requests("charge"))
	}

	// Without a facilitator, none is recorded; euros go to the euro account.
	plain := f.Nonce(braintreetest.Nonce{})
	req := chargeReq("agentshop-cs_2-attempt-1", plain, 500)
	req.Currency = "eur"
	res, err = p.Charge(context.Background(), req)
	if err != nil || res.Outcome != commerce.ChargeSucceeded || res.Facilitator != nil {
		t.Errorf("charge without facilitator = %+v, %v", res, err)
	}
	if s := f.Sales()[1]; s.Account != braintreetest.AccountEUR || s.Amount != "5.00" {
		t.Errorf("euro sale = %+v", s)
	}
}

// TestChargeAtMostOnce re-drives charges whose first answer was lost in
// every way the fake can lose it: exactly one sale each time.
func TestChargeAtMostOnce(t *testing.T) {
	tests := []struct {
		name string
		lose func(f *braintreetest.Server)
		// charged: whether the lost request made a sale.
		charged bool
	}{
		{"connection cut after charging", (*braintreetest.Server).CutNextCharge, true},
		{"500 after charging", func(f *braintreetest.Server) { f.FailNextCharge(http.StatusInternalServerError) }, true},
		{"503 before anything", func(f *braintreetest.Server) { f.FailNextRequest(http.StatusServiceUnavailable) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := braintreetest.New(t)
			p, _ := newProvider(t, f)
			nonce := f.Nonce(braintreetest.Nonce{Facilitator: braintreetest.ChatGPT()})
			req := chargeReq("agentshop-cs_1-attempt-1", nonce, 2500)
			tt.lose(f)
			res, err := p.Charge(context.Background(), req)
			if err == nil {
				t.Fatalf("lost answer: Charge = %+v, nil; want an error (outcome unknown)", res)
			}
			if got := len(f.Sales()); got != map[bool]int{true: 1, false: 0}[tt.charged] {
				t.Fatalf("sales after the lost answer = %d", got)
			}
			// The re-drive: same key, same (now consumed, if charged) nonce.
			res, err = p.Charge(context.Background(), req)
			if err != nil || res.Outcome != commerce.ChargeSucceeded {
				t.Fatalf("re-drive = %+v, %v; want success", res, err)
			}
			sales := f.Sales()
			if len(sales) != 1 || res.Reference != sales[0].ID || f.Charged() != 1 {
				t.Fatalf("sales = %+v, result %+v; want exactly one charge, the result's", sales, res)
			}
			if res.Facilitator == nil || res.Facilitator.Name != "ChatGPT" {
				t.Errorf("re-driven result lost the facilitator: %+v", res)
			}
		})
	}
}

// laggySearch answers the first n transaction searches with no results
// without asking Braintree, as a search index that has not caught up with
// a charge would.
type laggySearch struct {
	n    int
	mu   sync.Mutex
	next http.RoundTripper
}

func (l *laggySearch) RoundTrip(r *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	l.mu.Lock()
	lag := l.n > 0 && bytes.Contains(body, []byte("search {"))
	if lag {
		l.n--
	}
	l.mu.Unlock()
	if lag {
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Request: r,
			Body: io.NopCloser(strings.NewReader(`{"data":{"search":{"transactions":{"edges":[]}}},"extensions":{"requestId":"lag"}}`))}, nil
	}
	return l.next.RoundTrip(r)
}

func TestChargeConsumedNonce(t *testing.T) {
	t.Run("used by this attempt: the search finds its transaction", func(t *testing.T) {
		f := braintreetest.New(t)
		lag := &laggySearch{next: http.DefaultTransport}
		p, _ := newProvider(t, f, func(c *braintree.Config) { c.HTTPClient = &http.Client{Transport: lag} })
		nonce := f.Nonce(braintreetest.Nonce{})
		req := chargeReq("agentshop-cs_1-attempt-1", nonce, 2500)
		f.CutNextCharge()
		if _, err := p.Charge(context.Background(), req); err == nil {
			t.Fatal("cut answer: want an error")
		}
		// The re-drive's first search does not see the charge yet; the
		// charge answers 91564 and the second search finds it.
		lag.n = 1
		res, err := p.Charge(context.Background(), req)
		if err != nil || res.Outcome != commerce.ChargeSucceeded || res.Reference != f.Sales()[0].ID {
			t.Fatalf("re-drive = %+v, %v; want the cut charge's transaction", res, err)
		}
		if len(f.Sales()) != 1 || f.Requests("charge") != 2 || f.Requests("search") != 3-1 {
			t.Errorf("sales %d, charges %d, searches reaching the fake %d; want 1, 2, 2", len(f.Sales()), f.Requests("charge"), f.Requests("search"))
		}
	})
	t.Run("used by another attempt: declined", func(t *testing.T) {
		f := braintreetest.New(t)
		p, _ := newProvider(t, f)
		nonce := f.Nonce(braintreetest.Nonce{})
		if res, err := p.Charge(context.Background(), chargeReq("agentshop-cs_1-attempt-1", nonce, 2500)); err != nil || res.Outcome != commerce.ChargeSucceeded {
			t.Fatalf("first charge = %+v, %v", res, err)
		}
		res, err := p.Charge(context.Background(), chargeReq("agentshop-cs_1-attempt-2", nonce, 2500))
		if err != nil || res.Outcome != commerce.ChargeDeclined || res.DeclineCode != braintree.DeclinePaymentTokenUsed || res.Message == "" {
			t.Fatalf("second attempt with the same nonce = %+v, %v; want payment_token_used", res, err)
		}
		if len(f.Sales()) != 1 || f.Requests("search") != 2+3 {
			t.Errorf("sales %d, searches %d; want 1 and 5 (one before each charge, three after the consumed answer)", len(f.Sales()), f.Requests("search"))
		}
	})
}

func TestChargeDeclines(t *testing.T) {
	type tc struct {
		name   string
		nonce  *braintreetest.Nonce // nil: a nonce the fake never issued
		amount int64
		cur    commerce.Currency
		code   string
		// logged is text the logs must hold (the processor's), which the
		// result's message must not.
		logged string
	}
	declines := []tc{
		{name: "unknown nonce", code: braintree.DeclinePaymentTokenInvalid},
		{name: "expired nonce", nonce: &braintreetest.Nonce{Expired: true}, code: braintree.DeclinePaymentTokenInvalid},
		{name: "another merchant's nonce", nonce: &braintreetest.Nonce{MerchantID: "other_merchant"}, code: braintree.DeclinePaymentTokenInvalid},
		{name: "amount above the nonce's maximum", nonce: &braintreetest.Nonce{MaxAmount: "24.99"}, code: braintree.DeclineAllowanceExceeded},
		{name: "currency mismatch", nonce: &braintreetest.Nonce{Currency: "EUR"}, code: braintree.DeclineCurrencyMismatch},
		{name: "no merchant account for the currency", nonce: &braintreetest.Nonce{}, cur: "gbp", code: braintree.DeclineCurrencyUnsupported},
	}
	processor := []tc{
		{name: "processor 2001", nonce: &braintreetest.Nonce{Decline: 2001}, code: "insufficient_funds", logged: "Insufficient Funds"},
		{name: "processor 2004", nonce: &braintreetest.Nonce{Decline: 2004}, code: "expired_card", logged: "Expired Card"},
		{name: "processor 2010", nonce: &braintreetest.Nonce{Decline: 2010}, code: "incorrect_cvc", logged: "Card Issuer Declined CVV"},
		{name: "sandbox amount 2000.00", nonce: &braintreetest.Nonce{}, amount: 200000, code: braintree.DeclineGeneric, logged: "Do Not Honor"},
		{name: "sandbox amount 2046.00", nonce: &braintreetest.Nonce{}, amount: 204600, code: braintree.DeclineGeneric, logged: "2046"},
		{name: "sandbox amount 3000.00", nonce: &braintreetest.Nonce{}, amount: 300000, code: braintree.DeclineProcessingError, logged: "Processor Network Unavailable"},
	}
	gateway := []tc{
		{name: "gateway fraud", nonce: &braintreetest.Nonce{Reject: "FRAUD"}, code: braintree.DeclineGeneric, logged: "FRAUD"},
		{name: "gateway cvv", nonce: &braintreetest.Nonce{Reject: "CVV"}, code: "incorrect_cvc", logged: "CVV"},
		{name: "gateway avs", nonce: &braintreetest.Nonce{Reject: "AVS"}, code: braintree.DeclineAddressMismatch, logged: "AVS"},
	}
	run := func(t *testing.T, errorsOnly bool, cases []tc) {
		for _, tt := range cases {
			t.Run(tt.name, func(t *testing.T) {
				f := braintreetest.New(t)
				if errorsOnly {
					f.DeclinesAsErrorsOnly()
				}
				p, logs := newProvider(t, f)
				token := "tokencc_never_issued"
				if tt.nonce != nil {
					token = f.Nonce(*tt.nonce)
				}
				req := chargeReq("agentshop-cs_1-attempt-1", token, 2500)
				if tt.amount != 0 {
					req.Amount = tt.amount
				}
				if tt.cur != "" {
					req.Currency = tt.cur
				}
				res, err := p.Charge(context.Background(), req)
				if err != nil {
					t.Fatalf("Charge error %v, want a decline", err)
				}
				if res.Outcome != commerce.ChargeDeclined || res.DeclineCode != tt.code || res.Message == "" || res.Reference != "" {
					t.Fatalf("result = %+v, want declined %s with a message", res, tt.code)
				}
				if tt.logged != "" {
					if !strings.Contains(logs.String(), tt.logged) {
						t.Errorf("logs do not hold %q:\n%s", tt.logged, logs)
					}
					if strings.Contains(res.Message, tt.logged) {
						t.Errorf("message %q shows the processor's text %q", res.Message, tt.logged)
					}
				}
				if strings.Contains(logs.String(), token) && tt.nonce != nil {
					t.Errorf("logs hold the nonce %s:\n%s", token, logs)
				}
				if f.Charged() != 0 {
					t.Errorf("a decline charged: %+v", f.Sales())
				}
				// A re-drive of a declined attempt finds the declined
				// transaction (or nothing) and declines again, charging nothing.
				again, err := p.Charge(context.Background(), req)
				if err != nil || again.Outcome != commerce.ChargeDeclined || f.Charged() != 0 {
					t.Errorf("re-drive of a decline = %+v, %v; charged %d", again, err, f.Charged())
				}
			})
		}
	}
	t.Run("transaction in data", func(t *testing.T) {
		run(t, false, append(append(append([]tc{}, declines...), processor...), gateway...))
	})
	t.Run("errors only", func(t *testing.T) {
		for i := range gateway {
			// Without the transaction, a rejection has no reason to read.
			gateway[i].code, gateway[i].logged = braintree.DeclineProcessingError, "rejected by the gateway"
		}
		run(t, true, append(append(append([]tc{}, declines...), processor...), gateway...))
	})
}

func TestChargeErrors(t *testing.T) {
	t.Run("wrong keys", func(t *testing.T) {
		f := braintreetest.New(t)
		p, _ := newProvider(t, f, func(c *braintree.Config) { c.PrivateKey = "wrong" })
		res, err := p.Charge(context.Background(), chargeReq("k1", f.Nonce(braintreetest.Nonce{}), 100))
		if err == nil || !strings.Contains(err.Error(), "401") {
			t.Fatalf("Charge = %+v, %v; want an error naming HTTP 401", res, err)
		}
	})
	t.Run("no idempotency key", func(t *testing.T) {
		f := braintreetest.New(t)
		p, _ := newProvider(t, f)
		if _, err := p.Charge(context.Background(), chargeReq("", f.Nonce(braintreetest.Nonce{}), 100)); err == nil {
			t.Fatal("want an error")
		}
		if f.Requests("search")+f.Requests("charge") != 0 {
			t.Error("Braintree was asked")
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		f := braintreetest.New(t)
		p, _ := newProvider(t, f, func(c *braintree.Config) { c.BaseURL = "http://127.0.0.1:1/graphql" })
		if _, err := p.Charge(context.Background(), chargeReq("k1", "tokencc_x", 100)); err == nil {
			t.Fatal("want an error")
		}
	})
}

func TestRefund(t *testing.T) {
	ctx := context.Background()
	charge := func(t *testing.T, f *braintreetest.Server, p *braintree.Provider, amount int64) string {
		t.Helper()
		res, err := p.Charge(ctx, chargeReq("agentshop-cs_1-attempt-1", f.Nonce(braintreetest.Nonce{}), amount))
		if err != nil || res.Outcome != commerce.ChargeSucceeded {
			t.Fatalf("charge = %+v, %v", res, err)
		}
		return res.Reference
	}
	refund := func(key, ref string, amount int64) commerce.RefundRequest {
		return commerce.RefundRequest{IdempotencyKey: key, ChargeRef: ref, Amount: amount, Currency: "usd"}
	}

	t.Run("settled: refunds in parts, each key once", func(t *testing.T) {
		f := braintreetest.New(t)
		p, _ := newProvider(t, f)
		ref := charge(t, f, p, 5000)
		f.Settle(ref, "SETTLED")
		r1, err := p.Refund(ctx, refund("re_1", ref, 2000))
		if err != nil || r1.Refused || r1.Reference == "" {
			t.Fatalf("refund = %+v, %v", r1, err)
		}
		again, err := p.Refund(ctx, refund("re_1", ref, 2000))
		if err != nil || again != r1 {
			t.Fatalf("same key again = %+v, %v; want %+v", again, err, r1)
		}
		if rs := f.Sales()[0].Refunds; len(rs) != 1 || rs[0].Amount != "20.00" || rs[0].OrderID != "re_1" {
			t.Fatalf("refunds = %+v, want one of 20.00 with order id re_1", rs)
		}
		over, err := p.Refund(ctx, refund("re_2", ref, 3001))
		if err != nil || !over.Refused || !strings.Contains(over.Message, "more than") {
			t.Fatalf("refund above what is left = %+v, %v; want refused", over, err)
		}
		r3, err := p.Refund(ctx, refund("re_3", ref, 3000))
		if err != nil || r3.Refused {
			t.Fatalf("refund of the rest = %+v, %v", r3, err)
		}
		if n := len(f.Sales()[0].Refunds); n != 2 {
			t.Errorf("refunds = %d, want 2", n)
		}
	})
	t.Run("settling: refunded", func(t *testing.T) {
		f := braintreetest.New(t)
		p, _ := newProvider(t, f)
		ref := charge(t, f, p, 5000)
		f.Settle(ref, "SETTLING")
		if r, err := p.Refund(ctx, refund("re_1", ref, 5000)); err != nil || r.Refused {
			t.Fatalf("refund = %+v, %v", r, err)
		}
		if s := f.Sales()[0]; s.Status != "SETTLING" || len(s.Refunds) != 1 {
			t.Errorf("sale = %+v, want refunded, not voided", s)
		}
	})
	t.Run("not settled: voided in full, refused in part", func(t *testing.T) {
		f := braintreetest.New(t)
		p, _ := newProvider(t, f)
		ref := charge(t, f, p, 5000)
		part, err := p.Refund(ctx, refund("re_1", ref, 1000))
		if err != nil || !part.Refused || !strings.Contains(part.Message, "settled") {
			t.Fatalf("partial refund before settlement = %+v, %v; want refused", part, err)
		}
		full, err := p.Refund(ctx, refund("re_2", ref, 5000))
		if err != nil || full.Refused || full.Reference != ref {
			t.Fatalf("full refund before settlement = %+v, %v; want the void of %s", full, err, ref)
		}
		if s := f.Sales()[0]; s.Status != "VOIDED" || len(s.Refunds) != 0 || f.Requests("reverse") != 1 {
			t.Fatalf("sale = %+v, reversals %d; want voided once", s, f.Requests("reverse"))
		}
		again, err := p.Refund(ctx, refund("re_2", ref, 5000))
		if err != nil || again != full || f.Requests("reverse") != 1 {
			t.Errorf("void again = %+v, %v (reversals %d); want the same answer, no second reversal", again, err, f.Requests("reverse"))
		}
	})
	t.Run("answer lost: the re-drive finds the refund", func(t *testing.T) {
		f := braintreetest.New(t)
		p, _ := newProvider(t, f)
		ref := charge(t, f, p, 5000)
		f.Settle(ref, "SETTLED")
		f.CutNextRefund()
		if r, err := p.Refund(ctx, refund("re_1", ref, 1500)); err == nil {
			t.Fatalf("cut refund = %+v, nil; want an error", r)
		}
		r, err := p.Refund(ctx, refund("re_1", ref, 1500))
		if err != nil || r.Refused || r.Reference == "" {
			t.Fatalf("re-drive = %+v, %v", r, err)
		}
		if rs := f.Sales()[0].Refunds; len(rs) != 1 || rs[0].ID != r.Reference || f.Requests("refund") != 1 {
			t.Fatalf("refunds = %+v (refund calls %d); want exactly one, the re-drive's answer", rs, f.Requests("refund"))
		}
	})
	t.Run("unknown charge", func(t *testing.T) {
		f := braintreetest.New(t)
		p, _ := newProvider(t, f)
		r, err := p.Refund(ctx, refund("re_1", "dHJhbnNhY3Rpb25fbm9uZQ", 100))
		if err != nil || !r.Refused {
			t.Fatalf("refund = %+v, %v; want refused", r, err)
		}
	})
	t.Run("Braintree down", func(t *testing.T) {
		f := braintreetest.New(t)
		p, _ := newProvider(t, f)
		ref := charge(t, f, p, 5000)
		f.FailNextRequest(http.StatusBadGateway)
		if r, err := p.Refund(ctx, refund("re_1", ref, 100)); err == nil {
			t.Fatalf("refund = %+v, nil; want an error", r)
		}
	})
}

// TestErrorsAreNotDeclines checks that an unknown outcome is an error the
// caller can tell from a decline: the commerce contract's non-nil error.
func TestErrorsAreNotDeclines(t *testing.T) {
	f := braintreetest.New(t)
	p, _ := newProvider(t, f)
	f.FailNextRequest(http.StatusInternalServerError)
	res, err := p.Charge(context.Background(), chargeReq("k1", f.Nonce(braintreetest.Nonce{}), 100))
	if err == nil || res.Outcome != "" {
		t.Fatalf("Charge = %+v, %v", res, err)
	}
	var target interface{ Unwrap() error }
	if !errors.As(err, &target) {
		t.Errorf("error %v does not wrap its cause", err)
	}
}
