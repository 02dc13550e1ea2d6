package acp20250929

import (
	"strings"

	"agentshop/internal/commerce"
)

// APIVersion is the ACP version this package speaks.
const APIVersion = "2025-09-29"

// Codec translates 2025-09-29 checkout requests and sessions. It holds no
// mutable state and is safe for concurrent use.
type Codec struct {
	// Merchant supplies the links and order permalinks of every session.
	Merchant commerce.Merchant
}

// New returns a codec that describes sessions as sold by m.
func New(m commerce.Merchant) *Codec { return &Codec{Merchant: m} }

// Version returns "2025-09-29".
func (c *Codec) Version() string { return APIVersion }

// RequestParam rewrites a JSONPath from a domain error (which uses
// 2026-04-17 request names such as $.line_items[0].quantity) into this
// version's request path ($.items[0].quantity). Paths with no counterpart
// are returned unchanged.
func (c *Codec) RequestParam(param string) string {
	switch {
	case strings.HasPrefix(param, "$.line_items"):
		return "$.items" + strings.TrimPrefix(param, "$.line_items")
	case strings.HasPrefix(param, "$.fulfillment_details.address"):
		return "$.fulfillment_address" + strings.TrimPrefix(param, "$.fulfillment_details.address")
	case strings.HasPrefix(param, "$.selected_fulfillment_options"):
		return "$.fulfillment_option_id"
	}
	return param
}
