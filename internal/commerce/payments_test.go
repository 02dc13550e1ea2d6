package commerce

import (
	"context"
	"errors"
	"slices"
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
