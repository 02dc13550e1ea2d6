package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"agentshop/internal/commerce"
)

// client is a cookie-keeping browser stand-in that does not follow
// redirects, so tests see each 303.
type client struct {
	t    *testing.T
	base string
	hc   *http.Client
	csrf string // the token of the last page read
	seen string // the pay form's "seen" of the last page read
}

func newClient(t *testing.T, s *shop) *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, base: s.srv.URL, hc: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}}
}

var (
	csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	seenRE = regexp.MustCompile(`name="seen" value="([^"]+)"`)
)

type response struct {
	status   int
	location string
	header   http.Header
	body     string
}

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	p := response{status: res.StatusCode, location: res.Header.Get("Location"), header: res.Header, body: string(b)}
	if m := csrfRE.FindStringSubmatch(p.body); m != nil {
		c.csrf = m[1]
	}
	if m := seenRE.FindStringSubmatch(p.body); m != nil {
		c.seen = m[1]
	}
	return p
}

func (c *client) get(path string) response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	return c.do(req)
}

// post submits form with the last page's CSRF token and "seen" (as the
// page's forms carry them) unless form has them.
func (c *client) post(path string, form url.Values, header ...string) response {
	c.t.Helper()
	form = cloneValues(form)
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", c.csrf)
	}
	if _, ok := form["seen"]; !ok && c.seen != "" {
		form.Set("seen", c.seen)
	}
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, x := range v {
		out[k] = append([]string(nil), x...)
	}
	return out
}

func (c *client) wantRedirect(p response, to string) {
	c.t.Helper()
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, to) {
		c.t.Fatalf("got %d Location %q, want 303 to %s…\n%s", p.status, p.location, to, p.body)
	}
}

func has(t *testing.T, p response, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(p.body, w) {
			t.Errorf("page lacks %q:\n%s", w, p.body)
		}
	}
}

func hasNot(t *testing.T, p response, notWant ...string) {
	t.Helper()
	for _, w := range notWant {
		if strings.Contains(p.body, w) {
			t.Errorf("page contains %q", w)
		}
	}
}

var address = url.Values{
	"name": {"Ada Lovelace"}, "email": {"ada@example.com"}, "line1": {"1 Market St"},
	"city": {"San Francisco"}, "state": {"CA"}, "postal_code": {"94103"}, "country": {"US"},
}

func card(number string) url.Values {
	return url.Values{"number": {number}, "exp": {"12/40"}, "cvc": {"123"}, "name": {"Ada Lovelace"}}
}

func TestCheckoutToOrder(t *testing.T) {
	s := newShop(t)
	id := s.session(t, 2)
	c := newClient(t, s)
	path := "/checkout/" + id

	p := c.get(path)
	if p.status != 200 {
		t.Fatalf("status %d", p.status)
	}
	has(t, p, "StarVie Metheora Warrior", "Add your shipping address above", "Shipping address")
	hasNot(t, p, `id="pay-button"`)
	for k, want := range map[string]string{
		"Content-Security-Policy": "form-action 'self'; frame-ancestors 'none'",
		"Cache-Control":           "no-store",
		"X-Content-Type-Options":  "nosniff",
	} {
		if got := p.header.Get(k); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if ck := p.header.Get("Set-Cookie"); !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Lax") {
		t.Errorf("CSRF cookie %q", ck)
	}

	c.wantRedirect(c.post(path+"/address", address), path)
	p = c.get(path)
	has(t, p, "Standard shipping", "Express shipping", `id="pay-button"`, "Pay $", `value="1 Market St"`)

	v, _ := s.svc.Get(context.Background(), id)
	express := v.Quote.Options[1].ID
	c.wantRedirect(c.post(path+"/shipping", url.Values{"option": {express}}), path)
	c.wantRedirect(c.post(path+"/coupon", url.Values{"code": {"welcome10"}}), path)
	p = c.get(path)
	has(t, p, "WELCOME10", "−$27.80")
	v, _ = s.svc.Get(context.Background(), id)
	if v.Quote.Selected.ID != express || v.Quote.Totals.Discount != 2780 {
		t.Fatalf("selected %s discount %d", v.Quote.Selected.ID, v.Quote.Totals.Discount)
	}
	has(t, p, "Pay "+v.Session.Currency.Format(v.Quote.Totals.Total))

	p = c.post(path+"/pay", card("4242 4242 4242 4242"))
	c.wantRedirect(p, "/orders/ord_")
	order := c.get(p.location)
	if order.status != 200 {
		t.Fatalf("order page %d", order.status)
	}
	has(t, order, "Confirmed", v.Session.Currency.Format(v.Quote.Totals.Total))

	// The page now says it is paid and links the order; forms go there too.
	p = c.get(path)
	has(t, p, "your order is placed", `href="`+strings.TrimPrefix(order.location, ""))
	c.wantRedirect(c.post(path+"/pay", card("4242424242424242")), "/orders/ord_")

	// No card number in the logs or the database.
	for _, pan := range []string{"4242424242424242", "4242 4242 4242 4242"} {
		if strings.Contains(s.logs.String(), pan) {
			t.Errorf("logs contain the card number")
		}
		files, _ := filepath.Glob(s.dbPath + "*")
		for _, f := range files {
			b, _ := os.ReadFile(f)
			if strings.Contains(string(b), pan) {
				t.Errorf("%s contains the card number", filepath.Base(f))
			}
		}
	}
}

