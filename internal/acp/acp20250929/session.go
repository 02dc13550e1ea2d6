package acp20250929

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"agentshop/internal/commerce"
)

// checkoutSession is CheckoutSession, or CheckoutSessionWithOrder when
// Order is set.
type checkoutSession struct {
	ID                  string              `json:"id"`
	Buyer               *buyer              `json:"buyer,omitempty"`
	PaymentProvider     paymentProvider     `json:"payment_provider"`
	Status              string              `json:"status"`
	Currency            string              `json:"currency"`
	LineItems           []lineItem          `json:"line_items"`
	FulfillmentAddress  *address            `json:"fulfillment_address,omitempty"`
	FulfillmentOptions  []fulfillmentOption `json:"fulfillment_options"`
	FulfillmentOptionID string              `json:"fulfillment_option_id,omitempty"`
	Totals              []total             `json:"totals"`
	Messages            []message           `json:"messages"`
	Links               []link              `json:"links"`
	Order               *order              `json:"order,omitempty"`
}

// paymentProvider is PaymentProvider. "stripe" and "card" are the only
// values the schema allows; see [Codec.paymentProvider].
type paymentProvider struct {
	Provider                string   `json:"provider"`
	SupportedPaymentMethods []string `json:"supported_payment_methods"`
}

type lineItem struct {
	ID         string      `json:"id"`
	Item       lineItemRef `json:"item"`
	BaseAmount int64       `json:"base_amount"`
	Discount   int64       `json:"discount"`
	Subtotal   int64       `json:"subtotal"`
	Tax        int64       `json:"tax"`
	Total      int64       `json:"total"`
}

type lineItemRef struct {
	ID       string `json:"id"`
	Quantity int64  `json:"quantity"`
}

// fulfillmentOption is FulfillmentOptionShipping or FulfillmentOptionDigital;
// digital options leave carrier and delivery times empty.
type fulfillmentOption struct {
	Type                 string    `json:"type"`
	ID                   string    `json:"id"`
	Title                string    `json:"title"`
	Subtitle             string    `json:"subtitle,omitempty"`
	Carrier              string    `json:"carrier,omitempty"`
	EarliestDeliveryTime time.Time `json:"earliest_delivery_time,omitzero"`
	LatestDeliveryTime   time.Time `json:"latest_delivery_time,omitzero"`
	Subtotal             int64     `json:"subtotal"`
	Tax                  int64     `json:"tax"`
	Total                int64     `json:"total"`
}

type total struct {
	Type        string `json:"type"`
	DisplayText string `json:"display_text"`
	Amount      int64  `json:"amount"`
}

type link struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

type order struct {
	ID                string `json:"id"`
	CheckoutSessionID string `json:"checkout_session_id"`
	PermalinkURL      string `json:"permalink_url"`
}

// EncodeSession renders v as a 2025-09-29 CheckoutSession, with "order"
// (CheckoutSessionWithOrder) when v.Order is set. Lines whose item is
// unknown are not rendered; their problem is in the messages. It returns
// an error only for a view it cannot describe (nil, or a status this
// codec does not know).
func (c *Codec) EncodeSession(v *commerce.View) ([]byte, error) {
	if v == nil || v.Session == nil {
		return nil, errors.New("acp20250929: encode: nil view or session")
	}
	status, err := wireStatus(v.Status)
	if err != nil {
		return nil, err
	}
	s := v.Session
	q := v.Quote
	if q == nil {
		q = &commerce.Quote{}
	}
	cs := checkoutSession{
		ID:                 s.ID,
		Buyer:              wireBuyer(s.Buyer),
		PaymentProvider:    c.paymentProvider(s),
		Status:             status,
		Currency:           strings.ToLower(string(s.Currency)),
		LineItems:          []lineItem{},
		FulfillmentAddress: wireAddress(s.Address),
		FulfillmentOptions: []fulfillmentOption{},
		Totals:             totals(q),
		Links:              c.links(),
	}
	lines := map[int]int{} // domain line index → rendered index
	for i, l := range q.Lines {
		if l.Item == nil {
			continue
		}
		lines[i] = len(cs.LineItems)
		cs.LineItems = append(cs.LineItems, lineItem{
			ID:         l.ID,
			Item:       lineItemRef{ID: l.ItemID, Quantity: l.Quantity},
			BaseAmount: l.Base,
			Discount:   l.Discount,
			Subtotal:   l.Subtotal,
			Tax:        l.Tax,
			Total:      l.Total,
		})
	}
	for _, o := range q.Options {
		cs.FulfillmentOptions = append(cs.FulfillmentOptions, wireOption(o))
	}
	if q.Selected != nil {
		cs.FulfillmentOptionID = q.Selected.ID
	}
	cs.Messages = messages(v.Messages, lines)
	if v.Order != nil {
		cs.Order = &order{ID: v.Order.ID, CheckoutSessionID: s.ID, PermalinkURL: c.Merchant.OrderURL(v.Order.ID)}
	}
	b, err := json.Marshal(cs)
	if err != nil {
		return nil, fmt.Errorf("acp20250929: encode session: %w", err)
	}
	return b, nil
}

