package commerce

import "testing"

func TestAttemptKeySession(t *testing.T) {
	tests := []struct{ key, want string }{
		{"agentshop-cs_01abc-attempt-1", "cs_01abc"},
		{"agentshop-cs_a-attempt-b-attempt-12", "cs_a-attempt-b"},
		{"agentshop--attempt-1", ""},
		{"other-cs_1-attempt-1", ""},
		{"agentshop-cs_1", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := attemptKeySession(tt.key); got != tt.want {
			t.Errorf("attemptKeySession(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}
