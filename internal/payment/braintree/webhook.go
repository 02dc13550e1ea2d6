package braintree

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Webhook notification kinds agentshop reads (Braintree's
// WebhookNotification kinds; others are parsed too and keep their kind).
const (
	KindCheck                         = "check" // the Control Panel's test notification
	KindTransactionSettled            = "transaction_settled"
	KindTransactionSettlementDeclined = "transaction_settlement_declined"
	KindTransactionDisbursed          = "transaction_disbursed"
	KindRefundFailed                  = "refund_failed"
	KindDisputeOpened                 = "dispute_opened"
	KindDisputeUnderReview            = "dispute_under_review"
	KindDisputeWon                    = "dispute_won"
	KindDisputeLost                   = "dispute_lost"
	KindDisputeAccepted               = "dispute_accepted"
	KindDisputeAutoAccepted           = "dispute_auto_accepted"
	KindDisputeDisputed               = "dispute_disputed"
	KindDisputeExpired                = "dispute_expired"
)

// MaxWebhookPayload bounds a bt_payload [ParseWebhook] accepts, in bytes.
// Braintree's notifications are a few kilobytes.
const MaxWebhookPayload = 1 << 20

// The lengths of a bt_challenge, in hex digits.
const minChallenge, maxChallenge = 20, 32

// ErrInvalidSignature is returned (wrapped) by [ParseWebhook] when
// bt_signature is missing, names no pair for our public key, or does not
// match the payload: the notification must be answered 400 and ignored.
var ErrInvalidSignature = errors.New("braintree: invalid webhook signature")

// ErrInvalidChallenge is returned by [Challenge] for a bt_challenge that is
// not 20 to 32 lower-case hex digits, as Braintree's SDKs require.
var ErrInvalidChallenge = errors.New("braintree: invalid webhook challenge")

// Notification is a verified Braintree webhook notification.
type Notification struct {
	// Kind is Braintree's kind, e.g. "transaction_settled",
	// "dispute_opened" (the Kind* constants).
	Kind string
	// Timestamp is when Braintree created the notification.
	Timestamp time.Time
	// Transaction is the subject's transaction, when it is one (the
	// transaction_* and refund_failed kinds).
	Transaction *Transaction
	// Dispute is the subject's dispute, for the dispute_* kinds.
	Dispute *Dispute
}

// ID is a key that names this notification, for deduplicating
// deliveries: Braintree notifications carry no id of their own, and a
// redelivered notification has the same kind, subject and timestamp.
func (n Notification) ID() string {
	subject := ""
	switch {
	case n.Dispute != nil:
		subject = n.Dispute.ID
	case n.Transaction != nil:
		subject = n.Transaction.ID
	}
	return n.Kind + ":" + subject + ":" + n.Timestamp.UTC().Format(time.RFC3339Nano)
}

// Transaction is a transaction as a notification describes it.
type Transaction struct {
	ID string // Braintree's legacy transaction id (the GraphQL legacyId)
	// Type is "sale" for a charge, "credit" for a refund.
	Type string
	// Status is the legacy status in lower case: "settled",
	// "settlement_declined", "submitted_for_settlement", "voided", …
	Status string
	// OrderID is the orderId the charge was made with: for agentshop's
	// charges, the payment attempt's idempotency key.
	OrderID string
	// Amount is the decimal amount ("10.00") in Currency (ISO 4217, upper
	// case, e.g. "USD"); see [MinorUnits].
	Amount   string
	Currency string
	// RefundIDs are a sale's refunds (credit transactions), oldest first.
	RefundIDs []string
	// RefundedTransactionID is, on a credit, the sale it refunds.
	RefundedTransactionID string
}

// Dispute is a dispute (chargeback) as a notification describes it.
type Dispute struct {
	ID string
	// Status is Braintree's status in lower case: "open", "won", "lost",
	// "accepted", "disputed", "expired", "under_review", ….
	Status string
	// Kind is "chargeback", "retrieval" or "pre_arbitration".
	Kind string
	// Reason is Braintree's reason, e.g. "fraud", "not_received".
	Reason string
	// Amount is the decimal amount disputed, in Currency.
	Amount   string
	Currency string
	// ReplyByDate is the date (YYYY-MM-DD, in UTC) by which evidence is
	// due; empty when none is asked for.
	ReplyByDate string
	// ReceivedDate is when the dispute was opened (YYYY-MM-DD).
	ReceivedDate string
	// TransactionID and OrderID name the disputed charge; TransactionAmount
	// is its amount.
	TransactionID     string
	OrderID           string
	TransactionAmount string
}

// ParseWebhook verifies a webhook's bt_signature against the merchant's
// API keys (publicKey, privateKey) and decodes bt_payload.
//
// bt_signature is a list of "public_key|hex_signature" pairs separated by
// "&"; the pairs naming publicKey are checked, each signature being the
// hex HMAC-SHA1 of the payload keyed with SHA1(privateKey), compared in
// constant time. As Braintree's SDKs do, the payload with a trailing "\n"
// is accepted too (form encoders differ on it). The payload must be
// base64 (A–Z, a–z, 0–9, +, /, =, line feeds), at most
// [MaxWebhookPayload] bytes, and decode to a <notification> document.
//
// ErrInvalidSignature (wrapped) for a missing, foreign or wrong signature;
// another error for a payload that is signed but not a notification.
// Nothing is decoded before the signature is checked.
func ParseWebhook(publicKey, privateKey, btSignature, btPayload string) (Notification, error) {
	if publicKey == "" || privateKey == "" {
		return Notification{}, errors.New("braintree: parse webhook: public and private keys required")
	}
	if btSignature == "" {
		return Notification{}, fmt.Errorf("%w: bt_signature missing", ErrInvalidSignature)
	}
	if btPayload == "" {
		return Notification{}, fmt.Errorf("%w: bt_payload missing", ErrInvalidSignature)
	}
	if len(btPayload) > MaxWebhookPayload {
		return Notification{}, fmt.Errorf("%w: bt_payload longer than %d bytes", ErrInvalidSignature, MaxWebhookPayload)
	}
	if len(strings.TrimRight(btPayload, "\n")) <= maxChallenge {
		// Not a notification, and exactly what [Challenge] signs:
		// refused so that a challenge's answer cannot pass as a
		// signed payload.
		return Notification{}, fmt.Errorf("%w: bt_payload too short to be a notification", ErrInvalidSignature)
	}
	for i := 0; i < len(btPayload); i++ {
		if !payloadByte(btPayload[i]) {
			return Notification{}, fmt.Errorf("%w: bt_payload contains characters outside base64", ErrInvalidSignature)
		}
	}
	if !signatureMatches(publicKey, privateKey, btSignature, btPayload) {
		return Notification{}, fmt.Errorf("%w: no signature for our public key matches the payload", ErrInvalidSignature)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(btPayload, "\n", ""))
	if err != nil {
		return Notification{}, fmt.Errorf("braintree: parse webhook: payload is not base64: %w", err)
	}
	return decodeNotification(raw)
}

// payloadByte reports whether c may appear in a bt_payload.
func payloadByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
		c == '+' || c == '/' || c == '=' || c == '\n'
}

