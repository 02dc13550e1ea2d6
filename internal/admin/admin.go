// Package admin is the merchant's administration: admin tokens, agent API
// keys, orders (list, show, ship, deliver, refund, cancel) and the order
// events' outbox (list, requeue). It is the one application layer that
// both the command line (cmd/agentshop's keys, orders, events and admin
// commands) and the admin HTTP API (internal/adminapi) call, so that
// neither reaches into the store on its own and both apply the same rules
// and answer with the same errors (commerce.Error, client-safe messages).
//
// Order changes go through [commerce.Service] with the caller's
// [commerce.TxHooks], and so do the other writes here, so that a
// transport's idempotent answer commits with the effect.
//
// The views ([OrderView], [KeyView], …) are the stable JSON shapes both
// surfaces print. internal/app builds the [Service]. This package must not
// import net/http, a store or a transport.
package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"agentshop/internal/admintoken"
	"agentshop/internal/apikey"
	"agentshop/internal/commerce"
)

// Store is the database as the administration sees it. Its transactions
// ([commerce.Store.InTx]) also implement apikey.Store.
type Store interface {
	commerce.Store
	apikey.Store
	admintoken.Store
}

// Service runs the administration's operations. Its fields are set once;
// its methods are safe for concurrent use.
type Service struct {
	Store    Store
	Commerce *commerce.Service
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// NoSealing, when set, is why a signing secret cannot be stored (no
	// master key): [Service.CreateAPIKey] with Signing returns it wrapped.
	NoSealing error
}

// MaxListLimit is the most items one page of a listing holds.
const MaxListLimit = 100

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// notFound is the ENOTFOUND answer for an unknown id of kind; other
// errors are returned as they are.
func notFound(err error, kind, id string) error {
	if _, ok := errors.AsType[*commerce.Error](err); ok || !errors.Is(err, commerce.ErrNotFound) {
		return err
	}
	return &commerce.Error{Code: commerce.ENOTFOUND, Message: fmt.Sprintf("No %s %q.", kind, id), Err: err}
}

// MaxNameLength is the longest name of a token or key, in bytes.
const MaxNameLength = 100

func checkName(param, name string) (string, error) {
	name = strings.TrimSpace(name)
	if len(name) > MaxNameLength {
		return "", commerce.Invalid(param, "The name must be at most %d characters.", MaxNameLength)
	}
	return name, nil
}

// CreateAdminToken stores a new admin token named name that expires
// expiresIn from now (0: never) and returns its secret, shown once: only
// its hash is stored. EINVALID for a negative expiry or a name too long.
func (s *Service) CreateAdminToken(ctx context.Context, name string, expiresIn time.Duration) (string, *admintoken.Token, error) {
	name, err := checkName("name", name)
	if err != nil {
		return "", nil, err
	}
	if expiresIn < 0 {
		return "", nil, commerce.Invalid("expires_in", "The expiry must be a positive duration, not %s.", expiresIn)
	}
	now := s.now()
	var expires *time.Time
	if expiresIn > 0 {
		expires = new(now.Add(expiresIn))
	}
	secret, t := admintoken.New(name, now, expires)
	if err := s.Store.CreateAdminToken(ctx, t); err != nil {
		return "", nil, fmt.Errorf("create admin token: %w", err)
	}
	return secret, t, nil
}

// ListAdminTokens returns every admin token, oldest first, never a
// secret.
func (s *Service) ListAdminTokens(ctx context.Context) ([]*admintoken.Token, error) {
	return s.Store.ListAdminTokens(ctx)
}

// RevokeAdminToken revokes the admin token with id at once (a revocation
// is kept: revoking again changes nothing). ENOTFOUND for an unknown id.
func (s *Service) RevokeAdminToken(ctx context.Context, id string) error {
	return notFound(s.Store.RevokeAdminToken(ctx, id, s.now()), "admin token", id)
}

// Authenticate returns the admin token whose secret is secret:
// admintoken.ErrInvalid for none or a revoked one, admintoken.ErrExpired
// for an expired one.
func (s *Service) Authenticate(ctx context.Context, secret string) (*admintoken.Token, error) {
	return admintoken.Authenticate(ctx, s.Store, secret, s.now())
}
