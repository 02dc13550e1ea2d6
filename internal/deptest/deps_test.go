package deptest

import (
	"strings"
	"testing"
)

const module = "agentshop"

// adapters are what the domain core must not depend on: HTTP, SQL, the
// SDKs of the stores, payment providers and MCP, and the metrics library
// (internal/commercemetrics exports what the core observes).
var adapters = []string{
	"net/http",
	"database/sql",
	"modernc.org/sqlite/...",
	"github.com/jackc/pgx/...",
	"github.com/stripe/stripe-go/...",
	"github.com/modelcontextprotocol/go-sdk/...",
	"github.com/prometheus/...",
}

// merchantSide is agentshop's merchant: what the client-side packages
// (acpclient, conformance, bench) must not depend on, so that they keep
// working against any ACP merchant.
var merchantSide = []string{
	"agentshop/internal/commerce/...",
	"agentshop/internal/catalog",
	"agentshop/internal/acp",
	"agentshop/internal/acp/acp20250929",
	"agentshop/internal/acp/acp20260417",
	"agentshop/internal/acp/acpjson",
	"agentshop/internal/acpmcp",
	"agentshop/internal/mcpapp",
	"agentshop/internal/mcpmetrics",
	"agentshop/internal/ratelimit",
	"agentshop/internal/commercemetrics",
	"agentshop/internal/web",
	"agentshop/internal/webhook",
	"agentshop/internal/store/...",
	"agentshop/internal/payment/...",
	"agentshop/internal/idempotency",
	"agentshop/internal/apikey",
	"agentshop/internal/admintoken",
	"agentshop/internal/admin",
	"agentshop/internal/adminapi",
	"agentshop/internal/app",
}

// noSQLNoPSP is what a surface that "holds no SQL and calls no payment
// provider directly" must not depend on.
var noSQLNoPSP = []string{
	"database/sql",
	"modernc.org/sqlite/...",
	"github.com/jackc/pgx/...",
	"github.com/stripe/stripe-go/...",
	"agentshop/internal/store/...",
	"agentshop/internal/payment/...",
}

// storeOwners are what the stores may import of ours: the owners of the
// interfaces they implement over one database, and store, which names
// them together.
var storeOwners = []string{
	"agentshop/internal/commerce",
	"agentshop/internal/store",
	"agentshop/internal/idempotency",
	"agentshop/internal/apikey",
	"agentshop/internal/admintoken",
	"agentshop/internal/payment/sandbox",
	"agentshop/internal/secretbox",
	"agentshop/internal/ops",
}

