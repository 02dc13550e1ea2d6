package ops

import (
	"encoding/json"
	"strings"
)

// masked replaces a secret in the audit log.
const masked = "***"

// secretArg reports whether an argument's name says it holds a secret.
func secretArg(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"token", "secret", "password", "api_key", "cvc", "card_number", "authorization"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// secretValue reports whether a string looks like a credential whatever
// its argument's name: a Stripe secret or restricted key, or one of the
// gateway's own tokens.
func secretValue(s string) bool {
	for _, p := range []string{"sk_live_", "sk_test_", "rk_live_", "rk_test_", TokenPrefix, BearerPrefix, ConfirmationPrefix, "whsec_"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// MaskArgs returns a tool call's arguments as JSON for the audit log with
// secrets masked: values of arguments named like a secret (token,
// secret, password, …) and any string that looks like a credential, at
// any depth. Arguments that are not a JSON value are kept as a note of
// their length only.
func MaskArgs(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "{}"
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		b, _ := json.Marshal(map[string]any{"unparsed_bytes": len(raw)})
		return string(b)
	}
	b, _ := json.Marshal(mask(v))
	return string(b)
}

func mask(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if secretArg(k) && e != nil {
				x[k] = masked
				continue
			}
			x[k] = mask(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = mask(e)
		}
		return x
	case string:
		if secretValue(x) {
			return masked
		}
	}
	return v
}
