-- Orders record their payment mode (commerce.Order.Mode): test orders are
-- listed apart (agentshop orders list --mode) and their webhooks never go
-- to the live endpoint. An order stored before orders had a mode is a test
-- order when the sandbox charged it; others keep '' (unknown: counted as
-- live, where their webhooks went before).
ALTER TABLE orders ADD COLUMN mode TEXT NOT NULL DEFAULT '';

UPDATE orders SET mode = coalesce(json_extract(data, '$.Mode'), '')
WHERE coalesce(json_extract(data, '$.Mode'), '') <> '';

UPDATE orders SET mode = 'test'
WHERE mode = '' AND json_extract(data, '$.PaymentID') IN (
	SELECT id FROM payments WHERE json_extract(data, '$.Provider') = 'sandbox');

CREATE INDEX orders_mode_created_at ON orders (mode, created_at DESC, id DESC);
