package acp20260417

import "agentshop/internal/commerce"

// APIVersion is the ACP version this package speaks.
const APIVersion = "2026-04-17"

// Codec translates 2026-04-17 checkout requests and sessions. It holds no
// mutable state and is safe for concurrent use.
type Codec struct {
	// Merchant supplies the payment handler, interventions, links and
	// order permalinks of every session.
	Merchant commerce.Merchant
}

// New returns a codec that describes sessions as sold by m.
func New(m commerce.Merchant) *Codec { return &Codec{Merchant: m} }

// Version returns "2026-04-17".
func (c *Codec) Version() string { return APIVersion }

// RequestParam returns param unchanged: domain errors already use
// 2026-04-17 request paths. It mirrors acp20250929's method so transports
// can call it on either codec.
func (c *Codec) RequestParam(param string) string { return param }
