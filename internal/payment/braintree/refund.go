package braintree

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"agentshop/internal/commerce"
)

// Braintree refund error codes (legacyCode) with a message of their own.
const (
	codeRefundUnsettled   = "91506"
	codeRefundedAlready   = "91512"
	codeRefundAmountLarge = "91521"
)

// Refund returns req.Amount of the charge req.ChargeRef (a GraphQL
// transaction id), at most once per req.IdempotencyKey: the key is the
// refund's orderId, and Refund first reads the transaction and answers
// with its refund that has that orderId, if there is one.
//
// A settled (or settling) transaction is refunded with refundTransaction.
// One not yet settled (submitted for settlement, authorized) can only be
// voided, in full: reverseTransaction when req.Amount is the whole
// amount, and a refusal for a partial amount (Braintree refunds only
// settled transactions). A voided transaction asked for its whole amount
// again is the void already made: a success.
//
// A refusal (nil error, Refused set) is Braintree's VALIDATION answer (the
// amount is more than is left, already refunded, not settled), a
// transaction in another status, or an unknown transaction. Network
// errors, timeouts, HTTP statuses other than 200 and errors of other
// classes are errors: the outcome is unknown and the caller retries with
// the same key.
func (p *Provider) Refund(ctx context.Context, req commerce.RefundRequest) (commerce.RefundResult, error) {
	if req.IdempotencyKey == "" {
		return commerce.RefundResult{}, errors.New("braintree: refund: idempotency key required")
	}
	if len(req.IdempotencyKey) > 255 {
		return commerce.RefundResult{}, errors.New("braintree: refund: idempotency key longer than orderId's 255 characters")
	}
	t, err := p.transaction(ctx, req.ChargeRef)
	if err != nil {
		return commerce.RefundResult{}, fmt.Errorf("braintree: refund %s: %w", req.ChargeRef, err)
	}
	if t == nil {
		return refused("Braintree has no such payment."), nil
	}
	for _, r := range t.Refunds {
		if r.OrderID == req.IdempotencyKey {
			return refundResult(r), nil
		}
	}
	amount := formatAmount(req.Amount, req.Currency)
	full := t.Amount.Value == amount
	switch t.Status {
	case "SETTLED", "SETTLING", "SETTLEMENT_PENDING", "SETTLEMENT_CONFIRMED":
		return p.refundSettled(ctx, req, t.ID, amount)
	case "SUBMITTED_FOR_SETTLEMENT", "AUTHORIZED":
		if !full || len(t.Refunds) > 0 {
			return refused("Braintree refunds part of a payment only once it has settled (usually within a day); refund it then, or refund it in full to void it now."), nil
		}
		return p.void(ctx, req, t.ID)
	case "VOIDED":
		if full {
			return commerce.RefundResult{Reference: t.ID}, nil
		}
		return refused("The payment was voided: nothing is left to refund."), nil
	}
	return refused(fmt.Sprintf("Braintree cannot refund a payment whose status is %s.", t.Status)), nil
}

// transaction reads the transaction with GraphQL id id, nil when
// Braintree has none.
func (p *Provider) transaction(ctx context.Context, id string) (*transaction, error) {
	resp, err := p.call(ctx, "read transaction", transactionQuery, map[string]any{"id": id})
	if err != nil {
		return nil, err
	}
	for _, e := range resp.Errors {
		if e.Extensions.ErrorClass == "NOT_FOUND" || e.validation() {
			return nil, nil
		}
	}
	if len(resp.Errors) > 0 {
		return nil, errorsErr("read transaction", resp)
	}
	var data struct {
		Node *transaction `json:"node"`
	}
	if err := json.Unmarshal(resp.Data, &data); err != nil {
		return nil, &unknownError{"read transaction", fmt.Errorf("decode data: %w", err)}
	}
	if data.Node == nil || data.Node.ID == "" {
		return nil, nil
	}
	return data.Node, nil
}

