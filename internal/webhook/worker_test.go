package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"agentshop/internal/acp/acp20260417"
	"agentshop/internal/acp/acpschema/schematest"
	"agentshop/internal/commerce"
	"agentshop/internal/store/sqlite"
	"agentshop/internal/webhook"
	"agentshop/internal/webhook/webhooktest"
)

const secret = "whsec_worker_test"

var merchant = commerce.Merchant{Name: "Test shop", ID: "acct_test", BaseURL: "https://shop.example"}

// clock is a settable time source shared by worker and receiver.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture is a real SQLite store holding orders, a receiver and a clock.
type fixture struct {
	ctx   context.Context
	store *sqlite.DB
	clock *clock
	recv  *webhooktest.Receiver
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "agentshop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{t: time.Now().Truncate(time.Second)}
	return &fixture{ctx: ctx, store: st, clock: c, recv: webhooktest.New(t, secret, c.Now)}
}

// worker returns a worker for the fixture; change adjusts its config.
func (f *fixture) worker(t *testing.T, change func(*webhook.Config)) *webhook.Worker {
	t.Helper()
	cfg := webhook.Config{
		URL:     f.recv.URL,
		Secret:  secret,
		Store:   f.store,
		Encoder: acp20260417.New(merchant),
		Now:     f.clock.Now,
		Lease:   time.Minute,
		Backoff: func(int) time.Duration { return 10 * time.Second },
	}
	if change != nil {
		change(&cfg)
	}
	w, err := webhook.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// order stores a session, its order and the events of types, in one
// transaction as the service does.
func (f *fixture) order(t *testing.T, types ...commerce.EventType) (*commerce.Order, []*commerce.Event) {
	t.Helper()
	return f.modeOrder(t, "", types...)
}

// modeOrder is order for an order of mode.
func (f *fixture) modeOrder(t *testing.T, mode commerce.Mode, types ...commerce.EventType) (*commerce.Order, []*commerce.Event) {
	t.Helper()
	now := f.clock.Now()
	s := &commerce.Session{ID: commerce.NewID("cs"), Status: commerce.StatusCompleted, Currency: "usd",
		Lines:     []commerce.Line{{ID: "li_1", ItemID: "item_mug", Quantity: 2}},
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour), Version: 1}
	item := &commerce.Item{ID: "item_mug", ProductID: "prod_mug", Title: "Mug", Price: 1500, Currency: "usd"}
	o := &commerce.Order{ID: commerce.NewID("ord"), SessionID: s.ID, Status: "confirmed", Currency: "usd",
		Lines:  []commerce.PricedLine{{Line: s.Lines[0], Item: item, Base: 3000, Subtotal: 3000, Tax: 218, Total: 3218}},
		Totals: commerce.Totals{ItemsBase: 3000, Subtotal: 3000, Fulfillment: 599, Tax: 218, Total: 3817},
		Fulfillment: &commerce.FulfillmentOption{ID: "shipping_standard", Kind: "shipping", Title: "Standard",
			Earliest: now.Add(72 * time.Hour), Latest: now.Add(120 * time.Hour), Subtotal: 599, Total: 599},
		PaymentID: commerce.NewID("pay"), Mode: mode, CreatedAt: now, UpdatedAt: now}
	var events []*commerce.Event
	err := f.store.InTx(f.ctx, func(tx commerce.Executor) error {
		if err := tx.CreateSession(f.ctx, s); err != nil {
			return err
		}
		if err := tx.CreateOrder(f.ctx, o); err != nil {
			return err
		}
		for i, typ := range types {
			e := commerce.NewEvent(typ, o.ID, now.Add(time.Duration(i)*time.Microsecond))
			events = append(events, e)
			if err := tx.CreateEvent(f.ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return o, events
}

func (f *fixture) event(t *testing.T, id string) *commerce.Event {
	t.Helper()
	all, err := f.store.ListEvents(f.ctx, commerce.EventFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		if e.ID == id {
			return e
		}
	}
	t.Fatalf("event %s not in the outbox", id)
	return nil
}

func deliverDue(t *testing.T, w *webhook.Worker, ctx context.Context, want int) {
	t.Helper()
	n, err := w.DeliverDue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Fatalf("DeliverDue claimed %d events, want %d", n, want)
	}
}

func TestDeliverSignedOrderEvent(t *testing.T) {
	f := newFixture(t)
	o, events := f.order(t, commerce.EventOrderCreate)
	w := f.worker(t, nil)
	deliverDue(t, w, f.ctx, 1)

	got := f.recv.Deliveries()
	if len(got) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(got))
	}
	d := got[0]
	if d.RequestID != events[0].ID || d.APIVersion != acp20260417.APIVersion {
		t.Errorf("Request-Id %q, API-Version %q; want %q, %q", d.RequestID, d.APIVersion, events[0].ID, acp20260417.APIVersion)
	}
	if ts, err := time.Parse(time.RFC3339, d.Timestamp); err != nil || !ts.Equal(f.clock.Now()) {
		t.Errorf("Timestamp header %q (%v), want %s", d.Timestamp, err, f.clock.Now().UTC().Format(time.RFC3339))
	}
	ev := d.Event(t)
	if ev.Type != "order_create" || ev.Data.Type != "order" || ev.Data.ID != o.ID || ev.Data.CheckoutSessionID != o.SessionID ||
		ev.Data.PermalinkURL != merchant.OrderURL(o.ID) || ev.Data.Status != "confirmed" {
		t.Errorf("body %s does not describe order %s of session %s", d.Body, o.ID, o.SessionID)
	}

	e := f.event(t, events[0].ID)
	if e.Status != commerce.EventDelivered || e.Attempts != 1 || e.DeliveredAt == nil || !e.DeliveredAt.Equal(f.clock.Now()) || e.LastError != "" {
		t.Errorf("after delivery: %+v", e)
	}
	f.clock.Advance(time.Hour)
	deliverDue(t, w, f.ctx, 0) // delivered events are never sent again

	schema := schematest.FromEnv(t)
	if err := schema.Validate(acp20260417.APIVersion, "webhook:WebhookEvent", d.Body); err != nil {
		t.Errorf("body is not a valid %s WebhookEvent: %v\n%s", acp20260417.APIVersion, err, d.Body)
	}
}

func TestRetryWithBackoffAndRetryAfter(t *testing.T) {
	f := newFixture(t)
	f.recv.SetReply(func(n int, w http.ResponseWriter) bool {
		switch n {
		case 1:
			http.Error(w, "boom", http.StatusInternalServerError)
		case 2:
			w.Header().Set("Retry-After", "120")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		default:
			return false
		}
		return true
	})
	_, events := f.order(t, commerce.EventOrderCreate)
	w := f.worker(t, nil)
	start := f.clock.Now()

	deliverDue(t, w, f.ctx, 1) // 500
	e := f.event(t, events[0].ID)
	if e.Status != commerce.EventPending || e.Attempts != 1 || !e.NextAttemptAt.Equal(start.Add(10*time.Second)) || e.LastError == "" {
		t.Fatalf("after a 500: %+v, want pending, 1 attempt, next in 10 s, an error", e)
	}
	f.clock.Advance(9 * time.Second)
	deliverDue(t, w, f.ctx, 0) // not due yet
	f.clock.Advance(time.Second)
	deliverDue(t, w, f.ctx, 1) // 429, Retry-After 120 s beats the 10 s backoff
	e = f.event(t, events[0].ID)
	if e.Attempts != 2 || !e.NextAttemptAt.Equal(start.Add(130*time.Second)) {
		t.Fatalf("after a 429 with Retry-After: %+v, want 2 attempts, next at +130 s", e)
	}
	f.clock.Advance(119 * time.Second)
	deliverDue(t, w, f.ctx, 0)
	f.clock.Advance(time.Second)
	deliverDue(t, w, f.ctx, 1)
	e = f.event(t, events[0].ID)
	if e.Status != commerce.EventDelivered || e.Attempts != 3 {
		t.Fatalf("third attempt: %+v, want delivered after 3 attempts", e)
	}
	for i, d := range f.recv.Deliveries() {
		if d.RequestID != events[0].ID {
			t.Errorf("attempt %d: Request-Id %q, want the event id %q on every attempt", i+1, d.RequestID, events[0].ID)
		}
	}
}

func TestDeadLetter(t *testing.T) {
	f := newFixture(t)
	f.recv.SetReply(func(_ int, w http.ResponseWriter) bool {
		http.Error(w, "gone fishing", http.StatusServiceUnavailable)
		return true
	})
	_, events := f.order(t, commerce.EventOrderCreate)
	w := f.worker(t, func(c *webhook.Config) { c.MaxAttempts = 3 })
	for range 3 {
		deliverDue(t, w, f.ctx, 1)
		f.clock.Advance(10 * time.Second)
	}
	e := f.event(t, events[0].ID)
	if e.Status != commerce.EventDead || e.Attempts != 3 || e.DeliveredAt != nil {
		t.Fatalf("after 3 failed attempts: %+v, want dead", e)
	}
	if want := "endpoint answered 503: gone fishing"; e.LastError != want {
		t.Errorf("LastError %q, want %q", e.LastError, want)
	}
	f.clock.Advance(24 * time.Hour)
	deliverDue(t, w, f.ctx, 0)
	dead, err := f.store.ListEvents(f.ctx, commerce.EventFilter{Status: commerce.EventDead})
	if err != nil || len(dead) != 1 || dead[0].ID != e.ID {
		t.Fatalf("dead letters listed: %v, %v", dead, err)
	}
}

func TestBadSecretIsRefusedAndRetried(t *testing.T) {
	f := newFixture(t)
	_, events := f.order(t, commerce.EventOrderCreate)
	w := f.worker(t, func(c *webhook.Config) { c.Secret = "not the shared one" })
	deliverDue(t, w, f.ctx, 1)
	e := f.event(t, events[0].ID)
	if e.Status != commerce.EventPending || len(f.recv.Accepted()) != 0 {
		t.Fatalf("a wrongly signed event: %+v, accepted %v; want refused and pending", e, f.recv.Accepted())
	}
	if want := `endpoint answered 401: {"type":"invalid_request","code":"invalid_signature","message":"Webhook signature verification failed."}`; e.LastError != want {
		t.Errorf("LastError %q, want %q", e.LastError, want)
	}
}

func TestOrderEventsInOrder(t *testing.T) {
	f := newFixture(t)
	_, events := f.order(t, commerce.EventOrderCreate, commerce.EventOrderUpdate)
	f.recv.SetReply(func(n int, w http.ResponseWriter) bool {
		if n == 1 {
			http.Error(w, "hiccup", http.StatusBadGateway)
			return true
		}
		return false
	})
	w := f.worker(t, nil)
	// The update waits while the create is pending, even through a retry.
	deliverDue(t, w, f.ctx, 1)
	f.clock.Advance(10 * time.Second)
	deliverDue(t, w, f.ctx, 1)
	deliverDue(t, w, f.ctx, 1)
	var ids []string
	for _, d := range f.recv.Deliveries() {
		ids = append(ids, d.RequestID)
	}
	want := []string{events[0].ID, events[0].ID, events[1].ID}
	if fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Fatalf("requests in order %v, want %v (create, its retry, then update)", ids, want)
	}
	var body struct{ Type string }
	if err := json.Unmarshal(f.recv.Deliveries()[2].Body, &body); err != nil || body.Type != "order_update" {
		t.Fatalf("third request is %q (%v), want order_update", body.Type, err)
	}
}

