package commerce

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

// namedProvider is a PaymentProvider that only has a name and a mode.
type namedProvider struct {
	name string
	live bool
}

func (p namedProvider) Name() string   { return p.name }
func (p namedProvider) LiveMode() bool { return p.live }
func (p namedProvider) Charge(context.Context, ChargeRequest) (ChargeResult, error) {
	return ChargeResult{}, errors.New("not for charging")
}

func TestNewPayments(t *testing.T) {
	sandbox, stripe := namedProvider{name: "sandbox"}, namedProvider{name: "stripe", live: true}
	tests := []struct {
		name    string
		def     PaymentProvider
		others  []PaymentProvider
		wantErr bool
		names   []string
	}{
		{name: "One", def: sandbox, names: []string{"sandbox"}},
		{name: "DefaultAndOthers", def: stripe, others: []PaymentProvider{sandbox}, names: []string{"sandbox", "stripe"}},
		{name: "ErrNilDefault", def: nil, wantErr: true},
		{name: "ErrNilOther", def: sandbox, others: []PaymentProvider{nil}, wantErr: true},
		{name: "ErrNoName", def: namedProvider{name: " "}, wantErr: true},
		{name: "ErrSameName", def: sandbox, others: []PaymentProvider{namedProvider{name: "sandbox"}}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewPayments(tt.def, tt.others...)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("NewPayments = %v, want an error", p.Names())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Default() != tt.def {
				t.Errorf("Default() = %v, want %v", p.Default(), tt.def)
			}
			if got := p.Names(); !slices.Equal(got, tt.names) {
				t.Errorf("Names() = %v, want %v", got, tt.names)
			}
			for _, n := range tt.names {
				if prov, err := p.Provider(n); err != nil || prov.Name() != n {
					t.Errorf("Provider(%q) = %v, %v", n, prov, err)
				}
			}
		})
	}
}

// An attempt's provider that is not registered is ErrProviderUnknown,
// never another provider.
func TestPaymentsProviderUnknown(t *testing.T) {
	p := MustPayments(namedProvider{name: "stripe"})
	for _, name := range []string{"sandbox", "", "Stripe"} {
		if prov, err := p.Provider(name); !errors.Is(err, ErrProviderUnknown) || prov != nil {
			t.Errorf("Provider(%q) = %v, %v; want nil, ErrProviderUnknown", name, prov, err)
		}
	}
	var none *Payments
	if none.Default() != nil || none.Names() != nil {
		t.Errorf("nil Payments: Default %v, Names %v", none.Default(), none.Names())
	}
	if _, err := none.Provider("sandbox"); !errors.Is(err, ErrProviderUnknown) {
		t.Errorf("nil Payments: Provider = %v, want ErrProviderUnknown", err)
	}
}

func TestMustPaymentsPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustPayments with two providers of one name did not panic")
		}
	}()
	MustPayments(namedProvider{name: "x"}, namedProvider{name: "x"})
}

func TestDeclaredMethods(t *testing.T) {
	t.Parallel()
	h := PaymentHandler{PSP: "stripe", Methods: []PaymentMethod{
		{Type: MethodCard, CardBrands: []string{"visa", "mastercard"}}, {Type: MethodApplePay}, {Type: MethodGooglePay}}}
	got := h.DeclaredMethods()
	if len(got) != 3 {
		t.Fatalf("%v", got)
	}
	card := got[0].(map[string]any)
	if card["type"] != "card" || !slices.Equal(card["allowed_card_brands"].([]string), []string{"visa", "mastercard"}) ||
		got[1].(map[string]any)["type"] != "apple_pay" || got[2].(map[string]any)["type"] != "google_pay" {
		t.Errorf("stripe methods %v", got)
	}
	h.PSP = "braintree"
	if got := h.DeclaredMethods(); !slices.Equal(got, []any{"card", "applepay", "googlepay"}) {
		t.Errorf("braintree methods %v", got)
	}
}

func TestNewHandlers(t *testing.T) {
	t.Parallel()
	sandbox, live := namedProvider{name: "sandbox"}, namedProvider{name: "stripe", live: true}
	h := func(id string, mode Mode, enabled bool, p PaymentProvider) Handler {
		return Handler{PaymentHandler: PaymentHandler{ID: id, Mode: mode, Enabled: enabled}, Provider: p}
	}
	for _, tt := range []struct {
		name    string
		def     Mode
		hs      []Handler
		wantErr string
		mode    Mode
	}{
		{name: "TestFirst", hs: []Handler{h("a", ModeTest, true, sandbox), h("b", ModeLive, true, live)}, mode: ModeTest},
		{name: "LiveByDefault", def: ModeLive, hs: []Handler{h("a", ModeTest, true, sandbox), h("b", ModeLive, true, live)}, mode: ModeLive},
		{name: "FirstEnabled", hs: []Handler{h("a", ModeTest, false, sandbox), h("b", ModeLive, true, live)}, mode: ModeLive},
		{name: "ErrLiveKeyInTestHandler", hs: []Handler{h("a", ModeTest, true, live)}, wantErr: "test and live stay apart"},
		{name: "ErrLiveSandbox", hs: []Handler{h("a", ModeLive, true, sandbox)}, wantErr: "test and live stay apart"},
		{name: "ErrDuplicateID", hs: []Handler{h("a", ModeTest, true, sandbox), h("a", ModeLive, true, live)}, wantErr: "two handlers"},
		{name: "ErrNoID", hs: []Handler{h("", ModeTest, true, sandbox)}, wantErr: "no id"},
		{name: "ErrNoMode", hs: []Handler{h("a", "", true, sandbox)}, wantErr: "neither test nor live"},
		{name: "ErrNoneEnabled", hs: []Handler{h("a", ModeTest, false, sandbox)}, wantErr: "no enabled"},
		{name: "ErrDefaultModeEmpty", def: ModeLive, hs: []Handler{h("a", ModeTest, true, sandbox)}, wantErr: "no enabled live"},
		{name: "ErrNilProvider", hs: []Handler{h("a", ModeTest, true, nil)}, wantErr: "no provider"},
		{name: "ErrWrongPSP", hs: []Handler{{PaymentHandler: PaymentHandler{ID: "a", PSP: "stripe", Mode: ModeTest, Enabled: true}, Provider: sandbox}}, wantErr: "its provider is"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewHandlers(tt.def, tt.hs...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NewHandlers = %v, want an error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.DefaultMode() != tt.mode {
				t.Errorf("DefaultMode() = %q, want %q", p.DefaultMode(), tt.mode)
			}
		})
	}
}

