package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"agentshop/internal/commerce"
	"agentshop/internal/payment/sandbox"
)

// specVersions are the ACP versions whose delegate-payment schema the
// sandbox speaks.
var specVersions = []string{"2025-09-29", "2026-04-17"}

// specDir returns AGENTSHOP_ACP_SPEC_DIR or skips the test.
func specDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("AGENTSHOP_ACP_SPEC_DIR")
	if dir == "" {
		t.Skip("AGENTSHOP_ACP_SPEC_DIR is not set; set it to the ACP spec checkout (e.g. /work/shared/spec/acp) to validate against the official schemas")
	}
	return dir
}

// delegateSchema compiles one definition of a version's delegate-payment
// schema, asserting formats such as date-time.
func delegateSchema(t *testing.T, dir, version, def string) *jsonschema.Schema {
	t.Helper()
	file, err := filepath.Abs(filepath.Join(dir, version, "json-schema", "schema.delegate_payment.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	sch, err := c.Compile(file + "#/$defs/" + def)
	if err != nil {
		t.Fatalf("compile %s %s: %v", version, def, err)
	}
	return sch
}

func validate(t *testing.T, sch *jsonschema.Schema, doc []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("%s\ndoes not validate: %v", doc, err)
	}
}

func TestSchemaDelegateResponse(t *testing.T) {
	t.Parallel()
	dir := specDir(t)
	for _, version := range specVersions {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			sch := delegateSchema(t, dir, version, "DelegatePaymentResponse")
			// The validator must be able to fail (a missing created, a
			// non-date-time created).
			for _, bad := range []string{`{"id":"vt_1","metadata":{}}`, `{"id":"vt_1","created":"yesterday","metadata":{}}`} {
				inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(bad)))
				if sch.Validate(inst) == nil {
					t.Fatalf("%s validates; the schema check is not working", bad)
				}
			}
			p, _ := setup(t)
			tok, err := delegate(t, p, encode(t, requestJSON("4242424242424242")))
			if err != nil {
				t.Fatal(err)
			}
			for _, key := range []string{"idem_abc123", ""} {
				body, err := sandbox.EncodeDelegateResponse(tok, key)
				if err != nil {
					t.Fatal(err)
				}
				validate(t, sch, body)
			}
		})
	}
}

// TestSchemaDelegateRequestWire checks that the Go wire structs encode to a
// valid DelegatePaymentRequest, so clients (the agent CLI) can build
// requests with them.
func TestSchemaDelegateRequestWire(t *testing.T) {
	t.Parallel()
	dir := specDir(t)
	for _, version := range specVersions {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			sch := delegateSchema(t, dir, version, "DelegatePaymentRequest")
			body := encode(t, requestJSON("4242424242424242"))
			validate(t, sch, body) // the test fixture itself is valid
			req, err := sandbox.DecodeDelegateRequest(body)
			if err != nil {
				t.Fatal(err)
			}
			again, err := json.Marshal(req)
			if err != nil {
				t.Fatal(err)
			}
			validate(t, sch, again)
		})
	}
}

// TestSchemaExampleRequest delegates each version's official example
// request.
func TestSchemaExampleRequest(t *testing.T) {
	t.Parallel()
	dir := specDir(t)
	for _, version := range specVersions {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(filepath.Join(dir, version, "examples", "examples.delegate_payment.json"))
			if err != nil {
				t.Fatal(err)
			}
			var examples map[string]json.RawMessage
			if err := json.Unmarshal(b, &examples); err != nil {
				t.Fatal(err)
			}
			req, err := sandbox.DecodeDelegateRequest(examples["delegate_payment_request"])
			if err != nil {
				t.Fatalf("decode the official example: %v", err)
			}
			exp, err := time.Parse(time.RFC3339, req.Allowance.ExpiresAt)
			if err != nil {
				t.Fatal(err)
			}
			now := exp.Add(-time.Hour) // the example's allowance expired long ago
			p := sandbox.New(newMemVault(), req.Allowance.MerchantID, func() time.Time { return now })
			tok, err := p.Delegate(context.Background(), req)
			if err != nil {
				t.Fatalf("delegate the official example: %v", err)
			}
			if tok.CardLast4 != "4242" || tok.CardBehavior != sandbox.BehaviorSucceed {
				t.Errorf("token = %+v", tok)
			}
		})
	}
}

// TestSchemaErrorBody checks that a validation error, written the way the
// ACP transport writes it (type invalid_request, code = Reason), is a valid
// delegate-payment Error in both versions.
func TestSchemaErrorBody(t *testing.T) {
	t.Parallel()
	dir := specDir(t)
	m := requestJSON("4242424242424242")
	set(m, "allowance.merchant_id", "someone_else")
	p, _ := setup(t)
	_, err := delegate(t, p, encode(t, m))
	e, ok := errors.AsType[*commerce.Error](err)
	if !ok {
		t.Fatalf("error %v is not a *commerce.Error", err)
	}
	body, _ := json.Marshal(map[string]string{"type": "invalid_request", "code": e.Reason, "message": e.Message, "param": e.Param})
	for _, version := range specVersions {
		validate(t, delegateSchema(t, dir, version, "Error"), body)
	}
}
