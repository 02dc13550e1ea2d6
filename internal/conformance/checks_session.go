package conformance

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"agentshop/internal/acpclient"
)

// sessionChecks runs the happy paths (group "session") and the status
// rules (group "status") of ACP §3.4/§5.4: create → 201; no address →
// not_ready_for_payment with a MessageError missing; address and option →
// ready_for_payment; complete → completed with an order; cancel →
// canceled; cancel of a completed or canceled session → 405; unknown id
// → 404.
func (r *runner) sessionChecks(ctx context.Context) {
	r.run(ctx, "session", "create → 201 CheckoutSession", func(ctx context.Context, c *Case) {
		s, resp, err := r.c.CreateSession(ctx, r.createBody(r.cfg.Item))
		if s = r.expectSession(c, "create", http.StatusCreated, s, resp, err); s == nil {
			return
		}
		if s.ID == "" {
			c.Errorf("the session has no id")
		}
		if !slices.ContainsFunc(s.LineItems, func(li acpclient.LineItem) bool { return li.ItemID == r.cfg.Item }) {
			c.Errorf("no line item for item %q", r.cfg.Item)
		}
		if s.Status != "not_ready_for_payment" && s.Status != "ready_for_payment" {
			c.Errorf("status %s, want not_ready_for_payment or ready_for_payment", s.Status)
		}
		c.Logf("%s %s", s.ID, s.Status)
	})

	r.run(ctx, "status", "no address → not_ready_for_payment + missing", func(ctx context.Context, c *Case) {
		s := r.create(ctx, c)
		if s == nil {
			return
		}
		if s.Status != "not_ready_for_payment" {
			c.Errorf("a physical item without an address: status %s, want not_ready_for_payment", s.Status)
		}
		var missing *acpclient.Message
		for i, m := range s.Messages {
			if m.Type == "error" && m.Code == "missing" {
				missing = &s.Messages[i]
				break
			}
		}
		switch {
		case missing == nil:
			c.Errorf("no MessageError with code missing (messages: %s)", messagesText(s))
		case missing.Param == "":
			c.Errorf("the missing message has no param naming what is missing")
		default:
			if _, err := parseJSONPath(missing.Param); err != nil {
				c.Errorf("missing message param: %v", err)
			} else {
				c.Logf("missing %s", missing.Param)
			}
		}
	})

	var ready *acpclient.Session
	r.run(ctx, "status", "address + option → ready_for_payment", func(ctx context.Context, c *Case) {
		s := r.create(ctx, c)
		if s == nil {
			return
		}
		next, resp, err := r.c.UpdateSession(ctx, s.ID, r.addressBody())
		if s = r.expectSession(c, "update address", http.StatusOK, next, resp, err); s == nil {
			return
		}
		if s.FulfillmentAddress == nil {
			c.Errorf("the session does not show the address it was given")
		}
		if len(s.FulfillmentOptions) == 0 {
			c.Errorf("no fulfillment options after an address")
			return
		}
		if len(s.SelectedFulfillmentOptionIDs) == 0 {
			next, resp, err := r.c.UpdateSession(ctx, s.ID, r.optionBody(s, s.FulfillmentOptions[0]))
			if s = r.expectSession(c, "select option", http.StatusOK, next, resp, err); s == nil {
				return
			}
		}
		if s.Status != "ready_for_payment" {
			c.Errorf("status %s, want ready_for_payment (messages: %s)", s.Status, messagesText(s))
		}
		if s.HasMessage("missing") {
			c.Errorf("a missing message is still there: %s", messagesText(s))
		}
		ready = s
		c.Logf("%d options, selected %v", len(s.FulfillmentOptions), s.SelectedFulfillmentOptionIDs)
	})

	r.run(ctx, "session", "update selects another option", func(ctx context.Context, c *Case) {
		if ready == nil {
			c.Skipf("no ready session (see status/address + option → ready_for_payment)")
			return
		}
		if len(ready.FulfillmentOptions) < 2 {
			c.Skipf("the merchant offers only %d fulfillment option", len(ready.FulfillmentOptions))
			return
		}
		var from, to acpclient.FulfillmentOption
		for _, o := range ready.FulfillmentOptions {
			if slices.Contains(ready.SelectedFulfillmentOptionIDs, o.ID) {
				from = o
			} else if to.ID == "" {
				to = o
			}
		}
		next, resp, err := r.c.UpdateSession(ctx, ready.ID, r.optionBody(ready, to))
		s := r.expectSession(c, "select option", http.StatusOK, next, resp, err)
		if s == nil {
			return
		}
		if !slices.Equal(s.SelectedFulfillmentOptionIDs, []string{to.ID}) {
			c.Errorf("selected %v, want [%s]", s.SelectedFulfillmentOptionIDs, to.ID)
		}
		before, _ := ready.Total()
		after, _ := s.Total()
		var newCost int64
		for _, o := range s.FulfillmentOptions {
			if o.ID == to.ID {
				newCost = o.Total
			}
		}
		if from.ID != "" && after-before != newCost-from.Total {
			c.Errorf("total went %d → %d; the option change %s (%d) → %s (%d) explains a change of %d", before, after, from.ID, from.Total, to.ID, newCost, newCost-from.Total)
		}
		if s.Status != "ready_for_payment" {
			c.Errorf("status %s after changing the option, want ready_for_payment", s.Status)
		}
		ready = s
	})

	r.run(ctx, "session", "get → 200 same session", func(ctx context.Context, c *Case) {
		if ready == nil {
			c.Skipf("no ready session to read")
			return
		}
		s, resp, err := r.c.GetSession(ctx, ready.ID)
		if s = r.expectSession(c, "get", http.StatusOK, s, resp, err); s == nil {
			return
		}
		if s.ID != ready.ID || s.Status != ready.Status {
			c.Errorf("get shows %s %s, the last update showed %s %s", s.ID, s.Status, ready.ID, ready.Status)
		}
		a, _ := s.Total()
		b, _ := ready.Total()
		if a != b || !slices.Equal(s.SelectedFulfillmentOptionIDs, ready.SelectedFulfillmentOptionIDs) {
			c.Errorf("get shows total %d and selection %v, the last update %d and %v", a, s.SelectedFulfillmentOptionIDs, b, ready.SelectedFulfillmentOptionIDs)
		}
	})

	var completed *acpclient.Session
	r.run(ctx, "status", "complete → completed + order", func(ctx context.Context, c *Case) {
		if !r.canPay(ctx, c) {
			return
		}
		s := r.readySession(ctx, c)
		if s == nil {
			return
		}
		done, _ := r.pay(ctx, c, s)
		if done == nil {
			return
		}
		o := done.Order
		if o.ID == "" || o.CheckoutSessionID != s.ID {
			c.Errorf("order {id %q, checkout_session_id %q}, want an id and checkout_session_id %q", o.ID, o.CheckoutSessionID, s.ID)
		}
		if u, err := url.Parse(o.PermalinkURL); err != nil || !u.IsAbs() {
			c.Errorf("order permalink_url %q is not an absolute URL", o.PermalinkURL)
		}
		got, resp, err := r.c.GetSession(ctx, s.ID)
		if got = r.expectSession(c, "get completed", http.StatusOK, got, resp, err); got != nil {
			if got.Status != "completed" {
				c.Errorf("get after complete: status %s, want completed", got.Status)
			}
			if got.Order == nil || got.Order.ID != o.ID {
				c.Errorf("get after complete does not show order %s", o.ID)
			}
		}
		completed = done
		c.Logf("order %s", o.ID)
	})

	var canceled *acpclient.Session
	r.run(ctx, "status", "cancel → canceled", func(ctx context.Context, c *Case) {
		s := r.create(ctx, c)
		if s == nil {
			return
		}
		next, resp, err := r.c.CancelSession(ctx, s.ID, nil)
		if next = r.expectSession(c, "cancel", http.StatusOK, next, resp, err); next == nil {
			return
		}
		if next.Status != "canceled" {
			c.Errorf("status %s after cancel, want canceled", next.Status)
		}
		if got, resp, err := r.c.GetSession(ctx, s.ID); r.expectSession(c, "get canceled", http.StatusOK, got, resp, err) != nil && got.Status != "canceled" {
			c.Errorf("get after cancel: status %s, want canceled", got.Status)
		}
		canceled = next
	})

	r.run(ctx, "status", "cancel canceled → 405", func(ctx context.Context, c *Case) {
		if canceled == nil {
			c.Skipf("no canceled session (see status/cancel → canceled)")
			return
		}
		_, resp, err := r.c.CancelSession(ctx, canceled.ID, nil)
		r.expectError(c, "cancel again", http.StatusMethodNotAllowed, resp, err)
	})

	r.run(ctx, "status", "cancel completed → 405", func(ctx context.Context, c *Case) {
		if completed == nil {
			c.Skipf("no completed session (see status/complete → completed + order)")
			return
		}
		_, resp, err := r.c.CancelSession(ctx, completed.ID, nil)
		r.expectError(c, "cancel completed", http.StatusMethodNotAllowed, resp, err)
	})

	r.run(ctx, "status", "unknown id → 404", func(ctx context.Context, c *Case) {
		_, resp, err := r.c.GetSession(ctx, "cs_does_not_exist_"+acpclient.NewUUID())
		r.expectError(c, "get unknown", http.StatusNotFound, resp, err)
	})

	r.runShould(ctx, "session", "digital item → ready without an address", func(ctx context.Context, c *Case) {
		if r.cfg.DigitalItem == "" {
			c.Skipf("no digital item given (a second --item)")
			return
		}
		s, resp, err := r.c.CreateSession(ctx, r.createBody(r.cfg.DigitalItem))
		if s = r.expectSession(c, "create digital", http.StatusCreated, s, resp, err); s == nil {
			return
		}
		if !slices.ContainsFunc(s.FulfillmentOptions, func(o acpclient.FulfillmentOption) bool { return o.Type == "digital" }) {
			c.Errorf("no digital fulfillment option for a digital-only cart")
		}
		if s.Status != "ready_for_payment" {
			c.Errorf("status %s, want ready_for_payment: a digital item needs no address (messages: %s)", s.Status, messagesText(s))
		}
	})
}
