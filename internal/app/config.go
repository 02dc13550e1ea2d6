package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"agentshop/internal/acp/acp20250929"
	"agentshop/internal/acp/acp20260417"
	"agentshop/internal/commerce"
)

// Config is everything agentshop serve reads, once, from defaults, the
// optional config file, AGENTSHOP_* environment variables and flags (later
// ones win).
type Config struct {
	Addr        string `json:"addr"`
	Data        string `json:"data"`
	Database    string `json:"database"`
	Catalog     string `json:"catalog"`
	AgentAPIKey string `json:"-"` // from the environment only: secrets stay out of files
	// CSRFKey signs the hosted checkout's forms; replicas must share it.
	CSRFKey string `json:"-"`
	// MasterKey (AGENTSHOP_MASTER_KEY, 32 bytes in hex or base64) seals
	// the secrets the database keeps; MasterKeyFile names a file holding
	// it instead. Neither: <data>/master.key for SQLite (generated on the
	// first start), none for PostgreSQL.
	MasterKey     string `json:"-"`
	MasterKeyFile string `json:"master_key_file"`
	// NewMasterKey (AGENTSHOP_NEW_MASTER_KEY) is the key that
	// 'keys rotate-master' re-encrypts under.
	NewMasterKey string `json:"-"`
	LogFormat    string `json:"log_format"`
	LogLevel     string `json:"log_level"`
	// DebugAddr, when set, serves net/http/pprof there, on its own
	// listener: keep it on loopback.
	DebugAddr string `json:"debug_addr"`
	// MetricsAddr, when set, serves /metrics there, on its own listener,
	// and no longer on Addr: Prometheus scrapes it where the public
	// cannot.
	MetricsAddr string `json:"metrics_addr"`
	// TLSCert and TLSKey, when set, are the PEM files of the certificate
	// and key with which serve answers HTTPS itself.
	TLSCert string `json:"tls_cert"`
	TLSKey  string `json:"tls_key"`
	Shop    Shop   `json:"shop"`
	// Webhook is where order webhooks go; off while its URL is empty.
	Webhook Webhook `json:"webhook"`
	// Stripe configures the stripe payment provider of the
	// shop.payment_provider shorthand, and the defaults of stripe handlers.
	Stripe Stripe `json:"stripe"`
	// Payments are the payment handlers (see payments.go); empty: one
	// handler made of shop.payment_provider.
	Payments []PaymentHandler `json:"payments"`
	// BraintreeWebhook verifies POST /webhooks/braintree.
	BraintreeWebhook BraintreeWebhook `json:"-"`
}

// BraintreeWebhook is the Braintree API key pair that signs Braintree's
// webhook notifications, from AGENTSHOP_BRAINTREE_PUBLIC_KEY and
// AGENTSHOP_BRAINTREE_PRIVATE_KEY only. Both empty: the endpoint is off.
type BraintreeWebhook struct {
	PublicKey, PrivateKey string
}

// Stripe configures the stripe payment provider (shop.payment_provider
// "stripe"). The secret key comes from AGENTSHOP_STRIPE_SECRET_KEY only.
type Stripe struct {
	// APIVersion is the Stripe-Version sent with Shared Payment Token
	// charges: a preview version that has them.
	APIVersion string `json:"api_version"`
	// BaseURL overrides Stripe's API origin (for stripe-mock or a proxy).
	BaseURL   string `json:"base_url"`
	SecretKey string `json:"-"`
	// WebhookSecret verifies POST /webhooks/stripe (the endpoint's
	// "whsec_…" signing secret); from AGENTSHOP_STRIPE_WEBHOOK_SECRET only.
	// Empty: the endpoint is off.
	WebhookSecret string `json:"-"`
}

