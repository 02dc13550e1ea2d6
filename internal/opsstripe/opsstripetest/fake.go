// Package opsstripetest is a stateful fake of the part of Stripe's v1 API
// the operations gateway calls, for tests. It is hand-written from
// Stripe's documentation (docs.stripe.com/api: pagination, search query
// language, errors, idempotent requests, rate limits), not from traffic,
// and does what stripe-mock (stateless, fixtures) cannot: lists that page
// across real objects with starting_after and ending_before, search over
// them, refunds that change their charge, disputes whose evidence and
// status change, idempotent replay of POSTs (Idempotent-Replayed: true;
// the same key with other parameters is an idempotency_error), 429s with
// Stripe-Rate-Limited-Reason, and Stripe's error objects with a
// Request-Id on every answer.
package opsstripetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Object is a Stripe object as JSON fields.
type Object = map[string]any

// Request is one request the fake received.
type Request struct {
	Method, Path   string
	Query, Form    url.Values
	IdempotencyKey string
	Status         int
}

// Fake is the fake Stripe API. Its methods are safe for concurrent use.
type Fake struct {
	URL string
	Key string // the API key it accepts

	mu        sync.Mutex
	objects   map[string][]Object // by resource, in creation order
	created   int64
	reqs      int
	requests  []Request
	idem      map[string]idemRecord
	throttled int // the next requests answered 429
}

type idemRecord struct {
	fingerprint string
	status      int
	body        []byte
}

// New starts a fake accepting key, stopped at the end of the test.
func New(tb testing.TB, key string) *Fake {
	f := &Fake{Key: key, objects: map[string][]Object{}, idem: map[string]idemRecord{}, created: 1_760_000_000}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	tb.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// Throttle makes the next n requests answer 429, as Stripe does over its
// rate limit.
func (f *Fake) Throttle(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.throttled = n
}

// Requests returns the requests received so far.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

// Add stores obj as a new object of resource (customers, charges, …),
// giving it an id with prefix and a creation time one second after the
// previous object's, and returns its id.
func (f *Fake) Add(resource, prefix string, obj Object) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.add(resource, prefix, obj)
}

func (f *Fake) add(resource, prefix string, obj Object) string {
	f.created++
	id := fmt.Sprintf("%s_%s%04d", prefix, "fake", len(f.objects[resource])+1)
	obj["id"], obj["created"], obj["livemode"] = id, f.created, false
	if _, ok := obj["object"]; !ok {
		obj["object"] = strings.TrimSuffix(resource, "s")
	}
	f.objects[resource] = append(f.objects[resource], obj)
	return id
}

// Get returns a copy of the stored object, or nil.
func (f *Fake) Get(resource, id string) Object {
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.find(resource, id)
	if o == nil {
		return nil
	}
	b, _ := json.Marshal(o)
	var c Object
	_ = json.Unmarshal(b, &c)
	return c
}

func (f *Fake) find(resource, id string) Object {
	for _, o := range f.objects[resource] {
		if o["id"] == id {
			return o
		}
	}
	return nil
}

// stripeError is Stripe's error body.
func stripeError(typ, code, param, msg string) Object {
	e := Object{"type": typ, "message": msg}
	if code != "" {
		e["code"] = code
	}
	if param != "" {
		e["param"] = param
	}
	return Object{"error": e}
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs++
	w.Header().Set("Request-Id", fmt.Sprintf("req_fake%06d", f.reqs))
	rec := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Form: r.PostForm, IdempotencyKey: r.Header.Get("Idempotency-Key")}
	status, body := f.route(w, r)
	rec.Status = status
	f.requests = append(f.requests, rec)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func (f *Fake) route(w http.ResponseWriter, r *http.Request) (int, any) {
	if r.Header.Get("Authorization") != "Bearer "+f.Key {
		return http.StatusUnauthorized, stripeError("invalid_request_error", "", "", "Invalid API Key provided.")
	}
	if f.throttled > 0 {
		f.throttled--
		w.Header().Set("Stripe-Rate-Limited-Reason", "global-rate")
		return http.StatusTooManyRequests, stripeError("invalid_request_error", "rate_limit", "",
			"Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.")
	}
	parts := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/v1"), "/"), "/")
	if r.Method == http.MethodPost {
		return f.idempotent(w, r, func() (int, any) { return f.post(r, parts) })
	}
	if r.Method != http.MethodGet {
		return http.StatusMethodNotAllowed, stripeError("invalid_request_error", "", "", "Unrecognized request URL.")
	}
	q := r.URL.Query()
	switch {
	case len(parts) == 1 && parts[0] == "balance":
		return http.StatusOK, Object{"object": "balance", "livemode": false,
			"available": []Object{{"amount": 123456, "currency": "usd"}}, "pending": []Object{{"amount": 7890, "currency": "usd"}}}
	case len(parts) == 1:
		return f.list(parts[0], q)
	case len(parts) == 2 && parts[1] == "search":
		return f.search(parts[0], q)
	case len(parts) == 2:
		o := f.find(parts[0], parts[1])
		if o == nil {
			return f.missing(parts[0], parts[1])
		}
		return http.StatusOK, f.expand(o, q["expand[]"], "")
	}
	return http.StatusNotFound, stripeError("invalid_request_error", "", "", "Unrecognized request URL (GET: "+r.URL.Path+").")
}

