package acpclient

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"

	json "github.com/segmentio/encoding/json"
)

// Session is a version-neutral view of a checkout session response, with
// the fields an agent acts on. Where the versions differ it holds what
// either sent: 2025-09-29's flat amounts become [Totals], its
// fulfillment_address and fulfillment_option_id fill FulfillmentAddress and
// SelectedFulfillmentOptionIDs like 2026-04-17's fulfillment_details and
// selected_fulfillment_options do. The full body is in Raw.
type Session struct {
	ID       string
	Status   string
	Currency string
	Buyer    *Buyer

	LineItems []LineItem

	// FulfillmentAddress is 2025-09-29 fulfillment_address or 2026-04-17
	// fulfillment_details.address.
	FulfillmentAddress *Address
	// FulfillmentDetails is 2026-04-17 only.
	FulfillmentDetails *FulfillmentDetails
	FulfillmentOptions []FulfillmentOption
	// SelectedFulfillmentOptionIDs is [fulfillment_option_id] in 2025-09-29
	// and the option_id of each selected_fulfillment_options entry in
	// 2026-04-17.
	SelectedFulfillmentOptionIDs []string

	Totals   Totals
	Messages []Message
	Order    *Order

	// PaymentProvider is 2025-09-29's payment declaration.
	PaymentProvider *PaymentProvider
	// PaymentHandlers is 2026-04-17's capabilities.payment.handlers.
	PaymentHandlers []PaymentHandler
	// AuthenticationMetadata is set (2026-04-17) when the seller asks for
	// 3-D Secure, with status authentication_required.
	AuthenticationMetadata json.RawMessage

	// Raw is the response body the view was decoded from.
	Raw json.RawMessage
}

// LineItem is one line of the session. Quantity is a number: 2025-09-29 now
// allows decimal quantities (in item.quantity), 2026-04-17 has an integer
// line_item.quantity.
type LineItem struct {
	ID         string
	ItemID     string
	Name       string
	Quantity   float64
	UnitAmount int64
	Totals     Totals
}

// FulfillmentOption is one way to fulfil the order: shipping, digital,
// pickup or local_delivery. Total is the option's cost: 2025-09-29 total,
// or the 2026-04-17 totals entry of type "total" (HasTotal is false when
// there was none).
type FulfillmentOption struct {
	Type        string
	ID          string
	Title       string
	Description string // 2025-09-29 subtitle, 2026-04-17 description
	Carrier     string
	Total       int64
	HasTotal    bool
	Totals      Totals
}

// Total is one entry of a totals list.
type Total struct {
	Type        string `json:"type"`
	DisplayText string `json:"display_text"`
	Amount      int64  `json:"amount"`
}

// Totals is a totals list in the server's order.
type Totals []Total

// Amount returns the amount of the first total of type typ.
func (t Totals) Amount(typ string) (int64, bool) {
	for _, x := range t {
		if x.Type == typ {
			return x.Amount, true
		}
	}
	return 0, false
}

// Message is an entry of messages[]: type info, warning or error.
type Message struct {
	Type        string `json:"type"`
	Code        string `json:"code,omitempty"`
	Param       string `json:"param,omitempty"`
	Severity    string `json:"severity,omitempty"`
	Resolution  string `json:"resolution,omitempty"`
	ContentType string `json:"content_type"`
	Content     string `json:"content"`
}

// Order is the order a completed session created.
type Order struct {
	ID                string `json:"id"`
	CheckoutSessionID string `json:"checkout_session_id"`
	PermalinkURL      string `json:"permalink_url"`
	OrderNumber       string `json:"order_number,omitempty"`
	Status            string `json:"status,omitempty"`
}

// PaymentProvider is 2025-09-29's payment_provider (merchant_id arrived in
// 2026-01-16 and is read when present).
type PaymentProvider struct {
	Provider                string          `json:"provider"`
	MerchantID              string          `json:"merchant_id,omitempty"`
	SupportedPaymentMethods json.RawMessage `json:"supported_payment_methods,omitempty"`
}

// PaymentHandler is a 2026-04-17 payment handler; MerchantID is read from
// its config.merchant_id.
type PaymentHandler struct {
	ID                      string
	Name                    string
	PSP                     string
	RequiresDelegatePayment bool
	MerchantID              string
	Config                  json.RawMessage
}

// TokenizedCardHandler is the handler name of delegated card payments.
const TokenizedCardHandler = "dev.acp.tokenized.card"

