package webhook_test

import (
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"

	"agentshop/internal/webhook"
	"agentshop/internal/webhook/webhooktest"
)

func TestSignMatchesSpec(t *testing.T) {
	at := time.Unix(1709123456, 0)
	body := []byte(`{"type":"order_create","data":{"type":"order"}}`)
	got := webhook.Sign("whsec_test", at, body)
	want := "t=1709123456,v1=" + webhooktest.Sign("whsec_test", "1709123456", body)
	if got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
}

func TestVerify(t *testing.T) {
	now := time.Unix(1709123456, 0)
	body := []byte(`{"type":"order_update"}`)
	good := webhook.Sign("s3cret", now, body)
	mac := webhooktest.Sign("s3cret", "1709123456", body)
	tests := []struct {
		name   string
		secret string
		header string
		body   string
		now    time.Time
		want   error
	}{
		{name: "valid", secret: "s3cret", header: good, body: string(body), now: now},
		{name: "valid at the edge of the window", secret: "s3cret", header: good, body: string(body), now: now.Add(5 * time.Minute)},
		{name: "valid with spaces and an unknown scheme", secret: "s3cret", header: "t=1709123456, v0=abc, v1=" + mac, body: string(body), now: now},
		{name: "one of several v1 (secret rotation)", secret: "s3cret", header: "t=1709123456,v1=" + strings.Repeat("0", 64) + ",v1=" + mac, body: string(body), now: now},
		{name: "timestamp with leading zeros is what was signed", secret: "s3cret",
			header: "t=01709123456,v1=" + webhooktest.Sign("s3cret", "01709123456", body), body: string(body), now: now},
		{name: "missing", secret: "s3cret", header: "", body: string(body), now: now, want: webhook.ErrNoSignature},
		{name: "no v1", secret: "s3cret", header: "t=1709123456", body: string(body), now: now, want: webhook.ErrMalformed},
		{name: "no t", secret: "s3cret", header: "v1=" + mac, body: string(body), now: now, want: webhook.ErrMalformed},
		{name: "two t", secret: "s3cret", header: "t=1,t=1709123456,v1=" + mac, body: string(body), now: now, want: webhook.ErrMalformed},
		{name: "short v1", secret: "s3cret", header: "t=1709123456,v1=abcd", body: string(body), now: now, want: webhook.ErrMalformed},
		{name: "non-hex v1", secret: "s3cret", header: "t=1709123456,v1=" + strings.Repeat("z", 64), body: string(body), now: now, want: webhook.ErrMalformed},
		{name: "negative t", secret: "s3cret", header: "t=-5,v1=" + mac, body: string(body), now: now, want: webhook.ErrMalformed},
		{name: "part without =", secret: "s3cret", header: "t=1709123456,v1", body: string(body), now: now, want: webhook.ErrMalformed},
		{name: "too old", secret: "s3cret", header: good, body: string(body), now: now.Add(5*time.Minute + time.Second), want: webhook.ErrTimestamp},
		{name: "from the future", secret: "s3cret", header: good, body: string(body), now: now.Add(-6 * time.Minute), want: webhook.ErrTimestamp},
		{name: "tampered body", secret: "s3cret", header: good, body: `{"type":"order_create"}`, now: now, want: webhook.ErrSignatureMismatch},
		{name: "wrong secret", secret: "other", header: good, body: string(body), now: now, want: webhook.ErrSignatureMismatch},
		{name: "timestamp changed", secret: "s3cret", header: "t=1709123457,v1=" + mac, body: string(body), now: now, want: webhook.ErrSignatureMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := webhook.Verify(tt.secret, tt.header, []byte(tt.body), tt.now, 0)
			if tt.want == nil && err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

// FuzzParseSignature checks that any header either parses into a
// signature that Verify can use or is refused with ErrMalformed or
// ErrNoSignature, never a panic, and that what Sign makes always parses
// and verifies.
func FuzzParseSignature(f *testing.F) {
	f.Add("t=1709123456,v1=" + strings.Repeat("ab", 32))
	f.Add("t=1,v1=00,v1=" + strings.Repeat("0", 64))
	f.Add("")
	f.Add(",,=,t=")
	f.Add("t=99999999999999999999,v1=" + strings.Repeat("f", 64))
	f.Fuzz(func(t *testing.T, header string) {
		sig, err := webhook.ParseSignature(header)
		if err != nil {
			if !errors.Is(err, webhook.ErrMalformed) && !errors.Is(err, webhook.ErrNoSignature) {
				t.Fatalf("ParseSignature(%q) = %v", header, err)
			}
			return
		}
		if len(sig.V1) == 0 || sig.Timestamp < 0 {
			t.Fatalf("ParseSignature(%q) = %+v without error", header, sig)
		}
		for _, v := range sig.V1 {
			if len(v) != sha256.Size {
				t.Fatalf("v1 of %d bytes accepted", len(v))
			}
		}
		body := []byte(header)
		at := time.Unix(sig.Timestamp%(1<<33), 0)
		if err := webhook.Verify("k", webhook.Sign("k", at, body), body, at, 0); err != nil {
			t.Fatalf("own signature refused: %v", err)
		}
	})
}
