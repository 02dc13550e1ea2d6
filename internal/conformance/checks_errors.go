package conformance

import (
	"context"
	"net/http"
	"slices"

	"agentshop/internal/acpclient"
)

// authChecks: a request without an API key, or with one the merchant did
// not issue, is answered 401 with a flat error (ACP §3.2: Authorization
// is required).
func (r *runner) authChecks(ctx context.Context) {
	tests := []struct {
		name   string
		header string
	}{
		{"no API key → 401", ""},
		{"bad API key → 401", "Bearer ask_conformance_invalid_" + acpclient.NewUUID()},
	}
	for _, tt := range tests {
		r.run(ctx, "auth", tt.name, func(ctx context.Context, c *Case) {
			_, resp, err := r.c.CreateSession(ctx, r.createBody(r.cfg.Item), acpclient.WithHeader("Authorization", tt.header))
			r.expectError(c, "create", http.StatusUnauthorized, resp, err)
			_, resp, err = r.c.GetSession(ctx, "cs_conformance_"+acpclient.NewUUID(), acpclient.WithHeader("Authorization", tt.header))
			r.expectError(c, "get", http.StatusUnauthorized, resp, err)
		})
	}
}

// versionHeaderChecks: a missing or unsupported API-Version SHOULD be
// answered 400 with supported_versions (2026-04-17 RFC; codes MAY be
// missing_api_version / unsupported_api_version). Failures warn. The
// error belongs to no version, so it is validated against the newest
// Error schema loaded, the only one with supported_versions.
func (r *runner) versionHeaderChecks(ctx context.Context) {
	tests := []struct {
		name, header, code string
	}{
		{"missing → 400 + supported_versions", "", "missing_api_version"},
		{"unsupported → 400 + supported_versions", "1999-01-01", "unsupported_api_version"},
	}
	for _, tt := range tests {
		r.runShould(ctx, "api-version", tt.name, func(ctx context.Context, c *Case) {
			_, resp, err := r.c.CreateSession(ctx, r.createBody(r.cfg.Item), acpclient.WithHeader("API-Version", tt.header))
			e := r.expectErrorV(c, r.newestSchemaVersion(), "Error", "create", http.StatusBadRequest, resp, err)
			if e == nil {
				return
			}
			if e.Code != tt.code {
				c.Logf("code %q (the RFC suggests %s)", e.Code, tt.code)
			}
			if !slices.Contains(e.SupportedVersions, r.v) {
				c.Errorf("supported_versions %v does not list %s", e.SupportedVersions, r.v)
			}
		})
	}
}

// newestSchemaVersion is the newest version with loaded schemas (the
// runner's own when there are none).
func (r *runner) newestSchemaVersion() string {
	if r.cfg.Schemas != nil {
		if vs := r.cfg.Schemas.Versions(); len(vs) > 0 {
			return vs[len(vs)-1]
		}
	}
	return r.v
}

// errorChecks: malformed and schema-invalid requests are answered 400
// invalid_request with a flat error (and a JSONPath param when one is
// given) instead of a session (ACP §3.5/§5.5).
func (r *runner) errorChecks(ctx context.Context) {
	tests := []struct {
		name string
		body []byte
	}{
		{"malformed JSON → 400", []byte(`{"items": [`)},
		{"missing required fields → 400", []byte(`{}`)},
		{"wrong JSON type → 400", []byte(`[]`)},
	}
	for _, tt := range tests {
		r.run(ctx, "errors", tt.name, func(ctx context.Context, c *Case) {
			_, resp, err := r.c.CreateSession(ctx, tt.body)
			e := r.expectError(c, "create", http.StatusBadRequest, resp, err)
			if e == nil {
				return
			}
			if e.Type != "invalid_request" {
				c.Errorf("type %q, want invalid_request", e.Type)
			}
			c.Logf("%s %s", e.Code, e.Param)
		})
	}
}
