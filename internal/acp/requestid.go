package acp

import (
	"context"
	"net/http"
	"strings"

	"agentshop/internal/commerce"
)

type requestIDKey struct{}

// RequestID returns the request's id, or "".
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey{}).(string)
	return s
}

// withRequestID takes the caller's Request-Id (if sane) or makes one,
// echoes it and stores it in the context.
func withRequestID(w http.ResponseWriter, r *http.Request) *http.Request {
	id := strings.TrimSpace(r.Header.Get("Request-Id"))
	if id == "" || len(id) > 200 || strings.ContainsAny(id, "\r\n") {
		id = commerce.NewID("req")
	}
	w.Header().Set("Request-Id", id)
	return r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
}
