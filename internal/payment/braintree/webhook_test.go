package braintree_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"agentshop/internal/payment/braintree"
)

const (
	pub  = "integration_public_key"
	priv = "integration_private_key"
)

// encode64 is Ruby's Base64.encode64, which Braintree's SDKs use to build
// bt_payload: standard base64 with a line feed after every 60 characters
// and at the end.
func encode64(s string) string {
	enc := base64.StdEncoding.EncodeToString([]byte(s))
	var b strings.Builder
	for len(enc) > 60 {
		b.WriteString(enc[:60] + "\n")
		enc = enc[60:]
	}
	b.WriteString(enc + "\n")
	return b.String()
}

// hmacHex is the documented digest, written out independently of
// braintree.Sign: hex(HMAC-SHA1(key = SHA1(private key), message)).
func hmacHex(privateKey, message string) string {
	k := sha1.Sum([]byte(privateKey))
	m := hmac.New(sha1.New, k[:])
	m.Write([]byte(message))
	return hex.EncodeToString(m.Sum(nil))
}

// sample returns bt_signature and bt_payload for xml the way Braintree's
// WebhookTestingGateway builds them.
func sample(xml string) (sig, payload string) {
	payload = encode64(xml)
	return pub + "|" + hmacHex(priv, payload), payload
}

const settledXML = `<notification>
  <timestamp type="datetime">2026-12-07T10:00:00Z</timestamp>
  <kind>transaction_settled</kind>
  <subject>
    <transaction>
      <id>txn123</id>
      <status>settled</status>
      <type>sale</type>
      <currency-iso-code>USD</currency-iso-code>
      <amount>139.00</amount>
      <order-id>agentshop-cs_1-attempt-1</order-id>
      <merchant-account-id>shop_usd</merchant-account-id>
      <refund-ids type="array">
        <item>ref1</item>
        <item>ref2</item>
      </refund-ids>
      <refunded-transaction-id nil="true"/>
    </transaction>
  </subject>
</notification>`

const disputeXML = `<notification>
  <timestamp type="datetime">2026-12-07T11:30:00Z</timestamp>
  <kind>dispute_opened</kind>
  <subject>
    <dispute>
      <type>chargeback</type>
      <amount>250.00</amount>
      <amount-disputed>200.00</amount-disputed>
      <currency-iso-code>USD</currency-iso-code>
      <kind>chargeback</kind>
      <reason>fraud</reason>
      <received-date type="date">2026-12-01</received-date>
      <reply-by-date type="date">2026-12-21</reply-by-date>
      <status>open</status>
      <id>dsp42</id>
      <transaction>
        <id>txn123</id>
        <amount>250.00</amount>
        <order-id>agentshop-cs_1-attempt-1</order-id>
      </transaction>
    </dispute>
  </subject>
</notification>`

func TestParseWebhook(t *testing.T) {
	sig, payload := sample(settledXML)
	n, err := braintree.ParseWebhook(pub, priv, sig, payload)
	if err != nil {
		t.Fatal(err)
	}
	if n.Kind != braintree.KindTransactionSettled || !n.Timestamp.Equal(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("kind, timestamp = %q, %v", n.Kind, n.Timestamp)
	}
	tx := n.Transaction
	if tx == nil || n.Dispute != nil {
		t.Fatalf("transaction, dispute = %+v, %+v", tx, n.Dispute)
	}
	want := braintree.Transaction{ID: "txn123", Type: "sale", Status: "settled", OrderID: "agentshop-cs_1-attempt-1",
		Amount: "139.00", Currency: "USD", RefundIDs: []string{"ref1", "ref2"}}
	if tx.ID != want.ID || tx.Type != want.Type || tx.Status != want.Status || tx.OrderID != want.OrderID ||
		tx.Amount != want.Amount || tx.Currency != want.Currency || strings.Join(tx.RefundIDs, ",") != "ref1,ref2" || tx.RefundedTransactionID != "" {
		t.Errorf("transaction = %+v, want %+v", *tx, want)
	}
	if got := n.ID(); got != "transaction_settled:txn123:2026-12-07T10:00:00Z" {
		t.Errorf("ID = %q", got)
	}

	sig, payload = sample(disputeXML)
	n, err = braintree.ParseWebhook(pub, priv, sig, payload)
	if err != nil {
		t.Fatal(err)
	}
	d := n.Dispute
	if n.Kind != braintree.KindDisputeOpened || d == nil || n.Transaction != nil {
		t.Fatalf("kind %q, dispute %+v, transaction %+v", n.Kind, d, n.Transaction)
	}
	wantD := braintree.Dispute{ID: "dsp42", Status: "open", Kind: "chargeback", Reason: "fraud", Amount: "200.00", Currency: "USD",
		ReplyByDate: "2026-12-21", ReceivedDate: "2026-12-01", TransactionID: "txn123", OrderID: "agentshop-cs_1-attempt-1", TransactionAmount: "250.00"}
	if *d != wantD {
		t.Errorf("dispute = %+v, want %+v", *d, wantD)
	}
	if got := n.ID(); got != "dispute_opened:dsp42:2026-12-07T11:30:00Z" {
		t.Errorf("ID = %q", got)
	}
}

