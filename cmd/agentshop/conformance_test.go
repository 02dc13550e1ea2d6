package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"agentshop/internal/acp/acpschema"
	"agentshop/internal/admin"
	"agentshop/internal/conformance"
)

const conformanceKey = "ask_conformance_test_key_0123456789"

// startAgentshop runs the real server in-process on 127.0.0.1:0 and
// returns its URL.
func startAgentshop(t *testing.T) string {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.Data = t.TempDir()
	cfg.AgentAPIKey = conformanceKey
	cfg.LogLevel = "error"
	// PublicURL only appears in links; the real port is unknown until Run.
	cfg.Shop.PublicURL = "http://127.0.0.1"
	return runMain(t, cfg).URL()
}

// TestConformanceAgentshop runs the checker against agentshop for each
// version: every check must pass (skips allowed, each with its reason).
func TestConformanceAgentshop(t *testing.T) {
	if os.Getenv(acpschema.EnvSpecDir) == "" {
		t.Skipf("%s is not set: the conformance checker needs the official ACP JSON Schemas", acpschema.EnvSpecDir)
	}
	url := startAgentshop(t)
	tests := []struct {
		name string
		args []string
	}{
		{"2025-09-29", []string{"--api-version", "2025-09-29"}},
		{"2026-04-17", []string{"--api-version", "2026-04-17"}},
		// VAT on shipping: exercises the shipping-tax split of the totals.
		{"2026-04-17 GB", []string{"--api-version", "2026-04-17", "--ship-to", "Sam Jones, 1 High St, London, SW1A 2AA, GB"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			junit := filepath.Join(t.TempDir(), "junit.xml")
			args := append([]string{"--merchant", url, "--api-key", conformanceKey,
				"--item", "head-padel-pro-s-3pack", "--item", "gift-card-25", "--junit", junit}, tt.args...)
			var out bytes.Buffer
			err := runConformance(t.Context(), args, &out, io.Discard)
			t.Logf("agentshop conformance %s\n%s", strings.Join(args, " "), out.String())
			if err != nil {
				t.Fatalf("conformance failed: %v", err)
			}
			if !strings.Contains(out.String(), " 0 failed, ") {
				t.Errorf("summary does not say 0 failed")
			}
			b, err := os.ReadFile(junit)
			if err != nil {
				t.Fatal(err)
			}
			var suites struct {
				Tests    int `xml:"tests,attr"`
				Failures int `xml:"failures,attr"`
			}
			if err := xml.Unmarshal(b, &suites); err != nil || suites.Tests == 0 || suites.Failures != 0 {
				t.Errorf("junit: %+v, %v", suites, err)
			}
		})
	}
}

// TestConformanceSigned: with a signing key, conformance --signing-secret
// signs every request the way agentshop checks (method, path, API-Version,
// Idempotency-Key, Timestamp, body), and every check passes, retries and
// idempotent replays included, with replayed signatures refused.
func TestConformanceSigned(t *testing.T) {
	if os.Getenv(acpschema.EnvSpecDir) == "" {
		t.Skipf("%s is not set: the conformance checker needs the official ACP JSON Schemas", acpschema.EnvSpecDir)
	}
	cfg := DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.Data = t.TempDir()
	cfg.LogLevel = "error"
	cfg.Shop.PublicURL = "http://127.0.0.1"
	m := runMain(t, cfg)
	secret, k, err := m.App.Admin.CreateAPIKey(t.Context(), admin.KeyInput{Name: "signed", Signing: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--merchant", m.URL(), "--api-key", secret, "--signing-secret", k.SigningSecret,
		"--item", "head-padel-pro-s-3pack", "--item", "gift-card-25", "--api-version", "2026-04-17"}
	var out bytes.Buffer
	err = runConformance(t.Context(), args, &out, io.Discard)
	t.Logf("agentshop conformance (signed)\n%s", out.String())
	if err != nil || !strings.Contains(out.String(), " 0 failed, ") {
		t.Fatalf("signed conformance: %v", err)
	}
}

func TestConformanceFlags(t *testing.T) {
	t.Parallel()
	env := func(string) string { return "" }
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--api-key", "k", "--item", "x", "--no-schema"}, "--merchant is required"},
		{[]string{"--merchant", "http://x", "--no-schema"}, "--item is required"},
		{[]string{"--merchant", "http://x", "--item", "x"}, "JSON Schemas are required"},
		{[]string{"--merchant", "http://x", "--item", "x", "--no-schema", "--api-version", "2024-01-01"}, "not supported"},
		{[]string{"--merchant", "http://x", "--item", "a", "--item", "b", "--item", "c", "--no-schema"}, "at most two"},
	}
	for _, tt := range tests {
		_, err := parseConformanceFlags(tt.args, io.Discard, env)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want %q", tt.args, err, tt.want)
		}
	}
	o, err := parseConformanceFlags([]string{"--merchant", "http://x", "--item", "a", "--item", "b", "--no-schema"}, io.Discard, env)
	if err != nil || o.cfg.Item != "a" || o.cfg.DigitalItem != "b" || len(o.cfg.Versions) != 0 {
		t.Errorf("parsed %+v, %v", o.cfg, err)
	}
}