// signatureMatches reports whether a pair of sig for publicKey signs
// payload (or payload + "\n").
func signatureMatches(publicKey, privateKey, sig, payload string) bool {
	want := []string{Sign(privateKey, payload), Sign(privateKey, payload+"\n")}
	ok := false
	for pair := range strings.SplitSeq(sig, "&") {
		key, hexsig, found := strings.Cut(pair, "|")
		if !found || key != publicKey {
			continue
		}
		for _, w := range want {
			if subtle.ConstantTimeCompare([]byte(hexsig), []byte(w)) == 1 {
				ok = true
			}
		}
	}
	return ok
}

// Sign is Braintree's webhook digest of message: the hex HMAC-SHA1 of
// message keyed with SHA1(privateKey). Tests and fakes use it to build
// bt_signature ("public_key|" + Sign(private_key, bt_payload)).
func Sign(privateKey, message string) string {
	key := sha1.Sum([]byte(privateKey))
	mac := hmac.New(sha1.New, key[:])
	mac.Write([]byte(message))
	return hex.EncodeToString(mac.Sum(nil))
}

// Challenge answers the bt_challenge Braintree sends (GET
// /webhooks/braintree?bt_challenge=…) when a webhook URL is added:
// "public_key|" followed by the digest of the challenge ([Sign]). A
// challenge that is not 20 to 32 lower-case hex digits is refused with
// ErrInvalidChallenge: answering any string would make the endpoint sign
// whatever a caller sends, bt_payloads included.
func Challenge(publicKey, privateKey, challenge string) (string, error) {
	if len(challenge) < minChallenge || len(challenge) > maxChallenge {
		return "", ErrInvalidChallenge
	}
	for i := 0; i < len(challenge); i++ {
		if c := challenge[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", ErrInvalidChallenge
		}
	}
	return publicKey + "|" + Sign(privateKey, challenge), nil
}

