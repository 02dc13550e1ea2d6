package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"agentshop/internal/commerce"
)

// What the buyer saw: the hosted checkout charges only that.
//
// The pay form and the 3-D Secure form carry a hidden field "seen": the
// total the page showed, the session version it was rendered from, and an
// HMAC-SHA256 under the CSRF key of the session id and what the page
// showed that the payment depends on (version, currency, total, lines,
// shipping option, address), joined by dots. It is checked twice:
//
//   - by the handler, before anything else (before the card is even
//     tokenized), against the session as it is when the POST arrives;
//   - by the core, in the transaction that claims the payment: the
//     version and total go to [commerce.Service.Complete] as
//     [commerce.CompleteInput.Expect], so a change that lands between the
//     handler's check and the claim (an /mcp or ACP update racing the
//     POST) is refused there too, with a [*commerce.ChangedError].
//
// Either way nothing is charged and the page is shown again with the new
// total and "The total changed, please review" (or, when the total is the
// same but the order is not, "Your order changed"). The field is part of
// the signed form: a browser cannot make up a "seen" for a state it was
// not shown.

const seenField = "seen"

// seenState is what the page shows that a payment depends on.
type seenState struct {
	Version  int64
	Currency commerce.Currency
	Total    int64
	Lines    []seenLine
	Option   string
	Address  *commerce.Address
}

type seenLine struct {
	Item     string
	Quantity int64
	Total    int64
}

func seenOf(v *commerce.View) seenState {
	st := seenState{Version: v.Session.Version, Currency: v.Session.Currency, Total: v.Quote.Totals.Total, Address: v.Session.Address}
	for _, l := range v.Quote.Lines {
		st.Lines = append(st.Lines, seenLine{Item: l.ItemID, Quantity: l.Quantity, Total: l.Total})
	}
	if v.Quote.Selected != nil {
		st.Option = v.Quote.Selected.ID
	}
	return st
}

// seenToken is the "seen" value of the page rendered from v.
func (h *Handler) seenToken(v *commerce.View) string {
	return strconv.FormatInt(v.Quote.Totals.Total, 10) + "." + strconv.FormatInt(v.Session.Version, 10) + "." + h.seenMAC(v)
}

func (h *Handler) seenMAC(v *commerce.View) string {
	b, _ := json.Marshal(seenOf(v)) // strings and integers: cannot fail
	m := hmac.New(sha256.New, h.csrfKey())
	m.Write([]byte("agentshop checkout seen\x00"))
	m.Write([]byte(v.Session.ID))
	m.Write([]byte{0})
	m.Write(b)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkSeen returns what the submitted form r showed, for Complete to
// check again in its claim, when it was rendered from the session as v has
// it now; otherwise an EINVALID error whose message tells the buyer to
// review the page, which is shown again from v.
func (h *Handler) checkSeen(r *http.Request, v *commerce.View) (*commerce.Expectation, error) {
	shown, rest, _ := strings.Cut(r.PostForm.Get(seenField), ".")
	_, mac, _ := strings.Cut(rest, ".")
	now := v.Quote.Totals.Total
	if hmac.Equal([]byte(mac), []byte(h.seenMAC(v))) {
		// The MAC covers v's version and total: they are what was shown.
		return &commerce.Expectation{Version: v.Session.Version, Total: new(now)}, nil
	}
	if was, err := strconv.ParseInt(shown, 10, 64); err == nil && was != now {
		h.Logger.WarnContext(r.Context(), "checkout pay refused: the total changed since the page was shown", "session", v.Session.ID, "shown", was, "now", now)
		return nil, totalChanged(v.Session.Currency, was, now)
	}
	h.Logger.WarnContext(r.Context(), "checkout pay refused: the order changed since the page was shown", "session", v.Session.ID)
	return nil, orderChanged()
}

func totalChanged(c commerce.Currency, was, now int64) error {
	return commerce.Invalid("$", "%s", "The total changed, please review: it is now "+c.Format(now)+
		" (this page showed "+c.Format(was)+"). Nothing was charged.")
}

func orderChanged() error {
	return commerce.Invalid("$", "%s", "Your order changed since this page was shown, please review it. Nothing was charged.")
}

// changed is what the page says when Complete refused a session
// that changed after the handler's check (ce from the claim).
func (h *Handler) changed(r *http.Request, id string, ce *commerce.ChangedError) error {
	h.Logger.WarnContext(r.Context(), "checkout pay refused at the claim: the session changed since the page was shown",
		"session", id, "shown_version", ce.Shown.Version, "version", ce.Version, "now", ce.Total)
	if ce.TotalChanged() {
		return totalChanged(ce.Currency, *ce.Shown.Total, ce.Total)
	}
	return orderChanged()
}
