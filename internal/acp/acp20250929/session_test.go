package acp20250929_test

import (
	"testing"

	"agentshop/internal/acp/acp20250929"
	"agentshop/internal/acp/acpschema/schematest"
	"agentshop/internal/commerce"
)

func TestEncodeSession(t *testing.T) {
	p := pricer(t)
	c := acp20250929.New(merchant)
	ready := func() *commerce.Session {
		s := session(line("tee_blue_m", 2), line("mug", 1))
		s.Address = home
		s.Buyer = &commerce.Buyer{FullName: "Ada Lovelace", Email: "ada@example.com"}
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
			wantMessage(t, m, "error", "missing", "$.fulfillment_address")
			if _, ok := m["fulfillment_option_id"]; ok {
				t.Error("fulfillment_option_id without options")
			}
		}},
		{"ready", func() *commerce.View { return view(p, ready(), nil) },
			func(t *testing.T, m map[string]any) {
				wantStatus(t, m, "ready_for_payment")
				if m["fulfillment_option_id"] != "shipping_standard" {
					t.Errorf("fulfillment_option_id = %v", m["fulfillment_option_id"])
				}
				if b := m["buyer"].(map[string]any); b["first_name"] != "Ada" || b["last_name"] != "Lovelace" {
					t.Errorf("buyer = %v", b)
				}
				if pp := m["payment_provider"].(map[string]any); pp["provider"] != "stripe" {
					t.Errorf("payment_provider = %v", pp)
				}
				if n := len(m["links"].([]any)); n != 3 {
					t.Errorf("%d links, want 3", n)
				}
			}},
		{"express selected", func() *commerce.View {
			s := ready()
			s.FulfillmentOptionID = "shipping_express"
			return view(p, s, nil)
		}, func(t *testing.T, m map[string]any) {
			if m["fulfillment_option_id"] != "shipping_express" {
				t.Errorf("fulfillment_option_id = %v", m["fulfillment_option_id"])
			}
		}},
		{"unknown option", func() *commerce.View {
			s := ready()
			s.FulfillmentOptionID = "teleport"
			return view(p, s, nil)
		}, func(t *testing.T, m map[string]any) {
			wantStatus(t, m, "not_ready_for_payment")
			wantMessage(t, m, "error", "invalid", "$.fulfillment_option_id")
		}},
		{"coupons applied and rejected", func() *commerce.View {
			s := ready()
			s.CouponCodes = []string{"SAVE10", "FIVE", "BOGUS"}
			return view(p, s, nil)
		}, func(t *testing.T, m map[string]any) {
			if amountOf(t, m, "discount") <= 0 {
				t.Error("no discount total")
			}
			// Rejected codes are warnings, which 2025-09-29 shows as info.
			wantMessage(t, m, "info", "", "")
		}},
		{"digital only", func() *commerce.View { return view(p, session(line("ebook", 1)), nil) },
			func(t *testing.T, m map[string]any) {
				wantStatus(t, m, "ready_for_payment")
				opts := m["fulfillment_options"].([]any)
				if len(opts) != 1 || opts[0].(map[string]any)["type"] != "digital" {
					t.Fatalf("options = %v", opts)
				}
				if _, ok := opts[0].(map[string]any)["carrier"]; ok {
					t.Error("digital option has a carrier")
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
			wantMessage(t, m, "error", "invalid", "")                                   // unknown item: no line to point at
			wantMessage(t, m, "error", "out_of_stock", "$.line_items[0].item.quantity") // quantity_exceeded, reindexed
			wantMessage(t, m, "error", "out_of_stock", "$.line_items[1]")
		}},
		{"3DS required", func() *commerce.View {
			s := ready()
			s.Status = commerce.StatusAuthRequired
			s.Auth3DS = &commerce.Challenge{PaymentID: "pay_1", DirectoryServer: "visa"}
			s.PaymentMessage = &commerce.Message{Type: commerce.MessageError, Code: commerce.CodeRequires3DS, Param: "$.authentication_result", Content: "3-D Secure needed."}
			return view(p, s, nil)
		}, func(t *testing.T, m map[string]any) {
			wantStatus(t, m, "ready_for_payment")
			wantMessage(t, m, "error", "requires_3ds", "")
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
				if o["id"] != "ord_test" || o["checkout_session_id"] != "cs_test" || o["permalink_url"] != "https://shop.example.com/orders/ord_test" {
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
		}, func(t *testing.T, m map[string]any) { wantStatus(t, m, "canceled") }},
		{"hand-built minimal", func() *commerce.View {
			return &commerce.View{Session: &commerce.Session{ID: "cs_min", Currency: "USD"}, Status: commerce.StatusNotReady}
		}, func(t *testing.T, m map[string]any) {
			if m["currency"] != "usd" {
				t.Errorf("currency = %v", m["currency"])
			}
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
			if err := schema.Validate(acp20250929.APIVersion, def, b); err != nil {
				t.Errorf("schema: %v\n%s", err, b)
			}
			m := decodeJSON(t, b)
			checkArithmetic(t, m)
			tt.check(t, m)
		})
	}
}