// refundSettled refunds amount of the settled transaction id.
func (p *Provider) refundSettled(ctx context.Context, req commerce.RefundRequest, id, amount string) (commerce.RefundResult, error) {
	resp, err := p.call(ctx, "refund", refundMutation, map[string]any{"input": map[string]any{
		"transactionId": id,
		"refund":        map[string]any{"amount": amount, "orderId": req.IdempotencyKey},
	}})
	if err != nil {
		return commerce.RefundResult{}, err
	}
	if len(resp.Errors) > 0 {
		return p.refundErrors(ctx, "refund", req, resp)
	}
	var data struct {
		RefundTransaction *struct {
			Refund *refund `json:"refund"`
		} `json:"refundTransaction"`
	}
	if err := json.Unmarshal(resp.Data, &data); err != nil || data.RefundTransaction == nil || data.RefundTransaction.Refund == nil {
		return commerce.RefundResult{}, &unknownError{"refund", fmt.Errorf("answer has no refund (%v)", err)}
	}
	return refundResult(*data.RefundTransaction.Refund), nil
}

// void reverses the unsettled transaction id: Braintree voids it, or, if
// it settled meanwhile, refunds it in full.
func (p *Provider) void(ctx context.Context, req commerce.RefundRequest, id string) (commerce.RefundResult, error) {
	resp, err := p.call(ctx, "void", reverseMutation, map[string]any{"input": map[string]any{"transactionId": id}})
	if err != nil {
		return commerce.RefundResult{}, err
	}
	if len(resp.Errors) > 0 {
		return p.refundErrors(ctx, "void", req, resp)
	}
	var data struct {
		ReverseTransaction *struct {
			Reversal *refund `json:"reversal"`
		} `json:"reverseTransaction"`
	}
	if err := json.Unmarshal(resp.Data, &data); err != nil || data.ReverseTransaction == nil || data.ReverseTransaction.Reversal == nil {
		return commerce.RefundResult{}, &unknownError{"void", fmt.Errorf("answer has no reversal (%v)", err)}
	}
	r := *data.ReverseTransaction.Reversal
	if r.Typename == "Transaction" && r.Status == "VOIDED" {
		return commerce.RefundResult{Reference: r.ID}, nil
	}
	return refundResult(r), nil
}

// refundErrors maps a refund's or void's GraphQL errors: VALIDATION is a
// refusal, anything else an unknown outcome.
func (p *Provider) refundErrors(ctx context.Context, op string, req commerce.RefundRequest, resp *gqlResponse) (commerce.RefundResult, error) {
	e := resp.Errors[0]
	if !e.validation() {
		return commerce.RefundResult{}, errorsErr(op, resp)
	}
	p.log.InfoContext(ctx, "braintree refused the refund", "op", op, "idempotency_key", req.IdempotencyKey, "charge", req.ChargeRef,
		"legacy_code", e.Extensions.LegacyCode, "message", e.Message, "braintree_request_id", resp.Extensions.RequestID)
	switch e.Extensions.LegacyCode {
	case codeRefundAmountLarge:
		return refused("The amount is more than what is left to refund on the payment."), nil
	case codeRefundedAlready:
		return refused("The payment has already been refunded."), nil
	case codeRefundUnsettled:
		return refused("The payment has not settled yet; refund it once it has."), nil
	}
	return refused("Braintree refused the refund."), nil
}

// refundResult is the result of a refund Braintree made.
func refundResult(r refund) commerce.RefundResult {
	switch r.Status {
	case "FAILED", "PROCESSOR_DECLINED", "GATEWAY_REJECTED", "SETTLEMENT_DECLINED":
		return refused(fmt.Sprintf("Braintree could not refund the payment (refund %s %s).", r.ID, r.Status))
	}
	return commerce.RefundResult{Reference: r.ID}
}

func refused(msg string) commerce.RefundResult {
	return commerce.RefundResult{Refused: true, Message: msg}
}
