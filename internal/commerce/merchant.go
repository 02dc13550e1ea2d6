package commerce

// Merchant is the shop's public profile: what wire adapters declare to
// agents alongside every session.
type Merchant struct {
	Name string
	// ID is the merchant id bound into delegated-payment allowances and
	// declared to agents (Stripe Network ID with Stripe).
	ID string
	// BaseURL is the public origin, e.g. "https://shop.example.com"; order
	// permalinks and hosted pages are built from it.
	BaseURL    string
	TermsURL   string
	PrivacyURL string
	ReturnsURL string
	// SupportURL is where buyers get help with an order.
	SupportURL string
	// Provider is the default payment handler's provider ("sandbox",
	// "stripe", "braintree"): the hosted checkout pays through it.
	Provider string
	// LiveMode is false for test payments; it says the mode of a Merchant
	// without Handlers.
	LiveMode bool
	// Handlers are the payment handlers ([Payments.All]), and DefaultMode
	// the mode of new sessions ([Payments.DefaultMode]): see [Merchant.Offered].
	Handlers    []PaymentHandler
	DefaultMode Mode
	// Interventions the merchant can run, e.g. ["3ds"].
	Interventions []string
}

// OrderURL is the order's permalink.
func (m Merchant) OrderURL(orderID string) string { return m.BaseURL + "/orders/" + orderID }

// Offered returns the payment handlers a session of mode offers (the
// default mode when mode is empty): the enabled ones of that mode, the
// default first. A Merchant without Handlers offers one, [LegacyHandlerID],
// of Provider in the mode LiveMode says.
func (m Merchant) Offered(mode Mode) []PaymentHandler {
	if len(m.Handlers) == 0 {
		if mode != "" && mode != ModeOf(m.LiveMode) {
			return nil
		}
		return []PaymentHandler{{ID: LegacyHandlerID, PSP: m.Provider, Mode: ModeOf(m.LiveMode), MerchantID: m.ID,
			Methods: []PaymentMethod{{Type: MethodCard}}, Enabled: true}}
	}
	if mode == "" {
		mode = m.Mode()
	}
	var out []PaymentHandler
	for _, h := range m.Handlers {
		if h.Enabled && h.Mode == mode {
			if h.MerchantID == "" {
				h.MerchantID = m.ID
			}
			out = append(out, h)
		}
	}
	return out
}

// Mode is the mode of new sessions: DefaultMode, or else the first
// handler's, or else the one LiveMode says.
func (m Merchant) Mode() Mode {
	if m.DefaultMode != "" {
		return m.DefaultMode
	}
	for _, h := range m.Handlers {
		if h.Enabled {
			return h.Mode
		}
	}
	return ModeOf(m.LiveMode)
}

// SessionMode is the mode of s: its own, or the default for a session
// created before sessions had one.
func (m Merchant) SessionMode(s *Session) Mode {
	if s != nil && s.Mode != "" {
		return s.Mode
	}
	return m.Mode()
}
