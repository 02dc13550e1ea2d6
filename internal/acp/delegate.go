package acp

import (
	"fmt"
	"net/http"

	"agentshop/internal/commerce"
	"agentshop/internal/idempotency"
)

// delegate serves the sandbox PSP's POST /agentic_commerce/delegate_payment:
// the vault token and the idempotent response commit together.
func (h *Handler) delegate(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	key := r.Header.Get("Idempotency-Key")
	return h.idempotent(w, r, c, http.StatusCreated, func(k *idempotency.Key) ([]byte, error) {
		store, err := h.cfg.Delegate(ctx, c.body, key)
		if err != nil {
			return nil, err
		}
		var body []byte
		err = h.cfg.Store.InTx(ctx, func(tx commerce.Executor) error {
			var err error
			if body, err = store(ctx, tx); err != nil {
				return err
			}
			itx, ok := tx.(idempotency.Executor)
			if !ok {
				return fmt.Errorf("delegate payment: transaction %T holds no idempotency records", tx)
			}
			return k.Save(ctx, itx, body)
		})
		return body, err
	})
}
