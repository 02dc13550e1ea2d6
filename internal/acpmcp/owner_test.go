package acpmcp_test

import (
	"context"
	"strings"
	"testing"

	"agentshop/internal/acpmcp"
	"agentshop/internal/apikey"
)

// TestSessionsBelongToTheirKey: over /acp/mcp, a session created with key
// A is invisible to key B: get, update, complete and cancel fail with
// not_found and the same error as an unknown id, and change nothing.
func TestSessionsBelongToTheirKey(t *testing.T) {
	t.Parallel()
	for _, version := range versions() {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			other, k := apikey.New("other", b.now())
			if err := b.store.CreateAPIKey(context.Background(), k); err != nil {
				t.Fatal(err)
			}
			mine := b.client(t)
			theirs, err := b.connect(t, other)
			if err != nil {
				t.Fatal(err)
			}
			s := b.call(t, mine, acpmcp.ToolCreate, version, mut(version, "", createPayload(version, true))).want(t)
			id := s.str("id")
			tok := b.token(t, "4242424242424242", id, s.total())
			const unknown = "cs_00000000000000000000000000"
			for _, tt := range []struct {
				tool    string
				payload any
			}{
				{acpmcp.ToolGet, nil},
				{acpmcp.ToolUpdate, addressPayload(version)},
				{acpmcp.ToolComplete, completePayload(version, tok)},
				{acpmcp.ToolCancel, nil},
			} {
				a := mut(version, id, tt.payload)
				if tt.tool == acpmcp.ToolGet {
					a = args(version, id, nil)
				}
				got := b.wantError(t, b.call(t, theirs, tt.tool, version, a), version, acpmcp.CodeACPError, "not_found")
				a["id"] = unknown
				if tt.tool != acpmcp.ToolGet {
					a = mut(version, unknown, tt.payload)
				}
				want := b.wantError(t, b.call(t, theirs, tt.tool, version, a), version, acpmcp.CodeACPError, "not_found")
				if g, w := string(got.Err.Data), strings.ReplaceAll(string(want.Err.Data), unknown, id); g != w {
					t.Errorf("%s with another key: %s, want %s (as for an unknown id)", tt.tool, g, w)
				}
			}
			// The owner still finds it unchanged and pays.
			if got := b.call(t, mine, acpmcp.ToolGet, version, args(version, id, nil)).want(t); got.str("status") != "ready_for_payment" {
				t.Errorf("owner's session after the other key's calls: %s", got.Raw)
			}
			done := b.call(t, mine, acpmcp.ToolComplete, version, mut(version, id, completePayload(version, tok))).want(t)
			if done.str("order", "id") == "" {
				t.Errorf("owner's complete: %s", done.Raw)
			}
		})
	}
}
