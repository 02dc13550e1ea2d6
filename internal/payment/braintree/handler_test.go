package braintree_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/payment/braintree"
)

// recorder is an [EventApplier] that records what it is given and answers
// duplicate for an event id it has seen, as the core does.
type recorder struct {
	mu     sync.Mutex
	events []commerce.PaymentEvent
	seen   map[string]bool
}

func (r *recorder) ApplyPaymentEvent(_ context.Context, ev commerce.PaymentEvent) (commerce.EventOutcome, error) {
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

const refundXML = `<notification>
  <timestamp type="datetime">2026-12-07T12:00:00Z</timestamp>
  <kind>transaction_settled</kind>
  <subject>
    <transaction>
      <id>credit9</id>
      <status>settled</status>
      <type>credit</type>
      <currency-iso-code>USD</currency-iso-code>
      <amount>10.50</amount>
      <refunded-transaction-id>txn123</refunded-transaction-id>
    </transaction>
  </subject>
</notification>`

func TestEvents(t *testing.T) {
	parse := func(t *testing.T, xml string) braintree.Notification {
		t.Helper()
		sig, payload := sample(xml)
		n, err := braintree.ParseWebhook(pub, priv, sig, payload)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	t.Run("SaleSettled", func(t *testing.T) {
		evs, known, err := braintree.Events(parse(t, settledXML))
		if err != nil || !known || len(evs) != 1 {
			t.Fatalf("Events = %v, %v, %v", evs, known, err)
		}
		e := evs[0]
		if e.Provider != "braintree" || e.PaymentRef != "txn123" || e.AttemptKey != "agentshop-cs_1-attempt-1" ||
			e.Charge == nil || e.Charge.Result.Outcome != commerce.ChargeSucceeded || e.ID == "" {
			t.Errorf("event = %+v", e)
		}
	})
	t.Run("SettlementDeclined", func(t *testing.T) {
		evs, _, _ := braintree.Events(parse(t, strings.Replace(settledXML, "<kind>transaction_settled</kind>", "<kind>transaction_settlement_declined</kind>", 1)))
		if evs[0].Charge.Result.Outcome != commerce.ChargeDeclined {
			t.Errorf("declined = %+v", evs[0].Charge)
		}
	})
	t.Run("Refund", func(t *testing.T) {
		evs, _, err := braintree.Events(parse(t, refundXML))
		if err != nil || evs[0].PaymentRef != "txn123" || evs[0].Refund == nil || evs[0].Refund.Ref != "credit9" ||
			evs[0].Refund.Amount != 1050 || evs[0].Refund.Status != commerce.RefundSucceeded {
			t.Errorf("refund = %+v %+v (%v)", evs, evs[0].Refund, err)
		}
		failed, _, _ := braintree.Events(parse(t, strings.Replace(refundXML, "<kind>transaction_settled</kind>", "<kind>refund_failed</kind>", 1)))
		if failed[0].Refund.Status != commerce.RefundFailed {
			t.Errorf("refund_failed = %+v", failed[0].Refund)
		}
	})
	t.Run("Disputes", func(t *testing.T) {
		for kind, want := range map[string]commerce.DisputeStatus{
			"dispute_opened": commerce.DisputeNeedsResponse, "dispute_won": commerce.DisputeWon,
			"dispute_lost": commerce.DisputeLost, "dispute_accepted": commerce.DisputeLost,
		} {
			evs, known, err := braintree.Events(parse(t, strings.Replace(disputeXML, "<kind>dispute_opened</kind>", "<kind>"+kind+"</kind>", 1)))
			if err != nil || !known {
				t.Fatalf("%s: %v %v", kind, known, err)
			}
			d := evs[0].Dispute
			if d.Status != want || d.Ref != "dsp42" || d.Amount != 20000 || d.Reason != "fraud" || evs[0].PaymentRef != "txn123" ||
				evs[0].AttemptKey != "agentshop-cs_1-attempt-1" {
				t.Errorf("%s: %+v", kind, d)
			}
			if open := want.Open(); open != (d.EvidenceDueBy != nil) || open && !d.EvidenceDueBy.Equal(time.Date(2026, 12, 21, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("%s: evidence due %v", kind, d.EvidenceDueBy)
			}
		}
	})
	t.Run("OtherKinds", func(t *testing.T) {
		evs, known, err := braintree.Events(braintree.Notification{Kind: braintree.KindCheck})
		if known || err != nil || len(evs) != 0 {
			t.Errorf("check = %v %v %v", evs, known, err)
		}
	})
}

// The webhook endpoint: only a notification signed with our keys reaches
// the core; a redelivery is handed on (the core answers it duplicate);
// the challenge is answered; bad input is 400.
func TestWebhookHandler(t *testing.T) {
	rec := &recorder{}
	var results []string
	h := &braintree.WebhookHandler{PublicKey: pub, PrivateKey: priv, Events: rec, Observe: func(_, result string) { results = append(results, result) }}
	post := func(form url.Values) int {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/braintree", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	sig, payload := sample(disputeXML)
	tests := []struct {
		name    string
		form    url.Values
		status  int
		applied int
		result  string
	}{
		{"Valid", url.Values{"bt_signature": {sig}, "bt_payload": {payload}}, 200, 1, "applied"},
		{"Redelivered", url.Values{"bt_signature": {sig}, "bt_payload": {payload}}, 200, 1, "duplicate"},
		{"WrongKey", url.Values{"bt_signature": {pub + "|" + hmacHex("other_private_key", payload)}, "bt_payload": {payload}}, 400, 1, "bad_signature"},
		{"AlteredPayload", url.Values{"bt_signature": {sig}, "bt_payload": {encode64(strings.Replace(disputeXML, "200.00", "2.00", 1))}}, 400, 1, "bad_signature"},
		{"Missing", url.Values{}, 400, 1, "bad_signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			results = nil
			if got := post(tt.form); got != tt.status {
				t.Errorf("status = %d, want %d", got, tt.status)
			}
			if len(rec.events) != tt.applied || len(results) != 1 || results[0] != tt.result {
				t.Errorf("%d events reached the core, observed %v; want %d and [%s]", len(rec.events), results, tt.applied, tt.result)
			}
		})
	}
	t.Run("Challenge", func(t *testing.T) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/webhooks/braintree?bt_challenge=20f9f8ed05f77439fe955c977e4c8a53", nil))
		if want := pub + "|" + hmacHex(priv, "20f9f8ed05f77439fe955c977e4c8a53"); w.Code != 200 || w.Body.String() != want {
			t.Errorf("challenge = %d %q, want %q", w.Code, w.Body, want)
		}
		w = httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/webhooks/braintree?bt_challenge=not-hex", nil))
		if w.Code != http.StatusBadRequest {
			t.Errorf("bad challenge = %d, want 400", w.Code)
		}
	})
}
