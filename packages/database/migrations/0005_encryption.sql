CREATE TABLE `tenant_encryption` (
	`owner_id` text PRIMARY KEY NOT NULL,
	`encrypt_by_default` integer DEFAULT false NOT NULL,
	`rewrap_target` integer,
	`rewrap_cursor` text,
	`rewrap_done` integer DEFAULT 0 NOT NULL,
	`enabled_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `tenant_keys` (
	`owner_id` text NOT NULL,
	`version` integer NOT NULL,
	`wrapped_key` text NOT NULL,
	`root_key_id` text NOT NULL,
	`fingerprint` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`owner_id`, `version`),
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
