// Package stripetest is a fake Stripe API for tests: a hand-written model
// of the parts of Stripe's documented behaviour that the stripe payment
// provider relies on (see [Server]). Stripe itself cannot be reached from
// tests; stripe-mock checks request shapes but keeps no state.
package stripetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Server is a hand-written stand-in for the parts of Stripe's API the
// provider calls, modelled on Stripe's documented behaviour, not on
// stripe-go: bearer-key authentication (401 otherwise); form-encoded
// bodies; the error object {"error":{type, code, decline_code, param,
// message, payment_intent}} with 402 for card errors and the
// PaymentIntent nested in it; idempotent requests (the first response to a
// key is saved and replayed, with Idempotent-Replayed: true, for the same
// path and parameters; other parameters get 400 idempotency_error; 400 and
// 429 are not saved, as Stripe saves no result for requests that did not
// start executing); PaymentIntents created and confirmed in one request;
// refunds limited to what is left of the PaymentIntent.
//
// It also checks what this provider must send: the Stripe-Version it was
// built with, an Idempotency-Key on every POST, and the Shared Payment
// Token in payment_method_data[shared_payment_granted_token]. The token's
// value picks the behaviour (see [Server.createIntent]). Stripe does
// not document the error codes of rejected Shared Payment Tokens; the
// ones used here (shared_payment_granted_token_consumed, resource_missing
// on the token param) are assumptions, and the provider recognises a token
// rejection by the param or a code naming the token.
type Server struct {
	t       testing.TB
	key     string
	version string
	srv     *httptest.Server

	mu          sync.Mutex
	saved       map[string]savedResponse // by idempotency key
	intents     map[string]*fakeIntent   // by id
	order       []string                 // intent ids, oldest first
	refundsByID map[string]*fakeRefund
	disputes    map[string]*fakeDispute
	seq         int
	created     int        // PaymentIntents created
	refunds     int        // refunds created
	lastForm    url.Values // the last PaymentIntent create body
}

type savedResponse struct {
	request string // method, path and encoded form
	status  int
	body    []byte
}

type fakeIntent struct {
	id       string
	amount   int64
	refunded int64
	status   string
	token    string
	decline  string // decline code of the last payment error
	metadata map[string]string
	// async: status stays processing when read, until [Server.SetIntentStatus].
	async bool
}

