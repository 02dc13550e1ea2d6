package agent

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"agentshop/internal/acpclient"
	"agentshop/internal/commerce"
)

// step prints one line for a call and returns the call's error, wrapped.
func (b *buyer) step(name string, s *acpclient.Session, resp *acpclient.Response, err error, extra ...string) error {
	if err != nil {
		b.printf("→ %-18s %s\n", name, failure(resp, err))
		return fmt.Errorf("agent buy: %s: %w", name, err)
	}
	line := fmt.Sprintf("→ %-18s %3d  %s  %s", name, resp.Status, s.ID, s.Status)
	if resp.Replayed() {
		line += "  (replayed)"
	}
	for _, e := range extra {
		line += "  " + e
	}
	b.printf("%s\n", line)
	return nil
}

func (b *buyer) printf(format string, args ...any) { fmt.Fprintf(b.out, format, args...) }

func (b *buyer) printLines(s *acpclient.Session) {
	for _, li := range s.LineItems {
		name := li.Name
		if name != "" {
			name = "  " + name
		}
		amt := ""
		if t, ok := li.Totals.Amount("total"); ok {
			amt = "  " + money(t, s.Currency)
		}
		b.printf("    %s × %s%s%s\n", strconv.FormatFloat(li.Quantity, 'f', -1, 64), li.ItemID, name, amt)
	}
}

func (b *buyer) printMessages(s *acpclient.Session) {
	for _, m := range s.Messages {
		code := m.Type
		if m.Code != "" {
			code += " " + m.Code
		}
		param := ""
		if m.Param != "" {
			param = " (" + m.Param + ")"
		}
		b.printf("    ! %s: %s%s\n", code, m.Content, param)
	}
}

func (b *buyer) printTotals(s *acpclient.Session) {
	parts := make([]string, 0, len(s.Totals))
	for _, t := range s.Totals {
		label := t.DisplayText
		if label == "" {
			label = t.Type
		}
		parts = append(parts, label+" "+money(t.Amount, s.Currency))
	}
	b.printf("→ %-18s      %s\n", "totals", strings.Join(parts, " · "))
}

func (b *buyer) optionCost(o *acpclient.FulfillmentOption, currency string) string {
	if !o.HasTotal {
		return "(no total)"
	}
	return money(o.Total, currency)
}

// failure describes a failed call on one line: the status and ACP error,
// or the transport error.
func failure(resp *acpclient.Response, err error) string {
	if apiErr, ok := errors.AsType[*acpclient.APIError](err); ok {
		// The status is the first column; drop Error()'s "acp: NNN" prefix.
		msg := strings.TrimPrefix(apiErr.Error(), fmt.Sprintf("acp: %d ", apiErr.Status))
		return fmt.Sprintf("%3d  %s", apiErr.Status, msg)
	}
	if resp != nil {
		return fmt.Sprintf("%3d  %v", resp.Status, err)
	}
	return "---  " + err.Error()
}

// hint summarises a session's error messages for a failure.
func hint(s *acpclient.Session) string {
	var parts []string
	for _, m := range s.ErrorMessages() {
		parts = append(parts, m.Code+": "+m.Content)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

// money formats minor units for people: 13900 usd → "$139.00".
func money(amount int64, currency string) string {
	c, err := commerce.ParseCurrency(currency)
	if err != nil {
		return fmt.Sprintf("%d %s", amount, currency)
	}
	return c.Format(amount)
}
