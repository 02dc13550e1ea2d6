package ops

import (
	"slices"
	"sort"
	"strings"

	"agentshop/internal/commerce"
)

// Method is what a tool does: read (list, get, search) or write (create,
// update, close, refund).
type Method string

// Methods of tools.
const (
	Read  Method = "read"
	Write Method = "write"
)

// ToolSpec is a tool of the catalogue as governance sees it: its name,
// method and tags. internal/opsmcp implements each.
type ToolSpec struct {
	Name   string
	Method Method
	// Tags name the resources the tool touches (customers, disputes, …)
	// and its origin (stripe, shop).
	Tags []string
	// Generic marks stripe_api_read, which a server exposes only with
	// [Filter.APIRead].
	Generic bool
}

// APIReadTool is the generic GET tool's name.
const APIReadTool = "stripe_api_read"

func stripeRead(name string, tags ...string) ToolSpec {
	return ToolSpec{Name: name, Method: Read, Tags: append(tags, "stripe")}
}

func stripeWrite(name string, tags ...string) ToolSpec {
	return ToolSpec{Name: name, Method: Write, Tags: append(tags, "stripe")}
}

// Catalogue is every tool the gateway has, in the order they are listed.
var Catalogue = []ToolSpec{
	stripeRead("stripe_get_balance", "balance"),
	stripeRead("stripe_list_balance_transactions", "balance"),
	stripeRead("stripe_list_customers", "customers"),
	stripeRead("stripe_get_customer", "customers"),
	stripeRead("stripe_search_customers", "customers"),
	stripeRead("stripe_list_subscriptions", "subscriptions", "customers"),
	stripeRead("stripe_get_subscription", "subscriptions"),
	stripeRead("stripe_list_invoices", "invoices"),
	stripeRead("stripe_get_invoice", "invoices"),
	stripeRead("stripe_list_charges", "charges"),
	stripeRead("stripe_get_charge", "charges"),
	stripeRead("stripe_search_charges", "charges"),
	stripeRead("stripe_list_payment_intents", "payment_intents"),
	stripeRead("stripe_get_payment_intent", "payment_intents"),
	stripeRead("stripe_search_payment_intents", "payment_intents"),
	stripeRead("stripe_list_refunds", "refunds"),
	stripeWrite("stripe_create_refund", "refunds", "charges"),
	stripeRead("stripe_list_disputes", "disputes"),
	stripeRead("stripe_get_dispute", "disputes"),
	stripeWrite("stripe_update_dispute_evidence", "disputes"),
	stripeWrite("stripe_close_dispute", "disputes"),
	stripeRead("stripe_list_payouts", "payouts"),
	stripeRead("stripe_get_payout", "payouts"),
	stripeRead("stripe_list_products", "products"),
	stripeRead("stripe_list_prices", "prices", "products"),
	stripeRead("stripe_list_events", "events"),
	{Name: APIReadTool, Method: Read, Tags: []string{"api", "stripe"}, Generic: true},
	{Name: "shop_list_orders", Method: Read, Tags: []string{"orders", "shop"}},
	{Name: "shop_get_order", Method: Read, Tags: []string{"orders", "shop"}},
	{Name: "shop_get_checkout_session", Method: Read, Tags: []string{"checkout_sessions", "shop"}},
	{Name: "shop_list_order_webhooks", Method: Read, Tags: []string{"orders", "webhooks", "shop"}},
	{Name: "shop_sales_summary", Method: Read, Tags: []string{"orders", "sales", "shop"}},
	{Name: "shop_refund_order", Method: Write, Tags: []string{"orders", "refunds", "shop"}},
}

// Tool returns the catalogue's tool named name.
func Tool(name string) (ToolSpec, bool) {
	for _, t := range Catalogue {
		if t.Name == name {
			return t, true
		}
	}
	return ToolSpec{}, false
}

// Tags returns every tag of the catalogue, sorted.
func Tags() []string {
	seen := map[string]bool{}
	for _, t := range Catalogue {
		for _, g := range t.Tags {
			seen[g] = true
		}
	}
	out := make([]string, 0, len(seen))
	for g := range seen {
		out = append(out, g)
	}
	sort.Strings(out)
	return out
}

// Filter says which tools of the catalogue a server exposes. Methods,
// Tools and Tags combine with AND; an empty Tools or Tags matches every
// tool; empty Methods is read only.
type Filter struct {
	Methods []Method `json:"methods,omitempty"`
	Tools   []string `json:"tools,omitempty"`
	Tags    []string `json:"tags,omitempty"`
	// APIRead adds the generic stripe_api_read tool (GET of allowlisted
	// paths), which no server has unless asked for.
	APIRead bool `json:"api_read,omitempty"`
}

// methods is f.Methods with the default applied.
func (f Filter) methods() []Method {
	if len(f.Methods) == 0 {
		return []Method{Read}
	}
	return f.Methods
}

// Allows reports whether a server with f exposes t: listed and callable.
func (f Filter) Allows(t ToolSpec) bool {
	if t.Generic && !f.APIRead {
		return false
	}
	if !slices.Contains(f.methods(), t.Method) {
		return false
	}
	if len(f.Tools) > 0 && !slices.Contains(f.Tools, t.Name) {
		return false
	}
	if len(f.Tags) > 0 && !slices.ContainsFunc(t.Tags, func(g string) bool { return slices.Contains(f.Tags, g) }) {
		return false
	}
	return true
}

// Allowed returns the catalogue's tools f allows, in catalogue order.
func (f Filter) Allowed() []ToolSpec {
	var out []ToolSpec
	for _, t := range Catalogue {
		if f.Allows(t) {
			out = append(out, t)
		}
	}
	return out
}

// Validate checks that every method, tool and tag of f exists and that f
// allows at least one tool (EINVALID naming the field otherwise).
func (f Filter) Validate() error {
	for _, m := range f.Methods {
		if m != Read && m != Write {
			return commerce.Invalid("methods", "Unknown method %q: use read, write or both.", m)
		}
	}
	for _, n := range f.Tools {
		if _, ok := Tool(n); !ok {
			return commerce.Invalid("tools", "No tool is named %q.", n)
		}
	}
	tags := Tags()
	for _, g := range f.Tags {
		if !slices.Contains(tags, g) {
			return commerce.Invalid("tags", "Unknown tag %q; the tags are %s.", g, strings.Join(tags, ", "))
		}
	}
	if len(f.Allowed()) == 0 {
		return commerce.Invalid("tools", "This filter (methods %v, tools %v, tags %v) matches no tool: a server must expose at least one.", f.methods(), f.Tools, f.Tags)
	}
	return nil
}
