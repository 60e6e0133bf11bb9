CREATE TABLE `analytics_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`ts` integer NOT NULL,
	`owner_id` text DEFAULT '' NOT NULL,
	`image_id` text DEFAULT '' NOT NULL,
	`variant` text NOT NULL,
	`status` integer NOT NULL,
	`bytes` integer DEFAULT 0 NOT NULL,
	`cache` text NOT NULL,
	`engine` text DEFAULT '' NOT NULL,
	`country` text DEFAULT 'XX' NOT NULL,
	`referrer` text DEFAULT '' NOT NULL,
	`format` text DEFAULT '' NOT NULL,
	`duration_ms` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `analytics_events_ts_idx` ON `analytics_events` (`ts`);--> statement-breakpoint
CREATE INDEX `analytics_events_owner_ts_idx` ON `analytics_events` (`owner_id`,`ts`);--> statement-breakpoint
CREATE TABLE `analytics_rollups` (
	`date` text PRIMARY KEY NOT NULL,
	`next_offset` integer DEFAULT 0 NOT NULL,
	`completed_at` integer,
	`rows` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_analytics_daily` (
	`owner_id` text NOT NULL,
	`date` text NOT NULL,
	`image_id` text NOT NULL,
	`variant` text NOT NULL,
	`country` text DEFAULT 'XX' NOT NULL,
	`referrer` text DEFAULT '' NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`bandwidth` integer DEFAULT 0 NOT NULL,
	`hits` integer DEFAULT 0 NOT NULL,
	`misses` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`owner_id`, `date`, `image_id`, `variant`, `country`, `referrer`)
);
--> statement-breakpoint
INSERT INTO `__new_analytics_daily`("owner_id", "date", "image_id", "variant", "country", "requests", "bandwidth") SELECT "owner_id", "date", "image_id", "variant", "country", "requests", "bandwidth" FROM `analytics_daily`;--> statement-breakpoint
DROP TABLE `analytics_daily`;--> statement-breakpoint
ALTER TABLE `__new_analytics_daily` RENAME TO `analytics_daily`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `analytics_daily_owner_date_idx` ON `analytics_daily` (`owner_id`,`date`);