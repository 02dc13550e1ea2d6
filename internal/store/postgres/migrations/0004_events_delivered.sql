-- DeleteDeliveredEvents: the delivered events, by delivery time. Neither
-- events_due (pending only) nor events_order serves
-- status = 'delivered' AND delivered_at < $1.
CREATE INDEX events_delivered ON events (delivered_at) WHERE status = 'delivered';
