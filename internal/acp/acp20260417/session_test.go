package acp20260417_test

import (
	"testing"

	"agentshop/internal/acp/acp20260417"
	"agentshop/internal/acp/acpschema/schematest"
	"agentshop/internal/commerce"
)

func TestEncodeSession(t *testing.T) {
	p := pricer(t)
	c := acp20260417.New(merchant)
	ready := func() *commerce.Session {
		s := session(line("tee_blue_m", 2), line("mug", 1))
		s.Address = home
		s.ContactName, s.ContactEmail = "Ada Lovelace", "ada@example.com"
		s.Buyer = &commerce.Buyer{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com"}
		s.Locale = "en-US"
		return s
	}
	tests := []struct {
		name  string
		view  func() *commerce.View
		check func(t *testing.T, m map[string]any)
	}{
		{"not ready: no address", func() *commerce.View {
			return view(p, session(line("tee_blue_m", 1)), nil)
		}, func(t *testing.T, m map[string]any) {
			wantStatus(t, m, "not_ready_for_payment")
			wantMessage(t, m, "error", "missing", "$.fulfillment_details.address")
			if _, ok := m["selected_fulfillment_options"]; ok {
				t.Error("selection without options")
			}
			if _, ok := m["authentication_metadata"]; ok {
				t.Error("authentication_metadata outside authentication_required")
			}
		}},
		{"ready", func() *commerce.View { return view(p, ready(), nil) },
			func(t *testing.T, m map[string]any) {
				wantStatus(t, m, "ready_for_payment")
				sel := m["selected_fulfillment_options"].([]any)[0].(map[string]any)
				if sel["option_id"] != "shipping_standard" || sel["type"] != "shipping" || len(sel["item_ids"].([]any)) != 2 {
					t.Errorf("selection = %v", sel)
				}
				caps := m["capabilities"].(map[string]any)
				if _, ok := caps["extensions"]; ok {
					t.Error("extensions without discount codes")
				}
				h := caps["payment"].(map[string]any)["handlers"].([]any)[0].(map[string]any)
				if h["psp"] != "sandbox" || h["name"] != "dev.acp.tokenized.card" || h["config"].(map[string]any)["environment"] != "test" {
					t.Errorf("handler = %v", h)
				}
				// Agent: 3ds + biometric; merchant: 3ds.
				if got := caps["interventions"].(map[string]any)["supported"].([]any); len(got) != 1 || got[0] != "3ds" {
					t.Errorf("interventions.supported = %v", got)
				}
				li := m["line_items"].([]any)[0].(map[string]any)
				if li["name"] != "Organic Tee, Blue, M" || li["unit_amount"] != 2500.0 || li["quantity"] != 2.0 || len(li["images"].([]any)) != 1 {
					t.Errorf("line item = %v", li)
				}
				if m["protocol"].(map[string]any)["version"] != "2026-04-17" || m["expires_at"] == nil {
					t.Errorf("protocol/expiry missing: %v %v", m["protocol"], m["expires_at"])
				}
			}},
		{"coupons applied and rejected", func() *commerce.View {
			s := ready()
			s.CouponCodes = []string{"SAVE10", "FIVE", "BOGUS"}
			return view(p, s, nil)
		}, func(t *testing.T, m map[string]any) {
			ext := m["capabilities"].(map[string]any)["extensions"].([]any)
			if len(ext) != 1 || ext[0].(map[string]any)["name"] != "discount" {
				t.Errorf("extensions = %v", ext)
			}
			d := m["discounts"].(map[string]any)
			applied := d["applied"].([]any)
			if len(applied) != 1 || len(d["rejected"].([]any)) != 2 || len(d["codes"].([]any)) != 3 {
				t.Fatalf("discounts = %v", d)
			}
			a := applied[0].(map[string]any)
			var sum float64
			for _, x := range a["allocations"].([]any) {
				sum += x.(map[string]any)["amount"].(float64)
			}
			if sum != a["amount"].(float64) || int64(sum) != amountOf(t, m, "discount") {
				t.Errorf("allocations sum %v, applied %v, discount total %d", sum, a["amount"], amountOf(t, m, "discount"))
			}
			wantMessage(t, m, "warning", "discount_code_invalid", "$.discounts.codes")
			wantMessage(t, m, "warning", "discount_code_minimum_not_met", "$.discounts.codes")
		}},
		{"codes cleared", func() *commerce.View {
			s := ready()
			s.CouponCodes = []string{}
			return view(p, s, nil)
		}, func(t *testing.T, m map[string]any) {
			if _, ok := m["discounts"]; ok {
				t.Error("discounts without codes")
			}
		}},
		{"digital only", func() *commerce.View { return view(p, session(line("ebook", 1)), nil) },
			func(t *testing.T, m map[string]any) {
				wantStatus(t, m, "ready_for_payment")
				opts := m["fulfillment_options"].([]any)
				if len(opts) != 1 || opts[0].(map[string]any)["type"] != "digital" {
					t.Fatalf("options = %v", opts)
				}
				if _, ok := m["fulfillment_details"]; ok {
					t.Error("fulfillment_details with nothing to show")
				}
			}},
		{"stock problems and unknown item", func() *commerce.View {
			s := ready()
			s.Lines = append([]commerce.Line{{ID: "li_0", ItemID: "nope", Quantity: 1}}, s.Lines...)
			return view(p, s, map[string]int64{"tee_blue_m": 1, "mug": 0})
		}, func(t *testing.T, m map[string]any) {
			wantStatus(t, m, "not_ready_for_payment")
			if n := len(m["line_items"].([]any)); n != 2 {
				t.Errorf("%d line items, want 2 (unknown item not rendered)", n)
			}
			wantMessage(t, m, "error", "invalid", "")
			wantMessage(t, m, "error", "quantity_exceeded", "$.line_items[0].quantity")
			wantMessage(t, m, "error", "out_of_stock", "$.line_items[1]")
		}},
		{"low stock warning", func() *commerce.View {
			p := *p
			p.Config.LowStockAt = 5
			return view(&p, ready(), map[string]int64{"tee_blue_m": 4, "mug": 100})
		}, func(t *testing.T, m map[string]any) {
			wantStatus(t, m, "ready_for_payment")
			wantMessage(t, m, "warning", "low_stock", "$.line_items[0]")
		}},
		{"3DS required", func() *commerce.View {
			s := ready()
			s.Status = commerce.StatusAuthRequired
			s.Auth3DS = &commerce.Challenge{PaymentID: "pay_1", DirectoryServer: "Mastercard"}
			s.PaymentMessage = &commerce.Message{Type: commerce.MessageError, Code: commerce.CodeRequires3DS, Param: "$.authentication_result", Content: "3-D Secure needed."}
			return view(p, s, nil)
		}, func(t *testing.T, m map[string]any) {
			wantStatus(t, m, "authentication_required")
			wantMessage(t, m, "error", "requires_3ds", "$.authentication_result")
			am := m["authentication_metadata"].(map[string]any)
			if am["directory_server"] != "mastercard" || am["flow_preference"].(map[string]any)["type"] != "challenge" {
				t.Errorf("authentication_metadata = %v", am)
			}
		}},
		{"3DS default directory", func() *commerce.View {
			s := ready()
			s.Status = commerce.StatusAuthRequired
			s.Auth3DS = &commerce.Challenge{PaymentID: "pay_1"}
			return view(p, s, nil)
		}, func(t *testing.T, m map[string]any) {
			if ds := m["authentication_metadata"].(map[string]any)["directory_server"]; ds != "visa" {
				t.Errorf("directory_server = %v", ds)
			}
		}},
		{"declined", func() *commerce.View {
			s := ready()
			s.PaymentMessage = &commerce.Message{Type: commerce.MessageError, Code: commerce.CodePaymentDeclined, Param: "$.payment_data", Content: "Declined."}
			return view(p, s, nil)
		}, func(t *testing.T, m map[string]any) {
			wantStatus(t, m, "ready_for_payment")
			wantMessage(t, m, "error", "payment_declined", "$.payment_data")
		}},
		{"completed with order", func() *commerce.View { return completed(view(p, ready(), nil)) },
			func(t *testing.T, m map[string]any) {
				wantStatus(t, m, "completed")
				o := m["order"].(map[string]any)
				if o["type"] != "order" || o["id"] != "ord_test" || o["checkout_session_id"] != "cs_test" ||
					o["permalink_url"] != "https://shop.example.com/orders/ord_test" || o["status"] != "confirmed" {
					t.Errorf("order = %v", o)
				}
			}},
		{"canceled", func() *commerce.View {
			s := ready()
			s.Status = commerce.StatusCanceled
			return view(p, s, nil)
		}, func(t *testing.T, m map[string]any) { wantStatus(t, m, "canceled") }},
		{"expired", func() *commerce.View {
			s := ready()
			s.Status = commerce.StatusExpired
			return view(p, s, nil)
		}, func(t *testing.T, m map[string]any) { wantStatus(t, m, "expired") }},
		{"hand-built minimal", func() *commerce.View {
			return &commerce.View{Session: &commerce.Session{ID: "cs_min", Currency: "EUR"}, Status: commerce.StatusNotReady,
				Messages: []commerce.Message{
					{Type: commerce.MessageWarning, Code: "made_up_warning", Content: "Hm."},
					{Type: commerce.MessageError, Code: "made_up_error", Content: "Oops."},
					{Type: commerce.MessageInfo, Content: "FYI."},
				}}
		}, func(t *testing.T, m map[string]any) {
			if m["currency"] != "eur" {
				t.Errorf("currency = %v", m["currency"])
			}
			if _, ok := m["created_at"]; ok {
				t.Error("zero created_at rendered")
			}
			wantMessage(t, m, "info", "", "")
			wantMessage(t, m, "error", "invalid", "")
		}},
	}
	schema := schematest.FromEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := tt.view()
			b, err := c.EncodeSession(v)
			if err != nil {
				t.Fatal(err)
			}
			def := "CheckoutSession"
			if v.Order != nil {
				def = "CheckoutSessionWithOrder"
			}
			if err := schema.Validate(acp20260417.APIVersion, def, b); err != nil {
				t.Errorf("schema: %v\n%s", err, b)
			}
			m := decodeJSON(t, b)
			checkArithmetic(t, m)
			tt.check(t, m)
		})
	}
}

