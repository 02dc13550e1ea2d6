package commerce

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// PricingConfig holds the shop's pricing rules.
type PricingConfig struct {
	// HomeCountry is where domestic shipping rates apply (ISO alpha-2).
	HomeCountry string
	Shipping    ShippingRates
	Taxes       []TaxRate
	Coupons     []Coupon
	// LowStockAt adds a low_stock warning when stock left is at most this.
	LowStockAt int64
}

// ShippingRates are flat shipping prices in minor units.
type ShippingRates struct {
	DomesticStandard int64
	DomesticExpress  int64
	IntlStandard     int64
	IntlExpress      int64
	// FreeStandardOver makes standard shipping free when the discounted
	// items subtotal is at least this amount (0 disables it).
	FreeStandardOver int64
}

// TaxRate is a sales tax rate for a country, or for one region of it.
// The most specific match wins. Rates are basis points (725 = 7.25 %).
type TaxRate struct {
	Country string // ISO alpha-2
	Region  string // state/region code; "" for the whole country
	BPS     int64
	// TaxShipping applies the rate to the fulfillment amount too.
	TaxShipping bool
}

// Coupon is a discount code: PercentOff (whole percent, 1–100) or AmountOff
// (minor units), optionally needing a minimum items subtotal.
type Coupon struct {
	Code        string
	Name        string
	PercentOff  int64
	AmountOff   int64
	MinSubtotal int64
	ExpiresAt   time.Time // zero: never
}

// Quote is a priced session: everything the server computes on a read.
type Quote struct {
	Lines    []PricedLine
	Options  []FulfillmentOption
	Selected *FulfillmentOption
	Totals   Totals
	Applied  []AppliedCoupon
	Rejected []RejectedCoupon
	// Messages are the problems and notes found while pricing, in order.
	Messages []Message
	// Missing is true when something the buyer must supply is absent.
	Missing bool
	// Blocked is true when an error message prevents payment.
	Blocked bool
	// NeedsShipping is true when any line is a physical item.
	NeedsShipping bool
}

// PricedLine is a session line priced from the catalog. Item is nil for an
// unknown item id (such lines carry no amounts and block payment).
type PricedLine struct {
	Line
	Item     *Item
	Base     int64 // unit price × quantity
	Discount int64 // this line's share of coupon discounts
	Subtotal int64 // Base − Discount
	Tax      int64
	Total    int64 // Subtotal + Tax
}

// FulfillmentOption is a way to deliver the items, with its price.
type FulfillmentOption struct {
	ID       string
	Kind     FulfillmentKind
	Title    string
	Subtitle string
	Carrier  string
	Earliest time.Time
	Latest   time.Time
	Subtotal int64
	Tax      int64
	Total    int64
}

// FulfillmentKind is how a fulfillment option delivers.
type FulfillmentKind string

// Fulfillment kinds. The values are the stored form (orders keep their
// option as JSON), so they never change; codecs map them to wire values.
const (
	FulfillmentShipping FulfillmentKind = "shipping" // a parcel sent to the address
	FulfillmentDigital  FulfillmentKind = "digital"  // delivered electronically
)

// Totals are a session's sums. Total = Subtotal − Discount + Fulfillment +
// Tax, and equals Σ line totals + the selected option's total.
type Totals struct {
	ItemsBase   int64 // Σ unit price × quantity
	Discount    int64 // Σ coupon discounts (positive)
	Subtotal    int64 // = ItemsBase (before discount)
	Fulfillment int64 // selected option's subtotal
	Tax         int64 // Σ line tax + fulfillment tax
	Total       int64
}

// AppliedCoupon is a coupon in effect and what it took off.
type AppliedCoupon struct {
	Coupon Coupon
	Amount int64
	// Allocations is each line's share, by line index; they sum to Amount.
	Allocations []int64
}

// RejectedCoupon is a code that could not be applied, with the reason
// code (one of the Code* coupon constants) and message.
type RejectedCoupon struct {
	Code    string
	Reason  string
	Message string
}

// Pricer computes quotes from the catalog, stock and pricing rules.
type Pricer struct {
	Catalog *Catalog
	Config  PricingConfig
}

