package webhook

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"agentshop/internal/commerce"
	"agentshop/internal/fault"
)

// Store is what the worker needs of the outbox: claim due events, read
// the order an event names, and record a batch's attempts in one
// transaction (tx.FinishEventAttempt).
type Store interface {
	ClaimEvents(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*commerce.Event, error)
	GetOrder(ctx context.Context, id string) (*commerce.Order, error)
	InTx(ctx context.Context, fn func(tx commerce.Executor) error) error
}

// Encoder renders an order event as one ACP version's WebhookEvent body
// (acp20250929.Codec and acp20260417.Codec).
type Encoder interface {
	Version() string
	EncodeOrderEvent(typ commerce.EventType, o *commerce.Order) ([]byte, error)
}

// Config configures a [Worker]. Store, Encoder and at least one
// destination (URL or TestURL, each with its secret) are required.
type Config struct {
	// URL is the agent's endpoint for live orders (and orders placed
	// before orders had a mode), e.g.
	// https://agent.example/agentic_checkout/webhooks/order_events.
	URL string
	// Secret is the HMAC key shared with the agent.
	Secret string
	// TestURL is the endpoint for test orders ([commerce.Order.Mode]),
	// signed with TestSecret. A test order's events never go to URL: with
	// no TestURL they are dead-lettered, not sent.
	TestURL    string
	TestSecret string
	Store      Store
	Encoder    Encoder
	// Client sends the requests (default: a client with a 10 s timeout).
	// The worker uses a copy that follows no redirects, whatever the
	// client's CheckRedirect: a 3xx is a failed attempt (see [Worker]).
	Client *http.Client
	Logger *slog.Logger
	// Metrics, when set, counts attempts by outcome.
	Metrics *Metrics
	// Lease is how long a claimed event is reserved for the attempt in
	// flight; another worker (or this one after a crash) tries it again
	// only after it (default 1 min). Keep it well above the client's
	// timeout, or an attempt still waiting for its answer may be repeated.
	Lease time.Duration
	// Poll is how often the outbox is checked for due events when nothing
	// wakes the worker (default 1 s).
	Poll time.Duration
	// Batch is the most events claimed, and sent concurrently, at once
	// (default 8).
	Batch int
	// Gather is how long the worker waits, once woken, for more events to
	// join the batch (default 10 ms): under load a claim and a record then
	// serve several orders, instead of two store writes per order.
	Gather time.Duration
	// MaxAttempts is how many attempts an event gets before it is
	// dead-lettered (default 15: about 18 hours with the default backoff).
	MaxAttempts int
	// Backoff is the wait after failed attempt n (1, 2, …) before the next
	// (default: 5 s doubling to at most 2 h, ±20 % jitter). A larger
	// Retry-After from the endpoint wins.
	Backoff func(attempt int) time.Duration
	// Now returns the current time; tests replace it.
	Now func() time.Time
	// TestSignals, when set, tells a test what the worker did as it
	// happens. Nil outside tests.
	TestSignals *TestSignals
}

// Worker delivers order events from the outbox to their endpoint (the
// live one, or the test one for test orders), at least once each: an event is marked delivered only after a 2xx answer, and one
// whose attempt was cut short (a crash, a lost answer) is tried again when
// its lease ends. Redirects are not followed: a 3xx answer is a failed
// attempt, retried and in the end dead-lettered like a 5xx, with its
// Location in the error. Receivers deduplicate by the Request-Id header, which is
// the event's id. Several workers, in one process or in replicas sharing a
// PostgreSQL database, never send the same event at the same time: the
// store's claim leases it.
type Worker struct {
	cfg  Config
	wake chan struct{}
}

