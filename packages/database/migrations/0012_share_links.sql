CREATE TABLE `share_links` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`image_id` text,
	`album_id` text,
	`expires_at` integer,
	`password_hash` text,
	`max_views` integer,
	`views` integer DEFAULT 0 NOT NULL,
	`allow_download` integer DEFAULT false NOT NULL,
	`last_viewed_at` integer,
	`revoked_at` integer,
	`expired_event_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`album_id`) REFERENCES `albums`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `share_links_token_hash_unique` ON `share_links` (`token_hash`);--> statement-breakpoint
CREATE INDEX `share_links_owner_created_idx` ON `share_links` (`owner_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `share_links_expiry_idx` ON `share_links` (`expired_event_at`,`expires_at`);