package conformance

import (
	"context"
	"net/http"

	"agentshop/internal/acpclient"
)

// paymentChecks runs, when the merchant hosts a sandbox delegate_payment
// endpoint: delegation, complete twice without a second charge, and the
// allowance rules a token must be redeemed within (ACP delegate payment
// §3.8/§6: amount, session, single use), plus the test cards: a decline
// is a 200 session with a payment_declined message that stays payable.
func (r *runner) paymentChecks(ctx context.Context) {
	const g = "payment"
	r.run(ctx, g, "delegate_payment → 201 token", func(ctx context.Context, c *Case) {
		if _, tok := r.tokenForReadySession(ctx, c, cardSucceeds); tok != "" {
			c.Logf("token %s", tok)
		}
	})

	r.run(ctx, g, "complete twice → one order, no second charge", func(ctx context.Context, c *Case) {
		s, tok := r.tokenForReadySession(ctx, c, cardSucceeds)
		if tok == "" {
			return
		}
		key := acpclient.NewUUID()
		body := r.completeBody(c, s, tok)
		done, resp1, err := r.c.CompleteSession(ctx, s.ID, body, acpclient.WithIdempotencyKey(key))
		if done = r.expectSession(c, "complete", http.StatusOK, done, resp1, err); done == nil {
			return
		}
		if done.Status != "completed" || done.Order == nil {
			c.Errorf("complete: session is %s (messages: %s), want completed with an order", done.Status, messagesText(done))
			return
		}
		// The same request under the same key: the stored answer.
		again, resp2, err := r.c.CompleteSession(ctx, s.ID, body, acpclient.WithIdempotencyKey(key))
		if r.expectSession(c, "replay complete", http.StatusOK, again, resp2, err) != nil {
			r.checkReplay(c, resp1, resp2)
		}
		// A new key: a new request, which must not charge again.
		third, resp3, err := r.c.CompleteSession(ctx, s.ID, body)
		switch {
		case resp3 == nil:
			c.Errorf("complete with a new key: %v", err)
		case resp3.Status >= 400 && resp3.Status < 500:
			r.expectError(c, "complete with a new key", resp3.Status, resp3, err)
			c.Logf("complete with a new key: HTTP %d", resp3.Status)
		default:
			if third = r.expectSession(c, "complete with a new key", http.StatusOK, third, resp3, err); third != nil {
				if third.Order == nil || third.Order.ID != done.Order.ID {
					c.Errorf("completing a completed session again answered order %v, the first complete made %s", orderID(third), done.Order.ID)
				}
			}
		}
	})

	r.run(ctx, g, "allowance: amount above max_amount → declined", func(ctx context.Context, c *Case) {
		if !r.canPay(ctx, c) {
			return
		}
		s := r.readySession(ctx, c)
		if s == nil {
			return
		}
		total, _ := s.Total()
		tok := r.delegate(ctx, c, s, delegation{card: cardSucceeds, maxAmount: total - 1, sessionID: s.ID})
		if tok != "" {
			r.expectDeclined(ctx, c, s, tok, "")
		}
	})

	r.run(ctx, g, "allowance: token for another session → declined", func(ctx context.Context, c *Case) {
		if !r.canPay(ctx, c) {
			return
		}
		s, other := r.readySession(ctx, c), r.readySession(ctx, c)
		if s == nil || other == nil {
			return
		}
		total, _ := other.Total()
		tok := r.delegate(ctx, c, other, delegation{card: cardSucceeds, maxAmount: total, sessionID: other.ID})
		if tok != "" {
			r.expectDeclined(ctx, c, s, tok, "")
		}
	})

	r.run(ctx, g, "allowance: spent token reused → declined", func(ctx context.Context, c *Case) {
		s, tok := r.tokenForReadySession(ctx, c, cardSucceeds)
		if tok == "" {
			return
		}
		done, resp, err := r.c.CompleteSession(ctx, s.ID, r.completeBody(c, s, tok))
		if done = r.expectSession(c, "complete", http.StatusOK, done, resp, err); done == nil || done.Status != "completed" {
			c.Errorf("the first use of the token did not complete the session")
			return
		}
		if next := r.readySession(ctx, c); next != nil {
			r.expectDeclined(ctx, c, next, tok, "")
		}
	})

	r.run(ctx, g, "card "+cardDeclines+" → payment_declined, stays payable", func(ctx context.Context, c *Case) {
		s, tok := r.tokenForReadySession(ctx, c, cardDeclines)
		if tok == "" || !r.expectDeclined(ctx, c, s, tok, "payment_declined") {
			return
		}
		if done, _ := r.pay(ctx, c, s); done != nil {
			c.Logf("then %s paid: order %s", cardSucceeds, done.Order.ID)
		}
	})
}

// expectDeclined completes s with tok and expects no charge: a 2xx
// session that is not completed and carries an error message (code, when
// given), or a 4xx error. Afterwards the session must still be
// ready_for_payment. It reports whether the decline looked right.
func (r *runner) expectDeclined(ctx context.Context, c *Case, s *acpclient.Session, tok, code string) bool {
	before := c.fails
	got, resp, err := r.c.CompleteSession(ctx, s.ID, r.completeBody(c, s, tok))
	switch {
	case resp == nil:
		c.Errorf("complete: %v", err)
		return false
	case resp.Status >= 400 && resp.Status < 500 && code == "":
		r.expectError(c, "complete", resp.Status, resp, err)
		c.Logf("declined with HTTP %d", resp.Status)
	default:
		if got = r.expectSession(c, "complete", http.StatusOK, got, resp, err); got == nil {
			return false
		}
		if got.Status == "completed" || got.Order != nil {
			c.Errorf("the session was completed (order %s): the token should have been declined", orderID(got))
			return false
		}
		switch {
		case code != "" && !got.HasMessage(code):
			c.Errorf("no MessageError %s (messages: %s)", code, messagesText(got))
		case len(got.ErrorMessages()) == 0:
			c.Errorf("no error message says why the payment failed")
		default:
			c.Logf("declined: %s", messagesText(got))
		}
		if got.Status != "ready_for_payment" {
			c.Errorf("status %s after a decline, want ready_for_payment", got.Status)
		}
	}
	if after, resp, err := r.c.GetSession(ctx, s.ID); r.expectSession(c, "get after decline", http.StatusOK, after, resp, err) != nil && after.Status != "ready_for_payment" {
		c.Errorf("get after the decline: status %s, want ready_for_payment", after.Status)
	}
	return c.fails == before
}

func orderID(s *acpclient.Session) string {
	if s == nil || s.Order == nil {
		return "none"
	}
	return s.Order.ID
}

// tokenForReadySession makes a ready session and a sandbox token of card
// for its whole total. It returns tok == "" (the case already recorded
// why) when the merchant has no sandbox or either step failed.
func (r *runner) tokenForReadySession(ctx context.Context, c *Case, card string) (s *acpclient.Session, tok string) {
	if !r.canPay(ctx, c) {
		return nil, ""
	}
	if s = r.readySession(ctx, c); s == nil {
		return nil, ""
	}
	total, _ := s.Total()
	return s, r.delegate(ctx, c, s, delegation{card: card, maxAmount: total, sessionID: s.ID})
}
