// Package braintreetest is a fake Braintree GraphQL API for tests: a
// hand-written model of the parts of Braintree's documented behaviour that
// the braintree payment provider relies on (see [Server]). Braintree
// itself cannot be reached from tests, and it has no mock server.
package braintreetest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"agentshop/internal/commerce"
)

// Credentials the fake accepts, and its merchant.
const (
	MerchantID = "fake_merchant"
	PublicKey  = "fake_public_key"
	PrivateKey = "fake_private_key"
	// Version is the Braintree-Version the fake requires.
	Version = "2019-01-01"
)

// Merchant accounts the fake has, with their currencies.
const (
	AccountUSD = "fake_usd"
	AccountEUR = "fake_eur"
)

// Server is a hand-written stand-in for Braintree's GraphQL API
// (POST /graphql), modelled on Braintree's GraphQL reference and guides and
// on PayPal's "Agent Ready" ACP guide, not on any SDK:
//
//   - HTTP Basic authentication with the public and private key (HTTP 401
//     with an AUTHENTICATION error otherwise) and a Braintree-Version
//     header; answers are HTTP 200 with {data, errors, extensions:
//     {requestId}}, errors carrying extensions {errorClass, errorType,
//     legacyCode, inputPath};
//   - chargePaymentMethod with single-use nonces it issues ([Server.Nonce]):
//     a nonce is bound to the merchant, may carry a maximum amount and a
//     currency (the ACP allowance) and expire; the checks answer, as the
//     Agent Ready guide documents, 91565 (unknown, expired or another
//     merchant's), 915266 (amount above the maximum) and 915267 (currency
//     other than the merchant account's); a used nonce answers 91564;
//   - the sandbox's documented test amounts: 2000.00–2999.99 is a
//     processor decline with that response code, 3000.00–3000.99 a
//     failure (3000); a nonce may also carry a processor decline code or a
//     gateway rejection reason (FRAUD, CVV, AVS, …);
//   - every transaction, declined ones included, is kept with its orderId
//     and found by search.transactions(input: {orderId: {is}}); node(id)
//     reads one with its refunds;
//   - settlement advances only when a test says so ([Server.Settle]);
//     refundTransaction refunds settled or settling transactions up to
//     what is left (91506 before settlement, 91521 above what is left),
//     reverseTransaction voids one submitted for settlement, or refunds a
//     settled one in full;
//   - transactions made with a nonce issued for a facilitator carry
//     facilitatorDetails.oauthApplication {name, clientId}.
//
// Braintree's documents do not show a processor decline's GraphQL answer
// in full. The fake answers a decline with the declined transaction in
// data (status PROCESSOR_DECLINED, FAILED or GATEWAY_REJECTED, with its
// statusHistory event) and a VALIDATION error whose legacyCode is the
// processor response code; [Server.DeclinesAsErrorsOnly] drops the data,
// so that both shapes are tested. It answers with every field it models,
// whatever the query selects, and recognises operations by the field
// they call.
//
// Hooks make the ambiguous outcomes a client must survive:
// [Server.CutNextCharge] charges and then closes the connection without an
// answer; [Server.FailNextCharge] charges and answers a 5xx;
// [Server.FailNextRequest] answers a 5xx without doing anything.
type Server struct {
	t   testing.TB
	srv *httptest.Server

	mu           sync.Mutex
	seq          int
	nonces       map[string]*nonce
	txns         map[string]*txn // by GraphQL id
	order        []*txn          // sales, oldest first
	cutCharges   int
	cutRefunds   int
	failCharges  []int
	failRequests []int
	errorsOnly   bool
	requests     map[string]int // by operation
}

// Facilitator is the platform a nonce is issued for.
type Facilitator struct {
	Name     string
	ClientID string
}

// ChatGPT is the facilitator of the nonces OpenAI has Braintree issue.
func ChatGPT() *Facilitator {
	return &Facilitator{Name: "ChatGPT", ClientID: "fake_openai_client_id"}
}

// Nonce describes a single-use nonce to issue.
type Nonce struct {
	// MaxAmount is the allowance's maximum, a decimal string ("139.00");
	// empty for none.
	MaxAmount string
	// Currency is the allowance's ISO 4217 currency ("USD"); empty for any.
	Currency string
	// MerchantID is the merchant the nonce is bound to; empty: the fake's.
	MerchantID string
	// Expired makes the nonce expired (91565).
	Expired bool
	// Decline is a processor response code (2000–3000) to decline with.
	Decline int
	// Reject is a gateway rejection reason (FRAUD, CVV, AVS, …).
	Reject string
	// Facilitator is who the nonce was issued for; nil for none.
	Facilitator *Facilitator
}

