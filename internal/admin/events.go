package admin

import (
	"context"
	"errors"
	"time"

	"agentshop/internal/commerce"
)

// EventPage is one page of a listing of order events, oldest first.
type EventPage struct {
	Events  []*commerce.Event
	HasMore bool // more events match than the limit let through
}

// MaxEventLimit is the most events one listing holds: the outbox has no
// cursor, and keeps delivered events only for webhook.keep_delivered.
const MaxEventLimit = 1000

// ListEvents returns the events of the outbox f selects, oldest first.
// f.Limit is 1 to [MaxEventLimit] (0: 100). EINVALID for another limit or
// an unknown status.
func (s *Service) ListEvents(ctx context.Context, f commerce.EventFilter) (EventPage, error) {
	switch {
	case f.Limit == 0:
		f.Limit = 100
	case f.Limit < 0 || f.Limit > MaxEventLimit:
		return EventPage{}, commerce.Invalid("limit", "The limit must be between 1 and %d, not %d.", MaxEventLimit, f.Limit)
	}
	switch f.Status {
	case "", commerce.EventPending, commerce.EventDelivered, commerce.EventDead:
	default:
		return EventPage{}, commerce.Invalid("status", "Unknown event status %q (pending, delivered, dead).", f.Status)
	}
	want := f.Limit
	f.Limit++
	events, err := s.Store.ListEvents(ctx, f)
	if err != nil {
		return EventPage{}, err
	}
	if len(events) > want {
		return EventPage{Events: events[:want], HasMore: true}, nil
	}
	return EventPage{Events: events}, nil
}

// Requeued is a dead event put back in the queue.
type Requeued struct {
	EventID string
	At      time.Time // when it became due again
}

// RequeueEvent puts a dead event back in the queue with a full set of
// attempts; a running server sends it within its poll interval (at once
// when it runs in this process). hooks run in its transaction (Commit with
// the requeue). ENOTFOUND for an unknown id; ECONFLICT for an event that
// is not dead.
func (s *Service) RequeueEvent(ctx context.Context, id string, hooks *commerce.TxHooks[*Requeued]) (*Requeued, error) {
	out := &Requeued{EventID: id, At: s.now().UTC()}
	err := s.Store.InTx(ctx, func(tx commerce.Executor) error {
		if err := begin(ctx, tx, hooks); err != nil {
			return err
		}
		switch err := tx.RequeueEvent(ctx, id, out.At); {
		case errors.Is(err, commerce.ErrNotFound):
			return &commerce.Error{Code: commerce.ENOTFOUND, Message: "No event \"" + id + "\".", Err: err}
		case errors.Is(err, commerce.ErrConflict):
			return &commerce.Error{Code: commerce.ECONFLICT, Reason: "event_not_dead", Message: "Event " + id + " is not dead: only dead events are requeued.", Err: err}
		case err != nil:
			return err
		}
		return commit(ctx, tx, hooks, out)
	})
	if err != nil {
		return nil, err
	}
	hooksBegun(hooks)
	if s.Commerce != nil && s.Commerce.EventsQueued != nil {
		s.Commerce.EventsQueued()
	}
	return out, nil
}
