package conformance

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"agentshop/internal/acpclient"
)

// strict reports whether the version has 2026-04-17's idempotency rules:
// Idempotency-Key required on every POST (400 without), 422 for a
// different body, 409 + Retry-After while in flight. 2025-09-29 makes the
// key optional and answers a different body with 409.
func (r *runner) strict() bool { return r.v >= acpclient.Version20260417 }

// idempotencyChecks runs every idempotency case of the version (ACP §6,
// research §3.6 and §5.6).
func (r *runner) idempotencyChecks(ctx context.Context) {
	const g = "idempotency"
	if r.strict() {
		r.run(ctx, g, "POST without key → 400 idempotency_key_required", func(ctx context.Context, c *Case) {
			_, resp, err := r.c.CreateSession(ctx, r.createBody(r.cfg.Item), acpclient.WithIdempotencyKey(""))
			r.expectError(c, "create without key", http.StatusBadRequest, resp, err, "idempotency_key_required")
			s := r.create(ctx, c)
			if s == nil {
				return
			}
			_, resp, err = r.c.CancelSession(ctx, s.ID, nil, acpclient.WithIdempotencyKey(""))
			r.expectError(c, "cancel without key", http.StatusBadRequest, resp, err, "idempotency_key_required")
			if got, resp, err := r.c.GetSession(ctx, s.ID); r.expectSession(c, "get", http.StatusOK, got, resp, err) != nil && got.Status == "canceled" {
				c.Errorf("the cancel without a key was rejected but canceled the session anyway")
			}
		})
	} else {
		r.run(ctx, g, "POST without key is accepted", func(ctx context.Context, c *Case) {
			s, resp, err := r.c.CreateSession(ctx, r.createBody(r.cfg.Item), acpclient.WithIdempotencyKey(""))
			r.expectSession(c, "create without key", http.StatusCreated, s, resp, err)
		})
	}

	r.run(ctx, g, "replay create → same status and body", func(ctx context.Context, c *Case) {
		key := acpclient.NewUUID()
		body := r.createBody(r.cfg.Item)
		first, resp1, err := r.c.CreateSession(ctx, body, acpclient.WithIdempotencyKey(key))
		if r.expectSession(c, "create", 0, first, resp1, err) == nil {
			return
		}
		again, resp2, err := r.c.CreateSession(ctx, body, acpclient.WithIdempotencyKey(key))
		if r.expectSession(c, "replay", resp1.Status, again, resp2, err) == nil {
			return
		}
		r.checkReplay(c, resp1, resp2)
	})

	r.run(ctx, g, "replay update → same status and body", func(ctx context.Context, c *Case) {
		s := r.create(ctx, c)
		if s == nil {
			return
		}
		key := acpclient.NewUUID()
		first, resp1, err := r.c.UpdateSession(ctx, s.ID, r.addressBody(), acpclient.WithIdempotencyKey(key))
		if r.expectSession(c, "update", http.StatusOK, first, resp1, err) == nil {
			return
		}
		again, resp2, err := r.c.UpdateSession(ctx, s.ID, r.addressBody(), acpclient.WithIdempotencyKey(key))
		if r.expectSession(c, "replay", http.StatusOK, again, resp2, err) == nil {
			return
		}
		r.checkReplay(c, resp1, resp2)
	})

	r.run(ctx, g, "replay cancel → original 200, not 405", func(ctx context.Context, c *Case) {
		s := r.create(ctx, c)
		if s == nil {
			return
		}
		key := acpclient.NewUUID()
		first, resp1, err := r.c.CancelSession(ctx, s.ID, nil, acpclient.WithIdempotencyKey(key))
		if r.expectSession(c, "cancel", http.StatusOK, first, resp1, err) == nil {
			return
		}
		again, resp2, err := r.c.CancelSession(ctx, s.ID, nil, acpclient.WithIdempotencyKey(key))
		if r.expectSession(c, "replay", http.StatusOK, again, resp2, err) == nil {
			return
		}
		r.checkReplay(c, resp1, resp2)
	})

	conflict, conflictCode := http.StatusConflict, "409"
	if r.strict() {
		conflict, conflictCode = http.StatusUnprocessableEntity, "422"
	}
	r.run(ctx, g, "same key, other body → "+conflictCode+" idempotency_conflict", func(ctx context.Context, c *Case) {
		key := acpclient.NewUUID()
		if s, resp, err := r.c.CreateSession(ctx, r.createBody(r.cfg.Item), acpclient.WithIdempotencyKey(key)); r.expectSession(c, "create", 0, s, resp, err) == nil {
			return
		}
		other := r.createBody(r.cfg.Item, r.cfg.Item)
		_, resp, err := r.c.CreateSession(ctx, other, acpclient.WithIdempotencyKey(key))
		r.expectError(c, "create with another body", conflict, resp, err, "idempotency_conflict")
	})

	r.run(ctx, g, "same key on another endpoint is independent", func(ctx context.Context, c *Case) {
		key := acpclient.NewUUID()
		s, resp, err := r.c.CreateSession(ctx, r.createBody(r.cfg.Item), acpclient.WithIdempotencyKey(key))
		if s = r.expectSession(c, "create", 0, s, resp, err); s == nil {
			return
		}
		next, resp, err := r.c.UpdateSession(ctx, s.ID, r.addressBody(), acpclient.WithIdempotencyKey(key))
		if next = r.expectSession(c, "update with the create's key", http.StatusOK, next, resp, err); next == nil {
			return
		}
		if resp.Replayed() {
			c.Errorf("the update was answered as a replay of the create")
		}
		if next.FulfillmentAddress == nil {
			c.Errorf("the update did not take effect (no address)")
		}
		s2 := r.create(ctx, c)
		if s2 == nil {
			return
		}
		other, resp, err := r.c.UpdateSession(ctx, s2.ID, r.addressBody(), acpclient.WithIdempotencyKey(key))
		if other = r.expectSession(c, "same key, same body, another session", http.StatusOK, other, resp, err); other != nil && other.ID != s2.ID {
			c.Errorf("updating session %s answered with session %s", s2.ID, other.ID)
		}
	})

	var inFlight []concurrentResult
	r.run(ctx, g, "concurrent same key → one effect", func(ctx context.Context, c *Case) {
		// Up to three rounds of eight concurrent creates under one key
		// each, until one request overlaps another in flight.
		for round := 0; round < 3 && len(inFlight) == 0 && !c.failed; round++ {
			resps := r.concurrentCreates(ctx, 8)
			ids := map[string]bool{}
			fresh := 0
			for i, x := range resps {
				switch {
				case x.resp == nil:
					c.Errorf("request %d: %v", i, x.err)
				case x.resp.Status == http.StatusConflict:
					inFlight = append(inFlight, x)
					r.expectError(c, "concurrent create", http.StatusConflict, x.resp, x.err)
				default:
					if s := r.expectSession(c, "concurrent create", 0, x.s, x.resp, x.err); s != nil {
						ids[s.ID] = true
						if !x.resp.Replayed() {
							fresh++
						}
					}
				}
			}
			if len(ids) > 1 {
				c.Errorf("8 concurrent creates with one key made %d sessions", len(ids))
				return
			}
			if r.strict() && fresh > 1 {
				c.Errorf("%d of 8 concurrent creates with one key were answered without Idempotent-Replayed", fresh)
			}
		}
		c.Logf("%d in-flight 409s", len(inFlight))
	})

	r.run(ctx, g, "in flight → 409 + Retry-After", func(ctx context.Context, c *Case) {
		if !r.strict() {
			c.Skipf("2025-09-29 defines no answer for a request still in flight")
			return
		}
		if len(inFlight) == 0 {
			// A sandbox that scripts a slow card holds a complete open
			// for long enough to retry it for sure.
			inFlight = r.slowComplete(ctx, c)
			if c.skipped || c.failed {
				return
			}
		}
		if len(inFlight) == 0 {
			// Creates are quick; a complete waits for the payment provider,
			// which leaves a wider window.
			inFlight = r.concurrentCompletes(ctx, c, 8)
			if c.skipped || c.failed {
				return
			}
		}
		if len(inFlight) == 0 {
			c.Skipf("could not provoke an in-flight request: every concurrent create and complete finished before the next arrived, and the slow test card %s was not slow", cardSlow)
			return
		}
		for _, x := range inFlight {
			e := r.expectError(c, "in-flight create", http.StatusConflict, x.resp, x.err, "idempotency_in_flight")
			if e == nil {
				continue
			}
			if n, err := strconv.Atoi(e.RetryAfter); err != nil || n < 0 {
				c.Errorf("Retry-After %q, want a non-negative number of seconds", e.RetryAfter)
			}
		}
	})
}

