-- Until now the fingerprint of a delegate_payment idempotency record was
-- the unkeyed SHA-256 of a body holding a card number and CVC: an offline
-- oracle for both (issue 15 item 12). New records fingerprint the request
-- without the card's secrets; the old ones are overwritten, so that a
-- retry of such a request within its 24 h answers 422/409 (a conflict)
-- instead of a replay.
UPDATE idempotency_keys SET fingerprint = 'purged:card-oracle'
	WHERE scope LIKE '%/agentic_commerce/delegate_payment%';
