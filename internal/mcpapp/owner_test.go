package mcpapp_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"agentshop/internal/commerce"
)

// callMeta calls a tool with request _meta (nil: none).
func (b *bundle) callMeta(t *testing.T, name string, args any, meta mcp.Meta) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := b.session.CallTool(ctx, &mcp.CallToolParams{Meta: meta, Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

// unknownID is a well-formed session id that does not exist.
const unknownID = "cs_00000000000000000000000000"

// wantUnknown fails unless res is the tool error an unknown session id
// gets, with id in place of the unknown one.
func (b *bundle) wantUnknown(t *testing.T, what string, res *mcp.CallToolResult, id string, unknown *mcp.CallToolResult) {
	t.Helper()
	if !res.IsError {
		t.Errorf("%s: got a session, want the unknown-id error: %v", what, res.StructuredContent)
		return
	}
	if got, want := text(res), strings.ReplaceAll(text(unknown), unknownID, id); got != want {
		t.Errorf("%s: %q, want %q (as for an unknown id)", what, got, want)
	}
	if res.StructuredContent != nil {
		t.Errorf("%s: structuredContent on a refusal: %v", what, res.StructuredContent)
	}
}

// TestAppReachesOnlyItsSessions: /mcp, which needs no credentials, cannot
// see or change a session an agent created with its API key (over REST or
// /acp/mcp): update_checkout (both as a read and as a change) and
// complete_checkout answer as for an unknown id, leak none of the buyer's
// details, change nothing and charge nothing.
func TestAppReachesOnlyItsSessions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	v, err := b.svc.For("key:key_agent").Create(ctx, commerce.CreateInput{
		Lines: []commerce.LineInput{{ItemID: racket, Quantity: 1}},
		Fulfillment: &commerce.FulfillmentInput{Name: "Ada Lovelace", Email: "ada@example.com", Phone: "+15555550123", Address: &commerce.Address{
			Name: "Ada Lovelace", LineOne: "1 Market St", City: "San Francisco", State: "CA", Country: "US", PostalCode: "94103"}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := v.Session.ID
	other := map[string]any{"name": "Eve", "line_one": "2 Elsewhere Rd", "city": "Portland", "state": "OR", "country": "US", "postal_code": "97201"}
	tok := b.token(t, "4242424242424242", sessionWithTotal(id, v))
	for _, tt := range []struct {
		name, tool string
		args       map[string]any
	}{
		{"read", "update_checkout", map[string]any{}},
		{"change address", "update_checkout", map[string]any{"fulfillment_address": other}},
		{"complete", "complete_checkout", map[string]any{"payment_data": map[string]any{"token": tok, "provider": "sandbox"}}},
	} {
		for _, meta := range []mcp.Meta{nil, {"openai/session": "conv-1"}} {
			tt.args["checkout_session_id"] = unknownID
			unknown := b.callMeta(t, tt.tool, tt.args, meta)
			tt.args["checkout_session_id"] = id
			res := b.callMeta(t, tt.tool, tt.args, meta)
			b.wantUnknown(t, tt.name, res, id, unknown)
			if out := text(res); strings.Contains(out, "ada@example.com") || strings.Contains(out, "5555550123") {
				t.Errorf("%s leaks the buyer: %s", tt.name, out)
			}
		}
	}
	after, err := b.svc.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if after.Session.Version != v.Session.Version || after.Session.Address.City != "San Francisco" || after.Quote.Totals.Total != v.Quote.Totals.Total {
		t.Errorf("the app changed an agent's session: version %d→%d, city %q", v.Session.Version, after.Session.Version, after.Session.Address.City)
	}
	if n := b.provider.calls.Load(); n != 0 {
		t.Errorf("provider called %d times", n)
	}
}

// sessionWithTotal is enough of a session for token.
func sessionWithTotal(id string, v *commerce.View) session {
	s := session{ID: id, Currency: string(v.Session.Currency)}
	s.Totals = []struct {
		Type   string `json:"type"`
		Amount int64  `json:"amount"`
	}{{Type: "total", Amount: v.Quote.Totals.Total}}
	return s
}

// TestAppConversationBinding: a session show_checkout creates under a
// host conversation id (_meta["openai/session"]) is refused to calls with
// another id, and reachable from calls with the same id or none (a host
// that omits the id later is not locked out of its own session: before,
// it was); one created without an id is reachable from any App call.
func TestAppConversationBinding(t *testing.T) {
	t.Parallel()
	b := setup(t)
	convA, convB := mcp.Meta{"openai/session": "conv-a"}, mcp.Meta{"openai/session": "conv-b"}
	show := func(meta mcp.Meta) string {
		res := b.callMeta(t, "show_checkout", map[string]any{"items": []any{map[string]any{"id": racket}}}, meta)
		if res.IsError {
			t.Fatalf("show_checkout: %s", text(res))
		}
		var s session
		decode(t, res.StructuredContent, &s)
		return s.ID
	}
	bound, unbound := show(convA), show(nil)
	for _, tt := range []struct {
		name  string
		id    string
		meta  mcp.Meta
		reach bool
	}{
		{"bound, same conversation", bound, convA, true},
		{"bound, other conversation", bound, convB, false},
		{"bound, no conversation", bound, nil, true},
		{"unbound, no conversation", unbound, nil, true},
		{"unbound, a conversation", unbound, convA, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, args := range []map[string]any{{}, {"fulfillment_address": shipTo()}} {
				args["checkout_session_id"] = unknownID
				unknown := b.callMeta(t, "update_checkout", args, tt.meta)
				args["checkout_session_id"] = tt.id
				res := b.callMeta(t, "update_checkout", args, tt.meta)
				if tt.reach {
					if res.IsError {
						t.Errorf("refused: %s", text(res))
					}
					continue
				}
				b.wantUnknown(t, tt.name, res, tt.id, unknown)
			}
		})
	}
	// complete_checkout follows the same rule: the other conversation
	// cannot pay, the session's own can.
	var s session
	decode(t, b.callMeta(t, "update_checkout", map[string]any{"checkout_session_id": bound}, convA).StructuredContent, &s)
	pay := map[string]any{"checkout_session_id": bound, "payment_data": map[string]any{"token": b.token(t, "4242424242424242", s), "provider": "sandbox"}}
	if res := b.callMeta(t, "complete_checkout", pay, convB); !res.IsError {
		t.Errorf("complete from another conversation succeeded: %v", res.StructuredContent)
	}
	if n := b.provider.calls.Load(); n != 0 {
		t.Errorf("provider called %d times from another conversation", n)
	}
	if res := b.callMeta(t, "complete_checkout", pay, convA); res.IsError {
		t.Errorf("complete from the session's conversation: %s", text(res))
	}

	// A host that sent its conversation id at create and leaves it out
	// when paying pays its own session.
	other := show(convB)
	decode(t, b.callMeta(t, "update_checkout", map[string]any{"checkout_session_id": other, "fulfillment_address": shipTo()}, nil).StructuredContent, &s)
	pay = map[string]any{"checkout_session_id": other, "payment_data": map[string]any{"token": b.token(t, "4242424242424242", s), "provider": "sandbox"}}
	if res := b.callMeta(t, "complete_checkout", pay, nil); res.IsError {
		t.Errorf("complete without the conversation id of the create: %s", text(res))
	}
	if n := b.provider.calls.Load(); n != 2 {
		t.Errorf("provider called %d times, want 2 (one per session paid)", n)
	}
}
