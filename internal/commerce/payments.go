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

// Payments is the set of payment providers a [Service] charges and refunds
// through, keyed by [PaymentProvider.Name], the name every payment attempt
// records as [Payment.Provider]. The default provider takes new payments;
// every later call for an attempt (a re-drive after a crash, a refund)
// goes to the provider the attempt recorded, never to the default. So a
// merchant who moves from the sandbox to Stripe keeps the sandbox
// registered for its old orders, and Stripe is never sent a sandbox
// charge's refund.
//
// A Payments is immutable once built and safe for concurrent use.
type Payments struct {
	def    PaymentProvider
	byName map[string]PaymentProvider
}

// NewPayments returns the registry whose default provider is def, with
// others registered beside it for the attempts they made. It fails when a
// provider is nil, has an empty name, or shares its name with another.
func NewPayments(def PaymentProvider, others ...PaymentProvider) (*Payments, error) {
	p := &Payments{def: def, byName: map[string]PaymentProvider{}}
	for _, prov := range append([]PaymentProvider{def}, others...) {
		if prov == nil {
			return nil, errors.New("payments: nil provider")
		}
		name := prov.Name()
		if strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("payments: provider %T has no name", prov)
		}
		if _, dup := p.byName[name]; dup {
			return nil, fmt.Errorf("payments: two providers named %q", name)
		}
		p.byName[name] = prov
	}
	return p, nil
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

// Default returns the provider that new payment attempts use, or nil for a
// nil Payments.
func (p *Payments) Default() PaymentProvider {
	if p == nil {
		return nil
	}
	return p.def
}

// Provider returns the provider registered as name: the one a payment
// attempt recorded. ErrProviderUnknown (wrapped) when there is none.
func (p *Payments) Provider(name string) (PaymentProvider, error) {
	if p != nil {
		if prov, ok := p.byName[name]; ok {
			return prov, nil
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrProviderUnknown, name)
}

// Names returns the registered providers' names, sorted.
func (p *Payments) Names() []string {
	if p == nil {
		return nil
	}
	names := make([]string, 0, len(p.byName))
	for n := range p.byName {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// canRefund reports whether any registered provider is a [Refunder].
func (p *Payments) canRefund() bool {
	if p == nil {
		return false
	}
	for _, prov := range p.byName {
		if _, ok := prov.(Refunder); ok {
			return true
		}
	}
	return false
}

// attemptProvider returns the provider registered as name, the provider a
// payment attempt recorded, for re-driving or refunding it. When there is
// none it returns an EUNAVAILABLE *Error wrapping [ErrProviderUnknown]:
// the attempt can be neither finished nor refunded here, and no other
// provider is asked in its place.
func (s *Service) attemptProvider(name string) (PaymentProvider, error) {
	prov, err := s.Payments.Provider(name)
	if err != nil {
		return nil, &Error{Code: EUNAVAILABLE, Reason: "payment_provider_unknown", Err: err,
			Message: fmt.Sprintf("This payment was made with the payment provider %q, which is not configured here: it cannot be finished or refunded until it is.", name)}
	}
	return prov, nil
}
