package ops

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"agentshop/internal/commerce"
)

// MinExpiry is how far ahead a server's expiry must be when it is created.
const MinExpiry = 60 * time.Second

// Admin is the gateway's application layer: what the CLI and the admin
// HTTP API do with accounts, servers and the audit log. Its errors are
// *commerce.Error (EINVALID with the field's name as Param, ENOTFOUND,
// ECONFLICT) or wrap a store's failure.
type Admin struct {
	Store Store
	// PublicURL is the origin servers' URLs start with
	// (<PublicURL>/ops/mcp/<token>).
	PublicURL string
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

func (a *Admin) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

// AccountInput adds a Stripe account.
type AccountInput struct {
	Name      string
	StripeKey string // sk_test_, sk_live_, rk_test_ or rk_live_
	BaseURL   string // optional: another Stripe API origin
}

// AddAccount stores a Stripe account, its key sealed under the master key;
// its mode is the key's. EINVALID for a missing name, a key that is not
// a Stripe secret or restricted key, or a base URL that is not an
// http(s) origin; ECONFLICT for a name in use; an error wrapping
// [ErrNoMasterKey] without a master key.
func (a *Admin) AddAccount(ctx context.Context, in AccountInput) (*Account, error) {
	in.Name, in.StripeKey, in.BaseURL = strings.TrimSpace(in.Name), strings.TrimSpace(in.StripeKey), strings.TrimSpace(in.BaseURL)
	if in.Name == "" || len(in.Name) > 64 {
		return nil, commerce.Invalid("name", "An account needs a name of 1 to 64 characters.")
	}
	if in.StripeKey == "" {
		return nil, commerce.Invalid("stripe_key", "The Stripe key is empty.")
	}
	mode, ok := KeyMode(in.StripeKey)
	if !ok {
		return nil, commerce.Invalid("stripe_key", "This is not a Stripe secret or restricted key: it must start with sk_test_, sk_live_, rk_test_ or rk_live_.")
	}
	if in.BaseURL != "" {
		u, err := url.Parse(in.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, commerce.Invalid("stripe_base_url", "The Stripe base URL must be an http or https origin, such as http://127.0.0.1:12111.")
		}
		in.BaseURL = strings.TrimRight(in.BaseURL, "/")
	}
	acc := &Account{ID: newID("oac"), Name: in.Name, Mode: mode, StripeKey: in.StripeKey, BaseURL: in.BaseURL, CreatedAt: a.now()}
	if err := a.Store.CreateOpsAccount(ctx, acc); err != nil {
		if errors.Is(err, commerce.ErrConflict) {
			return nil, commerce.Errorf(commerce.ECONFLICT, "An account named %q exists.", in.Name)
		}
		return nil, fmt.Errorf("add ops account: %w", err)
	}
	return acc, nil
}

// Accounts returns every account, oldest first.
func (a *Admin) Accounts(ctx context.Context) ([]*Account, error) {
	accs, err := a.Store.ListOpsAccounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("list ops accounts: %w", err)
	}
	return accs, nil
}

// RemoveAccount removes the account named name (or with that id) and its
// servers, which stop answering at once. ENOTFOUND if there is none.
func (a *Admin) RemoveAccount(ctx context.Context, name string) error {
	acc, err := a.account(ctx, name)
	if err != nil {
		return err
	}
	if err := a.Store.DeleteOpsAccount(ctx, acc.ID); err != nil {
		return a.notFound(err, "remove ops account", "account", name)
	}
	return nil
}

// account finds an account by name, or by id.
func (a *Admin) account(ctx context.Context, name string) (*Account, error) {
	acc, err := a.Store.OpsAccountByName(ctx, name)
	if errors.Is(err, commerce.ErrNotFound) && strings.HasPrefix(name, "oac_") {
		acc, err = a.Store.OpsAccount(ctx, name)
	}
	if err != nil {
		return nil, a.notFound(err, "find ops account", "account", name)
	}
	return acc, nil
}

