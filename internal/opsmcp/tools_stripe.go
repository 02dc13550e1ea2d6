package opsmcp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/ops"
)

// The curated Stripe tools. Their parameters are Stripe's (names as in
// the API reference and stripe-go's params); their descriptions are ours
// and say how to page, expand and search. Results are Stripe's JSON
// objects as Stripe sent them; lists add next_cursor.

// pageArgs are the arguments of every list tool.
type pageArgs struct {
	Limit         int      `json:"limit,omitempty" jsonschema:"Objects per page, 1 to 100 (default 10)."`
	StartingAfter string   `json:"starting_after,omitempty" jsonschema:"Cursor for the next (older) page: the next_cursor of the previous result."`
	EndingBefore  string   `json:"ending_before,omitempty" jsonschema:"Cursor for the previous (newer) page: the prev_cursor of a result."`
	Expand        []string `json:"expand,omitempty" jsonschema:"Fields to expand into full objects, each prefixed with data. (for example data.customer)."`
	CreatedGTE    int64    `json:"created_gte,omitempty" jsonschema:"Only objects created at or after this Unix time (seconds)."`
	CreatedLTE    int64    `json:"created_lte,omitempty" jsonschema:"Only objects created at or before this Unix time (seconds)."`
}

func (p *pageArgs) page() *pageArgs { return p }

// pager is a list tool's input: its page arguments and its own filters.
type pager interface {
	page() *pageArgs
	filters(q url.Values)
}

type getArgs struct {
	ID     string   `json:"id" jsonschema:"The object's id."`
	Expand []string `json:"expand,omitempty" jsonschema:"Fields to expand into full objects (for example customer)."`
}

type searchArgs struct {
	Query  string   `json:"query" jsonschema:"A Stripe search query, such as email:'sarah.jones@example.com' or status:'succeeded' AND customer:'cus_123'."`
	Limit  int      `json:"limit,omitempty" jsonschema:"Results per page, 1 to 100 (default 10)."`
	Page   string   `json:"page,omitempty" jsonschema:"Cursor for the next page: the next_page of the previous result."`
	Expand []string `json:"expand,omitempty" jsonschema:"Fields to expand, each prefixed with data. (for example data.customer)."`
}

type noArgs struct{}

type listCustomers struct {
	pageArgs
	Email string `json:"email,omitempty" jsonschema:"Only customers with exactly this email (case-sensitive; use stripe_search_customers for a case-insensitive match)."`
}

func (a *listCustomers) filters(q url.Values) { set(q, "email", a.Email) }

type listByCustomer struct {
	pageArgs
	Customer string `json:"customer,omitempty" jsonschema:"Only this customer's objects (cus_…)."`
}

func (a *listByCustomer) filters(q url.Values) { set(q, "customer", a.Customer) }

type listSubscriptions struct {
	pageArgs
	Customer string `json:"customer,omitempty" jsonschema:"Only this customer's subscriptions (cus_…)."`
	Status   string `json:"status,omitempty" jsonschema:"active, past_due, unpaid, canceled, incomplete, incomplete_expired, trialing, paused or all (Stripe's default leaves out canceled ones)."`
	Price    string `json:"price,omitempty" jsonschema:"Only subscriptions to this price (price_…)."`
}

func (a *listSubscriptions) filters(q url.Values) {
	set(q, "customer", a.Customer)
	set(q, "status", a.Status)
	set(q, "price", a.Price)
}

type listInvoices struct {
	pageArgs
	Customer     string `json:"customer,omitempty" jsonschema:"Only this customer's invoices (cus_…)."`
	Subscription string `json:"subscription,omitempty" jsonschema:"Only this subscription's invoices (sub_…)."`
	Status       string `json:"status,omitempty" jsonschema:"draft, open, paid, uncollectible or void."`
}

func (a *listInvoices) filters(q url.Values) {
	set(q, "customer", a.Customer)
	set(q, "subscription", a.Subscription)
	set(q, "status", a.Status)
}

type listCharges struct {
	pageArgs
	Customer      string `json:"customer,omitempty" jsonschema:"Only this customer's charges (cus_…)."`
	PaymentIntent string `json:"payment_intent,omitempty" jsonschema:"Only the charges of this payment intent (pi_…)."`
}

