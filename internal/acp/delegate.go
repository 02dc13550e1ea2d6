package acp

import (
	"encoding/json"
	"fmt"
	"net/http"

	"agentshop/internal/commerce"
	"agentshop/internal/idempotency"
)

// delegate serves the sandbox PSP's POST /agentic_commerce/delegate_payment:
// the vault token and the idempotent response commit together.
//
// Its idempotency fingerprint covers [delegateFingerprintBody], not the
// body: the body holds a card number and CVC, and an unkeyed hash of it
// stored beside the rest of the request is an offline oracle for them
// (the CVC is one of 10⁴ values, the middle digits of a PAN one of 10⁶).
func (h *Handler) delegate(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	key := r.Header.Get("Idempotency-Key")
	fc := *c
	fc.body = delegateFingerprintBody(c.body)
	return h.idempotent(w, r, &fc, http.StatusCreated, func(k *idempotency.Key) ([]byte, error) {
		store, err := h.cfg.Delegate(ctx, c.body, key)
		if err != nil {
			return nil, err
		}
		var body []byte
		err = h.cfg.Store.InTx(ctx, func(tx commerce.Executor) error {
			var err error
			if body, err = store(ctx, tx); err != nil {
				return err
			}
			itx, ok := tx.(idempotency.Executor)
			if !ok {
				return fmt.Errorf("delegate payment: transaction %T holds no idempotency records", tx)
			}
			return k.Save(ctx, itx, body)
		})
		return body, err
	})
}

// fingerprintedCardFields are the fields of a delegate-payment request's
// payment_method that its idempotency fingerprint covers: what describes
// the card without being cardholder data or sensitive authentication
// data. Left out, on purpose: number, cvc, cryptogram, eci_value,
// exp_month, exp_year, name and iin (PCI DSS 3.3.1.2 forbids keeping any
// CVC-derived value; the others are cardholder data that nothing else
// stores). An allowlist, so that a field added to the schema later stays
// out until someone decides otherwise.
var fingerprintedCardFields = []string{
	"type", "card_number_type", "checks_performed", "display_card_funding_type",
	"display_wallet_type", "display_brand", "display_last4", "metadata", "virtual",
}

// unparsableDelegate stands for any delegate-payment body that is not a
// JSON object: such a request is refused with the same 400 whatever it
// holds, and its bytes, which may hold a card, are never hashed. It is a
// JSON string, which no valid request is.
const unparsableDelegate = `"agentshop:unparsable delegate_payment request"`

// delegateFingerprintBody is what the idempotency fingerprint of a
// delegate-payment request covers: the request with its payment_method
// reduced to [fingerprintedCardFields] plus "number_last4", the last
// four digits of the number (which the vault token stores anyway).
// Everything else in the request (allowance, billing address, risk
// signals, metadata) is covered as sent.
//
// Why not an HMAC of the whole body under a server secret: a keyed hash
// of the CVC is still a CVC-derived value kept at rest, and the key would
// have to be shared by every replica and outlive a master-key rotation
// for 24 h of retries. The price of this choice: a retry with the same
// Idempotency-Key and a different card that ends in the same four digits
// (and has the same brand and funding type) is answered as a replay of
// the first card's token instead of 422; an agent that reuses a key for
// another card has a bug either way.
func delegateFingerprintBody(body []byte) []byte {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		return []byte(unparsableDelegate)
	}
	if raw, ok := top["payment_method"]; ok {
		var pm map[string]json.RawMessage
		if err := json.Unmarshal(raw, &pm); err != nil || pm == nil {
			top["payment_method"] = json.RawMessage(unparsableDelegate)
		} else {
			kept := make(map[string]json.RawMessage, len(fingerprintedCardFields)+1)
			for _, f := range fingerprintedCardFields {
				if v, ok := pm[f]; ok {
					kept[f] = v
				}
			}
			var number string
			if json.Unmarshal(pm["number"], &number) == nil && len(number) >= 12 {
				kept["number_last4"], _ = json.Marshal(number[len(number)-4:])
			}
			top["payment_method"], _ = json.Marshal(kept)
		}
	}
	out, err := json.Marshal(top)
	if err != nil {
		return []byte(unparsableDelegate)
	}
	return out
}