func TestEncodeSessionErrors(t *testing.T) {
	c := acp20260417.New(merchant)
	if _, err := c.EncodeSession(&commerce.View{}); err == nil {
		t.Error("view without session encoded")
	}
	if _, err := c.EncodeSession(&commerce.View{Session: &commerce.Session{ID: "x"}, Status: "incomplete"}); err == nil {
		t.Error("unknown status encoded")
	}
}

func TestEncodeLiveMerchant(t *testing.T) {
	c := acp20260417.New(commerce.Merchant{Name: "A very long merchant name that exceeds forty characters", BaseURL: "https://x.test", Provider: "stripe", LiveMode: true})
	s := &commerce.Session{ID: "x", Currency: "usd", Status: commerce.StatusAuthRequired, Interventions: []string{"3ds"}}
	b, err := c.EncodeSession(&commerce.View{Session: s, Status: commerce.StatusAuthRequired})
	if err != nil {
		t.Fatal(err)
	}
	if err := schematest.FromEnv(t).Validate(acp20260417.APIVersion, "CheckoutSession", b); err != nil {
		t.Errorf("schema: %v\n%s", err, b)
	}
	m := decodeJSON(t, b)
	caps := m["capabilities"].(map[string]any)
	if env := caps["payment"].(map[string]any)["handlers"].([]any)[0].(map[string]any)["config"].(map[string]any)["environment"]; env != "live" {
		t.Errorf("environment = %v", env)
	}
	if got := caps["interventions"].(map[string]any)["supported"].([]any); len(got) != 0 {
		t.Errorf("merchant without interventions supports %v", got)
	}
	if name := m["authentication_metadata"].(map[string]any)["acquirer_details"].(map[string]any)["merchant_name"].(string); len(name) != 40 {
		t.Errorf("merchant_name %q not cut to 40", name)
	}
	if links := m["links"].([]any); len(links) != 0 {
		t.Errorf("links = %v", links)
	}
}

