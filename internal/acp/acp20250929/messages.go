package acp20250929

import (
	"strconv"
	"strings"

	"agentshop/internal/commerce"
)

// message is MessageInfo or MessageError (this version has no warnings).
type message struct {
	Type        string `json:"type"`
	Code        string `json:"code,omitempty"`
	Param       string `json:"param,omitempty"`
	ContentType string `json:"content_type"`
	Content     string `json:"content"`
}

// errorCodes is the MessageError.code enum of 2025-09-29.
var errorCodes = map[string]bool{
	commerce.CodeMissing: true, commerce.CodeInvalid: true, commerce.CodeOutOfStock: true,
	commerce.CodePaymentDeclined: true, "requires_sign_in": true, commerce.CodeRequires3DS: true,
}

// messages renders domain messages. lines maps domain line indexes to
// rendered ones, for rewriting $.line_items[i] params.
func messages(ms []commerce.Message, lines map[int]int) []message {
	out := make([]message, 0, len(ms))
	for _, m := range ms {
		w := message{Type: "info", ContentType: "plain", Content: m.Content}
		if m.Type == commerce.MessageError {
			w.Type = "error"
			w.Code = errorCode(m.Code)
		}
		// Warnings (low stock, rejected discount codes) have no type of
		// their own here and become info messages.
		w.Param = param(m.Param, lines)
		out = append(out, w)
	}
	return out
}

func errorCode(code string) string {
	switch {
	case errorCodes[code]:
		return code
	case code == commerce.CodeQuantityExceeded:
		return commerce.CodeOutOfStock
	}
	return commerce.CodeInvalid
}

// param rewrites a domain JSONPath (2026-04-17 names) into this version's
// session paths, or returns "" when the field does not exist here.
func param(p string, lines map[int]int) string {
	switch {
	case p == "":
		return ""
	case strings.HasPrefix(p, "$.line_items["):
		rest := strings.TrimPrefix(p, "$.line_items[")
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
			return "" // the line is not rendered
		}
		tail := rest[end+1:]
		if tail == ".quantity" {
			tail = ".item.quantity" // quantity lives in the item here
		}
		return "$.line_items[" + strconv.Itoa(j) + "]" + tail
	case strings.HasPrefix(p, "$.fulfillment_details.address"):
		return "$.fulfillment_address" + strings.TrimPrefix(p, "$.fulfillment_details.address")
	case strings.HasPrefix(p, "$.selected_fulfillment_options"):
		return "$.fulfillment_option_id"
	case strings.HasPrefix(p, "$.fulfillment_details"),
		strings.HasPrefix(p, "$.discounts"),
		strings.HasPrefix(p, "$.authentication_result"):
		return "" // no such field in 2025-09-29
	}
	return p
}
