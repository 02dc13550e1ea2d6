-- Orders record their payment mode (commerce.Order.Mode): test orders are
-- listed apart (agentshop orders list --mode) and their webhooks never go
-- to the live endpoint. An order stored before orders had a mode is a test
-- order when the sandbox charged it; others keep '' (unknown: counted as
-- live, where their webhooks went before).
ALTER TABLE orders ADD COLUMN mode text NOT NULL DEFAULT '';

UPDATE orders SET mode = data->>'Mode' WHERE coalesce(data->>'Mode', '') <> '';

UPDATE orders o SET mode = 'test'
FROM payments p
WHERE o.mode = '' AND p.id = o.data->>'PaymentID' AND p.data->>'Provider' = 'sandbox';

CREATE INDEX orders_mode_created_at ON orders (mode, created_at DESC NULLS LAST, id DESC);
