package acpclient

import "fmt"

// Wire types shared by both versions.

// Address is ACP's Address.
type Address struct {
	Name       string `json:"name"`
	LineOne    string `json:"line_one"`
	LineTwo    string `json:"line_two,omitempty"`
	City       string `json:"city"`
	State      string `json:"state"`
	Country    string `json:"country"`
	PostalCode string `json:"postal_code"`
}

// Buyer is ACP's Buyer. 2025-09-29 requires first_name, last_name and
// email; 2026-04-17 requires only email.
type Buyer struct {
	FirstName   string `json:"first_name,omitempty"`
	LastName    string `json:"last_name,omitempty"`
	Email       string `json:"email"`
	PhoneNumber string `json:"phone_number,omitempty"`
}

// 2025-09-29 request bodies.

// Item20250929 is a 2025-09-29 request item.
type Item20250929 struct {
	ID       string `json:"id"`
	Quantity int    `json:"quantity"`
}

// CreateRequest20250929 is the 2025-09-29 CheckoutSessionCreateRequest.
type CreateRequest20250929 struct {
	Buyer              *Buyer         `json:"buyer,omitempty"`
	Items              []Item20250929 `json:"items"`
	FulfillmentAddress *Address       `json:"fulfillment_address,omitempty"`
}

// UpdateRequest20250929 is the 2025-09-29 CheckoutSessionUpdateRequest.
type UpdateRequest20250929 struct {
	Buyer               *Buyer         `json:"buyer,omitempty"`
	Items               []Item20250929 `json:"items,omitempty"`
	FulfillmentAddress  *Address       `json:"fulfillment_address,omitempty"`
	FulfillmentOptionID string         `json:"fulfillment_option_id,omitempty"`
}

// CompleteRequest20250929 is the 2025-09-29 CheckoutSessionCompleteRequest.
type CompleteRequest20250929 struct {
	Buyer       *Buyer              `json:"buyer,omitempty"`
	PaymentData PaymentData20250929 `json:"payment_data"`
}

// PaymentData20250929 is the 2025-09-29 PaymentData.
type PaymentData20250929 struct {
	Token          string   `json:"token"`
	Provider       string   `json:"provider"`
	BillingAddress *Address `json:"billing_address,omitempty"`
}

// 2026-04-17 request bodies.

// Item20260417 is a 2026-04-17 request item. The schema's Item has no
// quantity (spec bug #264), yet every example sends one and servers are
// expected to accept it; it is omitted when zero.
type Item20260417 struct {
	ID       string `json:"id"`
	Quantity int    `json:"quantity,omitempty"`
}

// Capabilities is the agent's capabilities declaration (2026-04-17).
type Capabilities struct {
	Interventions *Interventions `json:"interventions,omitempty"`
}

// Interventions lists the interventions the agent can run, e.g. "3ds".
type Interventions struct {
	Supported []string `json:"supported"`
}

// FulfillmentDetails is the 2026-04-17 FulfillmentDetails.
type FulfillmentDetails struct {
	Name        string   `json:"name,omitempty"`
	PhoneNumber string   `json:"phone_number,omitempty"`
	Email       string   `json:"email,omitempty"`
	Address     *Address `json:"address,omitempty"`
}

// SelectedFulfillmentOption is the 2026-04-17 SelectedFulfillmentOption.
type SelectedFulfillmentOption struct {
	Type     string   `json:"type"`
	OptionID string   `json:"option_id"`
	ItemIDs  []string `json:"item_ids"`
}

// CreateRequest20260417 is the 2026-04-17 CheckoutSessionCreateRequest.
type CreateRequest20260417 struct {
	LineItems          []Item20260417      `json:"line_items"`
	Currency           string              `json:"currency"`
	Capabilities       Capabilities        `json:"capabilities"`
	Buyer              *Buyer              `json:"buyer,omitempty"`
	FulfillmentDetails *FulfillmentDetails `json:"fulfillment_details,omitempty"`
}

