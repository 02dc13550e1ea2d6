package commerce

import "fmt"

// Expectation is what a payer was shown before asking to pay: the session
// version and the total of the page, widget or answer they paid from.
// [Service.Complete] checks it in the transaction that claims the payment
// attempt, with the session locked, so that no change can land between the
// check and the claim: a session that no longer matches is not charged,
// and Complete answers a [*ChangedError].
//
// A zero Version or a nil Total is not checked.
type Expectation struct {
	// Version is the [Session.Version] that was shown.
	Version int64
	// Total is the total that was shown, in minor units of the session's
	// currency.
	Total *int64
}

// ChangedError is the cause of Complete's answer to a session that no
// longer matches [CompleteInput.Expect]: an ECONFLICT [*Error] with reason
// [ReasonSessionChanged] that wraps it. Nothing was charged, no attempt
// was claimed and no stock reserved. Callers that show a page find it with
// errors.AsType to tell the payer what changed.
type ChangedError struct {
	// Currency is the session's currency.
	Currency Currency
	// Shown is what the payer saw.
	Shown Expectation
	// Version and Total are the session's version and total now (for a
	// pending attempt, the total it charges).
	Version int64
	Total   int64
}

func (e *ChangedError) Error() string {
	if e.Shown.Total != nil && *e.Shown.Total != e.Total {
		return fmt.Sprintf("session changed: total %d shown, %d now", *e.Shown.Total, e.Total)
	}
	return fmt.Sprintf("session changed: version %d shown, %d now", e.Shown.Version, e.Version)
}

// TotalChanged reports whether the total now differs from the one shown
// (otherwise something else about the order changed).
func (e *ChangedError) TotalChanged() bool {
	return e.Shown.Total != nil && *e.Shown.Total != e.Total
}

// ReasonSessionChanged is the [Error.Reason] of a complete refused because
// the session no longer matches what the payer was shown.
const ReasonSessionChanged = "session_changed"

// check returns nil when sess, whose total (or charged amount) is total,
// still matches e, and the ECONFLICT error wrapping a [*ChangedError]
// otherwise. A nil e matches everything.
func (e *Expectation) check(sess *Session, total int64) error {
	if e == nil {
		return nil
	}
	if (e.Version == 0 || e.Version == sess.Version) && (e.Total == nil || *e.Total == total) {
		return nil
	}
	ce := &ChangedError{Currency: sess.Currency, Shown: *e, Version: sess.Version, Total: total}
	msg := "The checkout session changed since it was shown; review it and complete again. Nothing was charged."
	if ce.TotalChanged() {
		msg = "The total changed, please review: it is now " + sess.Currency.Format(total) +
			" (" + sess.Currency.Format(*e.Total) + " was shown). Nothing was charged."
	}
	return &Error{Code: ECONFLICT, Reason: ReasonSessionChanged, Message: msg, Err: ce}
}
