package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Totals rules, each reported as its own case.
const (
	ruleOneTotal = "exactly one total"
	ruleIntegers = "integer amounts"
	ruleLines    = "line item arithmetic"
	ruleOptions  = "fulfillment option arithmetic"
	ruleSelected = "selected option offered"
	ruleSession  = "session sums"
)

// totalsRules lists the rules in report order.
var totalsRules = []string{ruleOneTotal, ruleIntegers, ruleLines, ruleOptions, ruleSelected, ruleSession}

// problem is one broken rule in one session body.
type problem struct {
	Rule   string
	Detail string
}

// amounts is a totals list read as type → amount, with how often each
// type appeared.
type amounts struct {
	sum   map[string]int64
	count map[string]int
}

func (a amounts) has(t string) bool      { return a.count[t] > 0 }
func (a amounts) get(t string) int64     { return a.sum[t] }
func (a amounts) only(ts ...string) bool { return a.onlyOf(ts) }
func (a amounts) onlyOf(ts []string) bool {
	for t := range a.count {
		found := false
		for _, u := range ts {
			found = found || t == u
		}
		if !found {
			return false
		}
	}
	return true
}

// totalsReader reads amounts from a session body and records integer
// problems as it goes.
type totalsReader struct {
	problems []problem
	// unreadable is set once an amount was not an integer: arithmetic
	// that needs it is skipped rather than reported twice.
	unreadable bool
}

func (r *totalsReader) add(rule, format string, args ...any) {
	r.problems = append(r.problems, problem{Rule: rule, Detail: fmt.Sprintf(format, args...)})
}

// amount reads an integer amount at path; ok is false when absent.
func (r *totalsReader) amount(v any, path string) (int64, bool) {
	if v == nil {
		return 0, false
	}
	n, isNum := v.(json.Number)
	if !isNum {
		r.unreadable = true
		r.add(ruleIntegers, "%s is %v, not a JSON integer", path, v)
		return 0, false
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		r.unreadable = true
		r.add(ruleIntegers, "%s is %s, not an integer in minor units", path, n)
		return 0, false
	}
	if i < 0 {
		r.add(ruleIntegers, "%s is negative (%d); ACP amounts are non-negative magnitudes", path, i)
	}
	return i, true
}

// list reads a Total[] at path.
func (r *totalsReader) list(v any, path string) amounts {
	a := amounts{sum: map[string]int64{}, count: map[string]int{}}
	arr, _ := v.([]any)
	for i, e := range arr {
		m, _ := e.(map[string]any)
		t, _ := m["type"].(string)
		n, ok := r.amount(m["amount"], fmt.Sprintf("%s[%d].amount", path, i))
		if ok {
			a.sum[t] += n
		}
		a.count[t]++
	}
	return a
}

// flat reads 2025-09-29 flat amount fields as a totals list; base_amount
// becomes items_base_amount.
func (r *totalsReader) flat(m map[string]any, path string, fields ...string) amounts {
	a := amounts{sum: map[string]int64{}, count: map[string]int{}}
	for _, f := range fields {
		n, ok := r.amount(m[f], path+"."+f)
		if !ok {
			continue
		}
		t := f
		if f == "base_amount" {
			t = "items_base_amount"
		}
		a.sum[t] += n
		a.count[t]++
	}
	return a
}

