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
