package apikey

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"agentshop/internal/secretbox"
)

func TestSealSigningSecret(t *testing.T) {
	k, _ := secretbox.GenerateKey()
	box := secretbox.NewBox(k)
	sealed, err := SealSigningSecret(box, "key_1", "whsec_s3cret")
	if err != nil || strings.Contains(sealed, "s3cret") || !secretbox.IsSealed(sealed) {
		t.Fatalf("Seal = %q, %v", sealed, err)
	}
	if got, err := OpenSigningSecret(box, "key_1", sealed); err != nil || got != "whsec_s3cret" {
		t.Errorf("Open = %q, %v", got, err)
	}
	if _, err := OpenSigningSecret(box, "key_2", sealed); !errors.Is(err, secretbox.ErrOpen) {
		t.Errorf("Open as another key: %v, want ErrOpen", err)
	}
	if _, err := SealSigningSecret(nil, "key_1", "whsec_x"); !errors.Is(err, ErrNoMasterKey) {
		t.Errorf("Seal without a box: %v, want ErrNoMasterKey", err)
	}
	if _, err := OpenSigningSecret(nil, "key_1", sealed); !errors.Is(err, ErrNoMasterKey) {
		t.Errorf("Open without a box: %v, want ErrNoMasterKey", err)
	}
	if s, err := SealSigningSecret(nil, "key_1", ""); s != "" || err != nil {
		t.Errorf("no secret: %q, %v", s, err)
	}
	if got, _ := OpenSigningSecret(nil, "key_1", "whsec_legacy"); got != "whsec_legacy" {
		t.Errorf("a value in clear of an older version: %q", got)
	}
}

// TestKeyLogValue: a logged key shows neither its hash nor its secret.
func TestKeyLogValue(t *testing.T) {
	_, k := New("agent", time.Now())
	k.SigningSecret = "whsec_do_not_log"
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("auth", "key", k)
	if out := buf.String(); strings.Contains(out, k.Hash) || strings.Contains(out, "whsec_do_not_log") || !strings.Contains(out, k.ID) {
		t.Errorf("logged key: %s", out)
	}
}
