package acp

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"agentshop/internal/apikey"
	"agentshop/internal/commerce"
	"agentshop/internal/idempotency"
	"agentshop/internal/ratelimit"
	"agentshop/internal/reqsign"
)

// Codec translates one ACP version's wire format to and from the domain.
// Implementations: acp20250929.Codec and acp20260417.Codec.
type Codec interface {
	Version() string
	DecodeCreate(body []byte) (commerce.CreateInput, error)
	DecodeUpdate(body []byte) (commerce.UpdateInput, error)
	DecodeComplete(body []byte) (commerce.CompleteInput, error)
	DecodeCancel(body []byte) error
	EncodeSession(v *commerce.View) ([]byte, error)
}

// DelegateFunc handles a sandbox delegate-payment request body in two
// steps: it decodes and validates body (outside any transaction), then the
// returned store function saves the vault token through q, the
// transaction that also stores the idempotent response, and returns the
// 201 response body.
type DelegateFunc func(ctx context.Context, body []byte, idempotencyKey string) (store func(ctx context.Context, q commerce.Executor) ([]byte, error), err error)

// Store is what the REST surface keeps in the database: idempotency
// records, API keys (read through the key cache) and, for
// delegate_payment, a transaction that saves the vault token with its
// idempotent answer. Both stores implement it (internal/store.Store).
type Store interface {
	idempotency.Store
	apikey.Finder
	InTx(ctx context.Context, fn func(tx commerce.Executor) error) error
}

// Config configures a [Handler].
type Config struct {
	Service *commerce.Service
	Store   Store
	// Codecs are the supported API versions.
	Codecs   []Codec
	Merchant commerce.Merchant
	// Delegate, when set, serves POST /agentic_commerce/delegate_payment.
	Delegate DelegateFunc
	Logger   *slog.Logger
	Metrics  *Metrics
	// MaxBodyBytes caps request bodies (default 1 MiB).
	MaxBodyBytes int64
	// RateLimit is the steady requests per second allowed per API key
	// (0: unlimited) with bursts of RateBurst, when Limiter is nil.
	RateLimit float64
	RateBurst int
	// Limiter, when set, limits requests per API key; share it with
	// /acp/mcp (internal/acpmcp) so that a key has one budget on both.
	Limiter *ratelimit.Limiter
	// AuthFailures, when set, limits failed authentications per client
	// address: once an address has used its bucket up, its requests
	// answer 429 without their key being looked at. Share it with
	// /acp/mcp.
	AuthFailures *ratelimit.Limiter
	// ClientAddr names a request's client for AuthFailures (default
	// [ratelimit.ClientAddr] without --behind-proxy).
	ClientAddr func(*http.Request) string
	// IdempotencyTTL is how long responses are kept for replay (default 24 h).
	IdempotencyTTL time.Duration
	// InFlightLease is how long a claimed key answers same-key retries with
	// 409 before a crashed request's claim may be taken over (default 1 min).
	InFlightLease time.Duration
	// SignatureSkew bounds |now − Timestamp| for signed requests (default
	// 5 min), when Signatures is nil.
	SignatureSkew time.Duration
	// Signatures checks signed requests and remembers the signatures it
	// accepted, to refuse their replay; share one with /acp/mcp. Nil: a
	// verifier of its own with SignatureSkew.
	Signatures *reqsign.Verifier
	// Keys authenticates bearer API keys; share one with /acp/mcp
	// (internal/acpmcp) so that a revoked key stops working on both at
	// the same moment. Nil: a cache of Store's keys with KeyCacheTTL.
	Keys *apikey.Cache
	// KeyCacheTTL is how long an API key read from the store is trusted
	// before it is read again (0: read it on every request), when Keys is
	// nil. A revoked key keeps working for at most this long.
	KeyCacheTTL time.Duration
	Now         func() time.Time
}

// Handler serves the ACP REST API.
type Handler struct {
	cfg     Config
	idem    *idempotency.Idempotency
	codecs  map[string]Codec
	limiter *ratelimit.Limiter
	keys    *apikey.Cache
	log     *slog.Logger

	signatures *reqsign.Verifier
}

// NewHandler returns a Handler for cfg.
func NewHandler(cfg Config) *Handler {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.IdempotencyTTL <= 0 {
		cfg.IdempotencyTTL = 24 * time.Hour
	}
	if cfg.InFlightLease <= 0 {
		cfg.InFlightLease = time.Minute
	}
	if cfg.SignatureSkew <= 0 {
		cfg.SignatureSkew = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{cfg: cfg, codecs: map[string]Codec{}, log: cfg.Logger}
	h.keys = cfg.Keys
	if h.keys == nil {
		h.keys = apikey.NewCache(cfg.Store, cfg.KeyCacheTTL, cfg.Now)
	}
	h.signatures = cfg.Signatures
	if h.signatures == nil {
		h.signatures = reqsign.NewVerifier(cfg.SignatureSkew, 0, cfg.Now)
	}
	h.idem = NewIdempotency(cfg.Store, cfg.Logger, cfg.Now, cfg.IdempotencyTTL, cfg.InFlightLease)
	for _, c := range cfg.Codecs {
		h.codecs[c.Version()] = c
	}
	h.limiter = cfg.Limiter
	if h.limiter == nil {
		h.limiter = ratelimit.New(cfg.RateLimit, cfg.RateBurst, 0)
	}
	if h.cfg.ClientAddr == nil {
		h.cfg.ClientAddr = func(r *http.Request) string { return ratelimit.ClientAddr(r, false) }
	}
	return h
}

// Register adds the ACP routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle("GET /.well-known/acp.json", h.wrap("discovery", false, h.discovery))
	mux.Handle("POST /checkout_sessions", h.wrap("create", true, h.create))
	mux.Handle("POST /checkout_sessions/{id}", h.wrap("update", true, h.update))
	mux.Handle("GET /checkout_sessions/{id}", h.wrap("get", true, h.get))
	mux.Handle("POST /checkout_sessions/{id}/complete", h.wrap("complete", true, h.complete))
	mux.Handle("POST /checkout_sessions/{id}/cancel", h.wrap("cancel", true, h.cancel))
	if h.cfg.Delegate != nil {
		mux.Handle("POST /agentic_commerce/delegate_payment", h.wrap("delegate_payment", true, h.delegate))
	}
}