// Webhook is the agent's ACP order-webhook endpoint. Its signing secret
// comes from AGENTSHOP_WEBHOOK_SECRET only: secrets stay out of files.
type Webhook struct {
	// URL receives order_create and order_update events of live orders
	// (and of every order in a shop with no live payment handler); empty:
	// no webhooks for them.
	URL string `json:"url"`
	// TestURL receives the events of test orders, signed with TestSecret
	// (AGENTSHOP_WEBHOOK_TEST_SECRET): a test order's webhook never goes
	// to URL in a shop that has live handlers.
	TestURL    string `json:"test_url"`
	TestSecret string `json:"-"`
	// APIVersion is the ACP version the events are rendered in.
	APIVersion string `json:"api_version"`
	Secret     string `json:"-"`
	// Lease is how long an attempt holds its event; after a crash the
	// event is sent again once it has passed.
	Lease Dur `json:"lease"`
	// MaxAttempts is how many attempts an event gets before it is
	// dead-lettered.
	MaxAttempts int `json:"max_attempts"`
	// Timeout bounds one attempt's request.
	Timeout Dur `json:"timeout"`
	// KeepDelivered is how long delivered events stay in the outbox
	// before the hourly janitor deletes them; dead ones are kept.
	KeepDelivered Dur `json:"keep_delivered"`
}

// Shop is the merchant's profile and pricing rules.
type Shop struct {
	Name       string `json:"name"`
	MerchantID string `json:"merchant_id"`
	// PublicURL is the origin agents and buyers reach; default http://<addr>.
	PublicURL       string `json:"public_url"`
	TermsURL        string `json:"terms_url"`
	PrivacyURL      string `json:"privacy_url"`
	ReturnsURL      string `json:"returns_url"`
	PaymentProvider string `json:"payment_provider"`
	// PaymentMode is the payment mode of new sessions, "test" or "live";
	// empty: the mode of the first enabled payment handler.
	PaymentMode string `json:"payment_mode"`
	// SupportURL is where buyers get help (the ChatGPT App's support_url
	// link); empty: the built-in page /policies/support.
	SupportURL  string  `json:"support_url"`
	HomeCountry string  `json:"home_country"`
	Shipping    Ship    `json:"shipping"`
	Taxes       []Tax   `json:"taxes"`
	Coupons     []Promo `json:"coupons"`
	LowStockAt  int64   `json:"low_stock_at"`
	SessionTTL  Dur     `json:"session_ttl"`
	// SessionRetention is how long after it expired a session that never
	// became an order is kept before the janitor deletes it, with its
	// idempotency records ("0s": never).
	SessionRetention Dur `json:"session_retention"`
	// PaymentLease is how long a complete holds its payment attempt before
	// a retry may re-drive it (after a crash).
	PaymentLease Dur `json:"payment_lease"`
	// IdempotencyInFlight is how long a running request's Idempotency-Key
	// blocks same-key retries before a crashed request's claim expires.
	IdempotencyInFlight Dur `json:"idempotency_in_flight"`
	// APIKeyCache is how long the REST API and /acp/mcp (one cache) trust
	// an API key read from the store before reading it again; a revoked
	// key keeps working on both for at most this long ("0s": read on
	// every request).
	APIKeyCache Dur `json:"api_key_cache"`
	// RateLimit and RateBurst limit requests per API key on the REST API
	// and /acp/mcp together (0: no limit).
	RateLimit float64 `json:"rate_limit_per_second"`
	RateBurst int     `json:"rate_limit_burst"`
	// AuthFailureLimit and AuthFailureBurst limit failed authentications
	// per client address on the REST API and /acp/mcp together (0: no
	// limit).
	AuthFailureLimit float64 `json:"auth_failures_per_second"`
	AuthFailureBurst int     `json:"auth_failures_burst"`
	// MCPRateLimit and MCPRateBurst limit requests per client address on
	// the anonymous ChatGPT App, /mcp (0: no limit).
	MCPRateLimit float64 `json:"mcp_rate_limit_per_second"`
	MCPRateBurst int     `json:"mcp_rate_limit_burst"`
	// WebRateLimit and WebRateBurst limit requests per client address on
	// the hosted pages, /checkout/… and /orders/… (0: no limit).
	WebRateLimit float64 `json:"web_rate_limit_per_second"`
	WebRateBurst int     `json:"web_rate_limit_burst"`
	// MCPMaxOpenSessions caps the sessions one client address may have
	// created through /mcp within the session TTL (0: no cap).
	MCPMaxOpenSessions int `json:"mcp_max_open_sessions"`
	// MaxBodyBytes caps REST and /acp/mcp request bodies; MCPMaxBodyBytes
	// caps /mcp's.
	MaxBodyBytes    int64 `json:"max_body_bytes"`
	MCPMaxBodyBytes int64 `json:"mcp_max_body_bytes"`
	// BehindProxy turns off the MCP endpoints' DNS-rebinding protection,
	// which refuses requests whose Host is not localhost. Set it when a
	// tunnel or reverse proxy forwards a public host name.
	BehindProxy bool `json:"behind_proxy"`
}

