package web_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"agentshop/internal/catalog"
	"agentshop/internal/commerce"
	"agentshop/internal/payment/sandbox"
	"agentshop/internal/store/sqlite"
	"agentshop/internal/web"
)

const (
	merchantID = "acct_test"
	racket     = "starvie-metheora-warrior"
)

// logBuffer collects log output from concurrent handlers.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// shop is a real stack behind the pages: SQLite in a temp dir, the demo
// catalog, the sandbox provider and the commerce service.
type shop struct {
	srv    *httptest.Server
	svc    *commerce.Service
	store  commerce.Store
	dbPath string
	logs   *logBuffer
	reg    *prometheus.Registry // the pages' metrics
	// now is the service's clock; tests move it to expire sessions.
	mu  sync.Mutex
	now time.Time
	// afterCheck, when set, runs when the pay form has passed the
	// handler's checks, before the card is tokenized and the session
	// completed: a change there races the claim.
	afterCheck func(id string)
}

// hookedCard is the sandbox card step, with the shop's afterCheck run
// first.
type hookedCard struct {
	*web.SandboxCard
	s *shop
}

func (c hookedCard) Pay(ctx context.Context, v *commerce.View, form url.Values) (web.PayResult, error) {
	c.s.mu.Lock()
	f := c.s.afterCheck
	c.s.mu.Unlock()
	if f != nil {
		f(v.Session.ID)
	}
	return c.SandboxCard.Pay(ctx, v, form)
}

func (s *shop) Now() time.Time { s.mu.Lock(); defer s.mu.Unlock(); return s.now }

func (s *shop) advance(d time.Duration) { s.mu.Lock(); s.now = s.now.Add(d); s.mu.Unlock() }

// newShop is the shop; configure, if given, adjusts the pages' handler
// before its routes are registered.
func newShop(t testing.TB, configure ...func(*web.Handler)) *shop {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	s := &shop{dbPath: filepath.Join(dir, "agentshop.db"), logs: &logBuffer{}, now: time.Now().UTC(), reg: prometheus.NewPedanticRegistry()}
	st, err := sqlite.Open(ctx, s.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat := catalog.Demo()
	if err := st.SeedStock(ctx, cat.InitialStock()); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewJSONHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	provider := sandbox.New(st, merchantID, s.Now)
	s.store = st
	s.svc = &commerce.Service{
		Store: st,
		Pricer: &commerce.Pricer{Catalog: cat, Config: commerce.PricingConfig{
			HomeCountry: "US",
			Shipping:    commerce.ShippingRates{DomesticStandard: 599, DomesticExpress: 1499, IntlStandard: 1999, IntlExpress: 3999, FreeStandardOver: 100000},
			Taxes:       []commerce.TaxRate{{Country: "US", Region: "CA", BPS: 725}},
			Coupons:     []commerce.Coupon{{Code: "WELCOME10", Name: "10% off your first order", PercentOff: 10}},
		}},
		Payments:   commerce.MustPayments(provider),
		Logger:     logger,
		Now:        s.Now,
		SessionTTL: time.Hour,
	}
	m := commerce.Merchant{Name: "Test shop", ID: merchantID, Provider: "sandbox", Interventions: []string{"3ds"}}
	h := &web.Handler{
		Store:    st,
		Merchant: m,
		Logger:   logger,
		Checkout: s.svc,
		PaySteps: map[string]web.PayStep{"sandbox": hookedCard{&web.SandboxCard{Provider: provider, MerchantID: merchantID, Now: s.Now}, s}},
		Metrics:  web.NewMetrics(s.reg),
	}
	for _, f := range configure {
		f(h)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// session creates a checkout session for quantity rackets, as an agent would.
func (s *shop) session(t testing.TB, quantity int64) string {
	t.Helper()
	v, err := s.svc.Create(context.Background(), commerce.CreateInput{Lines: []commerce.LineInput{{ItemID: racket, Quantity: quantity}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return v.Session.ID
}
