// Package postgres implements [store.Store] (commerce.Store, the stores of
// internal/idempotency and internal/apikey, and payment/sandbox's Vault)
// on PostgreSQL with github.com/jackc/pgx/v5/pgxpool.
//
// It is the store for agentshop deployments with more than one replica.
// cmd/agentshop opens it with [Open] (or [OpenSchema]); everything else sees
// only the owners' interfaces. Its behaviour is pinned by
// internal/store/storetest, which the SQLite store runs too. It must not
// import any agentshop package but commerce, store and the owners of the
// interfaces it implements (idempotency, apikey, payment/sandbox).
//
// # Transactions and locking
//
// [DB.InTx] runs at READ COMMITTED, PostgreSQL's default. What needs more is
// locked explicitly: [DB.LockSession] is SELECT … FOR UPDATE, which holds
// the session row until the transaction ends, so two completes of one
// session run one after the other, each seeing what the other committed;
// [DB.LockOrder] does the same for an order's changes (shipping,
// delivery). Stock changes are single UPDATEs guarded by the table's CHECK
// (quantity >= 0), which PostgreSQL evaluates on the latest row version
// when the UPDATE had to wait for a concurrent writer. One active payment
// attempt per session is a partial unique index.
//
// A transaction is sparing with round trips, which cost the server more CPU
// than the statements themselves. BEGIN goes out in one batch with the
// first statement. CreateSession, UpdateSession, AdjustStock, UpdatePayment,
// CreateOrder, UpdateOrder, CreateVaultToken, FinishIdempotencyKey and
// CreateEvent are queued and go out, in order, in the batch of the next
// statement or of COMMIT, so a transaction that locks a session, updates
// it and stores the idempotent response makes two round trips, not five.
// Their statements raise an error on the server for every failure, a
// missing row (must_affect, migration 0002), a duplicate key or stock
// below zero included, so that one failing in the commit batch makes
// PostgreSQL skip the COMMIT. A queued stock UPDATE also keeps a popular
// item's row locked for the commit batch only, instead of for the rest of
// the transaction's round trips. The error is reported late, by the call
// that sent the write or by InTx, as the [commerce.Store] contract allows.
// Everything else is sent at once: callers act on its errors.
//
// # Storage
//
// Sessions, orders, payments and vault tokens are stored as JSONB in a data
// column, next to the columns that constraints and queries need. Times are
// timestamptz (NULL for the zero time): they come back in UTC, truncated to
// the microsecond. The stored columns win over the JSON copy on read.
//
// # Migrations
//
// The embedded migrations/NNNN_name.sql files are applied by [Open] in name
// order, each in one transaction, and recorded in schema_migrations. A
// session-level advisory lock keyed by the schema name is held throughout,
// so replicas starting together apply each migration once, one after the
// other. Everything lives in the first schema of the search_path, which
// [OpenSchema] sets (tests use a fresh schema per test).
package postgres
