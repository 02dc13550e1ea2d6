package braintree

import (
	"fmt"
	"strings"
	"time"

	"agentshop/internal/commerce"
)

// ProviderName is the [commerce.PaymentEvent] Provider of Braintree's
// notifications: the name Braintree's payment attempts record.
const ProviderName = "braintree"

// disputeStatuses maps the dispute_* kinds onto dispute statuses: an
// accepted (or auto-accepted) dispute is lost, as is one that expired
// without the merchant's response.
var disputeStatuses = map[string]commerce.DisputeStatus{
	KindDisputeOpened:       commerce.DisputeNeedsResponse,
	KindDisputeUnderReview:  commerce.DisputeUnderReview,
	KindDisputeDisputed:     commerce.DisputeUnderReview,
	KindDisputeWon:          commerce.DisputeWon,
	KindDisputeLost:         commerce.DisputeLost,
	KindDisputeAccepted:     commerce.DisputeLost,
	KindDisputeAutoAccepted: commerce.DisputeLost,
	KindDisputeExpired:      commerce.DisputeLost,
}

// Events turns a verified notification into the payment events it
// carries, with Provider "braintree" and the notification's [Notification.ID]:
//
//   - transaction_settled of a sale: the charge succeeded (it settles an
//     attempt still pending, named by its orderId, agentshop's attempt
//     key); of a credit: a refund of the sale it refunds, succeeded;
//   - transaction_settlement_declined of a sale: the charge declined;
//   - refund_failed: the refund failed;
//   - dispute_opened, _under_review, _disputed, _won, _lost, _accepted,
//     _auto_accepted, _expired: the dispute, its status from the kind,
//     its evidence due by the start of its reply-by date (UTC), a
//     retrieval request as an inquiry.
//
// known is false for other kinds (check, transaction_disbursed, …), which
// are answered and ignored. An error is a notification of a known kind
// this package cannot read (an amount that is not one).
func Events(n Notification) (events []commerce.PaymentEvent, known bool, err error) {
	base := commerce.PaymentEvent{Provider: ProviderName, ID: n.ID(), Type: n.Kind, OccurredAt: n.Timestamp}
	switch tx := n.Transaction; {
	case n.Kind == KindTransactionSettled && tx != nil && tx.Type == "credit":
		e, err := refundEvent(base, tx, commerce.RefundSucceeded)
		return []commerce.PaymentEvent{e}, true, err
	case n.Kind == KindRefundFailed && tx != nil:
		e, err := refundEvent(base, tx, commerce.RefundFailed)
		return []commerce.PaymentEvent{e}, true, err
	case (n.Kind == KindTransactionSettled || n.Kind == KindTransactionSettlementDeclined) && tx != nil:
		e := base
		e.PaymentRef, e.AttemptKey = tx.ID, tx.OrderID
		res := commerce.ChargeResult{Outcome: commerce.ChargeSucceeded, Reference: tx.ID}
		if n.Kind == KindTransactionSettlementDeclined {
			res = commerce.ChargeResult{Outcome: commerce.ChargeDeclined, DeclineCode: "settlement_declined",
				Message: "The payment was declined when it settled."}
		}
		e.Charge = &commerce.ChargeEvent{Result: res}
		return []commerce.PaymentEvent{e}, true, nil
	}
	st, ok := disputeStatuses[n.Kind]
	if !ok || n.Dispute == nil {
		return nil, false, nil
	}
	d := n.Dispute
	amount, err := MinorUnits(d.Amount, d.Currency)
	if err != nil {
		return nil, true, fmt.Errorf("braintree: dispute %s: %w", d.ID, err)
	}
	e := base
	e.PaymentRef, e.AttemptKey = d.TransactionID, d.OrderID
	e.Dispute = &commerce.DisputeEvent{Ref: d.ID, Amount: amount, Currency: commerce.Currency(strings.ToLower(d.Currency)),
		Reason: d.Reason, Status: st, Inquiry: d.Kind == "retrieval"}
	if d.ReplyByDate != "" && st.Open() {
		due, err := time.Parse(time.DateOnly, d.ReplyByDate)
		if err != nil {
			return nil, true, fmt.Errorf("braintree: dispute %s: reply-by date %q: %w", d.ID, d.ReplyByDate, err)
		}
		e.Dispute.EvidenceDueBy = &due
	}
	return []commerce.PaymentEvent{e}, true, nil
}

// refundEvent is a credit transaction's refund of the sale it refunds.
func refundEvent(base commerce.PaymentEvent, tx *Transaction, st commerce.RefundStatus) (commerce.PaymentEvent, error) {
	e := base
	e.PaymentRef = tx.RefundedTransactionID
	var amount int64
	if tx.Amount != "" {
		var err error
		if amount, err = MinorUnits(tx.Amount, tx.Currency); err != nil {
			return e, fmt.Errorf("braintree: refund %s: %w", tx.ID, err)
		}
	}
	e.Refund = &commerce.RefundEvent{Ref: tx.ID, Amount: amount, Currency: commerce.Currency(strings.ToLower(tx.Currency)), Status: st}
	return e, nil
}
