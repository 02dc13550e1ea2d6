package mcpapp

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"agentshop/internal/commerce"
)

// completeArgs are complete_checkout's arguments, decoded leniently: the
// input schema (schema.go) allows extra fields and nulls, and
// encoding/json ignores unknown fields and leaves nulls as zero values.
type completeArgs struct {
	CheckoutSessionID string         `json:"checkout_session_id"`
	Buyer             *buyerArg      `json:"buyer"`
	PaymentData       paymentDataArg `json:"payment_data"`
}

// buyerArg accepts ACP's {first_name, last_name, email, phone_number} and
// the {name, email, phone_number} shape of Stripe's published sample.
type buyerArg struct {
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	Name        string `json:"name"`
	Email       string `json:"email"`
	PhoneNumber string `json:"phone_number"`
}

func (b *buyerArg) buyer() *commerce.Buyer {
	if b == nil || *b == (buyerArg{}) {
		return nil
	}
	return &commerce.Buyer{FirstName: b.FirstName, LastName: b.LastName, FullName: b.Name, Email: b.Email, PhoneNumber: b.PhoneNumber}
}

// paymentDataArg is the Apps SDK / ACP 2025-09-29 PaymentData {token,
// provider, billing_address} or the ACP 2026-04-17 one {handler_id,
// instrument: {type, credential: {type, token}}, billing_address}.
type paymentDataArg struct {
	Token          string      `json:"token"`
	Provider       string      `json:"provider"`
	BillingAddress *addressArg `json:"billing_address"`
	HandlerID      string      `json:"handler_id"`
	Instrument     *struct {
		Credential *struct {
			Token string `json:"token"`
		} `json:"credential"`
	} `json:"instrument"`
}

// token returns the payment token from either shape.
func (p paymentDataArg) token() string {
	if t := strings.TrimSpace(p.Token); t != "" {
		return t
	}
	if p.Instrument != nil && p.Instrument.Credential != nil {
		return strings.TrimSpace(p.Instrument.Credential.Token)
	}
	return ""
}

func (s *Server) addCompleteTool() {
	mcp.AddTool(s.mcp, &mcp.Tool{
		Name:  "complete_checkout",
		Title: "Complete checkout",
		Description: "Pays for a checkout session with a one-time payment token and places the order. ChatGPT's " +
			"payment sheet calls it after the buyer confirms payment in the checkout widget; do not call it " +
			"yourself and never ask the buyer for card details. Returns the completed session with its order, " +
			"or, if the payment was declined or needs 3-D Secure, the session with an error message " +
			"(payment_declined or requires_3ds) and nothing charged. Calling it again for a completed session " +
			"returns the same order and charges nothing.",
		Annotations: &mcp.ToolAnnotations{Title: "Complete checkout", IdempotentHint: true,
			DestructiveHint: new(false), OpenWorldHint: new(true)},
		Meta:         widgetCallableMeta("Processing payment…", "Payment processed"),
		InputSchema:  schema(completeInputSchema),
		OutputSchema: schema(sessionOutputSchema),
	}, s.completeCheckout)
}

func (s *Server) completeCheckout(ctx context.Context, req *mcp.CallToolRequest, in completeArgs) (*mcp.CallToolResult, json.RawMessage, error) {
	const tool = "complete_checkout"
	id := strings.TrimSpace(in.CheckoutSessionID)
	if id == "" {
		return nil, nil, &toolErr{code: commerce.EINVALID, msg: "checkout_session_id is required."}
	}
	sessions := s.sessions(req)
	token := in.PaymentData.token()
	if token == "" {
		return nil, nil, &toolErr{code: commerce.EINVALID,
			msg: "A payment token is required: payment_data.token (or payment_data.instrument.credential.token)."}
	}
	v, err := sessions.Complete(ctx, id, commerce.CompleteInput{
		Token:          token,
		Buyer:          in.Buyer.buyer(),
		BillingAddress: in.PaymentData.BillingAddress.address(),
		Payment:        commerce.PaymentSelection{HandlerID: in.PaymentData.HandlerID, Provider: in.PaymentData.Provider},
	}, nil)
	if de, ok := errors.AsType[*commerce.Error](err); ok && de.Code == commerce.EINVALID &&
		(de.Param == "$.payment_data.provider" || de.Param == "$.payment_data.handler_id") {
		// A token minted for a handler this session does not offer
		// (another PSP, a disabled handler, the other mode): nothing was
		// charged. Answer with the session and the reason, which the
		// payment sheet shows before it asks again.
		if v, err = sessions.Get(ctx, id); err != nil {
			return nil, nil, s.toolError(ctx, tool, err)
		}
		return s.sessionResult(ctx, tool, v, wireMessage{
			Type: "error", Code: "invalid", Param: de.Param, ContentType: "plain", Content: de.Message,
		})
	}
	if de, ok := errors.AsType[*commerce.Error](err); ok && de.Reason == commerce.CodeRequires3DS {
		// A 3-D Secure challenge is pending from an earlier attempt and
		// this call has no authentication result (the Apps SDK contract
		// has none): answer with the session and its requires_3ds message.
		v, err = sessions.Get(ctx, id)
	}
	if err != nil {
		return nil, nil, s.toolError(ctx, tool, err)
	}
	if v.Order != nil {
		s.cfg.Logger.InfoContext(ctx, "mcp: checkout completed", "session", id, "order", v.Order.ID)
	}
	return s.sessionResult(ctx, tool, v)
}
