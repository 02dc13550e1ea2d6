package conformance

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"agentshop/internal/acpclient"
)

// discoveryChecks checks /.well-known/acp.json (ACP 2026-04-17 discovery):
// served without authentication, a DiscoveryResponse, cacheable. A 404
// means the merchant publishes no document; that fails only when
// 2026-04-17, which defines it, is to be checked.
func (r *runner) discoveryChecks(ctx context.Context) {
	const g = "discovery"
	var resp *acpclient.Response
	r.run(ctx, g, "GET /.well-known/acp.json without auth → 200", func(ctx context.Context, c *Case) {
		d, got, err := r.c.Discovery(ctx)
		resp = got
		switch {
		case got == nil:
			c.Errorf("%v", err)
			return
		case got.Status == http.StatusNotFound:
			if len(r.cfg.Versions) > 0 && !slices.Contains(r.cfg.Versions, acpclient.Version20260417) {
				c.Skipf("no discovery document (HTTP 404); only 2026-04-17 defines one")
			} else {
				c.Errorf("no discovery document (HTTP 404); ACP 2026-04-17 defines /.well-known/acp.json")
			}
			return
		case err != nil:
			c.Errorf("%v", err)
			return
		case got.Status != http.StatusOK:
			c.Errorf("HTTP %d, want 200", got.Status)
		}
		r.schemaV(c, acpclient.Version20260417, "discovery", "DiscoveryResponse", got.Body)
		if d.Protocol.Name != "acp" {
			c.Errorf("protocol.name %q, want acp", d.Protocol.Name)
		}
		if !slices.Contains(d.Transports, "rest") {
			c.Errorf("transports %v does not include rest", d.Transports)
		}
		for _, v := range r.cfg.Versions {
			if !slices.Contains(d.Protocol.SupportedVersions, v) {
				c.Errorf("supported_versions %v does not list %s, which is being checked", d.Protocol.SupportedVersions, v)
			}
		}
		if !slices.IsSorted(d.Protocol.SupportedVersions) {
			c.Errorf("supported_versions %v is not oldest first", d.Protocol.SupportedVersions)
		}
		r.shared.discovery = d
		c.Logf("versions %s, services %s", strings.Join(d.Protocol.SupportedVersions, ","), strings.Join(d.Capabilities.Services, ","))
	})

	r.runShould(ctx, g, "Cache-Control", func(ctx context.Context, c *Case) {
		if resp == nil || resp.Status != http.StatusOK {
			c.Skipf("no discovery document")
			return
		}
		cc := resp.Header.Get("Cache-Control")
		if cc == "" {
			c.Errorf("no Cache-Control header (the RFC recommends public, max-age=3600)")
			return
		}
		if !strings.Contains(cc, "max-age") || strings.Contains(cc, "no-store") || strings.Contains(cc, "private") {
			c.Errorf("Cache-Control %q does not let the document be cached", cc)
		}
		c.Logf("%s", cc)
	})
}
