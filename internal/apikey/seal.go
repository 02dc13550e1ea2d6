package apikey

import (
	"errors"
	"fmt"
	"log/slog"

	"agentshop/internal/secretbox"
)

// ErrNoMasterKey is the stores' answer when a signing secret is to be
// stored, or a sealed one read, and they were opened without a master key.
var ErrNoMasterKey = errors.New("apikey: no master key to seal or open a signing secret with")

// SealSigningSecret returns what a store keeps of key id's signing secret:
// "" for none, otherwise the secret sealed with box (AES-256-GCM) and
// bound to the row, so that it opens only as this key's. The secret is
// recoverable, not hashed, because verifying a request's HMAC needs it.
// [ErrNoMasterKey] when there is a secret and box is nil.
func SealSigningSecret(box *secretbox.Box, id, secret string) (string, error) {
	if secret == "" {
		return "", nil
	}
	if box == nil {
		return "", ErrNoMasterKey
	}
	return box.Seal([]byte(secret), signingSecretAD(id)), nil
}

// OpenSigningSecret returns the signing secret of key id from what a
// store keeps ([SealSigningSecret]'s result). A value stored in clear by a
// version before sealing is returned as is: the store's ResealSecrets
// (run at every start with a master key) seals it. Errors wrap
// [ErrNoMasterKey] or secretbox's.
func OpenSigningSecret(box *secretbox.Box, id, stored string) (string, error) {
	if stored == "" || !secretbox.IsSealed(stored) {
		return stored, nil
	}
	if box == nil {
		return "", fmt.Errorf("signing secret of %s: %w", id, ErrNoMasterKey)
	}
	b, err := box.Open(stored, signingSecretAD(id))
	if err != nil {
		return "", fmt.Errorf("signing secret of %s: %w", id, err)
	}
	return string(b), nil
}

// signingSecretAD names the row a signing secret is sealed to.
func signingSecretAD(id string) string { return "api_keys.signing_secret:" + id }

// LogValue logs a key by id, name and prefix: never its hash or signing
// secret.
func (k *Key) LogValue() slog.Value {
	if k == nil {
		return slog.StringValue("<nil>")
	}
	return slog.GroupValue(slog.String("id", k.ID), slog.String("name", k.Name), slog.String("prefix", k.Prefix),
		slog.Bool("signed", k.SigningSecret != ""))
}
