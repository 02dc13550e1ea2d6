package acp20260417

import (
	"slices"
	"strings"
	"unicode/utf8"

	"agentshop/internal/commerce"
)

// capabilities is the seller's Capabilities: how to pay, which
// interventions both sides support, and active extensions.
type capabilities struct {
	Payment       payment         `json:"payment"`
	Interventions interventions   `json:"interventions"`
	Extensions    []extensionDecl `json:"extensions,omitempty"` // never [] (oneOf bug)
}

type payment struct {
	Handlers []paymentHandler `json:"handlers"`
}

// paymentHandler is PaymentHandler: one per payment handler the session
// offers, a delegated, tokenized card (or wallet) charged by its PSP.
type paymentHandler struct {
	ID                      string         `json:"id"`
	Name                    string         `json:"name"`
	Version                 string         `json:"version"`
	Spec                    string         `json:"spec"`
	RequiresDelegatePayment bool           `json:"requires_delegate_payment"`
	RequiresPCICompliance   bool           `json:"requires_pci_compliance"`
	PSP                     string         `json:"psp"`
	ConfigSchema            string         `json:"config_schema"`
	InstrumentSchemas       []string       `json:"instrument_schemas"`
	Config                  map[string]any `json:"config"`
	DisplayOrder            int            `json:"display_order"`
}

type interventions struct {
	Supported []string `json:"supported"`
}

type extensionDecl struct {
	Name    string   `json:"name"`
	Extends []string `json:"extends,omitempty"`
}

// HandlerID is the id of the card payment handler a Merchant without
// configured handlers offers; agents echo a handler's id as
// payment_data.handler_id.
const HandlerID = commerce.LegacyHandlerID

func (c *Codec) capabilities(s *commerce.Session) capabilities {
	mode := c.Merchant.SessionMode(s)
	handlers := []paymentHandler{}
	for i, h := range c.Merchant.Offered(mode) {
		config := map[string]any{"environment": string(h.Mode), "supported_payment_methods": h.DeclaredMethods()}
		if h.MerchantID != "" {
			config["merchant_id"] = h.MerchantID
		}
		handlers = append(handlers, paymentHandler{
			ID:                      h.ID,
			Name:                    "dev.acp.tokenized.card",
			Version:                 APIVersion,
			Spec:                    "https://acp.dev/handlers/tokenized.card",
			RequiresDelegatePayment: true,
			RequiresPCICompliance:   false,
			PSP:                     h.PSP,
			ConfigSchema:            "https://acp.dev/schemas/handlers/tokenized.card/config.json",
			InstrumentSchemas:       []string{"https://acp.dev/schemas/handlers/tokenized.card/instrument.json"},
			Config:                  config,
			DisplayOrder:            i,
		})
	}
	caps := capabilities{
		Payment:       payment{Handlers: handlers},
		Interventions: interventions{Supported: []string{}},
	}
	// The response carries the intersection of what the agent and the
	// merchant support, limited to values the schema knows.
	for _, x := range s.Interventions {
		if slices.Contains(c.Merchant.Interventions, x) && slices.Contains(interventionTypes, x) &&
			!slices.Contains(caps.Interventions.Supported, x) {
			caps.Interventions.Supported = append(caps.Interventions.Supported, x)
		}
	}
	if len(s.CouponCodes) > 0 {
		caps.Extensions = []extensionDecl{{Name: "discount", Extends: []string{
			"$.CheckoutSessionCreateRequest.discounts",
			"$.CheckoutSessionUpdateRequest.discounts",
			"$.CheckoutSession.discounts",
		}}}
	}
	return caps
}

// authenticationMetadata is AuthenticationMetadata: what the agent's 3DS
// server needs to run the challenge.
type authenticationMetadata struct {
	AcquirerDetails acquirerDetails `json:"acquirer_details"`
	DirectoryServer string          `json:"directory_server"`
	FlowPreference  flowPreference  `json:"flow_preference"`
}

type acquirerDetails struct {
	AcquirerBIN        string `json:"acquirer_bin"`
	AcquirerCountry    string `json:"acquirer_country"`
	AcquirerMerchantID string `json:"acquirer_merchant_id"`
	MerchantName       string `json:"merchant_name"`
}

type flowPreference struct {
	Type      string `json:"type"`
	Challenge struct {
		Type string `json:"type"`
	} `json:"challenge"`
}

// Test acquirer values: the merchant profile has no acquirer details yet,
// and sandbox and test-mode PSPs accept any plausible ones.
const (
	testAcquirerBIN     = "424242"
	testAcquirerCountry = "US"
)

func (c *Codec) authenticationMetadata(s *commerce.Session) *authenticationMetadata {
	ds := "visa"
	if s.Auth3DS != nil {
		switch d := strings.ToLower(strings.ReplaceAll(s.Auth3DS.DirectoryServer, " ", "_")); d {
		case "visa", "mastercard", "american_express":
			ds = d
		case "amex":
			ds = "american_express"
		}
	}
	mid := c.Merchant.ID
	if mid == "" {
		mid = "agentshop"
	}
	name := c.Merchant.Name
	if name == "" {
		name = "agentshop"
	}
	m := &authenticationMetadata{
		AcquirerDetails: acquirerDetails{
			AcquirerBIN:        testAcquirerBIN,
			AcquirerCountry:    testAcquirerCountry,
			AcquirerMerchantID: truncate(mid, 35),
			MerchantName:       truncate(name, 40),
		},
		DirectoryServer: ds,
	}
	m.FlowPreference.Type = "challenge"
	m.FlowPreference.Challenge.Type = "preferred"
	return m
}

// truncate cuts s to at most n characters.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