// CardHandler returns the handler to pay with a delegated card: the first
// one named [TokenizedCardHandler], else the first handler, else nil.
func (s *Session) CardHandler() *PaymentHandler {
	for i, h := range s.PaymentHandlers {
		if h.Name == TokenizedCardHandler {
			return &s.PaymentHandlers[i]
		}
	}
	if len(s.PaymentHandlers) > 0 {
		return &s.PaymentHandlers[0]
	}
	return nil
}

// MerchantID returns the merchant id the session declares for delegated
// payment allowances: payment_provider.merchant_id (2025-09-29 shape) or
// the card handler's config.merchant_id (2026-04-17), or "".
func (s *Session) MerchantID() string {
	if s.PaymentProvider != nil && s.PaymentProvider.MerchantID != "" {
		return s.PaymentProvider.MerchantID
	}
	if h := s.CardHandler(); h != nil {
		return h.MerchantID
	}
	return ""
}

// Total returns the session total (the totals entry of type "total").
func (s *Session) Total() (int64, bool) { return s.Totals.Amount("total") }

// ErrorMessages returns the messages of type error.
func (s *Session) ErrorMessages() []Message {
	var out []Message
	for _, m := range s.Messages {
		if m.Type == "error" {
			out = append(out, m)
		}
	}
	return out
}

// HasMessage reports whether the session carries an error message with code.
func (s *Session) HasMessage(code string) bool {
	for _, m := range s.Messages {
		if m.Type == "error" && m.Code == code {
			return true
		}
	}
	return false
}

// wireSession holds the fields of both versions' CheckoutSession.
type wireSession struct {
	ID                         string                      `json:"id"`
	Status                     string                      `json:"status"`
	Currency                   string                      `json:"currency"`
	Buyer                      *Buyer                      `json:"buyer"`
	LineItems                  []wireLineItem              `json:"line_items"`
	FulfillmentAddress         *Address                    `json:"fulfillment_address"`
	FulfillmentDetails         *FulfillmentDetails         `json:"fulfillment_details"`
	FulfillmentOptions         []wireFulfillmentOption     `json:"fulfillment_options"`
	FulfillmentOptionID        string                      `json:"fulfillment_option_id"`
	SelectedFulfillmentOptions []SelectedFulfillmentOption `json:"selected_fulfillment_options"`
	Totals                     []wireTotal                 `json:"totals"`
	Messages                   []Message                   `json:"messages"`
	Order                      *Order                      `json:"order"`
	PaymentProvider            *PaymentProvider            `json:"payment_provider"`
	Capabilities               *struct {
		Payment *struct {
			Handlers []wireHandler `json:"handlers"`
		} `json:"payment"`
	} `json:"capabilities"`
	AuthenticationMetadata json.RawMessage `json:"authentication_metadata"`
}

type wireLineItem struct {
	ID   string `json:"id"`
	Item struct {
		ID       string  `json:"id"`
		Quantity *number `json:"quantity"`
	} `json:"item"`
	Quantity   *number     `json:"quantity"`
	Name       string      `json:"name"`
	UnitAmount amount      `json:"unit_amount"`
	BaseAmount *amount     `json:"base_amount"`
	Discount   *amount     `json:"discount"`
	Subtotal   *amount     `json:"subtotal"`
	Tax        *amount     `json:"tax"`
	Total      *amount     `json:"total"`
	Totals     []wireTotal `json:"totals"`
}

type wireFulfillmentOption struct {
	Type        string      `json:"type"`
	ID          string      `json:"id"`
	Title       string      `json:"title"`
	Subtitle    string      `json:"subtitle"`
	Description string      `json:"description"`
	Carrier     string      `json:"carrier"`
	Subtotal    *amount     `json:"subtotal"`
	Tax         *amount     `json:"tax"`
	Total       *amount     `json:"total"`
	Totals      []wireTotal `json:"totals"`
}

type wireTotal struct {
	Type        string `json:"type"`
	DisplayText string `json:"display_text"`
	Amount      amount `json:"amount"`
}

type wireHandler struct {
	ID                      string          `json:"id"`
	Name                    string          `json:"name"`
	PSP                     string          `json:"psp"`
	RequiresDelegatePayment bool            `json:"requires_delegate_payment"`
	Config                  json.RawMessage `json:"config"`
}

