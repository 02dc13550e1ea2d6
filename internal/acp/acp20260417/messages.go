package acp20260417

import (
	"slices"
	"strconv"
	"strings"

	"agentshop/internal/commerce"
)

// message is MessageInfo, MessageWarning or MessageError.
type message struct {
	Type        string `json:"type"`
	Code        string `json:"code,omitempty"`
	Param       string `json:"param,omitempty"`
	ContentType string `json:"content_type"`
	Content     string `json:"content"`
}

// errorCodes is the MessageError.code enum of 2026-04-17.
var errorCodes = []string{
	"missing", "invalid", "out_of_stock", "payment_declined", "requires_sign_in", "requires_3ds",
	"low_stock", "quantity_exceeded", "coupon_invalid", "coupon_expired", "minimum_not_met",
	"maximum_exceeded", "region_restricted", "age_verification_required", "approval_required",
	"unsupported", "not_found", "conflict", "rate_limited", "expired", "intervention_required",
}

// warningCodes is the MessageWarning.code enum of 2026-04-17.
var warningCodes = []string{
	"low_stock", "high_demand", "shipping_delay", "price_change", "expiring_promotion",
	"limited_availability", "discount_code_expired", "discount_code_invalid",
	"discount_code_already_applied", "discount_code_combination_disallowed",
	"discount_code_minimum_not_met", "discount_code_user_not_logged_in",
	"discount_code_user_ineligible", "discount_code_usage_limit_reached",
}

// messages renders domain messages. lines maps domain line indexes to
// rendered ones, for rewriting $.line_items[i] params.
func messages(ms []commerce.Message, lines map[int]int) []message {
	out := make([]message, 0, len(ms))
	for _, m := range ms {
		w := message{Type: "info", ContentType: "plain", Content: m.Content, Param: param(m.Param, lines)}
		switch m.Type {
		case commerce.MessageError:
			w.Type, w.Code = "error", m.Code
			if !slices.Contains(errorCodes, m.Code) {
				w.Code = "invalid"
			}
		case commerce.MessageWarning:
			// A warning whose code the schema does not know is shown as info.
			if slices.Contains(warningCodes, m.Code) {
				w.Type, w.Code = "warning", m.Code
			}
		}
		out = append(out, w)
	}
	return out
}

// param reindexes $.line_items[i] params to the rendered lines, or
// returns "" when the line is not rendered.
func param(p string, lines map[int]int) string {
	rest, ok := strings.CutPrefix(p, "$.line_items[")
	if !ok {
		return p
	}
	end := strings.IndexByte(rest, ']')
	if end < 0 {
		return ""
	}
	i, err := strconv.Atoi(rest[:end])
	if err != nil {
		return ""
	}
	j, ok := lines[i]
	if !ok {
		return ""
	}
	return "$.line_items[" + strconv.Itoa(j) + "]" + rest[end+1:]
}
