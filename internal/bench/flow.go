package bench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"agentshop/internal/acpclient"
)

// agents is what all workers share.
type agents struct {
	cfg Config
	c   *acpclient.Client

	mu         sync.Mutex
	merchantID string // learned once, see merchantIDFor
}

// worker is one agent. It runs one flow at a time.
type worker struct {
	*agents
	rec     *recorder
	session string // the get scenario's session
}

// address is where every bench order ships; California, so that tax and
// shipping are priced too.
var address = acpclient.Address{
	Name: "Ada Lovelace", LineOne: "1 Market St", City: "San Francisco",
	State: "CA", Country: "US", PostalCode: "94103",
}

const email = "bench@agentshop.example"

// iterate runs one iteration of the scenario.
func (w *worker) iterate(ctx context.Context) Flow {
	switch w.cfg.Scenario {
	case ScenarioCreate:
		_, f := w.create(ctx)
		f.OK = f.Err == ""
		return f
	case ScenarioGet:
		return w.get(ctx)
	case ScenarioNoop:
		return w.noop(ctx)
	}
	return w.full(ctx)
}

// full runs create → update (address) → delegate_payment → complete.
func (w *worker) full(ctx context.Context) Flow {
	s, f := w.create(ctx)
	if s == nil {
		return f
	}
	body, err := acpclient.NewUpdateRequest(w.cfg.Version, acpclient.UpdateParams{Address: &address, Email: email})
	if err != nil {
		return w.stop(f, EndpointUpdate, "build_request", false)
	}
	s, resp, err := w.c.UpdateSession(ctx, f.SessionID, body)
	if !w.observe(EndpointUpdate, resp, err) {
		return w.stopErr(f, EndpointUpdate, err)
	}
	if s.Status != "ready_for_payment" {
		return w.stop(f, EndpointUpdate, "not_ready"+codes(s), false)
	}
	total, ok := s.Total()
	if !ok {
		return w.stop(f, EndpointUpdate, "no_total", false)
	}
	f.Total = total
	mid, err := w.merchantIDFor(ctx, s)
	if err != nil {
		return w.stop(f, EndpointDelegate, "no_merchant_id", false)
	}

	now := time.Now()
	d, resp, err := w.c.DelegatePayment(ctx, acpclient.NewDelegatePaymentRequest(acpclient.CardDelegation{
		Number: w.cfg.Card, ExpMonth: "12", ExpYear: strconv.Itoa(now.Year() + 3), CVC: "123",
		MaxAmount: total, Currency: s.Currency, CheckoutSessionID: s.ID, MerchantID: mid,
		ExpiresAt: now.Add(15 * time.Minute),
	}))
	if !w.observe(EndpointDelegate, resp, err) {
		return w.stopErr(f, EndpointDelegate, err)
	}

	cp := acpclient.CompleteParams{Token: d.ID, Buyer: &acpclient.Buyer{FirstName: "Ada", LastName: "Lovelace", Email: email}}
	if s.PaymentProvider != nil {
		cp.Provider = s.PaymentProvider.Provider
	}
	if h := s.CardHandler(); h != nil {
		cp.HandlerID = h.ID
	}
	body, err = acpclient.NewCompleteRequest(w.cfg.Version, cp)
	if err != nil {
		return w.stop(f, EndpointComplete, "build_request", false)
	}
	s, resp, err = w.c.CompleteSession(ctx, f.SessionID, body)
	if !w.observe(EndpointComplete, resp, err) {
		return w.stopErr(f, EndpointComplete, err)
	}
	if s.Status != "completed" || s.Order == nil || s.Order.ID == "" {
		return w.stop(f, EndpointComplete, "not_completed:"+s.Status+codes(s), false)
	}
	f.OrderID = s.Order.ID
	f.OK = true
	return f
}