func (a *listCharges) filters(q url.Values) {
	set(q, "customer", a.Customer)
	set(q, "payment_intent", a.PaymentIntent)
}

type listByCharge struct {
	pageArgs
	Charge        string `json:"charge,omitempty" jsonschema:"Only those of this charge (ch_…)."`
	PaymentIntent string `json:"payment_intent,omitempty" jsonschema:"Only those of this payment intent (pi_…)."`
}

func (a *listByCharge) filters(q url.Values) {
	set(q, "charge", a.Charge)
	set(q, "payment_intent", a.PaymentIntent)
}

type listBalanceTransactions struct {
	pageArgs
	Type   string `json:"type,omitempty" jsonschema:"Only this type: charge, refund, payout, adjustment, stripe_fee, …"`
	Payout string `json:"payout,omitempty" jsonschema:"Only the transactions paid out in this payout (po_…)."`
}

func (a *listBalanceTransactions) filters(q url.Values) {
	set(q, "type", a.Type)
	set(q, "payout", a.Payout)
}

type listByStatus struct {
	pageArgs
	Status string `json:"status,omitempty" jsonschema:"Only payouts in this status: pending, paid, failed or canceled."`
}

func (a *listByStatus) filters(q url.Values) { set(q, "status", a.Status) }

type listProducts struct {
	pageArgs
	Active *bool `json:"active,omitempty" jsonschema:"Only active (true) or archived (false) products."`
}

func (a *listProducts) filters(q url.Values) { setBool(q, "active", a.Active) }

type listPrices struct {
	pageArgs
	Product string `json:"product,omitempty" jsonschema:"Only this product's prices (prod_…)."`
	Active  *bool  `json:"active,omitempty" jsonschema:"Only active (true) or inactive (false) prices."`
}

func (a *listPrices) filters(q url.Values) {
	set(q, "product", a.Product)
	setBool(q, "active", a.Active)
}

type listEvents struct {
	pageArgs
	Type string `json:"type,omitempty" jsonschema:"Only events of this type, such as charge.dispute.created or charge.refunded (a * matches a suffix: charge.dispute.*)."`
}

func (a *listEvents) filters(q url.Values) { set(q, "type", a.Type) }

