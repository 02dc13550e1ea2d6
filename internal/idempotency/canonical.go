package idempotency

import (
	"crypto/sha256"
	"encoding/hex"

	"agentshop/internal/canonjson"
)

// Canonical returns body in a canonical JSON form in the spirit of RFC 8785
// (JCS): object keys sorted, no insignificant whitespace, numbers in
// shortest form so that 1.0 and 1 are equal ([canonjson.Canonical]). It is
// used to compare request bodies for idempotency and to sign them; it need
// not interoperate beyond that. An empty body canonicalizes to the empty
// string.
func Canonical(body []byte) ([]byte, error) { return canonjson.Canonical(body) }

// Fingerprint is the hex SHA-256 of a body's canonical form.
func Fingerprint(body []byte) (string, error) {
	c, err := Canonical(body)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(c)
	return hex.EncodeToString(h[:]), nil
}