func (f *Fake) missing(resource, id string) (int, any) {
	return http.StatusNotFound, stripeError("invalid_request_error", "resource_missing", "id",
		fmt.Sprintf("No such %s: '%s'", strings.TrimSuffix(resource, "s"), id))
}

// expandable names the resource an id field points at.
var expandable = map[string]string{"customer": "customers", "charge": "charges", "payment_intent": "payment_intents", "invoice": "invoices"}

// expand returns a copy of o with the fields named by expand (prefixed
// by prefix, "data." in lists) replaced by the objects they name.
func (f *Fake) expand(o Object, expand []string, prefix string) Object {
	c := Object{}
	for k, v := range o {
		c[k] = v
	}
	for _, e := range expand {
		field, ok := strings.CutPrefix(e, prefix)
		if !ok {
			continue
		}
		if res, ok := expandable[field]; ok {
			if id, ok := c[field].(string); ok {
				if t := f.find(res, id); t != nil {
					c[field] = t
				}
			}
		}
	}
	return c
}

// listFilters are the list parameters that match a field exactly.
var listFilters = []string{"customer", "status", "email", "charge", "payment_intent", "product", "type", "subscription"}

func (f *Fake) list(resource string, q url.Values) (int, any) {
	all, ok := f.objects[resource]
	if !ok && !knownResource(resource) {
		return http.StatusNotFound, stripeError("invalid_request_error", "", "", "Unrecognized request URL (GET: /v1/"+resource+").")
	}
	limit := 10
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return http.StatusBadRequest, stripeError("invalid_request_error", "parameter_invalid_integer", "limit",
				"Invalid limit: must be an integer between 1 and 100.")
		}
		limit = n
	}
	// Newest first, as Stripe lists.
	var items []Object
	for i := len(all) - 1; i >= 0; i-- {
		o := all[i]
		if matches(o, q) {
			items = append(items, o)
		}
	}
	after, before := q.Get("starting_after"), q.Get("ending_before")
	if after != "" && before != "" {
		return http.StatusBadRequest, stripeError("invalid_request_error", "", "ending_before", "You may only specify one of these parameters: ending_before, starting_after.")
	}
	page, more := items, false
	if cursor := after + before; cursor != "" {
		i := indexOf(items, cursor)
		if i < 0 {
			param := "starting_after"
			if before != "" {
				param = "ending_before"
			}
			return http.StatusBadRequest, stripeError("invalid_request_error", "resource_missing", param, "No such object: '"+cursor+"'")
		}
		if after != "" {
			page = items[i+1:]
		} else {
			page = items[max(0, i-limit):i]
			more = i-limit > 0
		}
	}
	if after != "" || before == "" {
		more = len(page) > limit
		page = page[:min(limit, len(page))]
	}
	data := make([]Object, 0, len(page))
	for _, o := range page {
		data = append(data, f.expand(o, q["expand[]"], "data."))
	}
	return http.StatusOK, Object{"object": "list", "url": "/v1/" + resource, "has_more": more, "data": data}
}