// New starts a fake that accepts the secret key [Key] and requires
// Stripe-Version version; it is closed when the test ends.
func New(t testing.TB, version string) *Server {
	t.Helper()
	f := &Server{
		t: t, key: Key, version: version,
		saved: map[string]savedResponse{}, intents: map[string]*fakeIntent{},
		refundsByID: map[string]*fakeRefund{}, disputes: map[string]*fakeDispute{},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// tokenParam is where Stripe takes a Shared Payment Token on a
// PaymentIntent (Stripe's documentation of SPTs, preview 2026-04-22).
const tokenParam = "payment_method_data[shared_payment_granted_token]"

// Key is the secret key the fake accepts.
const Key = "sk_test_fake"

// URL is the fake's base URL, for the provider's BaseURL.
func (f *Server) URL() string { return f.srv.URL }

// Counts returns how many PaymentIntents and refunds were created.
func (f *Server) Counts() (intents, refunds int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.created, f.refunds
}

// Form returns the body of the last PaymentIntent create request.
func (f *Server) Form() url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastForm
}

func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Request-Id", "req_fake")
	if r.Header.Get("Authorization") != "Bearer "+f.key {
		writeJSON(w, http.StatusUnauthorized, stripeError("invalid_request_error", "", "", "Invalid API Key provided."))
		return
	}
	if got := r.Header.Get("Stripe-Version"); got != f.version {
		f.t.Errorf("Stripe-Version = %q, want %q", got, f.version)
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, stripeError("invalid_request_error", "", "", "Invalid request body."))
		return
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/payment_intents/") {
		pi, ok := f.intents[strings.TrimPrefix(r.URL.Path, "/v1/payment_intents/")]
		if !ok {
			writeJSON(w, http.StatusNotFound, stripeError("invalid_request_error", "resource_missing", "id", "No such payment_intent."))
			return
		}
		if pi.status == "processing" && !pi.async {
			pi.status = "succeeded" // settles by the time it is read again
		}
		writeJSON(w, http.StatusOK, pi.object())
		return
	}
	if r.Method != http.MethodPost {
		writeJSON(w, http.StatusNotFound, stripeError("invalid_request_error", "", "", "Unrecognized request URL."))
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		f.t.Errorf("%s %s without Idempotency-Key", r.Method, r.URL.Path)
	}
	request := r.Method + " " + r.URL.Path + "?" + r.PostForm.Encode() // Encode sorts by key
	if s, ok := f.saved[key]; ok {
		if s.request != request {
			writeJSON(w, http.StatusBadRequest, stripeError("idempotency_error", "", "",
				"Keys for idempotent requests can only be used with the same parameters they were first used with."))
			return
		}
		w.Header().Set("Idempotent-Replayed", "true")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(s.status)
		_, _ = w.Write(s.body)
		return
	}

	var status int
	var body any
	switch r.URL.Path {
	case "/v1/payment_intents":
		f.lastForm = r.PostForm
		status, body = f.createIntent(r.PostForm)
	case "/v1/refunds":
		status, body = f.createRefund(r.PostForm)
	default:
		status, body = http.StatusNotFound, stripeError("invalid_request_error", "", "", "Unrecognized request URL.")
	}
	b, err := json.Marshal(body)
	if err != nil {
		f.t.Fatalf("marshal fake response: %v", err)
	}
	if key != "" && status != http.StatusBadRequest && status != http.StatusTooManyRequests {
		f.saved[key] = savedResponse{request: request, status: status, body: b}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// createIntent creates and confirms a PaymentIntent. Tokens:
//
//   - spt_ok: succeeded;
//   - spt_3ds: requires_action, or succeeded when a 3-D Secure result is
//     imported (payment_method_options[card][three_d_secure][ares_trans_status]
//     Y or A);
//   - spt_processing: processing, succeeded when read again;
//   - spt_async: processing, and still processing when read again, until
//     the test settles it ([Server.SetIntentStatus]) and sends its event;
//   - spt_decline_funds, spt_stolen: 402 card_error card_declined with
//     decline_code insufficient_funds, stolen_card, and the PaymentIntent
//     (requires_payment_method) nested;
//   - spt_used: 400 invalid_request_error code
//     shared_payment_granted_token_consumed (no param);
//   - spt_unknown: 400 invalid_request_error resource_missing on the token
//     param;
//   - spt_500: 500 api_error; spt_429: 429 rate_limit; spt_409: 409
//     idempotency_key_in_use;
//
// any other spt_ token succeeds. A currency that is not three lower-case
// letters is 400 parameter_invalid_string on currency; a token that is not
// "spt_…" is 400 on the token param.
func (f *Server) createIntent(form url.Values) (int, any) {
	tok := form.Get(tokenParam)
	if tok == "" {
		f.t.Errorf("PaymentIntent create without %s: %v", tokenParam, form)
	}
	amount, err := strconv.ParseInt(form.Get("amount"), 10, 64)
	if err != nil || amount <= 0 {
		return http.StatusBadRequest, withParam(stripeError("invalid_request_error", "parameter_invalid_integer", "", "Invalid integer."), "amount")
	}
	if c := form.Get("currency"); len(c) != 3 || strings.ToLower(c) != c || c == "xxx" {
		return http.StatusBadRequest, withParam(stripeError("invalid_request_error", "parameter_invalid_string", "", "Invalid currency."), "currency")
	}
	if !strings.HasPrefix(tok, "spt_") {
		return http.StatusBadRequest, withParam(stripeError("invalid_request_error", "resource_missing", "", "No such shared payment granted token."), tokenParam)
	}
	switch tok {
	case "spt_used":
		return http.StatusBadRequest, stripeError("invalid_request_error", "shared_payment_granted_token_consumed", "",
			"This shared payment granted token has been consumed.")
	case "spt_unknown":
		return http.StatusBadRequest, withParam(stripeError("invalid_request_error", "resource_missing", "",
			"No such shared payment granted token: 'spt_unknown'"), tokenParam)
	case "spt_500":
		return http.StatusInternalServerError, stripeError("api_error", "", "", "An unknown error occurred.")
	case "spt_429":
		return http.StatusTooManyRequests, stripeError("invalid_request_error", "rate_limit", "", "Too many requests.")
	case "spt_409":
		return http.StatusConflict, stripeError("invalid_request_error", "idempotency_key_in_use", "",
			"There is currently another in-progress request using this Idempotency Key.")
	}

	f.seq++
	f.created++
	pi := &fakeIntent{id: fmt.Sprintf("pi_fake_%d", f.seq), amount: amount, status: "succeeded", token: tok, metadata: metadata(form)}
	f.intents[pi.id] = pi
	f.order = append(f.order, pi.id)
	switch tok {
	case "spt_async":
		pi.status, pi.async = "processing", true
	case "spt_3ds":
		switch form.Get("payment_method_options[card][three_d_secure][ares_trans_status]") {
		case "Y", "A":
		default:
			pi.status = "requires_action"
		}
	case "spt_processing":
		pi.status = "processing"
	case "spt_decline_funds", "spt_stolen":
		pi.status = "requires_payment_method"
		pi.decline = map[string]string{"spt_decline_funds": "insufficient_funds", "spt_stolen": "stolen_card"}[tok]
		e := stripeError("card_error", "card_declined", pi.decline, "Your card was declined.")
		e["error"]["payment_intent"] = pi.object()
		return http.StatusPaymentRequired, e
	}
	return http.StatusOK, pi.object()
}

// createRefund refunds part of a PaymentIntent. pi_500 answers 500.
func (f *Server) createRefund(form url.Values) (int, any) {
	id := form.Get("payment_intent")
	if id == "pi_500" {
		return http.StatusInternalServerError, stripeError("api_error", "", "", "An unknown error occurred.")
	}
	pi, ok := f.intents[id]
	if !ok || pi.status != "succeeded" {
		return http.StatusBadRequest, withParam(stripeError("invalid_request_error", "resource_missing", "",
			"No such payment_intent: '"+id+"'"), "payment_intent")
	}
	amount := pi.amount - pi.refunded
	if a := form.Get("amount"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n <= 0 {
			return http.StatusBadRequest, withParam(stripeError("invalid_request_error", "parameter_invalid_integer", "", "Invalid integer."), "amount")
		}
		amount = n
	}
	switch {
	case pi.refunded == pi.amount:
		return http.StatusBadRequest, stripeError("invalid_request_error", "charge_already_refunded", "",
			"Charge has already been refunded.")
	case amount > pi.amount-pi.refunded:
		return http.StatusBadRequest, withParam(stripeError("invalid_request_error", "amount_too_large", "",
			"Refund amount is greater than unrefunded amount on charge."), "amount")
	}
	return http.StatusOK, f.refund(pi, amount, metadata(form)).object()
}

// refund records a succeeded refund of amount of pi.
func (f *Server) refund(pi *fakeIntent, amount int64, md map[string]string) *fakeRefund {
	pi.refunded += amount
	f.seq++
	f.refunds++
	rf := &fakeRefund{id: fmt.Sprintf("re_fake_%d", f.seq), intent: pi.id, amount: amount, status: "succeeded", metadata: md}
	f.refundsByID[rf.id] = rf
	return rf
}

// metadata is the metadata[…] parameters of a form.
func metadata(form url.Values) map[string]string {
	md := map[string]string{}
	for k, v := range form {
		if name, ok := strings.CutPrefix(k, "metadata["); ok && strings.HasSuffix(name, "]") && len(v) > 0 {
			md[strings.TrimSuffix(name, "]")] = v[0]
		}
	}
	return md
}

func (pi *fakeIntent) object() map[string]any {
	o := map[string]any{
		"id": pi.id, "object": "payment_intent", "amount": pi.amount, "currency": "usd",
		"status": pi.status, "client_secret": pi.id + "_secret_fake", "payment_method": "pm_fake",
		"metadata": pi.metadata,
	}
	switch pi.status {
	case "requires_action":
		o["next_action"] = map[string]any{"type": "use_stripe_sdk", "use_stripe_sdk": map[string]any{}}
	case "requires_payment_method":
		o["last_payment_error"] = map[string]any{"type": "card_error", "code": "card_declined", "decline_code": pi.decline}
	}
	return o
}

func stripeError(typ, code, declineCode, msg string) map[string]map[string]any {
	e := map[string]any{"type": typ, "message": msg}
	if code != "" {
		e["code"] = code
	}
	if declineCode != "" {
		e["decline_code"] = declineCode
	}
	return map[string]map[string]any{"error": e}
}

func withParam(e map[string]map[string]any, param string) map[string]map[string]any {
	e["error"]["param"] = param
	return e
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
