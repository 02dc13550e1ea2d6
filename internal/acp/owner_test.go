package acp_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"agentshop/internal/apikey"
)

// TestSessionsBelongToTheirKey: a session created with key A is invisible
// to key B on both versions: GET, update, complete and cancel answer 404
// not_found with the same body as an unknown id, and change nothing; A
// still reaches it, and so does A over the other API version.
func TestSessionsBelongToTheirKey(t *testing.T) {
	for _, version := range versions() {
		t.Run(version, func(t *testing.T) {
			b := setup(t)
			other, k := apikey.New("other", b.clock.Now())
			if err := b.store.CreateAPIKey(context.Background(), k); err != nil {
				t.Fatal(err)
			}
			s := b.newReadySession(t, version)
			id := s.str("id")
			tok := b.delegate(t, version, "4242424242424242", id, s.total())
			const unknown = "cs_00000000000000000000000000"
			for _, tt := range []struct {
				name, method, suffix string
				body                 any
			}{
				{"get", "GET", "", nil},
				{"update", "POST", "", addressBody(version)},
				{"complete", "POST", "/complete", completeBody(version, tok)},
				{"cancel", "POST", "/cancel", map[string]any{}},
			} {
				got := b.do(t, req{method: tt.method, path: "/checkout_sessions/" + id + tt.suffix, version: version, key: other, body: tt.body}).want(t, http.StatusNotFound)
				want := b.do(t, req{method: tt.method, path: "/checkout_sessions/" + unknown + tt.suffix, version: version, key: other, body: tt.body}).want(t, http.StatusNotFound)
				if g, w := string(got.Raw), strings.ReplaceAll(string(want.Raw), unknown, id); g != w {
					t.Errorf("%s with another key:\n got %s\nwant %s (as for an unknown id)", tt.name, g, w)
				}
				if strings.Contains(string(got.Raw), "ada@example.com") || strings.Contains(string(got.Raw), "Market St") {
					t.Errorf("%s with another key leaks the buyer: %s", tt.name, got.Raw)
				}
			}
			if n := b.provider.calls.Load(); n != 0 {
				t.Errorf("provider called %d times by another key", n)
			}
			// Nothing changed: the owner sees the session as it was, and can
			// still pay, over either version.
			for _, v := range versions() {
				again := b.do(t, req{method: "GET", path: "/checkout_sessions/" + id, version: v}).want(t, http.StatusOK)
				if again.str("status") != "ready_for_payment" {
					t.Errorf("%s: owner's session after the other key's calls: %s", v, again.Raw)
				}
			}
			b.complete(t, version, id, tok).want(t, http.StatusOK)
			// Completed, with its order, it is still not the other key's.
			b.do(t, req{method: "GET", path: "/checkout_sessions/" + id, version: version, key: other}).want(t, http.StatusNotFound)
		})
	}
}
