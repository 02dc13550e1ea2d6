package apikey

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"agentshop/internal/commerce"
)

// Key is an agent's credential. Only the SHA-256 of the secret is stored.
type Key struct {
	ID     string
	Name   string
	Hash   string // hex SHA-256 of the secret
	Prefix string // the first characters of the secret, for people
	// SigningSecret, when set, requires requests to carry a valid
	// Signature/Timestamp HMAC made with it. In clear here, in memory
	// only: stores keep it sealed ([SealSigningSecret]).
	SigningSecret string
	CreatedAt     time.Time
	RevokedAt     *time.Time
}

// Owner is the owner ([commerce.Session.Owner]) of the sessions created
// with k: "key:" and its id. REST and /acp/mcp both use it, so a key
// reaches its own sessions over either and no other key's. (Store
// migration 0006_session_owner gives sessions created before owners
// existed the same string.)
func (k *Key) Owner() string { return "key:" + k.ID }

// Store holds API keys: internal/store/sqlite and internal/store/postgres
// implement it over the same database as commerce.Store, and
// internal/store/storetest checks it. Errors are the commerce sentinels.
type Store interface {
	Finder
	// CreateAPIKey inserts k. commerce.ErrConflict if the id or hash
	// exists.
	CreateAPIKey(ctx context.Context, k *Key) error
	// ListAPIKeys returns every key, oldest first.
	ListAPIKeys(ctx context.Context) ([]*Key, error)
	// RevokeAPIKey marks the key revoked at at. commerce.ErrNotFound if no
	// such id.
	RevokeAPIKey(ctx context.Context, id string, at time.Time) error
}

// Finder looks keys up, which is all authentication needs.
type Finder interface {
	// APIKeyByHash returns the key with this hash, revoked or not, or
	// commerce.ErrNotFound.
	APIKeyByHash(ctx context.Context, hash string) (*Key, error)
}

// SecretPrefix starts every agent API key secret, so leaked keys are easy
// to recognise and scan for.
const SecretPrefix = "ask_"

// New returns a fresh secret and its storable record. The secret is
// shown once; only its hash is kept.
func New(name string, now time.Time) (secret string, k *Key) {
	var b [24]byte
	_, _ = rand.Read(b[:])
	secret = SecretPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, FromSecret(name, secret, now)
}

// FromSecret returns the record for a caller-chosen secret (for
// AGENTSHOP_AGENT_API_KEY).
func FromSecret(name, secret string, now time.Time) *Key {
	return &Key{
		ID:        commerce.NewID("key"),
		Name:      name,
		Hash:      Hash(secret),
		Prefix:    secret[:min(len(secret), 8)],
		CreatedAt: now.UTC(),
	}
}

// BearerSecret returns the secret of an Authorization header value of the
// form "Bearer <secret>", and false when the value has no secret in that
// form. The scheme is case-insensitive (RFC 7235 §2.1: "bearer",
// "BEARER" and "Bearer" are the same scheme).
func BearerSecret(authorization string) (string, bool) {
	scheme, secret, ok := strings.Cut(authorization, " ")
	if secret = strings.TrimSpace(secret); !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return "", false
	}
	return secret, true
}

// Hash returns the hex SHA-256 of a secret. API keys are long random
// strings, so a fast hash is enough: there is nothing to brute-force.
func Hash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}
