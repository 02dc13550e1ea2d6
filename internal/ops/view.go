package ops

import "time"

// The JSON shapes of accounts, servers and audit entries that the CLI
// (--output json) and the admin API print: stable, times RFC 3339 UTC,
// optional fields left out when empty, never a secret.

// AccountView is an account without its key.
type AccountView struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Mode      Mode      `json:"mode"`
	Key       string    `json:"key"` // prefix and last four characters only
	BaseURL   string    `json:"stripe_base_url,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// NewAccountView is a's view.
func NewAccountView(a *Account) AccountView {
	return AccountView{ID: a.ID, Name: a.Name, Mode: a.Mode, Key: a.KeyHint(), BaseURL: a.BaseURL, CreatedAt: a.CreatedAt}
}

// ServerView is a server without its hashes.
type ServerView struct {
	ID              string     `json:"id"`
	Name            string     `json:"name"`
	AccountID       string     `json:"account_id"`
	Methods         []Method   `json:"methods"`
	Tools           []string   `json:"tools,omitempty"`
	Tags            []string   `json:"tags,omitempty"`
	APIRead         bool       `json:"api_read"`
	RequireToken    bool       `json:"require_token"`
	AllowLiveWrites bool       `json:"allow_live_writes"`
	Exposes         []string   `json:"exposes"` // the tools the filter allows
	ExpiresAt       *time.Time `json:"expires_at,omitempty"`
	RevokedAt       *time.Time `json:"revoked_at,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
}

// NewServerView is s's view.
func NewServerView(s *Server) ServerView {
	v := ServerView{ID: s.ID, Name: s.Name, AccountID: s.AccountID, Methods: s.Filter.methods(), Tools: s.Filter.Tools, Tags: s.Filter.Tags,
		APIRead: s.Filter.APIRead, RequireToken: s.BearerHash != "", AllowLiveWrites: s.AllowLiveWrites,
		ExpiresAt: s.ExpiresAt, RevokedAt: s.RevokedAt, CreatedAt: s.CreatedAt, Exposes: []string{}}
	for _, t := range s.Filter.Allowed() {
		v.Exposes = append(v.Exposes, t.Name)
	}
	return v
}

// NewServerCreatedView is what creating a server prints, once: its id,
// URL and token (and bearer secret).
type NewServerCreatedView struct {
	ID     string `json:"id"`
	URL    string `json:"url"`
	Token  string `json:"token"`
	Bearer string `json:"bearer_token,omitempty"`
}

// NewCreatedView is n's view.
func NewCreatedView(n *NewServer) NewServerCreatedView {
	return NewServerCreatedView{ID: n.Server.ID, URL: n.URL, Token: n.Token, Bearer: n.Bearer}
}

// AuditView is an audit entry.
type AuditView struct {
	ID              string    `json:"id"`
	ServerID        string    `json:"server_id"`
	Tool            string    `json:"tool"`
	Args            string    `json:"args"`
	Outcome         Outcome   `json:"outcome"`
	Error           string    `json:"error,omitempty"`
	DurationMS      float64   `json:"duration_ms"`
	StripeRequestID string    `json:"stripe_request_id,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
}

// NewAuditView is e's view.
func NewAuditView(e *AuditEntry) AuditView {
	return AuditView{ID: e.ID, ServerID: e.ServerID, Tool: e.Tool, Args: e.Args, Outcome: e.Outcome, Error: e.Error,
		DurationMS: float64(e.Duration.Microseconds()) / 1000, StripeRequestID: e.StripeRequestID, CreatedAt: e.CreatedAt}
}
