package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"agentshop/internal/catalog"
	"agentshop/internal/commerce"
	"agentshop/internal/secretbox"
	"agentshop/internal/store"
	"agentshop/internal/store/postgres"
	"agentshop/internal/store/sqlite"
)

// ErrNoSchema is returned by [New] with [Options.Existing] when the
// database has no agentshop schema: a wrong --data or --database.
var ErrNoSchema = errors.New("no agentshop database")

// isPostgres reports whether cfg names a PostgreSQL database.
func isPostgres(cfg Config) bool {
	return strings.HasPrefix(cfg.Database, "postgres://") || strings.HasPrefix(cfg.Database, "postgresql://")
}

// OpenStore opens (creating and migrating it as needed) the configured
// store, with the master key when one is configured (see [New]). With
// existing, it first checks that the database already has agentshop's
// schema and returns an error wrapping [ErrNoSchema] if not.
func OpenStore(ctx context.Context, cfg Config, existing bool) (store.Store, error) {
	st, _, err := openStore(ctx, cfg, existing, slog.New(slog.DiscardHandler))
	return st, err
}

// openStore is OpenStore, logging to log, and returning the master key.
func openStore(ctx context.Context, cfg Config, existing bool, log *slog.Logger) (store.Store, masterKey, error) {
	if cfg.Database != "" && !isPostgres(cfg) {
		return nil, masterKey{}, fmt.Errorf("--database must be a postgres:// URL (leave it empty for SQLite in --data)")
	}
	if existing {
		if err := checkSchema(ctx, cfg); err != nil {
			return nil, masterKey{}, err
		}
	}
	if isPostgres(cfg) {
		return openSecrets(ctx, cfg, existing, log, func(box *secretbox.Box) (store.Store, error) {
			return postgres.Open(ctx, cfg.Database, postgres.WithSecrets(box))
		})
	}
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return nil, masterKey{}, fmt.Errorf("data directory: %w", err)
	}
	return openSecrets(ctx, cfg, existing, log, func(box *secretbox.Box) (store.Store, error) {
		return sqlite.Open(ctx, filepath.Join(cfg.Data, "agentshop.db"), sqlite.WithSecrets(box))
	})
}

// checkSchema returns an error wrapping [ErrNoSchema] unless the
// configured database holds agentshop's schema.
func checkSchema(ctx context.Context, cfg Config) error {
	if isPostgres(cfg) {
		ok, err := postgres.HasSchema(ctx, cfg.Database)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w in the PostgreSQL schema of --database (AGENTSHOP_DATABASE): 'agentshop serve' creates it on first start", ErrNoSchema)
		}
		return nil
	}
	path := filepath.Join(cfg.Data, "agentshop.db")
	ok, err := sqlite.HasSchema(ctx, path)
	if err != nil {
		return err
	}
	if !ok {
		abs, _ := filepath.Abs(path)
		return fmt.Errorf("%w at %s: point --data (AGENTSHOP_DATA) or --database at the one 'agentshop serve' uses; serve creates it on first start", ErrNoSchema, abs)
	}
	return nil
}

// storeKind names the store in the start-up log line.
func storeKind(cfg Config) string {
	if cfg.Database != "" {
		return "postgres"
	}
	return "sqlite:" + filepath.Join(cfg.Data, "agentshop.db")
}

// LoadCatalog returns the configured catalog, or the embedded demo shop.
func LoadCatalog(cfg Config) (*commerce.Catalog, error) {
	if cfg.Catalog == "" {
		return catalog.Demo(), nil
	}
	return catalog.LoadFile(cfg.Catalog)
}

// registerWriterMetrics exports what SQLite's single writer has done. The
// rate of agentshop_sqlite_writer_busy_seconds_total is its utilization:
// near 1, write latency is its queue (BENCHMARKS.md).
func registerWriterMetrics(reg prometheus.Registerer, db *sqlite.DB) {
	counter := func(name, help string, v func(sqlite.WriterStats) float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return v(db.WriterStats()) })
	}
	reg.MustRegister(
		counter("agentshop_sqlite_writer_batches_total", "Write transactions committed by the SQLite writer (group commits).",
			func(s sqlite.WriterStats) float64 { return float64(s.Batches) }),
		counter("agentshop_sqlite_writer_jobs_total", "Transactions and single writes committed in those batches.",
			func(s sqlite.WriterStats) float64 { return float64(s.Jobs) }),
		counter("agentshop_sqlite_writer_busy_seconds_total", "Time the SQLite writer spent running batches and checkpoint restarts.",
			func(s sqlite.WriterStats) float64 { return s.Busy.Seconds() }),
		counter("agentshop_sqlite_writer_commit_seconds_total", "Part of the busy time spent in COMMIT (WAL writes and fsync).",
			func(s sqlite.WriterStats) float64 { return s.Commit.Seconds() }),
	)
}
