CREATE TABLE sessions (
	id         text PRIMARY KEY,
	status     text NOT NULL,
	api_key_id text NOT NULL DEFAULT '',
	created_at timestamptz,
	updated_at timestamptz,
	expires_at timestamptz,
	data       jsonb NOT NULL
);

CREATE TABLE stock (
	item_id  text PRIMARY KEY,
	quantity bigint NOT NULL CHECK (quantity >= 0)
);

CREATE TABLE payments (
	id          text PRIMARY KEY,
	session_id  text NOT NULL REFERENCES sessions (id),
	attempt     integer NOT NULL,
	status      text NOT NULL,
	lease_until timestamptz,
	created_at  timestamptz,
	updated_at  timestamptz,
	data        jsonb NOT NULL,
	UNIQUE (session_id, attempt)
);

-- At most one active attempt per session: the guard against double charges.
CREATE UNIQUE INDEX payments_one_active ON payments (session_id)
	WHERE status IN ('pending', 'succeeded');

CREATE TABLE orders (
	id         text PRIMARY KEY,
	session_id text NOT NULL UNIQUE REFERENCES sessions (id),
	created_at timestamptz,
	updated_at timestamptz,
	data       jsonb NOT NULL
);

CREATE INDEX orders_created_at ON orders (created_at DESC NULLS LAST, id DESC);

CREATE TABLE idempotency_keys (
	scope        text NOT NULL,
	key          text NOT NULL,
	fingerprint  text NOT NULL,
	done         boolean NOT NULL DEFAULT false,
	status       integer NOT NULL DEFAULT 0,
	body         bytea,
	locked_until timestamptz,
	created_at   timestamptz,
	expires_at   timestamptz,
	PRIMARY KEY (scope, key)
);

CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);

CREATE TABLE api_keys (
	id             text PRIMARY KEY,
	name           text NOT NULL,
	hash           text NOT NULL UNIQUE,
	prefix         text NOT NULL,
	signing_secret text NOT NULL DEFAULT '',
	created_at     timestamptz,
	revoked_at     timestamptz
);

CREATE TABLE vault_tokens (
	id          text PRIMARY KEY,
	redeemed_by text,
	redeemed_at timestamptz,
	created_at  timestamptz,
	expires_at  timestamptz,
	data        jsonb NOT NULL
);