type nonce struct {
	Nonce
	used bool
}

// Transaction is the fake's record of a transaction.
type Transaction struct {
	ID, LegacyID string
	OrderID      string
	Amount       string
	Currency     string
	Account      string
	Status       string
	Refunds      []Refund
}

// Refund is the fake's record of a refund.
type Refund struct {
	ID, OrderID, Amount, Status string
}

type txn struct {
	Transaction
	nonce          *nonce
	processorCode  int
	processorText  string
	rejectedReason string
}

// New starts a fake with the [MerchantID], keys and merchant accounts
// above; it is closed when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	f := &Server{t: t, nonces: map[string]*nonce{}, txns: map[string]*txn{}, requests: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// URL is the fake's GraphQL endpoint, for the provider's BaseURL.
func (f *Server) URL() string { return f.srv.URL + "/graphql" }

// Accounts are the fake's merchant accounts by currency, for the
// provider's configuration.
func Accounts() map[commerce.Currency]string {
	return map[commerce.Currency]string{"usd": AccountUSD, "eur": AccountEUR}
}

var accountCurrency = map[string]string{AccountUSD: "USD", AccountEUR: "EUR"}

// Nonce issues a single-use nonce ("tokencc_fake_…").
func (f *Server) Nonce(n Nonce) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	id := fmt.Sprintf("tokencc_fake_%d", f.seq)
	f.nonces[id] = &nonce{Nonce: n}
	return id
}

// CutNextCharge makes the next charge that creates a transaction close
// the connection once the transaction exists, without answering.
func (f *Server) CutNextCharge() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cutCharges++
}

// CutNextRefund makes the next refund or void that Braintree makes close
// the connection once it is made, without answering.
func (f *Server) CutNextRefund() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cutRefunds++
}

// FailNextCharge makes the next charge that creates a transaction answer
// HTTP status (a 5xx) once the transaction exists.
func (f *Server) FailNextCharge(status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failCharges = append(f.failCharges, status)
}

// FailNextRequest makes the next request answer HTTP status without doing
// anything.
func (f *Server) FailNextRequest(status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failRequests = append(f.failRequests, status)
}

// DeclinesAsErrorsOnly makes declines answer errors without the declined
// transaction in data.
func (f *Server) DeclinesAsErrorsOnly() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errorsOnly = true
}

// Sales returns the sale transactions, oldest first, declined ones
// included.
func (f *Server) Sales() []Transaction {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Transaction, 0, len(f.order))
	for _, t := range f.order {
		c := t.Transaction
		c.Refunds = append([]Refund(nil), t.Refunds...)
		out = append(out, c)
	}
	return out
}

// Charged counts the sales that moved money (not declined or voided).
func (f *Server) Charged() int {
	n := 0
	for _, t := range f.Sales() {
		switch t.Status {
		case "SUBMITTED_FOR_SETTLEMENT", "SETTLING", "SETTLED":
			n++
		}
	}
	return n
}

// Requests returns how many requests of an operation ("charge",
// "search", "node", "refund", "reverse") the fake answered.
func (f *Server) Requests(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[op]
}

// Settle moves the transaction id (a GraphQL id) to status, e.g.
// "SETTLING" or "SETTLED".
func (f *Server) Settle(id, status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.txns[id]
	if !ok {
		f.t.Fatalf("braintreetest: settle: no transaction %s", id)
	}
	t.Status = status
}

// globalID is a GraphQL id: base64 of "<type>_<legacy id>".
func globalID(kind, legacy string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + "_" + legacy))
}

type gqlRequest struct {
	Query     string         `json:"query"`
	Variables map[string]any `json:"variables"`
}

