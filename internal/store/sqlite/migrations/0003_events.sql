-- The outbox of order events (commerce.Event), written in the transaction
-- that changes the order and delivered by internal/webhook. Times are
-- INTEGER microseconds since the Unix epoch, UTC; next_attempt_at and
-- created_at are never NULL (the zero time is stored as year 1).
CREATE TABLE events (
	id              TEXT PRIMARY KEY,
	type            TEXT NOT NULL,
	order_id        TEXT NOT NULL REFERENCES orders (id),
	status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	last_error      TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	delivered_at    INTEGER
) STRICT;

-- ClaimEvents: the pending events, oldest due first.
CREATE INDEX events_due ON events (next_attempt_at, id) WHERE status = 'pending';
-- ClaimEvents' per-order gate and ListEvents by order.
CREATE INDEX events_order ON events (order_id, created_at, id);
