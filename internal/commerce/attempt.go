package commerce

import (
	"context"

	"agentshop/internal/fault"
)

// attempt is one call to a payment provider, made the way every payment
// operation makes it (Complete's charge, RefundOrder's and CancelOrder's
// refund), by [runAttempt]:
//
//  1. claim, in one transaction: lock what is paid for or refunded, decide,
//     and record the attempt as pending, with the provider and the
//     idempotency key that every later call for it uses;
//  2. the call, outside any transaction, under a context that the caller
//     hanging up does not cut short (the outcome would become unknown for
//     no reason), to the provider the attempt recorded;
//  3. settle, in a second transaction: record the outcome, unless a
//     concurrent re-drive has already.
//
// A failed call has an unknown outcome: the attempt stays pending, and
// calling again with the same idempotency key (a re-drive) is safe.
type attempt[R any] struct {
	// provider is the provider the attempt recorded (see
	// [Service.attemptProvider]); the call goes to it and no other.
	provider PaymentProvider
	// before and after name the fault points around the call, for the
	// crash tests (internal/fault); empty for none.
	before, after string
	// call calls provider.
	call func(ctx context.Context, provider PaymentProvider) (R, error)
	// failed is told a call error and returns what to answer. The
	// attempt is left pending.
	failed func(ctx context.Context, err error) error
	// settle records the call's result; it runs in a transaction of its own.
	settle func(ctx context.Context, tx Executor, res R) error
}

// runAttempt runs claim in one transaction, calls claimed once that has
// committed, and then, unless claim returned no attempt (the operation was
// answered without the provider: a replay, a session not payable), makes
// the attempt's call and settles it in a second transaction. It returns
// claim's error, failed's answer to a call error, or the settle
// transaction's error, unchanged, so that callers can tell them apart.
func runAttempt[R any](ctx context.Context, s *Service, claim func(ctx context.Context, tx Executor) (*attempt[R], error), claimed func()) error {
	var a *attempt[R]
	err := s.Store.InTx(ctx, func(tx Executor) error {
		var err error
		a, err = claim(ctx, tx)
		return err
	})
	if err != nil {
		return err
	}
	if claimed != nil {
		claimed()
	}
	if a == nil {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	if a.before != "" {
		fault.Point(a.before)
	}
	res, err := a.call(ctx, a.provider)
	if a.after != "" {
		fault.Point(a.after)
	}
	if err != nil {
		return a.failed(ctx, err)
	}
	return s.Store.InTx(ctx, func(tx Executor) error { return a.settle(ctx, tx, res) })
}
