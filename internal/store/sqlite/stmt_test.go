package sqlite_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	msqlite "modernc.org/sqlite"

	"agentshop/internal/store/sqlite"
)

// countingDriver is modernc.org/sqlite's driver, counting what parses SQL:
// prepared statements (and their closes) and statements run without one.
type countingDriver struct {
	prepares, closes, direct atomic.Int64
}

// sqliteConn is what database/sql uses of a modernc.org/sqlite connection.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type sqliteStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

type countingConn struct {
	sqliteConn
	d *countingDriver
}

type countingStmt struct {
	sqliteStmt
	d *countingDriver
}

func (d *countingDriver) Open(name string) (driver.Conn, error) {
	c, err := (&msqlite.Driver{}).Open(name)
	if err != nil {
		return nil, err
	}
	return &countingConn{c.(sqliteConn), d}, nil
}

func (c *countingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	s, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.d.prepares.Add(1)
	return &countingStmt{s.(sqliteStmt), c.d}, nil
}

func (c *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	c.d.direct.Add(1)
	return c.sqliteConn.ExecContext(ctx, query, args)
}

func (c *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	c.d.direct.Add(1)
	return c.sqliteConn.QueryContext(ctx, query, args)
}

func (s *countingStmt) Close() error {
	s.d.closes.Add(1)
	return s.sqliteStmt.Close()
}

var (
	counting     = &countingDriver{}
	registerOnce sync.Once
)

// Once a database is open, flows and reads prepare no statement and run
// none unprepared: each query was prepared once per connection at Open (or
// at its first use on another read connection). Close finalizes every
// prepared statement.
func TestStatementsPreparedOnce(t *testing.T) {
	registerOnce.Do(func() { sql.Register("sqlite-counting", counting) })
	defer sqlite.UseDriver("sqlite-counting")()
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "agentshop.db"))
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			_ = db.Close()
		}
	}()
	f := newBenchFlowOn(t, db)
	reads := func(id string) {
		t.Helper()
		if _, err := f.svc.Get(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ListOrders(ctx, 5); err != nil {
			t.Fatal(err)
		}
	}
	id, err := f.runID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	reads(id)
	prepares, direct := counting.prepares.Load(), counting.direct.Load()
	t.Logf("after Open and one flow: %d statements prepared, %d run unprepared", prepares, direct)
	const n = 20
	for range n {
		id, err := f.runID(ctx)
		if err != nil {
			t.Fatal(err)
		}
		reads(id)
	}
	if p, d := counting.prepares.Load()-prepares, counting.direct.Load()-direct; p != 0 || d != 0 {
		t.Errorf("%d flows prepared %d statements and ran %d unprepared, want 0 and 0", n, p, d)
	}
	closed = true
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if p, c := counting.prepares.Load(), counting.closes.Load(); p != c {
		t.Errorf("after Close: %d statements prepared, %d closed", p, c)
	}
}
