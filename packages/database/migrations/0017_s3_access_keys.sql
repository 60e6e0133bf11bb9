CREATE TABLE `s3_access_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`name` text NOT NULL,
	`access_key_id` text NOT NULL,
	`secret_sealed` text NOT NULL,
	`scopes` text NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `s3_access_keys_access_key_id_unique` ON `s3_access_keys` (`access_key_id`);--> statement-breakpoint
CREATE INDEX `s3_access_keys_owner_idx` ON `s3_access_keys` (`owner_id`,`created_at`);