package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"agentshop/internal/commerce"
)

// The hosted checkout page: external checkout for a session an agent
// created. Buyers reach it through the session's continue_url.
//
//	GET  /checkout/{id}            the page
//	POST /checkout/{id}/items      quantities (0 removes a line)
//	POST /checkout/{id}/address    shipping address and contact
//	POST /checkout/{id}/shipping   fulfillment option
//	POST /checkout/{id}/coupon     apply or remove a discount code
//	POST /checkout/{id}/pay        pay with the configured provider's PayStep
//	POST /checkout/{id}/3ds        answer a 3-D Secure challenge
//
// Every POST is CSRF-checked (csrf.go) and answers 303 See Other on
// success (post/redirect/get): to the page, to the order page once paid,
// or to a redirect-style provider. Input errors re-render the page with
// 422 and the message next to the form. A decline or a 3-D Secure request
// is a message stored on the session, so it shows after the redirect.
// Card fields are never echoed back, stored or logged.

// maxFormBytes bounds a checkout form body.
const maxFormBytes = 64 << 10

func (h *Handler) registerCheckout(mux *http.ServeMux) {
	h.handle(mux, "GET /checkout/{id}", h.checkoutPage)
	h.handle(mux, "POST /checkout/{id}/items", h.checkoutForm("items", h.postItems))
	h.handle(mux, "POST /checkout/{id}/address", h.checkoutForm("address", h.postAddress))
	h.handle(mux, "POST /checkout/{id}/shipping", h.checkoutForm("shipping", h.postShipping))
	h.handle(mux, "POST /checkout/{id}/coupon", h.checkoutForm("coupon", h.postCoupon))
	h.handle(mux, "POST /checkout/{id}/pay", h.checkoutForm("pay", h.postPay))
	h.handle(mux, "POST /checkout/{id}/3ds", h.checkoutForm("pay", h.post3DS))
}

func (h *Handler) checkoutPage(w http.ResponseWriter, r *http.Request) {
	v, err := h.Checkout.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.checkoutFailed(w, r, err)
		return
	}
	h.renderCheckout(w, r, http.StatusOK, v, formState{})
}

// formAction applies one submitted form to the session in v. It returns
// where to send the browser on success ("" for the page itself).
type formAction func(r *http.Request, v *commerce.View) (redirect string, err error)

// checkoutForm wraps a formAction: body limit, session lookup, CSRF check,
// terminal states, post/redirect/get and error display.
func (h *Handler) checkoutForm(section string, fn formAction) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "The form could not be read.", http.StatusBadRequest)
			return
		}
		id := r.PathValue("id")
		page := "/checkout/" + url.PathEscape(id)
		v, err := h.Checkout.Get(r.Context(), id)
		if err != nil {
			h.checkoutFailed(w, r, err)
			return
		}
		// A finished session changes no more: send the browser where it can
		// see that, whatever the form.
		if v.Status.Terminal() {
			http.Redirect(w, r, h.doneURL(v, page), http.StatusSeeOther)
			return
		}
		if !h.csrfCheck(r, id) {
			h.Logger.WarnContext(r.Context(), "checkout form rejected: bad CSRF token or cross-origin", "session", id, "form", section)
			h.renderCheckout(w, r, http.StatusForbidden, v, formState{
				Section: section, Form: keepForm(section, r.PostForm),
				Error: "This form had expired, so nothing was changed. Please check the details and submit again.",
			})
			return
		}
		to, err := fn(r, v)
		if err == nil {
			if to == "" {
				to = page
			}
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
		st := formState{Section: section, Form: keepForm(section, r.PostForm)}
		status := http.StatusUnprocessableEntity
		switch commerce.ErrorCode(err) {
		case commerce.EINVALID:
			st.Error = clientMessage(err)
		case commerce.ECONFLICT, commerce.ENOTALLOWED:
			// The session changed under us (completed, canceled, expired):
			// the page says what happened.
			http.Redirect(w, r, page, http.StatusSeeOther)
			return
		case commerce.EINPROGRESS:
			status = http.StatusConflict
			st.Error = "A payment for this checkout is already in progress. Wait a moment and reload the page."
		case commerce.EUNAVAILABLE:
			status = http.StatusServiceUnavailable
			st.Error = "We could not reach our systems just now; nothing was charged. Please try again."
			h.Logger.WarnContext(r.Context(), "checkout form", "session", id, "form", section, "err", err)
		case commerce.ENOTFOUND:
			h.checkoutFailed(w, r, err)
			return
		default:
			status = http.StatusInternalServerError
			st.Error = "Something went wrong on our side. Please try again."
			h.Logger.ErrorContext(r.Context(), "checkout form", "session", id, "form", section, "err", err)
		}
		// Re-read: a failed payment may have changed the session.
		if nv, gerr := h.Checkout.Get(r.Context(), id); gerr == nil {
			v = nv
		}
		h.renderCheckout(w, r, status, v, st)
	}
}

