package acpmcp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"agentshop/internal/acp/acpschema"
	"agentshop/internal/acpmcp"
)

// specFile reads a file of the 2026-04-17 spec, skipping the test when
// AGENTSHOP_ACP_SPEC_DIR is unset.
func specFile(t *testing.T, rel string) []byte {
	t.Helper()
	dir := os.Getenv(acpschema.EnvSpecDir)
	if dir == "" {
		t.Skipf("%s is not set: skipping the checks against the official OpenRPC document and examples", acpschema.EnvSpecDir)
	}
	b, err := os.ReadFile(filepath.Join(dir, v2026, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// exampleRequests returns the tools/call requests of the official MCP
// examples by example name.
func exampleRequests(t *testing.T) map[string]mcp.CallToolParams {
	t.Helper()
	var all map[string]struct {
		Method string             `json:"method"`
		Params mcp.CallToolParams `json:"params"`
	}
	if err := json.Unmarshal(specFile(t, "examples/examples.mcp.agentic_checkout.json"), &all); err != nil {
		t.Fatal(err)
	}
	out := map[string]mcp.CallToolParams{}
	for name, ex := range all {
		if ex.Method == "tools/call" {
			out[name] = ex.Params
		}
	}
	if len(out) != 5 {
		t.Fatalf("found %d example requests, want 5", len(out))
	}
	return out
}

// rpcMethod is an OpenRPC method: its name and params.
type rpcMethod struct {
	Name   string `json:"name"`
	Params []struct {
		Name     string `json:"name"`
		Required bool   `json:"required"`
	} `json:"params"`
}

// TestToolsMatchOpenRPC: tools/list has exactly the OpenRPC methods, each
// input schema declares their params with the same required ones, and
// accepts the official example requests.
func TestToolsMatchOpenRPC(t *testing.T) {
	t.Parallel()
	var doc struct {
		Methods []rpcMethod `json:"methods"`
	}
	if err := json.Unmarshal(specFile(t, "openrpc/openrpc.agentic_checkout.json"), &doc); err != nil {
		t.Fatal(err)
	}
	b := setup(t)
	res, err := b.client(t).ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	schemas := map[string]*jsonschema.Schema{}
	for _, tool := range res.Tools {
		raw, _ := json.Marshal(tool.InputSchema)
		var s struct {
			Properties map[string]json.RawMessage `json:"properties"`
			Required   []string                   `json:"required"`
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(doc.Methods, func(m rpcMethod) bool { return m.Name == tool.Name })
		if i < 0 {
			t.Errorf("tool %s is not an OpenRPC method", tool.Name)
			continue
		}
		var props, required []string
		for _, p := range doc.Methods[i].Params {
			props = append(props, p.Name)
			if p.Required {
				required = append(required, p.Name)
			}
		}
		var got []string
		for p := range s.Properties {
			got = append(got, p)
		}
		slices.Sort(got)
		slices.Sort(props)
		slices.Sort(required)
		slices.Sort(s.Required)
		if diff := cmp.Diff(props, got); diff != "" {
			t.Errorf("%s properties (-openrpc +ours):\n%s", tool.Name, diff)
		}
		if diff := cmp.Diff(required, s.Required); diff != "" {
			t.Errorf("%s required (-openrpc +ours):\n%s", tool.Name, diff)
		}
		if tool.Annotations == nil || tool.Description == "" {
			t.Errorf("%s lacks annotations or a description", tool.Name)
		}
		c := jsonschema.NewCompiler()
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource(tool.Name+".json", inst); err != nil {
			t.Fatal(err)
		}
		if schemas[tool.Name], err = c.Compile(tool.Name + ".json"); err != nil {
			t.Fatalf("%s: input schema does not compile: %v", tool.Name, err)
		}
	}
	if len(res.Tools) != len(doc.Methods) {
		t.Errorf("%d tools, want the %d OpenRPC methods", len(res.Tools), len(doc.Methods))
	}

	for name, p := range exampleRequests(t) {
		s := schemas[p.Name]
		if s == nil {
			t.Errorf("example %s calls unknown tool %s", name, p.Name)
			continue
		}
		raw, _ := json.Marshal(p.Arguments)
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(inst); err != nil {
			t.Errorf("example %s: our %s input schema rejects it: %v", name, p.Name, err)
		}
	}
}

// replace returns v with every string equal to a key of subst replaced.
func replace(v any, subst map[string]string) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = replace(e, subst)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = replace(e, subst)
		}
		return out
	case string:
		if r, ok := subst[x]; ok {
			return r
		}
	}
	return v
}

// withKey returns a copy of arguments a with meta.idempotency_key set.
func withKey(a any) map[string]any {
	m := replace(a, nil).(map[string]any)
	m["meta"].(map[string]any)["idempotency_key"] = newKey()
	return m
}

// TestReplayExamples replays the official MCP example requests, with the
// example ids, item and token replaced by real ones. Where an example
// cannot succeed, the test pins the answer and then sends it corrected:
// update and cancel carry no idempotency_key, which 2026-04-17 requires;
// update's selected_fulfillment_options nests option_id and item_ids in a
// "shipping" object, and complete's payment_data.instrument is {token}
// without the type and credential, both against the 2026-04-17 JSON Schema
// (the payload is decoded before the key is checked, as on REST).
func TestReplayExamples(t *testing.T) {
	t.Parallel()
	ex := exampleRequests(t)
	b := setup(t)
	cs := b.client(t)
	subst := map[string]string{"item_123": racket}
	send := func(name string, a any) result {
		t.Helper()
		return b.call(t, cs, ex[name].Name, v2026, replace(a, subst))
	}

	created := send("create_checkout_session_request", ex["create_checkout_session_request"].Arguments).want(t)
	if created.str("status") != "ready_for_payment" {
		t.Fatalf("create example: status %q: %s", created.str("status"), created.Raw)
	}
	subst["checkout_session_123"] = created.str("id")
	var express string
	for _, o := range created.JSON["fulfillment_options"].([]any) {
		if o := o.(map[string]any); strings.Contains(o["title"].(string), "xpress") {
			express = o["id"].(string)
		}
	}
	subst["fulfillment_option_456"] = express

	send("get_checkout_session_request", ex["get_checkout_session_request"].Arguments).want(t)

	upd := ex["update_checkout_session_request"].Arguments
	bad := b.wantError(t, send("update_checkout_session_request", upd), v2026, acpmcp.CodeACPError, "invalid")
	if bad.Data["param"] != "$.payload.selected_fulfillment_options[0].option_id" {
		t.Errorf("update example: param %v", bad.Data["param"])
	}
	flat := replace(upd, subst).(map[string]any)
	flat["payload"] = map[string]any{"selected_fulfillment_options": []any{
		map[string]any{"type": "shipping", "option_id": express, "item_ids": []any{racket}}}}
	b.wantError(t, b.call(t, cs, acpmcp.ToolUpdate, v2026, flat), v2026, acpmcp.CodeACPError, "idempotency_key_required")
	updated := b.call(t, cs, acpmcp.ToolUpdate, v2026, withKey(flat)).want(t)
	if !strings.Contains(string(updated.Raw), `"option_id":"`+express+`"`) || updated.total() <= created.total() {
		t.Errorf("update example did not select express shipping: %s", updated.Raw)
	}

	cmpl := ex["complete_checkout_session_request"].Arguments
	subst["tok_visa_4242"] = b.token(t, "4242424242424242", created.str("id"), updated.total())
	bad = b.wantError(t, send("complete_checkout_session_request", cmpl), v2026, acpmcp.CodeACPError, "invalid")
	if bad.Data["param"] != "$.payload.payment_data.instrument.credential" {
		t.Errorf("complete example: param %v", bad.Data["param"])
	}
	fixed := replace(cmpl, subst).(map[string]any)
	fixed["payload"].(map[string]any)["payment_data"].(map[string]any)["instrument"] = map[string]any{
		"type": "card", "credential": map[string]any{"type": "spt", "token": subst["tok_visa_4242"]}}
	done := b.call(t, cs, acpmcp.ToolComplete, v2026, fixed).want(t)
	if done.str("status") != "completed" || done.str("order", "checkout_session_id") != created.str("id") {
		t.Errorf("complete example: %s", done.Raw)
	}

	subst["checkout_session_123"] = b.call(t, cs, acpmcp.ToolCreate, v2026, mut(v2026, "", createPayload(v2026, true))).want(t).str("id")
	cancel := ex["cancel_checkout_session_request"].Arguments
	b.wantError(t, send("cancel_checkout_session_request", cancel), v2026, acpmcp.CodeACPError, "idempotency_key_required")
	if r := send("cancel_checkout_session_request", withKey(cancel)).want(t); r.str("status") != "canceled" {
		t.Errorf("cancel example: %s", r.Raw)
	}
}
