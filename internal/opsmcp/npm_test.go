package opsmcp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"agentshop/internal/ops"
)

// The MCP inspector from npm, pinned as in internal/mcpapp's npm tests,
// on Node 22 from npm (the machine's Node is 20). It installs into a
// directory of its own: internal/mcpapp's tests install into theirs at
// the same time, and two npm installs must not share one.
const (
	nodePkg      = "node@22.23.3"
	nodeBin      = "node_modules/node/bin/node"
	inspectorPkg = "@modelcontextprotocol/inspector@2.12.0"
	inspectorBin = "node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js"
)

// TestInspectorListsReadOnlyServer lists a read-only ops server's tools
// with the MCP inspector's CLI (with its schema portability check): only
// read tools. It runs with AGENTSHOP_NPM_TESTS=1 (CI sets it).
func TestInspectorListsReadOnlyServer(t *testing.T) {
	if os.Getenv("AGENTSHOP_NPM_TESTS") != "1" {
		t.Skip("set AGENTSHOP_NPM_TESTS=1 to run the MCP inspector from npm")
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(cache, "agentshop", "npm-tools-opsmcp")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"agentshop-opsmcp-tools","private":true}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(dir, 5*time.Minute, nil, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error", nodePkg, inspectorPkg); err != nil {
		t.Fatalf("npm install: %v\n%s", err, out)
	}
	b := setup(t)
	n := b.server(t, ops.ServerInput{Name: "read-only"})
	home := t.TempDir()
	env := []string{"HOME=" + home, "MCP_CATALOG_PATH=" + filepath.Join(home, "mcp.json")}
	for _, extra := range [][]string{nil, {"--strict"}} {
		args := append([]string{inspectorBin, "--cli", n.URL, "--transport", "http", "--method", "tools/list"}, extra...)
		out, err := runCmd(dir, 2*time.Minute, env, filepath.Join(dir, nodeBin), args...)
		if err != nil {
			t.Fatalf("inspector %v: %v\n%s", extra, err, out)
		}
		var list struct {
			Tools []struct {
				Name        string `json:"name"`
				Annotations struct {
					ReadOnlyHint bool `json:"readOnlyHint"`
				} `json:"annotations"`
			} `json:"tools"`
		}
		if err := json.Unmarshal(out, &list); err != nil {
			t.Fatalf("inspector output: %v\n%s", err, out)
		}
		var names []string
		for _, tl := range list.Tools {
			names = append(names, tl.Name)
			if !tl.Annotations.ReadOnlyHint {
				t.Errorf("%s on a read-only server has no readOnlyHint", tl.Name)
			}
		}
		var want []string
		for _, spec := range (ops.Filter{}).Allowed() {
			want = append(want, spec.Name)
		}
		slices.Sort(want)
		if !slices.Equal(names, want) {
			t.Fatalf("inspector tools/list: %v\nwant %v", names, want)
		}
	}
}

func runCmd(dir string, timeout time.Duration, env []string, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return append(stdout.Bytes(), stderr.Bytes()...), err
	}
	return stdout.Bytes(), nil
}
