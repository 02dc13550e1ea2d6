package commerce

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// APIKeyPrefix starts every agent API key secret, so leaked keys are easy
// to recognise and scan for.
const APIKeyPrefix = "ask_"

// NewAPIKey returns a fresh secret and its storable record. The secret is
// shown once; only its hash is kept.
func NewAPIKey(name string, now time.Time) (secret string, k *APIKey) {
	var b [24]byte
	_, _ = rand.Read(b[:])
	secret = APIKeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, APIKeyFromSecret(name, secret, now)
}

// APIKeyFromSecret returns the record for a caller-chosen secret (for
// AGENTSHOP_AGENT_API_KEY).
func APIKeyFromSecret(name, secret string, now time.Time) *APIKey {
	return &APIKey{
		ID:        NewID("key"),
		Name:      name,
		Hash:      HashSecret(secret),
		Prefix:    secret[:min(len(secret), 8)],
		CreatedAt: now.UTC(),
	}
}

// HashSecret returns the hex SHA-256 of a secret. API keys are long random
// strings, so a fast hash is enough: there is nothing to brute-force.
func HashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}
