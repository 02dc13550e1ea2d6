package stripe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"agentshop/internal/commerce"
)

// DefaultWebhookMaxBytes caps a webhook delivery's body when
// [WebhookHandler.MaxBytes] is 0. Stripe's event payloads are a few
// kilobytes; a PaymentIntent or Charge with its nested objects stays well
// under this.
const DefaultWebhookMaxBytes = 256 << 10

// EventApplier is what [WebhookHandler] hands verified events to:
// *commerce.Service.
type EventApplier interface {
	ApplyPaymentEvent(ctx context.Context, ev commerce.PaymentEvent) (commerce.EventOutcome, error)
}

// WebhookHandler is POST /webhooks/stripe: it verifies each delivery
// ([ParseEvent]) and applies the payment events it carries. Answers:
//
//   - 400 for a missing, malformed, old or wrong Stripe-Signature, or a body
//     that is not a Stripe event; nothing is recorded or changed;
//   - 413 for a body over MaxBytes;
//   - 200 for an event applied, already applied (a redelivery), about a
//     payment agentshop does not know (kept, see `agentshop events
//     inbound --unmatched`), or of a type agentshop does not handle
//     (ignored);
//   - 500 when the store failed: nothing was recorded, and Stripe
//     redelivers.
type WebhookHandler struct {
	// Secrets are the signing secrets ("whsec_…") of the endpoints that
	// deliver here (one per Stripe account or handler): a delivery signed
	// with any of them is Stripe's.
	Secrets []string
	Events  EventApplier
	Logger  *slog.Logger
	// MaxBytes caps the body; 0 means [DefaultWebhookMaxBytes].
	MaxBytes int64
	// Observe, when set, is told each delivery's event type (as sent for
	// the types agentshop handles, "other" for the rest, "unknown" when
	// the delivery could not be read) and result: the
	// [commerce.EventResult] of each event, or "ignored_type",
	// "bad_signature", "too_large", "invalid", "error".
	Observe func(typ, result string)
}

func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := h.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	limit := h.MaxBytes
	if limit <= 0 {
		limit = DefaultWebhookMaxBytes
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
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
	var (
		events []commerce.PaymentEvent
		typ    string
		known  bool
	)
	err = fmt.Errorf("%w: no webhook secret configured", ErrSignature)
	for _, secret := range h.Secrets {
		if events, typ, known, err = ParseEvent(body, r.Header.Get("Stripe-Signature"), secret); !errors.Is(err, ErrSignature) {
			break
		}
	}
	switch {
	case errors.Is(err, ErrSignature):
		log.WarnContext(r.Context(), "stripe webhook refused: bad signature", "err", err, "remote", r.RemoteAddr)
		h.observe("unknown", "bad_signature")
		http.Error(w, "invalid signature", http.StatusBadRequest)
		return
	case err != nil:
		log.ErrorContext(r.Context(), "stripe webhook refused: unreadable event", "type", typ, "err", err)
		h.observe(label(typ), "invalid")
		http.Error(w, "invalid event", http.StatusBadRequest)
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
				log.ErrorContext(r.Context(), "stripe webhook refused: invalid event", "event", ev.ID, "type", typ, "err", err)
				h.observe(typ, "invalid")
				http.Error(w, "invalid event", http.StatusBadRequest)
				return
			}
			log.ErrorContext(r.Context(), "stripe webhook: applying the event failed; Stripe will redeliver", "event", ev.ID, "type", typ, "err", err)
			h.observe(typ, "error")
			http.Error(w, "temporarily unavailable", http.StatusInternalServerError)
			return
		}
		if out.Result == commerce.EventUnmatched {
			log.WarnContext(r.Context(), "stripe event for a payment agentshop does not know; kept", "event", ev.ID, "type", typ, "payment", ev.PaymentRef)
		}
		h.observe(typ, string(out.Result))
	}
	if len(events) == 0 {
		h.observe(typ, string(commerce.EventIgnored))
	}
	w.WriteHeader(http.StatusOK)
}

// label is typ when it is one agentshop handles, "other" otherwise: the
// metric's label values stay a bounded set.
func label(typ string) string {
	if handled(typ) {
		return typ
	}
	return "other"
}

func (h *WebhookHandler) observe(typ, result string) {
	if h.Observe != nil {
		h.Observe(typ, result)
	}
}