func knownResource(r string) bool {
	switch r {
	case "customers", "charges", "payment_intents", "refunds", "disputes", "subscriptions", "invoices", "payouts",
		"products", "prices", "events", "balance_transactions":
		return true
	}
	return false
}

func matches(o Object, q url.Values) bool {
	for _, k := range listFilters {
		if v := q.Get(k); v != "" && fmt.Sprint(o[k]) != v {
			return false
		}
	}
	created, _ := o["created"].(int64)
	if s := q.Get("created[gte]"); s != "" {
		if n, _ := strconv.ParseInt(s, 10, 64); created < n {
			return false
		}
	}
	if s := q.Get("created[lte]"); s != "" {
		if n, _ := strconv.ParseInt(s, 10, 64); created > n {
			return false
		}
	}
	return true
}

func indexOf(items []Object, id string) int {
	for i, o := range items {
		if o["id"] == id {
			return i
		}
	}
	return -1
}

// clause is one term of Stripe's search query language that the fake
// understands: field:'value' (or "value"), and metadata['key']:'value'.
var clause = regexp.MustCompile(`^\s*([a-z_]+(?:\['[^']+'\])?)\s*:\s*(?:'([^']*)'|"([^"]*)")\s*$`)

func (f *Fake) search(resource string, q url.Values) (int, any) {
	switch resource {
	case "customers", "charges", "payment_intents", "subscriptions", "invoices", "products", "prices":
	default:
		return http.StatusNotFound, stripeError("invalid_request_error", "", "", "Unrecognized request URL (GET: /v1/"+resource+"/search).")
	}
	query := q.Get("query")
	if query == "" {
		return http.StatusBadRequest, stripeError("invalid_request_error", "parameter_missing", "query", "Missing required param: query.")
	}
	type term struct{ field, value string }
	var terms []term
	for _, part := range strings.Split(query, " AND ") {
		m := clause.FindStringSubmatch(part)
		if m == nil {
			return http.StatusBadRequest, stripeError("invalid_request_error", "", "query",
				fmt.Sprintf("We were unable to parse your search query. Try using the format `metadata[\"key\"]:\"value\"` to query for metadata or key:\"value\" to query for other fields. (near %q)", part))
		}
		terms = append(terms, term{m[1], m[2] + m[3]})
	}
	var data []Object
	for i := len(f.objects[resource]) - 1; i >= 0; i-- {
		o := f.objects[resource][i]
		ok := true
		for _, t := range terms {
			if key, isMeta := strings.CutPrefix(t.field, "metadata['"); isMeta {
				md, _ := o["metadata"].(Object)
				ok = ok && fmt.Sprint(md[strings.TrimSuffix(key, "']")]) == t.value
				continue
			}
			ok = ok && strings.EqualFold(fmt.Sprint(o[t.field]), t.value)
		}
		if ok {
			data = append(data, f.expand(o, q["expand[]"], "data."))
		}
	}
	limit := 10
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		limit = min(n, 100)
	}
	start := 0
	if p := q.Get("page"); p != "" {
		start, _ = strconv.Atoi(strings.TrimPrefix(p, "page_"))
	}
	end := min(start+limit, len(data))
	res := Object{"object": "search_result", "url": "/v1/" + resource + "/search", "has_more": end < len(data), "data": data[min(start, end):end]}
	if end < len(data) {
		res["next_page"] = "page_" + strconv.Itoa(end)
	}
	return http.StatusOK, res
}

// idempotent runs a POST once per Idempotency-Key: again with the same
// parameters it answers the first answer with Idempotent-Replayed: true;
// with other parameters, an idempotency_error. 5xx answers are not kept.
func (f *Fake) idempotent(w http.ResponseWriter, r *http.Request, run func() (int, any)) (int, any) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		return run()
	}
	keys := make([]string, 0, len(r.PostForm))
	for k := range r.PostForm {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fp := r.URL.Path
	for _, k := range keys {
		fp += "&" + k + "=" + strings.Join(r.PostForm[k], ",")
	}
	if rec, ok := f.idem[key]; ok {
		if rec.fingerprint != fp {
			return http.StatusBadRequest, stripeError("idempotency_error", "", "",
				"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '"+key+"' if you meant to execute a different request.")
		}
		w.Header().Set("Idempotent-Replayed", "true")
		return rec.status, json.RawMessage(rec.body)
	}
	status, body := run()
	if status < 500 {
		b, _ := json.Marshal(body)
		f.idem[key] = idemRecord{fingerprint: fp, status: status, body: b}
	}
	return status, body
}

