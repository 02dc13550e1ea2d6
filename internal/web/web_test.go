package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/web"
)

// orders is a map-backed Orders: the page only reads one order.
type orders map[string]*commerce.Order

func (o orders) GetOrder(_ context.Context, id string) (*commerce.Order, error) {
	if x, ok := o[id]; ok {
		return x, nil
	}
	return nil, commerce.ErrNotFound
}

func TestPages(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	item := &commerce.Item{ID: "r1", Title: "StarVie <Metheora> Warrior", Price: 13900, Currency: "usd"}
	o := &commerce.Order{
		ID: "ord_1", SessionID: "cs_1", Status: "confirmed", Currency: "usd", CreatedAt: now,
		Lines:  []commerce.PricedLine{{Line: commerce.Line{ItemID: "r1", Quantity: 2}, Item: item, Base: 27800, Subtotal: 27800, Total: 27800}},
		Totals: commerce.Totals{ItemsBase: 27800, Subtotal: 27800, Discount: 500, Fulfillment: 599, Tax: 2016, Total: 29915},
		Fulfillment: &commerce.FulfillmentOption{ID: "shipping_standard", Kind: "shipping", Title: "Standard shipping", Carrier: "USPS",
			Earliest: now.Add(72 * time.Hour), Latest: now.Add(120 * time.Hour), Subtotal: 599},
		Address: &commerce.Address{Name: "Ada", LineOne: "1 Market St", City: "San Francisco", State: "CA", Country: "US", PostalCode: "94103"},
	}
	shipped := *o
	shipped.ID, shipped.Status = "ord_2", commerce.OrderShipped
	shipped.Shipments = []commerce.Shipment{{ID: "shp_1", Carrier: "USPS", TrackingNumber: "9400<1>", TrackingURL: "https://tools.usps.com/t?n=9400", ShippedAt: now.Add(24 * time.Hour)}}
	delivered := shipped
	delivered.ID, delivered.Status = "ord_3", commerce.OrderCompleted
	at := now.Add(72 * time.Hour)
	delivered.Shipments = []commerce.Shipment{{ID: "shp_1", Carrier: "UPS", TrackingNumber: "1Z999", ShippedAt: now.Add(24 * time.Hour), DeliveredAt: &at}}
	canceled := *o
	canceled.ID, canceled.Status, canceled.UpdatedAt = "ord_4", commerce.OrderCanceled, now.Add(2*time.Hour)
	canceled.Refunds = []commerce.Refund{{ID: "re_1", Key: "cancel", Amount: 29915, Reason: "Out of <stock>", Status: commerce.RefundSucceeded, CreatedAt: now, SettledAt: &at}}
	refunded := *o
	refunded.ID = "ord_5"
	refunded.Refunds = []commerce.Refund{
		{ID: "re_2", Amount: 500, Reason: "Scuffed grip", Status: commerce.RefundSucceeded, CreatedAt: now, SettledAt: &at},
		{ID: "re_3", Amount: 700, Reason: "Refused one", Status: commerce.RefundFailed, CreatedAt: now, SettledAt: &at},
		{ID: "re_4", Amount: 300, Status: commerce.RefundPending, CreatedAt: now},
	}
	disputed := *o
	disputed.ID = "ord_6"
	due := now.Add(7 * 24 * time.Hour)
	disputed.Disputes = []commerce.Dispute{
		{ID: "dsp_1", ProviderRef: "dp_secret", Status: commerce.DisputeNeedsResponse, Amount: 29915, Reason: "fraudulent", EvidenceDueBy: &due, OpenedAt: now, UpdatedAt: now},
		{ID: "dsp_2", ProviderRef: "dp_2", Status: commerce.DisputeLost, Amount: 500, OpenedAt: now, UpdatedAt: at},
	}
	h := &web.Handler{Store: orders{"ord_1": o, "ord_2": &shipped, "ord_3": &delivered, "ord_4": &canceled, "ord_5": &refunded, "ord_6": &disputed}, Merchant: commerce.Merchant{Name: "Test shop"}, Logger: slog.New(slog.DiscardHandler)}
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	tests := []struct {
		path    string
		status  int
		want    []string
		notWant []string
	}{
		{"/orders/ord_1", 200, []string{"Order ord_1", "Confirmed", "StarVie &lt;Metheora&gt; Warrior", "$278.00", "−$5.00", "Standard shipping (USPS)", "$20.16", "$299.15", "San Francisco CA 94103"}, []string{"<Metheora>"}},
		{"/orders/ord_2", 200, []string{"Shipped", "Shipped Mon 23 Nov with USPS", `<a href="https://tools.usps.com/t?n=9400" rel="noopener noreferrer">9400&lt;1&gt;</a>`}, []string{"Estimated delivery", "9400<1>"}},
		{"/orders/ord_3", 200, []string{"Completed", "Delivered Wed 25 Nov with UPS, tracking 1Z999"}, []string{"Estimated delivery"}},
		{"/orders/ord_4", 200, []string{"Canceled", `class="badge badge-canceled"`, "This order was canceled on Sun 22 Nov. Nothing will be shipped. $299.15 was refunded",
			"Refunded $299.15 on Wed 25 Nov: Out of &lt;stock&gt;", `id="total-net">$0.00`}, []string{"Estimated delivery", "Shipping to", "<stock>"}},
		{"/orders/ord_5", 200, []string{"Confirmed", "Refunded $5.00 on Wed 25 Nov: Scuffed grip", "Refund of $3.00 in progress (asked Sun 22 Nov)",
			`id="total-refunded">−$5.00`, `id="total-net">$294.15`, "Estimated delivery", "Shipping to"}, []string{"Refused one", "This order was canceled"}},
		{"/orders/ord_6", 200, []string{`id="disputes"`, "Dispute of $299.15 (Sun 22 Nov): opened with your bank; the shop is responding",
			"Dispute of $5.00 (Wed 25 Nov): decided in your favour"}, []string{"dp_secret", "fraudulent", "Sun 29 Nov", "Refunded"}},
		{"/orders/ord_1", 200, nil, []string{`id="disputes"`}},
		{"/orders/ord_nope", 404, []string{"Not found"}, nil},
		{"/policies/returns", 200, []string{"Return policy"}, nil},
		{"/policies/secret", 404, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.status)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type %q", ct)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(body), w) {
					t.Errorf("page lacks %q:\n%s", w, body)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(string(body), w) {
					t.Errorf("page contains %q (unescaped, or not for this order)", w)
				}
			}
		})
	}
}