// Quote prices s with the given live stock levels at time now. It never
// fails: problems become messages.
//
// Rounding rule: each amount is an integer number of minor units. Coupon
// discounts are split across lines in proportion to their base amounts,
// rounding down, with the remainder on the largest line. Tax is computed per
// line on its discounted subtotal, and on the shipping amount, each rounded
// half away from zero.
func (p *Pricer) Quote(s *Session, stock map[string]int64, now time.Time) *Quote {
	q := &Quote{}
	cur := p.Catalog.Currency()
	for i, l := range s.Lines {
		pl := PricedLine{Line: l}
		it, ok := p.Catalog.Item(l.ItemID)
		param := fmt.Sprintf("$.line_items[%d]", i)
		if !ok {
			q.add(Message{Type: MessageError, Code: CodeInvalid, Param: param + ".item.id",
				Content: fmt.Sprintf("Item %q is not sold here.", l.ItemID)})
			q.Blocked = true
			q.Lines = append(q.Lines, pl)
			continue
		}
		pl.Item = it
		pl.Base = it.Price * l.Quantity
		if !it.Digital {
			q.NeedsShipping = true
		}
		left, known := stock[it.ID]
		switch {
		case known && left <= 0:
			q.add(Message{Type: MessageError, Code: CodeOutOfStock, Param: param,
				Content: fmt.Sprintf("%s is out of stock.", it.Title)})
			q.Blocked = true
		case known && l.Quantity > left:
			q.add(Message{Type: MessageError, Code: CodeQuantityExceeded, Param: param + ".quantity",
				Content: fmt.Sprintf("Only %d of %s left in stock.", left, it.Title)})
			q.Blocked = true
		case known && p.Config.LowStockAt > 0 && left-l.Quantity <= p.Config.LowStockAt:
			q.add(Message{Type: MessageWarning, Code: CodeLowStock, Param: param,
				Content: fmt.Sprintf("Only %d of %s left.", left, it.Title)})
		}
		q.Lines = append(q.Lines, pl)
		q.Totals.ItemsBase += pl.Base
	}
	q.Totals.Subtotal = q.Totals.ItemsBase

	p.applyCoupons(q, s.CouponCodes, now)
	var discounted int64
	for i := range q.Lines {
		q.Lines[i].Subtotal = q.Lines[i].Base - q.Lines[i].Discount
		discounted += q.Lines[i].Subtotal
	}

	rate := p.taxRate(s.Address)
	q.Options = p.options(q, s, discounted, now, cur)
	for i := range q.Options {
		o := &q.Options[i]
		if rate.TaxShipping {
			o.Tax = mulRate(o.Subtotal, rate.BPS)
		}
		o.Total = o.Subtotal + o.Tax
	}
	if len(q.Options) > 0 {
		q.Selected = &q.Options[0] // default: the first (cheapest) option
		if s.FulfillmentOptionID != "" {
			if i := slices.IndexFunc(q.Options, func(o FulfillmentOption) bool { return o.ID == s.FulfillmentOptionID }); i >= 0 {
				q.Selected = &q.Options[i]
			} else {
				q.add(Message{Type: MessageError, Code: CodeInvalid, Param: "$.selected_fulfillment_options",
					Content: fmt.Sprintf("Fulfillment option %q is not available for this cart.", s.FulfillmentOptionID)})
				q.Blocked = true
			}
		}
	}

	for i := range q.Lines {
		l := &q.Lines[i]
		if l.Item != nil && s.Address != nil {
			l.Tax = mulRate(l.Subtotal, rate.BPS)
		}
		l.Total = l.Subtotal + l.Tax
		q.Totals.Tax += l.Tax
	}
	if q.Selected != nil {
		q.Totals.Fulfillment = q.Selected.Subtotal
		q.Totals.Tax += q.Selected.Tax
	}
	q.Totals.Total = q.Totals.Subtotal - q.Totals.Discount + q.Totals.Fulfillment + q.Totals.Tax

	if q.NeedsShipping && s.Address == nil {
		q.Missing = true
		q.add(Message{Type: MessageError, Code: CodeMissing, Param: "$.fulfillment_details.address",
			Content: "A shipping address is needed to offer shipping options and compute tax."})
	}
	if len(s.Lines) == 0 {
		q.Missing = true
		q.add(Message{Type: MessageError, Code: CodeMissing, Param: "$.line_items",
			Content: "The cart is empty."})
	}
	return q
}

func (q *Quote) add(m Message) { q.Messages = append(q.Messages, m) }

// options returns the fulfillment options for the cart, cheapest first.
func (p *Pricer) options(q *Quote, s *Session, discounted int64, now time.Time, cur Currency) []FulfillmentOption {
	if len(q.Lines) == 0 {
		return nil
	}
	if !q.NeedsShipping {
		return []FulfillmentOption{{ID: "digital", Kind: FulfillmentDigital, Title: "Digital delivery",
			Subtitle: "Delivered by email right after payment"}}
	}
	if s.Address == nil {
		return nil
	}
	day := 24 * time.Hour
	r := p.Config.Shipping
	domestic := strings.EqualFold(s.Address.Country, p.Config.HomeCountry)
	std, exp := r.IntlStandard, r.IntlExpress
	stdCarrier, expCarrier := "DHL", "DHL Express"
	stdMin, stdMax, expMin, expMax := 7, 14, 2, 4
	if domestic {
		std, exp = r.DomesticStandard, r.DomesticExpress
		stdCarrier, expCarrier = "USPS", "UPS"
		stdMin, stdMax, expMin, expMax = 3, 5, 1, 2
	}
	stdTitle := "Standard shipping"
	if r.FreeStandardOver > 0 && discounted >= r.FreeStandardOver {
		std = 0
		stdTitle = "Free standard shipping"
	}
	midnight := now.UTC().Truncate(day)
	return []FulfillmentOption{
		{ID: "shipping_standard", Kind: FulfillmentShipping, Title: stdTitle, Carrier: stdCarrier,
			Subtitle: fmt.Sprintf("Arrives in %d–%d business days", stdMin, stdMax),
			Earliest: midnight.Add(time.Duration(stdMin) * day), Latest: midnight.Add(time.Duration(stdMax) * day),
			Subtotal: std},
		{ID: "shipping_express", Kind: FulfillmentShipping, Title: "Express shipping", Carrier: expCarrier,
			Subtitle: fmt.Sprintf("Arrives in %d–%d business days", expMin, expMax),
			Earliest: midnight.Add(time.Duration(expMin) * day), Latest: midnight.Add(time.Duration(expMax) * day),
			Subtotal: exp},
	}
}

