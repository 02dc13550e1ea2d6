package storetest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"agentshop/internal/apikey"
	"agentshop/internal/commerce"
	"agentshop/internal/idempotency"
	"agentshop/internal/payment/sandbox"
)

// newSession returns a session with every field set, at now.
func newSession(now time.Time) *commerce.Session {
	return &commerce.Session{
		ID:       commerce.NewID("cs"),
		Currency: "usd",
		Lines: []commerce.Line{
			{ID: "li_1", ItemID: "item_mug", Quantity: 2},
			{ID: "li_2", ItemID: "item_ebook", Quantity: 1},
		},
		Buyer: &commerce.Buyer{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com"},
		Address: &commerce.Address{Name: "Ada Lovelace", LineOne: "1 Main St", City: "Springfield",
			State: "CA", Country: "US", PostalCode: "94000"},
		ContactName:    "Ada",
		ContactEmail:   "ada@example.com",
		CouponCodes:    []string{"WELCOME10"},
		Interventions:  []string{"3ds"},
		Locale:         "en-US",
		PaymentMessage: &commerce.Message{Type: commerce.MessageError, Code: commerce.CodePaymentDeclined, Param: "$.payment_data", Content: "Declined."},
		APIKeyID:       "key_1",
		CreatedAt:      now,
		UpdatedAt:      now,
		ExpiresAt:      now.Add(24 * time.Hour),
		Version:        1,
	}
}

func createSession(tb testing.TB, ctx context.Context, x commerce.Executor, now time.Time) *commerce.Session {
	tb.Helper()
	s := newSession(now)
	requireNoError(tb, x.CreateSession(ctx, s), "create session")
	return s
}

// newPayment returns attempt n of sessionID with status st.
func newPayment(sessionID string, n int, st commerce.PaymentStatus, now time.Time) *commerce.Payment {
	return &commerce.Payment{
		ID:             commerce.NewID("pay"),
		SessionID:      sessionID,
		Attempt:        n,
		Status:         st,
		Amount:         4200,
		Currency:       "usd",
		Provider:       "test",
		IdempotencyKey: fmt.Sprintf("agentshop-%s-attempt-%d", sessionID, n),
		Token:          "vt_test",
		LeaseUntil:     now.Add(30 * time.Second),
		CreatedAt:      now,
		UpdatedAt:      now,
	}
}

func createPayment(tb testing.TB, ctx context.Context, x commerce.Executor, sessionID string, n int, st commerce.PaymentStatus, now time.Time) *commerce.Payment {
	tb.Helper()
	p := newPayment(sessionID, n, st, now)
	requireNoError(tb, x.CreatePayment(ctx, p), "create payment")
	return p
}

// newOrder returns a confirmed order for sessionID with priced lines.
func newOrder(sessionID string, now time.Time) *commerce.Order {
	item := &commerce.Item{ID: "item_mug", ProductID: "prod_mug", Title: "Mug", Price: 1500, Currency: "usd",
		Options: []commerce.ItemOption{{Name: "Color", Value: "Blue"}}}
	return &commerce.Order{
		ID:        commerce.NewID("ord"),
		SessionID: sessionID,
		Status:    "confirmed",
		Currency:  "usd",
		Lines: []commerce.PricedLine{{
			Line: commerce.Line{ID: "li_1", ItemID: "item_mug", Quantity: 2},
			Item: item, Base: 3000, Subtotal: 3000, Tax: 240, Total: 3240,
		}},
		Totals: commerce.Totals{ItemsBase: 3000, Subtotal: 3000, Fulfillment: 500, Tax: 240, Total: 3740},
		Fulfillment: &commerce.FulfillmentOption{ID: "shipping_standard", Kind: "shipping", Title: "Standard shipping",
			Earliest: now.Add(72 * time.Hour), Latest: now.Add(120 * time.Hour), Subtotal: 500, Total: 500},
		Address:   &commerce.Address{Name: "Ada", LineOne: "1 Main St", City: "Springfield", Country: "US", PostalCode: "94000"},
		Buyer:     &commerce.Buyer{Email: "ada@example.com"},
		PaymentID: commerce.NewID("pay"),
		CreatedAt: now,
		UpdatedAt: now,
	}
}

// newShipment returns a shipment handed to the carrier at shipped, not
// delivered yet.
func newShipment(shipped time.Time) commerce.Shipment {
	return commerce.Shipment{
		ID:             commerce.NewID("shp"),
		Carrier:        "USPS",
		TrackingNumber: "9400" + commerce.NewID("trk"),
		TrackingURL:    "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400",
		ShippedAt:      shipped,
	}
}

func createOrder(tb testing.TB, ctx context.Context, x commerce.Executor, now time.Time) *commerce.Order {
	tb.Helper()
	s := createSession(tb, ctx, x, now)
	o := newOrder(s.ID, now)
	requireNoError(tb, x.CreateOrder(ctx, o), "create order")
	return o
}

// newIdem returns an in-flight idempotency record locked for a minute and
// kept for a day.
func newIdem(key, fingerprint string, now time.Time) *idempotency.Record {
	return &idempotency.Record{
		Scope:       "key_1 POST /checkout_sessions",
		Key:         key,
		Fingerprint: fingerprint,
		LockedUntil: now.Add(time.Minute),
		CreatedAt:   now,
		ExpiresAt:   now.Add(24 * time.Hour),
	}
}

func newAPIKey(name string, now time.Time) *apikey.Key {
	// The hash of a secret nobody holds: stores only see hashes.
	id := commerce.NewID("key")
	return &apikey.Key{
		ID:            id,
		Name:          name,
		Hash:          fmt.Sprintf("%x", sha256.Sum256([]byte(id))),
		Prefix:        "ask_" + id[4:8],
		SigningSecret: "whsec_" + name,
		CreatedAt:     now,
	}
}

func newVaultToken(now time.Time) *sandbox.VaultToken {
	return &sandbox.VaultToken{
		ID:                commerce.NewID("vt"),
		CardLast4:         "4242",
		CardBrand:         "visa",
		CardBehavior:      "succeed",
		MaxAmount:         10000,
		Currency:          "usd",
		CheckoutSessionID: "cs_1",
		MerchantID:        "merchant_1",
		ExpiresAt:         now.Add(time.Hour),
		Metadata:          map[string]string{"source": "storetest"},
		CreatedAt:         now,
	}
}
