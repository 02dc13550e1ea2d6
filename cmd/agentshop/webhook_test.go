package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"agentshop/internal/acp/acpschema/schematest"
	"agentshop/internal/acpclient"
	"agentshop/internal/commerce"
	"agentshop/internal/webhook/webhooktest"
)

const procWebhookSecret = "whsec_proc_test_secret"

// webhookLease is the order webhooks' lease where a test does not wait
// for it: long beside an attempt on a loaded machine, so that no attempt
// is cut short by its timeout (half the lease).
const webhookLease = 3 * time.Second

// crashWebhookLease is the lease TestCrashWebhookDelivery waits out: how
// long a killed delivery keeps its event before a restarted server sends
// it again. Its timeout, half of it, still leaves the test's receiver
// ample time to answer on a loaded machine; and the restarted worker
// polls the outbox every second, which the resend waits for anyway.
const crashWebhookLease = time.Second

// webhookConfig writes a config that sends order webhooks of version to
// url, with the default payment and in-flight leases (no test using it
// waits for them) and a webhook lease no test waits for either, and logs
// at debug level, where the webhook worker says what it recorded
// (waitRecorded).
func webhookConfig(t *testing.T, dir, url, version string) string {
	t.Helper()
	return webhookLeaseConfig(t, dir, url, version, webhookLease)
}

// webhookLeaseConfig is webhookConfig with the webhook lease lease.
func webhookLeaseConfig(t *testing.T, dir, url, version string, lease time.Duration) string {
	t.Helper()
	return writeConfig(t, dir, map[string]any{
		"log_level": "debug",
		"webhook": map[string]any{
			"url":         url,
			"api_version": version,
			"lease":       lease.String(),
			"timeout":     (lease / 2).String(),
		},
	})
}

// webhookEnv is the environment a server sending webhooks needs.
var webhookEnv = []string{"AGENTSHOP_WEBHOOK_SECRET=" + procWebhookSecret}

// buy runs a whole purchase through c and returns the completed session.
func buy(ctx context.Context, t *testing.T, c *acpclient.Client) *acpclient.Session {
	t.Helper()
	s := readySession(ctx, t, c)
	token := delegateCard(ctx, t, c, s, cardOK)
	got, _, err := c.CompleteSession(ctx, s.ID, completeBody(t, c, s, token))
	if err != nil || got.Status != "completed" || got.Order == nil {
		t.Fatalf("complete: %v %s", err, describe(got))
	}
	return got
}