// TestCrashedAttemptIsRetriedAfterLease plays a worker that claimed an
// event and died before recording the outcome: nothing is sent while its
// lease runs, and the event is sent once it has passed.
func TestCrashedAttemptIsRetriedAfterLease(t *testing.T) {
	f := newFixture(t)
	_, events := f.order(t, commerce.EventOrderCreate)
	claimed, err := f.store.ClaimEvents(f.ctx, f.clock.Now(), time.Minute, 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v, %v", claimed, err)
	}
	w := f.worker(t, nil)
	f.clock.Advance(59 * time.Second)
	deliverDue(t, w, f.ctx, 0)
	f.clock.Advance(time.Second)
	deliverDue(t, w, f.ctx, 1)
	e := f.event(t, events[0].ID)
	if e.Status != commerce.EventDelivered || e.Attempts != 2 {
		t.Fatalf("after the lease: %+v, want delivered on attempt 2", e)
	}
	// The dead worker's outcome, recorded late, must not overwrite it.
	claimed[0].Status = commerce.EventDead
	if err := f.store.FinishEventAttempt(f.ctx, claimed[0]); err == nil {
		t.Fatal("a stale attempt overwrote the delivered event")
	}
}

func TestTimeoutIsAFailedAttempt(t *testing.T) {
	f := newFixture(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	f.recv.SetReply(func(n int, w http.ResponseWriter) bool {
		if n == 1 {
			<-release
			http.Error(w, "too late", http.StatusGatewayTimeout)
			return true
		}
		return false
	})
	_, events := f.order(t, commerce.EventOrderCreate)
	w := f.worker(t, func(c *webhook.Config) { c.Client = &http.Client{Timeout: 200 * time.Millisecond} })
	deliverDue(t, w, f.ctx, 1)
	if e := f.event(t, events[0].ID); e.Status != commerce.EventPending || e.Attempts != 1 || e.LastError == "" {
		t.Fatalf("after a timeout: %+v, want pending with an error", e)
	}
}

// TestWorkersShareTheOutbox runs three workers on one store, as replicas
// would, until every event is delivered: each is delivered exactly once.
func TestWorkersShareTheOutbox(t *testing.T) {
	f := newFixture(t)
	const orders = 30
	for range orders {
		f.order(t, commerce.EventOrderCreate)
	}
	ctx, cancel := context.WithCancel(f.ctx)
	// Each worker signals the batches it recorded; the test counts the
	// deliveries instead of polling the receiver.
	var mu sync.Mutex
	delivered := 0
	all := make(chan struct{})
	signals := &webhook.TestSignals{Recorded: func(events []*commerce.Event) {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range events {
			if e.Status == commerce.EventDelivered {
				if delivered++; delivered == orders {
					close(all)
				}
			}
		}
	}}
	var wg sync.WaitGroup
	for range 3 {
		w := f.worker(t, func(c *webhook.Config) { c.Batch = 4; c.Poll = 10 * time.Millisecond; c.TestSignals = signals })
		wg.Go(func() { w.Run(ctx) })
		w.Wake()
	}
	select {
	case <-all:
	case <-time.After(20 * time.Second):
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("%d events recorded delivered after 20 s, want %d", delivered, orders)
	}
	cancel()
	wg.Wait()
	got := f.recv.Accepted()
	if len(got) != orders {
		t.Fatalf("%d distinct events delivered, want %d", len(got), orders)
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("event %s delivered %d times", id, n)
		}
	}
	pending, err := f.store.ListEvents(f.ctx, commerce.EventFilter{Status: commerce.EventPending})
	if err != nil || len(pending) != 0 {
		t.Fatalf("still pending: %v, %v", pending, err)
	}
}