// New returns a Worker for cfg, with defaults filled in.
func New(cfg Config) (*Worker, error) {
	switch {
	case cfg.URL == "" && cfg.TestURL == "":
		return nil, errors.New("webhook: no endpoint URL")
	case cfg.URL != "" && cfg.Secret == "", cfg.TestURL != "" && cfg.TestSecret == "":
		return nil, errors.New("webhook: no signing secret")
	case cfg.Store == nil || cfg.Encoder == nil:
		return nil, errors.New("webhook: Store and Encoder are required")
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	// Never follow a redirect: Go's client would turn a 302 into a
	// body-less GET whose 200 marks the event delivered, and re-post the
	// signed body to whatever host a 307 names. The 3xx itself comes back
	// and is a failed attempt.
	c := *cfg.Client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	cfg.Client = &c
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Lease <= 0 {
		cfg.Lease = time.Minute
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 8
	}
	if cfg.Gather <= 0 {
		cfg.Gather = 10 * time.Millisecond
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 15
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Worker{cfg: cfg, wake: make(chan struct{}, 1)}, nil
}

// DefaultBackoff waits 5 s after the first failed attempt, doubling up to
// 2 h, with ±20 % jitter so that a recovering endpoint is not hit by every
// event at once.
func DefaultBackoff(attempt int) time.Duration {
	d := 5 * time.Second
	for i := 1; i < attempt && d < 2*time.Hour; i++ {
		d *= 2
	}
	d = min(d, 2*time.Hour)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// Wake asks the worker to look at the outbox now rather than at its next
// poll. It never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers due events until ctx ends. Attempts in flight when it ends
// are finished (their requests keep their own timeout), so that a clean
// shutdown does not leave events to wait out their lease.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(w.cfg.Poll)
	defer t.Stop()
	for {
		// Deliver until the outbox has nothing due, then wait. After a
		// partial batch, gather a moment before claiming again: the
		// next event of an order just delivered is due now, and more may
		// be on their way.
		for ctx.Err() == nil {
			n, err := w.DeliverDue(ctx)
			if err != nil {
				w.cfg.Logger.WarnContext(ctx, "webhook: claim events", "err", err)
				break
			}
			if n == 0 || n < w.cfg.Batch && !w.gather(ctx) {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
			if !w.gather(ctx) {
				return
			}
		case <-t.C:
		}
	}
}

// gather waits Gather for more events to join the next batch. It reports
// false when ctx ended first.
func (w *Worker) gather(ctx context.Context) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(w.cfg.Gather):
		return true
	}
}

// DeliverDue claims up to Batch due events, sends them concurrently and
// records their outcomes in one transaction. It returns how many it
// claimed.
func (w *Worker) DeliverDue(ctx context.Context) (int, error) {
	events, err := w.cfg.Store.ClaimEvents(ctx, w.cfg.Now(), w.cfg.Lease, w.cfg.Batch)
	if err != nil {
		return 0, err
	}
	if len(events) == 0 {
		return 0, nil
	}
	// An attempt, once claimed, is finished even if ctx ends meanwhile.
	ctx = context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	for _, e := range events {
		wg.Go(func() { w.attempt(ctx, e) })
	}
	wg.Wait()
	var stale []*commerce.Event
	err = w.cfg.Store.InTx(ctx, func(tx commerce.Executor) error {
		stale = stale[:0]
		for _, e := range events {
			err := tx.FinishEventAttempt(ctx, e)
			if errors.Is(err, commerce.ErrConflict) {
				// The lease ran out mid-attempt and a later attempt
				// owns the event; it records the outcome.
				stale = append(stale, e)
				continue
			}
			if err != nil {
				return fmt.Errorf("event %s: %w", e.ID, err)
			}
		}
		return nil
	})
	for _, e := range stale {
		w.cfg.Logger.WarnContext(ctx, "webhook: attempt outlived its lease; a later attempt owns the event", "event", e.ID, "attempt", e.Attempts)
	}
	if err != nil {
		// Not recorded: the events are tried again when their lease ends.
		w.cfg.Logger.ErrorContext(ctx, "webhook: record attempts", "events", len(events), "err", err)
		return len(events), nil
	}
	recorded := make([]*commerce.Event, 0, len(events))
	for _, e := range events {
		if !slices.Contains(stale, e) {
			recorded = append(recorded, e)
		}
	}
	for _, e := range recorded {
		// After the commit, so that a reader of the log (the process
		// tests, an operator) finds the outbox already saying so.
		w.cfg.Logger.DebugContext(ctx, "webhook: attempt recorded", "event", e.ID, "status", string(e.Status), "attempt", e.Attempts)
	}
	w.cfg.TestSignals.recorded(recorded)
	return len(events), nil
}

// attempt sends one claimed event and sets its outcome on e, for
// DeliverDue to record.
func (w *Worker) attempt(ctx context.Context, e *commerce.Event) {
	log := w.cfg.Logger.With("event", e.ID, "type", string(e.Type), "order", e.OrderID, "attempt", e.Attempts)
	status, retryAfter, err := w.send(ctx, e)
	now := w.cfg.Now()
	outcome := "delivered"
	switch {
	case err == nil:
		fault.Point("webhook_after_send")
		e.Status = commerce.EventDelivered
		e.DeliveredAt = &now
		e.LastError = ""
	case errors.Is(err, errPermanent) || e.Attempts >= w.cfg.MaxAttempts:
		outcome = "dead"
		e.Status = commerce.EventDead
		e.LastError = printable(err.Error(), maxLastError)
		log.ErrorContext(ctx, "webhook: event dead-lettered; it will not be sent again", "status", status, "err", err)
	default:
		outcome = "retry"
		e.LastError = printable(err.Error(), maxLastError)
		e.NextAttemptAt = now.Add(max(w.cfg.Backoff(e.Attempts), retryAfter))
		log.WarnContext(ctx, "webhook: attempt failed; will retry", "status", status, "err", err, "next_attempt_at", e.NextAttemptAt)
	}
	w.cfg.Metrics.observe(outcome)
}

// maxLastError is the most bytes of an attempt's error kept in the
// outbox; the endpoint's part of it is cut shorter still (see send).
const maxLastError = 1024

// errPermanent marks failures that no retry can fix.
var errPermanent = errors.New("permanent")

// send renders and POSTs e. It returns the endpoint's status (0 when there
// was no answer), the Retry-After it asked for, and nil only for a 2xx.
func (w *Worker) send(ctx context.Context, e *commerce.Event) (int, time.Duration, error) {
	o, err := w.cfg.Store.GetOrder(ctx, e.OrderID)
	if errors.Is(err, commerce.ErrNotFound) {
		return 0, 0, fmt.Errorf("%w: order %s does not exist", errPermanent, e.OrderID)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("read order: %w", err)
	}
	url, secret := w.cfg.URL, w.cfg.Secret
	if o.Mode == commerce.ModeTest {
		url, secret = w.cfg.TestURL, w.cfg.TestSecret
	}
	if url == "" {
		// Never the other mode's endpoint: a test order must not
		// reach the live agent, nor a live one the test agent.
		field := "url"
		if o.Mode == commerce.ModeTest {
			field = "test_url"
		}
		return 0, 0, fmt.Errorf("%w: order %s is a %s order and webhook.%s is not set", errPermanent, o.ID, cmp.Or(string(o.Mode), "live"), field)
	}
	body, err := w.cfg.Encoder.EncodeOrderEvent(e.Type, o)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: render: %v", errPermanent, err)
	}
	now := w.cfg.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %v", errPermanent, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, Sign(secret, now, body))
	req.Header.Set("Request-Id", e.ID)
	req.Header.Set("Timestamp", now.UTC().Format(time.RFC3339))
	req.Header.Set("API-Version", w.cfg.Encoder.Version())
	req.Header.Set("User-Agent", "agentshop-webhooks")
	resp, err := w.cfg.Client.Do(req)
	if err != nil {
		return 0, 0, fmt.Errorf("post: %w", err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	if resp.StatusCode/100 == 2 {
		return resp.StatusCode, 0, nil
	}
	ra := retryAfter(resp.Header.Get("Retry-After"), now)
	if resp.StatusCode/100 == 3 {
		return resp.StatusCode, ra, fmt.Errorf("endpoint answered %d (redirects are not followed) to Location %q: %s",
			resp.StatusCode, printable(resp.Header.Get("Location"), 200), printable(string(bytes.TrimSpace(snippet)), 512))
	}
	return resp.StatusCode, ra, fmt.Errorf("endpoint answered %d: %s", resp.StatusCode, printable(string(bytes.TrimSpace(snippet)), 512))
}

// printable makes text from the endpoint safe to log and to store as an
// event's last error: valid UTF-8 without control characters (a NUL
// cannot be stored in PostgreSQL text) and at most limit bytes, cut at a
// rune boundary and marked with "…".
func printable(s string, limit int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// retryAfter parses a Retry-After header (seconds or an HTTP date), capped
// at a day; 0 when absent or unusable.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return max(0, min(d, 24*time.Hour))
}