func wantStatus(t *testing.T, m map[string]any, want string) {
	t.Helper()
	if m["status"] != want {
		t.Errorf("status = %v, want %s", m["status"], want)
	}
}

// wantMessage asserts a message of type and code with param (an empty
// param means "no param").
func wantMessage(t *testing.T, m map[string]any, typ, code, param string) {
	t.Helper()
	for _, x := range m["messages"].([]any) {
		msg := x.(map[string]any)
		p, _ := msg["param"].(string)
		c, _ := msg["code"].(string)
		if msg["type"] == typ && c == code && p == param {
			if msg["content_type"] != "plain" || msg["content"] == "" {
				t.Errorf("message %v lacks plain content", msg)
			}
			return
		}
	}
	t.Errorf("no %s message %q at %q in %v", typ, code, param, m["messages"])
}

func sumOf(t *testing.T, totals any, typ string) int64 {
	t.Helper()
	var sum int64
	for _, x := range totals.([]any) {
		tot := x.(map[string]any)
		if tot["type"] == typ {
			sum += int64(tot["amount"].(float64))
		}
	}
	return sum
}

func amountOf(t *testing.T, m map[string]any, typ string) int64 { return sumOf(t, m["totals"], typ) }

// checkOne asserts exactly one total of type "total".
func checkOne(t *testing.T, totals any, where string) {
	t.Helper()
	n := 0
	for _, x := range totals.([]any) {
		if x.(map[string]any)["type"] == "total" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%s: %d totals of type total, want 1", where, n)
	}
}