func TestNewRefusesIncompleteConfig(t *testing.T) {
	f := newFixture(t)
	base := webhook.Config{URL: "https://agent.example/hooks", Secret: "s", Store: f.store, Encoder: acp20260417.New(merchant)}
	tests := []struct {
		name   string
		change func(*webhook.Config)
	}{
		{"no url", func(c *webhook.Config) { c.URL = "" }},
		{"no secret", func(c *webhook.Config) { c.Secret = "" }},
		{"no store", func(c *webhook.Config) { c.Store = nil }},
		{"no encoder", func(c *webhook.Config) { c.Encoder = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			tt.change(&cfg)
			if _, err := webhook.New(cfg); err == nil {
				t.Fatal("New accepted it")
			}
		})
	}
}

func TestDefaultBackoff(t *testing.T) {
	tests := []struct {
		attempt  int
		min, max time.Duration
	}{
		{1, 4 * time.Second, 6 * time.Second},
		{2, 8 * time.Second, 12 * time.Second},
		{5, 64 * time.Second, 96 * time.Second},
		{30, 96 * time.Minute, 144 * time.Minute},
	}
	for _, tt := range tests {
		for range 20 {
			if d := webhook.DefaultBackoff(tt.attempt); d < tt.min || d > tt.max {
				t.Fatalf("DefaultBackoff(%d) = %v, want in [%v, %v]", tt.attempt, d, tt.min, tt.max)
			}
		}
	}
}

