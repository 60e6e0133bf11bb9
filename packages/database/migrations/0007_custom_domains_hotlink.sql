CREATE TABLE `hotlink_policies` (
	`owner_id` text PRIMARY KEY NOT NULL,
	`enabled` integer DEFAULT false NOT NULL,
	`allowed_referrers` text NOT NULL,
	`allow_empty_referrer` integer DEFAULT true NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
DROP INDEX `custom_domains_owner_idx`;--> statement-breakpoint
ALTER TABLE `custom_domains` ADD `cloudflare_status` text;--> statement-breakpoint
ALTER TABLE `custom_domains` ADD `ssl_status` text;--> statement-breakpoint
CREATE UNIQUE INDEX `custom_domains_owner_unique` ON `custom_domains` (`owner_id`);