package adminapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"agentshop/internal/admin"
	"agentshop/internal/admintoken"
	"agentshop/internal/apikey"
	"agentshop/internal/idempotency"
	"agentshop/internal/ops"
	"agentshop/internal/ratelimit"
)

// Prefix is where the admin API is mounted.
const Prefix = "/admin/v1"

// DefaultMaxBodyBytes caps a request body when Config.MaxBodyBytes is 0:
// the largest admin request (a refund with a reason) is a few hundred
// bytes.
const DefaultMaxBodyBytes = 64 << 10

// Config is what the admin API needs. Admin and Idempotency are required.
type Config struct {
	Admin *admin.Service
	// Ops, when set, serves the operations gateway's accounts, servers
	// and audit log under /admin/v1/ops.
	Ops *ops.Admin
	// Idempotency holds the Idempotency-Key records, in the database the
	// operations commit to.
	Idempotency idempotency.Store
	Logger      *slog.Logger
	// AuthFailures, when set, limits failed authentications per client
	// address: once an address has used up its bucket, it gets 429 before
	// its token is looked at.
	AuthFailures *ratelimit.Limiter
	// ClientAddr names a request's client for AuthFailures (default: the
	// TCP peer).
	ClientAddr func(r *http.Request) string
	// MaxBodyBytes caps request bodies (0: DefaultMaxBodyBytes); above it
	// the answer is 413.
	MaxBodyBytes int64
	// InFlight is how long a claimed Idempotency-Key answers 409
	// idempotency_in_flight before a crashed request's claim is taken over;
	// TTL how long answers are kept for replay (defaults 35 s and 24 h).
	InFlight, TTL time.Duration
	Now           func() time.Time
}

// Handler serves /admin/v1.
type Handler struct {
	cfg  Config
	log  *slog.Logger
	idem *idempotency.Idempotency
	mux  *http.ServeMux
}

// New returns the admin API's handler.
func New(cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ClientAddr == nil {
		cfg.ClientAddr = func(r *http.Request) string { return ratelimit.ClientAddr(r, false) }
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.InFlight <= 0 {
		cfg.InFlight = 35 * time.Second
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 24 * time.Hour
	}
	h := &Handler{cfg: cfg, log: cfg.Logger.With("surface", "admin")}
	h.idem = &idempotency.Idempotency{
		Store: cfg.Idempotency, Logger: h.log, Now: cfg.Now, TTL: cfg.TTL, InFlight: cfg.InFlight,
		Answer: func(err error) (int, []byte, bool) {
			e := errorFor(err)
			return e.status, e.body(), e.keep()
		},
	}
	h.mux = http.NewServeMux()
	h.routes()
	return h
}

// Register mounts the admin API on mux, under [Prefix].
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle(Prefix+"/", h)
}

// ServeHTTP serves a request under [Prefix].
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// route is one endpoint: its handler gets the authenticated token and,
// for a POST, the body read under the cap.
type route func(w http.ResponseWriter, r *http.Request, c *call) error

// call is a request as its route sees it.
type call struct {
	token *admintoken.Token
	body  []byte
}

// handle registers pattern ("METHOD /path" under Prefix) with
// authentication, the body cap and the error writer.
func (h *Handler) handle(pattern string, fn route) {
	method, path, _ := strings.Cut(pattern, " ")
	h.mux.HandleFunc(method+" "+Prefix+path, func(w http.ResponseWriter, r *http.Request) {
		c, err := h.begin(w, r)
		if err == nil {
			err = fn(w, r, c)
		}
		if err != nil {
			writeError(w, r, h.log, err)
		}
	})
}

// routes is the admin API's route table.
func (h *Handler) routes() {
	h.mux.HandleFunc("GET "+Prefix+"/openapi.json", serveOpenAPI)
	h.handle("GET /api_keys", h.listKeys)
	h.handle("POST /api_keys", h.createKey)
	h.handle("POST /api_keys/{id}/revoke", h.revokeKey)
	h.handle("GET /orders", h.listOrders)
	h.handle("GET /orders/{id}", h.getOrder)
	h.handle("POST /orders/{id}/ship", h.shipOrder)
	h.handle("POST /orders/{id}/deliver", h.deliverOrder)
	h.handle("POST /orders/{id}/refund", h.refundOrder)
	h.handle("POST /orders/{id}/cancel", h.cancelOrder)
	h.handle("GET /events", h.listEvents)
	h.handle("POST /events/{id}/requeue", h.requeueEvent)
	h.opsRoutes()
	// Anything else under the prefix: authenticated, then a flat 404 (or
	// 405 for a known path with another method).
	h.mux.HandleFunc(Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		_, err := h.begin(w, r)
		if err == nil {
			err = h.unrouted(w, r)
		}
		writeError(w, r, h.log, err)
	})
}

// unrouted is the error for a request no route took.
func (h *Handler) unrouted(w http.ResponseWriter, r *http.Request) error {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := h.mux.Handler(probe); p != Prefix+"/" && p != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		return newError(http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed here; use "+strings.Join(allow, " or ")+".", "")
	}
	return newError(http.StatusNotFound, "not_found", "No such endpoint: "+r.Method+" "+r.URL.Path+".", "")
}

