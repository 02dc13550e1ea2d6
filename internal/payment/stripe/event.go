package stripe

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	stripeapi "github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"

	"agentshop/internal/commerce"
)

// WebhookTolerance is how old a Stripe-Signature timestamp may be: Stripe's
// own default (stripe-go webhook.DefaultTolerance), which bounds how long a
// captured delivery can be replayed. A replay inside it is caught by the
// event id ([commerce.Service.ApplyPaymentEvent]).
const WebhookTolerance = 300 * time.Second

// ErrSignature is returned (wrapped) by [ParseEvent] for a delivery whose
// Stripe-Signature is missing, malformed, too old or not made with the
// secret.
var ErrSignature = errors.New("stripe: webhook signature")

// EventTypes are the Stripe event types [ParseEvent] turns into payment
// events, the ones to enable on the webhook endpoint. Others are
// answered and ignored.
var EventTypes = []string{
	"payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.processing", "payment_intent.requires_action",
	"charge.refunded", "refund.created", "refund.updated", "refund.failed",
	"charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed",
	"charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated",
}

// ParseEvent verifies a webhook delivery's Stripe-Signature header against
// secret with stripe-go's webhook package (HMAC-SHA256 over the timestamp
// and the raw body, any v1 signature, [WebhookTolerance]), accepting
// events of any API version (the endpoint may be pinned to the preview
// that Shared Payment Tokens need), and turns it into the payment events
// it carries, with Provider "stripe":
//
//   - payment_intent.succeeded, .payment_failed, .processing,
//     .requires_action: one [commerce.ChargeEvent] with the result
//     [Provider.Charge] maps the PaymentIntent to (processing: an empty
//     outcome), naming the attempt by the metadata agentshop set;
//   - refund.created, .updated, .failed: one [commerce.RefundEvent];
//     charge.refunded: one per refund the Charge lists (their ids are the
//     event id and the refund id), none when it lists none (API versions
//     since 2022-11-15 do not include them: enable refund.created);
//   - charge.dispute.*: one [commerce.DisputeEvent].
//
// An error wrapping [ErrSignature] means the delivery is not Stripe's and
// must change nothing. known is false, with a nil error, for a verified
// event of another type. Any other error is a verified event this package
// cannot read.
func ParseEvent(payload []byte, header, secret string) (events []commerce.PaymentEvent, typ string, known bool, err error) {
	if secret == "" {
		return nil, "", false, fmt.Errorf("%w: no webhook secret configured", ErrSignature)
	}
	ev, err := webhook.ConstructEventWithOptions(payload, header, secret, webhook.ConstructEventOptions{
		Tolerance: WebhookTolerance, IgnoreAPIVersionMismatch: true,
	})
	if err != nil {
		if errors.Is(err, webhook.ErrNotSigned) || errors.Is(err, webhook.ErrInvalidHeader) ||
			errors.Is(err, webhook.ErrTooOld) || errors.Is(err, webhook.ErrNoValidSignature) {
			return nil, "", false, fmt.Errorf("%w: %w", ErrSignature, err)
		}
		return nil, "", false, fmt.Errorf("stripe: webhook: %w", err)
	}
	typ = string(ev.Type)
	if ev.ID == "" || ev.Data == nil {
		return nil, typ, false, errors.New("stripe: webhook: event without id or data")
	}
	base := commerce.PaymentEvent{Provider: "stripe", ID: ev.ID, Type: typ, OccurredAt: time.Unix(ev.Created, 0).UTC()}
	raw := ev.Data.Raw
	switch {
	case strings.HasPrefix(typ, "payment_intent."):
		if !handled(typ) {
			return nil, typ, false, nil
		}
		var pi stripeapi.PaymentIntent
		if err := json.Unmarshal(raw, &pi); err != nil {
			return nil, typ, true, fmt.Errorf("stripe: webhook %s: decode payment intent: %w", ev.ID, err)
		}
		e := base
		e.PaymentRef, e.SessionID, e.AttemptKey = pi.ID, pi.Metadata[metadataSession], pi.Metadata[metadataAttempt]
		e.Charge = &commerce.ChargeEvent{}
		if pi.Status != stripeapi.PaymentIntentStatusProcessing {
			res, err := chargeResult(&pi)
			if err != nil {
				return nil, typ, true, fmt.Errorf("stripe: webhook %s: %w", ev.ID, err)
			}
			e.Charge.Result = res
		}
		return []commerce.PaymentEvent{e}, typ, true, nil
	case typ == "refund.created" || typ == "refund.updated" || typ == "refund.failed":
		var rf stripeapi.Refund
		if err := json.Unmarshal(raw, &rf); err != nil {
			return nil, typ, true, fmt.Errorf("stripe: webhook %s: decode refund: %w", ev.ID, err)
		}
		e := base
		e.PaymentRef, e.Refund = refundCharge(&rf), refundEvent(&rf)
		return []commerce.PaymentEvent{e}, typ, true, nil
	case typ == "charge.refunded":
		var ch stripeapi.Charge
		if err := json.Unmarshal(raw, &ch); err != nil {
			return nil, typ, true, fmt.Errorf("stripe: webhook %s: decode charge: %w", ev.ID, err)
		}
		ref := ch.ID
		if ch.PaymentIntent != nil && ch.PaymentIntent.ID != "" {
			ref = ch.PaymentIntent.ID
		}
		if ch.Refunds == nil {
			return nil, typ, true, nil
		}
		for _, rf := range ch.Refunds.Data {
			e := base
			e.ID = ev.ID + ":" + rf.ID
			e.PaymentRef, e.Refund = ref, refundEvent(rf)
			events = append(events, e)
		}
		return events, typ, true, nil
	case strings.HasPrefix(typ, "charge.dispute."):
		if !handled(typ) {
			return nil, typ, false, nil
		}
		var dp stripeapi.Dispute
		if err := json.Unmarshal(raw, &dp); err != nil {
			return nil, typ, true, fmt.Errorf("stripe: webhook %s: decode dispute: %w", ev.ID, err)
		}
		e := base
		e.PaymentRef = disputeCharge(&dp)
		e.Dispute = disputeEvent(&dp)
		e.Dispute.FundsWithdrawn = typ == "charge.dispute.funds_withdrawn"
		e.Dispute.FundsReinstated = typ == "charge.dispute.funds_reinstated"
		return []commerce.PaymentEvent{e}, typ, true, nil
	}
	return nil, typ, false, nil
}