// Ship are flat shipping rates in minor units.
type Ship struct {
	DomesticStandard int64 `json:"domestic_standard"`
	DomesticExpress  int64 `json:"domestic_express"`
	IntlStandard     int64 `json:"international_standard"`
	IntlExpress      int64 `json:"international_express"`
	FreeStandardOver int64 `json:"free_standard_over"`
}

// Tax is one tax-table row; BPS is basis points (725 = 7.25 %).
type Tax struct {
	Country     string `json:"country"`
	Region      string `json:"region,omitempty"`
	BPS         int64  `json:"bps"`
	TaxShipping bool   `json:"tax_shipping,omitempty"`
}

// Promo is a coupon code.
type Promo struct {
	Code        string    `json:"code"`
	Name        string    `json:"name"`
	PercentOff  int64     `json:"percent_off,omitempty"`
	AmountOff   int64     `json:"amount_off,omitempty"`
	MinSubtotal int64     `json:"min_subtotal,omitempty"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"`
}

// Dur is a time.Duration written as "24h" in JSON.
type Dur time.Duration

// UnmarshalJSON reads "90m"-style durations.
func (d *Dur) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	*d = Dur(v)
	return err
}

// DefaultConfig is the configuration that runs with nothing set: the demo
// padel shop on 127.0.0.1:8080 with SQLite and the sandbox provider.
func DefaultConfig() Config {
	return Config{
		Addr:      "127.0.0.1:8080",
		Data:      "./agentshop-data",
		LogFormat: "text",
		LogLevel:  "info",
		Shop: Shop{
			Name:            "Agentshop Padel & Tennis",
			MerchantID:      "acct_agentshop_demo",
			PaymentProvider: "sandbox",
			HomeCountry:     "US",
			Shipping: Ship{
				DomesticStandard: 599, DomesticExpress: 1499,
				IntlStandard: 1999, IntlExpress: 3999,
				FreeStandardOver: 10000,
			},
			// Demo rates: state sales taxes on goods; VAT/GST-style rates
			// that also apply to shipping.
			Taxes: []Tax{
				{Country: "US", Region: "CA", BPS: 725},
				{Country: "US", Region: "NY", BPS: 400},
				{Country: "US", Region: "TX", BPS: 625},
				{Country: "US", Region: "WA", BPS: 650},
				{Country: "US", Region: "FL", BPS: 600},
				{Country: "GB", BPS: 2000, TaxShipping: true},
				{Country: "DE", BPS: 1900, TaxShipping: true},
				{Country: "ES", BPS: 2100, TaxShipping: true},
				{Country: "FR", BPS: 2000, TaxShipping: true},
				{Country: "CA", BPS: 500, TaxShipping: true},
			},
			Coupons: []Promo{
				{Code: "WELCOME10", Name: "10% off your first order", PercentOff: 10},
				{Code: "PADEL20", Name: "20% off orders over $200", PercentOff: 20, MinSubtotal: 20000},
				{Code: "SAVE5", Name: "$5 off", AmountOff: 500},
			},
			LowStockAt:          3,
			SessionTTL:          Dur(24 * time.Hour),
			SessionRetention:    Dur(7 * 24 * time.Hour),
			PaymentLease:        Dur(30 * time.Second),
			IdempotencyInFlight: Dur(35 * time.Second),
			APIKeyCache:         Dur(time.Second),
			RateLimit:           5000,
			RateBurst:           10000,
			AuthFailureLimit:    1,
			AuthFailureBurst:    20,
			MCPRateLimit:        50,
			MCPRateBurst:        100,
			WebRateLimit:        10,
			WebRateBurst:        100,
			MCPMaxOpenSessions:  1000,
			MaxBodyBytes:        1 << 20,
			MCPMaxBodyBytes:     64 << 10,
		},
		Stripe: Stripe{APIVersion: "2026-04-22.preview"},
		Webhook: Webhook{
			APIVersion:    acp20260417.APIVersion,
			Lease:         Dur(time.Minute),
			MaxAttempts:   15,
			Timeout:       Dur(10 * time.Second),
			KeepDelivered: Dur(30 * 24 * time.Hour),
		},
	}
}

