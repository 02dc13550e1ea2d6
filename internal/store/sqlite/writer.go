package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// maxBatch is the most transactions the writer commits together.
const maxBatch = 64

// errClosed answers transactions started after [DB.Close].
var errClosed = errors.New("sqlite: database is closed")

// A job is one [DB.InTx] call (or one write outside a transaction) waiting
// for the writer.
type job struct {
	ctx   context.Context
	fn    func(tx *sql.Tx) error
	state atomic.Int32 // jobQueued, then jobRunning (writer) or jobAbandoned (caller)
	done  chan error   // buffered; receives the job's one answer
}

const (
	jobQueued int32 = iota
	jobRunning
	jobAbandoned
)

// writer is the goroutine that owns the write connection and commits the
// queued jobs in groups; see the package doc.
type writer struct {
	pool  *sql.DB // the write pool (one connection)
	stmts stmts   // its prepared statements

	mu     sync.Mutex
	cond   sync.Cond // signalled when queue grows or closed is set
	queue  []*job
	closed bool

	// restart asks the writer to run PRAGMA wal_checkpoint(RESTART)
	// between two batches; set by the checkpointer when the WAL is over
	// walMaxFrames.
	restart atomic.Bool
	// stopped is closed when the writer has answered every job and exited.
	stopped chan struct{}
	// What the writer has done, for [DB.WriterStats]: committed batches
	// and the jobs they held, and nanoseconds spent running batches and,
	// of those, in COMMIT.
	batches, jobs, busy, commit atomic.Int64
}

// WriterStats is what the single writer goroutine has done since [Open].
// Busy over wall-clock time is its utilization: near 1, every write
// transaction queues behind the ones before it.
type WriterStats struct {
	// Batches is the transactions committed, each holding one or more
	// jobs ([DB.InTx] calls and single writes): a group commit.
	Batches int64
	// Jobs is the jobs those batches committed.
	Jobs int64
	// Busy is the time spent running batches, from BEGIN to the end of
	// COMMIT, and checkpointing between them.
	Busy time.Duration
	// Commit is the part of Busy spent in COMMIT: writing the WAL frames
	// and its fsync.
	Commit time.Duration
}

// WriterStats reports what the writer has done since the database was
// opened.
func (db *DB) WriterStats() WriterStats {
	w := db.w
	return WriterStats{Batches: w.batches.Load(), Jobs: w.jobs.Load(),
		Busy: time.Duration(w.busy.Load()), Commit: time.Duration(w.commit.Load())}
}

// The statements the writer runs around each job and between batches.
var (
	qSavepoint  = writeQuery(`SAVEPOINT j`)
	qRelease    = writeQuery(`RELEASE j`)
	qRollbackTo = writeQuery(`ROLLBACK TO j`)
	qRestartWAL = writeQuery(`PRAGMA wal_checkpoint(RESTART)`)
)

func newWriter(pool *sql.DB, ss stmts) *writer {
	w := &writer{pool: pool, stmts: ss, stopped: make(chan struct{})}
	w.cond.L = &w.mu
	go w.run()
	return w
}

// inTx queues fn and waits for its answer. It returns ctx.Err() at once
// when ctx ends before the writer has started fn; once fn has started, it
// waits for the batch, so a nil error always means committed and an error
// always means rolled back (or, for a failed COMMIT, never committed).
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	j := &job{ctx: ctx, fn: fn, done: make(chan error, 1)}
	w := db.w
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return errClosed
	}
	w.queue = append(w.queue, j)
	w.mu.Unlock()
	w.cond.Signal()

	select {
	case err := <-j.done:
		return err
	case <-ctx.Done():
		if j.state.CompareAndSwap(jobQueued, jobAbandoned) {
			return ctx.Err()
		}
		return <-j.done
	}
}

// close stops taking jobs, waits until the queued ones are answered and
// the goroutine has exited.
func (w *writer) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.cond.Broadcast()
	<-w.stopped
}

func (w *writer) run() {
	defer close(w.stopped)
	var batch []*job
	for {
		w.mu.Lock()
		for len(w.queue) == 0 && !w.closed {
			w.cond.Wait()
		}
		if len(w.queue) == 0 {
			w.mu.Unlock()
			return
		}
		n := min(len(w.queue), maxBatch)
		batch = append(batch[:0], w.queue[:n]...)
		rest := copy(w.queue, w.queue[n:])
		clear(w.queue[rest:])
		w.queue = w.queue[:rest]
		w.mu.Unlock()

		start := time.Now()
		if w.restart.Swap(false) {
			w.restartWAL()
		}
		for len(batch) > 0 {
			batch = w.runBatch(batch)
		}
		w.busy.Add(int64(time.Since(start)))
		clear(batch[:cap(batch)])
	}
}

