-- How idempotency_keys.body is stored: 0 as is, 1 an S2 block made with the preset
-- dictionary idempotency_dict.json (see body.go). Existing rows are 0.
ALTER TABLE idempotency_keys ADD COLUMN body_encoding INTEGER NOT NULL DEFAULT 0;