// wireStatus maps a domain status onto the 2025-09-29 enum.
func wireStatus(s commerce.Status) (string, error) {
	switch s {
	case commerce.StatusNotReady, commerce.StatusReady, commerce.StatusCompleted, commerce.StatusCanceled:
		return string(s), nil
	case commerce.StatusAuthRequired:
		// No authentication_required in this version: the session is still
		// payable, and the requires_3ds message says what is needed.
		return string(commerce.StatusReady), nil
	case commerce.StatusExpired:
		return string(commerce.StatusCanceled), nil
	}
	return "", fmt.Errorf("acp20250929: encode: no wire status for %q", s)
}

func wireOption(o commerce.FulfillmentOption) fulfillmentOption {
	w := fulfillmentOption{Type: wireKind(o.Kind), ID: o.ID, Title: o.Title, Subtitle: o.Subtitle,
		Subtotal: o.Subtotal, Tax: o.Tax, Total: o.Total}
	if o.Kind == commerce.FulfillmentShipping {
		w.Carrier = o.Carrier
		w.EarliestDeliveryTime = o.Earliest.UTC()
		w.LatestDeliveryTime = o.Latest.UTC()
	}
	return w
}

// wireKind is the fulfillment option type of a domain kind; 2025-09-29
// has the same two words.
func wireKind(k commerce.FulfillmentKind) string {
	switch k {
	case commerce.FulfillmentShipping:
		return "shipping"
	case commerce.FulfillmentDigital:
		return "digital"
	}
	return string(k)
}

// totals renders the session totals in the domain's display order.
func totals(q *commerce.Quote) []total {
	var out []total
	for _, l := range q.TotalLines() {
		out = append(out, total{Type: l.Type, DisplayText: l.Label, Amount: l.Amount})
	}
	return out
}

// links returns the merchant's policy links that have a URL.
func (c *Codec) links() []link {
	out := []link{}
	for _, l := range []link{
		{"terms_of_use", c.Merchant.TermsURL},
		{"privacy_policy", c.Merchant.PrivacyURL},
		{"seller_shop_policies", c.Merchant.ReturnsURL},
	} {
		if l.URL != "" {
			out = append(out, l)
		}
	}
	return out
}

// paymentProvider declares the default payment handler of the session's
// mode (2025-09-29 has room for one). The sandbox and Stripe declare
// {"stripe", ["card"]}, the only values the schema allows: agents pay the
// sandbox with its vault tokens, and a complete naming "stripe" goes to
// it. Braintree declares {"braintree", [its methods]}, as PayPal's Agent
// Ready guide shows for ChatGPT, although the schema's enum has only
// stripe.
func (c *Codec) paymentProvider(s *commerce.Session) paymentProvider {
	p := paymentProvider{Provider: "stripe", SupportedPaymentMethods: []string{"card"}}
	if hs := c.Merchant.Offered(c.Merchant.SessionMode(s)); len(hs) > 0 && hs[0].PSP == "braintree" {
		p.Provider, p.SupportedPaymentMethods = "braintree", []string{}
		for _, m := range hs[0].DeclaredMethods() {
			if m, ok := m.(string); ok {
				p.SupportedPaymentMethods = append(p.SupportedPaymentMethods, m)
			}
		}
	}
	return p
}