// create creates a session for the configured item.
func (w *worker) create(ctx context.Context) (*acpclient.Session, Flow) {
	var f Flow
	body, err := acpclient.NewCreateRequest(w.cfg.Version, acpclient.CreateParams{
		Items:    []acpclient.ItemQuantity{{ID: w.cfg.Item, Quantity: w.cfg.Quantity}},
		Currency: w.cfg.Currency,
	})
	if err != nil {
		return nil, w.stop(f, EndpointCreate, "build_request", false)
	}
	s, resp, err := w.c.CreateSession(ctx, body)
	if !w.observe(EndpointCreate, resp, err) {
		return nil, w.stopErr(f, EndpointCreate, err)
	}
	if s.ID == "" {
		return nil, w.stop(f, EndpointCreate, "no_session_id", false)
	}
	f.SessionID = s.ID
	return s, f
}

// get reads the worker's session, creating it on the first call.
func (w *worker) get(ctx context.Context) Flow {
	if w.session == "" {
		s, f := w.create(ctx)
		if s == nil {
			return f
		}
		w.session = s.ID
	}
	f := Flow{SessionID: w.session}
	_, resp, err := w.c.GetSession(ctx, w.session)
	if !w.observe(EndpointGet, resp, err) {
		return w.stopErr(f, EndpointGet, err)
	}
	f.OK = true
	return f
}

// noop sends GET / to a trivial handler with the same client.
func (w *worker) noop(ctx context.Context) Flow {
	var f Flow
	resp, err := w.c.Do(ctx, "GET", "/", nil)
	if !w.observe(EndpointNoop, resp, err) {
		return w.stopErr(f, EndpointNoop, err)
	}
	f.OK = true
	return f
}

// observe records a call's latency and reports whether it succeeded (2xx
// and a decodable body).
func (w *worker) observe(endpoint string, resp *acpclient.Response, err error) bool {
	if err != nil {
		return false
	}
	w.rec.ok(endpoint, resp.Elapsed)
	return true
}

// stopErr ends a flow at a failed call and counts the failure by kind.
func (w *worker) stopErr(f Flow, endpoint string, err error) Flow {
	return w.stop(f, endpoint, errorKind(err), true)
}

func (w *worker) stop(f Flow, endpoint, kind string, sent bool) Flow {
	w.rec.fail(endpoint, kind, sent)
	f.Err = endpoint + ": " + kind
	return f
}

// errorKind names an error for the report: "http 409 idempotency_in_flight",
// "timeout", "canceled" or "transport".
func errorKind(err error) string {
	if e, ok := errors.AsType[*acpclient.APIError](err); ok {
		if e.Code != "" {
			return fmt.Sprintf("http %d %s", e.Status, e.Code)
		}
		return fmt.Sprintf("http %d", e.Status)
	}
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	if t, ok := err.(interface{ Timeout() bool }); ok && t.Timeout() {
		return "timeout"
	}
	return "transport"
}

// codes lists a session's error message codes, " (out_of_stock,…)".
func codes(s *acpclient.Session) string {
	var out string
	for _, m := range s.ErrorMessages() {
		if out != "" {
			out += ","
		}
		out += m.Code
	}
	if out == "" {
		return ""
	}
	return " (" + out + ")"
}

// merchantIDFor returns the merchant id to bind delegated payments to:
// the configured one, the session's, or (2025-09-29, which has no field
// for it) the one its 2026-04-17 view declares, read once per run.
func (w *worker) merchantIDFor(ctx context.Context, s *acpclient.Session) (string, error) {
	if w.cfg.MerchantID != "" {
		return w.cfg.MerchantID, nil
	}
	if id := s.MerchantID(); id != "" {
		return id, nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.merchantID != "" {
		return w.merchantID, nil
	}
	id, _, err := w.c.SessionMerchantID(ctx, s)
	if err != nil {
		return "", err
	}
	if w.merchantID = id; w.merchantID == "" {
		return "", errors.New("bench: the merchant declares no merchant id")
	}
	return w.merchantID, nil
}
