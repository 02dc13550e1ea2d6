package commerce

import "time"

// Dispute is a buyer's dispute of an order's charge with their bank (a
// chargeback), or the inquiry before one, as the payment provider reports
// it. Disputes are opened and moved only by provider events
// ([Service.ApplyPaymentEvent]); they are stored apart from the order and
// read with it ([Order.Disputes]).
type Dispute struct {
	ID          string // "dsp_…"
	OrderID     string
	Provider    string
	ProviderRef string // the provider's id, e.g. "dp_…"
	Status      DisputeStatus
	Amount      int64
	Currency    Currency
	Reason      string
	// EvidenceDueBy is when the merchant's evidence must reach the
	// provider; nil when the provider gives none (closed, or Braintree
	// without a reply-by date).
	EvidenceDueBy   *time.Time
	Inquiry         bool
	FundsWithdrawn  bool
	FundsReinstated bool
	OpenedAt        time.Time
	UpdatedAt       time.Time
	// LastEventAt is when the provider's latest applied event happened:
	// an older event arriving later changes nothing.
	LastEventAt time.Time
}

// DisputeStatus is where a dispute is. Providers' statuses map onto these.
type DisputeStatus string

// Dispute statuses.
const (
	// DisputeNeedsResponse: the merchant should submit evidence (or
	// accept) before EvidenceDueBy.
	DisputeNeedsResponse DisputeStatus = "needs_response"
	// DisputeUnderReview: evidence is in; the bank decides.
	DisputeUnderReview DisputeStatus = "under_review"
	// DisputeWon: decided for the merchant; the money stays.
	DisputeWon DisputeStatus = "won"
	// DisputeLost: decided for the buyer, or accepted by the merchant; the
	// money went back to the buyer.
	DisputeLost DisputeStatus = "lost"
	// DisputeClosed: an inquiry closed without a chargeback, or a dispute
	// prevented; the money stays.
	DisputeClosed DisputeStatus = "closed"
)

// Open reports whether the dispute still needs the merchant or the bank.
func (s DisputeStatus) Open() bool { return s == DisputeNeedsResponse || s == DisputeUnderReview }

// Valid reports whether s is one of the statuses above.
func (s DisputeStatus) Valid() bool {
	switch s {
	case DisputeNeedsResponse, DisputeUnderReview, DisputeWon, DisputeLost, DisputeClosed:
		return true
	}
	return false
}
