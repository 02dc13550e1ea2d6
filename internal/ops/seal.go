package ops

import (
	"errors"
	"fmt"

	"agentshop/internal/secretbox"
)

// ErrNoMasterKey is the stores' answer when a Stripe key is to be stored,
// or read, and they were opened without a master key.
var ErrNoMasterKey = errors.New("ops: no master key to seal or open a Stripe key with (set AGENTSHOP_MASTER_KEY)")

// SealStripeKey returns what a store keeps of account id's Stripe key:
// the key sealed with box (AES-256-GCM), bound to the row so that it
// opens only as this account's. [ErrNoMasterKey] when box is nil: a
// Stripe key is never stored in clear.
func SealStripeKey(box *secretbox.Box, id, key string) (string, error) {
	if box == nil {
		return "", ErrNoMasterKey
	}
	return box.Seal([]byte(key), stripeKeyAD(id)), nil
}

// OpenStripeKey returns account id's Stripe key from what a store keeps
// ([SealStripeKey]'s result). Errors wrap [ErrNoMasterKey] or
// secretbox's.
func OpenStripeKey(box *secretbox.Box, id, stored string) (string, error) {
	if box == nil {
		return "", fmt.Errorf("stripe key of %s: %w", id, ErrNoMasterKey)
	}
	b, err := box.Open(stored, stripeKeyAD(id))
	if err != nil {
		return "", fmt.Errorf("stripe key of %s: %w", id, err)
	}
	return string(b), nil
}

func stripeKeyAD(id string) string { return "ops_accounts.stripe_key:" + id }
