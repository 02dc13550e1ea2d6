package adminapi

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/idempotency"
	"agentshop/internal/ops"
)

// The operations gateway's accounts, servers and audit log, through the
// gateway's own application layer (ops.Admin, which the `agentshop ops`
// commands call too). ops.Admin takes no transaction hooks, so an ops
// POST claims its Idempotency-Key in a write of its own before the
// effect (a replay or a concurrent retry never runs it again) and stores
// its answer in another right after. A crash between the effect and the
// answer leaves the key in flight until its lease (InFlight) ends; a
// retry after that runs again (an account's name is then taken, 409; a
// server is created a second time). The answers kept hold no secret: a
// replayed create answers without the server's token and URL.

// claim claims k ahead of an ops effect, in a write of its own.
func (h *Handler) claim(ctx context.Context, k *idempotency.Key) error {
	if err := k.Claim(ctx, h.cfg.Idempotency); err != nil {
		return err
	}
	k.Claimed()
	return nil
}

func (h *Handler) opsRoutes() {
	if h.cfg.Ops == nil {
		return
	}
	h.handle("GET /ops/accounts", h.listOpsAccounts)
	h.handle("POST /ops/accounts", h.addOpsAccount)
	h.handle("POST /ops/accounts/{name}/remove", h.removeOpsAccount)
	h.handle("GET /ops/servers", h.listOpsServers)
	h.handle("POST /ops/servers", h.createOpsServer)
	h.handle("POST /ops/servers/{id}/revoke", h.revokeOpsServer)
	h.handle("GET /ops/audit", h.listOpsAudit)
}

func (h *Handler) listOpsAccounts(w http.ResponseWriter, r *http.Request, _ *call) error {
	if err := noQuery(r); err != nil {
		return err
	}
	as, err := h.cfg.Ops.Accounts(r.Context())
	if err != nil {
		return err
	}
	return writeView(w, list[ops.AccountView]{Data: views(as, ops.NewAccountView)})
}

func (h *Handler) addOpsAccount(w http.ResponseWriter, r *http.Request, c *call) error {
	return h.idempotent(w, r, c, http.StatusCreated, func(ctx context.Context, k *idempotency.Key) ([]byte, error) {
		var in struct {
			Name      string `json:"name"`
			StripeKey string `json:"stripe_key"`
			BaseURL   string `json:"stripe_base_url"`
		}
		if err := decode(c.body, &in); err != nil {
			return nil, err
		}
		if err := h.claim(ctx, k); err != nil {
			return nil, err
		}
		a, err := h.cfg.Ops.AddAccount(ctx, ops.AccountInput{Name: in.Name, StripeKey: in.StripeKey, BaseURL: in.BaseURL})
		if err != nil {
			return nil, err
		}
		return json.Marshal(ops.NewAccountView(a))
	})
}

// removed is the answer to a removal.
type removed struct {
	ID      string `json:"id"`
	Removed bool   `json:"removed"`
}

func (h *Handler) removeOpsAccount(w http.ResponseWriter, r *http.Request, c *call) error {
	return h.idempotent(w, r, c, http.StatusOK, func(ctx context.Context, k *idempotency.Key) ([]byte, error) {
		if err := decode(c.body, &struct{}{}); err != nil {
			return nil, err
		}
		if err := h.claim(ctx, k); err != nil {
			return nil, err
		}
		name := r.PathValue("name")
		if err := h.cfg.Ops.RemoveAccount(ctx, name); err != nil {
			return nil, err
		}
		return json.Marshal(removed{ID: name, Removed: true})
	})
}

func (h *Handler) listOpsServers(w http.ResponseWriter, r *http.Request, _ *call) error {
	if err := noQuery(r); err != nil {
		return err
	}
	ss, err := h.cfg.Ops.Servers(r.Context())
	if err != nil {
		return err
	}
	return writeView(w, list[ops.ServerView]{Data: views(ss, ops.NewServerView)})
}

