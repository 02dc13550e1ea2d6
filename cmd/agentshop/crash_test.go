package main

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"agentshop/internal/acpclient"
	"agentshop/internal/catalog"
)

// Leases of the crash tests' servers. The payment lease is how long a
// killed complete's attempt blocks re-driving; the in-flight lease is how
// long its Idempotency-Key answers 409 idempotency_in_flight. The tests
// wait them out, so they are short; the in-flight one is longer than the
// payment lease, as in production, and long enough that a restart usually
// fits in it (when it does not, the test says so and checks the rest).
const (
	crashPaymentLease = 300 * time.Millisecond
	crashInFlight     = time.Second
)

// crashCase is one kill -9 scenario of complete.
type crashCase struct {
	fault   string // AGENTSHOP_FAULT
	version string
	card    string // the card delegated for the complete that dies
}

// TestCrashComplete kills `agentshop serve` with SIGKILL at each fault
// point of complete (binary built with -tags faultinject), restarts it on
// the same database without the fault and retries as an agent would: the
// same Idempotency-Key first, then new keys until the session is done.
// It checks that the session was charged once, has one order, that the
// vault token was redeemed once, and that stock moved once; for a card
// that declines, that the session ends cleanly payable and a second card
// completes it.
func TestCrashComplete(t *testing.T) {
	bin := buildFaultBinary(t)
	cases := []crashCase{
		{fault: "before_provider", version: acpclient.Version20260417, card: cardOK},
		{fault: "after_provider", version: acpclient.Version20250929, card: cardOK},
		{fault: "after_commit", version: acpclient.Version20260417, card: cardOK},
		{fault: "after_provider", version: acpclient.Version20260417, card: cardDecline},
	}
	for _, name := range backendNames() {
		for _, tc := range cases {
			label := name + "/" + tc.fault + "/" + tc.version
			if tc.card == cardDecline {
				label += "/declined"
			}
			t.Run(label, func(t *testing.T) {
				t.Parallel()
				testCrash(t, bin, newBackend(t, name), tc)
			})
		}
	}
}

