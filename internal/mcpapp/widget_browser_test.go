package mcpapp_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"agentshop/internal/browsertest"
	"agentshop/internal/catalog"
	"agentshop/internal/commerce"
	"agentshop/internal/mcpapp"
	"agentshop/internal/payment/sandbox"
	"agentshop/internal/store/sqlite"
	"agentshop/internal/web"
)

// The checkout widget in headless Chromium (Debian's chromium, installed by
// .ci/install-chromium.sh), inside two emulated hosts that load it the way
// real hosts do: resources/read of ui://widget/checkout-v1.html over /mcp,
// then show_checkout's result handed to the widget.
//
//   - hostOpenAI emulates ChatGPT: it injects window.openai (toolOutput,
//     callTool, requestCheckout, openExternal; a shim over postMessage, as
//     the widget is on an opaque origin) into the widget; its
//     requestCheckout plays the payment sheet: it gets a sandbox vault token
//     for the session's total (as ChatGPT gets a PSP token) and calls
//     complete_checkout over /mcp.
//   - hostMCPApps emulates an MCP Apps host without requestCheckout: a
//     sandboxed iframe and the postMessage JSON-RPC bridge (ui/initialize,
//     ui/notifications/tool-result, tools/call forwarded to /mcp,
//     ui/open-link recorded).
//
// One server holds /mcp, the hosted checkout and order pages, the host
// pages and the test PSP endpoint, on 127.0.0.1. Screenshots go to
// $AGENTSHOP_ARTIFACTS/widget (or a temp dir); their paths are logged.

// widgetStack is the real app behind a browser.
type widgetStack struct {
	srv *httptest.Server
	svc *commerce.Service
}

