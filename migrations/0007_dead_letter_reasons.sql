-- Why a message was set aside: a consumer dead-letters a message no retry can help (unreadable,
-- or carrying a character PostgreSQL refuses) at once, with its reason; what the dead-letter
-- queues hold after their last receive has none (the consumer's log tells).
ALTER TABLE dead_letters ADD COLUMN reason text;
