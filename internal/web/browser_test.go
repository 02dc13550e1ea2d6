package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The hosted checkout page in headless Chromium (Debian's chromium, which
// .ci/install-chromium.sh installs): a buyer fills the forms and pays, no
// JavaScript on our side. Screenshots go to $AGENTSHOP_ARTIFACTS/web (or a
// temp dir) and their paths are logged.

const chromiumPath = "/usr/bin/chromium"

// newBrowser starts a headless Chromium with a fresh profile and returns
// a context to run chromedp actions in; everything stops when the test
// ends. It skips the test when chromium is not installed.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser test skipped: %s not found (run .ci/install-chromium.sh)", chromiumPath)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(900, 1300),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc, chromedp.WithErrorf(t.Logf))
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// artifactDir is where screenshots go.
func artifactDir(t *testing.T, sub string) string {
	t.Helper()
	dir := os.Getenv("AGENTSHOP_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	dir = filepath.Join(dir, sub)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// screenshot saves a full-page PNG of the current page.
func screenshot(t *testing.T, dir, name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		png, err := chromedp.FullScreenshot(100)(ctx, tg)
		if err != nil {
			return err
		}
		p := filepath.Join(dir, name+".png")
		if err := os.WriteFile(p, png, 0o644); err != nil {
			return err
		}
		t.Logf("screenshot: %s", p)
		return nil
	})
}

// submit clicks sel and waits until the page it leads to has loaded.
func submit(sel string) chromedp.Action[chromedp.Void] {
	return discard(chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel))))
}

// discard drops an action's value.
func discard[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := a(ctx, t)
		return err
	})
}

// fill types each value into the field with that CSS selector.
func fill(fields ...string) chromedp.Action[chromedp.Void] {
	var steps []chromedp.Action[chromedp.Void]
	for i := 0; i+1 < len(fields); i += 2 {
		steps = append(steps, chromedp.SendKeys(chromedp.CSS(fields[i]), fields[i+1]))
	}
	return chromedp.Steps(steps...)
}

// run runs a and fails the test on error.
func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

var shipTo = []string{"#a-name", "Ada Lovelace", "#a-email", "ada@example.com", "#a-line1", "1 Market St",
	"#a-city", "San Francisco", "#a-state", "CA", "#a-postal", "94103"}

func TestBrowserHostedCheckout(t *testing.T) {
	ctx := newBrowser(t)
	s := newShop(t)
	dir := artifactDir(t, "web")

	t.Run("order", func(t *testing.T) {
		id := s.session(t, 2)
		do(t, ctx,
			chromedp.Navigate(s.srv.URL+"/checkout/"+id),
			chromedp.WaitVisible(chromedp.CSS("#a-name")),
			screenshot(t, dir, "checkout-1-start"),
			fill(shipTo...),
			submit("#save-address"),
			chromedp.WaitVisible(chromedp.CSS("#pay-button")),
		)
		express := run(t, ctx, chromedp.AttributeValue(chromedp.CSS(`#shipping input[name=option]:not([checked])`), "value")).Value
		do(t, ctx,
			chromedp.Click(chromedp.CSS(`#shipping input[name=option]:not([checked])`)),
			submit("#save-shipping"),
			fill("#c-code", "welcome10"),
			submit("#apply-coupon"),
		)
		discount := run(t, ctx, chromedp.Text(chromedp.CSS("#total-discount")))
		do(t, ctx,
			fill("#p-number", "4242 4242 4242 4242", "#p-exp", "12/34", "#p-cvc", "123"),
			screenshot(t, dir, "checkout-2-ready-to-pay"),
			submit("#pay-button"),
			screenshot(t, dir, "checkout-3-order"),
		)
		location := run(t, ctx, chromedp.Location())
		orderTitle := run(t, ctx, chromedp.Text(chromedp.CSS("h1")))
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
		do(t, ctx,
			chromedp.Navigate(s.srv.URL+"/checkout/"+id),
			chromedp.WaitVisible(chromedp.CSS("#a-name")),
			fill(shipTo...),
			submit("#save-address"),
			fill("#p-number", "4000 0000 0000 9995", "#p-exp", "12/34", "#p-cvc", "123"),
			submit("#pay-button"),
			screenshot(t, dir, "checkout-4-declined"),
		)
		location := run(t, ctx, chromedp.Location())
		msg := run(t, ctx, chromedp.Text(chromedp.CSS("#pay-message"), chromedp.NodeVisible))
		if !strings.HasSuffix(location, "/checkout/"+id) || msg != "Your card has insufficient funds." {
			t.Fatalf("at %s, message %q", location, msg)
		}
	})
}
