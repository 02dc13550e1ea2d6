package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"agentshop/internal/commerce"
)

// TestCheckoutChargesWhatWasShown: the page shows a total, the cart is
// raised through the service (as /mcp's update_checkout would) before the
// buyer submits: nothing is charged, and the page says the total changed
// and shows the new one; paying from that page charges the new total
// (issue 15 item 4). Before, the pay POST charged the raised total. The
// same holds for a change that lands after the handler checked the form,
// while the card is tokenized: the core refuses it in the claim.
func TestCheckoutChargesWhatWasShown(t *testing.T) {
	ctx := context.Background()
	var otherSeen string // the "seen" of another session's page, set per case
	raise := func(t *testing.T, s *shop, id string) {
		if _, err := s.svc.Update(ctx, id, commerce.UpdateInput{Lines: []commerce.LineInput{{ItemID: racket, Quantity: 5}}}, nil); err != nil {
			t.Error(err)
		}
	}
	moveAddress := func(t *testing.T, s *shop, id string) {
		a := &commerce.Address{Name: "Mallory", LineOne: "2 Market St", City: "San Francisco", State: "CA", Country: "US", PostalCode: "94103"}
		if _, err := s.svc.Update(ctx, id, commerce.UpdateInput{Fulfillment: &commerce.FulfillmentInput{Address: a}}, nil); err != nil {
			t.Error(err)
		}
	}
	tests := []struct {
		name   string
		change func(t *testing.T, s *shop, id string)
		// race, when set, is a change made after the handler's check of
		// the pay form, before the charge's claim (the core's check).
		race    func(t *testing.T, s *shop, id string)
		tamper  func(seen string) string
		message string
	}{
		{name: "CartRaisedDuringPay", race: raise, message: "The total changed, please review"},
		{name: "AddressChangedDuringPay", race: moveAddress, message: "Your order changed since this page was shown"},
		{
			name: "CartRaised",
			change: func(t *testing.T, s *shop, id string) {
				if _, err := s.svc.Update(ctx, id, commerce.UpdateInput{Lines: []commerce.LineInput{{ItemID: racket, Quantity: 5}}}, nil); err != nil {
					t.Fatal(err)
				}
			},
			message: "The total changed, please review",
		},
		{
			name: "AddressChangedSameTotal",
			change: func(t *testing.T, s *shop, id string) {
				a := &commerce.Address{Name: "Mallory", LineOne: "2 Market St", City: "San Francisco", State: "CA", Country: "US", PostalCode: "94103"}
				if _, err := s.svc.Update(ctx, id, commerce.UpdateInput{Fulfillment: &commerce.FulfillmentInput{Address: a}}, nil); err != nil {
					t.Fatal(err)
				}
			},
			message: "Your order changed since this page was shown",
		},
		{
			name:    "SeenMissing",
			tamper:  func(string) string { return "" },
			message: "Your order changed since this page was shown",
		},
		{
			// A "seen" is bound to its session: one from another session's
			// page, with the same cart and address, does not pay this one.
			name:    "SeenOfAnotherSession",
			tamper:  func(string) string { return otherSeen },
			message: "Your order changed since this page was shown",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newShop(t)
			other := newClient(t, s)
			otherPath := "/checkout/" + s.session(t, 1)
			other.get(otherPath)
			other.wantRedirect(other.post(otherPath+"/address", address), otherPath)
			other.get(otherPath)
			otherSeen = other.seen
			id := s.session(t, 1)
			c := newClient(t, s)
			path := "/checkout/" + id
			c.get(path)
			c.wantRedirect(c.post(path+"/address", address), path)
			shown, _ := s.svc.Get(ctx, id)
			has(t, c.get(path), "Pay "+shown.Session.Currency.Format(shown.Quote.Totals.Total))

			if tt.change != nil {
				tt.change(t, s, id)
			}
			if tt.race != nil {
				s.mu.Lock()
				s.afterCheck = func(id string) {
					s.mu.Lock()
					s.afterCheck = nil
					s.mu.Unlock()
					tt.race(t, s, id)
				}
				s.mu.Unlock()
			}
			form := card("4242424242424242")
			if tt.tamper != nil {
				form.Set("seen", tt.tamper(c.seen))
			}
			p := c.post(path+"/pay", form)
			if p.status != http.StatusUnprocessableEntity {
				t.Fatalf("pay after the change: %d %s, want 422", p.status, p.location)
			}
			now, _ := s.svc.Get(ctx, id)
			has(t, p, `id="pay-error"`, tt.message, "Nothing was charged", "Pay "+now.Session.Currency.Format(now.Quote.Totals.Total))
			if ps, err := s.store.ListPayments(ctx, id); err != nil || len(ps) != 0 {
				t.Fatalf("payments after the refused pay: %d, %v", len(ps), err)
			}
			if now.Status == commerce.StatusCompleted || now.Order != nil {
				t.Fatalf("session %s, order %v", now.Status, now.Order)
			}

			// From the page that shows the new total, paying charges it.
			p = c.post(path+"/pay", card("4242424242424242"))
			c.wantRedirect(p, "/orders/ord_")
			done, _ := s.svc.Get(ctx, id)
			if done.Order == nil || done.Order.Totals.Total != now.Quote.Totals.Total {
				t.Errorf("order %+v, want the total the page showed, %d", done.Order, now.Quote.Totals.Total)
			}
		})
	}
}

// A cart raised while the 3-D Secure challenge is shown charges nothing
// when the buyer approves it (the 3-D Secure form carries "seen" too).
func TestCheckout3DSChargesWhatWasShown(t *testing.T) {
	ctx := context.Background()
	s := newShop(t)
	id := s.session(t, 1)
	c := newClient(t, s)
	path := "/checkout/" + id
	c.get(path)
	c.wantRedirect(c.post(path+"/address", address), path)
	c.get(path)
	c.wantRedirect(c.post(path+"/pay", card("4000002500003155")), path)
	has(t, c.get(path), `id="approve-3ds"`)
	if _, err := s.svc.Update(ctx, id, commerce.UpdateInput{Lines: []commerce.LineInput{{ItemID: racket, Quantity: 4}}}, nil); err != nil {
		t.Fatal(err)
	}
	p := c.post(path+"/3ds", url.Values{"outcome": {"authenticated"}})
	if p.status == http.StatusSeeOther && strings.HasPrefix(p.location, "/orders/") {
		t.Fatalf("3-D Secure answer after the change placed an order: %s", p.location)
	}
	v, _ := s.svc.Get(ctx, id)
	ps, _ := s.store.ListPayments(ctx, id)
	for _, pm := range ps {
		if pm.Status == commerce.PaymentSucceeded {
			t.Errorf("a payment succeeded: %+v", pm)
		}
	}
	if v.Status == commerce.StatusCompleted {
		t.Errorf("session completed after the change")
	}
}
