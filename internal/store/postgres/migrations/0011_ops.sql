-- The operations gateway (internal/ops): Stripe accounts, ops MCP servers,
-- pending write confirmations and the audit log. Secrets are never kept
-- in clear: stripe_key is sealed under the master key (secretbox), and a
-- server's URL token, bearer secret and a confirmation token are kept as
-- their SHA-256 only.
CREATE TABLE ops_accounts (
	id         text PRIMARY KEY,
	name       text NOT NULL UNIQUE,
	mode       text NOT NULL CHECK (mode IN ('test', 'live')),
	stripe_key text NOT NULL,
	base_url   text NOT NULL DEFAULT '',
	created_at timestamptz NOT NULL
);

CREATE TABLE ops_servers (
	id                text PRIMARY KEY,
	account_id        text NOT NULL REFERENCES ops_accounts (id) ON DELETE CASCADE,
	name              text NOT NULL,
	token_hash        text NOT NULL UNIQUE,
	bearer_hash       text NOT NULL DEFAULT '',
	filter            text NOT NULL,
	allow_live_writes boolean NOT NULL DEFAULT false,
	expires_at        timestamptz,
	revoked_at        timestamptz,
	created_at        timestamptz NOT NULL
);

CREATE INDEX ops_servers_expires ON ops_servers (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE ops_confirmations (
	id          text PRIMARY KEY,
	server_id   text NOT NULL,
	tool        text NOT NULL,
	fingerprint text NOT NULL,
	summary     text NOT NULL,
	expires_at  timestamptz NOT NULL,
	created_at  timestamptz NOT NULL
);

CREATE INDEX ops_confirmations_expires ON ops_confirmations (expires_at);

-- No foreign key to ops_servers: the log outlives revoked, expired and
-- removed servers.
CREATE TABLE ops_audit (
	id                text PRIMARY KEY,
	server_id         text NOT NULL,
	tool              text NOT NULL,
	args              text NOT NULL,
	outcome           text NOT NULL,
	error             text NOT NULL DEFAULT '',
	duration_us       bigint NOT NULL,
	stripe_request_id text NOT NULL DEFAULT '',
	created_at        timestamptz NOT NULL
);

CREATE INDEX ops_audit_created ON ops_audit (created_at, id);
CREATE INDEX ops_audit_server ON ops_audit (server_id, created_at, id);
