package adminapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"agentshop/internal/admin"
	"agentshop/internal/adminapi"
	"agentshop/internal/catalog"
	"agentshop/internal/commerce"
	"agentshop/internal/ops"
	"agentshop/internal/payment/sandbox"
	"agentshop/internal/ratelimit"
	"agentshop/internal/store"
	"agentshop/internal/store/postgres"
	"agentshop/internal/store/sqlite"
	"agentshop/internal/store/storetest"
)

const (
	merchantID = "acct_test"
	racket     = "starvie-metheora-warrior"
)

// opener opens a fresh, migrated, empty store for a test.
type opener struct {
	name string
	open func(t *testing.T) store.Store
}

// stores are the stores the tests run on: SQLite always, PostgreSQL when
// AGENTSHOP_TEST_POSTGRES_URL is set (a schema per test).
func stores(t *testing.T) []opener {
	out := []opener{{"SQLite", func(t *testing.T) store.Store {
		st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "agentshop.db"), sqlite.WithSecrets(storetest.Box()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}}}
	url := os.Getenv("AGENTSHOP_TEST_POSTGRES_URL")
	if url == "" {
		t.Log("AGENTSHOP_TEST_POSTGRES_URL not set: PostgreSQL skipped")
		return out
	}
	return append(out, opener{"PostgreSQL", func(t *testing.T) store.Store {
		var rnd [6]byte
		_, _ = rand.Read(rnd[:])
		schema := "adminapi_" + hex.EncodeToString(rnd[:])
		st, err := postgres.OpenSchema(t.Context(), url, schema, postgres.WithSecrets(storetest.Box()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			st.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if c, err := pgx.Connect(ctx, url); err == nil {
				_, _ = c.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
				c.Close(ctx)
			}
		})
		return st
	}})
}

// eachStore runs fn as a subtest on each store.
func eachStore(t *testing.T, fn func(t *testing.T, b *bundle)) {
	for _, s := range stores(t) {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			fn(t, setup(t, s.open))
		})
	}
}

// countingProvider is the sandbox provider, counting the refunds it is
// asked for: the tests' proof that a replay refunds nothing.
type countingProvider struct {
	*sandbox.Provider
	refunds atomic.Int64
}

func (p *countingProvider) Refund(ctx context.Context, req commerce.RefundRequest) (commerce.RefundResult, error) {
	p.refunds.Add(1)
	return p.Provider.Refund(ctx, req)
}

type bundle struct {
	srv      *httptest.Server
	store    store.Store
	admin    *admin.Service
	svc      *commerce.Service
	sandbox  *sandbox.Provider
	provider *countingProvider
	token    string // a valid admin token
}

func setup(t *testing.T, open func(t *testing.T) store.Store) *bundle {
	t.Helper()
	ctx := t.Context()
	st := open(t)
	cat := catalog.Demo()
	if err := st.SeedStock(ctx, cat.InitialStock()); err != nil {
		t.Fatal(err)
	}
	sb := sandbox.New(st, merchantID, nil)
	prov := &countingProvider{Provider: sb}
	svc := &commerce.Service{
		Store: st,
		Pricer: &commerce.Pricer{Catalog: cat, Config: commerce.PricingConfig{
			HomeCountry: "US",
			Shipping:    commerce.ShippingRates{DomesticStandard: 599, DomesticExpress: 1499, IntlStandard: 1999, IntlExpress: 3999},
			Taxes:       []commerce.TaxRate{{Country: "US", Region: "CA", BPS: 725}},
		}},
		Payments:    commerce.MustPayments(prov),
		SessionTTL:  time.Hour,
		OrderEvents: true,
	}
	adm := &admin.Service{Store: st, Commerce: svc}
	secret, _, err := adm.CreateAdminToken(ctx, "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	adminapi.New(adminapi.Config{
		Admin:        adm,
		Ops:          &ops.Admin{Store: st, PublicURL: "https://shop.example"},
		Idempotency:  st,
		AuthFailures: ratelimit.New(0.001, 5, 0),
		MaxBodyBytes: 1024,
	}).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &bundle{srv: srv, store: st, admin: adm, svc: svc, sandbox: sb, provider: prov, token: secret}
}

