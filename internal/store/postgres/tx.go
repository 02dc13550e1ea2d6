package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"agentshop/internal/commerce"
)

const (
	beginSQL    = `BEGIN ISOLATION LEVEL READ COMMITTED`
	commitSQL   = `COMMIT`
	rollbackSQL = `ROLLBACK`
)

// txConn is the [querier] of one [DB.InTx] transaction. It saves round
// trips in three ways:
//
//   - It acquires a connection and sends BEGIN only with the transaction's
//     first statement, in one batch: a transaction that runs no statement
//     costs nothing.
//   - Writes whose only result is their error (see [conn.writeLater]) are
//     queued rather than sent. The queue goes out in order, in the same
//     batch, ahead of the next statement that is not queued, so reads see
//     the queued writes; or ahead of COMMIT.
//   - COMMIT goes in the batch of whatever is still queued.
//
// A queued write reports its error when its result comes back, from
// whichever call sent it or from commit. Its statement raises an error on
// the server for every failure, a missing row included (must_affect), so
// that PostgreSQL skips the rest of the batch, COMMIT included. Such an
// error, or any failure of BEGIN, fails the transaction: every later call
// returns the same error, and InTx rolls back.
//
// A txConn is used by one goroutine, fn's.
type txConn struct {
	pool  *pgxpool.Pool
	c     *pgxpool.Conn // nil until the first statement is sent
	begun bool          // BEGIN has been sent (or its sending tried)
	queue []stmt        // writes not sent yet
	err   error         // a *txError once BEGIN or a queued write failed
}

var _ querier = (*txConn)(nil)

// stmt is a queued write, or a statement sent after another by send.
type stmt struct {
	op   string // names the operation in its error
	sql  string
	args []any
}

// txError is the error of a queued write or of BEGIN, returned by the call
// that sent it. [wrap] passes it through unchanged: it names the operation
// that failed, not the one that happened to send it.
type txError struct{ err error }

func (e *txError) Error() string { return e.err.Error() }
func (e *txError) Unwrap() error { return e.err }

// later queues a write; its args must not change until it is sent.
func (t *txConn) later(op, sql string, args []any) error {
	if t.err != nil {
		return t.err
	}
	t.queue = append(t.queue, stmt{op: op, sql: sql, args: args})
	return nil
}

// direct reports whether a statement can go out on its own: the
// transaction has begun and nothing is queued.
func (t *txConn) direct() bool {
	return t.begun && len(t.queue) == 0
}

