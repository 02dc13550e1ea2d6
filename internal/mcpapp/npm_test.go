package mcpapp_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Tools from npm, pinned. The inspector's package declares Node ≥ 22.19
// but its CLI runs on Node 20 (CI's version); conformance 0.1.14+ needs
// Node 22 (it imports fs.globSync), so 0.1.13 is the newest that runs here.
const (
	inspectorPkg   = "@modelcontextprotocol/inspector@2.12.0"
	inspectorBin   = "node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js"
	conformancePkg = "@modelcontextprotocol/conformance@0.1.13"
	conformanceBin = "node_modules/@modelcontextprotocol/conformance/dist/index.js"
)

// npmTools installs the pinned packages into AGENTSHOP_NPM_DIR (or a temp
// dir) and returns the dir. The tests run only with AGENTSHOP_NPM_TESTS=1:
// they need node, npm and the npm registry (scripts/mcp-conformance.sh).
func npmTools(t *testing.T) string {
	t.Helper()
	if os.Getenv("AGENTSHOP_NPM_TESTS") != "1" {
		t.Skip("set AGENTSHOP_NPM_TESTS=1 to run the MCP inspector and conformance suite from npm (scripts/mcp-conformance.sh does)")
	}
	dir := os.Getenv("AGENTSHOP_NPM_DIR")
	if dir == "" {
		dir = t.TempDir()
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
	run(t, dir, 5*time.Minute, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error", inspectorPkg, conformancePkg)
	return dir
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
	t.Logf("$ %s %s\n%s", name, strings.Join(args, " "), truncate(stderr.String(), 2000))
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
		out, err := runErr(t, dir, 2*time.Minute, env, "node", append([]string{inspectorBin, "--cli", url, "--transport", "http"}, args...)...)
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

// TestConformance runs the MCP conformance suite's server scenarios that
// apply to a product server (the others need the suite's fixture tools,
// resources and prompts).
func TestConformance(t *testing.T) {
	dir := npmTools(t)
	b := setup(t)
	url := b.srv.URL + "/mcp"
	for _, sc := range []string{"server-initialize", "ping", "tools-list", "resources-list", "dns-rebinding-protection"} {
		t.Run(sc, func(t *testing.T) {
			outDir := t.TempDir()
			run(t, dir, 2*time.Minute, "node", conformanceBin, "server", "--url", url, "--scenario", sc, "-o", outDir)
			files, _ := filepath.Glob(filepath.Join(outDir, "*", "checks.json"))
			if len(files) != 1 {
				t.Fatalf("checks.json files: %v", files)
			}
			raw, err := os.ReadFile(files[0])
			if err != nil {
				t.Fatal(err)
			}
			var checks []struct {
				ID, Status, ErrorMessage string
			}
			mustJSON(t, raw, &checks)
			if len(checks) == 0 {
				t.Fatal("no checks ran")
			}
			for _, c := range checks {
				t.Logf("%s: %s %s", c.ID, c.Status, c.ErrorMessage)
				if c.Status != "SUCCESS" {
					t.Errorf("%s: %s: %s", c.ID, c.Status, c.ErrorMessage)
				}
			}
		})
	}
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("not JSON (%v): %s", err, truncate(string(b), 2000))
	}
}
