package acpclient_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"agentshop/internal/acp/acpschema"
	"agentshop/internal/acp/acpschema/schematest"
	"agentshop/internal/acpclient"
)

func TestDecodeSession(t *testing.T) {
	ignoreRaw := cmpopts.IgnoreFields(acpclient.Session{}, "Raw", "PaymentHandlers", "PaymentProvider", "FulfillmentDetails", "Buyer")

	t.Run("2026-04-17", func(t *testing.T) {
		s, err := acpclient.DecodeSession([]byte(session20260417))
		if err != nil {
			t.Fatal(err)
		}
		want := &acpclient.Session{
			ID: "cs_1", Status: "ready_for_payment", Currency: "usd",
			LineItems: []acpclient.LineItem{{ID: "li_1", ItemID: "sku_1", Name: "Mug", Quantity: 2, UnitAmount: 1500, Totals: acpclient.Totals{
				{Type: "items_base_amount", DisplayText: "Base", Amount: 3000}, {Type: "tax", DisplayText: "Tax", Amount: 300}, {Type: "total", DisplayText: "Total", Amount: 3300}}}},
			FulfillmentAddress: &acpclient.Address{Name: "Ada Lovelace", LineOne: "1 Main St", City: "San Francisco", State: "CA", Country: "US", PostalCode: "94103"},
			FulfillmentOptions: []acpclient.FulfillmentOption{
				{Type: "shipping", ID: "ship_std", Title: "Standard", Description: "4-5 days", Total: 500, HasTotal: true, Totals: acpclient.Totals{{Type: "total", DisplayText: "Shipping", Amount: 500}}},
				{Type: "shipping", ID: "ship_exp", Title: "Express", Total: 1500, HasTotal: true, Totals: acpclient.Totals{{Type: "subtotal", DisplayText: "Shipping", Amount: 1500}, {Type: "total", DisplayText: "Shipping", Amount: 1500}}},
			},
			SelectedFulfillmentOptionIDs: []string{"ship_std"},
			Totals: acpclient.Totals{{Type: "subtotal", DisplayText: "Subtotal", Amount: 3000}, {Type: "fulfillment", DisplayText: "Shipping", Amount: 500},
				{Type: "tax", DisplayText: "Tax", Amount: 300}, {Type: "total", DisplayText: "Total", Amount: 3800}},
			Messages: []acpclient.Message{{Type: "info", ContentType: "plain", Content: "Free returns."}},
		}
		if diff := cmp.Diff(want, s, ignoreRaw); diff != "" {
			t.Errorf("session mismatch (-want +got):\n%s", diff)
		}
		if h := s.CardHandler(); h == nil || h.ID != "card_tokenized" {
			t.Errorf("CardHandler() = %+v, want card_tokenized (by name, not position)", h)
		}
		if got := s.MerchantID(); got != "acct_1" {
			t.Errorf("MerchantID() = %q, want acct_1", got)
		}
		if total, ok := s.Total(); !ok || total != 3800 {
			t.Errorf("Total() = %d, %v", total, ok)
		}
		if s.AuthenticationMetadata != nil || s.Order != nil {
			t.Errorf("unexpected authentication_metadata or order")
		}
	})

	t.Run("2025-09-29", func(t *testing.T) {
		s, err := acpclient.DecodeSession([]byte(session20250929))
		if err != nil {
			t.Fatal(err)
		}
		want := &acpclient.Session{
			ID: "cs_2", Status: "ready_for_payment", Currency: "usd",
			LineItems: []acpclient.LineItem{{ID: "li_1", ItemID: "sku_1", Quantity: 2.5, Totals: acpclient.Totals{
				{Type: "items_base_amount", Amount: 300}, {Type: "discount"}, {Type: "subtotal", Amount: 300}, {Type: "tax", Amount: 30}, {Type: "total", Amount: 330}}}},
			FulfillmentAddress: &acpclient.Address{Name: "Ada", LineOne: "1 Main St", City: "SF", State: "CA", Country: "US", PostalCode: "94103"},
			FulfillmentOptions: []acpclient.FulfillmentOption{
				{Type: "shipping", ID: "fo_1", Title: "Standard", Description: "4-5 days", Total: 100, HasTotal: true,
					Totals: acpclient.Totals{{Type: "subtotal", Amount: 100}, {Type: "tax"}, {Type: "total", Amount: 100}}},
				{Type: "digital", ID: "fo_2", Title: "Download", HasTotal: true, Totals: acpclient.Totals{{Type: "subtotal"}, {Type: "tax"}, {Type: "total"}}},
			},
			SelectedFulfillmentOptionIDs: []string{"fo_1"},
			Totals:                       acpclient.Totals{{Type: "subtotal", DisplayText: "Subtotal", Amount: 300}, {Type: "total", DisplayText: "Total", Amount: 430}},
			Messages:                     []acpclient.Message{{Type: "error", Code: "requires_3ds", ContentType: "plain", Content: "3DS needed"}},
		}
		if diff := cmp.Diff(want, s, ignoreRaw); diff != "" {
			t.Errorf("session mismatch (-want +got):\n%s", diff)
		}
		if got := s.MerchantID(); got != "acct_2" {
			t.Errorf("MerchantID() = %q, want acct_2 from payment_provider", got)
		}
		if !s.HasMessage("requires_3ds") || len(s.ErrorMessages()) != 1 {
			t.Errorf("requires_3ds message not found")
		}
	})

	t.Run("not json", func(t *testing.T) {
		if _, err := acpclient.DecodeSession([]byte("<html>")); err == nil {
			t.Error("decoded HTML")
		}
	})
}

