package commerce

import "context"

// TxHooks lets a caller commit its own rows in an operation's transactions:
// a transport claims its idempotency key and stores its answer, an admin
// surface writes an audit row, atomically with the effect. Every mutating
// [Service] method takes one; nil (or a nil field) runs nothing. A hook
// error rolls its transaction back and the method returns it unchanged.
//
// T is what the method returns: *View for session operations, *Order for
// order changes.
type TxHooks[T any] struct {
	// Begin runs first in the operation's first transaction, before
	// anything is read (e.g. to claim an idempotency key). When that
	// transaction rolls back and the operation answers from a transaction
	// of its own instead (Complete finding the stock gone), Begin runs
	// first in that one too.
	Begin func(ctx context.Context, tx Executor) error
	// Begun is called once the transaction Begin ran in has committed.
	// For Complete and the refunds that is before the payment provider
	// is called, so the caller knows its claim is durable while the call
	// runs.
	Begun func()
	// Commit runs in the transaction that commits the operation's result,
	// last, with that result: the effect's transaction, or the one that
	// reads an effect already made (a completed session completed again,
	// a refund asked for again). An operation may run Commit and still
	// return a business error about the committed result (a refund the
	// provider refused, recorded as failed).
	Commit func(ctx context.Context, tx Executor, result T) error
}

// begin runs h.Begin, if any.
func (h *TxHooks[T]) begin(ctx context.Context, tx Executor) error {
	if h == nil || h.Begin == nil {
		return nil
	}
	return h.Begin(ctx, tx)
}

// begun calls h.Begun, if any.
func (h *TxHooks[T]) begun() {
	if h != nil && h.Begun != nil {
		h.Begun()
	}
}

// commit runs h.Commit, if any.
func (h *TxHooks[T]) commit(ctx context.Context, tx Executor, result T) error {
	if h == nil || h.Commit == nil {
		return nil
	}
	return h.Commit(ctx, tx, result)
}
