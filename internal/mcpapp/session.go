package mcpapp

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"agentshop/internal/commerce"
)

// wireMessage is an ACP 2025-09-29 message added by this package (the
// codec renders the domain's own messages).
type wireMessage struct {
	Type        string `json:"type"`
	Code        string `json:"code,omitempty"`
	Param       string `json:"param,omitempty"`
	ContentType string `json:"content_type"`
	Content     string `json:"content"`
}

// paymentProvider is requestCheckout's payment_provider.
type paymentProvider struct {
	Provider                string `json:"provider"`
	MerchantID              string `json:"merchant_id"`
	SupportedPaymentMethods []any  `json:"supported_payment_methods"`
}

// renderSession returns a session as the structuredContent of the checkout
// tools: the ACP 2025-09-29 CheckoutSession (with order once completed),
// which is the shape window.openai.requestCheckout takes, plus
//
//   - payment_provider: the default payment handler of the session's mode,
//     with its PSP, merchant_id and methods in the PSP's documented shape
//     (the codec declares only what the 2025-09-29 schema allows);
//   - payment_mode: the session's mode, "test" or "live";
//   - line_items[].name, description and images: the item's title,
//     description and image, for the widget and the sheet;
//   - links: the policy links plus a support_url link;
//   - metadata.merchant_order_reference: the order id once there is one,
//     the session id before;
//   - continue_url: the hosted checkout page for the same session;
//
// and extra messages appended after the session's own.
func (s *Server) renderSession(v *commerce.View, extra ...wireMessage) (json.RawMessage, error) {
	b, err := s.codec.EncodeSession(v)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("mcpapp: render session: %w", err)
	}
	set := func(k string, val any) {
		if err == nil {
			m[k], err = json.Marshal(val)
		}
	}
	pp, mode := s.paymentProvider(v.Session)
	set("payment_provider", pp)
	set("payment_mode", mode)
	set("continue_url", s.continueURL(v.Session.ID))
	ref := v.Session.ID
	if v.Order != nil {
		ref = v.Order.ID
	}
	set("metadata", map[string]string{"merchant_order_reference": ref})
	if u := s.cfg.Merchant.SupportURL; u != "" {
		var links []any
		if err == nil {
			err = json.Unmarshal(m["links"], &links)
		}
		set("links", append(links, map[string]string{"type": "support_url", "url": u}))
	}

	var lines []map[string]any
	if err == nil {
		err = json.Unmarshal(m["line_items"], &lines)
	}
	for _, l := range lines {
		item, _ := l["item"].(map[string]any)
		id, _ := item["id"].(string)
		if it, ok := s.cfg.Catalog.Item(id); ok {
			l["name"] = it.Title
			if it.Description != "" {
				l["description"] = it.Description
			}
			if it.ImageURL != "" {
				l["images"] = []string{it.ImageURL}
			}
		}
	}
	set("line_items", lines)

	if len(extra) > 0 {
		var msgs []any
		if err == nil {
			err = json.Unmarshal(m["messages"], &msgs)
		}
		for _, x := range extra {
			msgs = append(msgs, x)
		}
		set("messages", msgs)
	}
	if err != nil {
		return nil, fmt.Errorf("mcpapp: render session: %w", err)
	}
	out, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("mcpapp: render session: %w", err)
	}
	return out, nil
}

// continueURL is the hosted checkout page of a session.
func (s *Server) continueURL(id string) string {
	return strings.TrimRight(s.cfg.Merchant.BaseURL, "/") + "/checkout/" + url.PathEscape(id)
}

// sessionSummary is the text content of a checkout tool result: what the
// model needs to talk about the session, in one short paragraph.
func (s *Server) sessionSummary(v *commerce.View, extra ...wireMessage) string {
	var b strings.Builder
	q := v.Quote
	if q == nil {
		q = &commerce.Quote{}
	}
	cur := v.Session.Currency
	var n int64
	for _, l := range q.Lines {
		if l.Item != nil {
			n += l.Quantity
		}
	}
	fmt.Fprintf(&b, "Checkout %s: %d item(s), total %s, status %s.", v.Session.ID, n, cur.Format(q.Totals.Total), v.Status)
	if v.Order != nil {
		fmt.Fprintf(&b, " Order %s is confirmed: %s", v.Order.ID, s.cfg.Merchant.OrderURL(v.Order.ID))
	}
	for _, m := range v.Messages {
		if m.Type == commerce.MessageError {
			fmt.Fprintf(&b, " Problem (%s): %s", m.Code, m.Content)
		}
	}
	for _, m := range extra {
		fmt.Fprintf(&b, " Problem (%s): %s", m.Code, m.Content)
	}
	if v.Order == nil && !v.Status.Terminal() {
		fmt.Fprintf(&b, " The buyer reviews and pays in the checkout widget, or at %s.", s.continueURL(v.Session.ID))
	}
	return b.String()
}

// paymentProvider is the session's payment_provider and payment_mode: the
// default handler of its mode, unless Config.Payment overrides them.
func (s *Server) paymentProvider(sess *commerce.Session) (paymentProvider, string) {
	mode := s.cfg.Service.Payments.DefaultMode()
	if sess != nil && sess.Mode != "" {
		mode = sess.Mode
	}
	pp := paymentProvider{MerchantID: s.cfg.Merchant.ID, SupportedPaymentMethods: []any{"card"}}
	if h, ok := s.cfg.Service.Payments.DefaultHandler(mode); ok {
		pp.Provider, pp.SupportedPaymentMethods = h.PSP, h.DeclaredMethods()
		pp.MerchantID = cmp.Or(h.MerchantID, s.cfg.Merchant.ID)
	}
	o := s.cfg.Payment
	pp.Provider = cmp.Or(o.Provider, pp.Provider)
	pp.MerchantID = cmp.Or(o.MerchantID, pp.MerchantID)
	if o.SupportedPaymentMethods != nil {
		pp.SupportedPaymentMethods = o.SupportedPaymentMethods
	}
	return pp, cmp.Or(o.Mode, string(mode))
}
