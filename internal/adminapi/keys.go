package adminapi

import (
	"context"
	"encoding/json"
	"net/http"

	"agentshop/internal/admin"
	"agentshop/internal/apikey"
	"agentshop/internal/idempotency"
)

// list is the envelope of a listing.
type list[T any] struct {
	Data    []T  `json:"data"`
	HasMore bool `json:"has_more"`
	// NextCursor, when HasMore, is the starting_after of the next page.
	NextCursor string `json:"next_cursor,omitempty"`
}

func (h *Handler) listKeys(w http.ResponseWriter, r *http.Request, _ *call) error {
	if err := noQuery(r); err != nil {
		return err
	}
	keys, err := h.cfg.Admin.ListAPIKeys(r.Context())
	if err != nil {
		return err
	}
	return writeView(w, list[admin.KeyView]{Data: admin.Views(keys, admin.NewKeyView)})
}

// createdKey is a new key with its secrets: the only answer that holds
// them. The answer stored for a replay is the key without them.
type createdKey struct {
	admin.KeyView
	Secret        string `json:"secret,omitempty"`
	SigningSecret string `json:"signing_secret,omitempty"`
}

func (h *Handler) createKey(w http.ResponseWriter, r *http.Request, c *call) error {
	return h.idempotent(w, r, c, http.StatusCreated, func(ctx context.Context, k *idempotency.Key) ([]byte, error) {
		var in struct {
			Name    string `json:"name"`
			Signing bool   `json:"signing"`
		}
		if err := decode(c.body, &in); err != nil {
			return nil, err
		}
		var stored []byte
		secret, key, err := h.cfg.Admin.CreateAPIKey(ctx, admin.KeyInput{Name: in.Name, Signing: in.Signing},
			idempotency.Hooks(k, encodeKey, false, &stored))
		if err != nil {
			return nil, err
		}
		return json.Marshal(createdKey{KeyView: admin.NewKeyView(key), Secret: secret, SigningSecret: key.SigningSecret})
	})
}

func encodeKey(k *apikey.Key) ([]byte, error) { return json.Marshal(admin.NewKeyView(k)) }

func (h *Handler) revokeKey(w http.ResponseWriter, r *http.Request, c *call) error {
	return h.idempotent(w, r, c, http.StatusOK, func(ctx context.Context, k *idempotency.Key) ([]byte, error) {
		if err := decode(c.body, &struct{}{}); err != nil {
			return nil, err
		}
		var out []byte
		if _, err := h.cfg.Admin.RevokeAPIKey(ctx, r.PathValue("id"), idempotency.Hooks(k, encodeKey, false, &out)); err != nil {
			return nil, err
		}
		return out, nil
	})
}
