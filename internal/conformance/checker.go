package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"agentshop/internal/acp/acpschema"
	"agentshop/internal/acpclient"
	"agentshop/internal/reqsign"
)

// Config says which merchant to check and how.
type Config struct {
	// Merchant is the merchant's ACP base URL.
	Merchant string
	// APIKey is the agent's API key at the merchant.
	APIKey string
	// SigningSecret, when set, signs every request with it as agentshop
	// expects of a key made with --signing (reqsign.Sign over method,
	// path, API-Version, Idempotency-Key, Timestamp and body).
	SigningSecret string
	// Versions are the API versions to check. Empty: every version this
	// package knows that the merchant supports (from discovery, else by
	// probing).
	Versions []string
	// Item is a physical, in-stock item id. Completing checks buy one unit
	// at a time, about eight per version.
	Item string
	// DigitalItem, when set, is a digital item id for the digital-cart
	// check.
	DigitalItem string
	// Address is where physical items ship (default: a San Francisco,
	// CA, US address).
	Address *acpclient.Address
	// Currency is the 2026-04-17 session currency (default: the first of
	// discovery's supported_currencies, else "usd").
	Currency string
	// MerchantID binds delegated-payment allowances (default: the one the
	// session declares).
	MerchantID string
	// Schemas validates every response body. When nil the schema checks
	// are skipped and the report says so.
	Schemas *acpschema.Validator
	// HTTP sends the requests (default: 30-second timeout per request).
	HTTP *http.Client
	// CaseTimeout bounds one case (default 2 minutes).
	CaseTimeout time.Duration
	// Now is the clock for allowance expiries (default time.Now).
	Now func() time.Time
}

// DefaultAddress is the shipping address used when Config.Address is nil.
var DefaultAddress = acpclient.Address{
	Name: "Ada Lovelace", LineOne: "1 Market St", City: "San Francisco",
	State: "CA", Country: "US", PostalCode: "94103",
}

