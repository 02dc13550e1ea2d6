-- Times are INTEGER microseconds since the Unix epoch, UTC; NULL is the zero time.

CREATE TABLE sessions (
	id         TEXT PRIMARY KEY,
	status     TEXT NOT NULL,
	api_key_id TEXT NOT NULL DEFAULT '',
	created_at INTEGER,
	updated_at INTEGER,
	expires_at INTEGER,
	data       TEXT NOT NULL
) STRICT;

CREATE TABLE stock (
	item_id  TEXT PRIMARY KEY,
	quantity INTEGER NOT NULL CHECK (quantity >= 0)
) STRICT;

CREATE TABLE payments (
	id          TEXT PRIMARY KEY,
	session_id  TEXT NOT NULL REFERENCES sessions (id),
	attempt     INTEGER NOT NULL,
	status      TEXT NOT NULL,
	lease_until INTEGER,
	created_at  INTEGER,
	updated_at  INTEGER,
	data        TEXT NOT NULL,
	UNIQUE (session_id, attempt)
) STRICT;

-- At most one active attempt per session: the guard against double charges.
CREATE UNIQUE INDEX payments_one_active ON payments (session_id)
	WHERE status IN ('pending', 'succeeded');

CREATE TABLE orders (
	id         TEXT PRIMARY KEY,
	session_id TEXT NOT NULL UNIQUE REFERENCES sessions (id),
	created_at INTEGER,
	updated_at INTEGER,
	data       TEXT NOT NULL
) STRICT;

CREATE INDEX orders_created_at ON orders (created_at DESC, id DESC);

CREATE TABLE idempotency_keys (
	scope        TEXT NOT NULL,
	key          TEXT NOT NULL,
	fingerprint  TEXT NOT NULL,
	done         INTEGER NOT NULL DEFAULT 0,
	status       INTEGER NOT NULL DEFAULT 0,
	body         BLOB,
	locked_until INTEGER,
	created_at   INTEGER,
	expires_at   INTEGER,
	PRIMARY KEY (scope, key)
) STRICT;

CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);

CREATE TABLE api_keys (
	id             TEXT PRIMARY KEY,
	name           TEXT NOT NULL,
	hash           TEXT NOT NULL UNIQUE,
	prefix         TEXT NOT NULL,
	signing_secret TEXT NOT NULL DEFAULT '',
	created_at     INTEGER,
	revoked_at     INTEGER
) STRICT;

CREATE TABLE vault_tokens (
	id          TEXT PRIMARY KEY,
	redeemed_by TEXT,
	redeemed_at INTEGER,
	created_at  INTEGER,
	expires_at  INTEGER,
	data        TEXT NOT NULL
) STRICT;