// TestConformanceBrokenMerchant runs the checker against a hand-written
// merchant with three bugs and expects exactly those checks to fail.
func TestConformanceBrokenMerchant(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(newBrokenMerchant())
	t.Cleanup(srv.Close)

	var out bytes.Buffer
	err := runConformance(t.Context(), []string{"--merchant", srv.URL, "--api-key", "good", "--item", "widget", "--no-schema"}, &out, io.Discard)
	t.Logf("table:\n%s", out.String())
	if !errors.Is(err, errConformanceFailed) {
		t.Fatalf("runConformance = %v, want errConformanceFailed", err)
	}

	rep, err := conformance.Run(t.Context(), conformance.Config{Merchant: srv.URL, APIKey: "good", Item: "widget"})
	if err != nil {
		t.Fatal(err)
	}
	const v = "2026-04-17"
	want := []struct {
		group, name string
		status      conformance.Status
		detail      string
	}{
		{"session", "create → 201 CheckoutSession", conformance.Fail, "HTTP 200, want 201"},
		{"totals", "session sums", conformance.Fail, "Σ line totals"},
		{"idempotency", "replay create → same status and body", conformance.Fail, "no Idempotent-Replayed"},
		{"payment", "delegate_payment → 201 token", conformance.Skip, "no sandbox"},
		{"schemas", "official JSON Schemas", conformance.Skip, "--no-schema"},
		// What the fake does right passes.
		{"auth", "bad API key → 401", conformance.Pass, ""},
		{"status", "no address → not_ready_for_payment + missing", conformance.Pass, ""},
		{"idempotency", "same key, other body → 422 idempotency_conflict", conformance.Pass, ""},
		{"totals", "line item arithmetic", conformance.Pass, ""},
	}
	for _, w := range want {
		version := v
		if w.group == "schemas" {
			version = ""
		}
		got, ok := rep.Find(version, w.group, w.name)
		if !ok {
			t.Errorf("no result for %s %s/%s", version, w.group, w.name)
			continue
		}
		if got.Status != w.status || !strings.Contains(got.Detail, w.detail) {
			t.Errorf("%s/%s = %s %q, want %s containing %q", w.group, w.name, got.Status, got.Detail, w.status, w.detail)
		}
	}
	if rep.Count(conformance.Pass) == 0 || !rep.Failed() {
		t.Errorf("summary %s", rep.Summary())
	}
}

// brokenMerchant is a small ACP 2026-04-17 merchant with three bugs:
// create answers 200 instead of 201, the session total is one cent too
// high, and idempotent replays lack Idempotent-Replayed. It has no
// delegate_payment endpoint.
type brokenMerchant struct {
	mu       sync.Mutex
	mux      *http.ServeMux
	sessions map[string]*fakeSession
	keys     map[string]fakeReply
	n        int
}

type fakeSession struct {
	ID, Item, Status string
	Address          map[string]any
}

type fakeReply struct {
	body   string
	status int
	resp   []byte
}

func newBrokenMerchant() *brokenMerchant {
	m := &brokenMerchant{mux: http.NewServeMux(), sessions: map[string]*fakeSession{}, keys: map[string]fakeReply{}}
	m.mux.HandleFunc("GET /.well-known/acp.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		writeFake(w, 200, map[string]any{
			"protocol":     map[string]any{"name": "acp", "version": "2026-04-17", "supported_versions": []string{"2026-04-17"}},
			"api_base_url": "http://" + r.Host, "transports": []string{"rest"},
			"capabilities": map[string]any{"services": []string{"checkout"}},
		})
	})
	m.mux.HandleFunc("POST /checkout_sessions", m.idempotent(200, m.create)) // bug: 200, not 201
	m.mux.HandleFunc("POST /checkout_sessions/{id}", m.idempotent(200, m.update))
	m.mux.HandleFunc("POST /checkout_sessions/{id}/cancel", m.idempotent(200, m.cancel))
	m.mux.HandleFunc("GET /checkout_sessions/{id}", func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		defer m.mu.Unlock()
		s, ok := m.sessions[r.PathValue("id")]
		if !ok {
			fakeError(w, 404, "not_found", "")
			return
		}
		writeFake(w, 200, s.view())
	})
	return m
}

