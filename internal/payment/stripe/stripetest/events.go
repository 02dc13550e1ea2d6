package stripetest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// The events side of the fake, modelled on Stripe's documentation of
// webhooks (docs.stripe.com/webhooks, /api/events/object): an event is
// {id "evt_…", object "event", api_version, created (Unix seconds),
// livemode, pending_webhooks, request, type, data {object}}, where
// data.object is the whole object as the API would return it at the time
// of the event; a delivery is a POST of the event's JSON with a
// Stripe-Signature header t=<unix>,v1=<hex HMAC-SHA256 of "t.body" keyed
// with the endpoint secret>. Dashboard refunds carry no agentshop
// metadata; disputes (/api/disputes/object) name their charge's
// PaymentIntent and have evidence_details.due_by.

type fakeRefund struct {
	id       string
	intent   string
	amount   int64
	status   string
	reason   string
	metadata map[string]string
}

func (r *fakeRefund) object() map[string]any {
	md := r.metadata
	if md == nil {
		md = map[string]string{}
	}
	o := map[string]any{"id": r.id, "object": "refund", "amount": r.amount, "currency": "usd",
		"payment_intent": r.intent, "charge": "ch_" + r.intent, "status": r.status, "metadata": md}
	if r.reason != "" {
		o["reason"] = r.reason
	}
	return o
}

type fakeDispute struct {
	id     string
	intent string
	amount int64
	reason string
	status string
	dueBy  time.Time
}

func (d *fakeDispute) object() map[string]any {
	due := any(nil)
	if !d.dueBy.IsZero() {
		due = d.dueBy.Unix()
	}
	return map[string]any{"id": d.id, "object": "dispute", "amount": d.amount, "currency": "usd",
		"charge": "ch_" + d.intent, "payment_intent": d.intent, "reason": d.reason, "status": d.status,
		"is_charge_refundable": false, "livemode": false, "metadata": map[string]string{},
		"evidence_details": map[string]any{"due_by": due, "has_evidence": false, "past_due": false, "submission_count": 0}}
}

// IntentIDs returns the PaymentIntents created, oldest first.
func (f *Server) IntentIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.order...)
}

// SetIntentStatus moves a PaymentIntent to status (succeeded,
// requires_payment_method with declineCode, requires_action, canceled), as
// Stripe does when an asynchronous payment finishes; the next read returns
// it.
func (f *Server) SetIntentStatus(id, status, declineCode string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	pi, ok := f.intents[id]
	if !ok {
		f.t.Fatalf("stripetest: no payment intent %s", id)
	}
	pi.status, pi.decline, pi.async = status, declineCode, false
}

// IntentEvent returns the event typ (payment_intent.succeeded, …) of the
// PaymentIntent id as it is now.
func (f *Server) IntentEvent(typ, id string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	pi, ok := f.intents[id]
	if !ok {
		f.t.Fatalf("stripetest: no payment intent %s", id)
	}
	return f.event(typ, pi.object())
}

// DashboardRefund refunds amount of the PaymentIntent id as the Stripe
// Dashboard does (no agentshop metadata) and returns the refund's id and
// its refund.created event.
func (f *Server) DashboardRefund(id string, amount int64) (string, []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	pi, ok := f.intents[id]
	if !ok || amount > pi.amount-pi.refunded {
		f.t.Fatalf("stripetest: cannot refund %d of %s", amount, id)
	}
	rf := f.refund(pi, amount, nil)
	rf.reason = "requested_by_customer"
	return rf.id, f.event("refund.created", rf.object())
}

// RefundEvent returns the event typ (refund.created, refund.updated, …) of
// the refund id as it is now.
func (f *Server) RefundEvent(typ, id string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	rf, ok := f.refundsByID[id]
	if !ok {
		f.t.Fatalf("stripetest: no refund %s", id)
	}
	return f.event(typ, rf.object())
}

// RefundIDs returns the refunds of the PaymentIntent id.
func (f *Server) RefundIDs(id string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for _, rf := range f.refundsByID {
		if rf.intent == id {
			ids = append(ids, rf.id)
		}
	}
	return ids
}

// OpenDispute opens a dispute of the whole PaymentIntent id, needing a
// response by dueBy, and returns its id and charge.dispute.created event.
func (f *Server) OpenDispute(id, reason string, dueBy time.Time) (string, []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	pi, ok := f.intents[id]
	if !ok {
		f.t.Fatalf("stripetest: no payment intent %s", id)
	}
	f.seq++
	d := &fakeDispute{id: fmt.Sprintf("dp_fake_%d", f.seq), intent: pi.id, amount: pi.amount, reason: reason,
		status: "needs_response", dueBy: dueBy}
	f.disputes[d.id] = d
	return d.id, f.event("charge.dispute.created", d.object())
}

// DisputeEvent sets the dispute id's status (under_review, won, lost, …)
// and returns its event typ (charge.dispute.updated, .closed,
// .funds_withdrawn, …). A closed dispute has no due date any more.
func (f *Server) DisputeEvent(typ, id, status string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.disputes[id]
	if !ok {
		f.t.Fatalf("stripetest: no dispute %s", id)
	}
	d.status = status
	if status == "won" || status == "lost" || status == "warning_closed" {
		d.dueBy = time.Time{}
	}
	return f.event(typ, d.object())
}

// event is the JSON of a new event typ about object.
func (f *Server) event(typ string, object map[string]any) []byte {
	f.seq++
	b, err := json.Marshal(map[string]any{
		"id": fmt.Sprintf("evt_fake_%d", f.seq), "object": "event", "api_version": f.version,
		"created": time.Now().Unix(), "livemode": false, "pending_webhooks": 1,
		"request": map[string]any{"id": nil, "idempotency_key": nil},
		"type":    typ, "data": map[string]any{"object": object},
	})
	if err != nil {
		f.t.Fatalf("stripetest: marshal event: %v", err)
	}
	return b
}

// SignatureHeader is the Stripe-Signature header of payload signed with
// secret at t, as Stripe computes it.
func SignatureHeader(payload []byte, secret string, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(payload)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Deliver POSTs payload to url signed with secret now, as Stripe delivers
// an event to a webhook endpoint, and returns the answer's status.
func Deliver(tb testing.TB, url, secret string, payload []byte) int {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		tb.Fatalf("stripetest: deliver: %v", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Stripe-Signature", SignatureHeader(payload, secret, time.Now()))
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		tb.Fatalf("stripetest: deliver: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
