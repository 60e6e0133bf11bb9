-- An index per image listing sort (name, size) and per sort inside an album, each ending in the id tie-break, so
-- pages and cursors are read in order from an index (sort=size over 100k images sorted all of them: 140 ms).
CREATE INDEX `images_owner_filename_idx` ON `images` (`owner_id`,`filename`,`id`);--> statement-breakpoint
CREATE INDEX `images_owner_bytes_idx` ON `images` (`owner_id`,`bytes`,`id`);--> statement-breakpoint
CREATE INDEX `images_owner_album_slug_created_idx` ON `images` (`owner_id`,`album_slug`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `images_owner_album_slug_bytes_idx` ON `images` (`owner_id`,`album_slug`,`bytes`,`id`);