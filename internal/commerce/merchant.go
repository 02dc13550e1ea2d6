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
	// Provider is the payment provider's name ("sandbox", "stripe", "braintree").
	Provider string
	// LiveMode is false for test payments.
	LiveMode bool
	// Interventions the merchant can run, e.g. ["3ds"].
	Interventions []string
}

// OrderURL is the order's permalink.
func (m Merchant) OrderURL(orderID string) string { return m.BaseURL + "/orders/" + orderID }
