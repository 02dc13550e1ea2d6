package adminapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"agentshop/internal/admintoken"
	"agentshop/internal/apikey"
	"agentshop/internal/commerce"
)

// TestAuth: every endpoint but the OpenAPI document wants a valid admin
// token; a missing, unknown, revoked or expired one is a 401, and an
// address that fails too often is throttled before its token is looked
// at, the good one included.
func TestAuth(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		ctx := t.Context()
		expiredSecret, expired := admintoken.New("expired", time.Now().Add(-2*time.Hour), new(time.Now().Add(-time.Hour)))
		if err := b.store.CreateAdminToken(ctx, expired); err != nil {
			t.Fatal(err)
		}
		revokedSecret, revoked, err := b.admin.CreateAdminToken(ctx, "revoked", 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.admin.RevokeAdminToken(ctx, revoked.ID); err != nil {
			t.Fatal(err)
		}
		b.do(t, req{method: "GET", path: "/admin/v1/openapi.json", noAuth: true}).want(t, http.StatusOK)
		b.do(t, req{method: "GET", path: "/admin/v1/orders"}).want(t, http.StatusOK)
		tests := []struct {
			name string
			r    req
			code string
		}{
			{"NoToken", req{method: "GET", path: "/admin/v1/orders", noAuth: true}, "unauthorized"},
			{"NotBearer", req{method: "GET", path: "/admin/v1/orders", noAuth: true, header: map[string]string{"Authorization": "Basic " + b.token}}, "unauthorized"},
			{"Unknown", req{method: "GET", path: "/admin/v1/api_keys", token: "asa_nobody"}, "invalid_admin_token"},
			{"AgentKey", req{method: "GET", path: "/admin/v1/api_keys", token: "ask_" + b.token[4:]}, "invalid_admin_token"},
			{"Revoked", req{method: "POST", path: "/admin/v1/api_keys", token: revokedSecret, body: map[string]any{}}, "invalid_admin_token"},
			{"Expired", req{method: "GET", path: "/admin/v1/events", token: expiredSecret}, "admin_token_expired"},
			{"UnknownRoute", req{method: "GET", path: "/admin/v1/nothing", noAuth: true}, "unauthorized"},
		}
		for _, tt := range tests[:5] { // the bucket holds 5 failures
			t.Run(tt.name, func(t *testing.T) {
				r := b.do(t, tt.r)
				r.wantError(t, http.StatusUnauthorized, tt.code, "")
				if r.header.Get("WWW-Authenticate") == "" {
					t.Error("no WWW-Authenticate")
				}
			})
		}
		// The address has used up its failures: even a good token waits.
		for _, tt := range append(tests[5:], struct {
			name string
			r    req
			code string
		}{"GoodToken", req{method: "GET", path: "/admin/v1/orders"}, ""}) {
			t.Run("Throttled"+tt.name, func(t *testing.T) {
				r := b.do(t, tt.r)
				r.wantError(t, http.StatusTooManyRequests, "rate_limit_exceeded", "")
				if r.header.Get("Retry-After") == "" || r.header.Get("RateLimit-Limit") != "5" {
					t.Errorf("headers %v", r.header)
				}
			})
		}
	})
}

// TestRequests: the shape rules every endpoint shares: Idempotency-Key on
// every POST, strict JSON bodies with a JSONPath param, the body cap,
// known query parameters only, flat 404 and 405 for what no route takes.
func TestRequests(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		o := b.placeOrder(t, 1)
		ship := "/admin/v1/orders/" + o.ID + "/ship"
		tests := []struct {
			name        string
			r           req
			status      int
			code, param string
		}{
			{"NoIdempotencyKey", req{method: "POST", path: ship, noIdem: true, body: map[string]any{"carrier": "UPS", "tracking_number": "1Z"}}, 400, "idempotency_key_required", ""},
			{"LongIdempotencyKey", req{method: "POST", path: ship, idem: strings.Repeat("k", 256), body: map[string]any{"carrier": "UPS", "tracking_number": "1Z"}}, 400, "invalid_idempotency_key", ""},
			{"UnknownField", req{method: "POST", path: ship, body: map[string]any{"carrier": "UPS", "tracking_number": "1Z", "weight": 3}}, 400, "invalid", "$.weight"},
			{"WrongType", req{method: "POST", path: "/admin/v1/orders/" + o.ID + "/refund", body: map[string]any{"amount": "ten"}}, 400, "invalid", "$.amount"},
			{"NotJSON", req{method: "POST", path: ship, body: "{carrier"}, 400, "invalid", "$"},
			{"TwoValues", req{method: "POST", path: ship, body: `{"carrier":"UPS","tracking_number":"1Z"} {}`}, 400, "invalid", "$"},
			{"NotAnObject", req{method: "POST", path: ship, body: `[]`}, 400, "invalid", "$"},
			{"DomainParam", req{method: "POST", path: ship, body: map[string]any{"carrier": " ", "tracking_number": "1Z"}}, 400, "invalid", "$.carrier"},
			{"TooLarge", req{method: "POST", path: "/admin/v1/orders/" + o.ID + "/cancel", body: map[string]any{"reason": strings.Repeat("x", 2000)}}, 413, "request_too_large", ""},
			{"UnknownQuery", req{method: "GET", path: "/admin/v1/orders?stauts=shipped"}, 400, "invalid", "stauts"},
			{"RepeatedQuery", req{method: "GET", path: "/admin/v1/orders?limit=1&limit=2"}, 400, "invalid", "limit"},
			{"BadLimit", req{method: "GET", path: "/admin/v1/orders?limit=0"}, 400, "invalid", "limit"},
			{"LimitTooHigh", req{method: "GET", path: "/admin/v1/orders?limit=101"}, 400, "invalid", "limit"},
			{"BadTime", req{method: "GET", path: "/admin/v1/orders?created_after=yesterday"}, 400, "invalid", "created_after"},
			{"EmptyRange", req{method: "GET", path: "/admin/v1/orders?created_after=2026-12-02T00:00:00Z&created_before=2026-12-01T00:00:00Z"}, 400, "invalid", "created_before"},
			{"BadStatus", req{method: "GET", path: "/admin/v1/orders?status=lost"}, 400, "invalid", "status"},
			{"UnknownCursor", req{method: "GET", path: "/admin/v1/orders?starting_after=ord_missing"}, 400, "invalid", "starting_after"},
			{"BadEventStatus", req{method: "GET", path: "/admin/v1/events?status=lost"}, 400, "invalid", "status"},
			{"QueryOnShow", req{method: "GET", path: "/admin/v1/orders/" + o.ID + "?expand=all"}, 400, "invalid", "expand"},
			{"UnknownOrder", req{method: "GET", path: "/admin/v1/orders/ord_missing"}, 404, "not_found", ""},
			{"UnknownOrderShip", req{method: "POST", path: "/admin/v1/orders/ord_missing/ship", body: map[string]any{"carrier": "UPS", "tracking_number": "1Z"}}, 404, "not_found", ""},
			{"UnknownRoute", req{method: "GET", path: "/admin/v1/customers"}, 404, "not_found", ""},
			{"WrongMethod", req{method: "DELETE", path: "/admin/v1/orders/" + o.ID}, 405, "method_not_allowed", ""},
			{"GetOnAction", req{method: "GET", path: ship}, 405, "method_not_allowed", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				b.do(t, tt.r).wantError(t, tt.status, tt.code, tt.param)
			})
		}
		// None of it changed the order.
		got, err := b.admin.GetOrder(t.Context(), o.ID)
		if err != nil || got.Status != commerce.OrderConfirmed || len(got.Shipments) != 0 || len(got.Refunds) != 0 {
			t.Fatalf("order after bad requests: %v %+v", err, got)
		}
		if r := b.do(t, req{method: "GET", path: "/admin/v1/orders/" + o.ID}); r.header.Get("Allow") != "" {
			t.Error("Allow on a 200")
		}
		r := b.do(t, req{method: "PUT", path: "/admin/v1/api_keys"})
		if r.header.Get("Allow") != "GET, POST" {
			t.Errorf("Allow = %q, want GET, POST", r.header.Get("Allow"))
		}
	})
}

