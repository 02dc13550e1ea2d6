package conformance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"agentshop/internal/acpclient"
)

// schemaV validates body against def of version and fails c with what
// when it does not validate. Without schemas it does nothing; the
// schemas case of the report says so.
func (r *runner) schemaV(c *Case, version, what, def string, body []byte) {
	if r.cfg.Schemas == nil {
		return
	}
	if err := r.cfg.Schemas.Validate(version, def, body); err != nil {
		c.Errorf("%s: body does not validate against %s %s: %v", what, version, def, err)
	}
}

// expectSession checks a session answer: status want (0: any 2xx), a
// decodable CheckoutSession that validates against the version's schema
// (CheckoutSessionWithOrder once it has an order). It records the body
// for the totals and message cases and returns the session, or nil after
// failing c.
func (r *runner) expectSession(c *Case, step string, want int, s *acpclient.Session, resp *acpclient.Response, err error) *acpclient.Session {
	if resp == nil {
		c.Errorf("%s: %v", step, err)
		return nil
	}
	switch {
	case want != 0 && resp.Status != want:
		c.Errorf("%s: HTTP %d, want %d%s", step, resp.Status, want, errText(err))
	case want == 0 && (resp.Status < 200 || resp.Status > 299):
		c.Errorf("%s: HTTP %d, want 2xx%s", step, resp.Status, errText(err))
	}
	if s == nil {
		if err != nil && resp.Status >= 200 && resp.Status <= 299 {
			c.Errorf("%s: %v", step, err)
		}
		return nil
	}
	def := "CheckoutSession"
	if s.Status == "completed" || s.Order != nil {
		def = "CheckoutSessionWithOrder"
	}
	r.schemaV(c, r.v, step, def, resp.Body)
	r.sessions = append(r.sessions, seenSession{step: step, body: resp.Body})
	return s
}

// expectError checks an error answer: HTTP status want, ACP's flat error
// object that validates against the version's Error schema, a code among
// codes (when given) and a param that is a JSONPath (when present). It
// returns the parsed error, or nil when the answer was not an error.
func (r *runner) expectError(c *Case, step string, want int, resp *acpclient.Response, err error, codes ...string) *acpclient.APIError {
	return r.expectErrorV(c, r.v, "Error", step, want, resp, err, codes...)
}

// expectErrorV is expectError against the Error definition def of
// version, for answers that belong to another version or bundle.
func (r *runner) expectErrorV(c *Case, version, def, step string, want int, resp *acpclient.Response, err error, codes ...string) *acpclient.APIError {
	if resp == nil {
		c.Errorf("%s: %v", step, err)
		return nil
	}
	apiErr, ok := errors.AsType[*acpclient.APIError](err)
	if !ok {
		c.Errorf("%s: HTTP %d, want %d%s", step, resp.Status, want, bodyText(resp.Body))
		return nil
	}
	if resp.Status != want {
		c.Errorf("%s: HTTP %d, want %d (%s)", step, resp.Status, want, apiErr.Error())
	}
	for _, p := range flatErrorProblems(resp.Body) {
		c.Errorf("%s: %s", step, p)
	}
	r.schemaV(c, version, step, def, resp.Body)
	if len(codes) > 0 && !slices.Contains(codes, apiErr.Code) {
		c.Errorf("%s: code %q, want %s", step, apiErr.Code, strings.Join(codes, " or "))
	}
	if apiErr.Param != "" {
		if _, perr := parseJSONPath(apiErr.Param); perr != nil {
			c.Errorf("%s: param: %v", step, perr)
		}
	}
	return apiErr
}

// flatErrorProblems checks ACP's flat error object {type, code, message,
// param?} without the schemas: a JSON object, not wrapped in an "error"
// envelope, with string type, code and message.
func flatErrorProblems(body []byte) []string {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return []string{"error body is not a JSON object" + bodyText(body)}
	}
	var out []string
	if _, ok := m["error"].(map[string]any); ok {
		out = append(out, `error is wrapped in an {"error": …} envelope; ACP errors are flat`)
	}
	for _, f := range []string{"type", "code", "message"} {
		if s, ok := m[f].(string); !ok || s == "" {
			out = append(out, fmt.Sprintf("error has no string %q", f))
		}
	}
	if p, ok := m["param"]; ok && p != nil {
		if _, isStr := p.(string); !isStr {
			out = append(out, "error param is not a string")
		}
	}
	return out
}

// jsonEqual reports whether two JSON texts hold the same value.
func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return bytes.Equal(ja, jb)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return " (" + err.Error() + ")"
}

func bodyText(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		return " (empty body)"
	}
	return ": " + s
}
