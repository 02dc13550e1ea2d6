package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"agentshop/internal/browsertest"
)

// The hosted checkout page in headless Chromium (Debian's chromium, which
// .ci/install-chromium.sh installs): a buyer fills the forms and pays, no
// JavaScript on our side. Screenshots go to $AGENTSHOP_ARTIFACTS/web (or a
// temp dir) and their paths are logged.

// submit clicks sel and waits until the page it leads to has loaded.
func submit(sel string) chromedp.Action[chromedp.Void] {
	return browsertest.Discard(chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel))))
}

// fill types each value into the field with that CSS selector.
func fill(fields ...string) chromedp.Action[chromedp.Void] {
	var steps []chromedp.Action[chromedp.Void]
	for i := 0; i+1 < len(fields); i += 2 {
		steps = append(steps, chromedp.SendKeys(chromedp.CSS(fields[i]), fields[i+1]))
	}
	return chromedp.Steps(steps...)
}

var shipTo = []string{"#a-name", "Ada Lovelace", "#a-email", "ada@example.com", "#a-line1", "1 Market St",
	"#a-city", "San Francisco", "#a-state", "CA", "#a-postal", "94103"}

func TestBrowserHostedCheckout(t *testing.T) {
	ctx := browsertest.New(t, 900, 1300)
	s := newShop(t)
	dir := browsertest.ArtifactDir(t, "web")

	t.Run("order", func(t *testing.T) {
		id := s.session(t, 2)
		browsertest.Do(t, ctx,
			chromedp.Navigate(s.srv.URL+"/checkout/"+id),
			chromedp.WaitVisible(chromedp.CSS("#a-name")),
			browsertest.Screenshot(t, dir, "checkout-1-start"),
			fill(shipTo...),
			submit("#save-address"),
			chromedp.WaitVisible(chromedp.CSS("#pay-button")),
		)
		express := browsertest.Run(t, ctx, chromedp.AttributeValue(chromedp.CSS(`#shipping input[name=option]:not([checked])`), "value")).Value
		browsertest.Do(t, ctx,
			chromedp.Click(chromedp.CSS(`#shipping input[name=option]:not([checked])`)),
			submit("#save-shipping"),
			fill("#c-code", "welcome10"),
			submit("#apply-coupon"),
		)
		discount := browsertest.Run(t, ctx, chromedp.Text(chromedp.CSS("#total-discount")))
		browsertest.Do(t, ctx,
			fill("#p-number", "4242 4242 4242 4242", "#p-exp", "12/34", "#p-cvc", "123"),
			browsertest.Screenshot(t, dir, "checkout-2-ready-to-pay"),
			submit("#pay-button"),
			browsertest.Screenshot(t, dir, "checkout-3-order"),
		)
		location := browsertest.Run(t, ctx, chromedp.Location())
		orderTitle := browsertest.Run(t, ctx, chromedp.Text(chromedp.CSS("h1")))
		if !strings.Contains(location, "/orders/ord_") || !strings.HasPrefix(orderTitle, "Order ord_") {
			t.Fatalf("ended at %s (%q)", location, orderTitle)
		}
		if discount != "−$27.80" {
			t.Errorf("discount %q", discount)
		}
		v, err := s.svc.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if v.Order == nil || v.Quote.Selected.ID != express || v.Order.Totals.Discount != 2780 {
			t.Fatalf("order %+v, option %s (want %s)", v.Order, v.Quote.Selected.ID, express)
		}
	})

	t.Run("decline", func(t *testing.T) {
		id := s.session(t, 1)
		browsertest.Do(t, ctx,
			chromedp.Navigate(s.srv.URL+"/checkout/"+id),
			chromedp.WaitVisible(chromedp.CSS("#a-name")),
			fill(shipTo...),
			submit("#save-address"),
			fill("#p-number", "4000 0000 0000 9995", "#p-exp", "12/34", "#p-cvc", "123"),
			submit("#pay-button"),
			browsertest.Screenshot(t, dir, "checkout-4-declined"),
		)
		location := browsertest.Run(t, ctx, chromedp.Location())
		msg := browsertest.Run(t, ctx, chromedp.Text(chromedp.CSS("#pay-message"), chromedp.NodeVisible))
		// The browser lands on the payment section, where the message is.
		if !strings.HasSuffix(location, "/checkout/"+id+"#pay") || msg != "Your card has insufficient funds." {
			t.Fatalf("at %s, message %q", location, msg)
		}
	})
}
