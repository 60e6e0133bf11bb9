ALTER TABLE `backup_configs` ADD `path_style` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `backup_configs` ADD `on_purge` text DEFAULT 'keep' NOT NULL;--> statement-breakpoint
ALTER TABLE `backup_configs` ADD `byos` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `backup_configs` ADD `access_key_id` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `backup_configs` ADD `secret_last_four` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `backup_configs` ADD `last_error_at` integer;--> statement-breakpoint
ALTER TABLE `images` ADD `backup_error` text;--> statement-breakpoint
ALTER TABLE `images` ADD `backup_at` integer;--> statement-breakpoint
ALTER TABLE `images` ADD `backup_attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `images` ADD `backup_etag` text;--> statement-breakpoint
CREATE INDEX `images_owner_backup_idx` ON `images` (`owner_id`,`backup_status`,`backup_at`);