package commerce

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrProviderUnknown is returned (wrapped) for a payment attempt whose
// provider is not registered in the [Service]'s [Payments]: it was charged,
// or claimed, by a provider this process no longer has, so it can be
// neither re-driven nor refunded here, and no other provider may stand in.
var ErrProviderUnknown = errors.New("payment provider not registered")

// Mode is whether payments move real money: a handler's mode, fixed by
// its credentials, and a session's, fixed when it is created.
type Mode string

// Modes. The sandbox is always test.
const (
	ModeTest Mode = "test"
	ModeLive Mode = "live"
)

// ModeOf is ModeLive for live credentials and ModeTest otherwise.
func ModeOf(live bool) Mode {
	if live {
		return ModeLive
	}
	return ModeTest
}

// Payment method types a handler may accept.
const (
	MethodCard      = "card"
	MethodApplePay  = "apple_pay"
	MethodGooglePay = "google_pay"
)

// PaymentMethod is a way to pay that a handler accepts.
type PaymentMethod struct {
	// Type is MethodCard, MethodApplePay or MethodGooglePay.
	Type string
	// CardBrands are the card brands accepted ("visa", "mastercard", …),
	// for a card; empty: any.
	CardBrands []string
}

// PaymentHandler is one configured way to pay: a payment provider (PSP)
// in one mode, with the PSP's merchant id and the methods it accepts.
// Sessions offer the enabled handlers of their mode; an attempt records
// the handler it was charged through ([Payment.Handler]), and its re-drives
// and refunds go to that handler whatever the configuration says later.
type PaymentHandler struct {
	// ID names the handler to agents (2026-04-17 payment handler id,
	// payment_data.handler_id); unique in a [Payments].
	ID string
	// PSP is the provider's name ([PaymentProvider.Name]): "sandbox",
	// "stripe", "braintree".
	PSP  string
	Mode Mode
	// MerchantID is the merchant's id at the PSP, declared to agents
	// (Stripe: the Network ID; Braintree: the merchant id).
	MerchantID string
	Methods    []PaymentMethod
	// Enabled handlers are offered to new sessions. A disabled one takes
	// no new payment; it is kept for the attempts it made.
	Enabled bool
}

// DeclaredMethods are the handler's methods in the shape its PSP documents
// for ChatGPT's payment sheet: objects for Stripe ({type: "card",
// allowed_card_brands: […]}, {type: "apple_pay"}, {type: "google_pay"}),
// strings for Braintree ("card", "applepay", "googlepay") and the sandbox
// ("card").
func (h PaymentHandler) DeclaredMethods() []any {
	out := []any{}
	for _, m := range h.Methods {
		switch h.PSP {
		case "stripe":
			o := map[string]any{"type": m.Type}
			if m.Type == MethodCard && len(m.CardBrands) > 0 {
				o["allowed_card_brands"] = m.CardBrands
			}
			out = append(out, o)
		default:
			out = append(out, strings.ReplaceAll(m.Type, "_", ""))
		}
	}
	return out
}

// Handler is a [PaymentHandler] with the provider that charges for it.
type Handler struct {
	PaymentHandler
	Provider PaymentProvider
}

// LegacyHandlerID is the id of the handler that [NewPayments] makes of its
// default provider, and of the one that the single shop.payment_provider
// setting configures: the id agentshop declared before handlers were
// configurable, which agents may have kept.
const LegacyHandlerID = "card_tokenized"

// Payments is the set of payment handlers a [Service] charges and refunds
// through. New payments go to a handler of the session's mode, the one
// complete names or that mode's default (the first enabled handler of the
// mode); every later call for an attempt (a re-drive after a crash, a
// refund) goes to the handler the attempt recorded, never to the default.
// So a merchant who moves from the sandbox to Stripe keeps the sandbox
// registered for its old orders, and Stripe is never sent a sandbox
// charge's refund.
//
// A Payments is immutable once built and safe for concurrent use.
type Payments struct {
	handlers []Handler // in configuration order
	defMode  Mode
}

