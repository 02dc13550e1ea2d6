package acpmcp_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"

	"agentshop/internal/acp"
	"agentshop/internal/acpmcp"
	"agentshop/internal/apikey"
	"agentshop/internal/reqsign"
)

// post sends one raw JSON-RPC message with the bearer key ("" for none)
// and returns the HTTP response and its decoded body.
func (b *bundle) post(t *testing.T, key, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.srv.URL+"/acp/mcp", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("HTTP %d, body is not JSON: %s", res.StatusCode, raw)
	}
	return res, out
}

// TestUnauthenticated: requests without a valid, unrevoked key get HTTP 401
// with a JSON-RPC -32000 error whose data is an ACP invalid_request error,
// and the go-sdk client cannot connect.
func TestUnauthenticated(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	secret, k := apikey.New("revoked", time.Now())
	if err := b.store.CreateAPIKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	if err := b.store.RevokeAPIKey(ctx, k.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	call := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get_checkout_session","arguments":{"meta":{"api_version":"2026-04-17"},"id":"cs_x"}}}`
	for _, tc := range []struct{ name, key, code string }{
		{"no key", "", "unauthorized"},
		{"unknown key", "ask_not_a_key", "invalid_api_key"},
		{"revoked key", secret, "invalid_api_key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := b.post(t, tc.key, call)
			if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("HTTP %d, WWW-Authenticate %q; want 401 Bearer", res.StatusCode, res.Header.Get("WWW-Authenticate"))
			}
			e, _ := body["error"].(map[string]any)
			data, _ := e["data"].(map[string]any)
			if body["jsonrpc"] != "2.0" || body["id"] != float64(7) || e["code"] != float64(acpmcp.CodeACPError) ||
				data["type"] != "invalid_request" || data["code"] != tc.code || data["message"] == "" {
				t.Errorf("body %v", body)
			}
			if _, err := b.connect(t, tc.key); err == nil {
				t.Error("the go-sdk client connected")
			}
		})
	}
}

// TestEnvelopeErrors: malformed {meta, id, payload} is -32602; a missing or
// unsupported api_version is -32000 with supported_versions; a bad payload
// is -32000 with a param under $.payload.
func TestEnvelopeErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cs := b.client(t)
	meta := map[string]any{"api_version": v2026, "idempotency_key": "k1"}
	for _, tc := range []struct {
		name, tool string
		args       any
		param      string
	}{
		{"no meta", acpmcp.ToolGet, map[string]any{"id": "cs_x"}, "$.meta"},
		{"meta not an object", acpmcp.ToolGet, map[string]any{"meta": "2026-04-17", "id": "cs_x"}, "$.meta"},
		{"meta member not a string", acpmcp.ToolCreate, map[string]any{"meta": map[string]any{"api_version": v2026, "idempotency_key": 5}, "payload": map[string]any{}}, "$.meta.idempotency_key"},
		{"no id", acpmcp.ToolGet, map[string]any{"meta": meta}, "$.id"},
		{"id not a string", acpmcp.ToolGet, map[string]any{"meta": meta, "id": 12}, "$.id"},
		{"no payload", acpmcp.ToolCreate, map[string]any{"meta": meta}, "$.payload"},
		{"null payload", acpmcp.ToolComplete, map[string]any{"meta": meta, "id": "cs_x", "payload": nil}, "$.payload"},
		{"payload not an object", acpmcp.ToolUpdate, map[string]any{"meta": meta, "id": "cs_x", "payload": []int{1}}, "$.payload"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := b.wantError(t, b.call(t, cs, tc.tool, "", tc.args), "", jsonrpc.CodeInvalidParams, "invalid_params")
			if r.Data["param"] != tc.param {
				t.Errorf("param %v, want %s", r.Data["param"], tc.param)
			}
		})
	}

	for _, tc := range []struct{ version, code string }{{"", "missing_api_version"}, {"2024-01-01", "unsupported_api_version"}} {
		r := b.wantError(t, b.call(t, cs, acpmcp.ToolGet, "", args(tc.version, "cs_x", nil)), "", acpmcp.CodeACPError, tc.code)
		var got []string
		for _, v := range r.Data["supported_versions"].([]any) {
			got = append(got, v.(string))
		}
		if !slices.Equal(got, []string{v2026, v2025}) || r.Data["param"] != "$.meta.api_version" {
			t.Errorf("%s: data %s", tc.code, r.Err.Data)
		}
	}

	// A long api_version is echoed cut to acp.MaxEcho characters.
	long := strings.Repeat("9", 5000)
	r := b.wantError(t, b.call(t, cs, acpmcp.ToolGet, "", args(long, "cs_x", nil)), "", acpmcp.CodeACPError, "unsupported_api_version")
	if want := "api_version " + strings.Repeat("9", acp.MaxEcho) + "… is not supported."; r.Data["message"] != want {
		t.Errorf("long api_version: message %.200q", r.Data["message"])
	}

	// Payload errors come from the codecs, with params into the payload.
	for _, tc := range []struct {
		version string
		payload map[string]any
		param   string
	}{
		{v2026, map[string]any{"currency": "usd"}, "$.payload.line_items"},
		{v2026, map[string]any{"line_items": "racket"}, "$.payload.line_items"},
		{v2026, map[string]any{"line_items": []any{map[string]any{"id": racket, "quantity": 0}}}, "$.payload.line_items[0].quantity"},
		{v2025, map[string]any{}, "$.payload.items"},
		{v2025, map[string]any{"items": []any{map[string]any{"id": racket, "quantity": -1}}}, "$.payload.items[0].quantity"},
	} {
		r := b.wantError(t, b.call(t, cs, acpmcp.ToolCreate, tc.version, mut(tc.version, "", tc.payload)), tc.version, acpmcp.CodeACPError, "invalid")
		if r.Data["param"] != tc.param || r.Data["type"] != "invalid_request" {
			t.Errorf("%s %v: data %s, want param %s", tc.version, tc.payload, r.Err.Data, tc.param)
		}
	}
}

