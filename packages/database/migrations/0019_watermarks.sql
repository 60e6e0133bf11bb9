CREATE TABLE `watermarks` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`name` text NOT NULL,
	`image_id` text NOT NULL,
	`version` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `watermarks_owner_name_unique` ON `watermarks` (`owner_id`,`name`);--> statement-breakpoint
CREATE UNIQUE INDEX `watermarks_image_unique` ON `watermarks` (`image_id`);--> statement-breakpoint
ALTER TABLE `albums` ADD `forced_transform` text;