package mcpapp

import (
	"context"
	"encoding/json"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"agentshop/internal/commerce"
)

// itemArg is one requested item.
type itemArg struct {
	ID       string `json:"id" jsonschema:"Item id from search_products."`
	Quantity int64  `json:"quantity,omitempty" jsonschema:"How many, at least 1 (default 1)."`
}

// addressArg is a postal address (ACP Address).
type addressArg struct {
	Name       string `json:"name" jsonschema:"Recipient's full name."`
	LineOne    string `json:"line_one" jsonschema:"Street and number."`
	LineTwo    string `json:"line_two,omitempty" jsonschema:"Apartment, suite, etc."`
	City       string `json:"city"`
	State      string `json:"state,omitempty" jsonschema:"State or region code, e.g. CA."`
	Country    string `json:"country" jsonschema:"ISO 3166-1 alpha-2 country code, e.g. US."`
	PostalCode string `json:"postal_code"`
}

func (a *addressArg) address() *commerce.Address {
	if a == nil {
		return nil
	}
	return &commerce.Address{Name: a.Name, LineOne: a.LineOne, LineTwo: a.LineTwo, City: a.City,
		State: a.State, Country: a.Country, PostalCode: a.PostalCode}
}

func (a *addressArg) fulfillment() *commerce.FulfillmentInput {
	if a == nil {
		return nil
	}
	return &commerce.FulfillmentInput{Name: a.Name, Address: a.address()}
}

func lineInputs(items []itemArg) []commerce.LineInput {
	if items == nil {
		return nil
	}
	out := make([]commerce.LineInput, len(items))
	for i, it := range items {
		q := it.Quantity
		if q == 0 {
			q = 1
		}
		out[i] = commerce.LineInput{ItemID: it.ID, Quantity: q}
	}
	return out
}

// showArgs are show_checkout's arguments.
type showArgs struct {
	Items              []itemArg   `json:"items" jsonschema:"The items to buy, with quantities."`
	FulfillmentAddress *addressArg `json:"fulfillment_address,omitempty" jsonschema:"Shipping address, only if the buyer already gave it; the widget asks for it otherwise."`
}

// updateArgs are update_checkout's arguments. Absent fields are unchanged.
type updateArgs struct {
	CheckoutSessionID   string      `json:"checkout_session_id" jsonschema:"The id returned by show_checkout."`
	FulfillmentAddress  *addressArg `json:"fulfillment_address,omitempty" jsonschema:"New shipping address."`
	FulfillmentOptionID *string     `json:"fulfillment_option_id,omitempty" jsonschema:"Id of one of the session's fulfillment_options."`
	Items               []itemArg   `json:"items,omitempty" jsonschema:"Replaces all items; use it to change quantities."`
}

func (s *Server) addCheckoutTools() {
	mcp.AddTool(s.mcp, &mcp.Tool{
		Name:  "show_checkout",
		Title: "Show checkout",
		Description: "Start buying: creates a checkout session for the given item ids and quantities and shows the " +
			"checkout widget, where the buyer enters the shipping address, picks shipping and pays. Call it when " +
			"the buyer wants to buy; pass fulfillment_address only if the buyer already gave it in the chat. " +
			"Never ask for card details. Prices, tax and shipping in the result are authoritative.",
		Annotations: &mcp.ToolAnnotations{Title: "Show checkout", DestructiveHint: new(false), OpenWorldHint: new(false)},
		Meta:        widgetToolMeta("Preparing checkout…", "Checkout ready"),
		// Instant Checkout's session is the 2025-09-29 shape; the schema
		// describes it loosely (see schema.go).
		OutputSchema: schema(sessionOutputSchema),
	}, s.showCheckout)

	mcp.AddTool(s.mcp, &mcp.Tool{
		Name:  "update_checkout",
		Title: "Update checkout",
		Description: "Change an open checkout session: shipping address, shipping option (fulfillment_option_id) or " +
			"items and quantities. Returns the recomputed session with new totals. The checkout widget calls it; " +
			"call it yourself only when the buyer asks in the chat to change their checkout.",
		Annotations:  &mcp.ToolAnnotations{Title: "Update checkout", IdempotentHint: true, DestructiveHint: new(false), OpenWorldHint: new(false)},
		Meta:         widgetCallableMeta("Updating checkout…", "Checkout updated"),
		OutputSchema: schema(sessionOutputSchema),
	}, s.updateCheckout)
}

func (s *Server) showCheckout(ctx context.Context, req *mcp.CallToolRequest, in showArgs) (*mcp.CallToolResult, json.RawMessage, error) {
	client, at := clientFrom(ctx), s.now()
	if !s.openSessions.reserve(client, at) {
		s.cfg.Logger.InfoContext(ctx, "mcp tool: open session cap", "tool", "show_checkout", "client", client, "max", s.cfg.MaxOpenSessions)
		return nil, nil, &toolErr{code: "rate_limited", msg: "Too many checkouts were started from this client; complete one, or retry later."}
	}
	v, err := s.sessions(req).Create(ctx, commerce.CreateInput{
		Lines:       lineInputs(in.Items),
		Fulfillment: in.FulfillmentAddress.fulfillment(),
		Locale:      requestLocale(req),
	}, nil)
	if err != nil {
		s.openSessions.release(client, at)
		return nil, nil, s.toolError(ctx, "show_checkout", err)
	}
	return s.sessionResult(ctx, "show_checkout", v)
}

func (s *Server) updateCheckout(ctx context.Context, req *mcp.CallToolRequest, in updateArgs) (*mcp.CallToolResult, json.RawMessage, error) {
	up := commerce.UpdateInput{
		Lines:               lineInputs(in.Items),
		Fulfillment:         in.FulfillmentAddress.fulfillment(),
		FulfillmentOptionID: in.FulfillmentOptionID,
	}
	var (
		v   *commerce.View
		err error
	)
	if up.Lines == nil && up.Fulfillment == nil && up.FulfillmentOptionID == nil {
		// Nothing to change: the widget is asking for the session's state,
		// e.g. after the buyer paid on the hosted page. A completed session
		// comes back with its order.
		v, err = s.sessions(req).Get(ctx, in.CheckoutSessionID)
	} else {
		v, err = s.sessions(req).Update(ctx, in.CheckoutSessionID, up, nil)
	}
	if err != nil {
		return nil, nil, s.toolError(ctx, "update_checkout", err)
	}
	return s.sessionResult(ctx, "update_checkout", v)
}

// sessionResult is a checkout tool's result: the rendered session as
// structuredContent and a one-paragraph summary as text.
func (s *Server) sessionResult(ctx context.Context, tool string, v *commerce.View, extra ...wireMessage) (*mcp.CallToolResult, json.RawMessage, error) {
	out, err := s.renderSession(v, extra...)
	if err != nil {
		return nil, nil, s.toolError(ctx, tool, err)
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s.sessionSummary(v, extra...)}}}, out, nil
}

// requestLocale is the buyer's locale ChatGPT sends in the request _meta.
// It is a hint for messages, never for authorization.
func requestLocale(req *mcp.CallToolRequest) string {
	if req == nil || req.Params == nil {
		return ""
	}
	l, _ := req.Params.Meta["openai/locale"].(string)
	return l
}
