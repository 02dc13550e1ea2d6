package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"agentshop/internal/acp/acpschema"
	"agentshop/internal/webhook"
)

// WebhookOptions configure [ReceiveWebhooks].
type WebhookOptions struct {
	// Listen is the address to listen on.
	Listen string
	// Secret is the HMAC secret shared with the merchant (required).
	Secret string
	// SpecDir, when set, is the directory of the official ACP schemas,
	// against which each body is validated.
	SpecDir string
}

// ReceiveWebhooks receives a merchant's ACP order webhooks as an agent
// platform would, until ctx ends: it checks each Merchant-Signature,
// answers as the spec says, validates the body against the official
// webhook schema when the spec directory is known, and prints one line
// per event to stdout.
func ReceiveWebhooks(ctx context.Context, o WebhookOptions, stdout io.Writer) error {
	if o.Secret == "" {
		return errors.New("agent webhooks: --secret (or AGENTSHOP_WEBHOOK_SECRET) is required: unsigned webhooks are refused")
	}
	var schema *acpschema.Validator
	if o.SpecDir != "" {
		var err error
		if schema, err = acpschema.Load(o.SpecDir); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "receiving order webhooks at http://%s%s\n", ln.Addr(), WebhookPath)
	mux := http.NewServeMux()
	mux.Handle("POST "+WebhookPath, NewWebhookReceiver(o.Secret, schema, stdout, time.Now))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// WebhookPath is where ACP's webhook spec puts the agent's endpoint.
const WebhookPath = "/agentic_checkout/webhooks/order_events"

// webhookReceiver is the handler of [ReceiveWebhooks].
type webhookReceiver struct {
	secret string
	schema *acpschema.Validator // nil: bodies are not validated
	now    func() time.Time

	mu   sync.Mutex
	out  io.Writer
	seen map[string]bool // Request-Ids answered 200
}

// NewWebhookReceiver returns the handler of [ReceiveWebhooks]: it checks
// signatures with secret, validates bodies with schema (nil: not
// validated), reads the time from now and prints to out.
func NewWebhookReceiver(secret string, schema *acpschema.Validator, out io.Writer, now func() time.Time) http.Handler {
	return &webhookReceiver{secret: secret, schema: schema, now: now, out: out, seen: map[string]bool{}}
}

func (h *webhookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		h.refuse(w, http.StatusBadRequest, "invalid_request", "Body unreadable or over 1 MiB.")
		return
	}
	if err := webhook.Verify(h.secret, r.Header.Get(webhook.SignatureHeader), body, h.now(), 0); err != nil {
		h.printf("refused  %s: %v\n", r.Header.Get("Request-Id"), err)
		h.refuse(w, http.StatusUnauthorized, "invalid_signature", verifyMessage(err))
		return
	}
	var ev struct {
		Type string `json:"type"`
		Data struct {
			ID                string `json:"id"`
			CheckoutSessionID string `json:"checkout_session_id"`
			Status            string `json:"status"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &ev); err != nil || ev.Type == "" {
		h.printf("refused  %s: not a WebhookEvent\n", r.Header.Get("Request-Id"))
		h.refuse(w, http.StatusBadRequest, "invalid_request", "The body must be a JSON WebhookEvent.")
		return
	}
	id := r.Header.Get("Request-Id")
	version := r.Header.Get("API-Version")
	valid := ""
	if h.schema != nil && version != "" {
		valid = "  schema ok"
		if err := h.schema.Validate(version, "webhook:WebhookEvent", body); err != nil {
			valid = "  SCHEMA INVALID: " + err.Error()
		}
	}
	h.mu.Lock()
	dup := id != "" && h.seen[id]
	h.seen[id] = true
	h.mu.Unlock()
	note := ""
	if dup {
		note = "  (duplicate: already received)"
	}
	h.printf("%s  %s  order %s  session %s  status %s  request %s  version %s%s%s\n",
		h.now().UTC().Format(time.RFC3339), ev.Type, ev.Data.ID, ev.Data.CheckoutSessionID, ev.Data.Status, id, version, valid, note)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"received": true, "request_id": id})
}

func (h *webhookReceiver) printf(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	fmt.Fprintf(h.out, format, args...)
}

// refuse answers with ACP's flat error.
func (h *webhookReceiver) refuse(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"type": "invalid_request", "code": code, "message": msg})
}

// verifyMessage is the spec's message for a signature failure.
func verifyMessage(err error) string {
	switch {
	case errors.Is(err, webhook.ErrNoSignature):
		return "Missing Merchant-Signature header."
	case errors.Is(err, webhook.ErrMalformed):
		return "Merchant-Signature must be t=<timestamp>,v1=<64_hex>."
	case errors.Is(err, webhook.ErrTimestamp):
		return "Timestamp outside allowed window."
	}
	return "Webhook signature verification failed."
}