// placeOrder buys qty rackets as an agent would (create with an address,
// a sandbox vault token for the total, complete) and returns the order.
func (b *bundle) placeOrder(t *testing.T, qty int64) *commerce.Order {
	t.Helper()
	ctx := t.Context()
	v, err := b.svc.Create(ctx, commerce.CreateInput{
		Lines: []commerce.LineInput{{ItemID: racket, Quantity: qty}},
		Fulfillment: &commerce.FulfillmentInput{Name: "Ada Lovelace", Email: "ada@example.com", Address: &commerce.Address{
			Name: "Ada Lovelace", LineOne: "1 Market St", City: "San Francisco", State: "CA", Country: "US", PostalCode: "94103"}},
	}, nil)
	if err != nil || v.Status != commerce.StatusReady {
		t.Fatalf("create: %v, status %v", err, v)
	}
	tok, err := b.sandbox.Delegate(ctx, sandbox.DelegateRequest{
		PaymentMethod: sandbox.PaymentMethodCard{Type: "card", CardNumberType: "fpan", Number: "4242424242424242",
			ExpMonth: "12", ExpYear: "2035", CVC: "123", DisplayCardFundingType: "credit"},
		Allowance: sandbox.Allowance{Reason: "one_time", MaxAmount: v.Quote.Totals.Total, Currency: "usd",
			CheckoutSessionID: v.Session.ID, MerchantID: merchantID, ExpiresAt: time.Now().Add(time.Hour).UTC().Format(time.RFC3339)},
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err = b.svc.Complete(ctx, v.Session.ID, commerce.CompleteInput{Token: tok.ID}, nil)
	if err != nil || v.Order == nil {
		t.Fatalf("complete: %v, %+v", err, v)
	}
	return v.Order
}

// req is one request to the admin API; zero fields get defaults: the
// bundle's token, a fresh Idempotency-Key on a POST.
type req struct {
	method, path string
	body         any // marshalled unless string
	token        string
	noAuth       bool
	idem         string
	noIdem       bool
	header       map[string]string
}

// resp is an answer, checked against the OpenAPI document.
type resp struct {
	status int
	header http.Header
	raw    []byte
	json   map[string]any
}

var idemSeq atomic.Int64

func (b *bundle) do(t *testing.T, r req) resp {
	t.Helper()
	var body io.Reader
	switch v := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(v)
	default:
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(j)
	}
	hr, err := http.NewRequestWithContext(t.Context(), r.method, b.srv.URL+r.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if !r.noAuth {
		tok := r.token
		if tok == "" {
			tok = b.token
		}
		hr.Header.Set("Authorization", "Bearer "+tok)
	}
	if r.method == http.MethodPost && !r.noIdem {
		k := r.idem
		if k == "" {
			k = fmt.Sprintf("idem-%d", idemSeq.Add(1))
		}
		hr.Header.Set("Idempotency-Key", k)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := resp{status: res.StatusCode, header: res.Header, raw: raw}
	if err := json.Unmarshal(raw, &out.json); err != nil {
		t.Fatalf("%s %s: %d, body not a JSON object: %v\n%s", r.method, r.path, res.StatusCode, err, raw)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", r.method, r.path, ct)
	}
	openAPI(t).check(t, r.method, strings.SplitN(r.path, "?", 2)[0], res.StatusCode, raw)
	return out
}

// want fails the test unless the answer has status.
func (r resp) want(t *testing.T, status int) resp {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d\n%s", r.status, status, r.raw)
	}
	return r
}

// wantError fails the test unless the answer is an error with status,
// code and (when not "") param.
func (r resp) wantError(t *testing.T, status int, code, param string) {
	t.Helper()
	r.want(t, status)
	if r.json["code"] != code || (param != "" && r.json["param"] != param) {
		t.Fatalf("error code %v param %v, want %s %s\n%s", r.json["code"], r.json["param"], code, param, r.raw)
	}
}

func (r resp) str(key string) string { s, _ := r.json[key].(string); return s }

// data is a listing's data.
func (r resp) data() []map[string]any {
	var out []map[string]any
	for _, x := range r.json["data"].([]any) {
		out = append(out, x.(map[string]any))
	}
	return out
}

// validator checks answers against the OpenAPI document: each (method,
// path, status) must be documented, and its body valid against the
// documented schema.
type validator struct {
	routes []route
}

type route struct {
	re      *regexp.Regexp
	method  string
	schemas map[int]*jsonschema.Schema
}

var (
	openAPIOnce sync.Once
	openAPIDoc  *validator
	openAPIErr  error
)

// openAPI compiles the document's response schemas once.
func openAPI(t *testing.T) *validator {
	t.Helper()
	openAPIOnce.Do(func() { openAPIDoc, openAPIErr = compileOpenAPI() })
	if openAPIErr != nil {
		t.Fatalf("openapi.json: %v", openAPIErr)
	}
	return openAPIDoc
}

func compileOpenAPI() (*validator, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(adminapi.OpenAPI))
	if err != nil {
		return nil, err
	}
	const url = "https://agentshop.example/admin/openapi.json"
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	esc := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1") }
	v := &validator{}
	paths := doc.(map[string]any)["paths"].(map[string]any)
	for path, item := range paths {
		re := regexp.MustCompile("^" + regexp.MustCompile(`\\\{[a-z_]+\\\}`).ReplaceAllString(regexp.QuoteMeta(path), `[^/]+`) + "$")
		for method, op := range item.(map[string]any) {
			rt := route{re: re, method: strings.ToUpper(method), schemas: map[int]*jsonschema.Schema{}}
			for status := range op.(map[string]any)["responses"].(map[string]any) {
				n, err := strconv.Atoi(status)
				if err != nil {
					return nil, fmt.Errorf("%s %s: status %q", method, path, status)
				}
				ptr := fmt.Sprintf("%s#/paths/%s/%s/responses/%s/content/application~1json/schema", url, esc(path), method, status)
				if rt.schemas[n], err = c.Compile(ptr); err != nil {
					return nil, fmt.Errorf("%s %s %s: %w", method, path, status, err)
				}
			}
			v.routes = append(v.routes, rt)
		}
	}
	return v, nil
}

// check validates one answer. A path the document does not have (the
// tests' unknown routes) must answer the Error schema.
func (v *validator) check(t *testing.T, method, path string, status int, body []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Errorf("%s %s: %v", method, path, err)
		return
	}
	var sch *jsonschema.Schema
	for _, rt := range v.routes {
		if rt.method == method && rt.re.MatchString(path) {
			if sch = rt.schemas[status]; sch == nil {
				t.Errorf("%s %s answered %d, which openapi.json does not document\n%s", method, path, status, body)
				return
			}
		}
	}
	if sch == nil {
		sch = v.errorSchema(t)
		if status < 400 {
			t.Errorf("%s %s: %d for an undocumented operation", method, path, status)
		}
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("%s %s %d: answer violates openapi.json: %v\n%s", method, path, status, err, body)
	}
}

var errorSchemaOnce = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(adminapi.OpenAPI))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("https://agentshop.example/admin/openapi.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("https://agentshop.example/admin/openapi.json#/components/schemas/Error")
})

func (v *validator) errorSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	s, err := errorSchemaOnce()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
