package commerce

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorCode(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{Invalid("$.x", "bad"), EINVALID},
		{fmt.Errorf("wrapped: %w", &Error{Code: EINPROGRESS}), EINPROGRESS},
		{fmt.Errorf("sqlite: get session: %w", ErrNotFound), ENOTFOUND},
		{fmt.Errorf("postgres: create payment: %w", ErrConflict), ECONFLICT},
		{fmt.Errorf("sqlite: begin: %w: %w", ErrUnavailable, errors.New("database is locked")), EUNAVAILABLE},
		{errors.New("boom"), EINTERNAL},
	}
	for _, tt := range tests {
		if got := ErrorCode(tt.err); got != tt.want {
			t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
