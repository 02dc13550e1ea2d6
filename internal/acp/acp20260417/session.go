package acp20260417

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"agentshop/internal/commerce"
)

// checkoutSession is CheckoutSession, or CheckoutSessionWithOrder when
// Order is set.
type checkoutSession struct {
	ID                         string                  `json:"id"`
	Protocol                   protocol                `json:"protocol"`
	Capabilities               capabilities            `json:"capabilities"`
	Buyer                      *buyer                  `json:"buyer,omitempty"`
	Status                     string                  `json:"status"`
	Currency                   string                  `json:"currency"`
	Locale                     string                  `json:"locale,omitempty"`
	LineItems                  []lineItem              `json:"line_items"`
	FulfillmentDetails         *fulfillmentDetails     `json:"fulfillment_details,omitempty"`
	FulfillmentOptions         []fulfillmentOption     `json:"fulfillment_options"`
	SelectedFulfillmentOptions []selectedOptionOut     `json:"selected_fulfillment_options,omitempty"`
	Totals                     []total                 `json:"totals"`
	Messages                   []message               `json:"messages"`
	Links                      []link                  `json:"links"`
	AuthenticationMetadata     *authenticationMetadata `json:"authentication_metadata,omitempty"`
	CreatedAt                  time.Time               `json:"created_at,omitzero"`
	UpdatedAt                  time.Time               `json:"updated_at,omitzero"`
	ExpiresAt                  time.Time               `json:"expires_at,omitzero"`
	Discounts                  *discounts              `json:"discounts,omitempty"`
	Order                      *order                  `json:"order,omitempty"`
}

type protocol struct {
	Version string `json:"version"`
}

type lineItem struct {
	ID             string          `json:"id"`
	Item           itemRef         `json:"item"`
	Quantity       int64           `json:"quantity"`
	Name           string          `json:"name,omitempty"`
	Description    string          `json:"description,omitempty"`
	Images         []string        `json:"images,omitempty"`
	UnitAmount     int64           `json:"unit_amount"`
	ProductID      string          `json:"product_id,omitempty"`
	VariantID      string          `json:"variant_id,omitempty"`
	Category       string          `json:"category,omitempty"`
	VariantOptions []variantOption `json:"variant_options,omitempty"`
	Totals         []total         `json:"totals"`
}

type itemRef struct {
	ID string `json:"id"`
}

type variantOption struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// fulfillmentOption is FulfillmentOptionShipping or
// FulfillmentOptionDigital; digital options leave carrier and delivery
// times empty.
type fulfillmentOption struct {
	Type                 string    `json:"type"`
	ID                   string    `json:"id"`
	Title                string    `json:"title"`
	Description          string    `json:"description,omitempty"`
	Carrier              string    `json:"carrier,omitempty"`
	EarliestDeliveryTime time.Time `json:"earliest_delivery_time,omitzero"`
	LatestDeliveryTime   time.Time `json:"latest_delivery_time,omitzero"`
	Totals               []total   `json:"totals"`
}

type selectedOptionOut struct {
	Type     string   `json:"type"`
	OptionID string   `json:"option_id"`
	ItemIDs  []string `json:"item_ids"`
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
	Type              string `json:"type"`
	ID                string `json:"id"`
	CheckoutSessionID string `json:"checkout_session_id"`
	PermalinkURL      string `json:"permalink_url"`
	Status            string `json:"status,omitempty"`
}

// statuses are the domain statuses this version emits as they are; all
// are documented in its enum.
var statuses = map[commerce.Status]bool{
	commerce.StatusNotReady: true, commerce.StatusReady: true, commerce.StatusAuthRequired: true,
	commerce.StatusCompleted: true, commerce.StatusCanceled: true, commerce.StatusExpired: true,
}

// EncodeSession renders v as a 2026-04-17 CheckoutSession, with "order"
// (CheckoutSessionWithOrder) when v.Order is set. Lines whose item is
// unknown are not rendered; their problem is in the messages. It returns
// an error only for a view it cannot describe (nil, or an unknown status).
func (c *Codec) EncodeSession(v *commerce.View) ([]byte, error) {
	if v == nil || v.Session == nil {
		return nil, errors.New("acp20260417: encode: nil view or session")
	}
	if !statuses[v.Status] {
		return nil, fmt.Errorf("acp20260417: encode: no wire status for %q", v.Status)
	}
	s := v.Session
	q := v.Quote
	if q == nil {
		q = &commerce.Quote{}
	}
	cs := checkoutSession{
		ID:                 s.ID,
		Protocol:           protocol{Version: APIVersion},
		Capabilities:       c.capabilities(s),
		Buyer:              wireBuyer(s.Buyer),
		Status:             string(v.Status),
		Currency:           strings.ToLower(string(s.Currency)),
		Locale:             s.Locale,
		LineItems:          []lineItem{},
		FulfillmentDetails: wireFulfillmentDetails(s),
		FulfillmentOptions: []fulfillmentOption{},
		Totals:             totals(q),
		Links:              c.links(),
		CreatedAt:          s.CreatedAt.UTC(),
		UpdatedAt:          s.UpdatedAt.UTC(),
		ExpiresAt:          s.ExpiresAt.UTC(),
	}
	lines := map[int]int{} // domain line index → rendered index
	var lineIDs []string
	for i, l := range q.Lines {
		if l.Item == nil {
			continue
		}
		lines[i] = len(cs.LineItems)
		lineIDs = append(lineIDs, l.ID)
		cs.LineItems = append(cs.LineItems, wireLine(l))
	}
	for _, o := range q.Options {
		cs.FulfillmentOptions = append(cs.FulfillmentOptions, wireOption(o))
	}
	if o := q.Selected; o != nil {
		cs.SelectedFulfillmentOptions = []selectedOptionOut{{Type: wireKind(o.Kind), OptionID: o.ID, ItemIDs: append([]string{}, lineIDs...)}}
	}
	cs.Messages = messages(v.Messages, lines)
	if len(s.CouponCodes) > 0 {
		cs.Discounts = wireDiscounts(s, q, lines)
	}
	if v.Status == commerce.StatusAuthRequired {
		cs.AuthenticationMetadata = c.authenticationMetadata(s)
	}
	if o := v.Order; o != nil {
		cs.Order = &order{Type: "order", ID: o.ID, CheckoutSessionID: s.ID, PermalinkURL: c.Merchant.OrderURL(o.ID), Status: wireOrderStatus(o.Status)}
	}
	b, err := json.Marshal(cs)
	if err != nil {
		return nil, fmt.Errorf("acp20260417: encode session: %w", err)
	}
	return b, nil
}

