package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"agentshop/internal/ratelimit"
	"agentshop/internal/web"
)

// TestPagesRateLimitedPerClient: the hosted pages, which need no
// credentials, are limited per client address, by the forwarded address
// behind a proxy (as /mcp counts): once a client's bucket is empty every
// page route answers 429 with Retry-After and the RateLimit headers, reads
// nothing and charges nothing, while another client is served. Before,
// the pages had no limit at all.
func TestPagesRateLimitedPerClient(t *testing.T) {
	t.Parallel()
	s := newShop(t, func(h *web.Handler) {
		h.Limiter = ratelimit.New(0.001, 3, 0)
		h.ClientAddr = func(r *http.Request) string { return ratelimit.ClientAddr(r, true) }
	})
	id := s.session(t, 1)
	send := func(method, path, from string) *http.Response {
		t.Helper()
		var body *strings.Reader
		if method == http.MethodPost {
			body = strings.NewReader(card("4242424242424242").Encode())
		} else {
			body = strings.NewReader("")
		}
		req, _ := http.NewRequest(method, s.srv.URL+path, body)
		req.Header.Set("X-Forwarded-For", from)
		if method == http.MethodPost {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	const buyer, other = "198.51.100.1", "198.51.100.2"
	for i := range 3 {
		if res := send(http.MethodGet, "/checkout/"+id, buyer); res.StatusCode != http.StatusOK || res.Header.Get("RateLimit-Limit") != "3" {
			t.Fatalf("request %d: %d %v, want 200 with RateLimit-Limit 3", i+1, res.StatusCode, res.Header)
		}
	}
	for _, r := range []struct{ method, path string }{
		{http.MethodGet, "/checkout/" + id},
		{http.MethodPost, "/checkout/" + id + "/pay"},
		{http.MethodPost, "/checkout/" + id + "/address"},
		{http.MethodGet, "/orders/ord_x"},
		{http.MethodGet, "/policies/terms"},
	} {
		res := send(r.method, r.path, buyer)
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || res.Header.Get("RateLimit-Remaining") != "0" {
			t.Errorf("%s %s over the limit: %d %v, want 429 with Retry-After", r.method, r.path, res.StatusCode, res.Header)
		}
	}
	if res := send(http.MethodGet, "/checkout/"+id, other); res.StatusCode != http.StatusOK {
		t.Errorf("another client: %d, want 200", res.StatusCode)
	}
	if res := send(http.MethodGet, "/checkout/"+id, other+", "+buyer); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the buyer behind another hop: %d, want 429 (the last forwarded address counts)", res.StatusCode)
	}
	if ps, err := s.store.ListPayments(context.Background(), id); err != nil || len(ps) != 0 {
		t.Errorf("payments after throttled pay forms: %d, %v", len(ps), err)
	}
	if n := strings.Count(s.logs.String(), `"limit":"web_client"`); n != 1 {
		t.Errorf("%d rate-limit log lines for one client, want 1 (once per interval)", n)
	}
}

// TestPagesLimitFitsABuyer: with the app's default page limit
// (web_rate_limit_per_second 10, web_rate_limit_burst 100), a buyer who
// does everything the page offers in quick succession (fixes a quantity,
// types the address twice, switches the delivery, tries two codes, is
// declined and pays) is never limited.
func TestPagesLimitFitsABuyer(t *testing.T) {
	t.Parallel()
	s := newShop(t, func(h *web.Handler) {
		h.Limiter = ratelimit.New(10, 100, 0)
		h.Now = func() time.Time { return time.Unix(0, 0) } // no refill: the burst alone
	})
	id := s.session(t, 2)
	c := newClient(t, s)
	path := "/checkout/" + id
	n := 0
	check := func(p response) response {
		t.Helper()
		n++
		if p.status == http.StatusTooManyRequests {
			t.Fatalf("request %d limited", n)
		}
		return p
	}
	step := func(form string, v url.Values) {
		t.Helper()
		check(c.get(path))
		check(c.post(path+"/"+form, v))
	}
	step("items", url.Values{"item": {racket}, "qty": {"1"}})
	step("address", address)
	step("address", address)
	v, _ := s.svc.Get(context.Background(), id)
	step("shipping", url.Values{"option": {v.Quote.Options[1].ID}})
	step("coupon", url.Values{"code": {"NOPE"}})
	step("coupon", url.Values{"code": {"welcome10"}})
	step("pay", card("4000000000000002"))
	check(c.get(path))
	p := check(c.post(path+"/pay", card("4242424242424242")))
	c.wantRedirect(p, "/orders/ord_")
	check(c.get(p.location))
	if n > 25 {
		t.Errorf("a purchase took %d requests; the burst of 100 assumes at most 25", n)
	}
}
