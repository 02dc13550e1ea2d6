package acpclient_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"agentshop/internal/acpclient"
	"agentshop/internal/reqsign"
)

// TestSign: the client signs the request as sent, after its options: the
// path relative to BaseURL (a prefix such as /acp is the merchant's
// mount, not part of the ACP path), API-Version, Idempotency-Key, a
// nanosecond Timestamp and the body; and a server checking with reqsign
// accepts it.
func TestSign(t *testing.T) {
	verifier := reqsign.NewVerifier(time.Minute, 0, nil)
	var got reqsign.Message
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		m := reqsign.REST(r.Method, r.URL.EscapedPath()[len("/acp"):], r.Header.Get("API-Version"), r.Header.Get("Idempotency-Key"), r.Header.Get("Timestamp"), body)
		if err := verifier.Verify("s3cret", m, r.Header.Get("Signature")); err != nil {
			http.Error(w, `{"type":"invalid_request","code":"invalid_signature","message":"`+err.Error()+`"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"cs_1","status":"canceled"}`))
	}))
	defer srv.Close()
	c := acpclient.New(srv.URL+"/acp/", "k", acpclient.Version20260417)
	c.Sign = func(m reqsign.Message) string { got = m; return reqsign.Sign("s3cret", m) }
	if _, _, err := c.CancelSession(context.Background(), "cs_1", map[string]any{}, acpclient.WithIdempotencyKey("idem-1"), acpclient.WithHeader("API-Version", "2025-09-29")); err != nil {
		t.Fatal(err)
	}
	if got.Method != "POST" || got.Target != "/checkout_sessions/cs_1/cancel" || got.APIVersion != "2025-09-29" || got.IdempotencyKey != "idem-1" || string(got.Body) != "{}" {
		t.Errorf("signed %+v", got)
	}
	if _, err := time.Parse(time.RFC3339, got.Timestamp); err != nil {
		t.Errorf("timestamp %q: %v", got.Timestamp, err)
	}
	// Two GETs in a row get two signatures: the second is not a replay.
	for range 2 {
		if _, _, err := c.GetSession(context.Background(), "cs_1"); err != nil {
			t.Fatal(err)
		}
	}
}
