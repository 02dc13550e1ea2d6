package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"agentshop/internal/acpclient"
	"agentshop/internal/agent"
)

// TestAdminAPI runs the admin API in the real program over HTTP: an admin
// token made as `agentshop admin tokens create` makes it, an agent API
// key created through /admin/v1, an order bought with that key through
// the ACP REST API, shipped and partly refunded through /admin/v1, the
// refund replayed (the payment provider refunds once), and the outbox
// listed with the order's events.
func TestAdminAPI(t *testing.T) {
	var hooks atomic.Int64
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hooks.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	t.Cleanup(receiver.Close)
	cfg := testConfig(t)
	cfg.Webhook.URL, cfg.Webhook.Secret = receiver.URL, "whsec_test"
	a := newApp(t, cfg, Options{})
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Run(t.Context(), ln); err != nil {
		t.Fatal(err)
	}
	token, _, err := a.Admin.CreateAdminToken(t.Context(), "e2e", 0)
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path, idem string, body any, want int) map[string]any {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, err := http.NewRequestWithContext(t.Context(), method, a.URL()+path, rd)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if idem != "" {
			req.Header.Set("Idempotency-Key", idem)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d\n%s", method, path, res.StatusCode, want, raw)
		}
		var out map[string]any
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, path, err, raw)
		}
		return out
	}

	key := call("POST", "/admin/v1/api_keys", "key-1", map[string]any{"name": "e2e agent"}, http.StatusCreated)
	secret, _ := key["secret"].(string)

	var out, steps bytes.Buffer
	err = agent.Buy(t.Context(), agent.BuyOptions{
		Merchant: a.URL(), APIKey: secret, Items: []string{"starvie-metheora-warrior"}, Quantity: 1,
		ShipTo: &acpclient.Address{Name: "Ada Lovelace", LineOne: "1 Market St", City: "San Francisco", State: "CA", Country: "US", PostalCode: "94103"},
		Email:  "ada@example.com", Version: acpclient.Version20260417, Card: "4242424242424242", JSON: true,
	}, &out, &steps)
	if err != nil {
		t.Fatalf("buy with the admin-made key: %v\n%s", err, steps.String())
	}
	var sess struct {
		Order struct{ ID string } `json:"order"`
	}
	if err := json.Unmarshal(out.Bytes(), &sess); err != nil || sess.Order.ID == "" {
		t.Fatalf("no order in %s (%v)", out.String(), err)
	}
	id := sess.Order.ID

	if o := call("GET", "/admin/v1/orders/"+id, "", nil, http.StatusOK); o["status"] != "confirmed" {
		t.Fatalf("order %v", o)
	}
	call("POST", "/admin/v1/orders/"+id+"/ship", "ship-1", map[string]any{"carrier": "UPS", "tracking_number": "1Z999"}, http.StatusOK)
	refund := map[string]any{"amount": 500, "reason": "late"}
	first := call("POST", "/admin/v1/orders/"+id+"/refund", "refund-1", refund, http.StatusOK)
	replay := call("POST", "/admin/v1/orders/"+id+"/refund", "refund-1", refund, http.StatusOK)
	if fmt.Sprint(first) != fmt.Sprint(replay) || first["refunded"] != 500.0 {
		t.Fatalf("refund %v, replay %v", first, replay)
	}
	o, err := a.Admin.GetOrder(t.Context(), id)
	if err != nil || o.Refunded() != 500 || len(o.Refunds) != 1 || o.Status != "shipped" {
		t.Fatalf("stored order: %v, refunded %d in %d refunds, %s", err, o.Refunded(), len(o.Refunds), o.Status)
	}

	events := call("GET", "/admin/v1/events?order_id="+id, "", nil, http.StatusOK)
	var types []string
	for _, e := range events["data"].([]any) {
		types = append(types, e.(map[string]any)["type"].(string))
	}
	if strings.Join(types, ",") != "order_create,order_update,order_update" {
		t.Errorf("events of the order: %v, want order_create and an order_update each for ship and refund", types)
	}
	orders := call("GET", "/admin/v1/orders?status=shipped", "", nil, http.StatusOK)
	if d := orders["data"].([]any); len(d) != 1 || d[0].(map[string]any)["id"] != id {
		t.Errorf("shipped orders %v", orders)
	}
	keys := call("GET", "/admin/v1/api_keys", "", nil, http.StatusOK)
	if strings.Contains(fmt.Sprint(keys), secret) {
		t.Error("the key list shows a secret")
	}
}
