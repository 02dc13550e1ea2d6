package webhook

import "agentshop/internal/commerce"

// TestSignals are hooks a test sets on [Config] to be told what the worker
// did when it happens, instead of polling the outbox or the endpoint
// (river's TestSignals idea). A nil *TestSignals, the default, and nil
// hooks signal nothing. Hooks run on the worker's goroutine, so they must
// not block; sending on a buffered channel or appending under a mutex is
// what they are for.
//
// A worker in another process cannot call a hook: it logs each recorded
// attempt at debug level ("webhook: attempt recorded" with the event, its
// status and attempt), which the process tests wait for instead.
type TestSignals struct {
	// Recorded is called after a batch's outcomes were committed, with
	// the events whose outcome was recorded (Status, Attempts, LastError,
	// NextAttemptAt and DeliveredAt as stored). An event whose attempt
	// outlived its lease is left out: the later attempt that owns it
	// records it.
	Recorded func(events []*commerce.Event)
}

func (s *TestSignals) recorded(events []*commerce.Event) {
	if s == nil || s.Recorded == nil || len(events) == 0 {
		return
	}
	s.Recorded(events)
}