// restartWAL checkpoints the whole WAL between two batches, so that the
// next transaction writes it from the start again. It waits (busy_timeout)
// for readers still using old WAL frames. When it cannot finish (the
// checkpointer is running a PASSIVE checkpoint, or a reader stays), it asks
// to be run again before the next batch.
//
// RESTART rather than TRUNCATE: the file keeps its size and is
// overwritten, where truncating it and growing it again costs the writer
// two to three times as long (35-55 ms against 10-20 ms per 64 MiB, as
// measured at 16 agents).
func (w *writer) restartWAL() {
	var busy, log, done int64
	err := w.stmts[qRestartWAL.id].QueryRowContext(context.Background()).Scan(&busy, &log, &done)
	if err != nil || busy != 0 {
		w.restart.Store(true)
	}
}

// runBatch runs the jobs in one transaction, each inside its own
// savepoint, and commits once. It answers every job it takes; when the
// transaction breaks before the end, it returns the jobs it has not taken
// yet, for a new transaction.
func (w *writer) runBatch(batch []*job) (rest []*job) {
	bg := context.Background()
	c, err := w.pool.Conn(bg)
	if err == nil {
		defer c.Close()
	}
	var tx *sql.Tx
	if err == nil {
		tx, err = c.BeginTx(bg, nil) // BEGIN IMMEDIATE (_txlock)
	}
	if err != nil {
		err = fmt.Errorf("sqlite: begin: %w", translate(err))
		for _, j := range batch {
			answer(j, err)
		}
		return nil
	}
	r := runner{tx: tx, stmts: w.stmts}
	// fail rolls back and answers the jobs whose effects it undoes.
	fail := func(ok []*job, err error) {
		_ = tx.Rollback()
		for _, j := range ok {
			j.done <- err
		}
	}
	var ok []*job // ran without error, released into the transaction
	ran := false  // some job ran in tx
	for i := 0; ; i++ {
		if i == len(batch) {
			// Jobs queued while this batch ran join it: they would
			// otherwise wait for its COMMIT and then for a whole batch of
			// their own.
			if batch = w.more(batch); i == len(batch) {
				break
			}
		}
		j := batch[i]
		if !j.state.CompareAndSwap(jobQueued, jobRunning) {
			continue // the caller gave up waiting
		}
		if err := j.ctx.Err(); err != nil {
			j.done <- err
			continue
		}
		if _, err := r.exec(bg, qSavepoint); err != nil {
			err = fmt.Errorf("sqlite: savepoint: %w", translate(err))
			fail(ok, err)
			if ran {
				// Give j another try in a fresh transaction.
				j.state.Store(jobQueued)
				return batch[i:]
			}
			j.done <- err
			return batch[i+1:]
		}
		ran = true
		ferr := runJob(j, tx)
		if ferr == nil {
			// Canceled while running: roll back, as InTx promises.
			ferr = j.ctx.Err()
		}
		if ferr != nil {
			_, err := r.exec(bg, qRollbackTo)
			if err == nil {
				_, err = r.exec(bg, qRelease)
			}
			j.done <- ferr
			if err != nil {
				// SQLite has rolled the whole transaction back (an I/O
				// error, a full disk, an interrupt): the savepoint is gone.
				fail(ok, fmt.Errorf("sqlite: transaction rolled back: %w", translate(err)))
				return batch[i+1:]
			}
			continue
		}
		if _, err := r.exec(bg, qRelease); err != nil {
			err = fmt.Errorf("sqlite: release: %w", translate(err))
			j.done <- err
			fail(ok, err)
			return batch[i+1:]
		}
		ok = append(ok, j)
	}
	if len(ok) == 0 {
		_ = tx.Rollback()
		return nil
	}
	commitStart := time.Now()
	err = tx.Commit()
	w.commit.Add(int64(time.Since(commitStart)))
	if err != nil {
		// A failed COMMIT can leave SQLite's transaction open; end it so
		// the connection starts the next batch clean.
		_, _ = c.ExecContext(bg, "ROLLBACK")
		err = fmt.Errorf("sqlite: commit: %w", translate(err))
		for _, j := range ok {
			j.done <- err
		}
		return nil
	}
	w.batches.Add(1)
	w.jobs.Add(int64(len(ok)))
	for _, j := range ok {
		j.done <- nil
	}
	return nil
}

// more appends to batch the jobs queued meanwhile, up to maxBatch in all.
func (w *writer) more(batch []*job) []*job {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := min(len(w.queue), maxBatch-len(batch))
	if n <= 0 {
		return batch
	}
	batch = append(batch, w.queue[:n]...)
	rest := copy(w.queue, w.queue[n:])
	clear(w.queue[rest:])
	w.queue = w.queue[:rest]
	return batch
}

// answer answers j with err unless its caller has given up.
func answer(j *job, err error) {
	if j.state.CompareAndSwap(jobQueued, jobRunning) {
		j.done <- err
	}
}

// runJob runs j's fn, turning a panic into an error.
func runJob(j *job, tx *sql.Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = fmt.Errorf("sqlite: panic in transaction: %w\n%s", e, debug.Stack())
			} else {
				err = fmt.Errorf("sqlite: panic in transaction: %v\n%s", r, debug.Stack())
			}
		}
	}()
	return j.fn(tx)
}
