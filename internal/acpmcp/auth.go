package acpmcp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"agentshop/internal/acp"
	"agentshop/internal/apikey"
	"agentshop/internal/reqsign"
)

type apiKeyKey struct{}

// clientKey carries the client address the HTTP middleware counted the
// request against, for a failed signature to count too.
type clientKey struct{}

// apiKeyFrom returns the API key the HTTP middleware authenticated, or nil.
func apiKeyFrom(ctx context.Context) *apikey.Key {
	k, _ := ctx.Value(apiKeyKey{}).(*apikey.Key)
	return k
}

// authenticate refuses requests without a valid, unrevoked agent API key
// (Authorization: Bearer <key>, the REST keys) and passes the key on in the
// request context, which the SDK hands to tool handlers. It applies the
// REST surface's limits: failed authentications per client address
// (checked before the key is looked at) and requests per key, whose
// RateLimit headers every answer carries.
func (s *Server) authenticate(next http.Handler) http.Handler {
	log := s.log.With("surface", "acp_mcp")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr := s.cfg.ClientAddr(r)
		if d := s.cfg.AuthFailures.Check(addr, s.cfg.Now()); !d.Allowed {
			s.refuse(w, r, acp.AuthThrottled(w.Header(), log, addr, d))
			return
		}
		k, err := s.apiKey(r)
		if err != nil {
			if st := acp.ErrorFor(err).Status(); st == 0 || st == http.StatusUnauthorized {
				acp.CountAuthFailure(s.cfg.AuthFailures, log, addr, s.cfg.Now())
			}
			s.refuse(w, r, err)
			return
		}
		d := s.cfg.Limiter.Allow(k.ID, s.cfg.Now())
		d.WriteHeaders(w.Header())
		if !d.Allowed {
			s.refuse(w, r, acp.KeyThrottled(log, k.ID, d))
			return
		}
		ctx := context.WithValue(context.WithValue(r.Context(), apiKeyKey{}, k), clientKey{}, addr)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Server) apiKey(r *http.Request) (*apikey.Key, error) {
	secret, ok := apikey.BearerSecret(r.Header.Get("Authorization"))
	if !ok {
		return nil, unauthorized("unauthorized", "An API key is required: Authorization: Bearer <key>.")
	}
	k, err := s.keys.Authenticate(r.Context(), secret)
	if errors.Is(err, apikey.ErrInvalid) {
		return nil, unauthorized("invalid_api_key", "The API key is not valid.")
	}
	if err != nil {
		return nil, err
	}
	return k, nil
}

// refuse answers a request that failed authentication: HTTP 401 (or the
// store error's status) with a JSON-RPC error response in the binding's
// form, echoing the request's id when the body has one.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, err error) {
	e := acp.ErrorFor(err)
	status := e.Status()
	if status == 0 {
		status = http.StatusUnauthorized
		w.Header().Set("WWW-Authenticate", `Bearer realm="agentshop"`)
	}
	if e.RetryAfter() > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter()))
	}
	if status != http.StatusTooManyRequests { // the limiters log those once per interval
		s.log.WarnContext(r.Context(), "acp mcp request refused", "status", status, "code", e.Code, "err", err.Error())
	}
	id := json.RawMessage("null")
	if r.Body != nil {
		body, _ := io.ReadAll(io.LimitReader(r.Body, s.cfg.MaxBodyBytes))
		var msg struct {
			ID json.RawMessage `json:"id"`
		}
		if json.Unmarshal(body, &msg) == nil && len(msg.ID) > 0 {
			id = msg.ID
		}
	}
	out, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "error": rpcError(CodeACPError, e)})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// verifySignature checks a signing key's meta.signature over the call
// (reqsign.MCP: tool, session id, api_version, idempotency_key, timestamp
// and payload) and refuses a signature already used.
func (s *Server) verifySignature(ctx context.Context, c *call) error {
	fail := func(msg string) error { return unauthorized("invalid_signature", msg) }
	if c.meta.Signature == "" || c.meta.Timestamp == "" {
		return fail("This API key requires signed requests: meta.signature and meta.timestamp.")
	}
	m := reqsign.MCP(c.tool.name, c.id, c.meta.APIVersion, c.meta.IdempotencyKey, c.meta.Timestamp, c.payload)
	err := s.signatures.Verify(c.key.SigningSecret, m, c.meta.Signature)
	if errors.Is(err, reqsign.ErrBusy) {
		return &acp.Error{Type: "service_unavailable", Code: "service_unavailable", Message: err.Error()}
	}
	if err != nil {
		// A bad or replayed signature is a failed authentication of the
		// client's address, as on REST.
		addr, _ := ctx.Value(clientKey{}).(string)
		acp.CountAuthFailure(s.cfg.AuthFailures, s.log.With("surface", "acp_mcp"), addr, s.cfg.Now())
		return fail(err.Error())
	}
	return nil
}
