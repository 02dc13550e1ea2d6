package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"agentshop/internal/ops"
)

// The operations gateway's rows (ops.Executor). Stripe keys are sealed
// (ops.SealStripeKey); tokens are kept as hashes by ops itself.

const (
	opsAccountColumns = `id, name, mode, stripe_key, base_url, created_at`
	opsServerColumns  = `id, account_id, name, token_hash, bearer_hash, filter, allow_live_writes, expires_at, revoked_at, created_at`
	opsAuditColumns   = `id, server_id, tool, args, outcome, error, duration_us, stripe_request_id, created_at`
)

var (
	qCreateOpsAccount = writeQuery(`INSERT INTO ops_accounts (` + opsAccountColumns + `) VALUES (?, ?, ?, ?, ?, ?)`)
	qOpsAccount       = readQuery(`SELECT ` + opsAccountColumns + ` FROM ops_accounts WHERE id = ?`)
	qOpsAccountByName = readQuery(`SELECT ` + opsAccountColumns + ` FROM ops_accounts WHERE name = ?`)
	qListOpsAccounts  = readQuery(`SELECT ` + opsAccountColumns + ` FROM ops_accounts ORDER BY created_at, id`)
	qDeleteOpsAccount = writeQuery(`DELETE FROM ops_accounts WHERE id = ?`)

	qCreateOpsServer      = writeQuery(`INSERT INTO ops_servers (` + opsServerColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	qOpsServerByTokenHash = readQuery(`SELECT ` + opsServerColumns + ` FROM ops_servers WHERE token_hash = ?`)
	qListOpsServers       = readQuery(`SELECT ` + opsServerColumns + ` FROM ops_servers ORDER BY created_at, id`)
	qRevokeOpsServer      = writeQuery(`UPDATE ops_servers SET revoked_at = ? WHERE id = ?`)
	qDeleteExpiredServers = writeQuery(`DELETE FROM ops_servers WHERE expires_at IS NOT NULL AND expires_at <= ?`)
	qDeleteExpiredConfirm = writeQuery(`DELETE FROM ops_confirmations WHERE expires_at <= ?`)

	qCreateOpsConfirmation = writeQuery(`INSERT INTO ops_confirmations (id, server_id, tool, fingerprint, summary, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	qOpsConfirmation       = readQuery(`SELECT id, server_id, tool, fingerprint, summary, expires_at, created_at FROM ops_confirmations WHERE id = ?`)

	qCreateOpsAudit = writeQuery(`INSERT INTO ops_audit (` + opsAuditColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	qListOpsAudit   = readQuery(`SELECT ` + opsAuditColumns + ` FROM ops_audit
		WHERE (? = '' OR server_id = ?) AND created_at >= ? ORDER BY created_at DESC, id DESC LIMIT ?`)
)

// CreateOpsAccount inserts a with its Stripe key sealed.
func (c conn) CreateOpsAccount(ctx context.Context, a *ops.Account) error {
	sealed, err := ops.SealStripeKey(c.db.box, a.ID, a.StripeKey)
	if err != nil {
		return wrap("create ops account", err)
	}
	_, err = c.writer().exec(ctx, qCreateOpsAccount, a.ID, a.Name, string(a.Mode), sealed, a.BaseURL, micros(a.CreatedAt))
	return wrap("create ops account", err)
}

// OpsAccount returns the account with id, or ErrNotFound.
func (c conn) OpsAccount(ctx context.Context, id string) (*ops.Account, error) {
	a, err := c.scanOpsAccount(c.reader().queryRow(ctx, qOpsAccount, id))
	return a, wrap("ops account", err)
}

// OpsAccountByName returns the account named name, or ErrNotFound.
func (c conn) OpsAccountByName(ctx context.Context, name string) (*ops.Account, error) {
	a, err := c.scanOpsAccount(c.reader().queryRow(ctx, qOpsAccountByName, name))
	return a, wrap("ops account by name", err)
}

// ListOpsAccounts returns every account, oldest first.
func (c conn) ListOpsAccounts(ctx context.Context) ([]*ops.Account, error) {
	rows, err := c.reader().query(ctx, qListOpsAccounts)
	if err != nil {
		return nil, wrap("list ops accounts", err)
	}
	defer rows.Close()
	out := []*ops.Account{}
	for rows.Next() {
		a, err := c.scanOpsAccount(rows)
		if err != nil {
			return nil, wrap("list ops accounts", err)
		}
		out = append(out, a)
	}
	return out, wrap("list ops accounts", rows.Err())
}

// DeleteOpsAccount removes the account and (ON DELETE CASCADE) its
// servers.
func (c conn) DeleteOpsAccount(ctx context.Context, id string) error {
	res, err := c.writer().exec(ctx, qDeleteOpsAccount, id)
	if err != nil {
		return wrap("delete ops account", err)
	}
	return mustAffect("delete ops account", id, res)
}

func (c conn) scanOpsAccount(row scanner) (*ops.Account, error) {
	var (
		a       = new(ops.Account)
		mode    string
		sealed  string
		created sql.NullInt64
	)
	if err := row.Scan(&a.ID, &a.Name, &mode, &sealed, &a.BaseURL, &created); err != nil {
		return nil, err
	}
	a.Mode, a.CreatedAt = ops.Mode(mode), timeOf(created)
	var err error
	if a.StripeKey, err = ops.OpenStripeKey(c.db.box, a.ID, sealed); err != nil {
		return nil, err
	}
	return a, nil
}

// CreateOpsServer inserts s.
func (c conn) CreateOpsServer(ctx context.Context, s *ops.Server) error {
	filter, err := json.Marshal(s.Filter)
	if err != nil {
		return wrap("create ops server", err)
	}
	_, err = c.writer().exec(ctx, qCreateOpsServer, s.ID, s.AccountID, s.Name, s.TokenHash, s.BearerHash, string(filter),
		s.AllowLiveWrites, microsPtr(s.ExpiresAt), microsPtr(s.RevokedAt), micros(s.CreatedAt))
	return wrap("create ops server", err)
}

// OpsServerByTokenHash returns the server with this token hash, or
// ErrNotFound.
func (c conn) OpsServerByTokenHash(ctx context.Context, hash string) (*ops.Server, error) {
	s, err := scanOpsServer(c.reader().queryRow(ctx, qOpsServerByTokenHash, hash))
	return s, wrap("ops server by token", err)
}

// ListOpsServers returns every server, oldest first.
func (c conn) ListOpsServers(ctx context.Context) ([]*ops.Server, error) {
	rows, err := c.reader().query(ctx, qListOpsServers)
	if err != nil {
		return nil, wrap("list ops servers", err)
	}
	defer rows.Close()
	out := []*ops.Server{}
	for rows.Next() {
		s, err := scanOpsServer(rows)
		if err != nil {
			return nil, wrap("list ops servers", err)
		}
		out = append(out, s)
	}
	return out, wrap("list ops servers", rows.Err())
}

// RevokeOpsServer marks the server revoked.
func (c conn) RevokeOpsServer(ctx context.Context, id string, at time.Time) error {
	res, err := c.writer().exec(ctx, qRevokeOpsServer, micros(at), id)
	if err != nil {
		return wrap("revoke ops server", err)
	}
	return mustAffect("revoke ops server", id, res)
}

// DeleteExpiredOps removes expired servers and confirmations.
func (c conn) DeleteExpiredOps(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := c.atomic(ctx, func(r runner) error {
		res, err := r.exec(ctx, qDeleteExpiredServers, micros(now))
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		_, err = r.exec(ctx, qDeleteExpiredConfirm, micros(now))
		return err
	})
	return n, wrap("delete expired ops servers", err)
}

func scanOpsServer(row scanner) (*ops.Server, error) {
	var (
		s                         = new(ops.Server)
		filter                    string
		expires, revoked, created sql.NullInt64
	)
	if err := row.Scan(&s.ID, &s.AccountID, &s.Name, &s.TokenHash, &s.BearerHash, &filter, &s.AllowLiveWrites, &expires, &revoked, &created); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(filter), &s.Filter); err != nil {
		return nil, err
	}
	s.ExpiresAt, s.RevokedAt, s.CreatedAt = timePtrOf(expires), timePtrOf(revoked), timeOf(created)
	return s, nil
}

// CreateOpsConfirmation inserts cf.
func (c conn) CreateOpsConfirmation(ctx context.Context, cf *ops.Confirmation) error {
	_, err := c.writer().exec(ctx, qCreateOpsConfirmation, cf.ID, cf.ServerID, cf.Tool, cf.Fingerprint, cf.Summary, micros(cf.ExpiresAt), micros(cf.CreatedAt))
	return wrap("create ops confirmation", err)
}

// OpsConfirmation returns the confirmation with id, or ErrNotFound.
func (c conn) OpsConfirmation(ctx context.Context, id string) (*ops.Confirmation, error) {
	var (
		cf               = new(ops.Confirmation)
		expires, created sql.NullInt64
	)
	err := c.reader().queryRow(ctx, qOpsConfirmation, id).Scan(&cf.ID, &cf.ServerID, &cf.Tool, &cf.Fingerprint, &cf.Summary, &expires, &created)
	if err != nil {
		return nil, wrap("ops confirmation", err)
	}
	cf.ExpiresAt, cf.CreatedAt = timeOf(expires), timeOf(created)
	return cf, nil
}

// CreateOpsAudit inserts e.
func (c conn) CreateOpsAudit(ctx context.Context, e *ops.AuditEntry) error {
	_, err := c.writer().exec(ctx, qCreateOpsAudit, e.ID, e.ServerID, e.Tool, e.Args, string(e.Outcome), e.Error,
		e.Duration.Microseconds(), e.StripeRequestID, micros(e.CreatedAt))
	return wrap("create ops audit", err)
}

// ListOpsAudit returns the entries matching f, newest first.
func (c conn) ListOpsAudit(ctx context.Context, f ops.AuditFilter) ([]*ops.AuditEntry, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	var since int64
	if !f.Since.IsZero() {
		since = f.Since.UnixMicro()
	}
	rows, err := c.reader().query(ctx, qListOpsAudit, f.ServerID, f.ServerID, since, limit)
	if err != nil {
		return nil, wrap("list ops audit", err)
	}
	defer rows.Close()
	out := []*ops.AuditEntry{}
	for rows.Next() {
		var (
			e       = new(ops.AuditEntry)
			outcome string
			dur     int64
			created sql.NullInt64
		)
		if err := rows.Scan(&e.ID, &e.ServerID, &e.Tool, &e.Args, &outcome, &e.Error, &dur, &e.StripeRequestID, &created); err != nil {
			return nil, wrap("list ops audit", err)
		}
		e.Outcome, e.Duration, e.CreatedAt = ops.Outcome(outcome), time.Duration(dur)*time.Microsecond, timeOf(created)
		out = append(out, e)
	}
	return out, wrap("list ops audit", rows.Err())
}
