-- Full-text search over an image's filename, title, alt text, description and tags (FTS5).
-- Kept in step by triggers, so every write path (API, queue, cron) updates it without remembering to.
-- Note: D1 export cannot include virtual tables; drop images_fts before `wrangler d1 export` and re-run this.
CREATE VIRTUAL TABLE `images_fts` USING fts5(
  `image_id` UNINDEXED,
  `owner_id` UNINDEXED,
  `filename`,
  `title`,
  `alt`,
  `description`,
  `tags`,
  tokenize = 'unicode61 remove_diacritics 2'
);
--> statement-breakpoint
CREATE TRIGGER `images_fts_after_insert` AFTER INSERT ON `images` BEGIN
  INSERT INTO `images_fts` (`image_id`, `owner_id`, `filename`, `title`, `alt`, `description`, `tags`)
  VALUES (new.`id`, new.`owner_id`, new.`filename`, coalesce(new.`title`, ''), coalesce(new.`alt`, ''), coalesce(new.`description`, ''), '');
END;
--> statement-breakpoint
CREATE TRIGGER `images_fts_after_update` AFTER UPDATE OF `filename`, `title`, `alt`, `description` ON `images` BEGIN
  UPDATE `images_fts`
  SET `filename` = new.`filename`, `title` = coalesce(new.`title`, ''), `alt` = coalesce(new.`alt`, ''), `description` = coalesce(new.`description`, '')
  WHERE `image_id` = new.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `images_fts_after_delete` AFTER DELETE ON `images` BEGIN
  DELETE FROM `images_fts` WHERE `image_id` = old.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `images_fts_after_tag_insert` AFTER INSERT ON `image_tags` BEGIN
  UPDATE `images_fts`
  SET `tags` = (SELECT coalesce(group_concat(t.`name`, ' '), '') FROM `image_tags` it JOIN `tags` t ON t.`id` = it.`tag_id` WHERE it.`image_id` = new.`image_id`)
  WHERE `image_id` = new.`image_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `images_fts_after_tag_delete` AFTER DELETE ON `image_tags` BEGIN
  UPDATE `images_fts`
  SET `tags` = (SELECT coalesce(group_concat(t.`name`, ' '), '') FROM `image_tags` it JOIN `tags` t ON t.`id` = it.`tag_id` WHERE it.`image_id` = old.`image_id`)
  WHERE `image_id` = old.`image_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `images_fts_after_tag_rename` AFTER UPDATE OF `name` ON `tags` BEGIN
  UPDATE `images_fts`
  SET `tags` = (SELECT coalesce(group_concat(t.`name`, ' '), '') FROM `image_tags` it JOIN `tags` t ON t.`id` = it.`tag_id` WHERE it.`image_id` = `images_fts`.`image_id`)
  WHERE `image_id` IN (SELECT `image_id` FROM `image_tags` WHERE `tag_id` = new.`id`);
END;
