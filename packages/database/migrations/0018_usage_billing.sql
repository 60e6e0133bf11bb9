CREATE TABLE `stripe_events` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `usage_daily` (
	`owner_id` text NOT NULL,
	`date` text NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`bandwidth_bytes` integer DEFAULT 0 NOT NULL,
	`transforms` integer DEFAULT 0 NOT NULL,
	`images` integer,
	`original_bytes` integer,
	`rendition_bytes` integer,
	PRIMARY KEY(`owner_id`, `date`)
);
--> statement-breakpoint
CREATE TABLE `usage_metered_days` (
	`date` text PRIMARY KEY NOT NULL,
	`next_offset` integer DEFAULT 0 NOT NULL,
	`completed_at` integer
);
--> statement-breakpoint
CREATE TABLE `usage_thresholds` (
	`owner_id` text NOT NULL,
	`period` text NOT NULL,
	`limit_name` text NOT NULL,
	`level` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`owner_id`, `period`, `limit_name`, `level`)
);
--> statement-breakpoint
ALTER TABLE `users` ADD `stripe_customer_id` text;--> statement-breakpoint
ALTER TABLE `users` ADD `subscription_status` text;--> statement-breakpoint
ALTER TABLE `users` ADD `subscription_period_end` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `users_stripe_customer_unique` ON `users` (`stripe_customer_id`);