// checkReplay compares a replay with the original answer: same status,
// same body, and (2026-04-17) Idempotent-Replayed: true.
func (r *runner) checkReplay(c *Case, first, again *acpclient.Response) {
	if again.Status != first.Status {
		c.Errorf("replay status %d, the original was %d", again.Status, first.Status)
	}
	if !jsonEqual(first.Body, again.Body) {
		c.Errorf("the replay's body differs from the original's")
	}
	if !again.Replayed() {
		if r.strict() {
			c.Errorf("the replay has no Idempotent-Replayed: true header")
		} else {
			c.Logf("no Idempotent-Replayed header (2025-09-29 does not define it)")
		}
	}
}

// concurrentResult is one answer of concurrentCreates.
type concurrentResult struct {
	s    *acpclient.Session
	resp *acpclient.Response
	err  error
}

// concurrentCreates sends n identical creates with one key at once.
func (r *runner) concurrentCreates(ctx context.Context, n int) []concurrentResult {
	key := acpclient.NewUUID()
	body := r.createBody(r.cfg.Item)
	out := make([]concurrentResult, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			s, resp, err := r.c.CreateSession(ctx, body, acpclient.WithIdempotencyKey(key))
			out[i] = concurrentResult{s, resp, err}
		})
	}
	close(start)
	wg.Wait()
	return out
}