// doneURL is where a form for a finished session goes: the order page, or
// the checkout page, which explains a cancellation or expiry.
func (h *Handler) doneURL(v *commerce.View, page string) string {
	if v.Order != nil {
		return "/orders/" + url.PathEscape(v.Order.ID)
	}
	return page
}

func (h *Handler) postItems(r *http.Request, v *commerce.View) (string, error) {
	items, qtys := r.PostForm["item"], r.PostForm["qty"]
	if len(items) == 0 || len(items) != len(qtys) {
		return "", commerce.Invalid("$.items", "The quantities could not be read.")
	}
	lines := []commerce.LineInput{}
	for i, id := range items {
		q, err := strconv.ParseInt(strings.TrimSpace(qtys[i]), 10, 64)
		if err != nil || q < 0 {
			return "", commerce.Invalid("$.items", "Quantities must be whole numbers (0 removes an item).")
		}
		if q > 0 {
			lines = append(lines, commerce.LineInput{ItemID: id, Quantity: q})
		}
	}
	if len(lines) == 0 {
		return "", commerce.Invalid("$.items", "Keep at least one item in your order.")
	}
	_, err := h.Checkout.Update(r.Context(), v.Session.ID, commerce.UpdateInput{Lines: lines}, nil)
	return "", err
}

func (h *Handler) postAddress(r *http.Request, v *commerce.View) (string, error) {
	f := r.PostForm
	in := &commerce.FulfillmentInput{
		Name:  strings.TrimSpace(f.Get("name")),
		Email: strings.TrimSpace(f.Get("email")),
		Address: &commerce.Address{
			Name:       strings.TrimSpace(f.Get("name")),
			LineOne:    strings.TrimSpace(f.Get("line1")),
			LineTwo:    strings.TrimSpace(f.Get("line2")),
			City:       strings.TrimSpace(f.Get("city")),
			State:      strings.TrimSpace(f.Get("state")),
			PostalCode: strings.TrimSpace(f.Get("postal_code")),
			Country:    strings.TrimSpace(f.Get("country")),
		},
	}
	_, err := h.Checkout.Update(r.Context(), v.Session.ID, commerce.UpdateInput{Fulfillment: in}, nil)
	return "", err
}

func (h *Handler) postShipping(r *http.Request, v *commerce.View) (string, error) {
	opt := r.PostForm.Get("option")
	known := false
	for _, o := range v.Quote.Options {
		known = known || o.ID == opt
	}
	if !known {
		return "", commerce.Invalid("$.option", "Choose one of the delivery options.")
	}
	_, err := h.Checkout.Update(r.Context(), v.Session.ID, commerce.UpdateInput{FulfillmentOptionID: &opt}, nil)
	return "", err
}

func (h *Handler) postCoupon(r *http.Request, v *commerce.View) (string, error) {
	codes := append([]string(nil), v.Session.CouponCodes...)
	if rm := r.PostForm.Get("remove"); rm != "" {
		codes = slices.DeleteFunc(codes, func(c string) bool { return strings.EqualFold(c, rm) })
	} else {
		code := strings.ToUpper(strings.TrimSpace(r.PostForm.Get("code")))
		if code == "" {
			return "", commerce.Invalid("$.code", "Enter a discount code.")
		}
		codes = append(slices.DeleteFunc(codes, func(c string) bool { return c == code }), code)
	}
	_, err := h.Checkout.Update(r.Context(), v.Session.ID, commerce.UpdateInput{CouponCodes: &codes}, nil)
	return "", err
}

