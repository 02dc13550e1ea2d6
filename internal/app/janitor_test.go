package app

import (
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"agentshop/internal/apikey"
)

// TestJanitorDeletesAbandonedSessions drives the janitor that [App.Run]
// starts, through the app's wiring (config, store, REST): a session that
// expired longer than session_retention ago and never became an order is
// deleted, once its create's idempotency record has expired too (before,
// a short retention deleted it while that record still replayed it);
// a paid session stays; nothing goes before the retention has passed.
// The janitor runs on the test's ticks and clock, and says when each run
// is done.
func TestJanitorDeletesAbandonedSessions(t *testing.T) {
	t.Parallel()
	const version = "2026-04-17"
	cfg := testConfig(t)
	cfg.Shop.SessionTTL = Dur(time.Minute)
	cfg.Shop.SessionRetention = Dur(time.Minute)
	var (
		mu  sync.Mutex
		now = time.Now()
	)
	start := now
	tick := make(chan struct{})
	ran := make(chan JanitorRun, 1)
	a := newApp(t, cfg, Options{Janitor: &JanitorControl{
		Tick: tick,
		Now:  func() time.Time { mu.Lock(); defer mu.Unlock(); return now },
		Ran:  func(r JanitorRun) { ran <- r },
	}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Run(t.Context(), ln); err != nil {
		t.Fatal(err)
	}
	<-ran // the run at start
	runAt := func(d time.Duration) JanitorRun {
		mu.Lock()
		now = start.Add(d)
		mu.Unlock()
		tick <- struct{}{}
		return <-ran
	}

	secret, k := apikey.New("janitor", time.Now())
	if err := a.Store.CreateAPIKey(t.Context(), k); err != nil {
		t.Fatal(err)
	}
	x := &surfaces{t: t, url: a.URL(), secret: secret, version: version}
	create := createBody(version, 1)
	r := x.rest("/checkout_sessions", "abandon-1", create)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	abandoned := field(t, r.body, "id")
	r = x.rest("/checkout_sessions", "paid-1", create)
	paid := field(t, r.body, "id")
	pay := completeBody(version, x.token(paid, totalOf(t, r.body)))
	if r := x.rest("/checkout_sessions/"+paid+"/complete", "paid-complete", pay); r.status != http.StatusOK || field(t, r.body, "order", "id") == "" {
		t.Fatalf("complete: %d %s", r.status, r.body)
	}

	// Expired (the TTL is a minute) but not yet for session_retention.
	if got := runAt(90 * time.Second); got.AbandonedSessions != 0 {
		t.Fatalf("run within the retention deleted %d sessions", got.AbandonedSessions)
	}
	if r := x.do(http.MethodGet, "/checkout_sessions/"+abandoned, "", nil); r.status != http.StatusOK {
		t.Fatalf("abandoned session within the retention: %d %s", r.status, r.body)
	}

	// Past the retention, but its create's idempotency record (whose
	// scope names no session, so it cannot go with it) is kept 24 h: the
	// session waits for it, so that a replayed create never answers with
	// a deleted session.
	if got := runAt(3 * time.Minute); got.AbandonedSessions != 0 {
		t.Fatalf("run while the create's record is kept deleted %d sessions", got.AbandonedSessions)
	}
	if r := x.rest("/checkout_sessions", "abandon-1", create); r.header.Get("Idempotent-Replayed") != "true" || field(t, r.body, "id") != abandoned {
		t.Fatalf("create replay: %d %v %s", r.status, r.header, r.body)
	}
	if r := x.do(http.MethodGet, "/checkout_sessions/"+abandoned, "", nil); r.status != http.StatusOK {
		t.Fatalf("the replayed session: %d %s, want it still there", r.status, r.body)
	}

	got := runAt(24*time.Hour + 2*time.Minute)
	if got.AbandonedSessions != 1 || got.IdempotencyRecords == 0 {
		t.Fatalf("run after a day deleted %+v, want the unpaid session and the expired records", got)
	}
	if r := x.do(http.MethodGet, "/checkout_sessions/"+abandoned, "", nil); r.status != http.StatusNotFound {
		t.Fatalf("abandoned session after the janitor: %d %s, want 404", r.status, r.body)
	}
	r = x.rest("/checkout_sessions", "abandon-1", create)
	if r.status != http.StatusCreated || r.header.Get("Idempotent-Replayed") != "" || field(t, r.body, "id") == abandoned {
		t.Fatalf("create again with the deleted session's key: %d %v %s", r.status, r.header, r.body)
	}
	// The paid session stays.
	if r := x.do(http.MethodGet, "/checkout_sessions/"+paid, "", nil); r.status != http.StatusOK || field(t, r.body, "status") != "completed" {
		t.Fatalf("paid session after the janitor: %d %s", r.status, r.body)
	}
	// A day later the new unpaid session goes too, and the paid one still
	// stays.
	if got := runAt(48 * time.Hour); got.AbandonedSessions != 1 {
		t.Fatalf("a later run deleted %d sessions, want 1 (the new unpaid one)", got.AbandonedSessions)
	}
	if r := x.do(http.MethodGet, "/checkout_sessions/"+paid, "", nil); r.status != http.StatusOK {
		t.Fatalf("paid session after two days: %d %s", r.status, r.body)
	}
}