// UpdateRequest20260417 is the 2026-04-17 CheckoutSessionUpdateRequest.
type UpdateRequest20260417 struct {
	Buyer                      *Buyer                      `json:"buyer,omitempty"`
	LineItems                  []Item20260417              `json:"line_items,omitempty"`
	FulfillmentDetails         *FulfillmentDetails         `json:"fulfillment_details,omitempty"`
	SelectedFulfillmentOptions []SelectedFulfillmentOption `json:"selected_fulfillment_options,omitempty"`
}

// CompleteRequest20260417 is the 2026-04-17 CheckoutSessionCompleteRequest.
type CompleteRequest20260417 struct {
	Buyer                *Buyer                `json:"buyer,omitempty"`
	PaymentData          PaymentData20260417   `json:"payment_data"`
	AuthenticationResult *AuthenticationResult `json:"authentication_result,omitempty"`
}

// PaymentData20260417 is the 2026-04-17 PaymentData with a handler and an
// instrument.
type PaymentData20260417 struct {
	HandlerID      string     `json:"handler_id"`
	Instrument     Instrument `json:"instrument"`
	BillingAddress *Address   `json:"billing_address,omitempty"`
}

// Instrument is a payment instrument, e.g. {type: "card", credential: {…}}.
type Instrument struct {
	Type       string     `json:"type"`
	Credential Credential `json:"credential"`
}

// Credential is an instrument's credential. The schema leaves Type open
// ("e.g., spt, wallet_token"); its own PaymentData example pairs
// "vault_token" with a delegate-payment vt_ token, see [CredentialVaultToken].
type Credential struct {
	Type  string `json:"type"`
	Token string `json:"token"`
}

// Credential types.
const (
	CredentialVaultToken = "vault_token" // a delegate_payment vt_… token
	CredentialSPT        = "spt"         // a Stripe Shared Payment Token
)

// AuthenticationResult is the 3-D Secure result an agent returns on complete.
type AuthenticationResult struct {
	Outcome        string          `json:"outcome"`
	OutcomeDetails *OutcomeDetails `json:"outcome_details,omitempty"`
}

// OutcomeDetails are required with outcomes authenticated, informational
// and attempt_acknowledged.
type OutcomeDetails struct {
	ThreeDSCryptogram           string `json:"three_ds_cryptogram"`
	ElectronicCommerceIndicator string `json:"electronic_commerce_indicator"`
	TransactionID               string `json:"transaction_id"`
	Version                     string `json:"version"`
}

// Version-neutral builders.

// ItemQuantity is an item to buy.
type ItemQuantity struct {
	ID       string
	Quantity int
}

// CreateParams describes a create call independently of the version.
type CreateParams struct {
	Items []ItemQuantity
	// Currency is required by 2026-04-17 (lower case ISO 4217, e.g. "usd")
	// and not sent with 2025-09-29.
	Currency string
	// Address, when set, is sent as 2025-09-29 fulfillment_address or
	// 2026-04-17 fulfillment_details.address.
	Address *Address
	// Email is sent as 2026-04-17 fulfillment_details.email (with Address).
	Email string
	Buyer *Buyer
	// Interventions the agent supports (2026-04-17); nil sends ["3ds"].
	// Use an empty, non-nil slice to declare none.
	Interventions []string
}

// NewCreateRequest returns the create body for version.
func NewCreateRequest(version string, p CreateParams) (any, error) {
	switch version {
	case Version20250929:
		r := CreateRequest20250929{Buyer: p.Buyer, FulfillmentAddress: p.Address}
		for _, it := range p.Items {
			r.Items = append(r.Items, Item20250929(it))
		}
		return r, nil
	case Version20260417:
		iv := p.Interventions
		if iv == nil {
			iv = []string{"3ds"}
		}
		r := CreateRequest20260417{
			Currency:     p.Currency,
			Capabilities: Capabilities{Interventions: &Interventions{Supported: iv}},
			Buyer:        p.Buyer,
		}
		for _, it := range p.Items {
			r.LineItems = append(r.LineItems, Item20260417(it))
		}
		if p.Address != nil {
			r.FulfillmentDetails = &FulfillmentDetails{Name: p.Address.Name, Email: p.Email, Address: p.Address}
		}
		return r, nil
	}
	return nil, unsupported(version)
}

