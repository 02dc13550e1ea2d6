// Package webhooktest is an agent's order-webhook endpoint for tests: a
// hand-written model of the receiver that ACP's webhook spec
// (openapi.agentic_checkout_webhook.yaml) describes, since the real one
// (the agent platform's) cannot be reached from tests. It checks the
// Merchant-Signature with its own HMAC code, not package webhook's, so
// that a bug shared by signer and verifier cannot hide.
package webhooktest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Path is where ACP's spec puts the endpoint.
const Path = "/agentic_checkout/webhooks/order_events"

// Delivery is one signed request the receiver accepted for inspection
// (whatever it then answered).
type Delivery struct {
	RequestID  string // Request-Id header
	APIVersion string // API-Version header
	Timestamp  string // Timestamp header
	Body       []byte
	Status     int // what the receiver answered
}

// Receiver is a running endpoint. It refuses a missing, malformed, stale
// (over 300 s off its clock) or wrong Merchant-Signature with 401 and the
// spec's error body, and otherwise answers 200 {"received": true,
// "request_id": …}, unless Reply says otherwise.
type Receiver struct {
	// URL is the endpoint's full URL (server URL + Path).
	URL    string
	secret string
	now    func() time.Time
	srv    *httptest.Server

	mu       sync.Mutex
	reply    func(n int, w http.ResponseWriter) bool
	got      []Delivery
	accepted map[string]int
	// changed is closed, and replaced, each time a delivery is recorded:
	// waiters block on it instead of polling.
	changed chan struct{}
}

// New starts a receiver that checks signatures made with secret against
// now (time.Now when nil), closed when the test ends.
func New(t testing.TB, secret string, now func() time.Time) *Receiver {
	if now == nil {
		now = time.Now
	}
	r := &Receiver{secret: secret, now: now, accepted: map[string]int{}, changed: make(chan struct{})}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	r.URL = r.srv.URL + Path
	t.Cleanup(r.srv.Close)
	return r
}

// SetReply makes reply answer the nth correctly signed request (1-based)
// when it returns true: to fail, throttle or hang on purpose.
func (r *Receiver) SetReply(reply func(n int, w http.ResponseWriter) bool) {
	r.mu.Lock()
	r.reply = reply
	r.mu.Unlock()
}

// Sign returns the hex HMAC-SHA256 of "<t>.<body>" with secret, as the
// spec defines the v1 signature.
func Sign(secret, t string, body []byte) string {
	h := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(h, "%s.%s", t, body)
	return hex.EncodeToString(h.Sum(nil))
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if req.Method != http.MethodPost || req.URL.Path != Path || req.Header.Get("Content-Type") != "application/json" {
		refuse(w, http.StatusBadRequest, "invalid_request", "Want a JSON POST to "+Path+".")
		return
	}
	var ts int64
	var v1 string
	sig := req.Header.Get("Merchant-Signature")
	if _, err := fmt.Sscanf(sig, "t=%d,v1=%64s", &ts, &v1); err != nil || len(v1) != 64 {
		refuse(w, http.StatusUnauthorized, "invalid_signature", "Merchant-Signature must be t=<timestamp>,v1=<64_hex>.")
		return
	}
	if d := r.now().Unix() - ts; d > 300 || d < -300 {
		refuse(w, http.StatusUnauthorized, "invalid_signature", "Timestamp outside allowed window.")
		return
	}
	if !hmac.Equal([]byte(Sign(r.secret, strconv.FormatInt(ts, 10), body)), []byte(v1)) {
		refuse(w, http.StatusUnauthorized, "invalid_signature", "Webhook signature verification failed.")
		return
	}
	d := Delivery{RequestID: req.Header.Get("Request-Id"), APIVersion: req.Header.Get("API-Version"),
		Timestamp: req.Header.Get("Timestamp"), Body: body, Status: http.StatusOK}
	r.mu.Lock()
	n := len(r.got) + 1
	reply := r.reply
	r.mu.Unlock()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	if reply == nil || !reply(n, rec) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"received":true,"request_id":%q}`, d.RequestID)
	}
	d.Status = rec.status
	r.mu.Lock()
	r.got = append(r.got, d)
	if d.Status/100 == 2 {
		r.accepted[d.RequestID]++
	}
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

func refuse(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"type":"invalid_request","code":%q,"message":%q}`, code, msg)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Deliveries returns every correctly signed request so far, in arrival
// order.
func (r *Receiver) Deliveries() []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Delivery(nil), r.got...)
}

// Accepted returns how many times each Request-Id was answered 2xx.
func (r *Receiver) Accepted() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.accepted))
	for k, v := range r.accepted {
		out[k] = v
	}
	return out
}

// WaitAccepted waits until n distinct Request-Ids have been answered 2xx,
// or fails the test after timeout. It returns how many times each was.
func (r *Receiver) WaitAccepted(t testing.TB, n int, timeout time.Duration) map[string]int {
	t.Helper()
	r.wait(t, timeout, func() (bool, string) {
		return len(r.accepted) >= n, fmt.Sprintf("%d distinct events accepted, want %d", len(r.accepted), n)
	})
	return r.Accepted()
}

// WaitAcceptedTimes waits until the event with Request-Id id has been
// answered 2xx n times, or fails the test after timeout.
func (r *Receiver) WaitAcceptedTimes(t testing.TB, id string, n int, timeout time.Duration) {
	t.Helper()
	r.wait(t, timeout, func() (bool, string) {
		return r.accepted[id] >= n, fmt.Sprintf("event %s accepted %d times, want %d", id, r.accepted[id], n)
	})
}

// WaitDeliveries waits until n correctly signed requests have arrived,
// whatever the receiver answered, or fails the test after timeout. It
// returns them in arrival order.
func (r *Receiver) WaitDeliveries(t testing.TB, n int, timeout time.Duration) []Delivery {
	t.Helper()
	r.wait(t, timeout, func() (bool, string) {
		return len(r.got) >= n, fmt.Sprintf("%d signed requests, want %d", len(r.got), n)
	})
	return r.Deliveries()
}

// wait blocks until done, called with r.mu held, reports true: it is
// checked at once and again after each delivery, so nothing polls. After
// timeout it fails the test with done's description of what it saw.
func (r *Receiver) wait(t testing.TB, timeout time.Duration, done func() (bool, string)) {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		r.mu.Lock()
		ok, what := done()
		changed := r.changed
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-changed:
		case <-timer.C:
			t.Fatalf("webhook receiver: after %v, %s", timeout, what)
		}
	}
}

// Event is the part of a WebhookEvent body that tests check, in both ACP
// versions (2025-09-29 sends no data.id).
type Event struct {
	Type string `json:"type"`
	Data struct {
		Type              string `json:"type"`
		ID                string `json:"id"`
		CheckoutSessionID string `json:"checkout_session_id"`
		PermalinkURL      string `json:"permalink_url"`
		Status            string `json:"status"`
	} `json:"data"`
}

// Event decodes the delivery's body, failing the test if it is not JSON.
func (d Delivery) Event(t testing.TB) Event {
	t.Helper()
	var e Event
	if err := json.Unmarshal(d.Body, &e); err != nil {
		t.Fatalf("webhook body %s: %v", d.Body, err)
	}
	return e
}
