package stripe

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85/webhook"

	"agentshop/internal/commerce"
	"agentshop/internal/payment/stripe/stripetest"
)

const testSecret = "whsec_test_secret"

// recorder is an [EventApplier] that records what it is given and answers
// like the core: duplicate for an event id it has seen.
type recorder struct {
	mu     sync.Mutex
	events []commerce.PaymentEvent
	seen   map[string]bool
}

func (r *recorder) ApplyPaymentEvent(ctx context.Context, ev commerce.PaymentEvent) (commerce.EventOutcome, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	if r.seen[ev.ID] {
		return commerce.EventOutcome{Result: commerce.EventDuplicate}, nil
	}
	r.seen[ev.ID] = true
	r.events = append(r.events, ev)
	return commerce.EventOutcome{Result: commerce.EventApplied}, nil
}

// Signatures: only a delivery signed with the endpoint's secret, recently,
// over the exact body, reaches the core; a replay of the same event is
// handed on and answered as the core answers it (a duplicate).
func TestWebhookSignatures(t *testing.T) {
	f := stripetest.New(t, DefaultAPIVersion)
	p, err := New(Config{SecretKey: stripetest.Key, BaseURL: f.URL()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Charge(t.Context(), chargeReq("spt_ok", "key_1")); err != nil {
		t.Fatal(err)
	}
	payload := f.IntentEvent("payment_intent.succeeded", f.IntentIDs()[0])
	now := time.Now()
	tests := []struct {
		name    string
		body    []byte
		header  string
		status  int
		applied int // events handed to the core after this delivery
		result  string
	}{
		{name: "Valid", body: payload, header: stripetest.SignatureHeader(payload, testSecret, now), status: 200, applied: 1, result: "applied"},
		{name: "ReplayedEventID", body: payload, header: stripetest.SignatureHeader(payload, testSecret, now), status: 200, applied: 1, result: "duplicate"},
		{name: "WrongSecret", body: payload, header: stripetest.SignatureHeader(payload, "whsec_unknown", now), status: 400, applied: 1, result: "bad_signature"},
		{name: "OldTimestamp", body: payload, header: stripetest.SignatureHeader(payload, testSecret, now.Add(-WebhookTolerance-time.Minute)), status: 400, applied: 1, result: "bad_signature"},
		{name: "AlteredBody", body: bytes.Replace(payload, []byte(`"succeeded"`), []byte(`"canceled"`), 1),
			header: stripetest.SignatureHeader(payload, testSecret, now), status: 400, applied: 1, result: "bad_signature"},
		{name: "MissingSignature", body: payload, status: 400, applied: 1, result: "bad_signature"},
		{name: "MalformedSignature", body: payload, header: "v1=zz", status: 400, applied: 1, result: "bad_signature"},
	}
	rec := &recorder{}
	var results []string
	h := &WebhookHandler{Secrets: []string{"whsec_other_account", testSecret}, Events: rec, Observe: func(typ, result string) { results = append(results, result) }}
	for _, tt := range tests { // in order: the replay follows the valid delivery
		t.Run(tt.name, func(t *testing.T) {
			results = nil
			req := httptest.NewRequest(http.MethodPost, "/webhooks/stripe", bytes.NewReader(tt.body))
			if tt.header != "" {
				req.Header.Set("Stripe-Signature", tt.header)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tt.status {
				t.Errorf("status = %d, want %d (%s)", w.Code, tt.status, w.Body)
			}
			if len(rec.events) != tt.applied {
				t.Errorf("%d events reached the core, want %d", len(rec.events), tt.applied)
			}
			if len(results) != 1 || results[0] != tt.result {
				t.Errorf("observed %v, want [%s]", results, tt.result)
			}
		})
	}

	t.Run("TooLarge", func(t *testing.T) {
		h := &WebhookHandler{Secrets: []string{testSecret}, Events: &recorder{}, MaxBytes: 64}
		req := httptest.NewRequest(http.MethodPost, "/webhooks/stripe", bytes.NewReader(payload))
		req.Header.Set("Stripe-Signature", stripetest.SignatureHeader(payload, testSecret, now))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("status = %d, want 413", w.Code)
		}
	})
	t.Run("NoSecret", func(t *testing.T) {
		h := &WebhookHandler{Events: &recorder{}}
		req := httptest.NewRequest(http.MethodPost, "/webhooks/stripe", bytes.NewReader(payload))
		req.Header.Set("Stripe-Signature", stripetest.SignatureHeader(payload, "", now))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusBadRequest {
			t.Errorf("status = %d, want 400", w.Code)
		}
	})
}

// stripe-go's own signer agrees with the fake's (both follow Stripe's
// documented scheme), so the fake's deliveries test the real verifier.
func TestSignatureHeaderMatchesStripeGo(t *testing.T) {
	body := []byte(`{"id":"evt_1","object":"event"}`)
	at := time.Unix(1_800_000_000, 0)
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: testSecret, Timestamp: at})
	if got := stripetest.SignatureHeader(body, testSecret, at); got != signed.Header {
		t.Errorf("fake header %q, stripe-go %q", got, signed.Header)
	}
}

