package acp

import (
	"net/http"

	"agentshop/internal/commerce"
	"agentshop/internal/idempotency"
)

func (h *Handler) create(w http.ResponseWriter, r *http.Request, c *call) error {
	in, err := c.codec.DecodeCreate(c.body)
	if err != nil {
		return err
	}
	in.APIKeyID = c.key.ID
	return h.idempotent(w, r, c, http.StatusCreated, func(k *idempotency.Key) ([]byte, error) {
		return h.session(c, k, false, func(hooks *commerce.TxHooks[*commerce.View]) (*commerce.View, error) {
			return h.cfg.Service.For(c.key.Owner()).Create(r.Context(), in, hooks)
		})
	})
}

func (h *Handler) update(w http.ResponseWriter, r *http.Request, c *call) error {
	in, err := c.codec.DecodeUpdate(c.body)
	if err != nil {
		return err
	}
	return h.idempotent(w, r, c, http.StatusOK, func(k *idempotency.Key) ([]byte, error) {
		return h.session(c, k, false, func(hooks *commerce.TxHooks[*commerce.View]) (*commerce.View, error) {
			return h.cfg.Service.For(c.key.Owner()).Update(r.Context(), r.PathValue("id"), in, hooks)
		})
	})
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request, c *call) error {
	v, err := h.cfg.Service.For(c.key.Owner()).Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	b, err := c.codec.EncodeSession(v)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, b)
	return nil
}

func (h *Handler) complete(w http.ResponseWriter, r *http.Request, c *call) error {
	in, err := c.codec.DecodeComplete(c.body)
	if err != nil {
		return err
	}
	return h.idempotent(w, r, c, http.StatusOK, func(k *idempotency.Key) ([]byte, error) {
		// Complete calls the provider between transactions: the key is
		// claimed in the first, answered in the last.
		return h.session(c, k, true, func(hooks *commerce.TxHooks[*commerce.View]) (*commerce.View, error) {
			return h.cfg.Service.For(c.key.Owner()).Complete(r.Context(), r.PathValue("id"), in, hooks)
		})
	})
}

func (h *Handler) cancel(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := c.codec.DecodeCancel(c.body); err != nil {
		return err
	}
	return h.idempotent(w, r, c, http.StatusOK, func(k *idempotency.Key) ([]byte, error) {
		return h.session(c, k, false, func(hooks *commerce.TxHooks[*commerce.View]) (*commerce.View, error) {
			return h.cfg.Service.For(c.key.Owner()).Cancel(r.Context(), r.PathValue("id"), hooks)
		})
	})
}

// session runs a service operation with hooks that encode and save the
// response in the operation's transaction, and returns the body. claim
// also claims k in the operation's first transaction.
func (h *Handler) session(c *call, k *idempotency.Key, claim bool, op func(*commerce.TxHooks[*commerce.View]) (*commerce.View, error)) ([]byte, error) {
	var body []byte
	v, err := op(idempotency.Hooks(k, c.codec.EncodeSession, claim, &body))
	if err != nil {
		return nil, err
	}
	if body == nil {
		return c.codec.EncodeSession(v)
	}
	return body, nil
}
