package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader is the header that carries an order webhook's signature.
const SignatureHeader = "Merchant-Signature"

// DefaultTolerance is how far a signature's timestamp may be from the
// receiver's clock: ACP's recommended 300 seconds.
const DefaultTolerance = 5 * time.Minute

// Sign returns the Merchant-Signature value for body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>".
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Errors of [Verify]. Each means the request must be refused with 401.
var (
	ErrNoSignature       = errors.New("webhook: missing Merchant-Signature header")
	ErrMalformed         = errors.New("webhook: Merchant-Signature must be t=<timestamp>,v1=<64 hex>")
	ErrTimestamp         = errors.New("webhook: signature timestamp outside the allowed window")
	ErrSignatureMismatch = errors.New("webhook: signature verification failed")
)

// Signature is a parsed Merchant-Signature header.
type Signature struct {
	Timestamp int64    // unix seconds
	V1        [][]byte // every v1 value, 32 bytes each
	t         string   // the timestamp as sent, which the HMAC covers
}

// ParseSignature parses a Merchant-Signature value: comma-separated
// key=value pairs with exactly one t (decimal unix seconds) and at least one
// v1 (64 hex digits). Unknown keys are ignored, so that a sender can add
// schemes; several v1 values let it sign with an old and a new secret while
// rotating.
func ParseSignature(header string) (Signature, error) {
	var sig Signature
	if header == "" {
		return sig, ErrNoSignature
	}
	haveT := false
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return Signature{}, ErrMalformed
		}
		switch k {
		case "t":
			if haveT || v == "" || len(v) > 12 || strings.TrimLeft(v, "0123456789") != "" {
				return Signature{}, ErrMalformed
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return Signature{}, ErrMalformed
			}
			sig.Timestamp, sig.t, haveT = n, v, true
		case "v1":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != sha256.Size {
				return Signature{}, ErrMalformed
			}
			sig.V1 = append(sig.V1, b)
		}
	}
	if !haveT || len(sig.V1) == 0 {
		return Signature{}, ErrMalformed
	}
	return sig, nil
}

// Verify checks a Merchant-Signature header against body and secret, as
// an agent's receiver does: the timestamp must be within tolerance of now
// (either way) and one v1 must be the HMAC of "<t>.<body>". The comparison
// is constant-time. A tolerance of 0 means [DefaultTolerance].
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	sig, err := ParseSignature(header)
	if err != nil {
		return err
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	skew := now.Unix() - sig.Timestamp
	if skew < 0 {
		skew = -skew
	}
	if skew > int64(tolerance/time.Second) {
		return fmt.Errorf("%w (%d s off)", ErrTimestamp, skew)
	}
	want := mac(secret, sig.t, body)
	for _, v := range sig.V1 {
		if hmac.Equal(v, want) {
			return nil
		}
	}
	return ErrSignatureMismatch
}
