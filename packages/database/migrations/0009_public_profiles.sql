ALTER TABLE `albums` ADD `is_unlisted` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `github` text;