package acpmcp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"agentshop/internal/acp"
	"agentshop/internal/apikey"
	"agentshop/internal/reqsign"
)

type apiKeyKey struct{}

// apiKeyFrom returns the API key the HTTP middleware authenticated, or nil.
func apiKeyFrom(ctx context.Context) *apikey.Key {
	k, _ := ctx.Value(apiKeyKey{}).(*apikey.Key)
	return k
}

// authenticate refuses requests without a valid, unrevoked agent API key
// (Authorization: Bearer <key>, the REST keys) and passes the key on in the
// request context, which the SDK hands to tool handlers.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k, err := s.apiKey(r)
		if err != nil {
			s.refuse(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), apiKeyKey{}, k)))
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
	s.log.WarnContext(r.Context(), "acp mcp request refused", "status", status, "code", e.Code, "err", err.Error())
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
func (s *Server) verifySignature(c *call) error {
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
		return fail(err.Error())
	}
	return nil
}