func (f *Fake) post(r *http.Request, parts []string) (int, any) {
	form := r.PostForm
	switch {
	case len(parts) == 1 && parts[0] == "refunds":
		return f.createRefund(form)
	case len(parts) == 2 && parts[0] == "disputes":
		return f.updateDispute(parts[1], form)
	case len(parts) == 3 && parts[0] == "disputes" && parts[2] == "close":
		d := f.find("disputes", parts[1])
		if d == nil {
			return f.missing("disputes", parts[1])
		}
		if !disputeOpen(d) {
			return http.StatusBadRequest, stripeError("invalid_request_error", "", "", "This dispute is already closed.")
		}
		d["status"] = "lost"
		return http.StatusOK, d
	}
	return http.StatusNotFound, stripeError("invalid_request_error", "", "", "Unrecognized request URL (POST: "+r.URL.Path+").")
}

func (f *Fake) createRefund(form url.Values) (int, any) {
	var ch Object
	switch {
	case form.Get("charge") != "":
		if ch = f.find("charges", form.Get("charge")); ch == nil {
			return http.StatusBadRequest, stripeError("invalid_request_error", "resource_missing", "charge", "No such charge: '"+form.Get("charge")+"'")
		}
	case form.Get("payment_intent") != "":
		for _, c := range f.objects["charges"] {
			if c["payment_intent"] == form.Get("payment_intent") {
				ch = c
			}
		}
		if ch == nil {
			return http.StatusBadRequest, stripeError("invalid_request_error", "resource_missing", "payment_intent", "No such payment_intent: '"+form.Get("payment_intent")+"'")
		}
	default:
		return http.StatusBadRequest, stripeError("invalid_request_error", "parameter_missing", "charge", "One of the following params should be provided for this request: payment_intent or charge.")
	}
	amount, refunded := toInt(ch["amount"]), toInt(ch["amount_refunded"])
	left := amount - refunded
	if left <= 0 {
		return http.StatusBadRequest, stripeError("invalid_request_error", "charge_already_refunded", "", fmt.Sprintf("Charge %s has already been refunded.", ch["id"]))
	}
	want := left
	if s := form.Get("amount"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return http.StatusBadRequest, stripeError("invalid_request_error", "parameter_invalid_integer", "amount", "Invalid positive integer")
		}
		if n > left {
			return http.StatusBadRequest, stripeError("invalid_request_error", "amount_too_large", "amount",
				fmt.Sprintf("Refund amount (%d) is greater than unrefunded amount on charge (%d)", n, left))
		}
		want = n
	}
	ch["amount_refunded"] = refunded + want
	ch["refunded"] = refunded+want == amount
	re := Object{"object": "refund", "amount": want, "currency": ch["currency"], "charge": ch["id"], "payment_intent": ch["payment_intent"],
		"status": "succeeded", "reason": nil}
	if s := form.Get("reason"); s != "" {
		re["reason"] = s
	}
	f.add("refunds", "re", re)
	return http.StatusOK, re
}

func toInt(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case int:
		return int64(n)
	case float64:
		return int64(n)
	}
	return 0
}

func disputeOpen(d Object) bool {
	switch d["status"] {
	case "needs_response", "warning_needs_response":
		return true
	}
	return false
}

func (f *Fake) updateDispute(id string, form url.Values) (int, any) {
	d := f.find("disputes", id)
	if d == nil {
		return f.missing("disputes", id)
	}
	if !disputeOpen(d) {
		return http.StatusBadRequest, stripeError("invalid_request_error", "", "", "This dispute is already closed or under review; its evidence cannot be changed.")
	}
	ev, _ := d["evidence"].(Object)
	if ev == nil {
		ev = Object{}
	}
	for k, vs := range form {
		if field, ok := strings.CutPrefix(k, "evidence["); ok {
			ev[strings.TrimSuffix(field, "]")] = vs[0]
		}
	}
	d["evidence"] = ev
	if form.Get("submit") == "true" {
		d["status"] = "under_review"
	}
	return http.StatusOK, d
}
