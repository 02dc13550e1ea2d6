package acp_test

import (
	"net/http"
	"strings"
	"testing"
)

// A U+0000 anywhere in a request body (PostgreSQL stores none) is refused
// with 400 invalid naming the string, on both versions, before anything
// is stored; today PostgreSQL answered 500.
func TestNULIsInvalid(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const nul = "a\u0000b"
	type tc struct {
		name, path, body, param string
	}
	cases := map[string][]tc{
		v2025: {
			{"item id", "/checkout_sessions", `{"items":[{"id":"` + racket + `","quantity":1},{"id":"x\u0000","quantity":1}]}`, "$.items[1].id"},
			{"address", "/checkout_sessions", `{"items":[{"id":"` + racket + `","quantity":1}],"fulfillment_address":{"name":"Ada\u0000","line_one":"1 Market St","city":"SF","state":"CA","country":"US","postal_code":"94103"}}`, "$.fulfillment_address.name"},
			{"buyer", "/checkout_sessions", `{"items":[{"id":"` + racket + `","quantity":1}],"buyer":{"first_name":"A","email":"a\u0000@x.example"}}`, "$.buyer.email"},
			{"option id", "/checkout_sessions", `{"items":[{"id":"` + racket + `","quantity":1}],"fulfillment_option_id":"\u0000"}`, "$.fulfillment_option_id"},
			{"unknown member", "/checkout_sessions", `{"items":[{"id":"` + racket + `","quantity":1}],"extra":{"k":["ok","\u0000"]}}`, "$.extra.k[1]"},
			{"key", "/checkout_sessions", `{"items":[{"id":"` + racket + `","quantity":1}],"extra":{"\u0000":1}}`, "$.extra"},
		},
		v2026: {
			{"line item id", "/checkout_sessions", `{"currency":"usd","line_items":[{"id":"\u0000` + racket + `","quantity":1}]}`, "$.line_items[0].id"},
			{"currency", "/checkout_sessions", `{"currency":"usd\u0000","line_items":[{"id":"` + racket + `","quantity":1}]}`, "$.currency"},
			{"coupon", "/checkout_sessions", `{"currency":"usd","line_items":[{"id":"` + racket + `","quantity":1}],"discounts":{"codes":["SAVE\u000010"]}}`, "$.discounts.codes[0]"},
			{"coupons", "/checkout_sessions", `{"currency":"usd","line_items":[{"id":"` + racket + `","quantity":1}],"coupons":["\u0000"]}`, "$.coupons[0]"},
			{"locale", "/checkout_sessions", `{"currency":"usd","line_items":[{"id":"` + racket + `","quantity":1}],"locale":"en\u0000"}`, "$.locale"},
			{"metadata", "/checkout_sessions", `{"currency":"usd","line_items":[{"id":"` + racket + `","quantity":1}],"metadata":{"order ref":"\u0000"}}`, "$.metadata['order ref']"},
		},
	}
	for _, version := range versions() {
		for _, c := range cases[version] {
			t.Run(version+"/"+c.name, func(t *testing.T) {
				r := b.do(t, req{method: "POST", path: c.path, version: version, body: c.body}).want(t, http.StatusBadRequest)
				if r.str("code") != "invalid" || r.str("param") != c.param || !strings.Contains(r.str("message"), "U+0000") {
					t.Errorf("got %s, want code invalid, param %s, a message naming U+0000", r.Raw, c.param)
				}
			})
		}
		// The same on update and complete of an existing session.
		s := b.newReadySession(t, version)
		id := s.str("id")
		upd := `{"fulfillment_address":{"name":"` + nul + `"}}`
		param := "$.fulfillment_address.name"
		if version == v2026 {
			upd, param = `{"fulfillment_details":{"name":"`+nul+`"}}`, "$.fulfillment_details.name"
		}
		r := b.do(t, req{method: "POST", path: "/checkout_sessions/" + id, version: version, body: strings.ReplaceAll(upd, "\x00", `\u0000`)}).want(t, http.StatusBadRequest)
		if r.str("param") != param {
			t.Errorf("%s update: %s, want param %s", version, r.Raw, param)
		}
		cmp := `{"payment_data":{"token":"tok\u0000","provider":"stripe"}}`
		param = "$.payment_data.token"
		if version == v2026 {
			cmp = `{"payment_data":{"handler_id":"card_tokenized","instrument":{"type":"card","credential":{"type":"spt","token":"tok\u0000"}}}}`
			param = "$.payment_data.instrument.credential.token"
		}
		r = b.do(t, req{method: "POST", path: "/checkout_sessions/" + id + "/complete", version: version, body: cmp}).want(t, http.StatusBadRequest)
		if r.str("param") != param {
			t.Errorf("%s complete: %s, want param %s", version, r.Raw, param)
		}
		if got := b.do(t, req{method: "GET", path: "/checkout_sessions/" + id, version: version}).want(t, http.StatusOK); got.str("status") != "ready_for_payment" {
			t.Errorf("%s: after the refused requests the session is %s", version, got.str("status"))
		}
	}
}

// A session id in the path that no store can hold is not found, on both
// versions and every method, before anything is stored for it (PostgreSQL
// answered 500, then 400; SQLite 404).
func TestUnstorableIDIsNotFound(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, version := range versions() {
		for _, id := range []string{"cs_%00", "cs_%ff"} {
			for _, r := range []req{
				{method: "GET", path: "/checkout_sessions/" + id},
				{method: "POST", path: "/checkout_sessions/" + id, body: "{}"},
				{method: "POST", path: "/checkout_sessions/" + id + "/cancel", body: "{}"},
				{method: "POST", path: "/checkout_sessions/" + id + "/complete", body: completeBody(version, "vt_x")},
			} {
				r.version = version
				if got := b.do(t, r).want(t, http.StatusNotFound); got.str("code") != "not_found" {
					t.Errorf("%s %s (%s): %s, want not_found", r.method, r.path, version, got.Raw)
				}
			}
		}
	}
}

// An Idempotency-Key that is not UTF-8 (header bytes 0x80–0xff pass Go's
// server) is refused before it is stored: PostgreSQL could not hold it.
func TestIdempotencyKeyNotUTF8(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, version := range versions() {
		r := b.do(t, req{method: "POST", path: "/checkout_sessions", version: version, idem: "k\xff", body: createBody(version, map[string]int{racket: 1}, false)}).want(t, http.StatusBadRequest)
		if r.str("code") != "invalid_idempotency_key" {
			t.Errorf("%s: %s, want invalid_idempotency_key", version, r.Raw)
		}
	}
}
