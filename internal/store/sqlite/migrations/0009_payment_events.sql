-- Provider events in (commerce.InboundEvent): one row per (provider,
-- event id), written in the transaction of the event's effect, so that a
-- redelivered event changes nothing. A summary, not the payload. Bounded
-- by the janitor (age and count).
CREATE TABLE payment_events (
	provider    TEXT NOT NULL,
	id          TEXT NOT NULL,
	type        TEXT NOT NULL,
	result      TEXT NOT NULL,
	payment_ref TEXT NOT NULL DEFAULT '',
	object_ref  TEXT NOT NULL DEFAULT '',
	order_id    TEXT NOT NULL DEFAULT '',
	amount      INTEGER NOT NULL DEFAULT 0,
	currency    TEXT NOT NULL DEFAULT '',
	occurred_at INTEGER,
	received_at INTEGER NOT NULL,
	PRIMARY KEY (provider, id)
) STRICT;

CREATE INDEX payment_events_received ON payment_events (received_at DESC, provider DESC, id DESC);
CREATE INDEX payment_events_result ON payment_events (result, received_at DESC, provider DESC, id DESC);

-- Disputes of orders' charges (commerce.Dispute), opened and moved by
-- provider events.
CREATE TABLE disputes (
	id              TEXT PRIMARY KEY,
	order_id        TEXT NOT NULL REFERENCES orders (id),
	provider        TEXT NOT NULL,
	provider_ref    TEXT NOT NULL,
	status          TEXT NOT NULL,
	evidence_due_by INTEGER,
	opened_at       INTEGER,
	data            TEXT NOT NULL,
	UNIQUE (provider, provider_ref)
) STRICT;

CREATE INDEX disputes_order ON disputes (order_id, opened_at, id);
CREATE INDEX disputes_open ON disputes (evidence_due_by, opened_at, id)
	WHERE status IN ('needs_response', 'under_review');

-- FindPaymentByRef: a provider event names the charge by the provider's id.
CREATE INDEX payments_provider_ref ON payments (json_extract(data, '$.ProviderRef'));
