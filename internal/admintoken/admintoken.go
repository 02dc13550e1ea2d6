// Package admintoken is the merchant's admin tokens, the credentials of
// the admin HTTP API (/admin/v1, internal/adminapi): minting ([New]),
// hashing ([Hash]) and checking a bearer secret ([Authenticate]).
//
// A token is printed once, when `agentshop admin tokens create` makes it;
// only the SHA-256 of its secret is stored, behind [Store], which both
// stores implement over the database that holds commerce's rows. A token
// may expire; an expired or revoked one is refused.
//
// This package must not import net/http, database/sql, a store or a
// transport.
package admintoken

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"agentshop/internal/commerce"
)

// SecretPrefix starts every admin token's secret, so that a leaked one is
// easy to recognise and scan for, and never mistaken for an agent's API
// key ("ask_").
const SecretPrefix = "asa_"

// Token is an admin credential. Only the SHA-256 of its secret is stored.
type Token struct {
	ID        string // "adm_…"
	Name      string
	Hash      string // hex SHA-256 of the secret
	Prefix    string // the first characters of the secret, for people
	CreatedAt time.Time
	ExpiresAt *time.Time // nil: never
	RevokedAt *time.Time
}

// LogValue shows a token in logs by id, name and prefix, never its hash.
func (t *Token) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", t.ID), slog.String("name", t.Name), slog.String("prefix", t.Prefix))
}

// Expired reports whether t has expired at now.
func (t *Token) Expired(now time.Time) bool {
	return t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)
}

// Store holds admin tokens: internal/store/sqlite and
// internal/store/postgres implement it over the same database as
// commerce.Store, and internal/store/storetest checks it. Errors are the
// commerce sentinels.
type Store interface {
	// CreateAdminToken inserts t. commerce.ErrConflict if the id or hash
	// exists.
	CreateAdminToken(ctx context.Context, t *Token) error
	// AdminTokenByHash returns the token with this hash, expired or
	// revoked or not, or commerce.ErrNotFound.
	AdminTokenByHash(ctx context.Context, hash string) (*Token, error)
	// ListAdminTokens returns every token, oldest first (ties by id).
	ListAdminTokens(ctx context.Context) ([]*Token, error)
	// RevokeAdminToken marks the token revoked at at, unless it is revoked
	// already (the first time is kept). commerce.ErrNotFound if no such id.
	RevokeAdminToken(ctx context.Context, id string, at time.Time) error
}

// New returns a fresh secret and its storable record, expiring at expires
// (nil: never). The secret is shown once; only its hash is kept.
func New(name string, now time.Time, expires *time.Time) (secret string, t *Token) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	secret = SecretPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	t = &Token{
		ID:        commerce.NewID("adm"),
		Name:      name,
		Hash:      Hash(secret),
		Prefix:    secret[:len(SecretPrefix)+4],
		CreatedAt: now.UTC(),
	}
	if expires != nil {
		at := expires.UTC()
		t.ExpiresAt = &at
	}
	return secret, t
}

// Hash returns the hex SHA-256 of a secret. Tokens are 256 random bits, so
// a fast hash is enough: there is nothing to brute-force.
func Hash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// Errors of [Authenticate]: the caller answers each with a 401 and counts
// it as a failed authentication.
var (
	// ErrInvalid: no token has this secret, or it is revoked.
	ErrInvalid = errors.New("admintoken: invalid admin token")
	// ErrExpired: the token has expired.
	ErrExpired = errors.New("admintoken: admin token expired")
)

// Authenticate returns the unexpired, unrevoked token whose secret is
// secret, looked up by its hash. The stored hash is compared again in
// constant time, so that what answers is the token whose hash the secret
// has, whatever the database's comparison did. [ErrInvalid] or
// [ErrExpired]; other errors (the store unavailable) are returned wrapped.
func Authenticate(ctx context.Context, s Store, secret string, now time.Time) (*Token, error) {
	h := Hash(secret)
	t, err := s.AdminTokenByHash(ctx, h)
	switch {
	case errors.Is(err, commerce.ErrNotFound):
		return nil, ErrInvalid
	case err != nil:
		return nil, fmt.Errorf("admintoken: look up token: %w", err)
	case subtle.ConstantTimeCompare([]byte(t.Hash), []byte(h)) != 1, t.RevokedAt != nil:
		return nil, ErrInvalid
	case t.Expired(now):
		return nil, ErrExpired
	}
	return t, nil
}