func (t *txConn) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if t.err != nil {
		return pgconn.CommandTag{}, t.err
	}
	if t.direct() {
		return t.c.Exec(ctx, sql, args...)
	}
	br, err := t.send(ctx, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

func (t *txConn) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if t.err != nil {
		return nil, t.err
	}
	if t.direct() {
		return t.c.Query(ctx, sql, args...)
	}
	br, err := t.send(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

func (t *txConn) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if t.err == nil && t.direct() {
		return t.c.QueryRow(ctx, sql, args...)
	}
	rows, err := t.Query(ctx, sql, args...)
	return batchRow{rows: rows, err: err}
}

// acquire takes the transaction's connection from the pool.
func (t *txConn) acquire(ctx context.Context) error {
	if t.c != nil {
		return nil
	}
	c, err := t.pool.Acquire(ctx)
	if err != nil {
		return wrap("begin", err)
	}
	t.c = c
	return nil
}

// send sends, in one batch, BEGIN unless it was sent, the queued writes,
// sql and then the statements of more. It reads the results ahead of
// sql's and returns the batch positioned at sql's result; the caller reads
// that (and those of more) and closes the batch. An error is the failure of
// BEGIN or of a queued write; it fails the transaction.
func (t *txConn) send(ctx context.Context, sql string, args []any, more ...stmt) (pgx.BatchResults, error) {
	if err := t.acquire(ctx); err != nil {
		return nil, err
	}
	b := &pgx.Batch{}
	begin := !t.begun
	if begin {
		b.Queue(beginSQL)
	}
	queued := t.queue
	t.queue = nil
	for _, s := range queued {
		b.Queue(s.sql, s.args...)
	}
	b.Queue(sql, args...)
	for _, s := range more {
		b.Queue(s.sql, s.args...)
	}
	// From here on, whether BEGIN ran is the connection's to tell (end
	// looks at its transaction status); it is never sent again.
	t.begun = true
	br := t.c.SendBatch(ctx, b)
	fail := func(op string, err error) (pgx.BatchResults, error) {
		_ = br.Close()
		t.err = &txError{wrap(op, err)}
		return nil, t.err
	}
	if begin {
		if _, err := br.Exec(); err != nil {
			return fail("begin", err)
		}
	}
	for _, s := range queued {
		if _, err := br.Exec(); err != nil {
			return fail(s.op, err)
		}
	}
	return br, nil
}

// commit sends what is queued and COMMIT in one batch. A transaction that
// sent nothing and queued nothing has nothing to commit.
func (t *txConn) commit(ctx context.Context) error {
	if t.err != nil {
		return t.err
	}
	if !t.begun && len(t.queue) == 0 {
		return nil
	}
	// Acquiring first keeps its errors (the transaction surely did not
	// commit) apart from those of the batch.
	if err := t.acquire(ctx); err != nil {
		return err
	}
	br, err := t.send(ctx, commitSQL, nil)
	if err == nil {
		var tag pgconn.CommandTag
		tag, err = br.Exec()
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if err == nil && tag.String() == "ROLLBACK" {
			// A statement failed earlier and fn went on regardless.
			err = pgx.ErrTxCommitRollback
		}
		if err != nil {
			err = wrap("commit", err)
		}
	}
	return commitOutcome(err)
}

// commitOutcome marks an error of the commit batch after which the
// transaction may or may not have committed (the connection was lost or
// ctx ended after the batch went out) as unavailable. The server answering
// with an error, or the batch not being sent, leaves the outcome known: not
// committed.
func commitOutcome(err error) error {
	if err == nil || errors.Is(err, commerce.ErrUnavailable) || errors.Is(err, pgx.ErrTxCommitRollback) {
		return err
	}
	if _, ok := errors.AsType[*pgconn.PgError](err); ok {
		return err
	}
	if _, ok := errors.AsType[pgx.ErrPreprocessingBatch](err); ok || pgconn.SafeToRetry(err) {
		return err
	}
	return fmt.Errorf("postgres: commit: outcome unknown: %w: %w", commerce.ErrUnavailable, err)
}

// end rolls back whatever the transaction left open and returns its
// connection to the pool. It runs under context.WithoutCancel(ctx), so it
// also rolls back when ctx is what ended the transaction.
func (t *txConn) end(ctx context.Context) {
	if t.c == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	pc := t.c.Conn().PgConn()
	if !pc.IsClosed() && !pc.IsBusy() && pc.TxStatus() != 'I' {
		if _, err := t.c.Exec(ctx, rollbackSQL); err != nil {
			// Its state is unknown: it must not be reused.
			_ = t.c.Conn().Close(ctx)
		}
	}
	// Release destroys a connection that is closed, busy or still in a
	// transaction rather than pooling it.
	t.c.Release()
	t.c = nil
}

// batchRows are the rows of the last statement of a batch; they close the
// batch when they are done.
type batchRows struct {
	pgx.Rows
	br     pgx.BatchResults
	err    error // from closing br
	closed bool
}

func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

func (r *batchRows) Close() {
	if r.closed {
		return
	}
	r.closed = true
	r.Rows.Close()
	r.err = r.br.Close()
}

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

// batchRow is [pgx.Row] on rows from [txConn.Query], scanned like pgx's
// own QueryRow: no row is pgx.ErrNoRows, extra rows are ignored.
type batchRow struct {
	rows pgx.Rows
	err  error
}

func (r batchRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}
