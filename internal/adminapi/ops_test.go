package adminapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestOps: the operations gateway's accounts, servers and audit log
// through the admin API: the Stripe key is never answered, a server's
// token and URL only in the first answer (a replay answers without
// them), revoke and remove answer 404 for an unknown id.
func TestOps(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		const stripeKey = "sk_test_51AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
		add := req{method: "POST", path: "/admin/v1/ops/accounts", idem: "acct-1", body: map[string]any{"name": "main", "stripe_key": stripeKey}}
		a := b.do(t, add).want(t, http.StatusCreated)
		if a.str("mode") != "test" || a.str("name") != "main" || strings.Contains(string(a.raw), stripeKey) {
			t.Fatalf("account %s", a.raw)
		}
		if r := b.do(t, add).want(t, http.StatusCreated); r.header.Get("Idempotent-Replayed") != "true" || string(r.raw) != string(a.raw) {
			t.Fatalf("replay %s", r.raw)
		}
		b.do(t, req{method: "POST", path: "/admin/v1/ops/accounts", body: map[string]any{"name": "main", "stripe_key": stripeKey}}).want(t, http.StatusConflict)
		b.do(t, req{method: "POST", path: "/admin/v1/ops/accounts", body: map[string]any{"name": "bad", "stripe_key": "pk_test_x"}}).wantError(t, http.StatusBadRequest, "invalid", "$.stripe_key")
		if l := b.do(t, req{method: "GET", path: "/admin/v1/ops/accounts"}).want(t, http.StatusOK); len(l.data()) != 1 || strings.Contains(string(l.raw), stripeKey) {
			t.Fatalf("accounts %s", l.raw)
		}

		create := req{method: "POST", path: "/admin/v1/ops/servers", idem: "srv-1", body: map[string]any{
			"account": "main", "name": "support", "tags": []string{"customers"}, "require_token": true,
			"expires_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}}
		s := b.do(t, create).want(t, http.StatusCreated)
		token := s.str("token")
		if !strings.HasPrefix(token, "ops_") || s.str("url") != "https://shop.example/ops/mcp/"+token || !strings.HasPrefix(s.str("bearer_token"), "opsb_") {
			t.Fatalf("server %s", s.raw)
		}
		replay := b.do(t, create).want(t, http.StatusCreated)
		if replay.str("id") != s.str("id") || replay.str("token") != "" || replay.str("url") != "" || replay.str("bearer_token") != "" {
			t.Fatalf("replay %s", replay.raw)
		}
		b.do(t, req{method: "POST", path: "/admin/v1/ops/servers", body: map[string]any{"account": "nope", "name": "x"}}).wantError(t, http.StatusNotFound, "not_found", "")
		b.do(t, req{method: "POST", path: "/admin/v1/ops/servers", body: map[string]any{"account": "main", "name": "x", "tools": []string{"no_such_tool"}}}).want(t, http.StatusBadRequest)
		servers := b.do(t, req{method: "GET", path: "/admin/v1/ops/servers"}).want(t, http.StatusOK)
		if d := servers.data(); len(d) != 1 || d[0]["id"] != s.str("id") || d[0]["require_token"] != true || strings.Contains(string(servers.raw), token) {
			t.Fatalf("servers %s", servers.raw)
		}
		rv := b.do(t, req{method: "POST", path: "/admin/v1/ops/servers/" + s.str("id") + "/revoke"}).want(t, http.StatusOK)
		if rv.str("revoked_at") == "" {
			t.Fatalf("revoked %s", rv.raw)
		}
		b.do(t, req{method: "POST", path: "/admin/v1/ops/servers/osv_missing/revoke"}).wantError(t, http.StatusNotFound, "not_found", "")
		audit := b.do(t, req{method: "GET", path: "/admin/v1/ops/audit?server_id=" + s.str("id") + "&limit=10"}).want(t, http.StatusOK)
		if len(audit.data()) != 0 {
			t.Fatalf("audit %s", audit.raw)
		}
		b.do(t, req{method: "GET", path: "/admin/v1/ops/audit?since=soon"}).wantError(t, http.StatusBadRequest, "invalid", "since")
		b.do(t, req{method: "POST", path: "/admin/v1/ops/accounts/main/remove"}).want(t, http.StatusOK)
		b.do(t, req{method: "POST", path: "/admin/v1/ops/accounts/main/remove"}).wantError(t, http.StatusNotFound, "not_found", "")
	})
}