func TestCheckoutQuantities(t *testing.T) {
	s := newShop(t)
	id := s.session(t, 1)
	c := newClient(t, s)
	path := "/checkout/" + id
	c.get(path)
	c.wantRedirect(c.post(path+"/items", url.Values{"item": {racket}, "qty": {"3"}}), path)
	v, _ := s.svc.Get(context.Background(), id)
	if v.Session.Lines[0].Quantity != 3 {
		t.Fatalf("quantity %d", v.Session.Lines[0].Quantity)
	}
	p := c.post(path+"/items", url.Values{"item": {racket}, "qty": {"0"}})
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("all zero: status %d", p.status)
	}
	has(t, p, `id="items-error"`, "Keep at least one item")
}

func TestCheckoutDecline(t *testing.T) {
	s := newShop(t)
	id := s.session(t, 1)
	c := newClient(t, s)
	path := "/checkout/" + id
	c.get(path)
	c.wantRedirect(c.post(path+"/address", address), path)
	c.get(path)

	c.wantRedirect(c.post(path+"/pay", card("4000000000009995")), path)
	p := c.get(path)
	has(t, p, `id="pay-message"`, "Your card has insufficient funds.", `id="pay-button"`)

	c.wantRedirect(c.post(path+"/pay", card("4000000000000002")), path)
	has(t, c.get(path), "Your card was declined.")

	// The session stays payable.
	c.wantRedirect(c.post(path+"/pay", card("4242424242424242")), "/orders/")
}

// After a decline the browser goes to the payment section (#pay), and the
// next pay form's error replaces the decline message: one message slot.
func TestCheckoutPayMessageSlot(t *testing.T) {
	s := newShop(t)
	id := s.session(t, 1)
	c := newClient(t, s)
	path := "/checkout/" + id
	c.get(path)
	c.wantRedirect(c.post(path+"/address", address), path)
	c.get(path)

	if p := c.post(path+"/pay", card("4000000000009995")); p.status != http.StatusSeeOther || p.location != path+"#pay" {
		t.Fatalf("decline: %d Location %q, want 303 to %s#pay", p.status, p.location, path)
	}
	p := c.get(path)
	has(t, p, `id="pay-message"`, "Your card has insufficient funds.", `aria-live="assertive"`, `action="`+path+`/pay#pay"`)

	p = c.post(path+"/pay", card("1234567890123456"))
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad card: status %d", p.status)
	}
	has(t, p, `id="pay-error"`, "Invalid card number.")
	hasNot(t, p, "insufficient funds", `id="pay-message"`)
}

// A paid checkout whose order was canceled since says so, not "placed".
func TestCheckoutAfterOrderCanceled(t *testing.T) {
	s := newShop(t)
	id := s.session(t, 1)
	c := newClient(t, s)
	path := "/checkout/" + id
	c.get(path)
	c.wantRedirect(c.post(path+"/address", address), path)
	c.get(path)
	p := c.post(path+"/pay", card("4242424242424242"))
	c.wantRedirect(p, "/orders/ord_")
	if _, err := s.svc.CancelOrder(context.Background(), strings.TrimPrefix(p.location, "/orders/"), "", nil); err != nil {
		t.Fatal(err)
	}
	p = c.get(path)
	has(t, p, "<h1>Order canceled</h1>", `href="/orders/ord_`, "its refund")
	hasNot(t, p, "your order is placed", "This checkout is paid.")
}

