-- The outbox of order events (commerce.Event), written in the transaction
-- that changes the order and delivered by internal/webhook.
-- next_attempt_at and created_at are never NULL (the zero time is stored
-- as year 1).
CREATE TABLE events (
	id              text PRIMARY KEY,
	type            text NOT NULL,
	order_id        text NOT NULL REFERENCES orders (id),
	status          text NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
	attempts        integer NOT NULL DEFAULT 0,
	next_attempt_at timestamptz NOT NULL,
	last_error      text NOT NULL DEFAULT '',
	created_at      timestamptz NOT NULL,
	delivered_at    timestamptz
);

-- ClaimEvents: the pending events, oldest due first.
CREATE INDEX events_due ON events (next_attempt_at, id) WHERE status = 'pending';
-- ClaimEvents' per-order gate and ListEvents by order.
CREATE INDEX events_order ON events (order_id, created_at, id);