// TestOrderWebhook buys through `agentshop serve` configured with an
// order-webhook endpoint, on each store and in each ACP version: the
// endpoint gets one signed order_create for the order, valid against the
// version's official webhook schema, and `agentshop events` lists it
// delivered.
func TestOrderWebhook(t *testing.T) {
	bin := buildFaultBinary(t)
	schema := schematest.FromEnv(t)
	for _, name := range backendNames() {
		for _, version := range []string{acpclient.Version20250929, acpclient.Version20260417} {
			t.Run(name+"/"+version, func(t *testing.T) {
				t.Parallel()
				ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
				defer cancel()
				b := newBackend(t, name)
				dir := t.TempDir()
				recv := webhooktest.New(t, procWebhookSecret, nil)
				cfg := webhookConfig(t, dir, recv.URL, version)
				srv := launch(t, bin, dir, "serve.log", b, webhookEnv, "--config", cfg)
				got := buy(ctx, t, newClient(srv.url, version))

				accepted := recv.WaitAccepted(t, 1, 10*time.Second)
				d := recv.Deliveries()[0]
				if len(accepted) != 1 || accepted[d.RequestID] != 1 || d.APIVersion != version {
					t.Fatalf("deliveries %v, first %+v", accepted, d)
				}
				e := d.Event(t)
				if e.Type != "order_create" || e.Data.Type != "order" || e.Data.CheckoutSessionID != got.ID ||
					!strings.HasSuffix(e.Data.PermalinkURL, "/orders/"+got.Order.ID) || e.Data.Status != "confirmed" {
					t.Errorf("webhook body %s does not describe order %s of %s", d.Body, got.Order.ID, got.ID)
				}
				if version == acpclient.Version20260417 && e.Data.ID != got.Order.ID {
					t.Errorf("data.id %q, want %q", e.Data.ID, got.Order.ID)
				}
				if err := schema.Validate(version, "webhook:WebhookEvent", d.Body); err != nil {
					t.Errorf("not a valid %s WebhookEvent: %v\n%s", version, err, d.Body)
				}

				st := b.open(t)
				defer st.Close()
				waitRecorded(t, d.RequestID, commerce.EventDelivered, srv)
				out := mustCLI(t, bin, b, "events", "--status", "delivered")
				if !strings.Contains(out, d.RequestID) || !strings.Contains(out, got.Order.ID) {
					t.Errorf("agentshop events --status delivered does not list %s:\n%s", d.RequestID, out)
				}

				// The merchant ships, then the parcel arrives: each is an
				// order_update with the tracking, sent by the running server.
				// The orders commands run without the server's webhook
				// settings: an order with events keeps getting them.
				order := got.Order.ID
				if out, err := cli(t, bin, b, "orders", "deliver", order); err == nil || !strings.Contains(out, "only a shipped order") {
					t.Errorf("deliver before shipping: %v\n%s", err, out)
				}
				if out, err := cli(t, bin, b, "orders", "ship", "ord_missing", "--carrier", "USPS", "--tracking", "1"); err == nil || !strings.Contains(out, "No order") {
					t.Errorf("ship an unknown order: %v\n%s", err, out)
				}
				if out, err := cli(t, bin, b, "orders", "ship", order, "--tracking", "1"); err == nil || !strings.Contains(out, "carrier is required") {
					t.Errorf("ship without a carrier: %v\n%s", err, out)
				}
				mustCLI(t, bin, b, "orders", "ship", order, "--carrier", "USPS", "--tracking", "9400111899223456789012",
					"--tracking-url", "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223456789012")
				recv.WaitAccepted(t, 2, 10*time.Second)
				mustCLI(t, bin, b, "orders", "deliver", order)
				recv.WaitAccepted(t, 3, 10*time.Second)
				ds := recv.Deliveries()
				for i, want := range []struct{ typ, status string }{{"order_update", "shipped"}, {"order_update", wantDelivered(version)}} {
					body := ds[len(ds)-2+i].Body
					e := ds[len(ds)-2+i].Event(t)
					if e.Type != want.typ || e.Data.Status != want.status || e.Data.CheckoutSessionID != got.ID {
						t.Errorf("event %d: %s %s, want %s %s", i+2, e.Type, e.Data.Status, want.typ, want.status)
					}
					if err := schema.Validate(version, "webhook:WebhookEvent", body); err != nil {
						t.Errorf("not a valid %s WebhookEvent: %v\n%s", version, err, body)
					}
					if version == acpclient.Version20260417 && !strings.Contains(string(body), `"tracking_number":"9400111899223456789012"`) {
						t.Errorf("order_update without the tracking number: %s", body)
					}
				}
				if out := mustCLI(t, bin, b, "orders", "list"); !strings.Contains(out, order) || !strings.Contains(out, "completed") || !strings.Contains(out, "USPS 9400111899223456789012") {
					t.Errorf("agentshop orders list:\n%s", out)
				}

				// A partial refund after delivery, through the sandbox.
				if out, err := cli(t, bin, b, "orders", "refund", order, "--amount", "999999999"); err == nil || !strings.Contains(out, "can still be refunded") {
					t.Errorf("refund more than was charged: %v\n%s", err, out)
				}
				if out := mustCLI(t, bin, b, "orders", "refund", order, "--amount", "500", "--reason", "Scuffed grip"); !strings.Contains(out, "refunded $5.00") {
					t.Errorf("agentshop orders refund:\n%s", out)
				}
				recv.WaitAccepted(t, 4, 10*time.Second)
				refundBody := lastBody(recv)
				if err := schema.Validate(version, "webhook:WebhookEvent", refundBody); err != nil {
					t.Errorf("refund event not a valid %s WebhookEvent: %v\n%s", version, err, refundBody)
				}
				wantRefund := `"refunds":[{"type":"original_payment","amount":500}]`
				if version == acpclient.Version20260417 {
					wantRefund = `{"type":"amount_refunded","display_text":"Refunded","amount":500}`
				}
				if !strings.Contains(string(refundBody), wantRefund) {
					t.Errorf("refund event lacks %s: %s", wantRefund, refundBody)
				}

				// A second order, canceled before it ships: refunded in
				// full and restocked.
				before := stockOf(ctx, t, st)
				other := buy(ctx, t, newClient(srv.url, version))
				recv.WaitAccepted(t, 5, 10*time.Second)
				mustCLI(t, bin, b, "orders", "cancel", other.Order.ID)
				recv.WaitAccepted(t, 6, 10*time.Second)
				cancelBody := lastBody(recv)
				if e := recv.Deliveries()[len(recv.Deliveries())-1].Event(t); e.Type != "order_update" || e.Data.Status != "canceled" || e.Data.CheckoutSessionID != other.ID {
					t.Errorf("cancel event %s", cancelBody)
				}
				if err := schema.Validate(version, "webhook:WebhookEvent", cancelBody); err != nil {
					t.Errorf("cancel event not a valid %s WebhookEvent: %v\n%s", version, err, cancelBody)
				}
				if after := stockOf(ctx, t, st); after != before {
					t.Errorf("stock %d after buying and canceling, want %d", after, before)
				}
			})
		}
	}
}