// Run checks the merchant and returns the report. It returns an error
// only when it could not run at all (bad configuration, ctx canceled);
// failed checks are in the report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Merchant == "" {
		return nil, errors.New("conformance: no merchant URL")
	}
	if cfg.Item == "" {
		return nil, errors.New("conformance: no item to buy")
	}
	if cfg.Address == nil {
		a := DefaultAddress
		cfg.Address = &a
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	cfg.HTTP = withRetryOn429(cfg.HTTP)
	if cfg.CaseTimeout <= 0 {
		cfg.CaseTimeout = 2 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	rep := &Report{Merchant: cfg.Merchant}
	shared := &merchantInfo{}

	d := &runner{cfg: cfg, report: rep, shared: shared, c: client(cfg, "")}
	d.run(ctx, "schemas", "official JSON Schemas", func(_ context.Context, c *Case) {
		if cfg.Schemas == nil {
			c.Skipf("no schemas (--no-schema): response bodies were not validated")
			return
		}
		c.Logf("validating every response against the schemas of %s", strings.Join(cfg.Schemas.Versions(), ", "))
	})
	d.discoveryChecks(ctx)

	versions := cfg.Versions
	if len(versions) == 0 {
		versions = d.supportedVersions(ctx)
	}
	for _, v := range versions {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if !slices.Contains(acpclient.Versions, v) {
			return rep, fmt.Errorf("conformance: API version %q is not one this checker knows (%s)", v, strings.Join(acpclient.Versions, ", "))
		}
		r := &runner{cfg: cfg, v: v, report: rep, shared: shared, c: client(cfg, v)}
		r.versionChecks(ctx)
	}
	return rep, ctx.Err()
}

func client(cfg Config, version string) *acpclient.Client {
	c := acpclient.New(cfg.Merchant, cfg.APIKey, version)
	c.HTTP = cfg.HTTP
	c.UserAgent = "agentshop-conformance"
	if cfg.SigningSecret != "" {
		c.Sign = func(m reqsign.Message) string { return reqsign.Sign(cfg.SigningSecret, m) }
	}
	return c
}

// merchantInfo is what one version's checks learn for the others.
type merchantInfo struct {
	discovery      *acpclient.Discovery
	delegateProbed bool
	delegateErr    string // why delegated payment cannot be used, if so
}

// runner runs the cases of one API version ("" for version-independent
// ones).
type runner struct {
	cfg    Config
	v      string
	c      *acpclient.Client
	report *Report
	shared *merchantInfo
	// sessions are the session bodies seen, for the totals and message
	// cases that look at all of them.
	sessions []seenSession
}

// seenSession is one 2xx session body and the step that produced it.
type seenSession struct {
	step string
	body []byte
}

// versionChecks runs every case of r.v, in groups.
func (r *runner) versionChecks(ctx context.Context) {
	r.authChecks(ctx)
	r.versionHeaderChecks(ctx)
	r.sessionChecks(ctx)
	r.errorChecks(ctx)
	r.idempotencyChecks(ctx)
	r.paymentChecks(ctx)
	r.totalsChecks()
	r.messageChecks()
}

// supportedVersions returns the versions both this checker and the
// merchant speak: discovery's supported_versions when there is a
// document, else the versions the merchant does not reject.
func (r *runner) supportedVersions(ctx context.Context) []string {
	if d := r.shared.discovery; d != nil {
		var vs []string
		for _, v := range acpclient.Versions {
			if slices.Contains(d.Protocol.SupportedVersions, v) {
				vs = append(vs, v)
			}
		}
		if len(vs) > 0 {
			return vs
		}
	}
	var vs []string
	for _, v := range acpclient.Versions {
		c := client(r.cfg, v)
		_, _, err := c.GetSession(ctx, "cs_conformance_probe_"+acpclient.NewUUID())
		if apiErr, ok := errors.AsType[*acpclient.APIError](err); ok && apiErr.Status == http.StatusBadRequest &&
			strings.Contains(apiErr.Code, "version") {
			continue
		}
		vs = append(vs, v)
	}
	if len(vs) == 0 {
		return acpclient.Versions
	}
	return vs
}

// run runs one case under its own deadline and records its result. A
// panic in a case fails it instead of the run.
func (r *runner) run(ctx context.Context, group, name string, fn func(ctx context.Context, c *Case)) {
	r.runLevel(ctx, group, name, must, fn)
}

// runShould runs a case that checks a SHOULD of the spec: a failure warns.
func (r *runner) runShould(ctx context.Context, group, name string, fn func(ctx context.Context, c *Case)) {
	r.runLevel(ctx, group, name, should, fn)
}

func (r *runner) runLevel(ctx context.Context, group, name string, lvl level, fn func(ctx context.Context, c *Case)) {
	c := &Case{level: lvl}
	start := time.Now()
	func() {
		ctx, cancel := context.WithTimeout(ctx, r.cfg.CaseTimeout)
		defer cancel()
		defer func() {
			if p := recover(); p != nil {
				c.Errorf("panic: %v", p)
			}
		}()
		fn(ctx, c)
		if err := ctx.Err(); err != nil && !c.failed {
			c.Errorf("case interrupted: %v", err)
		}
	}()
	r.report.Results = append(r.report.Results, Result{
		Version: r.v, Group: group, Name: name, Status: c.status(), Detail: c.detail(), Duration: time.Since(start),
	})
}

// level is how binding the rule a case checks is.
type level int

const (
	must level = iota
	should
)

// Case collects one case's findings.
type Case struct {
	level   level
	failed  bool
	fails   int
	skipped bool
	notes   []string
}

// Errorf records a failure; the case goes on so later findings are
// reported too.
func (c *Case) Errorf(format string, args ...any) {
	c.failed = true
	c.fails++
	c.notes = append(c.notes, fmt.Sprintf(format, args...))
}

// Skipf marks the case skipped with a reason.
func (c *Case) Skipf(format string, args ...any) {
	c.skipped = true
	c.notes = append(c.notes, fmt.Sprintf(format, args...))
}

// Logf adds a detail that is not a failure.
func (c *Case) Logf(format string, args ...any) {
	c.notes = append(c.notes, fmt.Sprintf(format, args...))
}

func (c *Case) status() Status {
	switch {
	case c.failed && c.level == should:
		return Warn
	case c.failed:
		return Fail
	case c.skipped:
		return Skip
	}
	return Pass
}

func (c *Case) detail() string { return strings.Join(c.notes, "; ") }