func (h *Handler) postPay(r *http.Request, v *commerce.View) (string, error) {
	step := h.PaySteps[h.Merchant.Provider]
	if step == nil {
		return "", commerce.Invalid("$", "Payment with %s is not available on this page.", h.Merchant.Provider)
	}
	if v.Status != commerce.StatusReady {
		return "", commerce.Invalid("$", "This order is not ready for payment yet: see the notes above.")
	}
	seen, err := h.checkSeen(r, v)
	if err != nil {
		return "", err // before the card is tokenized: nothing is charged
	}
	res, err := step.Pay(r.Context(), v, r.PostForm)
	if err != nil {
		return "", err
	}
	if res.Redirect != "" {
		return res.Redirect, nil
	}
	buyer := &commerce.Buyer{FullName: strings.TrimSpace(r.PostForm.Get("name")), Email: v.Session.ContactEmail}
	if buyer.FullName == "" {
		buyer.FullName = v.Session.ContactName
	}
	return h.complete(r, v, commerce.CompleteInput{Token: res.Token, Buyer: buyer, Expect: seen})
}

func (h *Handler) post3DS(r *http.Request, v *commerce.View) (string, error) {
	auth, ok := h.PaySteps[h.Merchant.Provider].(Authenticator)
	if !ok || v.Status != commerce.StatusAuthRequired {
		return "", nil // nothing to answer: the page shows the current state
	}
	seen, err := h.checkSeen(r, v)
	if err != nil {
		return "", err
	}
	res, err := auth.Authenticate(r.Context(), v, r.PostForm)
	if err != nil {
		return "", err
	}
	return h.complete(r, v, commerce.CompleteInput{Authentication: res, Expect: seen})
}

// complete charges the session and returns the order page, or the checkout
// page's payment section (#pay, where the message is, so the buyer lands
// on it rather than at the top) when the payment was declined or needs
// 3-D Secure (the session's messages say so).
func (h *Handler) complete(r *http.Request, v *commerce.View, in commerce.CompleteInput) (string, error) {
	done, err := h.Checkout.Complete(r.Context(), v.Session.ID, in, nil)
	if ce, ok := errors.AsType[*commerce.ChangedError](err); ok {
		// Changed between checkSeen and the claim: refused there,
		// nothing charged.
		return "", h.changed(r, v.Session.ID, ce)
	}
	if err != nil {
		return "", err
	}
	if done.Order != nil {
		return "/orders/" + url.PathEscape(done.Order.ID), nil
	}
	return "/checkout/" + url.PathEscape(v.Session.ID) + "#pay", nil
}

// checkoutFailed answers a failed session lookup.
func (h *Handler) checkoutFailed(w http.ResponseWriter, r *http.Request, err error) {
	// An id the store cannot even hold (U+0000, invalid UTF-8: EINVALID
	// from PostgreSQL) names no session either.
	if c := commerce.ErrorCode(err); c == commerce.ENOTFOUND || c == commerce.EINVALID {
		h.render(w, r, http.StatusNotFound, "notfound.html", map[string]any{"Shop": h.Merchant.Name})
		return
	}
	status := http.StatusInternalServerError
	if errors.Is(err, commerce.ErrUnavailable) || commerce.ErrorCode(err) == commerce.EUNAVAILABLE {
		status = http.StatusServiceUnavailable
	}
	h.Logger.ErrorContext(r.Context(), "checkout page", "session", r.PathValue("id"), "err", err)
	http.Error(w, "Something went wrong; please try again.", status)
}

// clientMessage is the buyer-safe text of err.
func clientMessage(err error) string {
	if e, ok := errors.AsType[*commerce.Error](err); ok && e.Message != "" {
		return e.Message
	}
	return "Please check the details and try again."
}

// keepForm returns the submitted fields worth showing again after an
// error: the address form's, and the cardholder name. Card number, expiry
// and CVC are never echoed back.
func keepForm(section string, f url.Values) url.Values {
	keep := url.Values{}
	var names []string
	switch section {
	case "address":
		names = []string{"name", "email", "line1", "line2", "city", "state", "postal_code", "country"}
	case "coupon":
		names = []string{"code"}
	case "pay":
		names = []string{"name"}
	}
	for _, n := range names {
		if x, ok := f[n]; ok {
			keep[n] = x
		}
	}
	return keep
}
