package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// readyStore is what /readyz asks of the store: both stores implement it.
type readyStore interface {
	// Ping reports whether the database answers and is migrated.
	Ping(ctx context.Context) error
	// ProbeWrite commits a write that leaves nothing behind; it fails
	// while the disk is full, read-only or failing.
	ProbeWrite(ctx context.Context) error
}

// readiness serves /readyz: ready while the store answers and takes
// writes. One probe runs at a time, and a success is reused for every (1 s
// in serve): /readyz is public, and a probe is a committed write. A
// failure is not reused, so that readiness comes back with the first
// probe that succeeds (a failing probe writes nothing).
type readiness struct {
	store readyStore
	every time.Duration
	now   func() time.Time
	log   *slog.Logger

	mu  sync.Mutex
	at  time.Time // of the last probe; zero before the first
	err error
}

// check returns the store's state, probing it unless the last probe
// succeeded less than every ago.
func (r *readiness) check(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.at.IsZero() && r.err == nil && r.now().Sub(r.at) < r.every {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	err := r.store.Ping(ctx)
	if err == nil {
		err = r.store.ProbeWrite(ctx)
	}
	if err != nil && (r.err == nil || r.at.IsZero()) {
		r.log.Warn("not ready: the store does not take writes", "err", err)
	} else if err == nil && r.err != nil {
		r.log.Info("ready again: the store takes writes")
	}
	r.at, r.err = r.now(), err
	return err
}

func (r *readiness) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if err := r.check(req.Context()); err != nil {
		w.Header().Set("Retry-After", "5")
		http.Error(w, "not ready: store unavailable", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}