func TestCheckout3DS(t *testing.T) {
	s := newShop(t)
	id := s.session(t, 1)
	c := newClient(t, s)
	path := "/checkout/" + id
	c.get(path)
	c.wantRedirect(c.post(path+"/address", address), path)
	c.get(path)

	c.wantRedirect(c.post(path+"/pay", card("4000002500003155")), path)
	p := c.get(path)
	has(t, p, `id="challenge"`, "3-D Secure check", `id="approve-3ds"`)
	hasNot(t, p, `id="pay-button"`)

	// Declining the challenge fails the payment; the card form is back.
	c.wantRedirect(c.post(path+"/3ds", url.Values{"outcome": {"denied"}}), path)
	p = c.get(path)
	has(t, p, "3-D Secure authentication failed", `id="pay-button"`)

	c.wantRedirect(c.post(path+"/pay", card("4000002500003155")), path)
	c.get(path)
	c.wantRedirect(c.post(path+"/3ds", url.Values{"outcome": {"authenticated"}}), "/orders/ord_")
}

func TestCheckoutInputErrors(t *testing.T) {
	s := newShop(t)
	id := s.session(t, 1)
	c := newClient(t, s)
	path := "/checkout/" + id
	c.get(path)

	bad := cloneValues(address)
	bad.Set("city", "")
	bad.Set("line1", "<b>1 Market</b>")
	p := c.post(path+"/address", bad)
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", p.status)
	}
	has(t, p, `id="address-error"`, "Address city is required.", `value="&lt;b&gt;1 Market&lt;/b&gt;"`)

	c.wantRedirect(c.post(path+"/address", address), path)
	c.get(path)
	tests := []struct {
		name string
		form url.Values
		want string
	}{
		{"luhn", card("4242424242424241"), "Invalid card number."},
		{"letters", card("4242x"), "Card number must be 12 to 19 digits."},
		{"expiry format", url.Values{"number": {"4242424242424242"}, "exp": {"1"}, "cvc": {"123"}}, "Enter the expiry date as MM/YY."},
		{"expired", url.Values{"number": {"4242424242424242"}, "exp": {"01/20"}, "cvc": {"123"}}, "The card has expired."},
		{"cvc", url.Values{"number": {"4242424242424242"}, "exp": {"01/40"}}, "security code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := c.post(path+"/pay", tt.form)
			if p.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d", p.status)
			}
			has(t, p, `id="pay-error"`, tt.want)
			hasNot(t, p, tt.form.Get("number")+`"`)
		})
	}
	if strings.Contains(s.logs.String(), "4242424242424241") {
		t.Error("logs contain a card number")
	}
}

func TestCheckoutCSRF(t *testing.T) {
	s := newShop(t)
	id, other := s.session(t, 1), s.session(t, 1)
	c := newClient(t, s)
	path := "/checkout/" + id
	c.get("/checkout/" + other)
	otherToken := c.csrf
	c.get(path)
	good := c.csrf

	stranger := newClient(t, s) // no cookie
	tests := []struct {
		name   string
		c      *client
		token  string
		header []string
	}{
		{"no token", c, "", nil},
		{"wrong token", c, "AAAA", nil},
		{"another session's token", c, otherToken, nil},
		{"no cookie", stranger, good, nil},
		{"cross-site", c, good, []string{"Sec-Fetch-Site", "cross-site"}},
		{"foreign origin", c, good, []string{"Origin", "https://evil.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := cloneValues(address)
			f.Set("csrf", tt.token)
			p := tt.c.post(path+"/address", f, tt.header...)
			if p.status != http.StatusForbidden {
				t.Fatalf("status %d, want 403", p.status)
			}
			has(t, p, "This form had expired")
			v, _ := s.svc.Get(context.Background(), id)
			if v.Session.Address != nil {
				t.Fatal("the address changed")
			}
		})
	}
	// The 403 page carries a fresh, working token.
	c.get(path)
	c.wantRedirect(c.post(path+"/address", address, "Sec-Fetch-Site", "same-origin"), path)
}

func TestCheckoutStates(t *testing.T) {
	s := newShop(t)
	c := newClient(t, s)
	if p := c.get("/checkout/cs_nope"); p.status != http.StatusNotFound {
		t.Errorf("unknown session: %d", p.status)
	}

	canceled := s.session(t, 1)
	if _, err := s.svc.Cancel(context.Background(), canceled, nil); err != nil {
		t.Fatal(err)
	}
	p := c.get("/checkout/" + canceled)
	has(t, p, "Checkout canceled", "can no longer be paid")
	hasNot(t, p, "<form")
	c.wantRedirect(c.post("/checkout/"+canceled+"/pay", card("4242424242424242")), "/checkout/"+canceled)

	expired := s.session(t, 1)
	s.advance(2 * time.Hour)
	has(t, c.get("/checkout/"+expired), "Checkout expired", "has expired")
	if v, _ := s.svc.Get(context.Background(), expired); v.Status != commerce.StatusExpired {
		t.Fatalf("status %s", v.Status)
	}
}
