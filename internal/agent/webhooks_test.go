package agent

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"agentshop/internal/acp/acpschema"
	"agentshop/internal/webhook"
)

func TestWebhookReceiver(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	var schema *acpschema.Validator
	if dir := os.Getenv(acpschema.EnvSpecDir); dir != "" {
		var err error
		if schema, err = acpschema.Load(dir); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	srv := httptest.NewServer(NewWebhookReceiver("s3cret", schema, &out, func() time.Time { return now }))
	defer srv.Close()
	valid := `{"type":"order_create","data":{"type":"order","id":"ord_1","checkout_session_id":"cs_1","permalink_url":"https://shop.example/orders/ord_1","status":"confirmed"}}`
	post := func(body, sig, requestID string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("API-Version", "2026-04-17")
		req.Header.Set("Request-Id", requestID)
		if sig != "" {
			req.Header.Set(webhook.SignatureHeader, sig)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	tests := []struct {
		name, body, sig, requestID string
		status                     int
		answer, printed            string
	}{
		{"signed", valid, webhook.Sign("s3cret", now, []byte(valid)), "evt_1", 200, `"received":true`, "order_create  order ord_1  session cs_1  status confirmed  request evt_1"},
		{"again", valid, webhook.Sign("s3cret", now, []byte(valid)), "evt_1", 200, `"request_id":"evt_1"`, "(duplicate: already received)"},
		{"unsigned", valid, "", "evt_2", 401, "Missing Merchant-Signature header.", "refused  evt_2"},
		{"wrong secret", valid, webhook.Sign("other", now, []byte(valid)), "evt_3", 401, "Webhook signature verification failed.", "refused  evt_3"},
		{"stale", valid, webhook.Sign("s3cret", now.Add(-10*time.Minute), []byte(valid)), "evt_4", 401, "Timestamp outside allowed window.", "refused  evt_4"},
		{"not an event", `{"hello":1}`, webhook.Sign("s3cret", now, []byte(`{"hello":1}`)), "evt_5", 400, "JSON WebhookEvent", "refused  evt_5: not a WebhookEvent"},
	}
	for _, tt := range tests {
		out.Reset()
		status, answer := post(tt.body, tt.sig, tt.requestID)
		if status != tt.status || !strings.Contains(answer, tt.answer) || !strings.Contains(out.String(), tt.printed) {
			t.Errorf("%s: %d %s, printed %q; want %d %q, printed %q", tt.name, status, answer, out.String(), tt.status, tt.answer, tt.printed)
		}
		if tt.name == "signed" && schema != nil && !strings.Contains(out.String(), "schema ok") {
			t.Errorf("a valid body was not reported schema ok: %q", out.String())
		}
	}
}