// cli runs `agentshop ARGS… --data … [--database …]` on the backend and
// returns its output and exit error.
func cli(t *testing.T, bin string, b backend, args ...string) (string, error) {
	t.Helper()
	args = append(args, "--data", b.data)
	if b.database != "" {
		args = append(args, "--database", b.database)
	}
	var out bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// mustCLI is cli that fails the test when the command fails.
func mustCLI(t *testing.T, bin string, b backend, args ...string) string {
	t.Helper()
	out, err := cli(t, bin, b, args...)
	if err != nil {
		t.Fatalf("agentshop %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// TestCrashWebhookDelivery kills `agentshop serve` with SIGKILL after the
// endpoint accepted an order_create and before the delivery was recorded,
// then restarts it: the event is sent again once its lease has passed,
// with the same Request-Id, and is then recorded delivered. At least once:
// the receiver deduplicates by Request-Id.
func TestCrashWebhookDelivery(t *testing.T) {
	bin := buildFaultBinary(t)
	for _, name := range backendNames() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
			defer cancel()
			b := newBackend(t, name)
			dir := t.TempDir()
			recv := webhooktest.New(t, procWebhookSecret, nil)
			version := acpclient.Version20260417
			cfg := webhookLeaseConfig(t, dir, recv.URL, version, crashWebhookLease)
			env := append([]string{"AGENTSHOP_FAULT=webhook_after_send"}, webhookEnv...)
			// One public URL for both lives, so that permalinks match.
			srv := launch(t, bin, dir, "serve-1.log", b, env, "--config", cfg, "--public-url", "https://shop.example")
			c := newClient(srv.url, version)
			s := readySession(ctx, t, c)
			token := delegateCard(ctx, t, c, s, cardOK)
			body := completeBody(t, c, s, token)
			key := acpclient.NewUUID()
			// The server may die before or after the complete's answer
			// has left: the delivery races the response.
			// The event is created by the complete and claimed after it:
			// its lease ends no earlier than sent + the lease.
			sent := time.Now()
			first, _, firstErr := c.CompleteSession(ctx, s.ID, body, acpclient.WithIdempotencyKey(key))
			srv.waitKilled(t)
			accepted := recv.Accepted()
			if len(accepted) != 1 {
				t.Fatalf("before the kill the endpoint accepted %v, want one event", accepted)
			}
			var eventID string
			for id := range accepted {
				eventID = id
			}

			srv = launch(t, bin, dir, "serve-2.log", b, webhookEnv, "--config", cfg, "--public-url", "https://shop.example")
			c = newClient(srv.url, version)
			got := first
			if firstErr != nil {
				// The agent retries with the same key: a replay of the
				// committed order.
				var err error
				if got, _, err = c.CompleteSession(ctx, s.ID, body, acpclient.WithIdempotencyKey(key)); err != nil {
					t.Fatalf("retry after the kill: %v", err)
				}
			}
			if got.Status != "completed" || got.Order == nil {
				t.Fatalf("session after the kill: %s", describe(got))
			}

			recv.WaitAcceptedTimes(t, eventID, 2, crashWebhookLease+10*time.Second)
			if n := recv.Accepted()[eventID]; n != 2 {
				t.Fatalf("event %s accepted %d times, want 2 (once before the kill, once after the lease)", eventID, n)
			}
			if since := time.Since(sent); since < crashWebhookLease {
				t.Errorf("resent %v after the complete was sent, before the %v lease could pass", since, crashWebhookLease)
			}
			ds := recv.Deliveries()
			if !bytes.Equal(ds[0].Body, ds[len(ds)-1].Body) {
				t.Errorf("the resent body differs:\n%s\n%s", ds[0].Body, ds[len(ds)-1].Body)
			}
			if e := ds[len(ds)-1].Event(t); e.Type != "order_create" || e.Data.ID != got.Order.ID {
				t.Errorf("resent %s, want order_create of %s", ds[len(ds)-1].Body, got.Order.ID)
			}
			srv.stop(t)

			st := b.open(t)
			defer st.Close()
			events, err := st.ListEvents(ctx, commerce.EventFilter{OrderID: got.Order.ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != 1 || events[0].ID != eventID || events[0].Status != commerce.EventDelivered || events[0].Attempts != 2 {
				t.Fatalf("outbox %s, want the one event delivered on attempt 2", describeEvents(events))
			}
		})
	}
}

// describeEvents renders outbox events for a failure message.
func describeEvents(events []*commerce.Event) string {
	var b strings.Builder
	for _, e := range events {
		fmt.Fprintf(&b, "[%s %s %s attempts=%d error=%q] ", e.ID, e.Type, e.Status, e.Attempts, e.LastError)
	}
	return b.String()
}

// wantDelivered is a delivered order's status in version: 2025-09-29 has
// no "completed" and says "fulfilled".
func wantDelivered(version string) string {
	if version == acpclient.Version20250929 {
		return "fulfilled"
	}
	return "completed"
}

// lastBody is the body of the receiver's latest delivery.
func lastBody(r *webhooktest.Receiver) []byte {
	ds := r.Deliveries()
	return ds[len(ds)-1].Body
}

// stockOf is the test item's stock.
func stockOf(ctx context.Context, t *testing.T, st commerce.Store) int64 {
	t.Helper()
	levels, err := st.StockLevels(ctx, []string{procItem})
	if err != nil {
		t.Fatal(err)
	}
	return levels[procItem]
}

// TestWebhookDeadLetterRequeue: an endpoint that keeps failing gets the
// event dead-lettered after max_attempts, `agentshop events --status dead`
// shows it, and once the endpoint is fixed `agentshop events requeue`
// has the running server deliver it.
func TestWebhookDeadLetterRequeue(t *testing.T) {
	bin := buildFaultBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	b := newBackend(t, "sqlite")
	dir := t.TempDir()
	recv := webhooktest.New(t, procWebhookSecret, nil)
	var mu sync.Mutex
	down := true
	recv.SetReply(func(_ int, w http.ResponseWriter) bool {
		mu.Lock()
		defer mu.Unlock()
		if down {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
		}
		return down
	})
	cfg := writeConfig(t, dir, map[string]any{"log_level": "debug", "webhook": map[string]any{
		"url": recv.URL, "max_attempts": 1, "lease": "4s", "timeout": "2s",
	}})
	srv := launch(t, bin, dir, "serve.log", b, webhookEnv, "--config", cfg)
	got := buy(ctx, t, newClient(srv.url, acpclient.Version20260417))

	// The endpoint refuses the one attempt; the worker then records the
	// event dead.
	refused := recv.WaitDeliveries(t, 1, 10*time.Second)[0]
	waitRecorded(t, refused.RequestID, commerce.EventDead, srv)
	st := b.open(t)
	defer st.Close()
	dead, err := st.ListEvents(ctx, commerce.EventFilter{Status: commerce.EventDead})
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || dead[0].OrderID != got.Order.ID || dead[0].LastError != "endpoint answered 503: maintenance" {
		t.Fatalf("dead letters %s", describeEvents(dead))
	}
	if out := mustCLI(t, bin, b, "events", "--status", "dead"); !strings.Contains(out, dead[0].ID) || !strings.Contains(out, "maintenance") {
		t.Errorf("agentshop events --status dead:\n%s", out)
	}
	if out, err := cli(t, bin, b, "events", "requeue", "evt_missing"); err == nil || !strings.Contains(out, "No event") {
		t.Errorf("requeue an unknown event: %v\n%s", err, out)
	}

	mu.Lock()
	down = false
	mu.Unlock()
	mustCLI(t, bin, b, "events", "requeue", dead[0].ID)
	accepted := recv.WaitAccepted(t, 1, 10*time.Second)
	if accepted[dead[0].ID] != 1 {
		t.Fatalf("accepted %v, want the requeued event once", accepted)
	}
	waitRecorded(t, dead[0].ID, commerce.EventDelivered, srv)
	if out, err := cli(t, bin, b, "events", "requeue", dead[0].ID); err == nil || !strings.Contains(out, "not dead") {
		t.Errorf("requeue a delivered event: %v\n%s", err, out)
	}
}