// TestSignedKey: a key with a signing secret needs meta.signature over
// the call: tool, session id, api_version, idempotency_key, timestamp and
// payload.
func TestSignedKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	secret, k := apikey.New("signer", time.Now())
	k.SigningSecret = "shh"
	if err := b.store.CreateAPIKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	cs, err := b.connect(t, secret)
	if err != nil {
		t.Fatal(err)
	}
	payload := createPayload(v2026, true)
	body, _ := json.Marshal(payload)
	ts := time.Now().UTC().Format(time.RFC3339)
	sign := func(secret, tool, id, idem, ts string, body []byte) string {
		return reqsign.Sign(secret, reqsign.MCP(tool, id, v2026, idem, ts, body))
	}

	b.wantError(t, b.call(t, cs, acpmcp.ToolCreate, v2026, mut(v2026, "", payload)), v2026, acpmcp.CodeACPError, "invalid_signature")
	idem := newKey()
	bad := args(v2026, "", payload, "idempotency_key", idem, "timestamp", ts, "signature", sign("other", acpmcp.ToolCreate, "", idem, ts, body))
	b.wantError(t, b.call(t, cs, acpmcp.ToolCreate, v2026, bad), v2026, acpmcp.CodeACPError, "invalid_signature")
	old := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	idem = newKey()
	stale := args(v2026, "", payload, "idempotency_key", idem, "timestamp", old, "signature", sign("shh", acpmcp.ToolCreate, "", idem, old, body))
	b.wantError(t, b.call(t, cs, acpmcp.ToolCreate, v2026, stale), v2026, acpmcp.CodeACPError, "invalid_signature")

	idem = newKey()
	good := args(v2026, "", payload, "idempotency_key", idem, "timestamp", ts, "signature", sign("shh", acpmcp.ToolCreate, "", idem, ts, body))
	id := b.call(t, cs, acpmcp.ToolCreate, v2026, good).want(t).str("id")
	// Without a payload the MAC covers the rest with an empty body.
	get := args(v2026, id, nil, "timestamp", ts, "signature", sign("shh", acpmcp.ToolGet, id, "", ts, nil))
	b.call(t, cs, acpmcp.ToolGet, v2026, get).want(t)
}