func testCrash(t *testing.T, bin string, b backend, tc crashCase) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	dir := t.TempDir()
	cfg := leaseConfig(t, dir, crashPaymentLease, crashInFlight)
	initial := catalog.Demo().InitialStock()[procItem]

	// 1. A ready session and a vault token, then a complete that kills
	// the server at the fault point.
	srv := launch(t, bin, dir, "serve-1.log", b, []string{"AGENTSHOP_FAULT=" + tc.fault}, "--config", cfg)
	c := newClient(srv.url, tc.version)
	s := readySession(ctx, t, c)
	token := delegateCard(ctx, t, c, s, tc.card)
	body := completeBody(t, c, s, token)
	key1 := acpclient.NewUUID()
	sent := time.Now()
	if got, resp, err := c.CompleteSession(ctx, s.ID, body, acpclient.WithIdempotencyKey(key1)); err == nil || resp != nil {
		t.Fatalf("complete answered through the fault point: %v %s", err, describe(got))
	}
	// The killed complete claimed key1, and its payment attempt unless the
	// fault came first, after sent and before killed: their leases end
	// no earlier than sent + the lease and no later than killed + it.
	killed := srv.waitKilled(t)

	// 2. Restart without the fault on the same database.
	srv = launch(t, bin, dir, "serve-2.log", b, nil, "--config", cfg)
	c = newClient(srv.url, tc.version)

	// 3. The agent retries with the same key.
	got, resp, err := c.CompleteSession(ctx, s.ID, body, acpclient.WithIdempotencyKey(key1))
	answered := time.Since(sent)
	// key1Answer is key1's stored answer when this retry ran the complete
	// itself: later requests under key1 replay it.
	var key1Answer *acpclient.Response
	switch {
	case tc.fault == "after_commit":
		// The response was stored with the order: a replay.
		if err != nil {
			t.Fatalf("same-key retry after the commit: %v", err)
		}
		if !resp.Replayed() || got.Status != "completed" || got.Order == nil {
			t.Fatalf("same-key retry after the commit: replayed=%v %s", resp.Replayed(), describe(got))
		}
	case answered < crashInFlight-time.Millisecond:
		// Answered before the killed request's claim on the key could
		// have ended (the database keeps microseconds): still leased.
		if code := apiCode(err, http.StatusConflict); code != "idempotency_in_flight" {
			t.Fatalf("same-key retry within the in-flight lease: %v %s, want 409 idempotency_in_flight", err, describe(got))
		}
	case err == nil:
		// The restart outlasted both leases: this retry re-drove the
		// attempt itself.
		t.Logf("restart took %s, longer than the in-flight lease; the same-key retry re-drove the attempt: %s", answered, describe(got))
		key1Answer = resp
	default:
		t.Logf("restart took %s, longer than the in-flight lease; same-key retry answered %v", answered, err)
	}

	// 4. Then with a new key once the payment lease has passed: the
	// attempt is re-driven (the same provider key: no second charge).
	// Before that, new keys are answered 409 in_progress.
	if key1Answer == nil {
		waitPast(killed.Add(crashPaymentLease))
		if got, resp, err = c.CompleteSession(ctx, s.ID, body); err != nil {
			t.Fatalf("new-key complete after the payment lease: %v", err)
		}
		t.Logf("new-key retry after the payment lease: %s", describe(got))
	}
	var token2 string
	if tc.card == cardDecline {
		// The re-driven attempt declined: the session is payable again,
		// its stock released; a second card pays it.
		if got.Status != "ready_for_payment" || got.Order != nil || !got.HasMessage("payment_declined") {
			t.Fatalf("after a re-driven decline: %s, want ready_for_payment with payment_declined", describe(got))
		}
		checkStockLevel(ctx, t, b, initial) // nothing held while payable
		token2 = delegateCard(ctx, t, c, got, cardOK)
		// Nothing is leased after a decline: it completes at once.
		if got, resp, err = c.CompleteSession(ctx, s.ID, completeBody(t, c, got, token2)); err != nil {
			t.Fatalf("complete with a second card: %v", err)
		}
	}
	if got.Status != "completed" || got.Order == nil {
		t.Fatalf("retry: %s, want completed with an order", describe(got))
	}
	order := got.Order.ID

	// 5. Its replay, and the first key once its in-flight lease has
	// passed, answer the same order; so does GET.
	lastBody := body
	if tc.card == cardDecline {
		lastBody = completeBody(t, c, s, token2)
	}
	again, resp2, err := c.CompleteSession(ctx, s.ID, lastBody, acpclient.WithIdempotencyKey(resp.IdempotencyKey))
	if err != nil || !resp2.Replayed() || !bytes.Equal(resp2.Body, resp.Body) {
		t.Errorf("replay of the completing key: %v replayed=%v %s", err, resp2 != nil && resp2.Replayed(), describe(again))
	}
	waitPast(killed.Add(crashInFlight))
	if key1Answer != nil && tc.card == cardDecline {
		// key1 ran the declined re-drive in step 3: it replays that.
		again, resp2, err = c.CompleteSession(ctx, s.ID, body, acpclient.WithIdempotencyKey(key1))
		if err != nil || !resp2.Replayed() || !bytes.Equal(resp2.Body, key1Answer.Body) {
			t.Errorf("first key after its lease: %v replayed=%v %s, want a replay of its declined answer", err, resp2 != nil && resp2.Replayed(), describe(again))
		}
	} else {
		again, _, err = c.CompleteSession(ctx, s.ID, body, acpclient.WithIdempotencyKey(key1))
		if err != nil || again.Status != "completed" || again.Order == nil || again.Order.ID != order {
			t.Errorf("first key after its lease: %v %s, want completed with %s", err, describe(again), order)
		}
	}
	again, _, err = c.GetSession(ctx, s.ID)
	if err != nil || again.Status != "completed" || again.Order == nil || again.Order.ID != order {
		t.Errorf("get: %v %s, want completed with %s", err, describe(again), order)
	}
	srv.stop(t)

	// 6. The store: one charge, one order, one redemption, stock once.
	st := b.open(t)
	defer st.Close()
	pay := checkOneCharge(t, st, s.ID, initial)
	if tc.card == cardDecline {
		checkToken(t, st, token, "")
		checkToken(t, st, token2, pay.IdempotencyKey)
		if pay.Attempt != 2 {
			t.Errorf("succeeded attempt %d, want 2 (after the declined one)", pay.Attempt)
		}
	} else {
		checkToken(t, st, token, pay.IdempotencyKey)
		if pay.Attempt != 1 {
			t.Errorf("succeeded attempt %d, want 1 (the re-driven one)", pay.Attempt)
		}
	}
}

// checkStockLevel checks the item's stock while the server runs. SQLite
// in WAL mode and PostgreSQL both allow a second reader.
func checkStockLevel(ctx context.Context, t *testing.T, b backend, want int64) {
	t.Helper()
	st := b.open(t)
	defer st.Close()
	levels, err := st.StockLevels(ctx, []string{procItem})
	if err != nil {
		t.Fatal(err)
	}
	if levels[procItem] != want {
		t.Errorf("stock of %s = %d while the session is payable, want %d", procItem, levels[procItem], want)
	}
}
