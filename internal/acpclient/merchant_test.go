package acpclient

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

func TestSessionMerchantID(t *testing.T) {
	t.Parallel()
	var reads atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reads.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("API-Version") != Version20260417 || r.URL.Path != "/checkout_sessions/cs_1" {
			http.Error(w, `{"type":"invalid_request","code":"bad","message":"want a 2026-04-17 GET of cs_1"}`, http.StatusBadRequest)
			return
		}
		_, _ = w.Write([]byte(`{"id":"cs_1","status":"ready_for_payment","currency":"usd","capabilities":{"payment":{"handlers":[` +
			`{"id":"card","name":"dev.acp.tokenized.card","psp":"sandbox","requires_delegate_payment":true,"config":{"merchant_id":"acct_1"}}]}}}`))
	}))
	t.Cleanup(srv.Close)
	tests := []struct {
		name      string
		version   string
		session   *Session
		want      string
		wantReads int32
	}{
		{name: "Declared", version: Version20250929, session: &Session{ID: "cs_1", PaymentProvider: &PaymentProvider{MerchantID: "acct_0"}}, want: "acct_0"},
		{name: "Via20260417", version: Version20250929, session: &Session{ID: "cs_1"}, want: "acct_1", wantReads: 1},
		{name: "None20260417", version: Version20260417, session: &Session{ID: "cs_1"}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := reads.Load()
			got, resp, err := New(srv.URL, "k", tt.version).SessionMerchantID(t.Context(), tt.session)
			if err != nil || got != tt.want || reads.Load()-before != tt.wantReads || (resp != nil) != (tt.wantReads > 0) {
				t.Errorf("SessionMerchantID = %q, %v, %v after %d reads; want %q after %d", got, resp, err, reads.Load()-before, tt.want, tt.wantReads)
			}
		})
	}
}
