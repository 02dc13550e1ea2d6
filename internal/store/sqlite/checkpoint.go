package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"time"
)

// Variables so that tests can shrink them.
var (
	// checkpointInterval is how often the checkpointer runs a PASSIVE
	// checkpoint.
	checkpointInterval = 200 * time.Millisecond
	// walMaxFrames bounds the WAL: when a PASSIVE checkpoint finds more
	// frames than this in it (256 MiB at the default 4 KiB page), the
	// writer runs a RESTART checkpoint between two batches. Each RESTART
	// pauses the writer, so fewer of them make a shorter latency tail:
	// 256 MiB against 64 MiB gave a lower create p99 at 16 agents in each
	// of six alternating runs (BENCHMARKS.md).
	walMaxFrames int64 = 65536
)

// checkpointer copies WAL frames back into the database file from a
// connection of its own, so that commits never run a checkpoint (the write
// connection has wal_autocheckpoint=0).
type checkpointer struct {
	file    *os.File // the database file
	pool    *sql.DB
	passive *sql.Stmt
	w       *writer
	// every and maxFrames are checkpointInterval and walMaxFrames at start.
	every     time.Duration
	maxFrames int64
	cancel    context.CancelFunc
	stopped   chan struct{}
}

// newCheckpointer starts checkpointing with pool, which it closes when it
// stops; file is the database file, which it only fsyncs.
func newCheckpointer(ctx context.Context, pool *sql.DB, w *writer, file *os.File) (*checkpointer, error) {
	passive, err := pool.PrepareContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{file: file, pool: pool, passive: passive, w: w, every: checkpointInterval, maxFrames: walMaxFrames, cancel: cancel, stopped: make(chan struct{})}
	go c.run(ctx)
	return c, nil
}

func (c *checkpointer) run(ctx context.Context) {
	defer close(c.stopped)
	t := time.NewTicker(c.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// PASSIVE never waits: it copies what no reader still needs and
		// leaves the rest for the next round.
		var busy, log, done int64
		err := c.passive.QueryRowContext(ctx).Scan(&busy, &log, &done)
		if err != nil {
			continue // the next tick retries; the bound below still holds
		}
		if log > c.maxFrames {
			// Under steady load the writer never finds the WAL fully
			// checkpointed at the start of a transaction, so it never
			// rewinds it: the log only grows. A RESTART checkpoint run by
			// the writer itself (so that the writer cannot starve it) makes
			// the next transaction start the log from its beginning.
			//
			// The RESTART ends with an fsync of the database file, which
			// would flush every page the PASSIVE checkpoints copied since
			// the last one while the writer waits: 5–25 ms. Flushing them
			// here first, while the writer goes on, and copying what was
			// committed meanwhile leaves the RESTART a few pages: 1–2 ms.
			// SQLite's own fsync still makes the checkpoint durable; this
			// one only moves the work off the writer.
			_ = c.file.Sync()
			_ = c.passive.QueryRowContext(ctx).Scan(&busy, &log, &done)
			c.w.restart.Store(true)
		}
	}
}

// close stops the goroutine and closes its connection.
func (c *checkpointer) close() error {
	c.cancel()
	<-c.stopped
	return errors.Join(c.passive.Close(), c.pool.Close())
}