func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/graphql" {
		http.NotFound(w, r)
		return
	}
	if u, p, ok := r.BasicAuth(); !ok || u != PublicKey || p != PrivateKey {
		writeJSON(w, http.StatusUnauthorized, answer(nil, gqlErr("AUTHENTICATION", "", "Authentication credentials are invalid.")))
		return
	}
	if got := r.Header.Get("Braintree-Version"); got != Version {
		f.t.Errorf("braintreetest: Braintree-Version = %q, want %q", got, Version)
	}
	var req gqlRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, answer(nil, gqlErr("VALIDATION", "", "Invalid JSON.")))
		return
	}
	f.mu.Lock()
	if len(f.failRequests) > 0 {
		status := f.failRequests[0]
		f.failRequests = f.failRequests[1:]
		f.mu.Unlock()
		writeJSON(w, status, answer(nil, gqlErr("INTERNAL", "", "An internal error occurred.")))
		return
	}
	var (
		status = http.StatusOK
		body   map[string]any
		cut    bool
	)
	q := req.Query
	switch {
	case strings.Contains(q, "chargePaymentMethod("):
		f.requests["charge"]++
		var created bool
		body, created = f.charge(req.Variables)
		if created && f.cutCharges > 0 {
			f.cutCharges--
			cut = true
		} else if created && len(f.failCharges) > 0 {
			status = f.failCharges[0]
			f.failCharges = f.failCharges[1:]
			body = answer(nil, gqlErr("INTERNAL", "", "An internal error occurred."))
		}
	case strings.Contains(q, "refundTransaction("), strings.Contains(q, "reverseTransaction("):
		if strings.Contains(q, "refundTransaction(") {
			f.requests["refund"]++
			body = f.refund(req.Variables)
		} else {
			f.requests["reverse"]++
			body = f.reverse(req.Variables)
		}
		if _, failed := body["errors"]; !failed && f.cutRefunds > 0 {
			f.cutRefunds--
			cut = true
		}
	case strings.Contains(q, "search"):
		f.requests["search"]++
		body = f.search(req.Variables)
	case strings.Contains(q, "node("):
		f.requests["node"]++
		body = f.node(req.Variables)
	default:
		body = answer(nil, gqlErr("VALIDATION", "", "Unknown operation."))
	}
	f.mu.Unlock()
	if cut {
		hj, ok := w.(http.Hijacker)
		if !ok {
			f.t.Error("braintreetest: cannot hijack the connection")
			return
		}
		conn, _, err := hj.Hijack()
		if err != nil {
			f.t.Errorf("braintreetest: hijack: %v", err)
			return
		}
		conn.Close()
		return
	}
	writeJSON(w, status, body)
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

func obj(m map[string]any, key string) map[string]any {
	o, _ := m[key].(map[string]any)
	return o
}

// decimal parses a decimal amount, nil when it is not one.
func decimal(s string) *big.Rat {
	if s == "" || strings.ContainsAny(s, "eE/-+") {
		return nil
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil
	}
	return r
}

// charge is chargePaymentMethod. created reports whether a transaction
// was made (the hooks that cut or fail the answer apply then).
func (f *Server) charge(vars map[string]any) (body map[string]any, created bool) {
	in := obj(vars, "input")
	tx := obj(in, "transaction")
	id, amount, account, orderID := str(in, "paymentMethodId"), str(tx, "amount"), str(tx, "merchantAccountId"), str(tx, "orderId")
	n, ok := f.nonces[id]
	switch {
	case !ok:
		return answer(map[string]any{"chargePaymentMethod": nil}, validation("91565", "Unknown or expired single-use payment method.", "input", "paymentMethodId")), false
	case n.used:
		return answer(map[string]any{"chargePaymentMethod": nil}, validation("91564", "Cannot use a single-use payment method more than once.", "input", "paymentMethodId")), false
	case n.Expired || (n.MerchantID != "" && n.MerchantID != MerchantID):
		return answer(map[string]any{"chargePaymentMethod": nil}, validation("91565", "Unknown or expired single-use payment method.", "input", "paymentMethodId")), false
	}
	cur, ok := accountCurrency[account]
	if !ok {
		return answer(map[string]any{"chargePaymentMethod": nil}, validation("91577", "Merchant account ID is invalid.", "input", "transaction", "merchantAccountId")), false
	}
	amt := decimal(amount)
	if amt == nil || amt.Sign() <= 0 {
		return answer(map[string]any{"chargePaymentMethod": nil}, validation("81503", "Amount is an invalid format.", "input", "transaction", "amount")), false
	}
	if n.MaxAmount != "" && amt.Cmp(decimal(n.MaxAmount)) > 0 {
		return answer(map[string]any{"chargePaymentMethod": nil}, validation("915266", "Transaction amount exceeds the payment method maximum amount.", "input", "transaction", "amount")), false
	}
	if n.Currency != "" && !strings.EqualFold(n.Currency, cur) {
		return answer(map[string]any{"chargePaymentMethod": nil}, validation("915267", "Transaction currency does not match the payment method currency.", "input", "transaction", "merchantAccountId")), false
	}
	if len(orderID) > 255 {
		return answer(map[string]any{"chargePaymentMethod": nil}, validation("81743", "Order ID is too long.", "input", "transaction", "orderId")), false
	}
	f.seq++
	legacy := fmt.Sprintf("fake%d", f.seq)
	t := &txn{Transaction: Transaction{ID: globalID("transaction", legacy), LegacyID: legacy, OrderID: orderID, Amount: amount,
		Currency: cur, Account: account, Status: "SUBMITTED_FOR_SETTLEMENT"}, nonce: n}
	whole, _ := new(big.Float).SetRat(amt).Int64()
	switch {
	case n.Decline != 0:
		t.Status, t.processorCode = "PROCESSOR_DECLINED", n.Decline
	case n.Reject != "":
		t.Status, t.rejectedReason = "GATEWAY_REJECTED", n.Reject
	case whole >= 2000 && whole <= 2999:
		t.Status, t.processorCode = "PROCESSOR_DECLINED", int(whole)
	case whole == 3000:
		t.Status, t.processorCode = "FAILED", 3000
	}
	if t.processorCode != 0 {
		t.processorText = processorText(t.processorCode)
	}
	n.used = true
	f.txns[t.ID] = t
	f.order = append(f.order, t)
	if t.Status == "SUBMITTED_FOR_SETTLEMENT" {
		return answer(map[string]any{"chargePaymentMethod": map[string]any{"transaction": t.object()}}), true
	}
	var e map[string]any
	if t.rejectedReason != "" {
		e = validation("", "Transaction was rejected by the gateway: "+strings.ToLower(t.rejectedReason)+".", "input")
	} else {
		e = validation(strconv.Itoa(t.processorCode), t.processorText, "input")
	}
	data := map[string]any{"chargePaymentMethod": map[string]any{"transaction": t.object()}}
	if f.errorsOnly {
		data = map[string]any{"chargePaymentMethod": nil}
	}
	return answer(data, e), true
}