// selectHandler offers only the enabled handlers of the session's mode.
func TestSelectHandler(t *testing.T) {
	t.Parallel()
	sb, bt, live := namedProvider{name: "sandbox"}, namedProvider{name: "braintree"}, namedProvider{name: "stripe", live: true}
	p, err := NewHandlers("",
		Handler{PaymentHandler: PaymentHandler{ID: "card", Mode: ModeTest, Enabled: true}, Provider: sb},
		Handler{PaymentHandler: PaymentHandler{ID: "bt_test", Mode: ModeTest, Enabled: true}, Provider: bt},
		Handler{PaymentHandler: PaymentHandler{ID: "bt_old", Mode: ModeTest}, Provider: namedProvider{name: "braintree"}},
		Handler{PaymentHandler: PaymentHandler{ID: "stripe_live", Mode: ModeLive, Enabled: true}, Provider: live},
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name      string
		mode      Mode
		sel       PaymentSelection
		want      string // handler id; "" for an error
		wantParam string
	}{
		{name: "Default", mode: ModeTest, want: "card"},
		{name: "DefaultLive", mode: ModeLive, want: "stripe_live"},
		{name: "ByID", mode: ModeTest, sel: PaymentSelection{HandlerID: "bt_test"}, want: "bt_test"},
		{name: "ByPSP", mode: ModeTest, sel: PaymentSelection{Provider: "braintree"}, want: "bt_test"},
		{name: "ByProviderID", mode: ModeTest, sel: PaymentSelection{Provider: "bt_test"}, want: "bt_test"},
		{name: "StripeMeansSandbox", mode: ModeTest, sel: PaymentSelection{Provider: "stripe"}, want: "card"},
		{name: "StripeLive", mode: ModeLive, sel: PaymentSelection{Provider: "stripe"}, want: "stripe_live"},
		{name: "ErrUnknownID", mode: ModeTest, sel: PaymentSelection{HandlerID: "nope"}, wantParam: "$.payment_data.handler_id"},
		{name: "ErrDisabledID", mode: ModeTest, sel: PaymentSelection{HandlerID: "bt_old"}, wantParam: "$.payment_data.handler_id"},
		{name: "ErrOtherModeID", mode: ModeTest, sel: PaymentSelection{HandlerID: "stripe_live"}, wantParam: "$.payment_data.handler_id"},
		{name: "ErrTestFromLive", mode: ModeLive, sel: PaymentSelection{HandlerID: "card"}, wantParam: "$.payment_data.handler_id"},
		{name: "ErrSandboxFromLive", mode: ModeLive, sel: PaymentSelection{Provider: "sandbox"}, wantParam: "$.payment_data.provider"},
		{name: "ErrUnknownProvider", mode: ModeTest, sel: PaymentSelection{Provider: "adyen"}, wantParam: "$.payment_data.provider"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, err := p.selectHandler(tt.mode, tt.sel)
			if tt.wantParam != "" {
				de, ok := errors.AsType[*Error](err)
				if !ok || de.Code != EINVALID || de.Param != tt.wantParam {
					t.Fatalf("selectHandler = %q, %v; want EINVALID at %s", h.ID, err, tt.wantParam)
				}
				return
			}
			if err != nil || h.ID != tt.want {
				t.Fatalf("selectHandler = %q, %v; want %q", h.ID, err, tt.want)
			}
		})
	}
}

// An attempt routes to the handler it recorded, never to one that took
// its id for another provider.
func TestRoute(t *testing.T) {
	t.Parallel()
	sb, stripe := namedProvider{name: "sandbox"}, namedProvider{name: "stripe"}
	p := MustPayments(stripe, sb) // card_tokenized is stripe now
	for _, tt := range []struct{ id, provider, want string }{
		{LegacyHandlerID, "sandbox", "sandbox"}, // claimed when card_tokenized was the sandbox
		{LegacyHandlerID, "stripe", "stripe"},
		{"", "sandbox", "sandbox"},
		{"", "stripe", "stripe"},
	} {
		h, err := p.route(tt.id, tt.provider)
		if err != nil || h.Provider.Name() != tt.want {
			t.Errorf("route(%q, %q) = %v, %v; want %s", tt.id, tt.provider, h.Provider, err, tt.want)
		}
	}
	two, err := NewHandlers("",
		Handler{PaymentHandler: PaymentHandler{ID: "a", Mode: ModeTest, Enabled: true}, Provider: stripe},
		Handler{PaymentHandler: PaymentHandler{ID: "b", Mode: ModeTest, Enabled: true}, Provider: stripe})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := two.route("", "stripe"); !errors.Is(err, ErrProviderUnknown) {
		t.Errorf("an attempt with no handler and two stripe handlers: %v, want ErrProviderUnknown", err)
	}
	if h, err := two.route("b", "stripe"); err != nil || h.ID != "b" {
		t.Errorf("route(b) = %v, %v", h.ID, err)
	}
}