func (m *brokenMerchant) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer good" && r.URL.Path != "/.well-known/acp.json" {
		fakeError(w, 401, "unauthorized", "")
		return
	}
	if v := r.Header.Get("API-Version"); v != "2026-04-17" && r.URL.Path != "/.well-known/acp.json" {
		code := "unsupported_api_version"
		if v == "" {
			code = "missing_api_version"
		}
		writeFake(w, 400, map[string]any{"type": "invalid_request", "code": code, "message": "bad version", "supported_versions": []string{"2026-04-17"}})
		return
	}
	m.mux.ServeHTTP(w, r)
}

// idempotent stores answers by key; a replay lacks Idempotent-Replayed
// (bug).
func (m *brokenMerchant) idempotent(status int, fn func(r *http.Request, body map[string]any) (int, any)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		key := r.Header.Get("Idempotency-Key")
		if key == "" {
			fakeError(w, 400, "idempotency_key_required", "")
			return
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		scope := r.URL.Path + " " + key
		if prev, ok := m.keys[scope]; ok {
			if prev.body != string(raw) {
				fakeError(w, 422, "idempotency_conflict", "")
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(prev.status)
			w.Write(prev.resp)
			return
		}
		var body map[string]any
		if len(raw) > 0 && json.Unmarshal(raw, &body) != nil {
			fakeError(w, 400, "invalid", "$")
			return
		}
		st, v := fn(r, body)
		if st == 0 {
			st = status
		}
		resp, _ := json.Marshal(v)
		if st < 500 {
			m.keys[scope] = fakeReply{string(raw), st, resp}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(st)
		w.Write(resp)
	}
}

func (m *brokenMerchant) create(r *http.Request, body map[string]any) (int, any) {
	items, _ := body["line_items"].([]any)
	if len(items) == 0 {
		return 400, fakeErr("invalid", "$.line_items")
	}
	item, _ := items[0].(map[string]any)
	m.n++
	s := &fakeSession{ID: fmt.Sprintf("cs_fake_%d", m.n), Item: fmt.Sprint(item["id"]), Status: "not_ready_for_payment"}
	m.sessions[s.ID] = s
	return 0, s.view()
}

func (m *brokenMerchant) update(r *http.Request, body map[string]any) (int, any) {
	s, ok := m.sessions[r.PathValue("id")]
	if !ok {
		return 404, fakeErr("not_found", "")
	}
	if fd, ok := body["fulfillment_details"].(map[string]any); ok {
		s.Address, _ = fd["address"].(map[string]any)
		s.Status = "ready_for_payment"
	}
	return 0, s.view()
}

func (m *brokenMerchant) cancel(r *http.Request, _ map[string]any) (int, any) {
	s, ok := m.sessions[r.PathValue("id")]
	if !ok {
		return 404, fakeErr("not_found", "")
	}
	if s.Status == "canceled" || s.Status == "completed" {
		return 405, fakeErr("not_cancelable", "")
	}
	s.Status = "canceled"
	return 0, s.view()
}

func (s *fakeSession) view() map[string]any {
	total := func(typ string, n int) map[string]any {
		return map[string]any{"type": typ, "display_text": typ, "amount": n}
	}
	v := map[string]any{
		"id": s.ID, "status": s.Status, "currency": "usd",
		"capabilities": map[string]any{"payment": map[string]any{"handlers": []any{}}},
		"line_items": []any{map[string]any{"id": "li_1", "item": map[string]any{"id": s.Item}, "quantity": 1,
			"totals": []any{total("items_base_amount", 1000), total("subtotal", 1000), total("tax", 0), total("total", 1000)}}},
		"fulfillment_options": []any{},
		"totals":              []any{total("subtotal", 1000), total("total", 1001)}, // bug: one cent too much
		"messages":            []any{},
		"links":               []any{},
	}
	if s.Address == nil {
		v["messages"] = []any{map[string]any{"type": "error", "code": "missing", "param": "$.fulfillment_details.address", "content_type": "plain", "content": "Address needed."}}
		return v
	}
	v["fulfillment_details"] = map[string]any{"address": s.Address}
	v["fulfillment_options"] = []any{map[string]any{"type": "shipping", "id": "std", "title": "Standard", "totals": []any{total("subtotal", 500), total("tax", 0), total("total", 500)}}}
	v["selected_fulfillment_options"] = []any{map[string]any{"type": "shipping", "option_id": "std", "item_ids": []string{"li_1"}}}
	v["totals"] = []any{total("subtotal", 1000), total("fulfillment", 500), total("total", 1501)} // bug: one cent too much
	return v
}

func fakeErr(code, param string) map[string]any {
	e := map[string]any{"type": "invalid_request", "code": code, "message": code}
	if param != "" {
		e["param"] = param
	}
	return e
}

func fakeError(w http.ResponseWriter, status int, code, param string) {
	writeFake(w, status, fakeErr(code, param))
}

func writeFake(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
