package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"agentshop/internal/acp/acpschema"
	"agentshop/internal/acpclient"
	"agentshop/internal/agent"
)

// TestAgentWebhooksCommand runs `agentshop agent webhooks` as the endpoint
// of `agentshop serve`: a purchase shows up in its output, signed and
// valid against the official schema.
func TestAgentWebhooksCommand(t *testing.T) {
	bin := buildFaultBinary(t)
	if os.Getenv(acpschema.EnvSpecDir) == "" {
		t.Skip(acpschema.EnvSpecDir + " not set; the receiver's schema check needs it")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	addr := freeAddr(t)
	out := &syncBuffer{}
	recv := exec.Command(bin, "agent", "webhooks", "--listen", addr, "--secret", procWebhookSecret)
	recv.Stdout, recv.Stderr = out, out
	if err := recv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = recv.Process.Kill(); _ = recv.Wait() })

	b := newBackend(t, "sqlite")
	dir := t.TempDir()
	cfg := webhookConfig(t, dir, "http://"+addr+agent.WebhookPath, acpclient.Version20260417)
	srv := launch(t, bin, dir, "serve.log", b, webhookEnv, "--config", cfg)
	got := buy(ctx, t, newClient(srv.url, acpclient.Version20260417))
	want := "order_create  order " + got.Order.ID + "  session " + got.ID + "  status confirmed"
	waitLine(t, 10*time.Second, want, func(l string) bool { return strings.Contains(l, want) }, out)
	if !strings.Contains(out.String(), "schema ok") || strings.Contains(out.String(), "refused") {
		t.Errorf("agent webhooks printed:\n%s", out.String())
	}
}