// TestAPIKeys: create shows the secrets once (a replay answers the key
// without them), the key works as an agent key (its hash is stored),
// list never shows a secret, revoke is idempotent and keeps its time.
func TestAPIKeys(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		ctx := t.Context()
		create := req{method: "POST", path: "/admin/v1/api_keys", idem: "create-1", body: map[string]any{"name": "chatgpt", "signing": true}}
		r := b.do(t, create).want(t, http.StatusCreated)
		secret, id := r.str("secret"), r.str("id")
		if !strings.HasPrefix(secret, apikey.SecretPrefix) || !strings.HasPrefix(r.str("signing_secret"), "whsec_") || r.json["signed"] != true || r.str("name") != "chatgpt" {
			t.Fatalf("created %s", r.raw)
		}
		k, err := b.store.APIKeyByHash(ctx, apikey.Hash(secret))
		if err != nil || k.ID != id {
			t.Fatalf("stored key: %v %+v", err, k)
		}

		replay := b.do(t, create).want(t, http.StatusCreated)
		if replay.header.Get("Idempotent-Replayed") != "true" || replay.str("id") != id || replay.str("secret") != "" || replay.str("signing_secret") != "" {
			t.Fatalf("replay %v %s", replay.header, replay.raw)
		}
		b.do(t, req{method: "POST", path: "/admin/v1/api_keys", idem: "create-1", body: map[string]any{"name": "other"}}).
			wantError(t, http.StatusUnprocessableEntity, "idempotency_conflict", "")
		b.do(t, req{method: "POST", path: "/admin/v1/api_keys", body: map[string]any{"name": strings.Repeat("n", 101)}}).
			wantError(t, http.StatusBadRequest, "invalid", "$.name")
		plain := b.do(t, req{method: "POST", path: "/admin/v1/api_keys"}).want(t, http.StatusCreated)
		if plain.str("name") != "agent" || plain.json["signed"] != false || plain.str("signing_secret") != "" {
			t.Errorf("key with an empty body: %s", plain.raw)
		}

		list := b.do(t, req{method: "GET", path: "/admin/v1/api_keys"}).want(t, http.StatusOK)
		if d := list.data(); len(d) != 2 || d[0]["id"] != id || list.json["has_more"] != false {
			t.Fatalf("list %s", list.raw)
		}
		if strings.Contains(string(list.raw), secret) || strings.Contains(string(list.raw), "whsec_") {
			t.Fatal("list shows a secret")
		}

		revoke := req{method: "POST", path: "/admin/v1/api_keys/" + id + "/revoke", idem: "revoke-1"}
		rv := b.do(t, revoke).want(t, http.StatusOK)
		at := rv.str("revoked_at")
		if at == "" {
			t.Fatalf("revoked %s", rv.raw)
		}
		if k, _ := b.store.APIKeyByHash(ctx, apikey.Hash(secret)); k.RevokedAt == nil {
			t.Fatal("key not revoked in the store")
		}
		if again := b.do(t, req{method: "POST", path: revoke.path}).want(t, http.StatusOK); again.str("revoked_at") != at {
			t.Errorf("revoked again: %s, want the first time %s", again.raw, at)
		}
		b.do(t, req{method: "POST", path: "/admin/v1/api_keys/key_missing/revoke"}).wantError(t, http.StatusNotFound, "not_found", "")
	})
}
