package mcpapp

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"agentshop/internal/commerce"
)

// orderArgs are get_order's arguments.
type orderArgs struct {
	OrderID string `json:"order_id" jsonschema:"The order id from a completed checkout (order.id)."`
}

// orderResult is get_order's structuredContent.
type orderResult struct {
	ID                string      `json:"id"`
	CheckoutSessionID string      `json:"checkout_session_id"`
	Status            string      `json:"status" jsonschema:"Order status, e.g. confirmed."`
	PermalinkURL      string      `json:"permalink_url" jsonschema:"The order page for the buyer."`
	Items             []orderItem `json:"items"`
	Total             price       `json:"total"`
	Fulfillment       string      `json:"fulfillment,omitempty" jsonschema:"The chosen shipping or delivery option."`
	CreatedAt         string      `json:"created_at" jsonschema:"RFC 3339."`
	Tracking          tracking    `json:"tracking"`
}

type orderItem struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Quantity int64  `json:"quantity"`
}

// tracking says what is known about the order's parcels.
type tracking struct {
	Available bool       `json:"available" jsonschema:"Whether the order has shipped, with carrier tracking."`
	Note      string     `json:"note"`
	Shipments []shipment `json:"shipments"`
}

type shipment struct {
	Carrier        string `json:"carrier"`
	TrackingNumber string `json:"tracking_number"`
	TrackingURL    string `json:"tracking_url,omitempty"`
	ShippedAt      string `json:"shipped_at" jsonschema:"RFC 3339."`
	DeliveredAt    string `json:"delivered_at,omitempty" jsonschema:"RFC 3339; absent until delivered."`
}

// noTracking is the tracking note before the order has shipped.
const noTracking = "Not shipped yet: tracking appears here once the shop ships the order. The order page shows the current status."

func (s *Server) addOrderTool() {
	mcp.AddTool(s.mcp, &mcp.Tool{
		Name:  "get_order",
		Title: "Get order",
		Description: "Look up an order placed in this shop by its id: status, items, total, order page link and " +
			"tracking. Use it when the buyer asks about an order they placed.",
		Annotations: &mcp.ToolAnnotations{Title: "Get order", ReadOnlyHint: true, IdempotentHint: true,
			DestructiveHint: new(false), OpenWorldHint: new(false)},
		Meta: invocationMeta("Looking up the order…", "Order found"),
	}, s.getOrder)
}

func (s *Server) getOrder(ctx context.Context, req *mcp.CallToolRequest, in orderArgs) (*mcp.CallToolResult, orderResult, error) {
	id := strings.TrimSpace(in.OrderID)
	if id == "" {
		return nil, orderResult{}, &toolErr{code: commerce.EINVALID, msg: "order_id is required."}
	}
	o, err := s.cfg.Service.Store.GetOrder(ctx, id)
	if errors.Is(err, commerce.ErrNotFound) {
		err = commerce.Errorf(commerce.ENOTFOUND, "There is no order %q in this shop.", id)
	}
	if err != nil {
		return nil, orderResult{}, s.toolError(ctx, "get_order", err)
	}
	out := orderResult{
		ID:                o.ID,
		CheckoutSessionID: o.SessionID,
		Status:            string(o.Status),
		PermalinkURL:      s.cfg.Merchant.OrderURL(o.ID),
		Items:             []orderItem{},
		Total:             newPrice(o.Totals.Total, o.Currency),
		CreatedAt:         o.CreatedAt.UTC().Format(time.RFC3339),
		Tracking:          tracking{Note: noTracking, Shipments: []shipment{}},
	}
	for _, sh := range o.Shipments {
		w := shipment{Carrier: sh.Carrier, TrackingNumber: sh.TrackingNumber, TrackingURL: sh.TrackingURL,
			ShippedAt: sh.ShippedAt.UTC().Format(time.RFC3339)}
		if sh.DeliveredAt != nil {
			w.DeliveredAt = sh.DeliveredAt.UTC().Format(time.RFC3339)
		}
		out.Tracking.Shipments = append(out.Tracking.Shipments, w)
	}
	if n := len(out.Tracking.Shipments); n > 0 {
		last := out.Tracking.Shipments[n-1]
		out.Tracking.Available = true
		out.Tracking.Note = "Shipped with " + last.Carrier + ", tracking number " + last.TrackingNumber + "."
		if last.DeliveredAt != "" {
			out.Tracking.Note = "Delivered " + last.DeliveredAt + " (" + last.Carrier + ", tracking number " + last.TrackingNumber + ")."
		}
	}
	for _, l := range o.Lines {
		name := l.ItemID
		if l.Item != nil {
			name = l.Item.Title
		}
		out.Items = append(out.Items, orderItem{ID: l.ItemID, Name: name, Quantity: l.Quantity})
	}
	if o.Fulfillment != nil {
		out.Fulfillment = o.Fulfillment.Title
	}
	text := "Order " + o.ID + " is " + string(o.Status) + ", total " + out.Total.Formatted + ". Order page: " + out.PermalinkURL + ". " + out.Tracking.Note
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}}, out, nil
}