// call is one authenticated, versioned request.
type call struct {
	codec Codec
	key   *apikey.Key
	body  []byte
}

type handlerFunc func(w http.ResponseWriter, r *http.Request, c *call) error

// wrap applies, in order: request id, metrics, the failed-authentication
// limit per client address, the body cap, the API key, API-Version, the
// per-key rate limit and the request signature (for signing keys), then
// runs fn and writes its error.
func (h *Handler) wrap(endpoint string, protected bool, fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		r = withRequestID(w, r)
		sw := &statusWriter{ResponseWriter: w}
		version := "none"
		defer func() {
			if p := recover(); p != nil {
				h.log.ErrorContext(r.Context(), "panic serving request", "request_id", RequestID(r.Context()), "panic", p)
				if sw.status == 0 {
					writeError(sw, r, h.log, errors.New("panic"))
				}
			}
			h.cfg.Metrics.observeRequest(endpoint, version, sw.status, time.Since(start))
			if sw.status < 400 {
				h.log.DebugContext(r.Context(), "request", "request_id", RequestID(r.Context()), "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", time.Since(start))
			}
		}()
		c := &call{}
		err := func() error {
			if !protected {
				return fn(sw, r, c)
			}
			// An address that keeps failing authentication is refused
			// before its body is read or its key looked up.
			addr := h.cfg.ClientAddr(r)
			if d := h.cfg.AuthFailures.Check(addr, h.cfg.Now()); !d.Allowed {
				return AuthThrottled(sw.Header(), h.log.With("surface", "acp"), addr, d)
			}
			body, err := readBody(sw, r, h.cfg.MaxBodyBytes)
			if err != nil {
				return err
			}
			c.body = body
			if c.key, err = h.authenticate(r); err != nil {
				if ErrorFor(err).Status() == http.StatusUnauthorized {
					CountAuthFailure(h.cfg.AuthFailures, h.log.With("surface", "acp"), addr, h.cfg.Now())
				}
				return err
			}
			if c.codec, err = h.version(r); err != nil {
				return err
			}
			version = c.codec.Version()
			d := h.limiter.Allow(c.key.ID, h.cfg.Now())
			d.WriteHeaders(sw.Header())
			if !d.Allowed {
				return KeyThrottled(h.log.With("surface", "acp"), c.key.ID, d)
			}
			// After the rate limit: a signature is spent (remembered, so
			// that it cannot be replayed) only by a request that goes on
			// to run, and a 429's exact retry is still good.
			if c.key.SigningSecret != "" {
				if err := h.verifySignature(r, body, c.key.SigningSecret); err != nil {
					if ErrorFor(err).Status() == http.StatusUnauthorized {
						CountAuthFailure(h.cfg.AuthFailures, h.log.With("surface", "acp"), addr, h.cfg.Now())
					}
					return err
				}
			}
			// A session id no store can hold (U+0000, invalid UTF-8)
			// names no session, on either store; PostgreSQL would refuse
			// it as EINVALID only once it reached the database.
			if id := r.PathValue("id"); id != "" && (!utf8.ValidString(id) || strings.ContainsRune(id, 0)) {
				return commerce.ErrNotFound
			}
			return fn(sw, r, c)
		}()
		if err != nil {
			writeError(sw, r, h.log, requestParam(c.codec, err))
		}
	})
}

// requestParam rewrites a domain error's param, which uses 2026-04-17
// request paths, into the version's own paths when its codec can.
func requestParam(c Codec, err error) error {
	m, ok := c.(interface{ RequestParam(string) string })
	de, isDomain := errors.AsType[*commerce.Error](err)
	if !ok || !isDomain || de.Param == "" {
		return err
	}
	cp := *de
	cp.Param = m.RequestParam(de.Param)
	return &cp
}

func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, newError(http.StatusRequestEntityTooLarge, typeInvalid, "request_too_large", "The request body is too large.", "$")
		}
		return nil, newError(http.StatusBadRequest, typeInvalid, "invalid_body", "The request body could not be read.", "$")
	}
	return body, nil
}

// versions returns the supported versions, newest first.
func (h *Handler) versions() []string {
	vs := make([]string, 0, len(h.codecs))
	for v := range h.codecs {
		vs = append(vs, v)
	}
	slices.Sort(vs)
	slices.Reverse(vs)
	return vs
}

func (h *Handler) version(r *http.Request) (Codec, error) {
	v := strings.TrimSpace(r.Header.Get("API-Version"))
	if v == "" {
		e := newError(http.StatusBadRequest, typeInvalid, "missing_api_version", "The API-Version header is required.", "")
		e.SupportedVersions = h.versions()
		return nil, e
	}
	c, ok := h.codecs[v]
	if !ok {
		e := newError(http.StatusBadRequest, typeInvalid, "unsupported_api_version", "API-Version "+Echo(v)+" is not supported.", "")
		e.SupportedVersions = h.versions()
		return nil, e
	}
	return c, nil
}

// StrictIdempotency reports whether API version v requires Idempotency-Key
// on every POST and answers conflicts with 422 (2026-04-17 and later).
func StrictIdempotency(v string) bool { return v >= "2026-04-17" }

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}
