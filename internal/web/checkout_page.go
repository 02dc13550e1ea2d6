package web

import (
	"net/http"
	"net/url"
	"strings"

	"agentshop/internal/commerce"
)

// formState is what the last submitted form left for the page: an inline
// error next to its section, and the fields to show again.
type formState struct {
	Section string // items, address, shipping, coupon, pay
	Error   string
	Form    url.Values
}

// checkoutPage is the checkout template's data.
type checkoutPage struct {
	Shop  string
	Title string
	ID    string
	CSRF  string
	// Seen is the pay forms' signed record of what the page shows (seen.go).
	Seen     string
	Status   commerce.Status
	Currency commerce.Currency
	Lines    []commerce.PricedLine
	Totals   []commerce.TotalLine
	Total    int64
	Options  []commerce.FulfillmentOption
	Selected string
	Coupons  []commerce.AppliedCoupon
	Address  map[string]string
	// Notes are the session's messages about the cart and address; payment
	// outcomes are in PayMessage.
	Notes []commerce.Message
	// PayMessage is the payment section's one message slot, nil when empty.
	PayMessage *payMessage
	NeedShip   bool
	Ready      bool
	Pay        *PayForm
	CardName   string
	// Challenge is set when a 3-D Secure check is pending and the provider
	// can run it here; NoChallenge when it cannot.
	Challenge, NoChallenge bool
	OrderURL               string
	Closed                 string
	Links                  []pageLink
	State                  formState

	// OrderCanceled: the session was paid, and its order canceled since.
	OrderCanceled bool
}

type pageLink struct{ Title, URL string }

func (h *Handler) renderCheckout(w http.ResponseWriter, r *http.Request, status int, v *commerce.View, st formState) {
	s := v.Session
	p := checkoutPage{
		Shop:     h.Merchant.Name,
		Title:    "Checkout",
		ID:       s.ID,
		CSRF:     h.csrfToken(s.ID, h.csrfNonce(w, r)),
		Seen:     h.seenToken(v),
		Status:   v.Status,
		Currency: s.Currency,
		Options:  v.Quote.Options,
		Coupons:  v.Quote.Applied,
		NeedShip: v.Quote.NeedsShipping,
		Ready:    v.Status == commerce.StatusReady,
		State:    st,
	}
	for _, l := range v.Quote.Lines {
		if l.Item != nil {
			p.Lines = append(p.Lines, l)
		}
	}
	p.Totals = v.Quote.TotalLines()
	p.Total = v.Quote.Totals.Total
	if v.Quote.Selected != nil {
		p.Selected = v.Quote.Selected.ID
	}
	var payError string
	for _, m := range v.Messages {
		switch m.Code {
		case commerce.CodePaymentDeclined, commerce.CodeRequires3DS:
			payError = m.Content
		default:
			p.Notes = append(p.Notes, m)
		}
	}
	p.PayMessage = paySlot(payError, st)
	p.Address = addressFields(s, h.homeCountry())
	if st.Section == "address" {
		for k := range p.Address {
			if x, ok := st.Form[k]; ok && len(x) > 0 {
				p.Address[k] = x[0]
			}
		}
	}
	p.CardName = st.Form.Get("name")
	if st.Section != "pay" {
		p.CardName = ""
	}
	if p.CardName == "" {
		p.CardName = s.ContactName
	}
	step := h.PaySteps[h.Merchant.Provider]
	if step != nil && !v.Status.Terminal() {
		f := step.Form(v)
		p.Pay = &f
	}
	if v.Status == commerce.StatusAuthRequired {
		_, can := step.(Authenticator)
		p.Challenge, p.NoChallenge = can, !can
	}
	switch v.Status {
	case commerce.StatusCompleted:
		p.Title = "Order placed"
		if v.Order != nil {
			p.OrderURL = "/orders/" + url.PathEscape(v.Order.ID)
			p.OrderCanceled = v.Order.Status == commerce.OrderCanceled
		}
		if p.OrderCanceled {
			p.Title = "Order canceled"
		}
	case commerce.StatusCanceled:
		p.Title = "Checkout canceled"
		p.Closed = "This checkout was canceled, so it can no longer be paid. Nothing was charged. Ask the assistant to start a new one."
	case commerce.StatusExpired:
		p.Title = "Checkout expired"
		p.Closed = "This checkout has expired, so it can no longer be paid. Nothing was charged. Ask the assistant to start a new one."
	}
	for _, l := range []pageLink{
		{"Terms", h.Merchant.TermsURL}, {"Privacy", h.Merchant.PrivacyURL}, {"Returns", h.Merchant.ReturnsURL},
	} {
		if l.URL != "" {
			p.Links = append(p.Links, l)
		}
	}
	if len(p.Links) == 0 {
		p.Links = []pageLink{{"Terms", "/policies/terms"}, {"Privacy", "/policies/privacy"}, {"Returns", "/policies/returns"}}
	}

	formAction := "'self'"
	if p.Pay != nil {
		for _, o := range p.Pay.FormOrigins {
			formAction += " " + o
		}
	}
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; form-action "+
		formAction+"; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Referrer-Policy", "same-origin")
	h.render(w, r, status, "checkout.html", p)
}

// payMessage is the message shown in the payment section.
type payMessage struct {
	ID   string // pay-error for the submitted form's error, pay-message for the session's
	Text string
}

// paySlot picks the payment section's one message: the error of the pay
// form just submitted, which is newer than any decline or 3-D Secure
// message on the session (a stale decline never stands beside it), or
// else that session message.
func paySlot(sessionMessage string, st formState) *payMessage {
	if st.Section == "pay" && st.Error != "" {
		return &payMessage{ID: "pay-error", Text: st.Error}
	}
	if sessionMessage != "" {
		return &payMessage{ID: "pay-message", Text: sessionMessage}
	}
	return nil
}

// addressFields prefills the address form from the session.
func addressFields(s *commerce.Session, country string) map[string]string {
	f := map[string]string{"name": s.ContactName, "email": s.ContactEmail, "line1": "", "line2": "",
		"city": "", "state": "", "postal_code": "", "country": country}
	if a := s.Address; a != nil {
		if f["name"] == "" {
			f["name"] = a.Name
		}
		f["line1"], f["line2"], f["city"], f["state"], f["postal_code"], f["country"] =
			a.LineOne, a.LineTwo, a.City, a.State, a.PostalCode, a.Country
	}
	return f
}

func (h *Handler) homeCountry() string {
	if h.Checkout.Pricer != nil && h.Checkout.Pricer.Config.HomeCountry != "" {
		return strings.ToUpper(h.Checkout.Pricer.Config.HomeCountry)
	}
	return "US"
}
