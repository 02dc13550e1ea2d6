package idempotency

import "testing"

func TestCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{``, ``},
		{` {"b":1, "a":[true,null,"x"]} `, `{"a":[true,null,"x"],"b":1}`},
		{`{"n":1.0,"m":1e2,"f":0.5,"neg":-0.0,"z":-0,"big":123456789012345678901234567890}`, `{"big":123456789012345678901234567890,"f":0.5,"m":100,"n":1,"neg":0,"z":0}`},
		{`{"s":"quote \" back \\ nl \n tab \t ctl \u0001 html <&> é 😀"}`, `{"s":"quote \" back \\ nl \n tab \t ctl \u0001 html <&> é 😀"}`},
		{`{"z":{"y":2,"x":1}}`, `{"z":{"x":1,"y":2}}`},
	}
	for _, tt := range tests {
		got, err := Canonical([]byte(tt.in))
		if err != nil {
			t.Fatalf("Canonical(%s): %v", tt.in, err)
		}
		if string(got) != tt.want {
			t.Errorf("Canonical(%s)\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
	a, _ := Fingerprint([]byte(`{"a":1,"b":[1,2]}`))
	b, _ := Fingerprint([]byte(`{"b":[1.0,2],"a":1}`))
	c, _ := Fingerprint([]byte(`{"b":[2,1],"a":1}`))
	if a != b || a == c {
		t.Error("Fingerprint must ignore key order and number spelling, and respect array order")
	}
	for _, bad := range []string{`{"a":`, `{"a":1} x`, `{"a":1}{}`} {
		if _, err := Canonical([]byte(bad)); err == nil {
			t.Errorf("Canonical accepted %s", bad)
		}
	}
	big1, _ := Fingerprint([]byte(`{"max_amount":9007199254740993}`))
	big2, _ := Fingerprint([]byte(`{"max_amount":9007199254740992}`))
	if big1 == big2 {
		t.Error("integers above 2^53 share a fingerprint")
	}
}
