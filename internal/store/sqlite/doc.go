// Package sqlite implements [store.Store] (commerce.Store, the stores of
// internal/idempotency and internal/apikey, and payment/sandbox's Vault)
// on an SQLite database file, using the pure-Go driver modernc.org/sqlite
// (no cgo).
//
// It is the default store of a single agentshop process. cmd/agentshop
// opens it with [Open]; everything else sees only the owners' interfaces.
// Its behaviour is pinned by internal/store/storetest, which the
// PostgreSQL store runs too. It must not import any agentshop package but
// commerce, store and the owners of the interfaces it implements
// (idempotency, apikey, payment/sandbox).
//
// # Concurrency
//
// SQLite allows one writer at a time. A transaction that starts as a reader
// (BEGIN DEFERRED) and later writes must upgrade its lock; if another
// connection is writing, SQLite cannot wait (that could deadlock) and fails
// the upgrade with SQLITE_BUSY at once, whatever busy_timeout says. Two
// pools avoid that:
//
//   - the write pool has exactly one connection, owned by one writer
//     goroutine: [DB.InTx] and every write made on the [DB] (as a
//     one-statement transaction) are jobs queued for it, and nothing else
//     uses the connection. Its transactions begin with BEGIN IMMEDIATE
//     (_txlock=immediate), which takes the write lock up front: a second
//     process on the same file (a `migrate` run, a backup tool) then makes
//     us wait up to busy_timeout rather than fail mid-transaction.
//   - the read pool has several connections opened with query_only. Reads
//     called on the [DB] outside a transaction use it; in WAL mode readers
//     see the last committed state and never block the writer or each other.
//
// # Group commit
//
// The writer takes every queued job (at most maxBatch) and runs them in one
// transaction; jobs queued while it runs them join it, until the queue is
// empty or the batch holds maxBatch. So a request that arrives mid-batch
// waits for that batch's COMMIT only, not for a batch of its own after it.
// The transaction is BEGIN IMMEDIATE, then for each job SAVEPOINT, fn, and RELEASE
// (or ROLLBACK TO and RELEASE when fn returns an error or panics, or its
// context ended meanwhile: that job gets its error, the others are not
// affected), then one COMMIT. A job's InTx returns nil only after that
// COMMIT succeeded; when it fails, every job of the batch gets the error and
// none of their effects remain. Jobs run one after another, so a transaction
// never sees another's uncommitted writes and [DB.LockSession] (like
// [DB.LockOrder]) is a plain read inside the transaction; a job does see
// the committed-in-batch effects of the jobs before it, exactly as if they
// had committed first.
//
// Cancellation: a job whose context ends while it is queued is answered
// with the context's error at once and never runs. Once fn runs, its
// statements run without the context's cancellation (SQLite rolls back the
// whole transaction, not one statement, when a write is interrupted, which
// would take the batch with it); they fail with the context's error instead
// once it has ended, and the job is rolled back to its savepoint when fn
// returns. If SQLite nevertheless ends the transaction under a job (an I/O
// error, a full disk), the jobs already run in it get the error and the
// rest run in a new transaction.
//
// Within [DB.InTx], reads and writes both use the transaction, so fn sees
// its own writes. fn must not call methods on the [DB] itself that write:
// they are jobs for the writer, which is busy running fn, so they would
// wait for themselves until their context ends.
//
// [DB.Close] refuses new jobs, waits for the queued ones, and stops the
// writer and the checkpointer.
//
// # Checkpoints
//
// Commits never checkpoint (wal_autocheckpoint=0 on the write connection),
// so the writer neither copies pages back into the database file nor waits
// for its fsyncs. A checkpointer goroutine runs PRAGMA
// wal_checkpoint(PASSIVE) every checkpointInterval from a connection of its
// own; PASSIVE never waits for readers or the writer. The WAL is rewound
// only by a writer that finds it fully checkpointed, which under steady
// load may never happen, so when a PASSIVE checkpoint finds the WAL longer
// than walMaxFrames pages (256 MiB at 4 KiB pages), the writer runs PRAGMA
// wal_checkpoint(RESTART) between two batches: it copies what the last
// PASSIVE left (what was written while it ran), waits (up to busy_timeout)
// for readers of older snapshots, and the next transaction writes the WAL
// from its start. Before asking for it, the checkpointer fsyncs the
// database file itself and runs one more PASSIVE, so the RESTART's own
// fsync has only a few pages left to flush: it pauses the writer for 1–2
// ms (5–25 ms without), once per walMaxFrames pages written (every few
// seconds at 16 agents). The WAL
// therefore holds at most walMaxFrames pages plus what is written in one
// checkpointInterval and one batch, unless a reader keeps a snapshot open
// for longer (none here does) or the RESTART cannot finish, in which case
// it is retried before the next batch. The file is overwritten, not
// truncated, so it stays at that size on disk while the database is open;
// SQLite deletes it when the last connection closes.
//
// # Durability
//
// The store runs synchronous=FULL: every commit fsyncs the WAL, so a
// committed transaction (an order, once the provider has charged) survives
// a power loss, not only a crash of the process. Group commit is what makes
// that affordable: one fsync serves a whole batch. Measured on the 2-core
// test machine at 16 concurrent agents, FULL costs 10–20 % of the flows/s
// of NORMAL (BENCHMARKS.md), which would lose the commits since the last
// checkpoint on a power loss.
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