// ParseEvent maps each event type onto the core's payment events.
func TestParseEvent(t *testing.T) {
	f := stripetest.New(t, DefaultAPIVersion)
	p, err := New(Config{SecretKey: stripetest.Key, BaseURL: f.URL()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := p.Charge(ctx, chargeReq("spt_async", "agentshop-cs_1-attempt-1")); err == nil {
		t.Fatal("an asynchronous charge answered at once")
	}
	pi := f.IntentIDs()[0]
	parse := func(t *testing.T, payload []byte) []commerce.PaymentEvent {
		t.Helper()
		evs, _, known, err := ParseEvent(payload, stripetest.SignatureHeader(payload, testSecret, time.Now()), testSecret)
		if err != nil || !known {
			t.Fatalf("ParseEvent = %v, known %v", err, known)
		}
		return evs
	}

	t.Run("Processing", func(t *testing.T) {
		evs := parse(t, f.IntentEvent("payment_intent.processing", pi))
		if len(evs) != 1 || evs[0].Charge == nil || evs[0].Charge.Result.Outcome != "" || evs[0].SessionID != "cs_1" ||
			evs[0].AttemptKey != "agentshop-cs_1-attempt-1" || evs[0].PaymentRef != pi || evs[0].Provider != "stripe" {
			t.Errorf("processing = %+v", evs)
		}
	})
	t.Run("Succeeded", func(t *testing.T) {
		f.SetIntentStatus(pi, "succeeded", "")
		evs := parse(t, f.IntentEvent("payment_intent.succeeded", pi))
		if r := evs[0].Charge.Result; r.Outcome != commerce.ChargeSucceeded || r.Reference != pi {
			t.Errorf("succeeded = %+v", r)
		}
		if evs[0].OccurredAt.IsZero() || !strings.HasPrefix(evs[0].ID, "evt_") {
			t.Errorf("event = %+v", evs[0])
		}
	})
	t.Run("Failed", func(t *testing.T) {
		f.SetIntentStatus(pi, "requires_payment_method", "insufficient_funds")
		r := parse(t, f.IntentEvent("payment_intent.payment_failed", pi))[0].Charge.Result
		if r.Outcome != commerce.ChargeDeclined || r.DeclineCode != "insufficient_funds" {
			t.Errorf("payment_failed = %+v", r)
		}
	})
	t.Run("RequiresAction", func(t *testing.T) {
		f.SetIntentStatus(pi, "requires_action", "")
		if r := parse(t, f.IntentEvent("payment_intent.requires_action", pi))[0].Charge.Result; r.Outcome != commerce.ChargeRequires3DS {
			t.Errorf("requires_action = %+v", r)
		}
	})
	t.Run("Refunds", func(t *testing.T) {
		f.SetIntentStatus(pi, "succeeded", "")
		res, err := p.Refund(ctx, commerce.RefundRequest{IdempotencyKey: "agentshop-re_1", ChargeRef: pi, Amount: 500, Currency: "usd", RefundID: "re_1"})
		if err != nil {
			t.Fatal(err)
		}
		ours := parse(t, f.RefundEvent("refund.created", res.Reference))[0]
		if ours.Refund.RefundID != "re_1" || ours.Refund.Ref != res.Reference || ours.PaymentRef != pi ||
			ours.Refund.Status != commerce.RefundSucceeded || ours.Refund.Amount != 500 {
			t.Errorf("our refund's event = %+v %+v", ours, ours.Refund)
		}
		id, payload := f.DashboardRefund(pi, 300)
		dash := parse(t, payload)[0]
		if dash.Refund.RefundID != "" || dash.Refund.Ref != id || dash.Refund.Reason != "requested_by_customer" {
			t.Errorf("dashboard refund's event = %+v", dash.Refund)
		}
	})
	t.Run("ChargeRefundedListsRefunds", func(t *testing.T) {
		body := []byte(`{"id":"evt_cr","object":"event","api_version":"2026-04-22.preview","created":1800000000,"type":"charge.refunded",
			"data":{"object":{"id":"ch_1","object":"charge","payment_intent":"pi_9","amount_refunded":700,
			"refunds":{"object":"list","data":[{"id":"re_a","object":"refund","amount":200,"currency":"usd","status":"succeeded"},
			{"id":"re_b","object":"refund","amount":500,"currency":"usd","status":"pending"}]}}}}`)
		evs := parse(t, body)
		if len(evs) != 2 || evs[0].ID != "evt_cr:re_a" || evs[1].ID != "evt_cr:re_b" || evs[1].PaymentRef != "pi_9" ||
			evs[1].Refund.Status != commerce.RefundSucceeded {
			t.Errorf("charge.refunded = %+v", evs)
		}
		// Without the list (API versions since 2022-11-15): nothing to apply.
		body = []byte(`{"id":"evt_cr2","object":"event","api_version":"2026-04-22.preview","created":1800000000,"type":"charge.refunded",
			"data":{"object":{"id":"ch_1","object":"charge","payment_intent":"pi_9","amount_refunded":700}}}`)
		if evs := parse(t, body); len(evs) != 0 {
			t.Errorf("charge.refunded without refunds = %+v", evs)
		}
	})
	t.Run("Disputes", func(t *testing.T) {
		due := time.Now().Add(7 * 24 * time.Hour).Truncate(time.Second)
		id, payload := f.OpenDispute(pi, "fraudulent", due)
		d := parse(t, payload)[0]
		if d.PaymentRef != pi || d.Dispute.Ref != id || d.Dispute.Status != commerce.DisputeNeedsResponse ||
			d.Dispute.EvidenceDueBy == nil || !d.Dispute.EvidenceDueBy.Equal(due) || d.Dispute.Reason != "fraudulent" || d.Dispute.Inquiry {
			t.Errorf("dispute created = %+v", d.Dispute)
		}
		if w := parse(t, f.DisputeEvent("charge.dispute.funds_withdrawn", id, "needs_response"))[0]; !w.Dispute.FundsWithdrawn {
			t.Errorf("funds_withdrawn = %+v", w.Dispute)
		}
		lost := parse(t, f.DisputeEvent("charge.dispute.closed", id, "lost"))[0]
		if lost.Dispute.Status != commerce.DisputeLost || lost.Dispute.EvidenceDueBy != nil {
			t.Errorf("dispute lost = %+v", lost.Dispute)
		}
		if inq := parse(t, f.DisputeEvent("charge.dispute.updated", id, "warning_needs_response"))[0]; !inq.Dispute.Inquiry ||
			inq.Dispute.Status != commerce.DisputeNeedsResponse {
			t.Errorf("inquiry = %+v", inq.Dispute)
		}
	})
	t.Run("OtherTypes", func(t *testing.T) {
		for _, typ := range []string{"customer.created", "payment_intent.created", "charge.dispute.something_new"} {
			body := []byte(`{"id":"evt_x","object":"event","api_version":"2020-08-27","created":1800000000,"type":"` + typ + `","data":{"object":{"id":"x"}}}`)
			evs, got, known, err := ParseEvent(body, stripetest.SignatureHeader(body, testSecret, time.Now()), testSecret)
			if err != nil || known || len(evs) != 0 || got != typ {
				t.Errorf("%s: events %v, type %q, known %v, err %v; want ignored", typ, evs, got, known, err)
			}
		}
	})
}
