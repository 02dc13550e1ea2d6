package commerce

import (
	"errors"
	"fmt"
	"testing"
)

func TestOrderChangeOutcome(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, OutcomeSucceeded},
		{&Error{Code: ECONFLICT, Reason: "refund_refused"}, OutcomeRefused},
		{fmt.Errorf("wrapped: %w", &Error{Code: EUNAVAILABLE}), OutcomePending},
		{Errorf(EINPROGRESS, "busy"), OutcomeInProgress},
		{Invalid("amount", "no"), OutcomeRejected},
		{Errorf(ECONFLICT, "shipped"), OutcomeRejected},
		{&Error{Code: ENOTFOUND}, OutcomeRejected},
		{Errorf(ENOTALLOWED, "cannot refund"), OutcomeRejected},
		{&Error{Code: EINTERNAL}, OutcomeError},
		{errors.New("disk on fire"), OutcomeError},
	}
	for _, tt := range tests {
		if got := orderChangeOutcome(tt.err); got != tt.want {
			t.Errorf("orderChangeOutcome(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}