// processorText is the sandbox's response text of a processor code.
func processorText(code int) string {
	switch code {
	case 2000:
		return "Do Not Honor"
	case 2001:
		return "Insufficient Funds"
	case 2004:
		return "Expired Card"
	case 2010:
		return "Card Issuer Declined CVV"
	case 3000:
		return "Processor Network Unavailable - Try Again"
	}
	return "Processor Declined"
}

// object is a transaction as the GraphQL API shows it.
func (t *txn) object() map[string]any {
	o := map[string]any{
		"id": t.ID, "legacyId": t.LegacyID, "orderId": t.OrderID, "status": t.Status,
		"merchantAccountId": t.Account,
		"amount":            map[string]any{"value": t.Amount, "currencyCode": t.Currency},
	}
	if fc := t.nonce.Facilitator; fc != nil {
		o["facilitatorDetails"] = map[string]any{"oauthApplication": map[string]any{"name": fc.Name, "clientId": fc.ClientID}}
	} else {
		o["facilitatorDetails"] = nil
	}
	history := []any{}
	switch t.Status {
	case "PROCESSOR_DECLINED", "FAILED":
		typ := "ProcessorDeclinedEvent"
		if t.Status == "FAILED" {
			typ = "FailedEvent"
		}
		history = append(history, map[string]any{"__typename": typ, "status": t.Status,
			"processorResponse": map[string]any{"legacyCode": strconv.Itoa(t.processorCode), "message": t.processorText}})
	case "GATEWAY_REJECTED":
		history = append(history, map[string]any{"__typename": "GatewayRejectedEvent", "status": t.Status, "gatewayRejectionReason": t.rejectedReason})
	}
	o["statusHistory"] = history
	refunds := []any{}
	for _, r := range t.Refunds {
		refunds = append(refunds, refundObject(r, t.Currency))
	}
	o["refunds"] = refunds
	return o
}

func refundObject(r Refund, currency string) map[string]any {
	return map[string]any{"__typename": "Refund", "id": r.ID, "orderId": r.OrderID, "status": r.Status,
		"amount": map[string]any{"value": r.Amount, "currencyCode": currency}}
}

func (f *Server) search(vars map[string]any) map[string]any {
	orderID := str(vars, "orderId")
	edges := []any{}
	for _, t := range f.order {
		if t.OrderID == orderID {
			edges = append(edges, map[string]any{"node": t.object()})
		}
	}
	return answer(map[string]any{"search": map[string]any{"transactions": map[string]any{"edges": edges}}})
}

