-- Admin tokens, the credentials of the admin HTTP API (internal/admintoken):
-- only the SHA-256 of a token's secret is kept.
CREATE TABLE admin_tokens (
	id         text PRIMARY KEY,
	name       text NOT NULL,
	hash       text NOT NULL UNIQUE,
	prefix     text NOT NULL,
	created_at timestamptz NOT NULL,
	expires_at timestamptz,
	revoked_at timestamptz
);
