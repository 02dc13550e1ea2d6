package opsmcp

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"agentshop/internal/commerce"
)

// The shop's own tools: its orders, checkout sessions and order webhooks,
// and refunds through commerce's refund path (the order's payment
// provider, idempotent, recorded with the audit row).

// orderScan bounds how many of the newest orders a list or summary looks
// at: the store lists newest first with a limit, and filters apply here.
const orderScan = 1000

type orderLine struct {
	ItemID   string `json:"item_id"`
	Quantity int64  `json:"quantity"`
	Total    int64  `json:"total"`
}

type orderRefund struct {
	ID        string    `json:"id"`
	Amount    int64     `json:"amount"`
	Status    string    `json:"status"`
	Reason    string    `json:"reason,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

type orderView struct {
	ID         string        `json:"id"`
	SessionID  string        `json:"checkout_session_id"`
	Status     string        `json:"status"`
	Currency   string        `json:"currency"`
	Total      int64         `json:"total"`
	Refunded   int64         `json:"refunded"`
	Refundable int64         `json:"refundable"`
	BuyerEmail string        `json:"buyer_email,omitempty"`
	Lines      []orderLine   `json:"lines"`
	Shipments  int           `json:"shipments"`
	Refunds    []orderRefund `json:"refunds"`
	CreatedAt  time.Time     `json:"created_at"`
}

func newOrderView(o *commerce.Order) orderView {
	v := orderView{ID: o.ID, SessionID: o.SessionID, Status: string(o.Status), Currency: string(o.Currency), Total: o.Totals.Total,
		Refunded: o.Refunded(), Refundable: o.Refundable(), Shipments: len(o.Shipments), CreatedAt: o.CreatedAt,
		Lines: []orderLine{}, Refunds: []orderRefund{}}
	if o.Buyer != nil {
		v.BuyerEmail = o.Buyer.Email
	}
	for _, l := range o.Lines {
		v.Lines = append(v.Lines, orderLine{ItemID: l.ItemID, Quantity: l.Quantity, Total: l.Total})
	}
	for _, r := range o.Refunds {
		v.Refunds = append(v.Refunds, orderRefund{ID: r.ID, Amount: r.Amount, Status: string(r.Status), Reason: r.Reason, CreatedAt: r.CreatedAt})
	}
	return v
}

type listOrdersArgs struct {
	Status        string `json:"status,omitempty" jsonschema:"confirmed, shipped, completed or canceled."`
	CreatedAfter  string `json:"created_after,omitempty" jsonschema:"Only orders created at or after this RFC 3339 time."`
	CreatedBefore string `json:"created_before,omitempty" jsonschema:"Only orders created before this RFC 3339 time."`
	Limit         int    `json:"limit,omitempty" jsonschema:"Orders per page, 1 to 100 (default 20)."`
	StartingAfter string `json:"starting_after,omitempty" jsonschema:"Cursor: the next_cursor of the previous page."`
}

// timeRange parses an RFC 3339 range; zero times are open ends.
func timeRange(after, before string) (from, to time.Time, err error) {
	if after != "" {
		if from, err = time.Parse(time.RFC3339, after); err != nil {
			return from, to, refusal("invalid_arguments", "created_after %q is not an RFC 3339 time.", after)
		}
	}
	if before != "" {
		if to, err = time.Parse(time.RFC3339, before); err != nil {
			return from, to, refusal("invalid_arguments", "created_before %q is not an RFC 3339 time.", before)
		}
	}
	return from, to, nil
}

func inRange(t, from, to time.Time) bool {
	return (from.IsZero() || !t.Before(from)) && (to.IsZero() || t.Before(to))
}

func listOrdersTool() *tool {
	t := &tool{title: "List the shop's orders", schema: schemaFor[listOrdersArgs](),
		description: "The shop's orders, newest first, with status, total, refunded and refundable amounts (minor units). " +
			"While has_more is true, pass next_cursor as starting_after. Looks at the newest 1,000 orders."}
	t.run = func(ctx context.Context, s *Server, c *call) (any, error) {
		in, err := decode[listOrdersArgs](c.raw)
		if err != nil {
			return nil, err
		}
		if in.Limit < 0 || in.Limit > 100 {
			return nil, refusal("invalid_arguments", "limit must be between 1 and 100.")
		}
		limit := in.Limit
		if limit == 0 {
			limit = 20
		}
		from, to, err := timeRange(in.CreatedAfter, in.CreatedBefore)
		if err != nil {
			return nil, err
		}
		orders, err := s.cfg.Store.ListOrders(ctx, orderScan)
		if err != nil {
			return nil, err
		}
		data, started := []orderView{}, in.StartingAfter == ""
		more := false
		for _, o := range orders {
			if !started {
				started = o.ID == in.StartingAfter
				continue
			}
			if (in.Status != "" && string(o.Status) != in.Status) || !inRange(o.CreatedAt, from, to) {
				continue
			}
			if len(data) == limit {
				more = true
				break
			}
			data = append(data, newOrderView(o))
		}
		if !started {
			return nil, refusal("invalid_arguments", "starting_after %q is not an order of the list.", in.StartingAfter)
		}
		var next any
		if more {
			next = data[len(data)-1].ID
		}
		return map[string]any{"object": "list", "data": data, "has_more": more, "next_cursor": next}, nil
	}
	return named(t, "shop_list_orders")
}

type orderArgs struct {
	OrderID string `json:"order_id" jsonschema:"The order's id (ord_…)."`
}

func (s *Server) order(ctx context.Context, id string) (*commerce.Order, error) {
	o, err := s.cfg.Store.GetOrder(ctx, id)
	if errors.Is(err, commerce.ErrNotFound) {
		return nil, commerce.Errorf(commerce.ENOTFOUND, "No order %q.", id)
	}
	return o, err
}

func getOrderTool() *tool {
	t := &tool{title: "Get an order", schema: schemaFor[orderArgs](),
		description: "One order of the shop: lines, totals, buyer email, shipments and refunds (amounts in minor units)."}
	t.run = func(ctx context.Context, s *Server, c *call) (any, error) {
		in, err := decode[orderArgs](c.raw)
		if err != nil {
			return nil, err
		}
		o, err := s.order(ctx, in.OrderID)
		if err != nil {
			return nil, err
		}
		return newOrderView(o), nil
	}
	return named(t, "shop_get_order")
}

type sessionArgs struct {
	SessionID string `json:"checkout_session_id" jsonschema:"The checkout session's id (cs_…)."`
}

func getSessionTool() *tool {
	t := &tool{title: "Get a checkout session", schema: schemaFor[sessionArgs](),
		description: "One checkout session of the shop: status, currency, total, lines, buyer email, its order once paid."}
	t.run = func(ctx context.Context, s *Server, c *call) (any, error) {
		in, err := decode[sessionArgs](c.raw)
		if err != nil {
			return nil, err
		}
		v, err := s.cfg.Service.Get(ctx, in.SessionID)
		if err != nil {
			return nil, err
		}
		out := map[string]any{"id": v.Session.ID, "status": string(v.Status), "currency": string(v.Session.Currency),
			"created_at": v.Session.CreatedAt, "expires_at": v.Session.ExpiresAt, "order_id": v.Session.OrderID}
		lines := []map[string]any{}
		for _, l := range v.Session.Lines {
			lines = append(lines, map[string]any{"item_id": l.ItemID, "quantity": l.Quantity})
		}
		out["lines"] = lines
		if v.Quote != nil {
			out["total"] = v.Quote.Totals.Total
		}
		if v.Session.Buyer != nil {
			out["buyer_email"] = v.Session.Buyer.Email
		}
		return out, nil
	}
	return named(t, "shop_get_checkout_session")
}

func orderWebhooksTool() *tool {
	t := &tool{title: "An order's webhook deliveries", schema: schemaFor[orderArgs](),
		description: "The order webhooks (order_create, order_update) queued for an order, oldest first: status pending, delivered or dead, attempts and the last error."}
	t.run = func(ctx context.Context, s *Server, c *call) (any, error) {
		in, err := decode[orderArgs](c.raw)
		if err != nil {
			return nil, err
		}
		if _, err := s.order(ctx, in.OrderID); err != nil {
			return nil, err
		}
		events, err := s.cfg.Store.ListEvents(ctx, commerce.EventFilter{OrderID: in.OrderID, Limit: 100})
		if err != nil {
			return nil, err
		}
		data := []map[string]any{}
		for _, e := range events {
			d := map[string]any{"id": e.ID, "type": string(e.Type), "status": string(e.Status), "attempts": e.Attempts,
				"created_at": e.CreatedAt, "last_error": e.LastError}
			if e.DeliveredAt != nil {
				d["delivered_at"] = *e.DeliveredAt
			}
			data = append(data, d)
		}
		return map[string]any{"order_id": in.OrderID, "data": data}, nil
	}
	return named(t, "shop_list_order_webhooks")
}

type salesArgs struct {
	CreatedAfter  string `json:"created_after,omitempty" jsonschema:"From this RFC 3339 time (default: 30 days ago)."`
	CreatedBefore string `json:"created_before,omitempty" jsonschema:"Until this RFC 3339 time (default: now)."`
}

type salesDay struct {
	Day      string `json:"day"`
	Currency string `json:"currency"`
	Orders   int    `json:"orders"`
	Gross    int64  `json:"gross"`
	Refunded int64  `json:"refunded"`
	Net      int64  `json:"net"`
}

func salesTool() *tool {
	t := &tool{title: "Sales by day and currency", schema: schemaFor[salesArgs](),
		description: "Orders, gross, refunded and net amounts (minor units) per UTC day and currency, over the newest 1,000 orders in the range."}
	t.run = func(ctx context.Context, s *Server, c *call) (any, error) {
		in, err := decode[salesArgs](c.raw)
		if err != nil {
			return nil, err
		}
		from, to, err := timeRange(in.CreatedAfter, in.CreatedBefore)
		if err != nil {
			return nil, err
		}
		if from.IsZero() {
			from = s.cfg.Now().Add(-30 * 24 * time.Hour)
		}
		orders, err := s.cfg.Store.ListOrders(ctx, orderScan)
		if err != nil {
			return nil, err
		}
		days := map[string]*salesDay{}
		for _, o := range orders {
			if !inRange(o.CreatedAt, from, to) {
				continue
			}
			k := o.CreatedAt.UTC().Format("2006-01-02") + " " + string(o.Currency)
			d := days[k]
			if d == nil {
				d = &salesDay{Day: o.CreatedAt.UTC().Format("2006-01-02"), Currency: string(o.Currency)}
				days[k] = d
			}
			d.Orders++
			d.Gross += o.Totals.Total
			d.Refunded += o.Refunded()
			d.Net = d.Gross - d.Refunded
		}
		out := make([]salesDay, 0, len(days))
		for _, d := range days {
			out = append(out, *d)
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].Day != out[j].Day {
				return out[i].Day < out[j].Day
			}
			return out[i].Currency < out[j].Currency
		})
		return map[string]any{"from": from.UTC().Format(time.RFC3339), "days": out, "truncated": len(orders) == orderScan}, nil
	}
	return named(t, "shop_sales_summary")
}

type refundOrderArgs struct {
	OrderID string `json:"order_id" jsonschema:"The order to refund (ord_…)."`
	Amount  int64  `json:"amount" jsonschema:"Minor units (cents) to refund, at most the order's refundable amount."`
	Reason  string `json:"reason,omitempty" jsonschema:"Why, for the order's record and the agent's webhook."`
	writeArgs
}

func refundOrderTool() *tool {
	t := &tool{title: "Refund an order", schema: schemaFor[refundOrderArgs](),
		description: "Refund part or all of a shop order through the payment provider that charged it; the agent is told by an order webhook. " +
			"Two steps: the first call returns a summary and a confirmation_token and changes nothing; call again with the same arguments and the token."}
	t.plan = func(ctx context.Context, s *Server, c *call) (*plan, error) {
		in, err := decode[refundOrderArgs](c.raw)
		if err != nil {
			return nil, err
		}
		if in.Amount <= 0 {
			return nil, refusal("invalid_arguments", "amount must be a positive number of minor units.")
		}
		o, err := s.order(ctx, in.OrderID)
		if err != nil {
			return nil, err
		}
		if in.Amount > o.Refundable() {
			return nil, commerce.Invalid("amount", "Only %s of order %s can still be refunded.", o.Currency.Format(o.Refundable()), o.ID)
		}
		summary := fmt.Sprintf("Refund %s of order %s (total %s, %s refunded already)", o.Currency.Format(in.Amount), o.ID,
			o.Currency.Format(o.Totals.Total), o.Currency.Format(o.Refunded()))
		if o.Buyer != nil && o.Buyer.Email != "" {
			summary += " to " + o.Buyer.Email
		}
		if o.Mode == commerce.ModeLive {
			summary += ". LIVE MODE: real money."
		}
		return &plan{Summary: summary, Live: o.Mode == commerce.ModeLive, Act: func(ctx context.Context, key string, audit *auditInTx) (any, error) {
			o, err := s.cfg.Service.RefundOrder(ctx, in.OrderID, commerce.RefundInput{Amount: in.Amount, Reason: in.Reason, Key: key},
				&commerce.TxHooks[*commerce.Order]{Commit: func(ctx context.Context, tx commerce.Executor, _ *commerce.Order) error {
					return audit.Commit(ctx, tx)
				}})
			if err != nil {
				return nil, err
			}
			return newOrderView(o), nil
		}}, nil
	}
	return named(t, "shop_refund_order")
}