// slowComplete completes a session with the slow test card and, while
// that charge runs, sends the same complete with the same key again. It
// returns the answer that is a 409: the retry's, or the first's when the
// retry reached a loaded merchant first and ran the charge; nil when the
// merchant's sandbox does not script the card (the first complete was
// over first).
func (r *runner) slowComplete(ctx context.Context, c *Case) []concurrentResult {
	s, tok := r.tokenForReadySession(ctx, c, cardSlow)
	if tok == "" {
		return nil
	}
	key := acpclient.NewUUID()
	body := r.completeBody(c, s, tok)
	first := make(chan concurrentResult, 1)
	go func() {
		done, resp, err := r.c.CompleteSession(ctx, s.ID, body, acpclient.WithIdempotencyKey(key))
		first <- concurrentResult{done, resp, err}
	}()
	// The slow card takes seconds; the first request has claimed its key
	// well before this.
	select {
	case x := <-first:
		r.expectSession(c, "complete with the slow card", http.StatusOK, x.s, x.resp, x.err)
		c.Logf("the complete with card %s was over within %s: the merchant does not script it as slow", cardSlow, slowRetryAfter)
		return nil
	case <-time.After(slowRetryAfter):
	}
	done, resp, err := r.c.CompleteSession(ctx, s.ID, body, acpclient.WithIdempotencyKey(key))
	retry := concurrentResult{done, resp, err}
	x := <-first
	if x.resp != nil && x.resp.Status == http.StatusConflict && retry.resp != nil && retry.resp.Status == http.StatusOK {
		// A loaded merchant took longer than slowRetryAfter to claim the
		// key for the first request: the retry claimed it and charged,
		// and the first, arriving second, is the one in flight's 409.
		r.expectSession(c, "same-key retry that overtook the first complete", http.StatusOK, retry.s, retry.resp, retry.err)
		c.Logf("the same-key retry %s into the slow complete was claimed first; the first complete was answered 409", slowRetryAfter)
		return []concurrentResult{x}
	}
	r.expectSession(c, "complete with the slow card", http.StatusOK, x.s, x.resp, x.err)
	if retry.resp != nil && retry.resp.Status == http.StatusConflict {
		c.Logf("a same-key retry %s into a slow complete was answered 409", slowRetryAfter)
		return []concurrentResult{retry}
	}
	if retry.resp == nil {
		c.Errorf("same-key retry during a slow complete: %v", retry.err)
		return nil
	}
	if retry.resp.Status == http.StatusOK {
		// The first complete was over by the time the retry arrived.
		c.Logf("the same-key retry %s into the slow complete was a replay: the merchant does not script card %s as slow", slowRetryAfter, cardSlow)
		return nil
	}
	c.Errorf("same-key retry %s into a complete still charging the slow card: HTTP %d, want 409 idempotency_in_flight", slowRetryAfter, retry.resp.Status)
	return nil
}

// concurrentCompletes pays a ready session with n identical completes
// under one key at once. It fails c when they charged twice or made two
// orders, and returns the 409 answers.
func (r *runner) concurrentCompletes(ctx context.Context, c *Case, n int) []concurrentResult {
	s, tok := r.tokenForReadySession(ctx, c, cardSucceeds)
	if tok == "" {
		return nil
	}
	key := acpclient.NewUUID()
	body := r.completeBody(c, s, tok)
	out := make([]concurrentResult, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			done, resp, err := r.c.CompleteSession(ctx, s.ID, body, acpclient.WithIdempotencyKey(key))
			out[i] = concurrentResult{done, resp, err}
		})
	}
	close(start)
	wg.Wait()
	var conflicts []concurrentResult
	orders := map[string]bool{}
	for i, x := range out {
		switch {
		case x.resp == nil:
			c.Errorf("complete %d: %v", i, x.err)
		case x.resp.Status == http.StatusConflict:
			conflicts = append(conflicts, x)
		default:
			if done := r.expectSession(c, "concurrent complete", http.StatusOK, x.s, x.resp, x.err); done != nil && done.Order != nil {
				orders[done.Order.ID] = true
			}
		}
	}
	if len(orders) > 1 {
		c.Errorf("%d concurrent completes with one key made %d orders", n, len(orders))
	}
	return conflicts
}
