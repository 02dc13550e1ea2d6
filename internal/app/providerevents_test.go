package app

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"agentshop/internal/commerce"
	"agentshop/internal/payment/braintree"
)

// TestProviderWebhooksWiring: the endpoints are on only with their
// secrets; /webhooks/braintree answers the challenge and takes a signed
// notification into the core (a dispute of a payment agentshop does not
// know: kept as unmatched), a bad signature changes nothing.
func TestProviderWebhooksWiring(t *testing.T) {
	t.Run("Off", func(t *testing.T) {
		a := newApp(t, testConfig(t), Options{})
		srv := httptest.NewServer(a.Handler())
		t.Cleanup(srv.Close)
		for _, path := range []string{"/webhooks/stripe", "/webhooks/braintree"} {
			res, err := http.Post(srv.URL+path, "application/json", strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("POST %s without a secret = %d, want 404", path, res.StatusCode)
			}
		}
	})
	t.Run("Braintree", func(t *testing.T) {
		cfg := testConfig(t)
		cfg.BraintreeWebhook = BraintreeWebhook{PublicKey: "pub_key", PrivateKey: "priv_key"}
		a := newApp(t, cfg, Options{})
		srv := httptest.NewServer(a.Handler())
		t.Cleanup(srv.Close)

		res, err := http.Get(srv.URL + "/webhooks/braintree?bt_challenge=0123456789abcdef0123")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if want := "pub_key|" + braintree.Sign("priv_key", "0123456789abcdef0123"); res.StatusCode != 200 || string(body) != want {
			t.Errorf("challenge = %d %q, want %q", res.StatusCode, body, want)
		}

		payload := base64.StdEncoding.EncodeToString([]byte(`<notification><timestamp type="datetime">2026-12-07T11:30:00Z</timestamp>` +
			`<kind>dispute_opened</kind><subject><dispute><id>dsp_x</id><status>open</status><kind>chargeback</kind><reason>fraud</reason>` +
			`<amount-disputed>12.00</amount-disputed><currency-iso-code>USD</currency-iso-code><reply-by-date type="date">2026-12-21</reply-by-date>` +
			`<transaction><id>txn_elsewhere</id><amount>12.00</amount></transaction></dispute></subject></notification>`))
		post := func(sig string) int {
			form := url.Values{"bt_signature": {sig}, "bt_payload": {payload}}
			res, err := http.PostForm(srv.URL+"/webhooks/braintree", form)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode
		}
		if got := post("pub_key|" + braintree.Sign("other_key", payload)); got != http.StatusBadRequest {
			t.Errorf("wrong signature = %d, want 400", got)
		}
		if evs, _ := a.Store.ListInboundEvents(t.Context(), commerce.InboundFilter{}); len(evs) != 0 {
			t.Errorf("a refused notification was recorded: %+v", evs)
		}
		if got := post("pub_key|" + braintree.Sign("priv_key", payload)); got != http.StatusOK {
			t.Errorf("signed notification = %d, want 200", got)
		}
		evs, err := a.Store.ListInboundEvents(t.Context(), commerce.InboundFilter{Result: commerce.EventUnmatched})
		if err != nil || len(evs) != 1 || evs[0].Provider != "braintree" || evs[0].ObjectRef != "dsp_x" || evs[0].Amount != 1200 {
			t.Errorf("unmatched = %+v (%v)", evs, err)
		}
	})
}