func newWidgetStack(t *testing.T) *widgetStack {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "agentshop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat := catalog.Demo()
	if err := st.SeedStock(ctx, cat.InitialStock()); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	base := "http://" + srv.Listener.Addr().String()
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	sb := sandbox.New(st, merchantID, nil)
	svc := &commerce.Service{
		Store: st,
		Pricer: &commerce.Pricer{Catalog: cat, Config: commerce.PricingConfig{
			HomeCountry: "US",
			Shipping:    commerce.ShippingRates{DomesticStandard: 599, DomesticExpress: 1499, IntlStandard: 1999, IntlExpress: 3999},
			Taxes:       []commerce.TaxRate{{Country: "US", Region: "CA", BPS: 725}},
		}},
		Payments: commerce.MustPayments(sb),
		Logger:   logger,
	}
	m := commerce.Merchant{
		Name: "Test shop", ID: merchantID, BaseURL: base, Provider: "sandbox",
		TermsURL: base + "/policies/terms", PrivacyURL: base + "/policies/privacy", ReturnsURL: base + "/policies/returns",
	}
	mux.Handle("/mcp", mcpapp.New(mcpapp.Config{Service: svc, Catalog: cat, Merchant: m, Logger: logger, Version: "test"}).Handler())
	(&web.Handler{Store: st, Merchant: m, Logger: logger, Checkout: svc,
		PaySteps: map[string]web.PayStep{"sandbox": &web.SandboxCard{Provider: sb, MerchantID: merchantID}}}).Register(mux)
	mux.HandleFunc("GET /host/openai", hostPage(hostOpenAI))
	mux.HandleFunc("GET /host/mcpapps", hostPage(hostMCPApps))
	// The emulated payment sheet's PSP: a sandbox vault token for the
	// session's current total, bound to the session and the merchant.
	mux.HandleFunc("POST /test/tokenize", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			CheckoutSessionID string `json:"checkout_session_id"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		v, err := svc.Get(r.Context(), in.CheckoutSessionID)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		vt, err := sb.Delegate(r.Context(), sandbox.DelegateRequest{
			PaymentMethod: sandbox.PaymentMethodCard{Type: "card", CardNumberType: "fpan", Number: "4242424242424242",
				ExpMonth: "12", ExpYear: "2035", CVC: "123", DisplayCardFundingType: "credit"},
			Allowance: sandbox.Allowance{Reason: "one_time", MaxAmount: v.Quote.Totals.Total, Currency: string(v.Session.Currency),
				CheckoutSessionID: v.Session.ID, MerchantID: merchantID, ExpiresAt: time.Now().Add(10 * time.Minute).UTC().Format(time.RFC3339)},
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"token": vt.ID})
	})
	srv.Start()
	t.Cleanup(srv.Close)
	return &widgetStack{srv: srv, svc: svc}
}

func hostPage(html string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io := strings.NewReplacer("{{HOST_COMMON}}", hostCommon)
		w.Write([]byte(io.Replace(html)))
	}
}

// hostCommon is the host pages' MCP client: JSON-RPC over streamable HTTP
// (the server is stateless and answers in JSON), and the widget loader.
const hostCommon = `
let seq = 1;
window.host = {calls: [], links: [], checkouts: [], heights: []};
async function mcp(method, params) {
  const r = await fetch("/mcp", {method: "POST",
    headers: {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"},
    body: JSON.stringify({jsonrpc: "2.0", id: seq++, method, params})});
  const j = await r.json();
  if (j.error) throw new Error(j.error.message);
  return j.result;
}
async function callTool(name, args) {
  host.calls.push(name);
  return mcp("tools/call", {name, arguments: args});
}
async function widgetHTML() {
  const tools = (await mcp("tools/list", {})).tools;
  const show = tools.find(t => t.name === "show_checkout");
  const uri = show._meta.ui.resourceUri;
  if (uri !== show._meta["openai/outputTemplate"]) throw new Error("dialects disagree on the widget URI");
  const res = await mcp("resources/read", {uri});
  return res.contents[0].text;
}
const args = {items: [{id: new URLSearchParams(location.search).get("item"), quantity: 1}]};
`

// hostOpenAI emulates ChatGPT: window.openai injected into the widget.
const hostOpenAI = `<!doctype html><html><head><meta charset="utf-8"><title>ChatGPT (emulated)</title>
<style>body{font:14px system-ui;margin:16px;background:#f7f7f8}iframe{width:560px;border:1px solid #ccc;border-radius:12px;background:#fff}</style>
</head><body><p><b>Emulated ChatGPT host</b> · window.openai · Instant Checkout</p><iframe id="w"></iframe>
<script>{{HOST_COMMON}}
window.hostAPI = {
  callTool,
  openExternal(href) { host.links.push(href); },
  height(h) { host.heights.push(h); document.getElementById("w").style.height = h + "px"; },
  // The payment sheet: check the session the widget hands over, get a
  // PSP token for it, and let ChatGPT call complete_checkout.
  async requestCheckout(s) {
    host.checkouts.push(s);
    if (!s.id || !s.payment_provider || !s.payment_provider.provider || s.status !== "ready_for_payment" ||
        !(s.totals || []).some(t => t.type === "total") || !["test", "live"].includes(s.payment_mode))
      throw new Error("requestCheckout: not a payable session");
    const tok = await (await fetch("/test/tokenize", {method: "POST", body: JSON.stringify({checkout_session_id: s.id})})).json();
    const res = await callTool("complete_checkout", {checkout_session_id: s.id,
      buyer: {first_name: "Ada", last_name: "Lovelace", email: "ada@example.com"},
      payment_data: {token: tok.token, provider: s.payment_provider.provider}});
    if (res.isError) throw new Error(res.content.map(c => c.text).join(" "));
    return res.structuredContent;
  },
};
// window.openai in the widget is a shim over postMessage, as in ChatGPT,
// whose widget iframe is on another origin.
window.addEventListener("message", async ev => {
  const f = document.getElementById("w");
  const m = ev.data;
  if (ev.source !== f.contentWindow || !m || !m.openai) return;
  if (m.openai === "height") { hostAPI.height(m.arg); return; }
  try {
    let result;
    switch (m.openai) {
    case "callTool": result = await hostAPI.callTool(m.arg.name, m.arg.arguments); break;
    case "requestCheckout": result = await hostAPI.requestCheckout(m.arg); break;
    case "openExternal": result = hostAPI.openExternal(m.arg.href); break;
    default: throw new Error("unknown window.openai method " + m.openai);
    }
    f.contentWindow.postMessage({openaiReply: m.id, result}, "*");
  } catch (e) {
    f.contentWindow.postMessage({openaiReply: m.id, error: String(e.message || e)}, "*");
  }
});
(async () => {
  const html = await widgetHTML();
  const out = await callTool("show_checkout", args);
  const shim = "<script>(function () { var seq = 0, wait = {};" +
    "window.addEventListener('message', function (e) { var m = e.data; if (e.source !== parent || !m || !m.openaiReply) return;" +
    "  var p = wait[m.openaiReply]; if (!p) return; delete wait[m.openaiReply]; if (m.error) p[1](new Error(m.error)); else p[0](m.result); });" +
    "function ask(method, arg) { return new Promise(function (res, rej) { var id = ++seq; wait[id] = [res, rej]; parent.postMessage({openai: method, id: id, arg: arg}, '*'); }); }" +
    "window.openai = {toolOutput: " + JSON.stringify(out.structuredContent).replace(/</g, "\\u003c") + ", theme: 'light', locale: 'en-US'," +
    "  callTool: function (n, a) { return ask('callTool', {name: n, arguments: a}); }," +
    "  requestCheckout: function (s) { return ask('requestCheckout', s); }," +
    "  openExternal: function (o) { return ask('openExternal', o); }," +
    "  notifyIntrinsicHeight: function (h) { parent.postMessage({openai: 'height', arg: h}, '*'); }};" +
    "})();<\/script>";
  const f = document.getElementById("w");
  f.sandbox = "allow-scripts";
  f.srcdoc = html.replace("<head>", "<head>" + shim);
  host.ready = true;
})().catch(e => { host.error = String(e); });
</script></body></html>`

// hostMCPApps emulates an MCP Apps host: postMessage JSON-RPC, no
// window.openai.
const hostMCPApps = `<!doctype html><html><head><meta charset="utf-8"><title>MCP Apps host (emulated)</title>
<style>body{font:14px system-ui;margin:16px;background:#eef2f6}iframe{width:560px;border:1px solid #ccc;border-radius:12px;background:#fff}</style>
</head><body><p><b>Emulated MCP Apps host</b> · ui/* bridge · no requestCheckout</p><iframe id="w"></iframe>
<script>{{HOST_COMMON}}
(async () => {
  const html = await widgetHTML();
  const result = await callTool("show_checkout", args);
  const f = document.getElementById("w");
  const post = m => f.contentWindow.postMessage(Object.assign({jsonrpc: "2.0"}, m), "*");
  window.addEventListener("message", async ev => {
    if (ev.source !== f.contentWindow) return;
    const m = ev.data;
    switch (m.method) {
    case "ui/initialize":
      host.initialize = m.params;
      post({id: m.id, result: {protocolVersion: "2026-01-26", hostInfo: {name: "test-host", version: "1"},
        hostCapabilities: {openLinks: {}, serverTools: {}}, hostContext: {theme: "light", displayMode: "inline", locale: "en-US"}}});
      break;
    case "ui/notifications/initialized":
      host.initialized = true;
      post({method: "ui/notifications/tool-input", params: {arguments: args}});
      post({method: "ui/notifications/tool-result", params: result});
      break;
    case "tools/call":
      try { post({id: m.id, result: await callTool(m.params.name, m.params.arguments)}); }
      catch (e) { post({id: m.id, error: {code: -32603, message: String(e)}}); }
      break;
    case "ui/open-link":
      host.links.push(m.params.url);
      post({id: m.id, result: {}});
      break;
    case "ui/notifications/size-changed":
      host.heights.push(m.params.height);
      f.style.height = m.params.height + "px";
      break;
    default:
      if (m.id != null) post({id: m.id, error: {code: -32601, message: "Method not found"}});
    }
  });
  f.sandbox = "allow-scripts";
  f.srcdoc = html;
  host.ready = true;
})().catch(e => { host.error = String(e); });
</script></body></html>`

// newBrowser starts a headless Chromium for the widget tests.
func newBrowser(t *testing.T) context.Context {
	return browsertest.New(t, 700, 1100,
		// Keep the widget's sandboxed iframe in the page's process, where
		// chromedp's DOM queries reach it (FromNode); an out-of-process
		// iframe target does not report its DOM changes to chromedp.
		chromedp.Flag("disable-features", "IsolateSandboxedIframes,SitePerProcess"),
		chromedp.Flag("disable-site-isolation-trials", true),
	)
}

// inWidget runs actions in the widget iframe. Chrome runs the sandboxed
// (opaque-origin) iframe in its own process, a target of type "iframe" that
// the page's DOM does not reach, so the helper attaches to that target.
type inWidget struct {
	t    *testing.T
	page context.Context // the host page
	ctx  context.Context // the widget iframe's target
	from chromedp.QueryOption
}

func openWidget(t *testing.T, ctx context.Context, url string) *inWidget {
	t.Helper()
	browsertest.Do(t, ctx,
		chromedp.Navigate(url),
		browsertest.Discard(chromedp.Poll[bool](`window.host && (window.host.ready || window.host.error)`, chromedp.WithPollingTimeout(15*time.Second))),
	)
	if e := browsertest.Run(t, ctx, chromedp.Evaluate[string](`host.error || ""`)); e != "" {
		t.Fatalf("host page: %s", e)
	}
	nodes := browsertest.Run(t, ctx, chromedp.Nodes(chromedp.CSS("iframe#w")))
	w := &inWidget{t: t, page: ctx, ctx: ctx, from: chromedp.FromNode(nodes[0])}
	cctx, ccancel := context.WithCancel(ctx)
	t.Cleanup(ccancel)
	msgs := chromedp.Console(cctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			t.Logf("console %s: %s", m.Type, m.Text)
		}
	}()
	w.waitVisible("#f-name")
	return w
}

// do runs one step in the widget, bounded so a stuck step names itself.
func (w *inWidget) do(name string, a chromedp.Action[chromedp.Void]) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, a); err != nil {
		chromedp.Do(w.page, browsertest.Screenshot(w.t, browsertest.ArtifactDir(w.t, "widget"), "failed-"+strings.Fields(w.t.Name())[0]))
		w.t.Fatalf("widget: %s: %v", name, err)
	}
}

func (w *inWidget) waitVisible(sel string) {
	w.t.Helper()
	w.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel), w.from))
}

// click activates the button or radio sel from the keyboard: chromedp's
// mouse click aims at the element's position in the iframe's viewport,
// not the page's, and misses.
func (w *inWidget) click(sel string) {
	w.t.Helper()
	key := "\r" // Enter activates a button
	if strings.Contains(sel, "input") {
		key = " " // Space selects a radio
	}
	w.do("press "+sel, chromedp.SendKeys(chromedp.CSS(sel), key, w.from))
}

// attr returns an attribute of the element sel. (The widget is read
// through the DOM domain only: chromedp's Text and Evaluate wait for a
// JavaScript execution context that an attached iframe target does not
// announce.)
func (w *inWidget) attr(sel, name string) string {
	w.t.Helper()
	var v string
	w.do("read "+sel+" "+name, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		r, err := chromedp.AttributeValue(chromedp.CSS(sel), name, w.from)(ctx, tg)
		v = r.Value
		return err
	}))
	return v
}

// shipAndChooseExpress fills the address, waits for the delivery options,
// picks the one not selected (express) and returns its id.
func (w *inWidget) shipAndChooseExpress() string {
	w.t.Helper()
	for _, f := range [][2]string{{"#f-name", "Ada Lovelace"}, {"#f-line1", "1 Market St"}, {"#f-city", "San Francisco"},
		{"#f-state", "CA"}, {"#f-postal", "94103"}} {
		w.do("type "+f[0], chromedp.SendKeys(chromedp.CSS(f[0]), f[1], w.from))
	}
	w.click("#save-address")
	w.waitVisible("#options-section")
	w.waitVisible("#address-view")
	express := w.attr(`#options input:not(:checked)`, "value")
	w.click(`#options input[value="` + express + `"]`)
	w.waitVisible(`#options input[value="` + express + `"]:checked:enabled`)
	w.do("wait for #buy enabled", chromedp.WaitEnabled(chromedp.CSS("#buy"), w.from))
	return express
}

func TestBrowserWidgetChatGPT(t *testing.T) {
	ctx := newBrowser(t)
	s := newWidgetStack(t)
	dir := browsertest.ArtifactDir(t, "widget")

	w := openWidget(t, ctx, s.srv.URL+"/host/openai?item="+racket)
	w.waitVisible(`#buy[data-action="request-checkout"]`) // Buy, not Continue, with requestCheckout
	browsertest.Do(t, ctx, browsertest.Screenshot(t, dir, "chatgpt-1-start"))
	express := w.shipAndChooseExpress()
	if got := w.attr(`#totals tr[data-type="fulfillment"]`, "data-amount"); got != "1499" {
		t.Errorf("fulfillment total %q after choosing express, want 1499", got)
	}
	browsertest.Do(t, ctx, browsertest.Screenshot(t, dir, "chatgpt-2-ready"))
	w.click("#buy")
	w.waitVisible("#confirmation")
	browsertest.Do(t, ctx, browsertest.Screenshot(t, dir, "chatgpt-3-confirmation"))

	orderID := w.attr("#confirmation", "data-order-id")
	if !strings.HasPrefix(orderID, "ord_") {
		t.Fatalf("confirmation for order %q", orderID)
	}
	var calls []string
	evalJSON(t, ctx, `host.calls`, &calls)
	if want := "show_checkout update_checkout update_checkout complete_checkout"; strings.Join(calls, " ") != want {
		t.Errorf("tool calls %v, want %s", calls, want)
	}
	var sent map[string]any
	evalJSON(t, ctx, `host.checkouts[0]`, &sent)
	if sent["fulfillment_option_id"] != express || sent["payment_mode"] != "test" {
		t.Errorf("requestCheckout got option %v, mode %v", sent["fulfillment_option_id"], sent["payment_mode"])
	}
	w.click("#order-link")
	browsertest.Do(t, ctx, browsertest.Discard(chromedp.Poll[bool](`host.links.length > 0`, chromedp.WithPollingTimeout(5*time.Second))))
	var links []string
	evalJSON(t, ctx, `host.links`, &links)
	if len(links) != 1 || links[0] != s.srv.URL+"/orders/"+orderID {
		t.Errorf("order link opened %v", links)
	}
	v, err := s.svc.Get(context.Background(), sent["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if v.Order == nil || v.Order.ID != orderID || v.Quote.Selected.ID != express {
		t.Fatalf("session after Buy: order %+v, option %s", v.Order, v.Quote.Selected.ID)
	}
}

func TestBrowserWidgetMCPApps(t *testing.T) {
	ctx := newBrowser(t)
	s := newWidgetStack(t)
	dir := browsertest.ArtifactDir(t, "widget")

	w := openWidget(t, ctx, s.srv.URL+"/host/mcpapps?item="+racket)
	var init map[string]any
	evalJSON(t, ctx, `host.initialize`, &init)
	if init["protocolVersion"] != "2026-01-26" {
		t.Errorf("ui/initialize params %v", init)
	}
	w.waitVisible(`#buy[data-action="continue"]`) // Continue to secure checkout
	express := w.shipAndChooseExpress()
	browsertest.Do(t, ctx, browsertest.Screenshot(t, dir, "mcpapps-1-ready"))
	w.click("#buy")
	w.waitVisible("#handoff")
	browsertest.Do(t, ctx, browsertest.Screenshot(t, dir, "mcpapps-2-handoff"))

	var links []string
	evalJSON(t, ctx, `host.links`, &links)
	if len(links) != 1 || !strings.HasPrefix(links[0], s.srv.URL+"/checkout/cs_") {
		t.Fatalf("ui/open-link got %v, want the hosted checkout page", links)
	}
	id := strings.TrimPrefix(links[0], s.srv.URL+"/checkout/")

	// The buyer pays on the hosted page in a new tab: the address and the
	// shipping option chosen in the widget are already there.
	tab, cancel := chromedp.NewContext(ctx)
	defer cancel()
	browsertest.Do(t, tab,
		chromedp.Navigate(links[0]),
		chromedp.WaitVisible(chromedp.CSS("#pay-button")),
		chromedp.SendKeys(chromedp.CSS("#p-number"), "4242 4242 4242 4242"),
		chromedp.SendKeys(chromedp.CSS("#p-exp"), "12/34"),
		chromedp.SendKeys(chromedp.CSS("#p-cvc"), "123"),
		browsertest.Discard(chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS("#pay-button")))),
		browsertest.Screenshot(t, dir, "mcpapps-3-hosted-order"),
	)
	if loc := browsertest.Run(t, tab, chromedp.Location()); !strings.Contains(loc, "/orders/ord_") {
		t.Fatalf("hosted page ended at %s", loc)
	}
	v, err := s.svc.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if v.Order == nil || v.Quote.Selected.ID != express {
		t.Fatalf("session after paying: order %+v, option %s (want %s)", v.Order, v.Quote.Selected.ID, express)
	}

	// Back in the chat, the widget learns the checkout is paid, and which order.
	w.click("#check-status")
	w.waitVisible("#confirmation")
	browsertest.Do(t, ctx, browsertest.Screenshot(t, dir, "mcpapps-4-confirmation"))
	if got := w.attr("#confirmation", "data-order-id"); got != v.Order.ID {
		t.Errorf("widget confirmation shows order %q, want %q", got, v.Order.ID)
	}
}

// evalJSON evaluates expr in the page and decodes its JSON into out.
func evalJSON(t *testing.T, ctx context.Context, expr string, out any) {
	t.Helper()
	js := browsertest.Run(t, ctx, chromedp.Evaluate[string](`JSON.stringify(`+expr+`)`))
	if err := json.Unmarshal([]byte(js), out); err != nil {
		t.Fatalf("%s = %s: %v", expr, js, err)
	}
}
