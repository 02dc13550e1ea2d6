package commerce

import (
	"context"
	"time"
)

// Store is agentshop's persistence port, implemented by internal/store/sqlite
// and internal/store/postgres and checked by internal/store/storetest.
//
// Methods of the embedded [Executor] run in their own implicit transaction
// when called on the Store, and inside fn's transaction when called on the
// Executor that [Store.InTx] passes.
//
// Inside a transaction, CreateSession, UpdateSession, AdjustStock,
// UpdatePayment, CreateOrder, UpdateOrder and CreateEvent (and a store's
// other queued writes, such as internal/idempotency's FinishIdempotencyKey
// and payment/sandbox's CreateVaultToken) may report their errors (ErrNotFound,
// ErrConflict, ErrInsufficientStock, any other) late: a store may queue
// these writes and send them with the transaction's next statement or with
// its commit, as the PostgreSQL store does to save round trips. The error
// then comes back from that later call on tx (naming the write that
// failed, not that call) or from InTx, and the transaction is rolled back.
// A nil error from one of these inside fn therefore does not mean the
// write succeeded, and fn cannot branch on their errors; later reads and
// writes on tx do see the write. A caller that acts on a late error (as
// Complete does on ErrInsufficientStock) checks InTx's error for it. Writes
// whose errors callers act on inside fn (CreatePayment's ErrConflict)
// report them at once.
//
// A store's transactions may also implement other packages' interfaces
// over the same database (internal/idempotency's Executor, apikey's
// Store, payment/sandbox's Vault): a caller's [TxHooks] and a
// [StoreCharger]'s commit reach them through the Executor they are given.
type Store interface {
	Executor
	// InTx runs fn in one read-write transaction, committing when fn returns
	// nil and rolling back otherwise (also on context cancellation). Sessions
	// read with LockSession stay locked against other transactions until it
	// ends. InTx may be called concurrently from many goroutines. fn must
	// query through tx only: on SQLite a write through the Store itself would
	// wait for the connection fn's transaction holds.
	//
	// Every method returns ErrUnavailable (wrapped) when the database is busy
	// or unreachable, so callers can answer "retry" rather than "bug".
	InTx(ctx context.Context, fn func(tx Executor) error) error
	// Ping reports whether the database is reachable and migrated.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// Executor holds every query. See [Store] for transaction semantics,
// including the writes whose errors may be reported late inside one.
type Executor interface {
	// CreateSession inserts s. ErrConflict if the id exists.
	CreateSession(ctx context.Context, s *Session) error
	// GetSession returns the session with id, or ErrNotFound.
	GetSession(ctx context.Context, id string) (*Session, error)
	// LockSession is GetSession that also locks the row until the
	// transaction ends (SELECT … FOR UPDATE; SQLite serializes writers).
	LockSession(ctx context.Context, id string) (*Session, error)
	// LockSessionPayments is LockSession, then ListPayments of the locked
	// session: its attempts as they are once the lock is held. The
	// PostgreSQL store sends both in one round trip.
	LockSessionPayments(ctx context.Context, id string) (*Session, []*Payment, error)
	// UpdateSession replaces the stored session with s.ID. ErrNotFound if
	// it does not exist.
	UpdateSession(ctx context.Context, s *Session) error

	// SeedStock sets the stock of each item not yet known to the store and
	// leaves existing counts untouched.
	SeedStock(ctx context.Context, stock map[string]int64) error
	// StockLevels returns the stock of the given items; unknown items are
	// absent from the map.
	StockLevels(ctx context.Context, itemIDs []string) (map[string]int64, error)
	// AdjustStock adds delta (negative to decrement) to an item's stock.
	// ErrInsufficientStock if the result would be negative (nothing
	// changes); ErrNotFound if the item has no stock row. Inside a
	// transaction either may come late (see [Store]), failing the
	// transaction.
	AdjustStock(ctx context.Context, itemID string, delta int64) error

	// CreatePayment inserts p. ErrConflict if p's session already has an
	// active (pending or succeeded) attempt or the attempt number is taken.
	CreatePayment(ctx context.Context, p *Payment) error
	// UpdatePayment replaces the stored payment with p.ID; ErrNotFound.
	UpdatePayment(ctx context.Context, p *Payment) error
	// GetPayment returns the payment with id, or ErrNotFound.
	GetPayment(ctx context.Context, id string) (*Payment, error)
	// ListPayments returns a session's attempts in attempt order.
	ListPayments(ctx context.Context, sessionID string) ([]*Payment, error)

	// CreateOrder inserts o. ErrConflict if the id exists or the session
	// already has an order.
	CreateOrder(ctx context.Context, o *Order) error
	// GetOrder returns the order with id, or ErrNotFound.
	GetOrder(ctx context.Context, id string) (*Order, error)
	// LockOrder is GetOrder that also locks the row until the transaction
	// ends (SELECT … FOR UPDATE; SQLite serializes writers).
	LockOrder(ctx context.Context, id string) (*Order, error)
	// UpdateOrder replaces the stored order with o.ID (its data, status
	// and UpdatedAt). ErrNotFound if it does not exist. Inside a
	// transaction the error may come late (see [Store]).
	UpdateOrder(ctx context.Context, o *Order) error
	// ListOrders returns orders newest first, at most limit.
	ListOrders(ctx context.Context, limit int) ([]*Order, error)
	// FindOrders returns the orders matching f, newest first (CreatedAt,
	// then ID, both descending), at most f.Limit: one page of a listing
	// that f.StartingAfter continues.
	FindOrders(ctx context.Context, f OrderFilter) ([]*Order, error)

	// CreateEvent puts e in the outbox. ErrConflict if the id exists.
	// Inside a transaction the error may come late (see [Store]).
	CreateEvent(ctx context.Context, e *Event) error
	// ClaimEvents takes up to limit pending events due at now
	// (NextAttemptAt <= now), oldest due first, and at most one per order:
	// an order's event waits while an earlier event of the same order
	// (by CreatedAt, then ID) is pending, so an endpoint sees an order's
	// events in order. Each claimed event gets Attempts+1 and NextAttemptAt
	// = now+lease, in the store and in the returned copy: no other claim,
	// in this process or another replica, takes it until the lease ends.
	ClaimEvents(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*Event, error)
	// FinishEventAttempt stores the outcome of the attempt e.Attempts of a
	// claimed event: its Status, NextAttemptAt, LastError and DeliveredAt.
	// ErrConflict when the event has been claimed again since (its lease
	// ran out: a later attempt owns it now) or is no longer pending;
	// ErrNotFound if it does not exist.
	FinishEventAttempt(ctx context.Context, e *Event) error
	// ListEvents returns the events matching f, oldest first (CreatedAt,
	// then ID).
	ListEvents(ctx context.Context, f EventFilter) ([]*Event, error)
	// RequeueEvent puts a dead event back in the queue: pending, due at
	// now, with no attempts counted (a full MaxAttempts again) and no last
	// error. ErrNotFound if it does not exist; ErrConflict unless it is
	// dead.
	RequeueEvent(ctx context.Context, id string, now time.Time) error
	// DeleteDeliveredEvents removes events delivered before before and
	// returns how many. Pending and dead events are kept.
	DeleteDeliveredEvents(ctx context.Context, before time.Time) (int64, error)
	// DeleteAbandonedSessions removes up to limit sessions that expired
	// strictly before before and never became orders: no order and no
	// payment attempt, so nothing that touched money. The idempotency
	// records whose scope names a removed session go with it, in the same
	// transaction. It returns how many sessions it removed; the oldest go
	// first, so a caller repeats it until it returns less than limit.
	DeleteAbandonedSessions(ctx context.Context, before time.Time, limit int) (int64, error)
}

// OrderFilter selects orders for [Executor.FindOrders]. Zero fields match
// everything.
type OrderFilter struct {
	Status OrderStatus
	// Mode selects test or live orders ([Order.Mode]).
	Mode Mode
	// CreatedFrom and CreatedTo bound CreatedAt: from inclusive, to
	// exclusive; a zero time leaves that side open.
	CreatedFrom, CreatedTo time.Time
	// StartingAfter is the id of an order of an earlier page: only orders
	// listed after it (older, or as old with a smaller id) match. An id
	// that names no order matches nothing.
	StartingAfter string
	// Limit is the most orders returned; 0 means 100.
	Limit int
}

// EventFilter selects outbox events for [Executor.ListEvents]. Zero fields
// match everything; Limit 0 means 100.
type EventFilter struct {
	OrderID string
	Status  EventStatus
	Limit   int
}
