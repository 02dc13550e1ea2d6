package canonjson

import "testing"

// TestCanonical: key order, whitespace and number spelling disappear;
// array order and big integers stay; anything but one JSON value is an
// error. (internal/idempotency's tests and fuzz target cover it further.)
func TestCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{``, ``},
		{` {"b":1, "a":[true,null,"x"]} `, `{"a":[true,null,"x"],"b":1}`},
		{`{"n":1.0,"neg":-0,"big":9007199254740993}`, `{"big":9007199254740993,"n":1,"neg":0}`},
		{`[2,1]`, `[2,1]`},
	}
	for _, tt := range tests {
		got, err := Canonical([]byte(tt.in))
		if err != nil || string(got) != tt.want {
			t.Errorf("Canonical(%s) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{`{"a":`, `{"a":1} x`, `{}{}`} {
		if _, err := Canonical([]byte(bad)); err == nil {
			t.Errorf("Canonical accepted %s", bad)
		}
	}
}
