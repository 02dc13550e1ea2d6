package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"agentshop/internal/acpclient"
	"agentshop/internal/catalog"
)

// TestCrashRedriveOtherPrices kills `agentshop serve` with SIGKILL after
// the provider charged (fault point after_provider) and restarts it on the
// same database with a catalog in which the item costs more, as a
// redeploy or a replica with another catalog file would. The re-driven
// attempt finishes the charge made at the old price, and the order says
// what was charged: its totals are the quote kept on the attempt, not the
// session priced again.
func TestCrashRedriveOtherPrices(t *testing.T) {
	bin := buildFaultBinary(t)
	for _, name := range backendNames() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(t, name)
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
			defer cancel()
			dir := t.TempDir()
			leases := map[string]string{"payment_lease": crashPaymentLease.String(), "idempotency_in_flight": crashInFlight.String()}
			cfg := writeConfig(t, dir, map[string]any{"shop": leases})
			initial := catalog.Demo().InitialStock()[procItem]

			srv := launch(t, bin, dir, "serve-1.log", b, []string{"AGENTSHOP_FAULT=after_provider"}, "--config", cfg)
			c := newClient(srv.url, acpclient.Version20260417)
			s := readySession(ctx, t, c)
			charged, ok := s.Total()
			if !ok {
				t.Fatalf("session %s has no total", s.ID)
			}
			body := completeBody(t, c, s, delegateCard(ctx, t, c, s, cardOK))
			if got, resp, err := c.CompleteSession(ctx, s.ID, body); err == nil || resp != nil {
				t.Fatalf("complete answered through the fault point: %v %s", err, describe(got))
			}
			killed := srv.waitKilled(t)

			// The same shop, but the item now costs 50.00 more.
			cfg = writeConfig(t, dir, map[string]any{"shop": leases, "catalog": repricedCatalog(t, dir, procItem, 5000)})
			srv = launch(t, bin, dir, "serve-2.log", b, nil, "--config", cfg)
			c = newClient(srv.url, acpclient.Version20260417)
			waitPast(killed.Add(crashPaymentLease))
			got, _, err := c.CompleteSession(ctx, s.ID, body)
			if err != nil || got.Status != "completed" || got.Order == nil {
				t.Fatalf("re-drive on the repriced shop: %v %s", err, describe(got))
			}
			if total, _ := got.Total(); total != charged {
				t.Errorf("completed session totals %d, want %d as charged", total, charged)
			}
			srv.stop(t)

			st := b.open(t)
			defer st.Close()
			pay := checkOneCharge(t, st, s.ID, initial)
			o, err := st.GetOrder(ctx, got.Order.ID)
			if err != nil {
				t.Fatal(err)
			}
			if pay.Amount != charged || o.Totals.Total != charged {
				t.Errorf("charged %d, order total %d; want both %d (the price when the attempt was claimed)", pay.Amount, o.Totals.Total, charged)
			}
			if len(o.Lines) != 1 || o.Lines[0].Item == nil || o.Lines[0].Base != o.Lines[0].Item.Price*o.Lines[0].Quantity ||
				o.Lines[0].Item.Price != catalogPrice(t, procItem) {
				t.Errorf("order lines %+v, want the item at its old price", o.Lines)
			}
		})
	}
}

// catalogPrice is the demo catalog's price of item.
func catalogPrice(t *testing.T, item string) int64 {
	t.Helper()
	it, ok := catalog.Demo().Item(item)
	if !ok {
		t.Fatalf("no demo item %s", item)
	}
	return it.Price
}

// repricedCatalog writes the demo catalog with item's price raised by
// delta to dir and returns its path.
func repricedCatalog(t *testing.T, dir, item string, delta int64) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "internal", "catalog", "demo.json"))
	if err != nil {
		t.Fatal(err)
	}
	var feed map[string]any
	if err := json.Unmarshal(b, &feed); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range feed["products"].([]any) {
		for _, v := range p.(map[string]any)["variants"].([]any) {
			v := v.(map[string]any)
			if v["id"] == item {
				price := v["price"].(map[string]any)
				price["amount"] = price["amount"].(float64) + float64(delta)
				found = true
			}
		}
	}
	if !found {
		t.Fatalf("no variant %s in the demo catalog", item)
	}
	out, err := json.Marshal(feed)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "catalog.json")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
