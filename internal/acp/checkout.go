package acp

import (
	"net/http"

	"agentshop/internal/commerce"
)

func (h *Handler) create(w http.ResponseWriter, r *http.Request, c *call) error {
	in, err := c.codec.DecodeCreate(c.body)
	if err != nil {
		return err
	}
	in.APIKeyID = c.key.ID
	return h.idempotent(w, r, c, http.StatusCreated, func(k *Key) ([]byte, error) {
		return h.session(c, k.Save, func(rec commerce.Recorder) (*commerce.View, error) {
			return h.cfg.Service.Create(r.Context(), in, rec)
		})
	})
}

func (h *Handler) update(w http.ResponseWriter, r *http.Request, c *call) error {
	in, err := c.codec.DecodeUpdate(c.body)
	if err != nil {
		return err
	}
	return h.idempotent(w, r, c, http.StatusOK, func(k *Key) ([]byte, error) {
		return h.session(c, k.Save, func(rec commerce.Recorder) (*commerce.View, error) {
			return h.cfg.Service.Update(r.Context(), r.PathValue("id"), in, rec)
		})
	})
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request, c *call) error {
	v, err := h.cfg.Service.Get(r.Context(), r.PathValue("id"))
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
	return h.idempotent(w, r, c, http.StatusOK, func(k *Key) ([]byte, error) {
		in.Claim, in.Claimed = k.Claim, k.Claimed
		return h.session(c, k.Save, func(rec commerce.Recorder) (*commerce.View, error) {
			return h.cfg.Service.Complete(r.Context(), r.PathValue("id"), in, rec)
		})
	})
}

func (h *Handler) cancel(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := c.codec.DecodeCancel(c.body); err != nil {
		return err
	}
	return h.idempotent(w, r, c, http.StatusOK, func(k *Key) ([]byte, error) {
		return h.session(c, k.Save, func(rec commerce.Recorder) (*commerce.View, error) {
			return h.cfg.Service.Cancel(r.Context(), r.PathValue("id"), rec)
		})
	})
}

// session runs a service operation with a recorder that encodes and saves
// the response in the operation's transaction, and returns the body.
func (h *Handler) session(c *call, save SaveFunc, op func(commerce.Recorder) (*commerce.View, error)) ([]byte, error) {
	var body []byte
	v, err := op(recorder(c, save, &body))
	if err != nil {
		return nil, err
	}
	if body == nil {
		return c.codec.EncodeSession(v)
	}
	return body, nil
}
