-- Who presented a payment's credential for the buyer (commerce.Payment.Facilitator,
-- Braintree's facilitatorDetails.oauthApplication: "ChatGPT"), kept in a column of
-- its own so that payments, and through them orders, can be listed by facilitator.
-- Empty for payments without one.
ALTER TABLE payments ADD COLUMN facilitator text NOT NULL DEFAULT '';
UPDATE payments SET facilitator = data->'Facilitator'->>'Name'
WHERE data->'Facilitator'->>'Name' IS NOT NULL;
CREATE INDEX payments_facilitator ON payments (facilitator) WHERE facilitator <> '';