// checkTotals checks the money in a CheckoutSession body of either
// version. It applies only what the spec implies and no merchant could
// read differently:
//
//   - the session has exactly one total, every line and option one at most;
//   - every amount is a non-negative JSON integer (minor units);
//   - a line's subtotal is its base amount minus its discounts, and its
//     total is its subtotal plus its tax (each where present);
//   - an option's total is its subtotal plus its tax (where present);
//   - every selected option is one of fulfillment_options, of its type;
//   - the session total is the sum of the line totals and the selected
//     options' totals (plus fee, gift_wrap and tip, minus store_credit);
//   - the session's items_base_amount, items_discount and subtotal match
//     the lines (subtotal before or after discounts: both conventions
//     exist); its tax and fulfillment split shipping tax one way or the
//     other consistently; and total = subtotal [− discount] + fulfillment
//   - tax (+ extras).
func checkTotals(body []byte) []problem {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var s map[string]any
	if err := dec.Decode(&s); err != nil {
		return []problem{{ruleIntegers, "the body is not a JSON object: " + err.Error()}}
	}
	r := &totalsReader{}

	session := r.list(s["totals"], "$.totals")
	if n := session.count["total"]; n != 1 {
		r.add(ruleOneTotal, "$.totals has %d entries of type total, want exactly 1", n)
	}

	// Line items.
	var lineBase, lineDisc, lineSub, lineTax, lineTotal int64
	allBase, allSub, allTax, allTotal := true, true, true, true
	lines, _ := s["line_items"].([]any)
	for i, e := range lines {
		m, _ := e.(map[string]any)
		path := fmt.Sprintf("$.line_items[%d]", i)
		var a amounts
		if _, ok := m["totals"]; ok {
			a = r.list(m["totals"], path+".totals")
		} else {
			a = r.flat(m, path, "base_amount", "discount", "subtotal", "tax", "total")
		}
		r.amount(m["unit_amount"], path+".unit_amount")
		readable := !r.unreadable
		if a.count["total"] > 1 {
			r.add(ruleOneTotal, "%s has %d totals of type total", path, a.count["total"])
		}
		disc := a.get("discount") + a.get("items_discount")
		if readable && a.has("items_base_amount") && a.has("subtotal") && a.get("subtotal") != a.get("items_base_amount")-disc {
			r.add(ruleLines, "%s: subtotal %d ≠ base %d − discount %d", path, a.get("subtotal"), a.get("items_base_amount"), disc)
		}
		if readable && a.has("subtotal") && a.has("total") && a.only("items_base_amount", "items_discount", "discount", "subtotal", "tax", "total") &&
			a.get("total") != a.get("subtotal")+a.get("tax") {
			r.add(ruleLines, "%s: total %d ≠ subtotal %d + tax %d", path, a.get("total"), a.get("subtotal"), a.get("tax"))
		}
		lineBase += a.get("items_base_amount")
		lineDisc += disc
		lineSub += a.get("subtotal")
		lineTax += a.get("tax")
		lineTotal += a.get("total")
		allBase = allBase && a.has("items_base_amount")
		allSub = allSub && a.has("subtotal")
		allTax = allTax && a.has("tax")
		allTotal = allTotal && a.has("total")
	}
	if !allTotal {
		r.add(ruleLines, "a line item has no total")
	}

	// Fulfillment options.
	type option struct {
		typ             string
		total, sub, tax int64
		hasTotal        bool
	}
	options := map[string]option{}
	opts, _ := s["fulfillment_options"].([]any)
	for i, e := range opts {
		m, _ := e.(map[string]any)
		path := fmt.Sprintf("$.fulfillment_options[%d]", i)
		var a amounts
		if _, ok := m["totals"]; ok {
			a = r.list(m["totals"], path+".totals")
		} else {
			a = r.flat(m, path, "subtotal", "tax", "total")
		}
		if a.count["total"] > 1 {
			r.add(ruleOneTotal, "%s has %d totals of type total", path, a.count["total"])
		}
		o := option{total: a.get("total"), tax: a.get("tax"), hasTotal: a.has("total")}
		o.typ, _ = m["type"].(string)
		o.sub = o.total - o.tax
		if a.has("subtotal") {
			o.sub = a.get("subtotal")
		}
		if !o.hasTotal {
			r.add(ruleOptions, "%s has no total", path)
		} else if !r.unreadable && a.has("subtotal") && o.total != o.sub+o.tax {
			r.add(ruleOptions, "%s: total %d ≠ subtotal %d + tax %d", path, o.total, o.sub, o.tax)
		}
		id, _ := m["id"].(string)
		options[id] = o
	}

	// Selected options.
	type selection struct{ id, typ, path string }
	var selected []selection
	if id, ok := s["fulfillment_option_id"].(string); ok && id != "" {
		selected = append(selected, selection{id: id, path: "$.fulfillment_option_id"})
	}
	sel, _ := s["selected_fulfillment_options"].([]any)
	for i, e := range sel {
		m, _ := e.(map[string]any)
		id, _ := m["option_id"].(string)
		typ, _ := m["type"].(string)
		selected = append(selected, selection{id: id, typ: typ, path: fmt.Sprintf("$.selected_fulfillment_options[%d]", i)})
	}
	var optTotal, optSub, optTax int64
	sumsKnown := allTotal
	seen := map[string]bool{}
	for _, x := range selected {
		o, ok := options[x.id]
		switch {
		case !ok:
			r.add(ruleSelected, "%s selects %q, which is not in fulfillment_options", x.path, x.id)
			sumsKnown = false
			continue
		case x.typ != "" && o.typ != "" && x.typ != o.typ:
			r.add(ruleSelected, "%s has type %s but option %q is %s", x.path, x.typ, x.id, o.typ)
		}
		if seen[x.id] {
			continue
		}
		seen[x.id] = true
		optTotal += o.total
		optSub += o.sub
		optTax += o.tax
	}

	// Session sums.
	if !sumsKnown || r.unreadable || session.count["total"] != 1 {
		return r.problems
	}
	extras := session.get("fee") + session.get("gift_wrap") + session.get("tip") - session.get("store_credit")
	total := session.get("total")
	if want := lineTotal + optTotal + extras; total != want {
		r.add(ruleSession, "total %d ≠ Σ line totals %d + selected fulfillment %d%s", total, lineTotal, optTotal, extrasText(extras))
	}
	if allBase && session.has("items_base_amount") && session.get("items_base_amount") != lineBase {
		r.add(ruleSession, "items_base_amount %d ≠ Σ line base amounts %d", session.get("items_base_amount"), lineBase)
	}
	if session.has("items_discount") && session.get("items_discount") != lineDisc {
		r.add(ruleSession, "items_discount %d ≠ Σ line discounts %d", session.get("items_discount"), lineDisc)
	}
	sub := session.get("subtotal")
	if session.has("subtotal") && allBase && allSub && sub != lineBase && sub != lineSub {
		r.add(ruleSession, "subtotal %d is neither Σ line base amounts %d nor Σ line subtotals %d", sub, lineBase, lineSub)
	}
	if allTax {
		ful, tax := session.get("fulfillment"), session.get("tax")
		// A: shipping tax counted in tax; B: shipping counted with its tax.
		okA := (!session.has("tax") || tax == lineTax+optTax) && (!session.has("fulfillment") || ful == optSub)
		okB := (!session.has("tax") || tax == lineTax) && (!session.has("fulfillment") || ful == optTotal)
		if !okA && !okB {
			r.add(ruleSession, "tax %d and fulfillment %d do not split Σ line tax %d, shipping %d and shipping tax %d either way", tax, ful, lineTax, optSub, optTax)
		}
	}
	if session.has("subtotal") {
		disc := session.get("discount")
		if !session.has("discount") {
			disc = session.get("items_discount")
		}
		rest := session.get("fulfillment") + session.get("tax") + extras
		if total != sub+rest && total != sub-disc+rest {
			r.add(ruleSession, "total %d ≠ subtotal %d − discount %d + fulfillment %d + tax %d%s (nor without the discount)",
				total, sub, disc, session.get("fulfillment"), session.get("tax"), extrasText(extras))
		}
	}
	return r.problems
}

func extrasText(n int64) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" + fees/tips/gift wrap − store credit %d", n)
}
