package braintree

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"

	"agentshop/internal/commerce"
)

// EventApplier is what [WebhookHandler] hands verified events to:
// *commerce.Service.
type EventApplier interface {
	ApplyPaymentEvent(ctx context.Context, ev commerce.PaymentEvent) (commerce.EventOutcome, error)
}

// maxWebhookBody caps a notification's form body: bt_payload
// ([MaxWebhookPayload]), URL-encoded, and bt_signature.
const maxWebhookBody = 3*MaxWebhookPayload + 64<<10

// WebhookHandler serves /webhooks/braintree: GET with bt_challenge
// answers the challenge Braintree sends when the webhook URL is added
// ([Challenge]); POST takes a notification (form fields bt_signature and
// bt_payload, [ParseWebhook]) and applies the payment events it carries
// ([Events]). Answers as the Stripe handler's: 400 for a bad signature,
// challenge or body (nothing changes), 413 over the size cap, 200 for an
// event applied, redelivered, unmatched (kept) or of a kind agentshop does
// not handle, 500 when the store failed (Braintree redelivers).
type WebhookHandler struct {
	PublicKey, PrivateKey string
	Events                EventApplier
	Logger                *slog.Logger
	// Observe, as for the Stripe handler: the kind ("other" for kinds
	// agentshop does not handle, "unknown" when unreadable) and result.
	Observe func(kind, result string)
}

func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := h.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if r.Method == http.MethodGet {
		answer, err := Challenge(h.PublicKey, h.PrivateKey, r.URL.Query().Get("bt_challenge"))
		if err != nil {
			http.Error(w, "invalid challenge", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, answer)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			h.observe("unknown", "too_large")
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		h.observe("unknown", "invalid")
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		h.observe("unknown", "invalid")
		http.Error(w, "invalid form", http.StatusBadRequest)
		return
	}
	n, err := ParseWebhook(h.PublicKey, h.PrivateKey, form.Get("bt_signature"), form.Get("bt_payload"))
	switch {
	case errors.Is(err, ErrInvalidSignature):
		log.WarnContext(r.Context(), "braintree webhook refused: bad signature", "err", err, "remote", r.RemoteAddr)
		h.observe("unknown", "bad_signature")
		http.Error(w, "invalid signature", http.StatusBadRequest)
		return
	case err != nil:
		log.ErrorContext(r.Context(), "braintree webhook refused: unreadable notification", "err", err)
		h.observe("unknown", "invalid")
		http.Error(w, "invalid notification", http.StatusBadRequest)
		return
	}
	events, known, err := Events(n)
	switch {
	case err != nil:
		log.ErrorContext(r.Context(), "braintree webhook refused: unreadable notification", "kind", n.Kind, "err", err)
		h.observe(n.Kind, "invalid")
		http.Error(w, "invalid notification", http.StatusBadRequest)
		return
	case !known:
		h.observe("other", "ignored_type")
		w.WriteHeader(http.StatusOK)
		return
	}
	for _, ev := range events {
		out, err := h.Events.ApplyPaymentEvent(r.Context(), ev)
		if err != nil {
			if e, ok := errors.AsType[*commerce.Error](err); ok && e.Code == commerce.EINVALID {
				log.ErrorContext(r.Context(), "braintree webhook refused: invalid event", "event", ev.ID, "err", err)
				h.observe(n.Kind, "invalid")
				http.Error(w, "invalid notification", http.StatusBadRequest)
				return
			}
			log.ErrorContext(r.Context(), "braintree webhook: applying the event failed; Braintree will redeliver", "event", ev.ID, "err", err)
			h.observe(n.Kind, "error")
			http.Error(w, "temporarily unavailable", http.StatusInternalServerError)
			return
		}
		if out.Result == commerce.EventUnmatched {
			log.WarnContext(r.Context(), "braintree notification for a payment agentshop does not know; kept", "event", ev.ID, "payment", ev.PaymentRef)
		}
		h.observe(n.Kind, string(out.Result))
	}
	w.WriteHeader(http.StatusOK)
}

func (h *WebhookHandler) observe(kind, result string) {
	if h.Observe != nil {
		h.Observe(kind, result)
	}
}