// lineTotals are a priced line's totals, the same on a session's line
// items and an order's.
func lineTotals(l commerce.PricedLine) []total {
	return []total{
		{Type: "items_base_amount", DisplayText: "Base Amount", Amount: l.Base},
		{Type: "discount", DisplayText: "Discount", Amount: l.Discount},
		{Type: "subtotal", DisplayText: "Subtotal", Amount: l.Subtotal},
		{Type: "tax", DisplayText: "Tax", Amount: l.Tax},
		{Type: "total", DisplayText: "Total", Amount: l.Total},
	}
}

func wireLine(l commerce.PricedLine) lineItem {
	it := l.Item
	w := lineItem{
		ID:          l.ID,
		Item:        itemRef{ID: l.ItemID},
		Quantity:    l.Quantity,
		Name:        it.Title,
		Description: it.Description,
		UnitAmount:  it.Price,
		ProductID:   it.ProductID,
		VariantID:   it.ID, // a catalog item is a product variant
		Category:    it.Category,
		Totals:      lineTotals(l),
	}
	if l.Quantity > 0 {
		// What was priced (or charged, for an order), not today's price.
		w.UnitAmount = l.Base / l.Quantity
	}
	if absoluteURL(it.ImageURL) {
		w.Images = []string{it.ImageURL}
	}
	for _, o := range it.Options {
		w.VariantOptions = append(w.VariantOptions, variantOption{Name: o.Name, Value: o.Value})
	}
	return w
}

// absoluteURL reports whether s is an absolute URL, as images' "uri"
// format requires.
func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && u.Host != ""
}

func wireOption(o commerce.FulfillmentOption) fulfillmentOption {
	w := fulfillmentOption{Type: wireKind(o.Kind), ID: o.ID, Title: o.Title, Description: o.Subtitle,
		Totals: []total{
			{Type: "subtotal", DisplayText: fulfillmentText(&o), Amount: o.Subtotal},
			{Type: "tax", DisplayText: "Tax", Amount: o.Tax},
			{Type: "total", DisplayText: "Total", Amount: o.Total},
		}}
	if o.Kind == commerce.FulfillmentShipping {
		w.Carrier = o.Carrier
		w.EarliestDeliveryTime = o.Earliest.UTC()
		w.LatestDeliveryTime = o.Latest.UTC()
	}
	return w
}

// wireKind is the fulfillment option type of a domain kind.
func wireKind(k commerce.FulfillmentKind) string {
	switch k {
	case commerce.FulfillmentShipping:
		return "shipping"
	case commerce.FulfillmentDigital:
		return "digital"
	}
	return string(k)
}

// wireOrderStatus is the 2026-04-17 order status of a domain status: the
// same words. Anything else passes through as it is.
func wireOrderStatus(s commerce.OrderStatus) string {
	switch s {
	case commerce.OrderConfirmed:
		return "confirmed"
	case commerce.OrderShipped:
		return "shipped"
	case commerce.OrderCompleted:
		return "completed"
	case commerce.OrderCanceled:
		return "canceled"
	}
	return string(s)
}

// totals renders the session totals in the domain's display order.
func totals(q *commerce.Quote) []total {
	var out []total
	for _, l := range q.TotalLines() {
		out = append(out, total{Type: l.Type, DisplayText: l.Label, Amount: l.Amount})
	}
	return out
}

func fulfillmentText(o *commerce.FulfillmentOption) string {
	if o.Kind == commerce.FulfillmentShipping {
		return "Shipping"
	}
	return "Delivery"
}

// links returns the merchant's policy links that have a URL.
func (c *Codec) links() []link {
	out := []link{}
	for _, l := range []link{
		{"terms_of_use", c.Merchant.TermsURL},
		{"privacy_policy", c.Merchant.PrivacyURL},
		{"return_policy", c.Merchant.ReturnsURL},
	} {
		if l.URL != "" {
			out = append(out, l)
		}
	}
	return out
}
