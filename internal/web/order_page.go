package web

import (
	"time"

	"agentshop/internal/commerce"
)

// orderPage is the order template's data.
type orderPage struct {
	Shop  string
	Order *commerce.Order
	// Canceled: the page says so and promises no delivery.
	Canceled bool
	// CanceledAt is when it was canceled (the order's last change).
	CanceledAt time.Time
	// Refunds are the refunds the buyer has or will have, oldest first:
	// the order's refunds less the ones the provider refused, which
	// returned nothing.
	Refunds []refundLine
	// Refunded is the money returned so far; Net what the buyer paid
	// after it.
	Refunded, Net int64
	// Disputes are the buyer's disputes of the charge with their bank,
	// oldest first, as the buyer may see them: what and where it stands,
	// not the shop's evidence deadline or the network's reason code.
	Disputes []disputeLine
}

// disputeLine is one dispute as the order page shows it.
type disputeLine struct {
	Amount int64
	Text   string    // where it stands
	Date   time.Time // opened, or decided once closed
}

// refundLine is one refund as the order page shows it.
type refundLine struct {
	Amount  int64
	Reason  string
	Pending bool      // asked for, not yet confirmed by the provider
	Date    time.Time // settled, or asked for while pending
}

func newOrderPage(shop string, o *commerce.Order) orderPage {
	p := orderPage{Shop: shop, Order: o, Canceled: o.Status == commerce.OrderCanceled, Refunded: o.Refunded()}
	if p.Canceled {
		p.CanceledAt = o.UpdatedAt
	}
	p.Net = o.Totals.Total - p.Refunded
	for _, r := range o.Refunds {
		if r.Status == commerce.RefundFailed {
			continue
		}
		l := refundLine{Amount: r.Amount, Reason: r.Reason, Pending: r.Status == commerce.RefundPending, Date: r.CreatedAt}
		if r.SettledAt != nil && !l.Pending {
			l.Date = *r.SettledAt
		}
		p.Refunds = append(p.Refunds, l)
	}
	for _, d := range o.Disputes {
		l := disputeLine{Amount: d.Amount, Date: d.OpenedAt}
		switch d.Status {
		case commerce.DisputeNeedsResponse:
			l.Text = "opened with your bank; the shop is responding"
		case commerce.DisputeUnderReview:
			l.Text = "under review by your bank"
		case commerce.DisputeLost:
			l.Text, l.Date = "decided in your favour: your bank returned the amount", d.UpdatedAt
		case commerce.DisputeWon:
			l.Text, l.Date = "decided in the shop's favour", d.UpdatedAt
		default:
			l.Text, l.Date = "closed", d.UpdatedAt
		}
		p.Disputes = append(p.Disputes, l)
	}
	return p
}
