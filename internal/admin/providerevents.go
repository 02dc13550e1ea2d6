package admin

import (
	"context"
	"fmt"
	"strings"

	"agentshop/internal/commerce"
)

// DisputeView is a dispute of an order's charge.
type DisputeView struct {
	ID            string `json:"id"`
	OrderID       string `json:"order_id"`
	Provider      string `json:"provider"`
	ProviderRef   string `json:"provider_ref"`
	Status        string `json:"status"`
	Amount        int64  `json:"amount"`
	Currency      string `json:"currency"`
	Reason        string `json:"reason,omitempty"`
	Inquiry       bool   `json:"inquiry,omitempty"`
	EvidenceDueBy string `json:"evidence_due_by,omitempty"`
	OpenedAt      string `json:"opened_at"`
	UpdatedAt     string `json:"updated_at"`
}

// NewDisputeView returns d's view.
func NewDisputeView(d *commerce.Dispute) DisputeView {
	return DisputeView{ID: d.ID, OrderID: d.OrderID, Provider: d.Provider, ProviderRef: d.ProviderRef, Status: string(d.Status),
		Amount: d.Amount, Currency: strings.ToLower(string(d.Currency)), Reason: d.Reason, Inquiry: d.Inquiry,
		EvidenceDueBy: rfc3339(d.EvidenceDueBy), OpenedAt: rfc3339(&d.OpenedAt), UpdatedAt: rfc3339(&d.UpdatedAt)}
}

// InboundEventView is the record of one payment provider event.
type InboundEventView struct {
	Provider   string `json:"provider"`
	ID         string `json:"id"`
	Type       string `json:"type"`
	Result     string `json:"result"`
	PaymentRef string `json:"payment_ref,omitempty"`
	ObjectRef  string `json:"object_ref,omitempty"`
	OrderID    string `json:"order_id,omitempty"`
	Amount     int64  `json:"amount,omitempty"`
	Currency   string `json:"currency,omitempty"`
	OccurredAt string `json:"occurred_at,omitempty"`
	ReceivedAt string `json:"received_at"`
}

// NewInboundEventView returns e's view.
func NewInboundEventView(e *commerce.InboundEvent) InboundEventView {
	return InboundEventView{Provider: e.Provider, ID: e.ID, Type: e.Type, Result: string(e.Result), PaymentRef: e.PaymentRef,
		ObjectRef: e.ObjectRef, OrderID: e.OrderID, Amount: e.Amount, Currency: strings.ToLower(string(e.Currency)),
		OccurredAt: rfc3339(&e.OccurredAt), ReceivedAt: rfc3339(&e.ReceivedAt)}
}

// ListDisputes returns the disputes matching f (the open ones with Open),
// soonest evidence due date first. EINVALID for a limit outside 1 to
// [MaxListLimit].
func (s *Service) ListDisputes(ctx context.Context, f commerce.DisputeFilter) ([]*commerce.Dispute, error) {
	if f.Limit <= 0 || f.Limit > MaxListLimit {
		return nil, commerce.Invalid("limit", "The limit must be between 1 and %d.", MaxListLimit)
	}
	return s.Commerce.ListDisputes(ctx, f)
}

// ListInboundEvents returns the records of the payment providers' events
// matching f, newest first. EINVALID for a limit outside 1 to
// [MaxListLimit].
func (s *Service) ListInboundEvents(ctx context.Context, f commerce.InboundFilter) ([]*commerce.InboundEvent, error) {
	if f.Limit <= 0 || f.Limit > MaxListLimit {
		return nil, commerce.Invalid("limit", "The limit must be between 1 and %d.", MaxListLimit)
	}
	px, ok := s.Store.(commerce.PaymentEventExecutor)
	if !ok {
		return nil, fmt.Errorf("list provider events: store %T keeps none", s.Store)
	}
	return px.ListInboundEvents(ctx, f)
}