func (f *Server) node(vars map[string]any) map[string]any {
	t, ok := f.txns[str(vars, "id")]
	if !ok {
		return answer(map[string]any{"node": nil}, gqlErr("NOT_FOUND", "", "An object with this ID was not found."))
	}
	return answer(map[string]any{"node": t.object()})
}

// refunded is what has been refunded of t.
func (t *txn) refunded() *big.Rat {
	sum := new(big.Rat)
	for _, r := range t.Refunds {
		sum.Add(sum, decimal(r.Amount))
	}
	return sum
}

// addRefund records a refund of amount on t.
func (f *Server) addRefund(t *txn, amount, orderID string) Refund {
	f.seq++
	r := Refund{ID: globalID("transaction", fmt.Sprintf("fakerefund%d", f.seq)), OrderID: orderID, Amount: amount, Status: "SUBMITTED_FOR_SETTLEMENT"}
	t.Refunds = append(t.Refunds, r)
	return r
}

func (f *Server) refund(vars map[string]any) map[string]any {
	in := obj(vars, "input")
	rin := obj(in, "refund")
	t, ok := f.txns[str(in, "transactionId")]
	if !ok {
		return answer(map[string]any{"refundTransaction": nil}, gqlErr("NOT_FOUND", "", "An object with this ID was not found."))
	}
	switch t.Status {
	case "SETTLED", "SETTLING":
	default:
		return answer(map[string]any{"refundTransaction": nil}, validation("91506", "Cannot refund a transaction unless it is settled.", "input", "transactionId"))
	}
	total := decimal(t.Amount)
	left := new(big.Rat).Sub(total, t.refunded())
	if left.Sign() <= 0 {
		return answer(map[string]any{"refundTransaction": nil}, validation("91512", "Transaction has already been completely refunded.", "input", "transactionId"))
	}
	amount := str(rin, "amount")
	if amount == "" {
		amount = left.FloatString(2)
	}
	amt := decimal(amount)
	if amt == nil || amt.Sign() <= 0 {
		return answer(map[string]any{"refundTransaction": nil}, validation("81503", "Amount is an invalid format.", "input", "refund", "amount"))
	}
	if amt.Cmp(left) > 0 {
		return answer(map[string]any{"refundTransaction": nil}, validation("91521", "Refund amount is too large.", "input", "refund", "amount"))
	}
	r := f.addRefund(t, amount, str(rin, "orderId"))
	return answer(map[string]any{"refundTransaction": map[string]any{"refund": refundObject(r, t.Currency)}})
}

func (f *Server) reverse(vars map[string]any) map[string]any {
	in := obj(vars, "input")
	t, ok := f.txns[str(in, "transactionId")]
	if !ok {
		return answer(map[string]any{"reverseTransaction": nil}, gqlErr("NOT_FOUND", "", "An object with this ID was not found."))
	}
	switch t.Status {
	case "SUBMITTED_FOR_SETTLEMENT", "AUTHORIZED":
		t.Status = "VOIDED"
		o := t.object()
		o["__typename"] = "Transaction"
		return answer(map[string]any{"reverseTransaction": map[string]any{"reversal": o}})
	case "SETTLED", "SETTLING":
		if len(t.Refunds) > 0 {
			return answer(map[string]any{"reverseTransaction": nil}, validation("91573", "Cannot reverse a transaction that has been partially refunded.", "input", "transactionId"))
		}
		r := f.addRefund(t, t.Amount, "")
		return answer(map[string]any{"reverseTransaction": map[string]any{"reversal": refundObject(r, t.Currency)}})
	}
	return answer(map[string]any{"reverseTransaction": nil}, validation("91504", "Transaction can only be voided if status is authorized or submitted_for_settlement.", "input", "transactionId"))
}

func answer(data map[string]any, errs ...map[string]any) map[string]any {
	out := map[string]any{"extensions": map[string]any{"requestId": "fake-request-id"}}
	if data != nil {
		out["data"] = data
	}
	if len(errs) > 0 {
		out["errors"] = errs
	}
	return out
}

func gqlErr(class, code, msg string) map[string]any {
	ext := map[string]any{"errorClass": class}
	if code != "" {
		ext["legacyCode"] = code
	}
	return map[string]any{"message": msg, "extensions": ext}
}

func validation(code, msg string, inputPath ...string) map[string]any {
	e := gqlErr("VALIDATION", code, msg)
	ext := e["extensions"].(map[string]any)
	ext["errorType"] = "user_error"
	ext["inputPath"] = inputPath
	e["path"] = []string{"mutation"}
	return e
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
