package acp_test

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"agentshop/internal/idempotency"
)

// TestDelegateFingerprintNoCardOracle: what a delegate_payment request
// leaves in the database (its idempotency record, fingerprint and answer
// included, and its vault token) lets no one recover the CVC or the card
// number offline. The fingerprint of the old formula (unkeyed SHA-256 of
// the canonical body) is recomputed for every 3- and 4-digit CVC and for
// the true card: none matches what is stored. The fingerprint still tells
// a retry (same card, any CVC: a replay) from another card (422).
func TestDelegateFingerprintNoCardOracle(t *testing.T) {
	const (
		pan  = "4242424242424242"
		cvc  = "737"
		idem = "delegate-oracle-1"
	)
	b := setup(t)
	s := b.newReadySession(t, v2026)
	id := s.str("id")
	body := func(number, cvc string) map[string]any {
		return map[string]any{
			"payment_method": map[string]any{
				"type": "card", "card_number_type": "fpan", "number": number,
				"exp_month": "11", "exp_year": "2034", "cvc": cvc, "name": "Ada Lovelace",
				"display_card_funding_type": "credit", "display_last4": number[len(number)-4:], "metadata": map[string]any{},
			},
			"allowance": map[string]any{
				"reason": "one_time", "max_amount": s.total(), "currency": "usd",
				"checkout_session_id": id, "merchant_id": merchantID,
				"expires_at": b.clock.Now().Add(15 * time.Minute).UTC().Format(time.RFC3339),
			},
			"risk_signals": []map[string]any{{"type": "card_testing", "score": 1, "action": "authorized"}},
			"metadata":     map[string]any{"cart": "c1"},
		}
	}
	post := func(b2 map[string]any) resp {
		return b.do(t, req{method: "POST", path: "/agentic_commerce/delegate_payment", version: v2026, idem: idem, body: b2})
	}
	first := post(body(pan, cvc)).want(t, http.StatusCreated)

	// What is at rest, read from the file itself.
	db, err := sql.Open("sqlite", b.dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var scope, fp string
	if err := db.QueryRow(`SELECT scope, fingerprint FROM idempotency_keys WHERE key = ?`, idem).Scan(&scope, &fp); err != nil {
		t.Fatalf("idempotency record: %v", err)
	}
	var vault strings.Builder
	rows, err := db.Query(`SELECT id, data FROM vault_tokens`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var vid, data string
		if err := rows.Scan(&vid, &data); err != nil {
			t.Fatal(err)
		}
		vault.WriteString(vid + " " + data + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	// The stored answer, decoded by the store (SQLite may compress it).
	rec, claimed, err := b.store.ClaimIdempotencyKey(t.Context(), &idempotency.Record{
		Scope: scope, Key: idem, Fingerprint: "probe", LockedUntil: b.clock.Now().Add(time.Minute),
		CreatedAt: b.clock.Now(), ExpiresAt: b.clock.Now().Add(time.Hour),
	}, b.clock.Now())
	if err != nil || claimed {
		t.Fatalf("read the stored record: claimed %t, %v", claimed, err)
	}

	// The old formula, for every candidate CVC: no stored value matches.
	candidates := 0
	for _, digits := range []int{3, 4} {
		for n := range pow10(digits) {
			c := fmt.Sprintf("%0*d", digits, n)
			raw, _ := json.Marshal(body(pan, c))
			old, err := idempotency.Fingerprint(raw)
			if err != nil {
				t.Fatal(err)
			}
			candidates++
			if old == fp {
				t.Fatalf("the stored fingerprint is the unkeyed SHA-256 of the body with CVC %s: the CVC is recoverable offline", c)
			}
		}
	}
	t.Logf("%d CVC candidates of the old formula tried; none matches", candidates)

	// Nor does anything stored hold the card or an unkeyed hash of it.
	rawBody, _ := json.Marshal(body(pan, cvc))
	canon, _ := idempotency.Canonical(rawBody)
	secrets := map[string]string{"PAN": pan, "middle digits": pan[6:12], "CVC as JSON": `"` + cvc + `"`, "cvc field": `"cvc"`, "cardholder name": "Ada Lovelace"}
	for what, v := range map[string][]byte{"PAN": []byte(pan), "CVC": []byte(cvc), "body": rawBody, "canonical body": canon} {
		h := sha256.Sum256(v)
		secrets["SHA-256 of the "+what] = hex.EncodeToString(h[:])
	}
	at := map[string]string{"fingerprint": fp, "scope": scope, "answer": string(rec.Body), "vault tokens": vault.String(), "response": string(first.Raw)}
	for where, stored := range at {
		for what, v := range secrets {
			if strings.Contains(stored, v) {
				t.Errorf("the %s holds the %s: %s", where, what, stored)
			}
		}
	}

	// A retry of the same card with another CVC is a replay (the CVC is
	// not fingerprinted at all); another card under the key is a conflict.
	again := post(body(pan, "1234")).want(t, http.StatusCreated)
	if again.Header.Get("Idempotent-Replayed") != "true" || again.str("id") != first.str("id") {
		t.Errorf("same card, other CVC: %s (replayed %q), want a replay of %s", again.Raw, again.Header.Get("Idempotent-Replayed"), first.str("id"))
	}
	post(body("4000056655665556", cvc)).want(t, http.StatusUnprocessableEntity)
}

func pow10(n int) int {
	p := 1
	for range n {
		p *= 10
	}
	return p
}
