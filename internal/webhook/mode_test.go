package webhook_test

import (
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/webhook"
	"agentshop/internal/webhook/webhooktest"
)

const testSecret = "whsec_test_endpoint"

// TestTestOrdersGoToTheTestEndpoint: a test order's events go to TestURL,
// signed with its own secret, and never to the live URL; live orders and
// orders placed before orders had a mode go to the live URL. Each
// receiver checks the signature with its own secret, so an event signed
// with the other one would be refused.
func TestTestOrdersGoToTheTestEndpoint(t *testing.T) {
	f := newFixture(t)
	test := webhooktest.New(t, testSecret, f.clock.Now)
	_, liveEvents := f.modeOrder(t, commerce.ModeLive, commerce.EventOrderCreate)
	_, legacyEvents := f.modeOrder(t, "", commerce.EventOrderCreate)
	_, testEvents := f.modeOrder(t, commerce.ModeTest, commerce.EventOrderCreate, commerce.EventOrderUpdate)
	w := f.worker(t, func(c *webhook.Config) { c.TestURL, c.TestSecret = test.URL, testSecret })
	deliverDue(t, w, f.ctx, 3) // an order's events go one at a time
	f.clock.Advance(time.Second)
	deliverDue(t, w, f.ctx, 1)

	ids := func(ds []webhooktest.Delivery) map[string]bool {
		m := map[string]bool{}
		for _, d := range ds {
			m[d.RequestID] = true
		}
		return m
	}
	live, tst := ids(f.recv.Deliveries()), ids(test.Deliveries())
	if len(live) != 2 || !live[liveEvents[0].ID] || !live[legacyEvents[0].ID] {
		t.Errorf("live endpoint got %v, want the live and the legacy order's events", live)
	}
	if len(tst) != 2 || !tst[testEvents[0].ID] || !tst[testEvents[1].ID] {
		t.Errorf("test endpoint got %v, want the test order's two events", tst)
	}
	for _, e := range append(append(liveEvents, legacyEvents...), testEvents...) {
		if got := f.event(t, e.ID); got.Status != commerce.EventDelivered {
			t.Errorf("event %s: %+v, want delivered", e.ID, got)
		}
	}
}

// TestTestOrderWithoutTestEndpoint: with no TestURL, a test order's event
// is dead-lettered with the reason, and the live endpoint never sees it.
func TestTestOrderWithoutTestEndpoint(t *testing.T) {
	f := newFixture(t)
	_, events := f.modeOrder(t, commerce.ModeTest, commerce.EventOrderCreate)
	w := f.worker(t, nil)
	deliverDue(t, w, f.ctx, 1)
	if n := len(f.recv.Deliveries()); n != 0 {
		t.Errorf("the live endpoint got %d requests for a test order", n)
	}
	if e := f.event(t, events[0].ID); e.Status != commerce.EventDead || e.LastError == "" {
		t.Errorf("event %+v, want dead with a reason", e)
	}

	// And a worker with only a test endpoint never sends live orders to it.
	g := newFixture(t)
	_, live := g.modeOrder(t, commerce.ModeLive, commerce.EventOrderCreate)
	w = g.worker(t, func(c *webhook.Config) { c.TestURL, c.TestSecret, c.URL, c.Secret = g.recv.URL, secret, "", "" })
	deliverDue(t, w, g.ctx, 1)
	if n := len(g.recv.Deliveries()); n != 0 {
		t.Errorf("the test endpoint got %d requests for a live order", n)
	}
	if e := g.event(t, live[0].ID); e.Status != commerce.EventDead {
		t.Errorf("live event %+v, want dead", e)
	}
}
