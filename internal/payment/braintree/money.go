package braintree

import (
	"fmt"
	"strconv"
	"strings"

	"agentshop/internal/commerce"
)

// formatAmount writes minor units of cur as Braintree's decimal Amount
// ("12.34" for 1234 usd, "500" for 500 jpy).
func formatAmount(minor int64, cur commerce.Currency) string {
	exp := cur.Exponent()
	if exp == 0 {
		return strconv.FormatInt(minor, 10)
	}
	pow := int64(1)
	for range exp {
		pow *= 10
	}
	return fmt.Sprintf("%d.%0*d", minor/pow, exp, minor%pow)
}

// MinorUnits reads a Braintree decimal amount ("250.00", "100", "9.5") in
// the ISO 4217 currency (any case) as minor units. Digits beyond the
// currency's exponent must be zeros; signs, exponents and empty parts are
// refused.
func MinorUnits(amount, currency string) (int64, error) {
	cur, err := commerce.ParseCurrency(currency)
	if err != nil {
		return 0, fmt.Errorf("braintree: amount %q: %w", amount, err)
	}
	exp := cur.Exponent()
	whole, frac, _ := strings.Cut(strings.TrimSpace(amount), ".")
	if whole == "" || !digits(whole) || !digits(frac) {
		return 0, fmt.Errorf("braintree: amount %q is not a decimal amount", amount)
	}
	if len(frac) > exp {
		if strings.Trim(frac[exp:], "0") != "" {
			return 0, fmt.Errorf("braintree: amount %q has more than %d decimals", amount, exp)
		}
		frac = frac[:exp]
	}
	frac += strings.Repeat("0", exp-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("braintree: amount %q: %w", amount, err)
	}
	return n, nil
}

// digits reports whether s is only ASCII digits (true for "").
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
