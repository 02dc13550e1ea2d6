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
// total the page showed, a dot, and an HMAC-SHA256 under the CSRF key of
// the session id and what the page showed that the payment depends on
// (currency, total, lines, shipping option, address). Before anything is
// charged (before the card is even tokenized) the server computes it again
// from the session as it is now. When it differs, because the cart was
// changed through /mcp or the ACP API after the page was rendered, nothing
// is charged and the page is shown again with the new total and "The total
// changed, please review" (or, when the total is the same but the order is
// not, "Your order changed"). The field is part of the signed form: a
// browser cannot make up a "seen" for a state it was not shown.

const seenField = "seen"

// seenState is what the page shows that a payment depends on.
type seenState struct {
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
	st := seenState{Currency: v.Session.Currency, Total: v.Quote.Totals.Total, Address: v.Session.Address}
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
	return strconv.FormatInt(v.Quote.Totals.Total, 10) + "." + h.seenMAC(v)
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

// checkSeen returns nil when the submitted form r was rendered from the
// session as v has it now, and otherwise an EINVALID error whose message
// tells the buyer to review the page, which is shown again from v.
func (h *Handler) checkSeen(r *http.Request, v *commerce.View) error {
	shown, mac, _ := strings.Cut(r.PostForm.Get(seenField), ".")
	if hmac.Equal([]byte(mac), []byte(h.seenMAC(v))) {
		return nil
	}
	now := v.Quote.Totals.Total
	if was, err := strconv.ParseInt(shown, 10, 64); err == nil && was != now {
		h.Logger.WarnContext(r.Context(), "checkout pay refused: the total changed since the page was shown", "session", v.Session.ID, "shown", was, "now", now)
		return commerce.Invalid("$", "%s", "The total changed, please review: it is now "+v.Session.Currency.Format(now)+
			" (this page showed "+v.Session.Currency.Format(was)+"). Nothing was charged.")
	}
	h.Logger.WarnContext(r.Context(), "checkout pay refused: the order changed since the page was shown", "session", v.Session.ID)
	return commerce.Invalid("$", "%s", "Your order changed since this page was shown, please review it. Nothing was charged.")
}