// Load returns the configuration before flags: [DefaultConfig], then the
// JSON config file (when file is not empty; unknown fields are refused),
// then the AGENTSHOP_* variables of env, the secrets among them. The
// caller applies its flags on top and then calls [Config.Validate].
func Load(file string, env func(string) string) (Config, error) {
	cfg := DefaultConfig()
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return cfg, fmt.Errorf("config file: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			return cfg, fmt.Errorf("config file %s: %w", file, err)
		}
	}
	for _, s := range Settings() {
		if v := env(s.Env); v != "" {
			*s.Value(&cfg) = v
		}
	}
	if v := env(EnvBehindProxy); v == "1" || v == "true" {
		cfg.Shop.BehindProxy = true
	}
	cfg.AgentAPIKey = env("AGENTSHOP_AGENT_API_KEY")
	cfg.CSRFKey = env("AGENTSHOP_CSRF_KEY")
	cfg.MasterKey = env("AGENTSHOP_MASTER_KEY")
	cfg.NewMasterKey = env("AGENTSHOP_NEW_MASTER_KEY")
	cfg.Webhook.Secret = env("AGENTSHOP_WEBHOOK_SECRET")
	cfg.Webhook.TestSecret = env("AGENTSHOP_WEBHOOK_TEST_SECRET")
	cfg.Stripe.SecretKey = env("AGENTSHOP_STRIPE_SECRET_KEY")
	for i := range cfg.Payments {
		cfg.Payments[i].readSecrets(env)
	}
	cfg.Stripe.WebhookSecret = env("AGENTSHOP_STRIPE_WEBHOOK_SECRET")
	cfg.BraintreeWebhook.PublicKey = env("AGENTSHOP_BRAINTREE_PUBLIC_KEY")
	cfg.BraintreeWebhook.PrivateKey = env("AGENTSHOP_BRAINTREE_PRIVATE_KEY")
	return cfg, nil
}

// EnvConfig names the config file; EnvBehindProxy ("1" or "true") sets
// [Shop.BehindProxy].
const (
	EnvConfig      = "AGENTSHOP_CONFIG"
	EnvBehindProxy = "AGENTSHOP_BEHIND_PROXY"
)

// Setting is a string setting that an environment variable and a flag of
// `agentshop serve` can set.
type Setting struct {
	Flag, Env, Usage string
	// Value points at the setting in a Config.
	Value func(*Config) *string
}

