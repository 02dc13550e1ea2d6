package sandbox

import "strings"

// Card behaviors, stored as [VaultToken.CardBehavior]. They are
// persisted, so their values must not change.
const (
	BehaviorSucceed            = "succeed"
	BehaviorInsufficientFunds  = "decline_insufficient_funds"
	BehaviorGenericDecline     = "decline_generic"
	BehaviorRequire3DS         = "require_3ds"
	BehaviorSlow               = "succeed_slowly"
	defaultBehaviorForUnlisted = BehaviorSucceed
)

// TestCard is a scripted sandbox card.
type TestCard struct {
	Number      string // digits only
	Brand       string // lower case, as in ACP display_brand
	Behavior    string // one of the Behavior constants
	DeclineCode string // the ChargeResult.DeclineCode it produces, if it declines
	Description string // for people: README, the agent CLI
}

// TestCards are the sandbox's scripted cards. Any expiry date in the future
// and any 3- or 4-digit CVC work with them.
//
//	4242 4242 4242 4242  visa  succeeds
//	4000 0000 0000 9995  visa  declines with insufficient_funds
//	4000 0000 0000 0002  visa  declines with generic_decline
//	4000 0025 0000 3155  visa  requires 3-D Secure; succeeds once authenticated
//	4000 0000 0000 3014  visa  succeeds after a processing delay (2 s by default)
//
// Any other Luhn-valid number succeeds like 4242 4242 4242 4242.
var TestCards = []TestCard{
	{Number: "4242424242424242", Brand: "visa", Behavior: BehaviorSucceed,
		Description: "Succeeds."},
	{Number: "4000000000009995", Brand: "visa", Behavior: BehaviorInsufficientFunds, DeclineCode: DeclineInsufficientFunds,
		Description: "Declines with insufficient_funds."},
	{Number: "4000000000000002", Brand: "visa", Behavior: BehaviorGenericDecline, DeclineCode: DeclineGeneric,
		Description: "Declines with generic_decline."},
	{Number: "4000002500003155", Brand: "visa", Behavior: BehaviorRequire3DS, DeclineCode: DeclineAuthenticationFailed,
		Description: "Requires 3-D Secure: the first charge asks for authentication; a charge with an authenticated (or attempt_acknowledged) result succeeds, any other result declines with authentication_failed."},
	{Number: "4000000000003014", Brand: "visa", Behavior: BehaviorSlow,
		Description: "Succeeds after a processing delay (2 s), like a slow payment network: a retry with the same Idempotency-Key meanwhile gets 409 idempotency_in_flight."},
}

// testCard returns the scripted card for number (digits only), or a
// succeeding card of the number's brand when it is not listed.
func testCard(number string) TestCard {
	for _, c := range TestCards {
		if c.Number == number {
			return c
		}
	}
	return TestCard{Number: number, Brand: brandOf(number), Behavior: defaultBehaviorForUnlisted}
}

// luhn reports whether number (digits only) passes the Luhn checksum.
func luhn(number string) bool {
	sum := 0
	double := false
	for i := len(number) - 1; i >= 0; i-- {
		d := int(number[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// brandOf guesses a card brand from the number's IIN prefix, or "unknown".
func brandOf(number string) string {
	prefix := func(lo, hi int, n int) bool {
		if len(number) < n {
			return false
		}
		v := 0
		for _, c := range number[:n] {
			v = v*10 + int(c-'0')
		}
		return v >= lo && v <= hi
	}
	switch {
	case strings.HasPrefix(number, "4"):
		return "visa"
	case prefix(51, 55, 2), prefix(2221, 2720, 4):
		return "mastercard"
	case strings.HasPrefix(number, "34"), strings.HasPrefix(number, "37"):
		return "amex"
	case strings.HasPrefix(number, "6011"), strings.HasPrefix(number, "65"), prefix(644, 649, 3):
		return "discover"
	case prefix(3528, 3589, 4):
		return "jcb"
	case strings.HasPrefix(number, "36"), prefix(300, 305, 3):
		return "diners"
	}
	return "unknown"
}

// allDigits reports whether s is non-empty and only ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
