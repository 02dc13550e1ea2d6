package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// A query is one SQL statement of this package. [Open] prepares every query
// once on the write pool and each read query once on the read pool; runs
// reuse those statements instead of parsing the SQL again.
//
// With modernc.org/sqlite a prepared single statement keeps its compiled
// sqlite3_stmt and is reset, not finalized, after each run, so a run no
// longer calls sqlite3_prepare_v2. database/sql prepares a pool's statement
// on each connection the first time it runs there (the write pool has one
// connection, the read pool a few) and keeps it until the statement or the
// connection is closed. Inside a transaction, [sql.Tx.StmtContext] reuses
// the statement already prepared on the transaction's connection.
type query struct {
	id   int
	sql  string
	read bool // also prepared on the read pool
}

// queries lists every query, by id. Package variables fill it at init.
var queries []*query

func newQuery(read bool, sql string) *query {
	q := &query{id: len(queries), sql: sql, read: read}
	queries = append(queries, q)
	return q
}

// readQuery declares a query that runs on the read pool outside a
// transaction and on the write connection inside one.
func readQuery(sql string) *query { return newQuery(true, sql) }

// writeQuery declares a query that runs only on the write connection.
func writeQuery(sql string) *query { return newQuery(false, sql) }

// stmts holds a pool's prepared statements, indexed by query id; nil for a
// query not prepared on the pool.
type stmts []*sql.Stmt

// prepareAll prepares every query that belongs on pool (read ones only when
// readOnly). With skipFailed, a query that fails to prepare is left
// nil (a database at an older migration, for upgrade tests).
func prepareAll(ctx context.Context, pool *sql.DB, readOnly, skipFailed bool) (stmts, error) {
	ss := make(stmts, len(queries))
	for _, q := range queries {
		if readOnly && !q.read {
			continue
		}
		s, err := pool.PrepareContext(ctx, q.sql)
		if err != nil && skipFailed {
			continue
		}
		if err != nil {
			_ = ss.close()
			return nil, fmt.Errorf("prepare %q: %w", q.sql, translate(err))
		}
		ss[q.id] = s
	}
	return ss, nil
}

func (ss stmts) close() error {
	var errs []error
	for _, s := range ss {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	return errors.Join(errs...)
}

// runner runs queries with a pool's statements, inside tx when it is set
// (whose connection is the write pool's). With db set instead (writes
// outside a transaction), each exec is a job of db's writer.
type runner struct {
	tx    *sql.Tx
	stmts stmts
	db    *DB
}

// txContext is the context a statement inside a transaction runs with: ctx
// without its cancellation. The transaction is shared by a batch, and
// SQLite rolls the whole of it back when a write statement is interrupted,
// so a canceled caller must not interrupt one; the writer rolls back to the
// caller's savepoint instead when its fn returns.
func txContext(ctx context.Context) context.Context {
	return context.WithoutCancel(ctx)
}

func (r runner) stmt(ctx context.Context, q *query) *sql.Stmt {
	s := r.stmts[q.id]
	if r.tx != nil {
		// Closed by the transaction when it ends; the driver statement
		// stays prepared on the connection for the next transaction.
		return r.tx.StmtContext(ctx, s)
	}
	return s
}

func (r runner) exec(ctx context.Context, q *query, args ...any) (sql.Result, error) {
	if r.tx == nil && r.db != nil {
		var res sql.Result
		err := r.db.inTx(ctx, func(tx *sql.Tx) error {
			var err error
			res, err = runner{tx: tx, stmts: r.stmts}.exec(ctx, q, args...)
			return err
		})
		return res, err
	}
	if r.tx != nil {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ctx = txContext(ctx)
	}
	return r.stmt(ctx, q).ExecContext(ctx, args...)
}

func (r runner) query(ctx context.Context, q *query, args ...any) (*sql.Rows, error) {
	if r.tx != nil {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ctx = txContext(ctx)
	}
	return r.stmt(ctx, q).QueryContext(ctx, args...)
}

func (r runner) queryRow(ctx context.Context, q *query, args ...any) *sql.Row {
	if r.tx != nil {
		ctx = txContext(ctx)
	}
	return r.stmt(ctx, q).QueryRowContext(ctx, args...)
}