// DecodeSession decodes a CheckoutSession (or CheckoutSessionWithOrder)
// body of either version into a Session.
func DecodeSession(body []byte) (*Session, error) {
	var w wireSession
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("acpclient: decode checkout session: %w", err)
	}
	s := &Session{
		ID:                     w.ID,
		Status:                 w.Status,
		Currency:               w.Currency,
		Buyer:                  w.Buyer,
		FulfillmentAddress:     w.FulfillmentAddress,
		FulfillmentDetails:     w.FulfillmentDetails,
		Totals:                 totals(w.Totals),
		Messages:               w.Messages,
		Order:                  w.Order,
		PaymentProvider:        w.PaymentProvider,
		AuthenticationMetadata: nonNull(w.AuthenticationMetadata),
		Raw:                    append(json.RawMessage(nil), body...),
	}
	if s.FulfillmentAddress == nil && w.FulfillmentDetails != nil {
		s.FulfillmentAddress = w.FulfillmentDetails.Address
	}
	if w.FulfillmentOptionID != "" {
		s.SelectedFulfillmentOptionIDs = append(s.SelectedFulfillmentOptionIDs, w.FulfillmentOptionID)
	}
	for _, o := range w.SelectedFulfillmentOptions {
		s.SelectedFulfillmentOptionIDs = append(s.SelectedFulfillmentOptionIDs, o.OptionID)
	}
	for _, li := range w.LineItems {
		l := LineItem{ID: li.ID, ItemID: li.Item.ID, Name: li.Name, UnitAmount: int64(li.UnitAmount)}
		switch {
		case li.Quantity != nil:
			l.Quantity = float64(*li.Quantity)
		case li.Item.Quantity != nil:
			l.Quantity = float64(*li.Item.Quantity)
		}
		if len(li.Totals) > 0 {
			l.Totals = totals(li.Totals)
		} else {
			l.Totals = flatTotals([]string{"items_base_amount", "discount", "subtotal", "tax", "total"},
				li.BaseAmount, li.Discount, li.Subtotal, li.Tax, li.Total)
		}
		s.LineItems = append(s.LineItems, l)
	}
	for _, fo := range w.FulfillmentOptions {
		o := FulfillmentOption{Type: fo.Type, ID: fo.ID, Title: fo.Title, Description: fo.Description, Carrier: fo.Carrier}
		if o.Description == "" {
			o.Description = fo.Subtitle
		}
		if len(fo.Totals) > 0 {
			o.Totals = totals(fo.Totals)
		} else {
			o.Totals = flatTotals([]string{"subtotal", "tax", "total"}, fo.Subtotal, fo.Tax, fo.Total)
		}
		o.Total, o.HasTotal = o.Totals.Amount("total")
		s.FulfillmentOptions = append(s.FulfillmentOptions, o)
	}
	if w.Capabilities != nil && w.Capabilities.Payment != nil {
		for _, h := range w.Capabilities.Payment.Handlers {
			ph := PaymentHandler{ID: h.ID, Name: h.Name, PSP: h.PSP, RequiresDelegatePayment: h.RequiresDelegatePayment, Config: nonNull(h.Config)}
			var cfg struct {
				MerchantID string `json:"merchant_id"`
			}
			if json.Unmarshal(h.Config, &cfg) == nil {
				ph.MerchantID = cfg.MerchantID
			}
			s.PaymentHandlers = append(s.PaymentHandlers, ph)
		}
	}
	return s, nil
}

func totals(w []wireTotal) Totals {
	if w == nil {
		return nil
	}
	out := make(Totals, len(w))
	for i, t := range w {
		out[i] = Total{Type: t.Type, DisplayText: t.DisplayText, Amount: int64(t.Amount)}
	}
	return out
}

// flatTotals turns 2025-09-29's flat amount fields into a totals list,
// skipping the ones the server left out.
func flatTotals(types []string, amounts ...*amount) Totals {
	var out Totals
	for i, a := range amounts {
		if a != nil {
			out = append(out, Total{Type: types[i], Amount: int64(*a)})
		}
	}
	return out
}

func nonNull(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil
	}
	return raw
}

// amount is an integer amount in minor units. It also accepts a string of
// digits, which the as-published 2025-09-29 OpenAPI file declared for
// fulfillment option amounts.
type amount int64

func (a *amount) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return fmt.Errorf("amount %s is not an integer", b)
		}
		n = int64(f)
	}
	*a = amount(n)
	return nil
}

// number is a JSON number that may be decimal (quantities).
type number float64

func (n *number) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("number %s: %w", b, err)
	}
	*n = number(f)
	return nil
}
