-- Which delivery attempts were manual (redeliver, test ping): they are logged but use none of the queue's retry budget.
-- Rows from before this migration count as automatic.
ALTER TABLE `webhook_deliveries` ADD `trigger` text DEFAULT 'automatic' NOT NULL;
