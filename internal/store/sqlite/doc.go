// Package sqlite implements [commerce.Store] on an SQLite database file,
// using the pure-Go driver modernc.org/sqlite (no cgo).
//
// It is the default store of a single agentshop process. cmd/agentshop
// opens it with [Open]; everything else sees only [commerce.Store]. Its
// behaviour is pinned by internal/store/storetest, which the PostgreSQL
// store runs too. It must not import any agentshop package but commerce.
//
// # Concurrency
//
// SQLite allows one writer at a time. A transaction that starts as a reader
// (BEGIN DEFERRED) and later writes must upgrade its lock; if another
// connection is writing, SQLite cannot wait (that could deadlock) and fails
// the upgrade with SQLITE_BUSY at once, whatever busy_timeout says. Two
// pools avoid that:
//
//   - the write pool has exactly one connection. [DB.InTx] and every write
//     made on the [DB] use it, so writers queue in Go (database/sql waits for
//     the connection, honouring the context) instead of racing in SQLite.
//     Its transactions begin with BEGIN IMMEDIATE (_txlock=immediate), which
//     takes the write lock up front: a second process on the same file (a
//     `migrate` run, a backup tool) then makes us wait up to busy_timeout
//     rather than fail mid-transaction. Because writers are serialized,
//     [DB.LockSession] is a plain read inside the transaction.
//   - the read pool has several connections opened with query_only. Reads
//     called on the [DB] outside a transaction use it; in WAL mode readers
//     see the last committed state and never block the writer or each other.
//
// Within [DB.InTx], reads and writes both use the transaction, so fn sees
// its own writes. fn must not call methods on the [DB] itself that write:
// the only write connection is busy with fn's transaction, and it would wait
// for itself.
//
// # Statements
//
// Every SQL statement is a package-level query, prepared by [Open] once on
// the write pool (and, for reads, once on the read pool) and reused by every
// call: modernc.org/sqlite keeps a prepared statement compiled and resets it
// after each run, so no call parses SQL again. Inside a transaction a call
// binds the pool's statement to the transaction with [database/sql.Tx.StmtContext],
// which reuses what is already prepared on the one write connection.
//
// # Storage
//
// Sessions, orders, payments and vault tokens are stored as JSON in a data
// column, next to the columns that constraints and queries need. Times are
// INTEGER microseconds since the Unix epoch (NULL for the zero time), so
// they come back in UTC truncated to the microsecond, like PostgreSQL's
// timestamptz. The stored columns win over the JSON copy on read.
//
// Migrations are the embedded migrations/NNNN_name.sql files, applied in
// name order by [Open], each in one transaction, and recorded in the
// schema_migrations table.
package sqlite