func set(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

func setBool(q url.Values, k string, v *bool) {
	if v != nil {
		q.Set(k, strconv.FormatBool(*v))
	}
}

func expand(q url.Values, fields []string) {
	for _, f := range fields {
		q.Add("expand[]", f)
	}
}

// idPattern is what an object id may be: it goes into a URL path.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9_]{1,255}$`)

func checkID(param, id string) error {
	if !idPattern.MatchString(id) {
		return refusal("invalid_arguments", "%s %q is not a Stripe id (letters, digits and _ only).", param, id)
	}
	return nil
}

const pagingHelp = " Returns Stripe's list object with has_more and next_cursor, newest first: while has_more is true, " +
	"call again with starting_after set to next_cursor (limit up to 100). created_gte/created_lte take Unix seconds."

const searchHelp = " Stripe search query language: field:'value' for exact matches, field~'val' for a prefix (3+ characters), " +
	"field>number and field<number, AND/OR (not mixed), -field:'value' to negate, metadata['key']:'value'. " +
	"Results are eventually consistent (about a minute behind). While has_more is true, pass next_page as page."

// listTool is a Stripe list endpoint.
func listTool[In any, P interface {
	*In
	pager
}](name, title, path, desc string) *tool {
	t := &tool{title: title, description: desc + pagingHelp, schema: schemaFor[In]()}
	t.run = func(ctx context.Context, s *Server, c *call) (any, error) {
		in, err := decode[In](c.raw)
		if err != nil {
			return nil, err
		}
		p := P(in)
		pg := p.page()
		if pg.Limit < 0 || pg.Limit > 100 {
			return nil, refusal("invalid_arguments", "limit must be between 1 and 100.")
		}
		q := url.Values{}
		if pg.Limit > 0 {
			q.Set("limit", strconv.Itoa(pg.Limit))
		}
		set(q, "starting_after", pg.StartingAfter)
		set(q, "ending_before", pg.EndingBefore)
		if pg.CreatedGTE > 0 {
			q.Set("created[gte]", strconv.FormatInt(pg.CreatedGTE, 10))
		}
		if pg.CreatedLTE > 0 {
			q.Set("created[lte]", strconv.FormatInt(pg.CreatedLTE, 10))
		}
		expand(q, pg.Expand)
		p.filters(q)
		body, err := c.stripeGet(ctx, path, q)
		if err != nil {
			return nil, err
		}
		return withCursors(body)
	}
	return named(t, name)
}

func named(t *tool, name string) *tool {
	spec, ok := ops.Tool(name)
	if !ok {
		panic("opsmcp: no catalogue entry for " + name)
	}
	t.spec = spec
	return t
}

// stripeList is the part of a Stripe list or search result we read.
type stripeList struct {
	Object   string            `json:"object"`
	URL      string            `json:"url"`
	HasMore  bool              `json:"has_more"`
	NextPage *string           `json:"next_page,omitempty"`
	Data     []json.RawMessage `json:"data"`
}

// withCursors adds next_cursor (the last object's id while has_more)
// and prev_cursor (the first object's id) to a Stripe list.
func withCursors(body json.RawMessage) (any, error) {
	var l stripeList
	if err := json.Unmarshal(body, &l); err != nil {
		return nil, fmt.Errorf("stripe list: %w", err)
	}
	out := map[string]any{"object": l.Object, "url": l.URL, "has_more": l.HasMore, "data": l.Data, "next_cursor": nil}
	if l.Data == nil {
		out["data"] = []json.RawMessage{}
	}
	idOf := func(raw json.RawMessage) string {
		var o struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(raw, &o)
		return o.ID
	}
	if len(l.Data) > 0 {
		out["prev_cursor"] = idOf(l.Data[0])
		if l.HasMore {
			out["next_cursor"] = idOf(l.Data[len(l.Data)-1])
		}
	}
	if l.Object == "search_result" {
		out["next_cursor"], out["next_page"] = l.NextPage, l.NextPage
	}
	return out, nil
}

// getTool is a Stripe retrieve endpoint, path + "/" + id.
func getTool(name, title, path, desc string) *tool {
	t := &tool{title: title, description: desc, schema: schemaFor[getArgs]()}
	t.run = func(ctx context.Context, s *Server, c *call) (any, error) {
		in, err := decode[getArgs](c.raw)
		if err != nil {
			return nil, err
		}
		if err := checkID("id", in.ID); err != nil {
			return nil, err
		}
		q := url.Values{}
		expand(q, in.Expand)
		return rawOut(c.stripeGet(ctx, path+"/"+in.ID, q))
	}
	return named(t, name)
}

func rawOut(body json.RawMessage, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return body, nil
}

// searchTool is a Stripe search endpoint.
func searchTool(name, title, path, desc string) *tool {
	t := &tool{title: title, description: desc + searchHelp, schema: schemaFor[searchArgs]()}
	t.run = func(ctx context.Context, s *Server, c *call) (any, error) {
		in, err := decode[searchArgs](c.raw)
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(in.Query) == "" {
			return nil, refusal("invalid_arguments", "query is required.")
		}
		if in.Limit < 0 || in.Limit > 100 {
			return nil, refusal("invalid_arguments", "limit must be between 1 and 100.")
		}
		q := url.Values{"query": {in.Query}}
		if in.Limit > 0 {
			q.Set("limit", strconv.Itoa(in.Limit))
		}
		set(q, "page", in.Page)
		expand(q, in.Expand)
		body, err := c.stripeGet(ctx, path+"/search", q)
		if err != nil {
			return nil, err
		}
		return withCursors(body)
	}
	return named(t, name)
}

func balanceTool() *tool {
	t := &tool{title: "Get balance", schema: schemaFor[noArgs](),
		description: "The Stripe account's balance: available and pending amounts per currency, in minor units (cents)."}
	t.run = func(ctx context.Context, s *Server, c *call) (any, error) {
		if _, err := decode[noArgs](c.raw); err != nil {
			return nil, err
		}
		return rawOut(c.stripeGet(ctx, "/v1/balance", nil))
	}
	return named(t, "stripe_get_balance")
}

// apiReadArgs are stripe_api_read's arguments.
type apiReadArgs struct {
	Path   string            `json:"path" jsonschema:"A GET path of Stripe's v1 API, such as /v1/coupons or /v1/checkout/sessions/cs_123. Only read paths of the allowlist are accepted."`
	Params map[string]string `json:"params,omitempty" jsonschema:"Query parameters, such as {\"limit\": \"20\", \"expand[]\": \"data.customer\"}."`
}

// apiReadPaths are the resources stripe_api_read may GET: objects a
// support or finance person reads, nothing about the account's own
// settings, keys, files or connected accounts.
var apiReadPaths = regexp.MustCompile(`^/v1/(balance|balance_transactions|charges|checkout/sessions|coupons|credit_notes|customers|disputes|events|invoiceitems|invoices|payment_intents|payment_links|payment_methods|payouts|prices|products|promotion_codes|quotes|refunds|setup_intents|subscription_schedules|subscriptions|tax_rates)(/[A-Za-z0-9_]{1,255})?(/(search|line_items|lines|balance_transactions|sources|tax_ids))?$`)

func apiReadTool() *tool {
	t := &tool{title: "Read any allowlisted Stripe resource", schema: schemaFor[apiReadArgs](),
		description: "GET one Stripe v1 path the curated tools lack (coupons, promotion codes, checkout sessions, credit notes, quotes, …). " +
			"Only GET, only allowlisted resources. Lists page as in Stripe: pass next_cursor as params.starting_after."}
	t.run = func(ctx context.Context, s *Server, c *call) (any, error) {
		in, err := decode[apiReadArgs](c.raw)
		if err != nil {
			return nil, err
		}
		if !apiReadPaths.MatchString(in.Path) {
			return nil, refusal("path_not_allowed", "%q is not a GET path this tool may read; allowed: %s.", in.Path, apiReadPaths.String())
		}
		q := url.Values{}
		for k, v := range in.Params {
			q.Set(k, v)
		}
		body, err := c.stripeGet(ctx, in.Path, q)
		if err != nil {
			return nil, err
		}
		if strings.Contains(string(body[:min(len(body), 64)]), `"object":"list"`) || strings.Contains(string(body[:min(len(body), 64)]), `"object": "list"`) {
			return withCursors(body)
		}
		return body, nil
	}
	return named(t, ops.APIReadTool)
}

// money formats a Stripe amount for a summary.
func money(amount int64, cur string) string {
	return commerce.Currency(strings.ToLower(cur)).Format(amount)
}

// createRefundArgs are stripe_create_refund's arguments.
type createRefundArgs struct {
	Charge        string `json:"charge,omitempty" jsonschema:"The charge to refund (ch_…); or give payment_intent."`
	PaymentIntent string `json:"payment_intent,omitempty" jsonschema:"The payment intent to refund (pi_…); or give charge."`
	Amount        int64  `json:"amount,omitempty" jsonschema:"Minor units (cents) to refund; omitted, what is left of the charge."`
	Reason        string `json:"reason,omitempty" jsonschema:"duplicate, fraudulent or requested_by_customer."`
	writeArgs
}

// chargeView is what a summary reads of a charge.
type chargeView struct {
	ID             string `json:"id"`
	Amount         int64  `json:"amount"`
	AmountRefunded int64  `json:"amount_refunded"`
	Currency       string `json:"currency"`
	Status         string `json:"status"`
	Created        int64  `json:"created"`
	Customer       json.RawMessage
	Billing        struct {
		Email string `json:"email"`
	} `json:"billing_details"`
	LatestCharge json.RawMessage `json:"latest_charge"`
}

func emailOf(customer json.RawMessage, billing string) string {
	var c struct {
		Email string `json:"email"`
	}
	_ = json.Unmarshal(customer, &c)
	if c.Email != "" {
		return c.Email
	}
	return billing
}

func createRefundTool() *tool {
	t := &tool{title: "Refund a charge", schema: schemaFor[createRefundArgs](),
		description: "Refund all or part of a Stripe charge (or payment intent). Moves money: the first call returns a summary " +
			"(amount, charge, customer) and a confirmation_token and changes nothing; call again with the same arguments and the " +
			"token once the user agrees. The idempotency key reaches Stripe, so a retry never refunds twice."}
	t.plan = func(ctx context.Context, s *Server, c *call) (*plan, error) {
		in, err := decode[createRefundArgs](c.raw)
		if err != nil {
			return nil, err
		}
		if (in.Charge == "") == (in.PaymentIntent == "") {
			return nil, refusal("invalid_arguments", "Give exactly one of charge and payment_intent.")
		}
		if in.Amount < 0 {
			return nil, refusal("invalid_arguments", "amount must be positive.")
		}
		switch in.Reason {
		case "", "duplicate", "fraudulent", "requested_by_customer":
		default:
			return nil, refusal("invalid_arguments", "reason must be duplicate, fraudulent or requested_by_customer.")
		}
		target, path := in.Charge, "/v1/charges/"
		if in.PaymentIntent != "" {
			target, path = in.PaymentIntent, "/v1/payment_intents/"
		}
		if err := checkID("charge", target); err != nil {
			return nil, err
		}
		body, err := c.stripeGet(ctx, path+target, url.Values{"expand[]": {"customer"}})
		if err != nil {
			return nil, err
		}
		var ch chargeView
		if err := json.Unmarshal(body, &ch); err != nil {
			return nil, fmt.Errorf("read %s: %w", target, err)
		}
		amount := in.Amount
		what := money(amount, ch.Currency)
		if amount == 0 {
			what = "the rest (" + money(ch.Amount-ch.AmountRefunded, ch.Currency) + ")"
		}
		summary := fmt.Sprintf("Refund %s of %s (%s charged on %s", what, target, money(ch.Amount, ch.Currency),
			time.Unix(ch.Created, 0).UTC().Format("2006-01-02"))
		if ch.AmountRefunded > 0 {
			summary += fmt.Sprintf(", %s refunded already", money(ch.AmountRefunded, ch.Currency))
		}
		summary += ")"
		if email := emailOf(ch.Customer, ch.Billing.Email); email != "" {
			summary += " to " + email
		}
		if in.Reason != "" {
			summary += ", reason " + in.Reason
		}
		if c.env.account.Mode == ops.ModeLive {
			summary += ". LIVE MODE: real money."
		}
		return &plan{Summary: summary, Act: func(ctx context.Context, key string, _ *auditInTx) (any, error) {
			form := url.Values{}
			set(form, "charge", in.Charge)
			set(form, "payment_intent", in.PaymentIntent)
			if in.Amount > 0 {
				form.Set("amount", strconv.FormatInt(in.Amount, 10))
			}
			set(form, "reason", in.Reason)
			form.Set("metadata[agentshop_ops_server]", c.env.server.ID)
			return rawOut(c.stripePost(ctx, "/v1/refunds", form, key))
		}}, nil
	}
	return named(t, "stripe_create_refund")
}

// disputeEvidence are the text fields of a dispute's evidence.
type disputeEvidence struct {
	AccessActivityLog            string `json:"access_activity_log,omitempty"`
	BillingAddress               string `json:"billing_address,omitempty"`
	CancellationPolicyDisclosure string `json:"cancellation_policy_disclosure,omitempty"`
	CancellationRebuttal         string `json:"cancellation_rebuttal,omitempty"`
	CustomerEmailAddress         string `json:"customer_email_address,omitempty"`
	CustomerName                 string `json:"customer_name,omitempty"`
	CustomerPurchaseIP           string `json:"customer_purchase_ip,omitempty"`
	DuplicateChargeExplanation   string `json:"duplicate_charge_explanation,omitempty"`
	ProductDescription           string `json:"product_description,omitempty"`
	RefundPolicyDisclosure       string `json:"refund_policy_disclosure,omitempty"`
	RefundRefusalExplanation     string `json:"refund_refusal_explanation,omitempty"`
	ServiceDate                  string `json:"service_date,omitempty"`
	ShippingAddress              string `json:"shipping_address,omitempty"`
	ShippingCarrier              string `json:"shipping_carrier,omitempty"`
	ShippingDate                 string `json:"shipping_date,omitempty"`
	ShippingTrackingNumber       string `json:"shipping_tracking_number,omitempty"`
	UncategorizedText            string `json:"uncategorized_text,omitempty"`
}

type updateEvidenceArgs struct {
	Dispute  string          `json:"dispute" jsonschema:"The dispute (dp_… or du_…)."`
	Evidence disputeEvidence `json:"evidence" jsonschema:"Text evidence fields to set; fields left out keep their value."`
	Submit   bool            `json:"submit,omitempty" jsonschema:"Submit the evidence to the bank now. Final: no further changes are possible."`
	writeArgs
}

type disputeView struct {
	ID       string `json:"id"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	Reason   string `json:"reason"`
	Status   string `json:"status"`
	Charge   string `json:"charge"`
}

func (c *call) dispute(ctx context.Context, id string) (*disputeView, error) {
	if err := checkID("dispute", id); err != nil {
		return nil, err
	}
	body, err := c.stripeGet(ctx, "/v1/disputes/"+id, nil)
	if err != nil {
		return nil, err
	}
	var d disputeView
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, fmt.Errorf("read dispute %s: %w", id, err)
	}
	return &d, nil
}

func updateEvidenceTool() *tool {
	t := &tool{title: "Update a dispute's evidence", schema: schemaFor[updateEvidenceArgs](),
		description: "Set text evidence on a dispute that needs a response, and optionally submit it (final). Two steps: the first " +
			"call returns a summary and a confirmation_token and changes nothing; call again with the same arguments and the token."}
	t.plan = func(ctx context.Context, s *Server, c *call) (*plan, error) {
		in, err := decode[updateEvidenceArgs](c.raw)
		if err != nil {
			return nil, err
		}
		fields := map[string]string{}
		b, _ := json.Marshal(in.Evidence)
		_ = json.Unmarshal(b, &fields)
		if len(fields) == 0 && !in.Submit {
			return nil, refusal("invalid_arguments", "Give at least one evidence field, or submit.")
		}
		d, err := c.dispute(ctx, in.Dispute)
		if err != nil {
			return nil, err
		}
		names := make([]string, 0, len(fields))
		for k := range fields {
			names = append(names, k)
		}
		slices.Sort(names)
		summary := fmt.Sprintf("Set evidence %s on dispute %s (%s, reason %s, status %s, charge %s)", strings.Join(names, ", "),
			d.ID, money(d.Amount, d.Currency), d.Reason, d.Status, d.Charge)
		if in.Submit {
			summary += " and submit it to the bank (final)"
		}
		return &plan{Summary: summary, Act: func(ctx context.Context, key string, _ *auditInTx) (any, error) {
			form := url.Values{}
			for k, v := range fields {
				form.Set("evidence["+k+"]", v)
			}
			if in.Submit {
				form.Set("submit", "true")
			}
			return rawOut(c.stripePost(ctx, "/v1/disputes/"+d.ID, form, key))
		}}, nil
	}
	return named(t, "stripe_update_dispute_evidence")
}

type closeDisputeArgs struct {
	Dispute string `json:"dispute" jsonschema:"The dispute to close (dp_…): this accepts the loss, and cannot be undone."`
	writeArgs
}

func closeDisputeTool() *tool {
	t := &tool{title: "Close a dispute (accept the loss)", schema: schemaFor[closeDisputeArgs](),
		description: "Close a dispute, conceding it: the disputed amount stays with the customer. Cannot be undone. Two steps, as every write tool."}
	t.plan = func(ctx context.Context, s *Server, c *call) (*plan, error) {
		in, err := decode[closeDisputeArgs](c.raw)
		if err != nil {
			return nil, err
		}
		d, err := c.dispute(ctx, in.Dispute)
		if err != nil {
			return nil, err
		}
		summary := fmt.Sprintf("Close dispute %s, accepting the loss of %s (reason %s, status %s, charge %s)", d.ID, money(d.Amount, d.Currency), d.Reason, d.Status, d.Charge)
		return &plan{Summary: summary, Act: func(ctx context.Context, key string, _ *auditInTx) (any, error) {
			return rawOut(c.stripePost(ctx, "/v1/disputes/"+d.ID+"/close", url.Values{}, key))
		}}, nil
	}
	return named(t, "stripe_close_dispute")
}