// begin authenticates the request and reads a POST's body under the cap.
func (h *Handler) begin(w http.ResponseWriter, r *http.Request) (*call, error) {
	t, err := h.authenticate(w, r)
	if err != nil {
		return nil, err
	}
	c := &call{token: t}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes)
		c.body, err = io.ReadAll(r.Body)
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, newError(http.StatusRequestEntityTooLarge, "request_too_large", "The request body is larger than the limit.", "")
		}
		if err != nil {
			return nil, newError(http.StatusBadRequest, "invalid", "The request body could not be read.", "")
		}
	}
	return c, nil
}

// authenticate checks the admin token, throttling an address that has
// failed too often before looking at its token.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request) (*admintoken.Token, error) {
	addr := h.cfg.ClientAddr(r)
	if d := h.cfg.AuthFailures.Check(addr, h.cfg.Now()); !d.Allowed {
		d.WriteHeaders(w.Header())
		if d.Log {
			h.log.Warn("rate limited", "limit", "auth_failures", "client", addr, "suppressed", d.Suppressed, "retry_after", d.RetryAfter)
		}
		e := newError(http.StatusTooManyRequests, "rate_limit_exceeded", "Too many failed authentications from this address; slow down.", "")
		e.retryAfter = d.RetryAfterSeconds()
		return nil, e
	}
	fail := func(code, msg string) error {
		if d := h.cfg.AuthFailures.Allow(addr, h.cfg.Now()); d.Log {
			h.log.Warn("rate limited", "limit", "auth_failures", "client", addr, "suppressed", d.Suppressed, "retry_after", d.RetryAfter)
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="agentshop admin"`)
		return newError(http.StatusUnauthorized, code, msg, "")
	}
	secret, ok := apikey.BearerSecret(r.Header.Get("Authorization"))
	if !ok {
		return nil, fail("unauthorized", "An admin token is required: Authorization: Bearer <token> ('agentshop admin tokens create').")
	}
	t, err := h.cfg.Admin.Authenticate(r.Context(), secret)
	switch {
	case errors.Is(err, admintoken.ErrExpired):
		return nil, fail("admin_token_expired", "The admin token has expired.")
	case errors.Is(err, admintoken.ErrInvalid):
		return nil, fail("invalid_admin_token", "The admin token is not valid.")
	case err != nil:
		return nil, err
	}
	return t, nil
}

// idempotent runs a POST under its Idempotency-Key (required) and writes
// the answer: run's body with status, or the answer stored for the key.
// run must hand k to the operation's transactions (idempotency.Hooks).
func (h *Handler) idempotent(w http.ResponseWriter, r *http.Request, c *call, status int, run func(ctx context.Context, k *idempotency.Key) ([]byte, error)) error {
	key := r.Header.Get("Idempotency-Key")
	res, err := h.idem.Do(r.Context(), idempotency.Request{
		Scope:    "admin:" + c.token.ID + " " + r.Method + " " + r.URL.Path,
		Key:      key,
		Required: true,
		Body:     c.body,
		Status:   status,
	}, func(k *idempotency.Key) ([]byte, error) {
		body, err := run(r.Context(), k)
		return body, bodyParam(err)
	})
	switch {
	case errors.Is(err, idempotency.ErrKeyRequired):
		return newError(http.StatusBadRequest, "idempotency_key_required", "Idempotency-Key header is required on every POST.", "")
	case errors.Is(err, idempotency.ErrKeyInvalid):
		return newError(http.StatusBadRequest, "invalid_idempotency_key", "Idempotency-Key may be at most 255 characters of UTF-8 text without U+0000.", "")
	case errors.Is(err, idempotency.ErrConflict):
		return newError(http.StatusUnprocessableEntity, "idempotency_conflict", "This Idempotency-Key was used with a different request body.", "")
	case errors.Is(err, idempotency.ErrInFlight):
		e := newError(http.StatusConflict, "idempotency_in_flight", "A request with this Idempotency-Key is still being processed.", "")
		e.retryAfter = 1
		return e
	case err != nil:
		return err
	}
	w.Header().Set("Idempotency-Key", key)
	if res.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	writeJSON(w, res.Status, res.Body)
	return nil
}

// bodyParam makes the param of an EINVALID error about a body field a
// JSONPath ("amount" → "$.amount").
func bodyParam(err error) error {
	if err == nil {
		return nil
	}
	e := errorFor(err)
	if e.Param == "" || strings.HasPrefix(e.Param, "$") {
		return err
	}
	e.Param = "$." + e.Param
	return e
}

// decode reads a JSON object body strictly into v: no unknown fields, one
// value, types as declared. An empty body is {}.
func decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, err := dec.Token(); err != io.EOF {
			return newError(http.StatusBadRequest, "invalid", "The request body must be one JSON object.", "$")
		}
		return nil
	}
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		if te.Field == "" {
			return newError(http.StatusBadRequest, "invalid", "The request body must be a JSON object.", "$")
		}
		return newError(http.StatusBadRequest, "invalid", "$."+te.Field+" must be "+jsonKind(te.Type.Kind().String())+".", "$."+te.Field)
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		f = strings.Trim(f, `"`)
		return newError(http.StatusBadRequest, "invalid", "Unknown field "+f+".", "$."+f)
	}
	return newError(http.StatusBadRequest, "invalid", "The request body is not valid JSON.", "$")
}

// jsonKind names the JSON type of a Go kind.
func jsonKind(kind string) string {
	switch {
	case kind == "string":
		return "a string"
	case kind == "bool":
		return "a boolean"
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "a number"
	}
	return "a value of another type"
}

// writeView writes v as a 200 JSON answer.
func writeView(w http.ResponseWriter, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, b)
	return nil
}