// NewHandlers returns the registry of hs, in that order. New sessions get
// defMode, or, when it is empty, the mode of the first enabled handler.
// It fails when a handler has no provider, no or a duplicate id, a mode
// other than test or live, a PSP other than its provider's name, or a mode
// its provider's credentials contradict ([PaymentProvider.LiveMode]), and
// when defMode has no enabled handler.
func NewHandlers(defMode Mode, hs ...Handler) (*Payments, error) {
	p := &Payments{defMode: defMode}
	seen := map[string]bool{}
	for _, h := range hs {
		if h.Provider == nil {
			return nil, fmt.Errorf("payments: handler %q has no provider", h.ID)
		}
		name := h.Provider.Name()
		if strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("payments: provider %T has no name", h.Provider)
		}
		if strings.TrimSpace(h.ID) == "" {
			return nil, fmt.Errorf("payments: a %s handler has no id", name)
		}
		if seen[h.ID] {
			return nil, fmt.Errorf("payments: two handlers with id %q", h.ID)
		}
		seen[h.ID] = true
		if h.PSP == "" {
			h.PSP = name
		}
		if h.PSP != name {
			return nil, fmt.Errorf("payments: handler %q says provider %q but its provider is %q", h.ID, h.PSP, name)
		}
		if h.Mode != ModeTest && h.Mode != ModeLive {
			return nil, fmt.Errorf("payments: handler %q: mode %q is neither test nor live", h.ID, h.Mode)
		}
		if got := ModeOf(h.Provider.LiveMode()); got != h.Mode {
			return nil, fmt.Errorf("payments: handler %q is a %s handler but its credentials are %s ones: test and live stay apart", h.ID, h.Mode, got)
		}
		if p.defMode == "" && h.Enabled {
			p.defMode = h.Mode
		}
		p.handlers = append(p.handlers, h)
	}
	if p.defMode == "" {
		return nil, errors.New("payments: no enabled payment handler")
	}
	if len(p.Handlers(p.defMode)) == 0 {
		return nil, fmt.Errorf("payments: no enabled %s payment handler, and new sessions are %s", p.defMode, p.defMode)
	}
	return p, nil
}

// NewPayments returns the registry whose default provider is def, with
// others registered beside it for the attempts they made. def becomes the
// one enabled handler, [LegacyHandlerID], in the mode of its credentials;
// each other one a disabled handler named after its provider. It fails
// when a provider is nil, has an empty name, or shares its name with
// another.
func NewPayments(def PaymentProvider, others ...PaymentProvider) (*Payments, error) {
	if def == nil {
		return nil, errors.New("payments: nil provider")
	}
	hs := []Handler{{PaymentHandler: PaymentHandler{ID: LegacyHandlerID, Mode: ModeOf(def.LiveMode()), MerchantID: "",
		Methods: []PaymentMethod{{Type: MethodCard}}, Enabled: true}, Provider: def}}
	names := map[string]bool{def.Name(): true}
	for _, prov := range others {
		if prov == nil {
			return nil, errors.New("payments: nil provider")
		}
		if names[prov.Name()] {
			return nil, fmt.Errorf("payments: two providers named %q", prov.Name())
		}
		names[prov.Name()] = true
		hs = append(hs, Handler{PaymentHandler: PaymentHandler{ID: prov.Name(), Mode: ModeOf(prov.LiveMode())}, Provider: prov})
	}
	return NewHandlers("", hs...)
}

// MustPayments is [NewPayments] for wiring that cannot be wrong at run time
// (tests, a single built-in provider): it panics where NewPayments fails.
func MustPayments(def PaymentProvider, others ...PaymentProvider) *Payments {
	p, err := NewPayments(def, others...)
	if err != nil {
		panic(err)
	}
	return p
}

// Default returns the provider of the default handler of the default mode,
// or nil for a nil Payments.
func (p *Payments) Default() PaymentProvider {
	if h, ok := p.DefaultHandler(p.DefaultMode()); ok {
		return h.Provider
	}
	return nil
}

// DefaultMode is the mode new sessions get.
func (p *Payments) DefaultMode() Mode {
	if p == nil {
		return ""
	}
	return p.defMode
}

// DefaultHandler is the default handler of mode: its first enabled one.
func (p *Payments) DefaultHandler(mode Mode) (Handler, bool) {
	if p == nil {
		return Handler{}, false
	}
	for _, h := range p.handlers {
		if h.Enabled && h.Mode == mode {
			return h, true
		}
	}
	return Handler{}, false
}

// Handlers returns the enabled handlers of mode, the default first: what a
// session of that mode offers.
func (p *Payments) Handlers(mode Mode) []PaymentHandler {
	if p == nil {
		return nil
	}
	var out []PaymentHandler
	for _, h := range p.handlers {
		if h.Enabled && h.Mode == mode {
			out = append(out, h.PaymentHandler)
		}
	}
	return out
}

// All returns every handler, enabled or not, in configuration order.
func (p *Payments) All() []Handler {
	if p == nil {
		return nil
	}
	return slices.Clone(p.handlers)
}

// Provider returns the provider of the handler with id name, or else of
// the only handler whose provider is named name (an attempt recorded
// before handlers had ids names its provider). ErrProviderUnknown
// (wrapped) when there is none, or more than one.
func (p *Payments) Provider(name string) (PaymentProvider, error) {
	h, err := p.route("", name)
	return h.Provider, err
}

// route finds the handler of an attempt that recorded handler id and
// provider name: the handler with that id, if its provider is the one the
// attempt recorded (an id reused for another PSP never receives it), or
// else the only handler of that provider. An empty provider matches any.
func (p *Payments) route(id, provider string) (Handler, error) {
	if p != nil {
		for _, h := range p.handlers {
			if id != "" && h.ID == id && (provider == "" || h.PSP == provider) {
				return h, nil
			}
			if id == "" && h.ID == provider && h.PSP == provider {
				return h, nil
			}
		}
		var found []Handler
		for _, h := range p.handlers {
			if provider != "" && h.PSP == provider {
				found = append(found, h)
			}
		}
		if len(found) == 1 {
			return found[0], nil
		}
		if len(found) > 1 {
			return Handler{}, fmt.Errorf("%w: %q (handler %q): several handlers use it and none has that id", ErrProviderUnknown, provider, id)
		}
	}
	if id != "" {
		return Handler{}, fmt.Errorf("%w: %q (handler %q)", ErrProviderUnknown, provider, id)
	}
	return Handler{}, fmt.Errorf("%w: %q", ErrProviderUnknown, provider)
}

