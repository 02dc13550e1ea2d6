package commerce

import "errors"

// OrderChange names an order change that [Service.ObserveOrderChange] is
// told about.
type OrderChange string

// Observed order changes.
const (
	ChangeRefund OrderChange = "refund" // RefundOrder
	ChangeCancel OrderChange = "cancel" // CancelOrder
)

// Outcomes of an order change, as [Service.ObserveOrderChange] is told
// them: how the request was answered.
const (
	// OutcomeSucceeded: the money is back with the buyer (for a cancel,
	// and the order is canceled), or a repeated request found it so.
	OutcomeSucceeded = "succeeded"
	// OutcomeRefused: the payment provider refused the refund; it is
	// recorded as failed and nothing was returned.
	OutcomeRefused = "refused"
	// OutcomePending: the provider did not answer (EUNAVAILABLE); the
	// refund stays pending for a retry with the same key.
	OutcomePending = "pending"
	// OutcomeInProgress: another refund of the order is in flight
	// (EINPROGRESS).
	OutcomeInProgress = "in_progress"
	// OutcomeRejected: the request was refused before any money moved
	// (EINVALID, ENOTFOUND, ECONFLICT, ENOTALLOWED).
	OutcomeRejected = "rejected"
	// OutcomeError: anything else, such as a store failure.
	OutcomeError = "error"
)

// observeOrderChange tells ObserveOrderChange, when set, how change was
// answered.
func (s *Service) observeOrderChange(change OrderChange, err error) {
	if s.ObserveOrderChange != nil {
		s.ObserveOrderChange(change, orderChangeOutcome(err))
	}
}

// orderChangeOutcome classifies the error RefundOrder or CancelOrder
// returned.
func orderChangeOutcome(err error) string {
	if err == nil {
		return OutcomeSucceeded
	}
	e, ok := errors.AsType[*Error](err)
	if !ok {
		return OutcomeError
	}
	switch {
	case e.Code == ECONFLICT && e.Reason == "refund_refused":
		return OutcomeRefused
	case e.Code == EUNAVAILABLE:
		return OutcomePending
	case e.Code == EINPROGRESS:
		return OutcomeInProgress
	case e.Code == EINVALID || e.Code == ENOTFOUND || e.Code == ECONFLICT || e.Code == ENOTALLOWED:
		return OutcomeRejected
	}
	return OutcomeError
}