// UpdateParams describes an update call independently of the version.
// Zero fields are not sent.
type UpdateParams struct {
	// Address is sent as 2025-09-29 fulfillment_address or 2026-04-17
	// fulfillment_details{name: Address.Name, email: Email, address}.
	Address *Address
	Email   string
	// FulfillmentOptionID selects an option: 2025-09-29
	// fulfillment_option_id, or 2026-04-17 selected_fulfillment_options
	// [{type: FulfillmentType, option_id, item_ids: ItemIDs}].
	FulfillmentOptionID string
	FulfillmentType     string // default "shipping"
	ItemIDs             []string
}

// NewUpdateRequest returns the update body for version.
func NewUpdateRequest(version string, p UpdateParams) (any, error) {
	switch version {
	case Version20250929:
		return UpdateRequest20250929{FulfillmentAddress: p.Address, FulfillmentOptionID: p.FulfillmentOptionID}, nil
	case Version20260417:
		var r UpdateRequest20260417
		if p.Address != nil {
			r.FulfillmentDetails = &FulfillmentDetails{Name: p.Address.Name, Email: p.Email, Address: p.Address}
		}
		if p.FulfillmentOptionID != "" {
			typ := p.FulfillmentType
			if typ == "" {
				typ = "shipping"
			}
			ids := p.ItemIDs
			if ids == nil {
				ids = []string{}
			}
			r.SelectedFulfillmentOptions = []SelectedFulfillmentOption{{Type: typ, OptionID: p.FulfillmentOptionID, ItemIDs: ids}}
		}
		return r, nil
	}
	return nil, unsupported(version)
}

// CompleteParams describes a complete call independently of the version.
type CompleteParams struct {
	// Token is the payment credential (a delegate_payment vt_… id).
	Token string
	// Provider is the 2025-09-29 payment_data.provider (default "stripe",
	// the only value that version's schema allows).
	Provider string
	// HandlerID is the 2026-04-17 payment_data.handler_id.
	HandlerID string
	// CredentialType is the 2026-04-17 credential type (default
	// [CredentialVaultToken]).
	CredentialType string
	Buyer          *Buyer
	// Authentication is the 3-D Secure result (2026-04-17 only).
	Authentication *AuthenticationResult
}

// NewCompleteRequest returns the complete body for version.
func NewCompleteRequest(version string, p CompleteParams) (any, error) {
	switch version {
	case Version20250929:
		if p.Authentication != nil {
			return nil, fmt.Errorf("acpclient: API version %s has no authentication_result", version)
		}
		prov := p.Provider
		if prov == "" {
			prov = "stripe"
		}
		return CompleteRequest20250929{Buyer: p.Buyer, PaymentData: PaymentData20250929{Token: p.Token, Provider: prov}}, nil
	case Version20260417:
		ct := p.CredentialType
		if ct == "" {
			ct = CredentialVaultToken
		}
		return CompleteRequest20260417{
			Buyer: p.Buyer,
			PaymentData: PaymentData20260417{
				HandlerID:  p.HandlerID,
				Instrument: Instrument{Type: "card", Credential: Credential{Type: ct, Token: p.Token}},
			},
			AuthenticationResult: p.Authentication,
		}, nil
	}
	return nil, unsupported(version)
}

func unsupported(version string) error {
	return fmt.Errorf("acpclient: unsupported API version %q (want %s or %s)", version, Version20250929, Version20260417)
}