// TestRunSendsAnOrdersEventsWithoutWaitingForThePoll: woken once, the
// worker sends an order's events one after the other (each waits for the
// one before), not one per poll.
func TestRunSendsAnOrdersEventsWithoutWaitingForThePoll(t *testing.T) {
	f := newFixture(t)
	_, events := f.order(t, commerce.EventOrderCreate, commerce.EventOrderUpdate, commerce.EventOrderUpdate)
	f.clock.Advance(time.Millisecond) // the events are created a microsecond apart
	w := f.worker(t, func(c *webhook.Config) { c.Poll = time.Hour })
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	got := f.recv.WaitAccepted(t, 3, 10*time.Second)
	cancel()
	<-done
	var ids []string
	for _, d := range f.recv.Deliveries() {
		ids = append(ids, d.RequestID)
	}
	if fmt.Sprint(ids) != fmt.Sprint([]string{events[0].ID, events[1].ID, events[2].ID}) || len(got) != 3 {
		t.Fatalf("sent %v, want the three events in order, once each", ids)
	}
}

// TestRecordedIsSignalledAfterCommit: the Recorded hook and the debug log
// line the process tests wait for both come after the outcome is in the
// outbox, so that whoever they wake reads it there.
func TestRecordedIsSignalledAfterCommit(t *testing.T) {
	f := newFixture(t)
	_, events := f.order(t, commerce.EventOrderCreate)
	var log bytes.Buffer
	var got []*commerce.Event
	var stored *commerce.Event
	w := f.worker(t, func(c *webhook.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c.TestSignals = &webhook.TestSignals{Recorded: func(es []*commerce.Event) {
			got = es
			stored = f.event(t, events[0].ID)
			if !strings.Contains(log.String(), "webhook: attempt recorded") {
				t.Error("signalled before the debug line was logged")
			}
		}}
	})
	deliverDue(t, w, f.ctx, 1)
	if len(got) != 1 || got[0].ID != events[0].ID || got[0].Status != commerce.EventDelivered || got[0].Attempts != 1 {
		t.Fatalf("Recorded got %+v, want the event delivered on attempt 1", got)
	}
	if stored.Status != commerce.EventDelivered {
		t.Errorf("when signalled the outbox said %s, want delivered", stored.Status)
	}
	want := fmt.Sprintf(`msg="webhook: attempt recorded" event=%s status=delivered attempt=1`, events[0].ID)
	if !strings.Contains(log.String(), want) {
		t.Errorf("log lacks %s:\n%s", want, log.String())
	}
	deliverDue(t, w, f.ctx, 0) // nothing claimed: no signal
	if len(got) != 1 {
		t.Errorf("signalled %d events for an empty claim", len(got))
	}
}
