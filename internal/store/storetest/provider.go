package storetest

import (
	"context"
	"errors"
	"sync"
	"time"

	"agentshop/internal/commerce"
)

// provider is a [commerce.PaymentProvider] that keeps to the idempotency
// contract: the first call with a key decides the outcome, later calls with
// that key return it again without charging. It counts calls and charges
// per key.
type provider struct {
	// delay is how long each call takes, so concurrent completes overlap it.
	delay time.Duration
	// lose, when positive, is how many calls charge but then fail with an
	// error, as if the answer was lost on the way back.
	lose int

	// refuse makes refunds refused; loseRefunds, when positive, is how
	// many refunds are made but answered with an error.
	refuse      bool
	loseRefunds int

	// facilitator is reported on successful charges.
	facilitator *commerce.Facilitator

	mu       sync.Mutex
	calls    map[string]int
	outcomes map[string]commerce.ChargeResult
	refunds  map[string]commerce.RefundRequest // by idempotency key, made ones only
	rcalls   map[string]int
}

// declineToken is the token that the provider declines.
const declineToken = "tok_decline"

var errLost = errors.New("provider: connection reset")

func (p *provider) Name() string { return "storetest" }

func (p *provider) LiveMode() bool { return false }

func (p *provider) Charge(ctx context.Context, req commerce.ChargeRequest) (commerce.ChargeResult, error) {
	time.Sleep(p.delay)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.calls == nil {
		p.calls = map[string]int{}
		p.outcomes = map[string]commerce.ChargeResult{}
	}
	p.calls[req.IdempotencyKey]++
	res, seen := p.outcomes[req.IdempotencyKey]
	if !seen {
		res = commerce.ChargeResult{Outcome: commerce.ChargeSucceeded, Reference: "ch_" + req.IdempotencyKey, Facilitator: p.facilitator}
		if req.Token == declineToken {
			res = commerce.ChargeResult{Outcome: commerce.ChargeDeclined, DeclineCode: "generic_decline", Message: "Declined."}
		}
		p.outcomes[req.IdempotencyKey] = res
	}
	if p.lose > 0 {
		p.lose--
		return commerce.ChargeResult{}, errLost
	}
	return res, nil
}

// Refund keeps to the Refunder contract: the first call with a key
// decides, later ones return the same result without refunding again.
func (p *provider) Refund(ctx context.Context, req commerce.RefundRequest) (commerce.RefundResult, error) {
	time.Sleep(p.delay)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.refunds == nil {
		p.refunds = map[string]commerce.RefundRequest{}
		p.rcalls = map[string]int{}
	}
	p.rcalls[req.IdempotencyKey]++
	if p.refuse {
		return commerce.RefundResult{Refused: true, Message: "Charge is disputed."}, nil
	}
	p.refunds[req.IdempotencyKey] = req
	if p.loseRefunds > 0 {
		p.loseRefunds--
		return commerce.RefundResult{}, errLost
	}
	return commerce.RefundResult{Reference: "re_" + req.IdempotencyKey}, nil
}

// refunded returns the amount refunded in total and the calls per key.
func (p *provider) refunded() (total int64, calls map[string]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	calls = map[string]int{}
	for k, n := range p.rcalls {
		calls[k] = n
	}
	for _, r := range p.refunds {
		total += r.Amount
	}
	return total, calls
}

// charges returns how many keys were charged successfully and the calls
// made per key.
func (p *provider) charges() (charged int, calls map[string]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	calls = map[string]int{}
	for k, n := range p.calls {
		calls[k] = n
		if p.outcomes[k].Outcome == commerce.ChargeSucceeded {
			charged++
		}
	}
	return charged, calls
}

// clock is a settable time source for [commerce.Service.Now].
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