// TestSignatureCoversCall: one signature is good for one call only: not
// for another tool, another session, another idempotency key, nor the
// same call twice (issue 15 item 3). Before, it covered only the
// timestamp and the payload, and each of these went through.
func TestSignatureCoversCall(t *testing.T) {
	t.Parallel()
	b := setup(t)
	secret, k := apikey.New("signer", time.Now())
	k.SigningSecret = "shh"
	if err := b.store.CreateAPIKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	cs, err := b.connect(t, secret)
	if err != nil {
		t.Fatal(err)
	}
	var seq atomic.Int64
	// signed returns the arguments of tool on id, signed for (signTool, signID).
	signed := func(signTool, signID, idem string, payload any) map[string]any {
		ts := time.Now().UTC().Add(time.Duration(seq.Add(1))).Format(time.RFC3339Nano)
		var body []byte
		if payload != nil {
			body, _ = json.Marshal(payload)
		}
		extra := []string{"timestamp", ts, "signature", reqsign.Sign("shh", reqsign.MCP(signTool, signID, v2026, idem, ts, body))}
		if idem != "" {
			extra = append(extra, "idempotency_key", idem)
		}
		return args(v2026, signID, payload, extra...)
	}
	create := func() string {
		return b.call(t, cs, acpmcp.ToolCreate, v2026, signed(acpmcp.ToolCreate, "", newKey(), createPayload(v2026, true))).want(t).str("id")
	}
	a, other := create(), create()
	refused := func(t *testing.T, r result, why string) {
		t.Helper()
		e := b.wantError(t, r, v2026, acpmcp.CodeACPError, "invalid_signature")
		if msg, _ := e.Data["message"].(string); !strings.Contains(msg, why) {
			t.Errorf("message %q, want %q", msg, why)
		}
	}
	status := func(id string) string {
		return b.call(t, cs, acpmcp.ToolGet, v2026, signed(acpmcp.ToolGet, id, "", nil)).want(t).str("status")
	}

	t.Run("GetSignatureOnOtherSession", func(t *testing.T) {
		g := signed(acpmcp.ToolGet, a, "", nil)
		g["id"] = other
		refused(t, b.call(t, cs, acpmcp.ToolGet, v2026, g), "does not match")
	})
	t.Run("GetSignatureOnCancel", func(t *testing.T) {
		// get and cancel both take {meta, id} and an empty payload.
		g := signed(acpmcp.ToolGet, other, "", nil)
		g["meta"].(map[string]any)["idempotency_key"] = newKey()
		refused(t, b.call(t, cs, acpmcp.ToolCancel, v2026, g), "does not match")
		if st := status(other); st == "canceled" {
			t.Errorf("a get's signature canceled the session")
		}
	})
	t.Run("CancelOnOtherSessionFreshKey", func(t *testing.T) {
		c := signed(acpmcp.ToolCancel, a, newKey(), nil)
		c["id"] = other
		c["meta"].(map[string]any)["idempotency_key"] = newKey()
		refused(t, b.call(t, cs, acpmcp.ToolCancel, v2026, c), "does not match")
		if st := status(other); st == "canceled" {
			t.Errorf("session A's cancel signature canceled the other session")
		}
	})
	t.Run("ExactReplay", func(t *testing.T) {
		g := signed(acpmcp.ToolGet, a, "", nil)
		b.call(t, cs, acpmcp.ToolGet, v2026, g).want(t)
		refused(t, b.call(t, cs, acpmcp.ToolGet, v2026, g), "already used")
	})
}

// TestWire shows the binding on the wire for clients without an SDK: a
// stateless JSON POST, the session as structuredContent and as text, and an
// error as a JSON-RPC error with the ACP object in data.
func TestWire(t *testing.T) {
	t.Parallel()
	b := setup(t)
	create := `{"jsonrpc":"2.0","id":"c1","method":"tools/call","params":{"name":"create_checkout_session","arguments":` +
		`{"meta":{"api_version":"2026-04-17","idempotency_key":"wire-1"},"payload":{"line_items":[{"id":"` + racket + `"}],"currency":"usd"}}}}`
	res, body := b.post(t, b.key, create)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || res.Header.Get("Mcp-Session-Id") != "" {
		t.Fatalf("HTTP %d %q session %q: %v", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Mcp-Session-Id"), body)
	}
	r, _ := body["result"].(map[string]any)
	sc, _ := r["structuredContent"].(map[string]any)
	content, _ := r["content"].([]any)
	if body["id"] != "c1" || sc["status"] == nil || len(content) != 1 || r["isError"] == true {
		t.Fatalf("result %v", body)
	}
	block := content[0].(map[string]any)
	var text map[string]any
	if block["type"] != "text" || json.Unmarshal([]byte(block["text"].(string)), &text) != nil || text["id"] != sc["id"] {
		t.Errorf("content block %v does not carry the session %v", block, sc["id"])
	}

	get := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_checkout_session","arguments":{"meta":{"api_version":"2026-04-17"},"id":"cs_missing"}}}`
	res, body = b.post(t, b.key, get)
	e, _ := body["error"].(map[string]any)
	data, _ := e["data"].(map[string]any)
	if res.StatusCode != http.StatusOK || body["result"] != nil || e["code"] != float64(acpmcp.CodeACPError) ||
		data["type"] != "invalid_request" || data["code"] != "not_found" || e["message"] != data["message"] {
		t.Errorf("HTTP %d: %v", res.StatusCode, body)
	}
}
