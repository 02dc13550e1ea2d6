package acpmcp_test

import (
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"

	"agentshop/internal/acpmcp"
)

// A U+0000 in the arguments is refused with the JSONPath of its string:
// in meta or id as an envelope error (-32602), in the payload as the
// codec's ACP invalid error; nothing reaches the store.
func TestNULIsInvalid(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cs := b.client(t)
	envelope := []struct {
		name, tool string
		args       map[string]any
		param      string
	}{
		{"id", acpmcp.ToolGet, args(v2026, "cs_\x00", nil), "$.id"},
		{"idempotency key", acpmcp.ToolCreate, args(v2026, "", createPayload(v2026, false), "idempotency_key", "k\x00"), "$.meta.idempotency_key"},
		{"other meta", acpmcp.ToolCancel, args(v2026, "cs_x", nil, "idempotency_key", newKey(), "note", "\x00"), "$.meta.note"},
	}
	for _, tc := range envelope {
		t.Run(tc.name, func(t *testing.T) {
			r := b.wantError(t, b.call(t, cs, tc.tool, "", tc.args), "", jsonrpc.CodeInvalidParams, "invalid_params")
			if r.Data["param"] != tc.param {
				t.Errorf("param %v, want %s (%s)", r.Data["param"], tc.param, r.Err.Data)
			}
		})
	}
	for _, version := range versions() {
		p := createPayload(version, false)
		p["locale"] = "en\x00"
		r := b.wantError(t, b.call(t, cs, acpmcp.ToolCreate, version, mut(version, "", p)), version, acpmcp.CodeACPError, "invalid")
		if r.Data["param"] != "$.payload.locale" {
			t.Errorf("%s payload: data %s, want param $.payload.locale", version, r.Err.Data)
		}
	}
}
