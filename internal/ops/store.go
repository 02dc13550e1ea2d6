package ops

import (
	"context"
	"time"

	"agentshop/internal/commerce"
)

// Store is the gateway's persistence port, implemented by
// internal/store/sqlite and internal/store/postgres over the database
// that holds commerce.Store, and checked by internal/store/storetest.
// Errors are the commerce sentinels (ErrNotFound, ErrConflict,
// ErrUnavailable), wrapped.
//
// The transactions of commerce.Store.InTx implement [Executor] too: an
// audit row written through the Executor a commerce.TxHooks is given
// commits with the change it records.
type Store interface {
	Executor
	InTx(ctx context.Context, fn func(tx commerce.Executor) error) error
}

// Executor holds the gateway's queries, inside or outside a transaction.
type Executor interface {
	// CreateOpsAccount inserts a, its StripeKey sealed under the store's
	// master key (an error wrapping [ErrNoMasterKey] without one).
	// ErrConflict if the id or the name exists.
	CreateOpsAccount(ctx context.Context, a *Account) error
	// OpsAccount returns the account with id, its key opened, or
	// ErrNotFound.
	OpsAccount(ctx context.Context, id string) (*Account, error)
	// OpsAccountByName returns the account named name, or ErrNotFound.
	OpsAccountByName(ctx context.Context, name string) (*Account, error)
	// ListOpsAccounts returns every account, oldest first.
	ListOpsAccounts(ctx context.Context) ([]*Account, error)
	// DeleteOpsAccount removes the account with id and its servers (their
	// audit entries stay). ErrNotFound if no such id.
	DeleteOpsAccount(ctx context.Context, id string) error

	// CreateOpsServer inserts s. ErrConflict if the id or token hash
	// exists; ErrNotFound if its account does not.
	CreateOpsServer(ctx context.Context, s *Server) error
	// OpsServerByTokenHash returns the server whose URL token hashes to
	// hash, revoked or expired too, or ErrNotFound.
	OpsServerByTokenHash(ctx context.Context, hash string) (*Server, error)
	// ListOpsServers returns every server, oldest first.
	ListOpsServers(ctx context.Context) ([]*Server, error)
	// RevokeOpsServer marks the server revoked at at. ErrNotFound if no
	// such id.
	RevokeOpsServer(ctx context.Context, id string, at time.Time) error
	// DeleteExpiredOps removes the servers whose expiry is at or before
	// now and the confirmations that expired, and returns how many
	// servers it removed.
	DeleteExpiredOps(ctx context.Context, now time.Time) (int64, error)

	// CreateOpsConfirmation inserts c. ErrConflict if its id exists.
	CreateOpsConfirmation(ctx context.Context, c *Confirmation) error
	// OpsConfirmation returns the confirmation with id (the token's
	// hash), expired too, or ErrNotFound.
	OpsConfirmation(ctx context.Context, id string) (*Confirmation, error)

	// CreateOpsAudit inserts e. ErrConflict if its id exists. Inside a
	// transaction its error may come late (see commerce.Store).
	CreateOpsAudit(ctx context.Context, e *AuditEntry) error
	// ListOpsAudit returns the entries matching f, newest first.
	ListOpsAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, error)
}
