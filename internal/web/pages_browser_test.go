package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"agentshop/internal/browsertest"
	"agentshop/internal/commerce"
)

// The pages a buyer sees, checked in headless Chromium for what a person
// would notice (issue 15, item 16): what a canceled or refunded order's
// page says, where a payment error lands, what the email field promises,
// and how the pages fit a 390 px phone. One browser serves every case; each
// sets its own viewport. Screenshots go to $AGENTSHOP_ARTIFACTS/web-pages.

// paidOrder pays a new session for quantity rackets through the hosted
// checkout's forms (no browser) and returns the order id.
func paidOrder(t *testing.T, s *shop, quantity int64) string {
	t.Helper()
	c := newClient(t, s)
	path := "/checkout/" + s.session(t, quantity)
	c.get(path)
	c.wantRedirect(c.post(path+"/address", address), path)
	c.get(path)
	p := c.post(path+"/pay", card("4242424242424242"))
	c.wantRedirect(p, "/orders/ord_")
	return strings.TrimPrefix(p.location, "/orders/")
}

// eval runs a JavaScript expression once the page has painted (two
// animation frames: layout and any scroll to the URL's fragment are done)
// and returns its JSON-decoded value.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	return browsertest.Run(t, ctx, chromedp.Evaluate[T](
		`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r((() => `+expr+`)()))))`,
		chromedp.EvalAwaitPromise))
}

// textOf is a JavaScript expression: the text of the first element
// matching sel, "" when there is none (chromedp.Text would wait for one).
func textOf(sel string) string {
	return fmt.Sprintf(`((document.querySelector(%q) || {}).textContent || "").trim()`, sel)
}

// inViewport is a JavaScript expression: "visible" when every element
// matching sel lies wholly inside the viewport, else where one is.
func inViewport(sel string) string {
	return fmt.Sprintf(`(() => {
  const es = [...document.querySelectorAll(%q)];
  if (!es.length) return "no element";
  for (const e of es) {
    const r = e.getBoundingClientRect();
    if (r.height === 0 || r.top < 0 || r.bottom > innerHeight)
      return "at y " + Math.round(r.top) + "–" + Math.round(r.bottom) + " of a " + innerHeight + " px viewport";
  }
  return "visible";
})()`, sel)
}

// horizontalOverflow is a JavaScript expression: how many CSS pixels the
// page is wider than the viewport (0: no sideways scrolling).
const horizontalOverflow = `Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth)`

// headerGap is a JavaScript expression: the pixels between the text of
// the "Qty" and the "Amount" column headers.
const headerGap = `(() => {
  const ths = [...document.querySelectorAll("th")];
  const q = ths.find(t => t.textContent.trim() === "Qty"), a = ths.find(t => t.textContent.trim() === "Amount");
  if (!q || !a) return -1000;
  const box = e => { const g = document.createRange(); g.selectNodeContents(e); return g.getBoundingClientRect(); };
  return box(a).left - box(q).right;
})()`

