package conformance

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"agentshop/internal/acpclient"
)

// Test cards. They are the Stripe test numbers, which agentshop's sandbox
// also uses; another merchant's sandbox may script other numbers.
const (
	cardSucceeds = "4242424242424242"
	cardDeclines = "4000000000009995"
	// cardSlow succeeds after a delay of seconds in agentshop's sandbox;
	// elsewhere it is just a Luhn-valid number, which sandboxes commonly
	// let succeed.
	cardSlow = "4000000000003014"
)

// slowRetryAfter is when the in-flight check retries a complete paid with
// cardSlow: well after the merchant claimed the key, well before the charge
// ends.
const slowRetryAfter = 500 * time.Millisecond

// buyer is sent on complete (2025-09-29 requires all three fields).
var buyer = &acpclient.Buyer{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com"}

// currency is the session currency for 2026-04-17 requests.
func (r *runner) currency() string {
	if r.cfg.Currency != "" {
		return strings.ToLower(r.cfg.Currency)
	}
	if d := r.shared.discovery; d != nil && len(d.Capabilities.SupportedCurrencies) > 0 {
		return strings.ToLower(d.Capabilities.SupportedCurrencies[0])
	}
	return "usd"
}

// createBody is a create request for one unit of each item.
func (r *runner) createBody(items ...string) any {
	p := acpclient.CreateParams{Currency: r.currency()}
	for _, id := range items {
		p.Items = append(p.Items, acpclient.ItemQuantity{ID: id, Quantity: 1})
	}
	body, err := acpclient.NewCreateRequest(r.v, p)
	if err != nil {
		panic(err) // only for an unknown version, which Run rejects
	}
	return body
}

// addressBody is an update request that sets the shipping address.
func (r *runner) addressBody() any {
	body, err := acpclient.NewUpdateRequest(r.v, acpclient.UpdateParams{Address: r.cfg.Address, Email: buyer.Email})
	if err != nil {
		panic(err)
	}
	return body
}

// optionBody is an update request that selects option o for every line.
func (r *runner) optionBody(s *acpclient.Session, o acpclient.FulfillmentOption) any {
	ids := make([]string, len(s.LineItems))
	for i, li := range s.LineItems {
		ids[i] = li.ID
	}
	body, err := acpclient.NewUpdateRequest(r.v, acpclient.UpdateParams{FulfillmentOptionID: o.ID, FulfillmentType: o.Type, ItemIDs: ids})
	if err != nil {
		panic(err)
	}
	return body
}

// create creates a session for the physical item, accepting any 2xx (the
// status itself is the create case's business).
func (r *runner) create(ctx context.Context, c *Case, opts ...acpclient.RequestOption) *acpclient.Session {
	s, resp, err := r.c.CreateSession(ctx, r.createBody(r.cfg.Item), opts...)
	return r.expectSession(c, "create", 0, s, resp, err)
}

// readySession creates a session, sets the address and selects an option
// when none is; it fails c unless the session ends ready_for_payment.
func (r *runner) readySession(ctx context.Context, c *Case) *acpclient.Session {
	s := r.create(ctx, c)
	if s == nil {
		return nil
	}
	next, resp, err := r.c.UpdateSession(ctx, s.ID, r.addressBody())
	if s = r.expectSession(c, "update address", http.StatusOK, next, resp, err); s == nil {
		return nil
	}
	if len(s.SelectedFulfillmentOptionIDs) == 0 && len(s.FulfillmentOptions) > 0 {
		next, resp, err := r.c.UpdateSession(ctx, s.ID, r.optionBody(s, s.FulfillmentOptions[0]))
		if s = r.expectSession(c, "select option", http.StatusOK, next, resp, err); s == nil {
			return nil
		}
	}
	if s.Status != "ready_for_payment" {
		c.Errorf("session %s is %s after address and option, want ready_for_payment (messages: %s)", s.ID, s.Status, messagesText(s))
		return nil
	}
	return s
}

// canPay reports whether the merchant offers a sandbox delegate_payment
// endpoint; when not, it skips c with the reason. The endpoint is probed
// once with an empty body: 404 or 405 means there is none.
func (r *runner) canPay(ctx context.Context, c *Case) bool {
	if !r.shared.delegateProbed {
		resp, err := r.c.Do(ctx, http.MethodPost, "/agentic_commerce/delegate_payment", []byte(`{}`))
		switch {
		case resp == nil:
			if ctx.Err() != nil {
				c.Errorf("probing delegate_payment: %v", err)
				return false
			}
			r.shared.delegateErr = fmt.Sprintf("probing POST /agentic_commerce/delegate_payment failed: %v", err)
		case resp.Status == http.StatusNotFound || resp.Status == http.StatusMethodNotAllowed:
			r.shared.delegateErr = fmt.Sprintf("the merchant hosts no sandbox POST /agentic_commerce/delegate_payment (HTTP %d), so no payment token can be obtained", resp.Status)
		}
		r.shared.delegateProbed = true
	}
	if r.shared.delegateErr != "" {
		c.Skipf("%s", r.shared.delegateErr)
		return false
	}
	return true
}

// merchantID is the id to bind allowances to: the configured one, the
// session's, or (2025-09-29, whose schema cannot carry it) the one in the
// session's 2026-04-17 view. It skips c when there is none.
func (r *runner) merchantID(ctx context.Context, c *Case, s *acpclient.Session) (string, bool) {
	if r.cfg.MerchantID != "" {
		return r.cfg.MerchantID, true
	}
	if id := s.MerchantID(); id != "" {
		return id, true
	}
	if id, _, err := client(r.cfg, r.v).SessionMerchantID(ctx, s); err == nil && id != "" {
		return id, true
	}
	c.Skipf("the session declares no merchant_id for delegated-payment allowances; pass --merchant-id")
	return "", false
}

// delegation describes one delegate_payment call.
type delegation struct {
	card      string
	maxAmount int64
	sessionID string
}

// delegate obtains a vault token for s and checks the 201
// DelegatePaymentResponse; "" after failing or skipping c.
func (r *runner) delegate(ctx context.Context, c *Case, s *acpclient.Session, d delegation) string {
	mid, ok := r.merchantID(ctx, c, s)
	if !ok {
		return ""
	}
	now := r.cfg.Now()
	req := acpclient.NewDelegatePaymentRequest(acpclient.CardDelegation{
		Number: d.card, ExpMonth: "12", ExpYear: strconv.Itoa(now.Year() + 3), CVC: "123",
		MaxAmount: d.maxAmount, Currency: s.Currency, CheckoutSessionID: d.sessionID, MerchantID: mid,
		ExpiresAt: now.Add(15 * time.Minute),
	})
	tok, resp, err := r.c.DelegatePayment(ctx, req)
	if resp == nil || err != nil {
		c.Errorf("delegate_payment: %v", err)
		return ""
	}
	if resp.Status != http.StatusCreated {
		c.Errorf("delegate_payment: HTTP %d, want 201", resp.Status)
	}
	r.schemaV(c, r.v, "delegate_payment", "delegate_payment:DelegatePaymentResponse", resp.Body)
	if tok.ID == "" {
		c.Errorf("delegate_payment: no token id%s", bodyText(resp.Body))
	}
	return tok.ID
}

// completeBody is a complete request paying with token.
func (r *runner) completeBody(c *Case, s *acpclient.Session, token string) any {
	p := acpclient.CompleteParams{Token: token, Buyer: buyer}
	if s.PaymentProvider != nil {
		p.Provider = s.PaymentProvider.Provider
	}
	if r.v == acpclient.Version20260417 {
		if h := s.CardHandler(); h != nil {
			p.HandlerID = h.ID
		} else {
			c.Errorf("session %s declares no payment handler (capabilities.payment.handlers)", s.ID)
		}
	}
	body, err := acpclient.NewCompleteRequest(r.v, p)
	if err != nil {
		panic(err)
	}
	return body
}

// pay delegates the succeeding test card for s's total and completes s;
// it returns the completed session, or nil after failing or skipping c.
func (r *runner) pay(ctx context.Context, c *Case, s *acpclient.Session, opts ...acpclient.RequestOption) (*acpclient.Session, *acpclient.Response) {
	total, ok := s.Total()
	if !ok {
		c.Errorf("session %s has no total to authorise", s.ID)
		return nil, nil
	}
	tok := r.delegate(ctx, c, s, delegation{card: cardSucceeds, maxAmount: total, sessionID: s.ID})
	if tok == "" {
		return nil, nil
	}
	done, resp, err := r.c.CompleteSession(ctx, s.ID, r.completeBody(c, s, tok), opts...)
	done = r.expectSession(c, "complete", http.StatusOK, done, resp, err)
	if done == nil {
		return nil, resp
	}
	if done.Status != "completed" || done.Order == nil {
		c.Errorf("complete with test card %s: session is %s with order %v, want completed with an order (messages: %s)", cardSucceeds, done.Status, done.Order != nil, messagesText(done))
		return nil, resp
	}
	return done, resp
}

// messagesText lists a session's messages for a failure detail.
func messagesText(s *acpclient.Session) string {
	if len(s.Messages) == 0 {
		return "none"
	}
	parts := make([]string, len(s.Messages))
	for i, m := range s.Messages {
		parts[i] = strings.TrimSpace(m.Type + " " + m.Code + " " + m.Param)
	}
	return strings.Join(parts, ", ")
}