// The XML shapes of a notification (Braintree's gateway XML: hyphenated
// names, typed by attributes that are ignored here).
type (
	xmlNotification struct {
		XMLName   xml.Name   `xml:"notification"`
		Kind      string     `xml:"kind"`
		Timestamp string     `xml:"timestamp"`
		Subject   xmlSubject `xml:"subject"`
	}
	xmlSubject struct {
		Transaction *xmlTransaction `xml:"transaction"`
		Dispute     *xmlDispute     `xml:"dispute"`
	}
	xmlTransaction struct {
		ID                    string   `xml:"id"`
		Type                  string   `xml:"type"`
		Status                string   `xml:"status"`
		OrderID               string   `xml:"order-id"`
		Amount                string   `xml:"amount"`
		Currency              string   `xml:"currency-iso-code"`
		RefundIDs             []string `xml:"refund-ids>item"`
		RefundedTransactionID string   `xml:"refunded-transaction-id"`
	}
	xmlDispute struct {
		ID             string          `xml:"id"`
		Status         string          `xml:"status"`
		Kind           string          `xml:"kind"`
		Reason         string          `xml:"reason"`
		Amount         string          `xml:"amount"`
		AmountDisputed string          `xml:"amount-disputed"`
		Currency       string          `xml:"currency-iso-code"`
		ReplyByDate    string          `xml:"reply-by-date"`
		ReceivedDate   string          `xml:"received-date"`
		Transaction    *xmlTransaction `xml:"transaction"`
	}
)

// decodeNotification decodes a verified payload's XML.
func decodeNotification(raw []byte) (Notification, error) {
	var x xmlNotification
	dec := xml.NewDecoder(bytes.NewReader(raw))
	dec.Strict = true
	if err := dec.Decode(&x); err != nil {
		return Notification{}, fmt.Errorf("braintree: parse webhook: payload is not a notification: %w", err)
	}
	n := Notification{Kind: strings.TrimSpace(x.Kind)}
	if n.Kind == "" {
		return Notification{}, errors.New("braintree: parse webhook: notification has no kind")
	}
	if ts := strings.TrimSpace(x.Timestamp); ts != "" {
		t, err := time.Parse(time.RFC3339, ts)
		if err != nil {
			return Notification{}, fmt.Errorf("braintree: parse webhook: timestamp %q: %w", ts, err)
		}
		n.Timestamp = t.UTC()
	}
	if t := x.Subject.Transaction; t != nil {
		n.Transaction = t.transaction()
	}
	if d := x.Subject.Dispute; d != nil {
		amount := strings.TrimSpace(d.AmountDisputed)
		if amount == "" {
			amount = strings.TrimSpace(d.Amount)
		}
		n.Dispute = &Dispute{
			ID:           strings.TrimSpace(d.ID),
			Status:       strings.ToLower(strings.TrimSpace(d.Status)),
			Kind:         strings.ToLower(strings.TrimSpace(d.Kind)),
			Reason:       strings.TrimSpace(d.Reason),
			Amount:       amount,
			Currency:     strings.ToUpper(strings.TrimSpace(d.Currency)),
			ReplyByDate:  strings.TrimSpace(d.ReplyByDate),
			ReceivedDate: strings.TrimSpace(d.ReceivedDate),
		}
		if dt := d.Transaction; dt != nil {
			n.Dispute.TransactionID = strings.TrimSpace(dt.ID)
			n.Dispute.OrderID = strings.TrimSpace(dt.OrderID)
			n.Dispute.TransactionAmount = strings.TrimSpace(dt.Amount)
		}
	}
	return n, nil
}

func (t *xmlTransaction) transaction() *Transaction {
	out := &Transaction{
		ID:                    strings.TrimSpace(t.ID),
		Type:                  strings.ToLower(strings.TrimSpace(t.Type)),
		Status:                strings.ToLower(strings.TrimSpace(t.Status)),
		OrderID:               strings.TrimSpace(t.OrderID),
		Amount:                strings.TrimSpace(t.Amount),
		Currency:              strings.ToUpper(strings.TrimSpace(t.Currency)),
		RefundedTransactionID: strings.TrimSpace(t.RefundedTransactionID),
	}
	for _, id := range t.RefundIDs {
		if id = strings.TrimSpace(id); id != "" {
			out.RefundIDs = append(out.RefundIDs, id)
		}
	}
	return out
}