func TestParseWebhookRefusals(t *testing.T) {
	sig, payload := sample(settledXML)
	sigOf := func(p string) string { return pub + "|" + hmacHex(priv, p) }
	altered := strings.Replace(payload, payload[10:14], "AAAA", 1)
	if altered == payload {
		t.Fatal("alteration changed nothing")
	}
	tests := []struct {
		name            string
		sig, payload    string
		wantSigErr      bool // ErrInvalidSignature; else another error
		wantOK          bool
		pubKey, privKey string
	}{
		{name: "valid", sig: sig, payload: payload, wantOK: true},
		{name: "payload without its trailing line feed", sig: sig, payload: strings.TrimSuffix(payload, "\n"), wantOK: true},
		{name: "our pair after another merchant's", sig: "other_key|" + hmacHex("other_private", payload) + "&" + sig, payload: payload, wantOK: true},
		{name: "wrong private key", sig: pub + "|" + hmacHex("not_the_private_key", payload), payload: payload, wantSigErr: true},
		{name: "keys we do not hold", sig: sig, payload: payload, pubKey: pub, privKey: "rotated_private_key", wantSigErr: true},
		{name: "no pair for our public key", sig: "other_key|" + hmacHex(priv, payload), payload: payload, wantSigErr: true},
		{name: "altered payload", sig: sig, payload: altered, wantSigErr: true},
		{name: "missing signature", sig: "", payload: payload, wantSigErr: true},
		{name: "signature without a pair", sig: hmacHex(priv, payload), payload: payload, wantSigErr: true},
		{name: "missing payload", sig: sig, payload: "", wantSigErr: true},
		{name: "upper-case hex", sig: pub + "|" + strings.ToUpper(hmacHex(priv, payload)), payload: payload, wantSigErr: true},
		{name: "characters outside base64", sig: sigOf(payload + "!"), payload: payload + "!", wantSigErr: true},
		{name: "too long", sig: sigOf(strings.Repeat("A", braintree.MaxWebhookPayload+4)), payload: strings.Repeat("A", braintree.MaxWebhookPayload+4), wantSigErr: true},
		// The challenge's answer signs a short hex string: it must not
		// pass as a signed payload.
		{name: "challenge answer as a payload", sig: sigOf("20f9f8ed05f77439fe955c977e4c8a53"), payload: "20f9f8ed05f77439fe955c977e4c8a53", wantSigErr: true},
		{name: "signed but not XML", sig: sigOf(encode64("not a notification at all, just text")), payload: encode64("not a notification at all, just text")},
		{name: "signed but no kind", sig: sigOf(encode64("<notification><subject/></notification>")), payload: encode64("<notification><subject/></notification>")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pk, sk := pub, priv
			if tt.pubKey != "" {
				pk, sk = tt.pubKey, tt.privKey
			}
			n, err := braintree.ParseWebhook(pk, sk, tt.sig, tt.payload)
			switch {
			case tt.wantOK:
				if err != nil || n.Kind != braintree.KindTransactionSettled {
					t.Fatalf("ParseWebhook = %+v, %v; want the notification", n, err)
				}
			case err == nil:
				t.Fatalf("ParseWebhook = %+v, want an error", n)
			case errors.Is(err, braintree.ErrInvalidSignature) != tt.wantSigErr:
				t.Fatalf("ParseWebhook error %v: is ErrInvalidSignature = %v, want %v", err, !tt.wantSigErr, tt.wantSigErr)
			}
		})
	}
}

func TestChallenge(t *testing.T) {
	// The answer Braintree's SDKs' own tests expect for these keys.
	got, err := braintree.Challenge(pub, priv, "20f9f8ed05f77439fe955c977e4c8a53")
	if err != nil || got != "integration_public_key|d9b899556c966b3f06945ec21311865d35df3ce4" {
		t.Errorf("Challenge = %q, %v", got, err)
	}
	for _, bad := range []string{"", "bad challenge", "HELLOWORLD", "20F9F8ED05F77439FE955C977E4C8A53", "20f9f8ed05f7743", strings.Repeat("a", 33),
		encode64(settledXML)} {
		if got, err := braintree.Challenge(pub, priv, bad); !errors.Is(err, braintree.ErrInvalidChallenge) || got != "" {
			t.Errorf("Challenge(%q) = %q, %v; want ErrInvalidChallenge", bad, got, err)
		}
	}
}

func TestMinorUnits(t *testing.T) {
	tests := []struct {
		amount, currency string
		want             int64
		err              bool
	}{
		{"139.00", "USD", 13900, false},
		{"9.5", "usd", 950, false},
		{"100", "USD", 10000, false},
		{"500", "JPY", 500, false},
		{"1.234", "KWD", 1234, false},
		{"12.340", "USD", 1234, false},
		{"12.345", "USD", 0, true},
		{"-1.00", "USD", 0, true},
		{"1e3", "USD", 0, true},
		{".50", "USD", 0, true},
		{"", "USD", 0, true},
		{"1.00", "XYZ", 0, true},
		{"99999999999999999999", "USD", 0, true},
	}
	for _, tt := range tests {
		got, err := braintree.MinorUnits(tt.amount, tt.currency)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("MinorUnits(%q, %q) = %d, %v; want %d, error %v", tt.amount, tt.currency, got, err, tt.want, tt.err)
		}
	}
}
