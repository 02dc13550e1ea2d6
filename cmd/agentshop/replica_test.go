package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"agentshop/internal/acpclient"
	"agentshop/internal/commerce"
	"agentshop/internal/webhook/webhooktest"
)

// TestReplicas runs two `agentshop serve` processes on one PostgreSQL
// schema, with the agent alternating between them, and checks that the
// database alone makes them one merchant: concurrent completes of one
// session across both charge once, idempotent responses replay from
// either, a key in flight on one is in flight on the other, and a
// complete orphaned by a replica killed mid-payment is finished by a
// survivor without a second charge, and both replicas' webhook workers,
// sharing one outbox, deliver each order's webhook exactly once.
func TestReplicas(t *testing.T) {
	if os.Getenv("AGENTSHOP_TEST_POSTGRES_URL") == "" {
		t.Skip("multi-replica tests need PostgreSQL: AGENTSHOP_TEST_POSTGRES_URL not set; e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	bin := buildFaultBinary(t)
	b := newBackend(t, "postgres")
	dir := t.TempDir()
	recv := webhooktest.New(t, procWebhookSecret, nil)
	cfg := webhookConfig(t, dir, recv.URL, acpclient.Version20260417)
	// One after the other: two first starts at once on an empty database
	// race to insert AGENTSHOP_AGENT_API_KEY and one exits with a conflict
	// (ensureAPIKey does not treat ErrConflict as "already there").
	a := launch(t, bin, dir, "replica-a.log", b, webhookEnv, "--config", cfg)
	bb := launch(t, bin, dir, "replica-b.log", b, webhookEnv, "--config", cfg)
	replicas := []*server{a, bb}
	client := func(i int) *acpclient.Client {
		return newClient(replicas[i%2].url, acpclient.Version20260417)
	}
	st := b.open(t)
	t.Cleanup(func() { st.Close() })
	stock := func(t *testing.T) int64 {
		t.Helper()
		levels, err := st.StockLevels(t.Context(), []string{procItem})
		if err != nil {
			t.Fatal(err)
		}
		return levels[procItem]
	}

	t.Run("20 concurrent completes across replicas charge once", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		s := readySession(ctx, t, client(0))
		token := delegateCard(ctx, t, client(1), s, cardOK)
		body := completeBody(t, client(0), s, token)
		before := stock(t)

		const n = 20
		type answer struct {
			s    *acpclient.Session
			resp *acpclient.Response
			err  error
		}
		answers := make([]answer, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				s, resp, err := client(i).CompleteSession(ctx, s.ID, body)
				answers[i] = answer{s, resp, err}
			})
		}
		close(start)
		wg.Wait()
		orders := map[string]int{}
		busy := 0
		for i, a := range answers {
			switch {
			case a.err == nil && a.s.Status == "completed" && a.s.Order != nil:
				orders[a.s.Order.ID]++
			case apiCode(a.err, http.StatusConflict) == "in_progress":
				busy++
			default:
				t.Errorf("complete %d on replica %d: %v %s", i, i%2, a.err, describe(a.s))
			}
		}
		t.Logf("%d completed answers over %d order(s), %d × 409 in_progress", n-busy, len(orders), busy)
		if len(orders) != 1 {
			t.Errorf("completed answers name %d orders, want 1: %v", len(orders), orders)
		}
		pay := checkOneCharge(t, st, s.ID, before)
		checkToken(t, st, token, pay.IdempotencyKey)
		for i := range 2 {
			got, _, err := client(i).GetSession(ctx, s.ID)
			if err != nil || got.Status != "completed" {
				t.Errorf("get on replica %d: %v %s", i, err, describe(got))
			}
		}
	})

	t.Run("idempotent replays across replicas", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		// Create on A, replay on B.
		body, err := acpclient.NewCreateRequest(acpclient.Version20260417, acpclient.CreateParams{
			Items: []acpclient.ItemQuantity{{ID: procItem, Quantity: procQuantity}}, Currency: "usd",
		})
		if err != nil {
			t.Fatal(err)
		}
		s, first, err := client(0).CreateSession(ctx, body)
		if err != nil {
			t.Fatal(err)
		}
		_, again, err := client(1).CreateSession(ctx, body, acpclient.WithIdempotencyKey(first.IdempotencyKey))
		checkReplay(t, "create A→B", first, again, err)

		// Update on B, replay on A; a different body under that key on A
		// is a conflict.
		up, err := acpclient.NewUpdateRequest(acpclient.Version20260417, acpclient.UpdateParams{Address: &procAddress, Email: "ada@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		s, first, err = client(1).UpdateSession(ctx, s.ID, up)
		if err != nil {
			t.Fatal(err)
		}
		_, again, err = client(0).UpdateSession(ctx, s.ID, up, acpclient.WithIdempotencyKey(first.IdempotencyKey))
		checkReplay(t, "update B→A", first, again, err)
		other, _ := acpclient.NewUpdateRequest(acpclient.Version20260417, acpclient.UpdateParams{Email: "grace@example.com"})
		if _, _, err := client(0).UpdateSession(ctx, s.ID, other, acpclient.WithIdempotencyKey(first.IdempotencyKey)); apiCode(err, http.StatusUnprocessableEntity) != "idempotency_conflict" {
			t.Errorf("other body under B's key on A: %v, want 422 idempotency_conflict", err)
		}

		// Complete on A, replay on B.
		token := delegateCard(ctx, t, client(0), s, cardOK)
		done, first, err := client(0).CompleteSession(ctx, s.ID, completeBody(t, client(0), s, token))
		if err != nil || done.Status != "completed" {
			t.Fatalf("complete on A: %v %s", err, describe(done))
		}
		_, again, err = client(1).CompleteSession(ctx, s.ID, completeBody(t, client(1), s, token), acpclient.WithIdempotencyKey(first.IdempotencyKey))
		checkReplay(t, "complete A→B", first, again, err)
	})

	t.Run("one key sent concurrently to both replicas runs once", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		s := readySession(ctx, t, client(0))
		token := delegateCard(ctx, t, client(0), s, cardOK)
		body := completeBody(t, client(0), s, token)
		before := stock(t)
		key := acpclient.NewUUID()
		const n = 10
		resps := make([]*acpclient.Response, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				_, resps[i], errs[i] = client(i).CompleteSession(ctx, s.ID, body, acpclient.WithIdempotencyKey(key))
			})
		}
		close(start)
		wg.Wait()
		var ran *acpclient.Response
		replayed, inFlight := 0, 0
		for i := range n {
			switch {
			case errs[i] == nil && !resps[i].Replayed():
				if ran != nil {
					t.Errorf("two requests under one key ran (replica %d too)", i%2)
				}
				ran = resps[i]
			case errs[i] == nil:
				replayed++
			case apiCode(errs[i], http.StatusConflict) == "idempotency_in_flight":
				inFlight++
			default:
				t.Errorf("request %d on replica %d: %v", i, i%2, errs[i])
			}
		}
		t.Logf("1 ran, %d replayed, %d × 409 idempotency_in_flight", replayed, inFlight)
		if ran == nil {
			t.Fatal("no request ran")
		}
		for i := range n {
			if errs[i] == nil && !bytes.Equal(resps[i].Body, ran.Body) {
				t.Errorf("request %d answered another body than the one that ran", i)
			}
		}
		pay := checkOneCharge(t, st, s.ID, before)
		checkToken(t, st, token, pay.IdempotencyKey)
	})

	t.Run("a replica killed mid-payment is taken over by the others", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 40*time.Second)
		defer cancel()
		// C sends no webhooks: killed, it would leave an event it had
		// claimed to be sent twice, which the next subtest rules out.
		cCfg := leaseConfig(t, t.TempDir(), crashPaymentLease, crashInFlight)
		c := launch(t, bin, dir, "replica-c.log", b, []string{"AGENTSHOP_FAULT=before_provider"}, "--config", cCfg)
		cc := newClient(c.url, acpclient.Version20260417)
		s := readySession(ctx, t, client(0))
		token := delegateCard(ctx, t, client(1), s, cardOK)
		body := completeBody(t, cc, s, token)
		before := stock(t)
		key := acpclient.NewUUID()
		sent := time.Now()
		if got, resp, err := cc.CompleteSession(ctx, s.ID, body, acpclient.WithIdempotencyKey(key)); err == nil || resp != nil {
			t.Fatalf("replica C answered through the fault point: %v %s", err, describe(got))
		}
		// C claimed the key and the attempt after sent, before killed.
		killed := c.waitKilled(t)
		// C's claim on the key is seen by B: answered before sent + the
		// in-flight lease, the claim cannot have ended.
		_, _, err := client(1).CompleteSession(ctx, s.ID, body, acpclient.WithIdempotencyKey(key))
		if time.Since(sent) < crashInFlight-time.Millisecond && apiCode(err, http.StatusConflict) != "idempotency_in_flight" {
			t.Errorf("C's key on B: %v, want 409 idempotency_in_flight", err)
		}
		// Once C's payment lease has passed, a new key on A re-drives the
		// attempt (before, A and B answer 409 in_progress).
		waitPast(killed.Add(crashPaymentLease))
		done, _, err := client(0).CompleteSession(ctx, s.ID, body)
		if err != nil {
			t.Fatalf("complete on replica A after C's payment lease: %v", err)
		}
		if done.Status != "completed" || done.Order == nil {
			t.Fatalf("after take-over: %s, want completed", describe(done))
		}
		pay := checkOneCharge(t, st, s.ID, before)
		checkToken(t, st, token, pay.IdempotencyKey)
		if pay.Attempt != 1 {
			t.Errorf("succeeded attempt %d, want 1 (C's, re-driven)", pay.Attempt)
		}
	})

	t.Run("each order webhook is delivered once", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 40*time.Second)
		defer cancel()
		var wg sync.WaitGroup
		// Four more orders, at once (the racket's stock allows that many).
		for i := range 4 {
			wg.Go(func() { buy(ctx, t, client(i)) })
		}
		wg.Wait()
		orders, err := st.ListOrders(ctx, 1000)
		if err != nil {
			t.Fatal(err)
		}
		accepted := recv.WaitAccepted(t, len(orders), 20*time.Second)
		for id := range accepted {
			waitRecorded(t, id, commerce.EventDelivered, a, bb)
		}
		for _, o := range orders {
			events, err := st.ListEvents(ctx, commerce.EventFilter{OrderID: o.ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != 1 || events[0].Status != commerce.EventDelivered || events[0].Attempts != 1 {
				t.Errorf("order %s: outbox %s, want one event delivered on its first attempt", o.ID, describeEvents(events))
				continue
			}
			if n := accepted[events[0].ID]; n != 1 {
				t.Errorf("event %s of order %s delivered %d times, want once", events[0].ID, o.ID, n)
			}
		}
		if len(accepted) != len(orders) {
			t.Errorf("%d events delivered for %d orders", len(accepted), len(orders))
		}
		t.Logf("%d orders, each event delivered once across both replicas", len(orders))
	})

	for _, r := range replicas {
		r.stop(t)
	}
}

// checkReplay checks that again replays first: no error, Idempotent-Replayed,
// the same status and body.
func checkReplay(t *testing.T, what string, first, again *acpclient.Response, err error) {
	t.Helper()
	switch {
	case err != nil:
		t.Errorf("%s: %v", what, err)
	case !again.Replayed():
		t.Errorf("%s: not marked Idempotent-Replayed", what)
	case again.Status != first.Status || !bytes.Equal(again.Body, first.Body):
		t.Errorf("%s: replay %d %s, first %d %s", what, again.Status, again.Body, first.Status, first.Body)
	}
}
