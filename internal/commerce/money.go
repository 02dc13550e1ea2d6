package commerce

import (
	"fmt"
	"strings"

	"golang.org/x/text/currency"
)

// Currency is an ISO 4217 code in lower case ("usd"), the form ACP uses.
type Currency string

// ParseCurrency accepts an ISO 4217 code in any case and returns it in
// lower case. It rejects codes unknown to ISO 4217.
func ParseCurrency(s string) (Currency, error) {
	u, err := currency.ParseISO(strings.TrimSpace(s))
	if err != nil {
		return "", fmt.Errorf("unknown currency %q", s)
	}
	return Currency(strings.ToLower(u.String())), nil
}

// Exponent returns the number of minor-unit digits of c (2 for usd, 0 for
// jpy, 3 for kwd), from CLDR data via golang.org/x/text/currency.
func (c Currency) Exponent() int {
	u, err := currency.ParseISO(string(c))
	if err != nil {
		return 2
	}
	scale, _ := currency.Standard.Rounding(u)
	return scale
}

// Format renders amount (minor units) for people, e.g. "$139.00" or "¥500".
func (c Currency) Format(amount int64) string {
	exp := c.Exponent()
	neg := amount < 0
	if neg {
		amount = -amount
	}
	var s string
	if exp == 0 {
		s = fmt.Sprintf("%d", amount)
	} else {
		pow := int64(1)
		for range exp {
			pow *= 10
		}
		s = fmt.Sprintf("%d.%0*d", amount/pow, exp, amount%pow)
	}
	sym := strings.ToUpper(string(c)) + " "
	switch c {
	case "usd":
		sym = "$"
	case "eur":
		sym = "€"
	case "gbp":
		sym = "£"
	case "jpy":
		sym = "¥"
	}
	if neg {
		return "-" + sym + s
	}
	return sym + s
}

// mulRate returns amount × bps / 10000 rounded half away from zero. Rates
// are basis points (725 = 7.25 %) so that no float ever touches money.
func mulRate(amount, bps int64) int64 {
	p := amount * bps
	q, r := p/10000, p%10000
	if r < 0 {
		r = -r
	}
	if r*2 >= 10000 {
		if p < 0 {
			q--
		} else {
			q++
		}
	}
	return q
}