// taxRate returns the rate for addr: region match, else country match, else 0.
func (p *Pricer) taxRate(addr *Address) TaxRate {
	if addr == nil {
		return TaxRate{}
	}
	var country *TaxRate
	for i := range p.Config.Taxes {
		t := &p.Config.Taxes[i]
		if !strings.EqualFold(t.Country, addr.Country) {
			continue
		}
		if t.Region != "" && strings.EqualFold(t.Region, addr.State) {
			return *t
		}
		if t.Region == "" {
			country = t
		}
	}
	if country != nil {
		return *country
	}
	return TaxRate{}
}

// applyCoupons applies codes in order against the remaining discountable
// amount and allocates each discount across lines.
func (p *Pricer) applyCoupons(q *Quote, codes []string, now time.Time) {
	remaining := q.Totals.ItemsBase
	for _, code := range codes {
		c, ok := p.coupon(code)
		switch {
		case !ok || (!c.ExpiresAt.IsZero() && !now.Before(c.ExpiresAt)):
			q.Rejected = append(q.Rejected, RejectedCoupon{Code: code, Reason: CodeCouponInvalid,
				Message: fmt.Sprintf("The code %s is not valid.", code)})
			continue
		case q.Totals.ItemsBase < c.MinSubtotal:
			q.Rejected = append(q.Rejected, RejectedCoupon{Code: code, Reason: CodeCouponMinimum,
				Message: fmt.Sprintf("The code %s needs a subtotal of at least %s.", code, p.Catalog.Currency().Format(c.MinSubtotal))})
			continue
		}
		amount := c.AmountOff
		if c.PercentOff > 0 {
			amount = mulRate(remaining, c.PercentOff*100)
		}
		amount = min(amount, remaining)
		if amount <= 0 {
			continue
		}
		alloc := p.allocate(q, amount)
		q.Applied = append(q.Applied, AppliedCoupon{Coupon: c, Amount: amount, Allocations: alloc})
		q.Totals.Discount += amount
		remaining -= amount
	}
	for _, r := range q.Rejected {
		q.add(Message{Type: MessageWarning, Code: r.Reason, Param: "$.discounts.codes", Content: r.Message})
	}
}

// allocate splits amount across lines in proportion to what is left of
// each line, rounding down, remainder to the line with most left.
func (p *Pricer) allocate(q *Quote, amount int64) []int64 {
	alloc := make([]int64, len(q.Lines))
	var left int64
	big := -1
	for i, l := range q.Lines {
		rest := l.Base - l.Discount
		left += rest
		if big < 0 || rest > q.Lines[big].Base-q.Lines[big].Discount {
			big = i
		}
	}
	if left <= 0 || big < 0 {
		return alloc
	}
	var given int64
	for i, l := range q.Lines {
		alloc[i] = amount * (l.Base - l.Discount) / left
		given += alloc[i]
	}
	alloc[big] += amount - given
	for i := range q.Lines {
		q.Lines[i].Discount += alloc[i]
	}
	return alloc
}

func (p *Pricer) coupon(code string) (Coupon, bool) {
	for _, c := range p.Config.Coupons {
		if strings.EqualFold(c.Code, code) {
			return c, true
		}
	}
	return Coupon{}, false
}

// TotalLine is one row of a session's totals, for display.
type TotalLine struct {
	Type   string // items_base_amount, subtotal, discount, fulfillment, tax, total
	Label  string
	Amount int64
}

// TotalLines returns the totals in display order: items, subtotal,
// discount (when any), fulfillment (when an option is selected), tax and
// exactly one total. Subtotal is before discount, as in ACP's order-level
// discount examples: total = subtotal − discount + fulfillment + tax.
func (q *Quote) TotalLines() []TotalLine {
	t := q.Totals
	out := []TotalLine{
		{"items_base_amount", "Items", t.ItemsBase},
		{"subtotal", "Subtotal", t.Subtotal},
	}
	if t.Discount > 0 {
		out = append(out, TotalLine{"discount", "Discount", t.Discount})
	}
	if q.Selected != nil {
		label := "Delivery"
		if q.Selected.Kind == FulfillmentShipping {
			label = "Shipping"
		}
		out = append(out, TotalLine{"fulfillment", label, t.Fulfillment})
	}
	return append(out, TotalLine{"tax", "Tax", t.Tax}, TotalLine{"total", "Total", t.Total})
}