// Names returns the registered providers' names, sorted, each once.
func (p *Payments) Names() []string {
	if p == nil {
		return nil
	}
	var names []string
	for _, h := range p.handlers {
		names = append(names, h.PSP)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// canRefund reports whether any registered provider is a [Refunder].
func (p *Payments) canRefund() bool {
	if p == nil {
		return false
	}
	for _, h := range p.handlers {
		if _, ok := h.Provider.(Refunder); ok {
			return true
		}
	}
	return false
}

// PaymentSelection is how a complete names the handler to pay with: by
// handler id (ACP 2026-04-17 payment_data.handler_id) or by provider
// (ACP 2025-09-29 and the ChatGPT App's payment_data.provider). Both
// empty: the session mode's default handler.
type PaymentSelection struct {
	HandlerID string
	Provider  string
}

// selectHandler returns the enabled handler of mode that sel names. A
// provider names a handler by its id, or by its PSP (the first enabled
// handler of that PSP); "stripe" also names a sandbox default, which ACP
// 2025-09-29 sessions declare as stripe, the only provider its schema
// allows. Anything else, including a handler that is disabled or of the
// other mode, is EINVALID with the field's param: nothing is charged.
func (p *Payments) selectHandler(mode Mode, sel PaymentSelection) (Handler, error) {
	def, ok := p.DefaultHandler(mode)
	if !ok {
		return Handler{}, &Error{Code: EUNAVAILABLE, Message: fmt.Sprintf("No %s payment handler is configured; this session cannot be paid.", mode)}
	}
	offered := func(match func(Handler) bool) (Handler, bool) {
		for _, h := range p.handlers {
			if h.Enabled && h.Mode == mode && match(h) {
				return h, true
			}
		}
		return Handler{}, false
	}
	notOffered := func(param, what, name string) error {
		for _, h := range p.handlers {
			if strings.EqualFold(h.ID, name) || (what == "provider" && strings.EqualFold(h.PSP, name)) {
				why := "is disabled"
				if h.Enabled {
					why = fmt.Sprintf("takes %s payments and this session is in %s mode", h.Mode, mode)
				}
				return &Error{Code: EINVALID, Reason: CodeInvalid, Param: param,
					Message: fmt.Sprintf("Payment %s %q %s; nothing was charged. Use one of the session's payment handlers.", what, name, why)}
			}
		}
		return &Error{Code: EINVALID, Reason: CodeInvalid, Param: param,
			Message: fmt.Sprintf("Unknown payment %s %q; nothing was charged. Use one of the session's payment handlers.", what, name)}
	}
	switch id, prov := strings.TrimSpace(sel.HandlerID), strings.TrimSpace(sel.Provider); {
	case id != "":
		if h, ok := offered(func(h Handler) bool { return h.ID == id }); ok {
			return h, nil
		}
		return Handler{}, notOffered("$.payment_data.handler_id", "handler", id)
	case prov != "":
		if h, ok := offered(func(h Handler) bool { return strings.EqualFold(h.ID, prov) }); ok {
			return h, nil
		}
		if h, ok := offered(func(h Handler) bool { return strings.EqualFold(h.PSP, prov) }); ok {
			return h, nil
		}
		if strings.EqualFold(prov, "stripe") && def.PSP == "sandbox" {
			return def, nil
		}
		return Handler{}, notOffered("$.payment_data.provider", "provider", prov)
	}
	return def, nil
}

// attemptHandler returns the handler a payment attempt recorded, for
// re-driving or refunding it. When there is none it returns an
// EUNAVAILABLE *Error wrapping [ErrProviderUnknown]: the attempt can be
// neither finished nor refunded here, and no other provider is asked in
// its place.
func (s *Service) attemptHandler(handlerID, provider string) (Handler, error) {
	h, err := s.Payments.route(handlerID, provider)
	if err != nil {
		return Handler{}, &Error{Code: EUNAVAILABLE, Reason: "payment_provider_unknown", Err: err,
			Message: fmt.Sprintf("This payment was made with the payment provider %q, which is not configured here: it cannot be finished or refunded until it is.", provider)}
	}
	return h, nil
}

// attemptProvider is [Service.attemptHandler]'s provider.
func (s *Service) attemptProvider(handlerID, provider string) (PaymentProvider, error) {
	h, err := s.attemptHandler(handlerID, provider)
	return h.Provider, err
}

// sessionMode is the mode of sess: the one it was created with or, for a
// session created before sessions had one, the default.
func (s *Service) sessionMode(sess *Session) Mode {
	if sess.Mode != "" {
		return sess.Mode
	}
	return s.Payments.DefaultMode()
}