// rules are agentshop's import rules, each where it is written down.
var rules = []Rule{
	{
		Package: "agentshop/internal/commerce",
		Source:  "DESIGN.md Architecture; issue 14 §1",
		Own:     []string{"agentshop/internal/fault"},
		Deny:    adapters,
	},
	{
		Package: "agentshop/internal/acpclient",
		Source:  "internal/acpclient/doc.go:26",
		Deny:    merchantSide,
	},
	{
		Package: "agentshop/internal/conformance",
		Source:  "internal/conformance/doc.go:12",
		Deny:    merchantSide,
	},
	{
		Package: "agentshop/internal/bench",
		Source:  "internal/bench/doc.go:7",
		Deny:    merchantSide,
	},
	{
		Package: "agentshop/internal/store/sqlite",
		Source:  "internal/store/sqlite/doc.go",
		Own:     storeOwners,
	},
	{
		Package: "agentshop/internal/store/postgres",
		Source:  "internal/store/postgres/doc.go",
		Own:     storeOwners,
	},
	{
		Package: "agentshop/internal/idempotency",
		Source:  "internal/idempotency/doc.go",
		Own:     []string{"agentshop/internal/commerce", "agentshop/internal/canonjson"},
		Deny:    append([]string{"net/http", "agentshop/internal/acp/...", "github.com/modelcontextprotocol/go-sdk/..."}, noSQLNoPSP...),
	},
	{
		Package: "agentshop/internal/apikey",
		Source:  "internal/apikey/doc.go",
		Own:     []string{"agentshop/internal/commerce", "agentshop/internal/secretbox"},
		Deny:    append([]string{"net/http", "agentshop/internal/acp/...", "github.com/modelcontextprotocol/go-sdk/..."}, noSQLNoPSP...),
	},
	{
		Package: "agentshop/internal/admintoken",
		Source:  "internal/admintoken/admintoken.go:10",
		Own:     []string{"agentshop/internal/commerce"},
		Deny:    append([]string{"net/http", "agentshop/internal/acp/...", "github.com/modelcontextprotocol/go-sdk/..."}, noSQLNoPSP...),
	},
	{
		// The application layer of the CLI and the admin API: no
		// transport, no store package.
		Package: "agentshop/internal/admin",
		Source:  "internal/admin/admin.go:14",
		Own:     []string{"agentshop/internal/commerce", "agentshop/internal/apikey", "agentshop/internal/admintoken"},
		Deny:    append([]string{"net/http", "agentshop/internal/acp/...", "github.com/modelcontextprotocol/go-sdk/..."}, noSQLNoPSP...),
	},
	{
		Package: "agentshop/internal/adminapi",
		Source:  "internal/adminapi/doc.go:20",
		Deny: append([]string{"agentshop/internal/acp", "agentshop/internal/acpmcp", "agentshop/internal/mcpapp",
			"agentshop/internal/web", "agentshop/internal/app", "github.com/modelcontextprotocol/go-sdk/..."}, noSQLNoPSP...),
	},
	{
		Package: "agentshop/internal/store",
		Source:  "internal/store/store.go",
		Own:     []string{"agentshop/internal/commerce", "agentshop/internal/idempotency", "agentshop/internal/apikey", "agentshop/internal/admintoken", "agentshop/internal/payment/sandbox", "agentshop/internal/secretbox", "agentshop/internal/ops"},
		StdOnly: true,
	},
	{
		Package: "agentshop/internal/opsmcp",
		Source:  "internal/opsmcp/doc.go",
		Own:     []string{"agentshop/internal/ops", "agentshop/internal/opsstripe", "agentshop/internal/commerce", "agentshop/internal/apikey", "agentshop/internal/ratelimit"},
		Deny:    []string{"database/sql", "modernc.org/sqlite/...", "github.com/jackc/pgx/...", "agentshop/internal/store/...", "agentshop/internal/payment/..."},
	},
	{
		Package: "agentshop/internal/opsstripe",
		Source:  "internal/opsstripe/client.go (package doc)",
		StdOnly: true,
		Others:  []string{"github.com/stripe/stripe-go/v85"},
	},
	{
		Package: "agentshop/internal/ops",
		Source:  "internal/ops/doc.go",
		Own:     []string{"agentshop/internal/commerce", "agentshop/internal/secretbox"},
		StdOnly: true,
		Deny:    append([]string{"net/http", "github.com/modelcontextprotocol/go-sdk/..."}, noSQLNoPSP...),
	},
	{
		Package:  "agentshop/internal/store/storetest",
		Source:   "internal/store/storetest/storetest.go:11",
		Deny:     []string{"agentshop/internal/store/sqlite", "agentshop/internal/store/postgres"},
		TestOnly: true,
	},
	{
		Package: "agentshop/internal/acp/acpschema",
		Source:  "internal/acp/acpschema/doc.go:16",
		Deny:    []string{"testing"},
	},
	{
		Package:  "agentshop/internal/acp/acpschema/schematest",
		Source:   "internal/acp/acpschema/schematest/schematest.go:3",
		TestOnly: true,
	},
	{
		Package: "agentshop/cmd/agentshop",
		Source:  "internal/acp/acpschema/schematest/schematest.go:3 (production code does not link testing)",
		Deny:    []string{"testing"},
	},
	{
		Package:  "agentshop/internal/commerce/commercetest",
		Source:   "internal/commerce/commercetest/commercetest.go:3",
		TestOnly: true,
	},
	{
		Package:  "agentshop/internal/browsertest",
		Source:   "internal/browsertest/browsertest.go:3",
		TestOnly: true,
	},
	{
		Package: "agentshop/internal/catalog",
		Source:  "internal/catalog/doc.go:7",
		Own:     []string{"agentshop/internal/commerce"},
		StdOnly: true,
		Deny:    []string{"net/http", "database/sql", "agentshop/internal/acp/..."},
	},
	{
		Package: "agentshop/internal/payment/sandbox",
		Source:  "internal/payment/sandbox/doc.go:33",
		Own:     []string{"agentshop/internal/commerce"},
		StdOnly: true,
	},
	{
		Package: "agentshop/internal/payment/stripe",
		Source:  "internal/payment/stripe/doc.go:24",
		Own:     []string{"agentshop/internal/commerce"},
		StdOnly: true,
		Others:  []string{"github.com/stripe/stripe-go/..."},
	},
	{
		Package: "agentshop/internal/payment/braintree",
		Source:  "internal/payment/braintree/doc.go:55",
		Own:     []string{"agentshop/internal/commerce"},
		StdOnly: true,
	},
	{
		// The codecs map wire structs to commerce types and nothing else:
		// of ours they import only commerce and acpjson's decoding helpers.
		Package: "agentshop/internal/acp/acp20250929",
		Source:  "internal/acp/acp20250929/doc.go:30",
		Own:     []string{"agentshop/internal/commerce", "agentshop/internal/acp/acpjson"},
		Deny:    append([]string{"net/http", "agentshop/internal/acp", "github.com/modelcontextprotocol/go-sdk/..."}, noSQLNoPSP...),
	},
	{
		Package: "agentshop/internal/acp/acp20260417",
		Source:  "internal/acp/acp20260417/doc.go:35",
		Own:     []string{"agentshop/internal/commerce", "agentshop/internal/acp/acpjson"},
		Deny:    append([]string{"net/http", "agentshop/internal/acp", "github.com/modelcontextprotocol/go-sdk/..."}, noSQLNoPSP...),
	},
	{
		Package: "agentshop/internal/mcpapp",
		Source:  "internal/mcpapp/doc.go:36",
		Deny:    noSQLNoPSP,
	},
	{
		Package: "agentshop/internal/agent",
		Source:  "internal/agent/buy.go:7",
		Deny:    []string{"agentshop/internal/store/...", "database/sql", "agentshop/internal/app"},
	},
	{
		Package: "agentshop/internal/secretbox",
		Source:  "internal/secretbox/secretbox.go:18",
		Own:     []string{},
		StdOnly: true,
	},
	{
		Package: "agentshop/internal/buildinfo",
		Source:  "internal/buildinfo/buildinfo.go:8",
		Own:     []string{},
		StdOnly: true,
	},
	{
		Package: "agentshop/internal/app",
		Source:  "internal/app/app.go:11",
		Deny:    []string{"testing"},
	},
	{
		Package: "agentshop/internal/mcpmetrics",
		Source:  "internal/mcpmetrics/mcpmetrics.go:24",
		Own:     []string{},
		StdOnly: true,
		Others:  []string{"github.com/modelcontextprotocol/go-sdk/...", "github.com/prometheus/client_golang/..."},
	},
	{
		Package: "agentshop/internal/acpmcp",
		Source:  "internal/acpmcp/doc.go:64",
		Deny:    noSQLNoPSP,
	},
	{
		Package: "agentshop/internal/canonjson",
		Source:  "internal/canonjson/canonjson.go:6",
		Own:     []string{},
		StdOnly: true,
	},
	{
		// Both sides sign with it: it knows the wire, not the merchant.
		Package: "agentshop/internal/reqsign",
		Source:  "internal/reqsign/reqsign.go:12",
		Own:     []string{"agentshop/internal/canonjson"},
		StdOnly: true,
	},
	{
		Package: "agentshop/internal/ratelimit",
		Source:  "internal/ratelimit/doc.go:13",
		Own:     []string{},
		StdOnly: true,
	},
	{
		Package: "agentshop/internal/commercemetrics",
		Source:  "internal/commercemetrics/commercemetrics.go:15",
		Own:     []string{"agentshop/internal/commerce"},
		StdOnly: true,
		Others:  []string{"github.com/prometheus/client_golang/..."},
	},
}

