package adminapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"agentshop/internal/admin"
	"agentshop/internal/commerce"
	"agentshop/internal/idempotency"
)

func (h *Handler) listOrders(w http.ResponseWriter, r *http.Request, _ *call) error {
	q, err := query(r, "status", "created_after", "created_before", "starting_after", "limit")
	if err != nil {
		return err
	}
	f := commerce.OrderFilter{Status: commerce.OrderStatus(q.Get("status")), StartingAfter: q.Get("starting_after")}
	if f.CreatedFrom, err = timeParam(q, "created_after"); err != nil {
		return err
	}
	if f.CreatedTo, err = timeParam(q, "created_before"); err != nil {
		return err
	}
	if f.Limit, err = limitParam(q); err != nil {
		return err
	}
	page, err := h.cfg.Admin.ListOrders(r.Context(), f)
	if err != nil {
		return err
	}
	out := list[admin.OrderView]{Data: admin.Views(page.Orders, admin.NewOrderView), HasMore: page.HasMore}
	if page.HasMore {
		out.NextCursor = page.Orders[len(page.Orders)-1].ID
	}
	return writeView(w, out)
}

func (h *Handler) getOrder(w http.ResponseWriter, r *http.Request, _ *call) error {
	if err := noQuery(r); err != nil {
		return err
	}
	o, err := h.cfg.Admin.GetOrder(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeView(w, admin.NewOrderView(o))
}

// orderChange runs an order change under the request's Idempotency-Key:
// decode the body into in, then change with hooks that store the order's
// view in the transaction of the effect. claim is for changes that span
// transactions (refunds): the key is claimed in the first.
func orderChange[In any](h *Handler, w http.ResponseWriter, r *http.Request, c *call, claim bool,
	change func(ctx context.Context, id string, in *In, key string, hooks *commerce.TxHooks[*commerce.Order]) (*commerce.Order, error)) error {
	return h.idempotent(w, r, c, http.StatusOK, func(ctx context.Context, k *idempotency.Key) ([]byte, error) {
		var in In
		if err := decode(c.body, &in); err != nil {
			return nil, err
		}
		var out []byte
		hooks := idempotency.Hooks(k, func(o *commerce.Order) ([]byte, error) { return json.Marshal(admin.NewOrderView(o)) }, claim, &out)
		o, err := change(ctx, r.PathValue("id"), &in, r.Header.Get("Idempotency-Key"), hooks)
		if err != nil {
			return nil, err
		}
		if out == nil { // answered without a transaction of its own
			return json.Marshal(admin.NewOrderView(o))
		}
		return out, nil
	})
}

type shipBody struct {
	Carrier        string `json:"carrier"`
	TrackingNumber string `json:"tracking_number"`
	TrackingURL    string `json:"tracking_url"`
}

func (h *Handler) shipOrder(w http.ResponseWriter, r *http.Request, c *call) error {
	return orderChange(h, w, r, c, false, func(ctx context.Context, id string, in *shipBody, _ string, hooks *commerce.TxHooks[*commerce.Order]) (*commerce.Order, error) {
		return h.cfg.Admin.ShipOrder(ctx, id, commerce.ShipInput{Carrier: in.Carrier, TrackingNumber: in.TrackingNumber, TrackingURL: in.TrackingURL}, hooks)
	})
}

func (h *Handler) deliverOrder(w http.ResponseWriter, r *http.Request, c *call) error {
	return orderChange(h, w, r, c, false, func(ctx context.Context, id string, _ *struct{}, _ string, hooks *commerce.TxHooks[*commerce.Order]) (*commerce.Order, error) {
		return h.cfg.Admin.DeliverOrder(ctx, id, hooks)
	})
}

type refundBody struct {
	Amount int64  `json:"amount"`
	Reason string `json:"reason"`
}

// refundOrder refunds under the Idempotency-Key twice over: the key's
// record replays the answer, and the refund's own key (derived from it)
// makes a retry after a crash or a lost provider answer finish the same
// refund rather than start another.
func (h *Handler) refundOrder(w http.ResponseWriter, r *http.Request, c *call) error {
	return orderChange(h, w, r, c, true, func(ctx context.Context, id string, in *refundBody, key string, hooks *commerce.TxHooks[*commerce.Order]) (*commerce.Order, error) {
		return h.cfg.Admin.RefundOrder(ctx, id, commerce.RefundInput{Amount: in.Amount, Reason: in.Reason, Key: "admin:" + key}, hooks)
	})
}

type cancelBody struct {
	Reason string `json:"reason"`
}

func (h *Handler) cancelOrder(w http.ResponseWriter, r *http.Request, c *call) error {
	return orderChange(h, w, r, c, true, func(ctx context.Context, id string, in *cancelBody, _ string, hooks *commerce.TxHooks[*commerce.Order]) (*commerce.Order, error) {
		return h.cfg.Admin.CancelOrder(ctx, id, in.Reason, hooks)
	})
}

// query returns the request's query parameters, refusing any but known
// (a typo would otherwise list everything) and repeated ones.
func query(r *http.Request, known ...string) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, newError(http.StatusBadRequest, "invalid", "The query string cannot be parsed.", "")
	}
	for name, vs := range q {
		ok := false
		for _, k := range known {
			ok = ok || k == name
		}
		switch {
		case !ok:
			return nil, newError(http.StatusBadRequest, "invalid", "Unknown query parameter "+strconv.Quote(name)+".", name)
		case len(vs) > 1:
			return nil, newError(http.StatusBadRequest, "invalid", "Query parameter "+name+" is given more than once.", name)
		}
	}
	return q, nil
}

// noQuery refuses a query string on an endpoint that takes none.
func noQuery(r *http.Request) error {
	_, err := query(r)
	return err
}

func timeParam(q url.Values, name string) (time.Time, error) {
	v := q.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, newError(http.StatusBadRequest, "invalid", name+" must be an RFC 3339 time, e.g. 2026-12-01T00:00:00Z.", name)
	}
	return t, nil
}

func limitParam(q url.Values) (int, error) {
	v := q.Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, newError(http.StatusBadRequest, "invalid", "limit must be a positive integer.", "limit")
	}
	return n, nil
}
