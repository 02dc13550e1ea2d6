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

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for range 1000 {
		id := NewID("ord")
		if len(id) != len("ord_")+26 || seen[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
		// Ids made in a later millisecond sort after earlier ones; within
		// one millisecond their order is random.
		if prev != "" && id[:13] < prev[:13] { // "ord_" and 9 characters: 45 bits of time
			t.Fatalf("id %s sorts before the earlier %s", id, prev)
		}
		prev = id
	}
}