// TestDeps checks the module against rules.
func TestDeps(t *testing.T) {
	pkgs, err := Load(".", module+"/...")
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range Check(module, pkgs, rules) {
		t.Error(msg)
	}
}

// TestCheck shows that each kind of rule fails when it is broken, on a
// made-up module "m".
func TestCheck(t *testing.T) {
	pkgs := map[string]Package{
		"net/http":        {ImportPath: "net/http", Standard: true},
		"strings":         {ImportPath: "strings", Standard: true},
		"example.com/sdk": {ImportPath: "example.com/sdk", Imports: []string{"net/http"}, Deps: []string{"net/http"}},
		"m/core":          {ImportPath: "m/core", Imports: []string{"strings", "m/fault"}, Deps: []string{"m/fault", "strings"}},
		"m/fault":         {ImportPath: "m/fault"},
		"m/client":        {ImportPath: "m/client", Imports: []string{"m/wire"}, Deps: []string{"m/core", "m/fault", "m/wire", "strings"}},
		"m/wire":          {ImportPath: "m/wire", Imports: []string{"m/core"}, Deps: []string{"m/core", "m/fault", "strings"}},
		"m/store":         {ImportPath: "m/store", Imports: []string{"m/core", "example.com/sdk"}, Deps: []string{"example.com/sdk", "m/core", "m/fault", "net/http", "strings"}},
		"m/storetest":     {ImportPath: "m/storetest", Imports: []string{"m/core"}, Deps: []string{"m/core", "m/fault", "strings"}},
		"m/server":        {ImportPath: "m/server", Imports: []string{"m/storetest"}, Deps: []string{"m/core", "m/fault", "m/storetest", "strings"}},
	}
	tests := []struct {
		name string
		rule Rule
		want []string // substrings of the messages, one per message
	}{
		{"own allowed", Rule{Package: "m/core", Own: []string{"m/fault"}}, nil},
		{"own broken", Rule{Package: "m/store", Own: []string{"m/fault"}},
			[]string{"m/store imports m/core; of this module it may import only m/fault"}},
		{"std only allowed", Rule{Package: "m/core", StdOnly: true}, nil},
		{"std only broken", Rule{Package: "m/store", StdOnly: true},
			[]string{"m/store imports example.com/sdk; beyond the standard library it may import only nothing"}},
		{"others allowed", Rule{Package: "m/store", StdOnly: true, Others: []string{"example.com/..."}}, nil},
		{"deny transitive", Rule{Package: "m/client", Deny: []string{"m/core/..."}},
			[]string{"m/client must not depend on m/core, but does: m/client → m/wire → m/core"}},
		{"deny reports the first denied package of a chain", Rule{Package: "m/client", Deny: []string{"m/wire", "m/core"}},
			[]string{"m/client must not depend on m/wire, but does: m/client → m/wire"}},
		{"deny third-party's dependency", Rule{Package: "m/store", Deny: []string{"net/http"}},
			[]string{"m/store must not depend on net/http, but does: m/store → example.com/sdk → net/http"}},
		{"deny allowed", Rule{Package: "m/core", Deny: []string{"net/http"}}, nil},
		{"test only broken", Rule{Package: "m/storetest", TestOnly: true},
			[]string{"m/storetest is for tests only, but non-test code of m/server imports it"}},
		{"test only allowed", Rule{Package: "m/client", TestOnly: true}, nil},
		{"pattern", Rule{Package: "m/...", Deny: []string{"net/http"}},
			[]string{"m/store must not depend on net/http"}},
		{"stale rule", Rule{Package: "m/gone"}, []string{"m/gone (): no such package"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Check("m", pkgs, []Rule{tt.rule})
			if len(got) != len(tt.want) {
				t.Fatalf("Check = %q, want %d messages like %q", got, len(tt.want), tt.want)
			}
			for i, msg := range got {
				if !strings.Contains(msg, tt.want[i]) {
					t.Errorf("message %d = %q, want it to contain %q", i, msg, tt.want[i])
				}
			}
		})
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"a/b", "a/b", true},
		{"a/b", "a/b/c", false},
		{"a/b/...", "a/b", true},
		{"a/b/...", "a/b/c", true},
		{"a/b/...", "a/bc", false},
		{"a/b", "a/bc", false},
	}
	for _, tt := range tests {
		if got := Match(tt.pattern, tt.path); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.path, got, tt.want)
		}
	}
}
