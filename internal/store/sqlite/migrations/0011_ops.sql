-- The operations gateway (internal/ops): Stripe accounts, ops MCP servers,
-- pending write confirmations and the audit log. Secrets are never kept
-- in clear: stripe_key is sealed under the master key (secretbox), and a
-- server's URL token, bearer secret and a confirmation token are kept as
-- their SHA-256 only. Times are INTEGER microseconds since the Unix epoch,
-- UTC.
CREATE TABLE ops_accounts (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	mode       TEXT NOT NULL CHECK (mode IN ('test', 'live')),
	stripe_key TEXT NOT NULL,
	base_url   TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE ops_servers (
	id                TEXT PRIMARY KEY,
	account_id        TEXT NOT NULL REFERENCES ops_accounts (id) ON DELETE CASCADE,
	name              TEXT NOT NULL,
	token_hash        TEXT NOT NULL UNIQUE,
	bearer_hash       TEXT NOT NULL DEFAULT '',
	filter            TEXT NOT NULL,
	allow_live_writes INTEGER NOT NULL DEFAULT 0,
	expires_at        INTEGER,
	revoked_at        INTEGER,
	created_at        INTEGER NOT NULL
) STRICT;

CREATE INDEX ops_servers_expires ON ops_servers (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE ops_confirmations (
	id          TEXT PRIMARY KEY,
	server_id   TEXT NOT NULL,
	tool        TEXT NOT NULL,
	fingerprint TEXT NOT NULL,
	summary     TEXT NOT NULL,
	expires_at  INTEGER NOT NULL,
	created_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX ops_confirmations_expires ON ops_confirmations (expires_at);

-- No foreign key to ops_servers: the log outlives revoked, expired and
-- removed servers.
CREATE TABLE ops_audit (
	id                TEXT PRIMARY KEY,
	server_id         TEXT NOT NULL,
	tool              TEXT NOT NULL,
	args              TEXT NOT NULL,
	outcome           TEXT NOT NULL,
	error             TEXT NOT NULL DEFAULT '',
	duration_us       INTEGER NOT NULL,
	stripe_request_id TEXT NOT NULL DEFAULT '',
	created_at        INTEGER NOT NULL
) STRICT;

CREATE INDEX ops_audit_created ON ops_audit (created_at, id);
CREATE INDEX ops_audit_server ON ops_audit (server_id, created_at, id);
