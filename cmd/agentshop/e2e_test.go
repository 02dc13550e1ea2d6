package main

import (
	"context"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestEndToEnd(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	const key = "ask_e2e_fixed_key_for_scripts"
	srv := startServe(t, bin, dir, []string{"AGENTSHOP_AGENT_API_KEY=" + key})

	for _, v := range []string{"2025-09-29", "2026-04-17"} {
		t.Run("agent buy "+v, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "agent", "buy", "--merchant", srv.url, "--api-key", key,
				"--item", "starvie-metheora-warrior", "--quantity", "2",
				"--ship-to", "Ada Lovelace, 1 Market St, San Francisco, CA 94103, US", "--api-version", v)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("agent buy: %v\n%s", err, out)
			}
			m := regexp.MustCompile(`(ord_[a-z0-9]+)`).FindSubmatch(out)
			if m == nil {
				t.Fatalf("no order id in output:\n%s", out)
			}
			t.Logf("agent buy output:\n%s", out)
			// The order permalink page is served.
			res, err := http.Get(srv.url + "/orders/" + string(m[1]))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "StarVie") {
				t.Errorf("order page: %d\n%s", res.StatusCode, body)
			}
		})
	}
	t.Run("declined card fails the purchase", func(t *testing.T) {
		cmd := exec.Command(bin, "agent", "buy", "--merchant", srv.url, "--api-key", key,
			"--item", "gift-card-25", "--card", "4000 0000 0000 9995")
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "declined") {
			t.Errorf("want a non-zero exit mentioning the decline: %v\n%s", err, out)
		}
	})
	t.Run("signed key", func(t *testing.T) {
		out, err := exec.Command(bin, "keys", "create", "--name", "signed", "--signing", "--data", filepath.Join(dir, "data")).CombinedOutput()
		if err != nil {
			t.Fatalf("keys create: %v\n%s", err, out)
		}
		apiKey := regexp.MustCompile(`api key: (\S+)`).FindSubmatch(out)
		secret := regexp.MustCompile(`signing secret: (\S+)`).FindSubmatch(out)
		if apiKey == nil || secret == nil {
			t.Fatalf("keys create output:\n%s", out)
		}
		buy := func(extra ...string) ([]byte, error) {
			args := append([]string{"agent", "buy", "--merchant", srv.url, "--api-key", string(apiKey[1]), "--item", "gift-card-25"}, extra...)
			return exec.Command(bin, args...).CombinedOutput()
		}
		if out, err := buy(); err == nil || !strings.Contains(string(out), "invalid_signature") {
			t.Errorf("unsigned request with a signing key: want invalid_signature, got %v\n%s", err, out)
		}
		if out, err := buy("--signing-secret", string(secret[1])); err != nil {
			t.Errorf("signed purchase: %v\n%s", err, out)
		}
	})
	t.Run("ACP MCP binding is mounted and authenticated", func(t *testing.T) {
		res, err := http.Post(srv.url+"/acp/mcp", "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("POST /acp/mcp without a key = %d, want 401", res.StatusCode)
		}
	})
	t.Run("ChatGPT App MCP server is mounted", func(t *testing.T) {
		body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}`
		req, _ := http.NewRequest("POST", srv.url+"/mcp", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(b), "serverInfo") {
			t.Errorf("initialize on /mcp: %d %s", res.StatusCode, b)
		}
	})
	t.Run("hosted checkout page", func(t *testing.T) {
		body := `{"items":[{"id":"starvie-metheora-warrior","quantity":1}]}`
		req, _ := http.NewRequest("POST", srv.url+"/checkout_sessions", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("API-Version", "2025-09-29")
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		id := regexp.MustCompile(`"id":"(cs_[a-z0-9]+)"`).FindSubmatch(b)
		if res.StatusCode != http.StatusCreated || id == nil {
			t.Fatalf("create: %d %s", res.StatusCode, b)
		}
		page, err := http.Get(srv.url + "/checkout/" + string(id[1]))
		if err != nil {
			t.Fatal(err)
		}
		html, _ := io.ReadAll(page.Body)
		page.Body.Close()
		if page.StatusCode != http.StatusOK || !strings.Contains(string(html), "StarVie") || !strings.Contains(string(html), "csrf") {
			t.Errorf("hosted checkout page: %d\n%s", page.StatusCode, html)
		}
	})
	t.Run("metrics", func(t *testing.T) {
		res, err := http.Get(srv.url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		for _, want := range []string{`agentshop_checkout_completes_total{outcome="succeeded"} 3`, `agentshop_checkout_completes_total{outcome="declined"} 1`, "agentshop_acp_requests_total", "agentshop_payment_provider_duration_seconds"} {
			if !strings.Contains(string(body), want) {
				t.Errorf("metrics lack %q", want)
			}
		}
	})
	srv.stop(t)
}

func TestFirstStartPrintsKey(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	srv := startServe(t, bin, dir, nil)
	keyRE := regexp.MustCompile(`ask_[A-Za-z0-9_-]{20,}`)
	key := keyRE.FindString(waitLine(t, 20*time.Second, "API key printed on first start", keyRE.MatchString, srv.stdout))
	req, _ := http.NewRequest("GET", srv.url+"/checkout_sessions/cs_none", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("API-Version", "2026-04-17")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("printed key: GET unknown session = %d, want 404", res.StatusCode)
	}
	srv.stop(t)

	// Second start on the same data: no new key printed; keys list shows one.
	// Read once it has stopped, when all it printed has been read.
	srv = startServe(t, bin, dir, nil)
	srv.stop(t)
	if strings.Contains(srv.stdout.String(), "ask_") {
		t.Errorf("second start printed a key again:\n%s", srv.stdout.String())
	}
	out, err := exec.Command(bin, "keys", "list", "--data", filepath.Join(dir, "data")).CombinedOutput()
	if err != nil || strings.Count(string(out), "key_") != 1 {
		t.Errorf("keys list: %v\n%s", err, out)
	}
}