// createdServer is a new server: its URL and token (and bearer secret)
// in this answer only.
type createdServer struct {
	ID     string         `json:"id"`
	URL    string         `json:"url,omitempty"`
	Token  string         `json:"token,omitempty"`
	Bearer string         `json:"bearer_token,omitempty"`
	Server ops.ServerView `json:"server"`
}

func (h *Handler) createOpsServer(w http.ResponseWriter, r *http.Request, c *call) error {
	return h.idempotent(w, r, c, http.StatusCreated, func(ctx context.Context, k *idempotency.Key) ([]byte, error) {
		var in struct {
			Account         string       `json:"account"`
			Name            string       `json:"name"`
			Methods         []ops.Method `json:"methods"`
			Tools           []string     `json:"tools"`
			Tags            []string     `json:"tags"`
			APIRead         bool         `json:"api_read"`
			ExpiresAt       *time.Time   `json:"expires_at"`
			RequireToken    bool         `json:"require_token"`
			AllowLiveWrites bool         `json:"allow_live_writes"`
		}
		if err := decode(c.body, &in); err != nil {
			return nil, err
		}
		if err := h.claim(ctx, k); err != nil {
			return nil, err
		}
		n, err := h.cfg.Ops.CreateServer(ctx, ops.ServerInput{
			Account: in.Account, Name: in.Name,
			Filter:    ops.Filter{Methods: in.Methods, Tools: in.Tools, Tags: in.Tags, APIRead: in.APIRead},
			ExpiresAt: in.ExpiresAt, RequireToken: in.RequireToken, AllowLiveWrites: in.AllowLiveWrites,
		})
		if err != nil {
			return nil, err
		}
		v := createdServer{ID: n.Server.ID, Server: ops.NewServerView(n.Server)}
		kept, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		// The replay's answer, without the secrets.
		if err := k.Save(ctx, h.cfg.Idempotency, kept); err != nil {
			h.log.ErrorContext(ctx, "store idempotent ops server answer", "err", err)
		}
		v.URL, v.Token, v.Bearer = n.URL, n.Token, n.Bearer
		return json.Marshal(v)
	})
}

func (h *Handler) revokeOpsServer(w http.ResponseWriter, r *http.Request, c *call) error {
	return h.idempotent(w, r, c, http.StatusOK, func(ctx context.Context, k *idempotency.Key) ([]byte, error) {
		if err := decode(c.body, &struct{}{}); err != nil {
			return nil, err
		}
		if err := h.claim(ctx, k); err != nil {
			return nil, err
		}
		id := r.PathValue("id")
		if err := h.cfg.Ops.RevokeServer(ctx, id); err != nil {
			return nil, err
		}
		ss, err := h.cfg.Ops.Servers(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range ss {
			if s.ID == id {
				return json.Marshal(ops.NewServerView(s))
			}
		}
		return nil, commerce.Errorf(commerce.ENOTFOUND, "No ops server %q.", id)
	})
}

func (h *Handler) listOpsAudit(w http.ResponseWriter, r *http.Request, _ *call) error {
	q, err := query(r, "server_id", "since", "limit")
	if err != nil {
		return err
	}
	f := ops.AuditFilter{ServerID: q.Get("server_id")}
	if f.Since, err = timeParam(q, "since"); err != nil {
		return err
	}
	if f.Limit, err = limitParam(q); err != nil {
		return err
	}
	if f.Limit > 1000 {
		return newError(http.StatusBadRequest, "invalid", "limit must be at most 1000.", "limit")
	}
	es, err := h.cfg.Ops.Audit(r.Context(), f)
	if err != nil {
		return err
	}
	return writeView(w, list[ops.AuditView]{Data: views(es, ops.NewAuditView)})
}

// views maps xs to their views; never nil.
func views[T, V any](xs []T, view func(T) V) []V {
	out := make([]V, 0, len(xs))
	for _, x := range xs {
		out = append(out, view(x))
	}
	return out
}
