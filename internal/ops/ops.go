package ops

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"strings"
	"time"

	"agentshop/internal/commerce"
)

// Mode is a Stripe account key's mode.
type Mode string

// Modes of a Stripe key.
const (
	ModeTest Mode = "test"
	ModeLive Mode = "live"
)

// KeyMode returns the mode of a Stripe secret (sk_) or restricted (rk_)
// key from its prefix, and false for anything else (a publishable key
// pk_…, a typo).
func KeyMode(key string) (Mode, bool) {
	switch {
	case strings.HasPrefix(key, "sk_test_"), strings.HasPrefix(key, "rk_test_"):
		return ModeTest, true
	case strings.HasPrefix(key, "sk_live_"), strings.HasPrefix(key, "rk_live_"):
		return ModeLive, true
	}
	return "", false
}

// Account is a Stripe account the gateway reaches with one API key.
type Account struct {
	ID   string // "oac_…"
	Name string // unique; what servers name it by
	Mode Mode
	// StripeKey is the secret or restricted key, in clear in memory only:
	// stores keep it sealed ([SealStripeKey]). It never prints.
	StripeKey string
	// BaseURL overrides Stripe's API origin (stripe-mock, a fake); empty
	// is api.stripe.com.
	BaseURL   string
	CreatedAt time.Time
}

// KeyHint shows which key an account holds without revealing it: its
// prefix and last four characters.
func (a *Account) KeyHint() string {
	k := a.StripeKey
	if len(k) < 12 {
		return "…"
	}
	return k[:strings.LastIndexByte(k[:8], '_')+1] + "…" + k[len(k)-4:]
}

// LogValue logs an account without its key.
func (a *Account) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", a.ID), slog.String("name", a.Name), slog.String("mode", string(a.Mode)))
}

// Server is one ops MCP server: a set of tools over one account, reached
// at <public-url>/ops/mcp/<token>.
type Server struct {
	ID        string // "osv_…"
	AccountID string
	Name      string
	TokenHash string // hex SHA-256 of the URL token
	// BearerHash, when set, is the hex SHA-256 of the second secret the
	// client must send as "Authorization: Bearer …".
	BearerHash string
	Filter     Filter
	// AllowLiveWrites lets write tools act on a live-mode account.
	AllowLiveWrites bool
	ExpiresAt       *time.Time
	RevokedAt       *time.Time
	CreatedAt       time.Time
}

// Active reports whether the server answers at now: not revoked, not
// expired.
func (s *Server) Active(now time.Time) bool {
	return s.RevokedAt == nil && (s.ExpiresAt == nil || now.Before(*s.ExpiresAt))
}

// LogValue logs a server without its hashes.
func (s *Server) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", s.ID), slog.String("name", s.Name))
}

// Confirmation is the pending second step of a write tool call: the
// first call's summary, valid for the same server, tool and arguments
// until ExpiresAt. Only a hash of its token is stored (ID).
type Confirmation struct {
	ID          string // hex SHA-256 of the token
	ServerID    string
	Tool        string
	Fingerprint string // hex SHA-256 of the call's arguments, token aside
	Summary     string
	ExpiresAt   time.Time
	CreatedAt   time.Time
}

// Outcome is how an audited tool call ended.
type Outcome string

// Outcomes of a tool call.
const (
	OutcomeOK Outcome = "ok"
	// OutcomeConfirm is a write's first call: nothing was done, a
	// confirmation token was issued.
	OutcomeConfirm Outcome = "confirmation_required"
	// OutcomeRefused is a call the gateway refused before acting (bad or
	// expired confirmation, a live write without allow_live_writes, bad
	// arguments).
	OutcomeRefused Outcome = "refused"
	// OutcomeError is a call that failed at Stripe or in the shop.
	OutcomeError Outcome = "error"
)

// AuditEntry records one tool call.
type AuditEntry struct {
	ID       string // "oau_…"
	ServerID string
	Tool     string
	// Args are the call's arguments as JSON, secrets masked ([MaskArgs]).
	Args            string
	Outcome         Outcome
	Error           string // the error's code and message, when it failed
	Duration        time.Duration
	StripeRequestID string
	CreatedAt       time.Time
}

// AuditFilter selects audit entries for [Executor.ListOpsAudit]: zero
// fields match everything; Limit 0 means 100.
type AuditFilter struct {
	ServerID string
	Since    time.Time
	Limit    int
}

// Prefixes of the secrets the gateway hands out, so that a leaked one is
// easy to recognise and scan for.
const (
	TokenPrefix        = "ops_"
	BearerPrefix       = "opsb_"
	ConfirmationPrefix = "opc_"
)

// newSecret returns prefix and 32 random bytes, base64url.
func newSecret(prefix string) string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// Hash returns the hex SHA-256 of a token: URL tokens, bearer secrets and
// confirmation tokens are long random strings, so a fast hash is enough.
func Hash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// newID returns a fresh id with prefix.
func newID(prefix string) string { return commerce.NewID(prefix) }
