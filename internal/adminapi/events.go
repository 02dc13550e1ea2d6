package adminapi

import (
	"context"
	"encoding/json"
	"net/http"

	"agentshop/internal/admin"
	"agentshop/internal/commerce"
	"agentshop/internal/idempotency"
)

func (h *Handler) listEvents(w http.ResponseWriter, r *http.Request, _ *call) error {
	q, err := query(r, "status", "order_id", "limit")
	if err != nil {
		return err
	}
	f := commerce.EventFilter{Status: commerce.EventStatus(q.Get("status")), OrderID: q.Get("order_id")}
	if f.Limit, err = limitParam(q); err != nil {
		return err
	}
	page, err := h.cfg.Admin.ListEvents(r.Context(), f)
	if err != nil {
		return err
	}
	return writeView(w, list[admin.EventView]{Data: admin.Views(page.Events, admin.NewEventView), HasMore: page.HasMore})
}

func (h *Handler) requeueEvent(w http.ResponseWriter, r *http.Request, c *call) error {
	return h.idempotent(w, r, c, http.StatusOK, func(ctx context.Context, k *idempotency.Key) ([]byte, error) {
		if err := decode(c.body, &struct{}{}); err != nil {
			return nil, err
		}
		var out []byte
		encode := func(q *admin.Requeued) ([]byte, error) { return json.Marshal(admin.NewRequeuedView(q)) }
		if _, err := h.cfg.Admin.RequeueEvent(ctx, r.PathValue("id"), idempotency.Hooks(k, encode, false, &out)); err != nil {
			return nil, err
		}
		return out, nil
	})
}
