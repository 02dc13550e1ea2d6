package conformance

import (
	"context"
	"encoding/json"
	"fmt"

	"agentshop/internal/acpclient"
)

// maxListed bounds how many findings one case lists.
const maxListed = 5

// totalsChecks applies the rules of [checkTotals] to every session body
// the version's other cases received, one case per rule.
func (r *runner) totalsChecks() {
	found := map[string][]string{}
	for _, s := range r.sessions {
		for _, p := range checkTotals(s.body) {
			found[p.Rule] = append(found[p.Rule], s.step+": "+p.Detail)
		}
	}
	for _, rule := range totalsRules {
		r.run(context.Background(), "totals", rule, func(_ context.Context, c *Case) {
			r.reportFindings(c, found[rule])
		})
	}
}

// messageChecks: every message param in every session body is a JSONPath
// (RFC 9535, the subset ACP uses), and every error message has a code.
func (r *runner) messageChecks() {
	r.run(context.Background(), "messages", "params are JSONPath", func(_ context.Context, c *Case) {
		var found []string
		n := 0
		for _, s := range r.sessions {
			var w struct {
				Messages []acpclient.Message `json:"messages"`
			}
			if json.Unmarshal(s.body, &w) != nil {
				continue
			}
			for i, m := range w.Messages {
				if m.Type == "error" && m.Code == "" {
					found = append(found, fmt.Sprintf("%s: messages[%d] is an error without a code", s.step, i))
				}
				if m.Param == "" {
					continue
				}
				n++
				if _, err := parseJSONPath(m.Param); err != nil {
					found = append(found, fmt.Sprintf("%s: messages[%d].param: %v", s.step, i, err))
				}
			}
		}
		r.reportFindings(c, found)
		if len(found) == 0 {
			c.Logf("%d params", n)
		}
	})
}

// reportFindings fails c with the first findings, or notes how many
// session bodies were looked at.
func (r *runner) reportFindings(c *Case, found []string) {
	if len(r.sessions) == 0 {
		c.Skipf("no session responses to check")
		return
	}
	for i, f := range found {
		if i == maxListed {
			c.Errorf("and %d more", len(found)-maxListed)
			break
		}
		c.Errorf("%s", f)
	}
	if len(found) == 0 {
		c.Logf("%d session responses", len(r.sessions))
	}
}