// TestDecodeOfficialExamples decodes the official example sessions of both
// versions (from AGENTSHOP_ACP_SPEC_DIR) and checks the fields agents rely on.
func TestDecodeOfficialExamples(t *testing.T) {
	schematest.FromEnv(t) // skips unless the spec directory is configured
	dir := os.Getenv(acpschema.EnvSpecDir)
	load := func(version string) map[string]json.RawMessage {
		b, err := os.ReadFile(filepath.Join(dir, version, "examples", "examples.agentic_checkout.json"))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}

	ex := load(acpclient.Version20260417)
	s, err := acpclient.DecodeSession(ex["create_checkout_session_response"])
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != "checkout_session_123" || len(s.FulfillmentOptions) != 2 || s.FulfillmentOptions[1].Total != 500 || s.MerchantID() != "acct_1234567890" {
		t.Errorf("2026 create response decoded as %+v", s)
	}
	if s.LineItems[0].Quantity != 1 || s.SelectedFulfillmentOptionIDs[0] != "fulfillment_option_123" {
		t.Errorf("2026 line items/selection decoded as %+v / %v", s.LineItems, s.SelectedFulfillmentOptionIDs)
	}
	s, err = acpclient.DecodeSession(ex["complete_checkout_session_response"])
	if err != nil {
		t.Fatal(err)
	}
	if s.Order == nil || s.Order.ID != "ord_abc123" || s.Order.PermalinkURL != "https://www.testshop.com/orders/ord_abc123" {
		t.Errorf("2026 order decoded as %+v", s.Order)
	}
	s, err = acpclient.DecodeSession(ex["checkout_session_authentication_required"])
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != "authentication_required" || s.AuthenticationMetadata == nil {
		t.Errorf("3DS session: status %q, authentication_metadata %s", s.Status, s.AuthenticationMetadata)
	}

	ex = load(acpclient.Version20250929)
	s, err = acpclient.DecodeSession(ex["create_checkout_session_response"])
	if err != nil {
		t.Fatal(err)
	}
	if total, _ := s.Total(); total != 430 || s.LineItems[0].Quantity != 2.5 || s.PaymentProvider == nil || s.FulfillmentOptions[0].Total != 100 {
		t.Errorf("2025 create response decoded as %+v", s)
	}
}