// checkArithmetic asserts that the encoded amounts add up: one total
// each; total = items − discount + fulfillment + tax; each line and
// option sums; Σ line totals + selected option total = total.
func checkArithmetic(t *testing.T, m map[string]any) {
	t.Helper()
	checkOne(t, m["totals"], "session")
	total := amountOf(t, m, "total")
	if got := amountOf(t, m, "items_base_amount") - amountOf(t, m, "discount") + amountOf(t, m, "fulfillment") + amountOf(t, m, "tax"); got != total {
		t.Errorf("items − discount + fulfillment + tax = %d, total = %d", got, total)
	}
	var lines int64
	for _, x := range m["line_items"].([]any) {
		l := x.(map[string]any)
		tt := l["totals"]
		checkOne(t, tt, "line "+l["id"].(string))
		a := func(k string) int64 { return sumOf(t, tt, k) }
		if a("items_base_amount")-a("discount") != a("subtotal") || a("subtotal")+a("tax") != a("total") {
			t.Errorf("line item does not add up: %v", tt)
		}
		if a("items_base_amount") != int64(l["unit_amount"].(float64)*l["quantity"].(float64)) {
			t.Errorf("base %d != unit_amount × quantity in %v", a("items_base_amount"), l)
		}
		lines += a("total")
	}
	sel := ""
	if s, ok := m["selected_fulfillment_options"].([]any); ok {
		sel = s[0].(map[string]any)["option_id"].(string)
	}
	var selected int64
	for _, x := range m["fulfillment_options"].([]any) {
		o := x.(map[string]any)
		checkOne(t, o["totals"], "option "+o["id"].(string))
		a := func(k string) int64 { return sumOf(t, o["totals"], k) }
		if a("subtotal")+a("tax") != a("total") {
			t.Errorf("option does not add up: %v", o)
		}
		if o["id"] == sel {
			selected = a("total")
			if a("subtotal") != amountOf(t, m, "fulfillment") {
				t.Errorf("selected option subtotal %d != fulfillment total %d", a("subtotal"), amountOf(t, m, "fulfillment"))
			}
		}
	}
	// Unknown items are not rendered but carry no amounts, so this holds
	// for every session.
	if lines+selected != total {
		t.Errorf("Σ line totals %d + option %d != total %d", lines, selected, total)
	}
}