func TestEncodeSessionErrors(t *testing.T) {
	c := acp20250929.New(merchant)
	if _, err := c.EncodeSession(nil); err == nil {
		t.Error("nil view encoded")
	}
	if _, err := c.EncodeSession(&commerce.View{Session: &commerce.Session{ID: "x"}, Status: "bogus"}); err == nil {
		t.Error("unknown status encoded")
	}
}

func TestEncodeLinksOmitEmpty(t *testing.T) {
	c := acp20250929.New(commerce.Merchant{BaseURL: "https://x.test", TermsURL: "https://x.test/terms"})
	b, err := c.EncodeSession(&commerce.View{Session: &commerce.Session{ID: "x", Currency: "usd"}, Status: commerce.StatusNotReady})
	if err != nil {
		t.Fatal(err)
	}
	links := decodeJSON(t, b)["links"].([]any)
	if len(links) != 1 || links[0].(map[string]any)["type"] != "terms_of_use" {
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

func amountOf(t *testing.T, m map[string]any, typ string) int64 {
	t.Helper()
	var sum int64
	for _, x := range m["totals"].([]any) {
		tot := x.(map[string]any)
		if tot["type"] == typ {
			sum += int64(tot["amount"].(float64))
		}
	}
	return sum
}

// checkArithmetic asserts that the encoded amounts add up: one total;
// total = items − discount + fulfillment + tax; each line and option sums;
// Σ line totals + selected option total = total.
func checkArithmetic(t *testing.T, m map[string]any) {
	t.Helper()
	n := 0
	for _, x := range m["totals"].([]any) {
		if x.(map[string]any)["type"] == "total" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d totals of type total, want 1", n)
	}
	total := amountOf(t, m, "total")
	if got := amountOf(t, m, "items_base_amount") - amountOf(t, m, "discount") + amountOf(t, m, "fulfillment") + amountOf(t, m, "tax"); got != total {
		t.Errorf("items − discount + fulfillment + tax = %d, total = %d", got, total)
	}
	var lines int64
	for _, x := range m["line_items"].([]any) {
		l := x.(map[string]any)
		a := func(k string) int64 { return int64(l[k].(float64)) }
		if a("base_amount")-a("discount") != a("subtotal") || a("subtotal")+a("tax") != a("total") {
			t.Errorf("line item does not add up: %v", l)
		}
		lines += a("total")
	}
	var selected int64
	for _, x := range m["fulfillment_options"].([]any) {
		o := x.(map[string]any)
		a := func(k string) int64 { return int64(o[k].(float64)) }
		if a("subtotal")+a("tax") != a("total") {
			t.Errorf("option does not add up: %v", o)
		}
		if o["id"] == m["fulfillment_option_id"] {
			selected = a("total")
		}
	}
	if amountOf(t, m, "fulfillment") > 0 && selected == 0 {
		t.Error("fulfillment total without a selected option")
	}
	// Unknown items are not rendered but carry no amounts, so this holds
	// for every session.
	if lines+selected != total {
		t.Errorf("Σ line totals %d + option %d != total %d", lines, selected, total)
	}
}