func TestBrowserBuyerPages(t *testing.T) {
	ctx := browsertest.New(t, 1280, 800)
	s := newShop(t)
	dir := browsertest.ArtifactDir(t, "web-pages")
	bg := chromedp.Evaluate[string](`getComputedStyle(document.querySelector("#order-status, .badge")).backgroundColor`)
	text := chromedp.Evaluate[string](`document.body.innerText`)
	desktop := chromedp.EmulateViewport(1280, 800)
	phone := chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)

	confirmed := paidOrder(t, s, 1)
	browsertest.Do(t, ctx, desktop, chromedp.Navigate(s.srv.URL+"/orders/"+confirmed),
		browsertest.Screenshot(t, dir, "order-confirmed"))
	green := browsertest.Run(t, ctx, bg)

	t.Run("canceled order", func(t *testing.T) {
		id := paidOrder(t, s, 1)
		o, err := s.svc.CancelOrder(context.Background(), id, "Out of stock at warehouse", nil)
		if err != nil {
			t.Fatal(err)
		}
		browsertest.Do(t, ctx, desktop, chromedp.Navigate(s.srv.URL+"/orders/"+id),
			browsertest.Screenshot(t, dir, "order-canceled"))
		status := eval[string](t, ctx, textOf("#order-status, .badge"))
		if status != "Canceled" {
			t.Errorf("status badge %q", status)
		}
		if c := browsertest.Run(t, ctx, bg); c == green {
			t.Errorf("canceled badge has the confirmed badge's colour %s", c)
		}
		page := browsertest.Run(t, ctx, text)
		for _, no := range []string{"Estimated delivery", "Shipping to"} {
			if strings.Contains(page, no) {
				t.Errorf("a canceled order's page says %q:\n%s", no, page)
			}
		}
		amount := commerce.Currency("usd").Format(o.Totals.Total)
		for _, want := range []string{"canceled", "Nothing will be shipped", amount + " was refunded",
			"Refunded " + amount + " on " + s.Now().Format("Mon 2 Jan") + ": Out of stock at warehouse"} {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %q:\n%s", want, page)
			}
		}
	})

	t.Run("partial refunds", func(t *testing.T) {
		id := paidOrder(t, s, 2)
		ctxb := context.Background()
		if _, err := s.svc.RefundOrder(ctxb, id, commerce.RefundInput{Amount: 500, Reason: "Scuffed grip"}, nil); err != nil {
			t.Fatal(err)
		}
		first := s.Now().Format("Mon 2 Jan")
		s.advance(49 * time.Hour)
		o, err := s.svc.RefundOrder(ctxb, id, commerce.RefundInput{Amount: 1250}, nil)
		if err != nil {
			t.Fatal(err)
		}
		second := s.Now().Format("Mon 2 Jan")
		browsertest.Do(t, ctx, desktop, chromedp.Navigate(s.srv.URL+"/orders/"+id),
			browsertest.Screenshot(t, dir, "order-partly-refunded"))
		page := browsertest.Run(t, ctx, text)
		usd := commerce.Currency("usd")
		for _, want := range []string{
			"Confirmed",
			"Refunded $5.00 on " + first + ": Scuffed grip",
			"Refunded $12.50 on " + second,
			"Estimated delivery", // still coming: a partial refund is not a cancellation
		} {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %q:\n%s", want, page)
			}
		}
		refunded, net := eval[string](t, ctx, textOf("#total-refunded")), eval[string](t, ctx, textOf("#total-net"))
		if refunded != "−$17.50" || net != usd.Format(o.Totals.Total-1750) {
			t.Errorf("totals: refunded %q, paid after refunds %q", refunded, net)
		}
	})

	t.Run("declined card", func(t *testing.T) {
		id := s.session(t, 1)
		browsertest.Do(t, ctx, desktop,
			chromedp.Navigate(s.srv.URL+"/checkout/"+id),
			chromedp.WaitVisible(chromedp.CSS("#a-name")),
			fill(shipTo...),
			submit("#save-address"),
			fill("#p-number", "4000 0000 0000 9995", "#p-exp", "12/34", "#p-cvc", "123"),
			submit("#pay-button"),
		)
		where := eval[string](t, ctx, inViewport("#pay-message"))
		browsertest.Do(t, ctx, browsertest.Screenshot(t, dir, "checkout-declined-full"),
			browsertest.ViewportScreenshot(t, dir, "checkout-declined-viewport"))
		if where != "visible" {
			t.Errorf("after a decline the message is %s", where)
		}
		if live := eval[string](t, ctx, `(document.querySelector("#pay-message").closest("[aria-live]") || {}).ariaLive || ""`); live != "assertive" {
			t.Errorf("the decline message is in no aria-live region (%q)", live)
		}

		// A bad card next: its error replaces the decline, in view.
		browsertest.Do(t, ctx,
			fill("#p-number", "1234 5678 9012 3456", "#p-exp", "12/34", "#p-cvc", "123"),
			submit("#pay-button"),
		)
		msgs := eval[[]string](t, ctx, `[...document.querySelectorAll("#pay .error, #pay [role=alert]")].map(e => e.textContent.trim()).filter((x, i, a) => a.indexOf(x) === i)`)
		where = eval[string](t, ctx, inViewport("#pay .error"))
		browsertest.Do(t, ctx, browsertest.ViewportScreenshot(t, dir, "checkout-badcard-viewport"))
		if len(msgs) != 1 || msgs[0] != "Invalid card number." {
			t.Errorf("payment messages %q, want only the new error", msgs)
		}
		if where != "visible" {
			t.Errorf("after a bad card number the error is %s", where)
		}
	})

	t.Run("email promises no receipt", func(t *testing.T) {
		id := s.session(t, 1)
		browsertest.Do(t, ctx, desktop, chromedp.Navigate(s.srv.URL+"/checkout/"+id), chromedp.WaitVisible(chromedp.CSS("#a-email")))
		label := eval[string](t, ctx, textOf(`label[for="a-email"]`))
		if page := browsertest.Run(t, ctx, text); strings.Contains(strings.ToLower(page), "receipt") {
			t.Errorf("the checkout page promises a receipt (email label %q); none is ever sent", label)
		}
	})

	t.Run("phone", func(t *testing.T) {
		id := paidOrder(t, s, 1)
		browsertest.Do(t, ctx, phone, chromedp.Navigate(s.srv.URL+"/orders/"+id),
			browsertest.Screenshot(t, dir, "order-phone"))
		if px := eval[float64](t, ctx, horizontalOverflow); px > 0 {
			t.Errorf("the order page scrolls sideways by %v px at 390 px", px)
		}
		if where := eval[string](t, ctx, inViewport("h1")); where != "visible" {
			t.Errorf("order title %s", where)
		}
		if gap := eval[float64](t, ctx, headerGap); gap < 8 {
			t.Errorf("order page: Qty and Amount headers %v px apart", gap)
		}

		cs := s.session(t, 1)
		browsertest.Do(t, ctx, phone, chromedp.Navigate(s.srv.URL+"/checkout/"+cs),
			chromedp.WaitVisible(chromedp.CSS("#a-name")),
			fill(shipTo...),
			submit("#save-address"),
			chromedp.WaitVisible(chromedp.CSS("#pay-button")),
			browsertest.Screenshot(t, dir, "checkout-phone"))
		if px := eval[float64](t, ctx, horizontalOverflow); px > 0 {
			t.Errorf("the checkout page scrolls sideways by %v px at 390 px", px)
		}
		if gap := eval[float64](t, ctx, headerGap); gap < 8 {
			t.Errorf("checkout page: Qty and Amount headers %v px apart", gap)
		}
	})
}