// Settings are the string settings settable by environment and flag, in
// the order help lists them.
func Settings() []Setting {
	return []Setting{
		{"addr", "AGENTSHOP_ADDR", "listen address", func(c *Config) *string { return &c.Addr }},
		{"data", "AGENTSHOP_DATA", "data directory for the SQLite database", func(c *Config) *string { return &c.Data }},
		{"database", "AGENTSHOP_DATABASE", "PostgreSQL URL (postgres://…) instead of SQLite", func(c *Config) *string { return &c.Database }},
		{"master-key-file", "AGENTSHOP_MASTER_KEY_FILE", "file holding the master key that encrypts the secrets kept in the database (default for SQLite: <data>/master.key, generated on first start)", func(c *Config) *string { return &c.MasterKeyFile }},
		{"catalog", "AGENTSHOP_CATALOG", "catalog file (ACP feed Products, JSON or JSONL); default: the embedded demo shop", func(c *Config) *string { return &c.Catalog }},
		{"log-format", "AGENTSHOP_LOG_FORMAT", "log format: text or json", func(c *Config) *string { return &c.LogFormat }},
		{"log-level", "AGENTSHOP_LOG_LEVEL", "log level: debug, info, warn, error", func(c *Config) *string { return &c.LogLevel }},
		{"debug-addr", "AGENTSHOP_DEBUG_ADDR", "serve Go's pprof profiles (/debug/pprof/) on this address, e.g. 127.0.0.1:6060; off when empty", func(c *Config) *string { return &c.DebugAddr }},
		{"metrics-addr", "AGENTSHOP_METRICS_ADDR", "serve Prometheus /metrics on this address only (e.g. 127.0.0.1:9090), not on --addr; on --addr when empty", func(c *Config) *string { return &c.MetricsAddr }},
		{"tls-cert", "AGENTSHOP_TLS_CERT", "PEM certificate (chain) file: serve HTTPS with it and --tls-key; plain HTTP when empty", func(c *Config) *string { return &c.TLSCert }},
		{"tls-key", "AGENTSHOP_TLS_KEY", "PEM private key file of --tls-cert", func(c *Config) *string { return &c.TLSKey }},
		{"public-url", "AGENTSHOP_PUBLIC_URL", "public base URL for order links (default http://<addr>, or https:// with TLS)", func(c *Config) *string { return &c.Shop.PublicURL }},
		{"merchant-id", "AGENTSHOP_MERCHANT_ID", "merchant id declared to agents and bound into payment allowances", func(c *Config) *string { return &c.Shop.MerchantID }},
		{"webhook-url", "AGENTSHOP_WEBHOOK_URL", "the agent's order-webhook endpoint; off when empty", func(c *Config) *string { return &c.Webhook.URL }},
		{"webhook-api-version", "AGENTSHOP_WEBHOOK_API_VERSION", "ACP version of the order webhooks", func(c *Config) *string { return &c.Webhook.APIVersion }},
	}
}