func (a *Admin) notFound(err error, op, what, name string) error {
	if errors.Is(err, commerce.ErrNotFound) {
		return commerce.Errorf(commerce.ENOTFOUND, "No ops %s %q.", what, name)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// ServerInput creates a server.
type ServerInput struct {
	Account string // the account's name (or id)
	Name    string
	Filter  Filter
	// ExpiresAt, when set, must be at least [MinExpiry] ahead.
	ExpiresAt       *time.Time
	RequireToken    bool // also require Authorization: Bearer <second secret>
	AllowLiveWrites bool
}

// NewServer is a server just created, with the secrets shown only now.
type NewServer struct {
	Server *Server
	// URL is <public-url>/ops/mcp/<Token>.
	URL   string
	Token string
	// Bearer is the second secret, with ServerInput.RequireToken.
	Bearer string
}

// CreateServer creates a server and returns its URL token (and bearer
// secret) once: only their hashes are stored. EINVALID for a missing
// name, a filter that names an unknown method, tool or tag or matches no
// tool, or an expiry less than [MinExpiry] ahead; ENOTFOUND for an
// unknown account.
func (a *Admin) CreateServer(ctx context.Context, in ServerInput) (*NewServer, error) {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len(in.Name) > 64 {
		return nil, commerce.Invalid("name", "A server needs a name of 1 to 64 characters.")
	}
	f := in.Filter
	f.Methods, f.Tools, f.Tags = dedupe(f.Methods), dedupe(f.Tools), dedupe(f.Tags)
	if err := f.Validate(); err != nil {
		return nil, err
	}
	now := a.now()
	if in.ExpiresAt != nil {
		if in.ExpiresAt.Before(now.Add(MinExpiry)) {
			return nil, commerce.Invalid("expires_at", "The expiry must be at least %s ahead.", MinExpiry)
		}
		in.ExpiresAt = new(in.ExpiresAt.UTC())
	}
	acc, err := a.account(ctx, in.Account)
	if err != nil {
		return nil, err
	}
	token := newSecret(TokenPrefix)
	s := &Server{
		ID: newID("osv"), AccountID: acc.ID, Name: in.Name, TokenHash: Hash(token),
		Filter: f, AllowLiveWrites: in.AllowLiveWrites, ExpiresAt: in.ExpiresAt, CreatedAt: now,
	}
	out := &NewServer{Server: s, Token: token, URL: strings.TrimRight(a.PublicURL, "/") + "/ops/mcp/" + token}
	if in.RequireToken {
		out.Bearer = newSecret(BearerPrefix)
		s.BearerHash = Hash(out.Bearer)
	}
	if err := a.Store.CreateOpsServer(ctx, s); err != nil {
		return nil, a.notFound(err, "create ops server", "account", in.Account)
	}
	return out, nil
}

func dedupe[T comparable](xs []T) []T {
	var out []T
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// Servers returns every server, oldest first (revoked ones too; expired
// ones until they are swept).
func (a *Admin) Servers(ctx context.Context) ([]*Server, error) {
	ss, err := a.Store.ListOpsServers(ctx)
	if err != nil {
		return nil, fmt.Errorf("list ops servers: %w", err)
	}
	return ss, nil
}

// RevokeServer revokes the server with id: it answers 404 from then on.
// ENOTFOUND if there is none.
func (a *Admin) RevokeServer(ctx context.Context, id string) error {
	if err := a.Store.RevokeOpsServer(ctx, id, a.now()); err != nil {
		return a.notFound(err, "revoke ops server", "server", id)
	}
	return nil
}

// Audit returns the audit entries matching f, newest first.
func (a *Admin) Audit(ctx context.Context, f AuditFilter) ([]*AuditEntry, error) {
	es, err := a.Store.ListOpsAudit(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list ops audit: %w", err)
	}
	return es, nil
}

// Sweep deletes the expired servers (and expired confirmations) and
// returns how many servers went.
func (a *Admin) Sweep(ctx context.Context) (int64, error) {
	n, err := a.Store.DeleteExpiredOps(ctx, a.now())
	if err != nil {
		return 0, fmt.Errorf("sweep ops servers: %w", err)
	}
	return n, nil
}