// handled reports whether typ is one of [EventTypes].
func handled(typ string) bool {
	return slices.Contains(EventTypes, typ)
}

// refundCharge is what agentshop recorded as the refunded charge: the
// PaymentIntent, else the Charge.
func refundCharge(rf *stripeapi.Refund) string {
	if rf.PaymentIntent != nil && rf.PaymentIntent.ID != "" {
		return rf.PaymentIntent.ID
	}
	if rf.Charge != nil {
		return rf.Charge.ID
	}
	return ""
}

// refundEvent maps a Stripe Refund. Stripe's pending (and requires_action)
// refunds are ones Stripe has committed to, as [Provider.Refund] counts
// them: succeeded; failed and canceled ones returned nothing.
func refundEvent(rf *stripeapi.Refund) *commerce.RefundEvent {
	st := commerce.RefundSucceeded
	if rf.Status == stripeapi.RefundStatusFailed || rf.Status == stripeapi.RefundStatusCanceled {
		st = commerce.RefundFailed
	}
	return &commerce.RefundEvent{Ref: rf.ID, RefundID: rf.Metadata[metadataRefund], Amount: rf.Amount,
		Currency: commerce.Currency(strings.ToLower(string(rf.Currency))), Status: st, Reason: string(rf.Reason)}
}

func disputeCharge(dp *stripeapi.Dispute) string {
	if dp.PaymentIntent != nil && dp.PaymentIntent.ID != "" {
		return dp.PaymentIntent.ID
	}
	if dp.Charge != nil {
		return dp.Charge.ID
	}
	return ""
}

// disputeStatuses maps Stripe's dispute statuses; warning_* are inquiries.
var disputeStatuses = map[stripeapi.DisputeStatus]commerce.DisputeStatus{
	stripeapi.DisputeStatusWarningNeedsResponse: commerce.DisputeNeedsResponse,
	stripeapi.DisputeStatusWarningUnderReview:   commerce.DisputeUnderReview,
	stripeapi.DisputeStatusWarningClosed:        commerce.DisputeClosed,
	stripeapi.DisputeStatusNeedsResponse:        commerce.DisputeNeedsResponse,
	stripeapi.DisputeStatusUnderReview:          commerce.DisputeUnderReview,
	stripeapi.DisputeStatusWon:                  commerce.DisputeWon,
	stripeapi.DisputeStatusLost:                 commerce.DisputeLost,
	stripeapi.DisputeStatusPrevented:            commerce.DisputeClosed,
}

func disputeEvent(dp *stripeapi.Dispute) *commerce.DisputeEvent {
	st, ok := disputeStatuses[dp.Status]
	if !ok {
		st = commerce.DisputeUnderReview // a status newer than this build: still open
	}
	d := &commerce.DisputeEvent{Ref: dp.ID, Amount: dp.Amount, Currency: commerce.Currency(strings.ToLower(string(dp.Currency))),
		Reason: string(dp.Reason), Status: st, Inquiry: strings.HasPrefix(string(dp.Status), "warning_")}
	if e := dp.EvidenceDetails; e != nil && e.DueBy > 0 && st.Open() {
		d.EvidenceDueBy = new(time.Unix(e.DueBy, 0).UTC())
	}
	return d
}