// Validate checks the configuration once every layer is applied and fills
// in what derives from other settings: the public URL's default (from the
// address) and the lower-case log format and level.
func (c *Config) Validate() error {
	cfg := c
	// The version is checked even without a URL: a typo should not wait
	// for the day webhooks are turned on.
	if v := cfg.Webhook.APIVersion; v != acp20250929.APIVersion && v != acp20260417.APIVersion {
		return fmt.Errorf("webhook api_version %q: want %s or %s", v, acp20250929.APIVersion, acp20260417.APIVersion)
	}
	if w := cfg.Webhook; w.URL != "" || w.TestURL != "" {
		for _, raw := range []string{w.URL, w.TestURL} {
			if u, err := url.Parse(raw); raw != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "") {
				return fmt.Errorf("webhook url %q: want an absolute http(s) URL", raw)
			}
		}
		switch {
		case w.URL != "" && w.URL == w.TestURL:
			return errors.New("webhook test_url must not be the live url: test orders' webhooks never go to the live endpoint")
		case w.Lease <= 0 || w.Timeout <= 0 || w.MaxAttempts <= 0 || w.KeepDelivered <= 0:
			return errors.New("webhook lease, timeout, max_attempts and keep_delivered must be positive")
		case time.Duration(w.Lease) < 2*time.Duration(w.Timeout):
			return fmt.Errorf("webhook lease %v must be at least twice the timeout %v, or a slow attempt may be repeated while in flight", time.Duration(w.Lease), time.Duration(w.Timeout))
		}
	}
	if sh := cfg.Shop; sh.RateLimit < 0 || sh.RateBurst < 0 || sh.AuthFailureLimit < 0 || sh.AuthFailureBurst < 0 ||
		sh.MCPRateLimit < 0 || sh.MCPRateBurst < 0 || sh.WebRateLimit < 0 || sh.WebRateBurst < 0 || sh.MCPMaxOpenSessions < 0 || sh.MCPMaxBodyBytes < 0 || sh.SessionRetention < 0 {
		return errors.New("shop limits (rate limits, bursts, mcp_max_open_sessions, mcp_max_body_bytes, session_retention) must not be negative; 0 turns a limit off (mcp_max_body_bytes 0: its default)")
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return errors.New("tls: set both the certificate (--tls-cert) and the key (--tls-key), or neither")
	}
	if cfg.Shop.PublicURL == "" {
		scheme := "http://"
		if cfg.TLSCert != "" {
			scheme = "https://"
		}
		cfg.Shop.PublicURL = scheme + cfg.Addr
	}
	cfg.Shop.PublicURL = strings.TrimRight(cfg.Shop.PublicURL, "/")
	format, level, err := logSettings(cfg.LogFormat, cfg.LogLevel)
	if err != nil {
		return err
	}
	cfg.LogFormat, cfg.LogLevel = format, level
	if len(cfg.Payments) == 0 {
		switch cfg.Shop.PaymentProvider {
		case "sandbox", "stripe":
		case "braintree":
			return errors.New("shop.payment_provider braintree: configure it in the payments list (id, merchant_id, public_key_env, private_key_env)")
		default:
			return fmt.Errorf("unknown payment provider %q (sandbox, stripe)", cfg.Shop.PaymentProvider)
		}
	}
	if m := cfg.Shop.PaymentMode; m != "" && m != "test" && m != "live" {
		return fmt.Errorf("shop.payment_mode %q: want test or live", m)
	}
	return validatePayments(cfg.Payments, cfg.Shop.PaymentMode)
}

// pricing converts the shop's rules to the domain's.
func (s Shop) pricing() commerce.PricingConfig {
	p := commerce.PricingConfig{
		HomeCountry: s.HomeCountry,
		LowStockAt:  s.LowStockAt,
		Shipping: commerce.ShippingRates{
			DomesticStandard: s.Shipping.DomesticStandard, DomesticExpress: s.Shipping.DomesticExpress,
			IntlStandard: s.Shipping.IntlStandard, IntlExpress: s.Shipping.IntlExpress,
			FreeStandardOver: s.Shipping.FreeStandardOver,
		},
	}
	for _, t := range s.Taxes {
		p.Taxes = append(p.Taxes, commerce.TaxRate{Country: t.Country, Region: t.Region, BPS: t.BPS, TaxShipping: t.TaxShipping})
	}
	for _, c := range s.Coupons {
		p.Coupons = append(p.Coupons, commerce.Coupon{Code: c.Code, Name: c.Name, PercentOff: c.PercentOff, AmountOff: c.AmountOff, MinSubtotal: c.MinSubtotal, ExpiresAt: c.ExpiresAt})
	}
	return p
}

// merchant is the public profile declared to agents.
func (s Shop) merchant() commerce.Merchant {
	link := func(u, path string) string {
		if u != "" {
			return u
		}
		return s.PublicURL + path
	}
	return commerce.Merchant{
		Name:          s.Name,
		ID:            s.MerchantID,
		BaseURL:       s.PublicURL,
		TermsURL:      link(s.TermsURL, "/policies/terms"),
		PrivacyURL:    link(s.PrivacyURL, "/policies/privacy"),
		ReturnsURL:    link(s.ReturnsURL, "/policies/returns"),
		SupportURL:    link(s.SupportURL, "/policies/support"),
		Provider:      s.PaymentProvider,
		Interventions: []string{"3ds"},
	}
}
