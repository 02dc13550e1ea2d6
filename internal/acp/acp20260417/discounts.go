package acp20260417

import (
	"fmt"
	"slices"
	"strings"

	"agentshop/internal/commerce"
)

// discounts is DiscountsResponse (discount extension).
type discounts struct {
	Codes    []string          `json:"codes"`
	Applied  []appliedDiscount `json:"applied"`
	Rejected []rejected        `json:"rejected"`
}

type appliedDiscount struct {
	ID          string       `json:"id"`
	Code        string       `json:"code"`
	Coupon      coupon       `json:"coupon"`
	Amount      int64        `json:"amount"`
	Allocations []allocation `json:"allocations,omitempty"`
}

type coupon struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	PercentOff int64  `json:"percent_off,omitempty"`
	AmountOff  int64  `json:"amount_off,omitempty"`
	Currency   string `json:"currency,omitempty"`
}

type allocation struct {
	Path   string `json:"path"`
	Amount int64  `json:"amount"`
}

type rejected struct {
	Code    string `json:"code"`
	Reason  string `json:"reason"`
	Message string `json:"message,omitempty"`
}

// discountReasons is the DiscountErrorCode enum.
var discountReasons = []string{
	"discount_code_expired", "discount_code_invalid", "discount_code_already_applied",
	"discount_code_combination_disallowed", "discount_code_minimum_not_met",
	"discount_code_user_not_logged_in", "discount_code_user_ineligible", "discount_code_usage_limit_reached",
}

// wireDiscounts renders the session's codes and what became of them.
// lines maps domain line indexes to rendered ones for allocation paths.
func wireDiscounts(s *commerce.Session, q *commerce.Quote, lines map[int]int) *discounts {
	d := &discounts{Codes: slices.Clone(s.CouponCodes), Applied: []appliedDiscount{}, Rejected: []rejected{}}
	for _, a := range q.Applied {
		w := appliedDiscount{
			ID:     "disc_" + strings.ToLower(a.Coupon.Code),
			Code:   a.Coupon.Code,
			Coupon: coupon{ID: a.Coupon.Code, Name: a.Coupon.Name},
			Amount: a.Amount,
		}
		if w.Coupon.Name == "" {
			w.Coupon.Name = a.Coupon.Code
		}
		if a.Coupon.PercentOff > 0 {
			w.Coupon.PercentOff = a.Coupon.PercentOff
		} else {
			w.Coupon.AmountOff = a.Coupon.AmountOff
			w.Coupon.Currency = strings.ToLower(string(s.Currency))
		}
		for i, amt := range a.Allocations {
			j, ok := lines[i]
			if !ok || amt == 0 {
				continue // unknown items get no share
			}
			w.Allocations = append(w.Allocations, allocation{Path: fmt.Sprintf("$.line_items[%d]", j), Amount: amt})
		}
		d.Applied = append(d.Applied, w)
	}
	for _, r := range q.Rejected {
		reason := r.Reason
		if !slices.Contains(discountReasons, reason) {
			reason = "discount_code_invalid"
		}
		d.Rejected = append(d.Rejected, rejected{Code: r.Code, Reason: reason, Message: r.Message})
	}
	return d
}
