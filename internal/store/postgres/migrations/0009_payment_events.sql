-- Provider events in (commerce.InboundEvent): one row per (provider,
-- event id), written in the transaction of the event's effect, so that a
-- redelivered event changes nothing. A summary, not the payload. Bounded
-- by the janitor (age and count).
CREATE TABLE payment_events (
	provider    text NOT NULL,
	id          text NOT NULL,
	type        text NOT NULL,
	result      text NOT NULL,
	payment_ref text NOT NULL DEFAULT '',
	object_ref  text NOT NULL DEFAULT '',
	order_id    text NOT NULL DEFAULT '',
	amount      bigint NOT NULL DEFAULT 0,
	currency    text NOT NULL DEFAULT '',
	occurred_at timestamptz,
	received_at timestamptz NOT NULL,
	PRIMARY KEY (provider, id)
);

CREATE INDEX payment_events_received ON payment_events (received_at DESC, provider DESC, id DESC);
CREATE INDEX payment_events_result ON payment_events (result, received_at DESC, provider DESC, id DESC);

-- Disputes of orders' charges (commerce.Dispute), opened and moved by
-- provider events.
CREATE TABLE disputes (
	id              text PRIMARY KEY,
	order_id        text NOT NULL REFERENCES orders (id),
	provider        text NOT NULL,
	provider_ref    text NOT NULL,
	status          text NOT NULL,
	evidence_due_by timestamptz,
	opened_at       timestamptz,
	data            jsonb NOT NULL,
	UNIQUE (provider, provider_ref)
);

CREATE INDEX disputes_order ON disputes (order_id, opened_at, id);
CREATE INDEX disputes_open ON disputes (evidence_due_by NULLS LAST, opened_at, id)
	WHERE status IN ('needs_response', 'under_review');

-- FindPaymentByRef: a provider event names the charge by the provider's id.
CREATE INDEX payments_provider_ref ON payments ((data->>'ProviderRef'));
