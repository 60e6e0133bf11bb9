ALTER TABLE `image_ai` ADD `thumbhash` text;--> statement-breakpoint
ALTER TABLE `image_ai` ADD `dominant_color` text;--> statement-breakpoint
ALTER TABLE `image_ai` ADD `palette` text;--> statement-breakpoint
ALTER TABLE `image_ai` ADD `color_names` text;--> statement-breakpoint
ALTER TABLE `image_ai` ADD `colors_at` integer;--> statement-breakpoint
ALTER TABLE `image_ai` ADD `status` text DEFAULT 'pending' NOT NULL;--> statement-breakpoint
ALTER TABLE `image_ai` ADD `engine` text;--> statement-breakpoint
ALTER TABLE `image_ai` ADD `labels_model` text;--> statement-breakpoint
ALTER TABLE `image_ai` ADD `faces` text;--> statement-breakpoint
ALTER TABLE `image_ai` ADD `faces_model` text;--> statement-breakpoint
ALTER TABLE `image_ai` ADD `focal` text;--> statement-breakpoint
ALTER TABLE `image_ai` ADD `ocr_text` text;--> statement-breakpoint
ALTER TABLE `image_ai` ADD `ocr_confidence` real;--> statement-breakpoint
ALTER TABLE `image_ai` ADD `ocr_model` text;--> statement-breakpoint
ALTER TABLE `image_ai` ADD `caption_model` text;--> statement-breakpoint
ALTER TABLE `image_ai` ADD `caption_composed` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `image_ai` ADD `error` text;--> statement-breakpoint
ALTER TABLE `image_ai` ADD `runs` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `image_ai_owner_idx` ON `image_ai` (`owner_id`);--> statement-breakpoint
ALTER TABLE `image_ai` DROP COLUMN `dominant_colours`;--> statement-breakpoint
ALTER TABLE `image_ai` DROP COLUMN `model`;--> statement-breakpoint
ALTER TABLE `users` ADD `ai_analysis` integer DEFAULT true NOT NULL;--> statement-breakpoint
-- hand-written:
-- images_fts gains ai_text: the image's labels, caption and the text found in it, so a word seen only inside a
-- picture finds it. An FTS5 table cannot add a column, so it is rebuilt and filled again from the rows. The
-- triggers on images and tags (0001) name their columns and keep working on the new table.
DROP TABLE `images_fts`;
--> statement-breakpoint
CREATE VIRTUAL TABLE `images_fts` USING fts5(
  `image_id` UNINDEXED,
  `owner_id` UNINDEXED,
  `filename`,
  `title`,
  `alt`,
  `description`,
  `tags`,
  `ai_text`,
  tokenize = 'unicode61 remove_diacritics 2'
);
--> statement-breakpoint
INSERT INTO `images_fts` (`image_id`, `owner_id`, `filename`, `title`, `alt`, `description`, `tags`, `ai_text`)
SELECT i.`id`, i.`owner_id`, i.`filename`, coalesce(i.`title`, ''), coalesce(i.`alt`, ''), coalesce(i.`description`, ''),
  (SELECT coalesce(group_concat(t.`name`, ' '), '') FROM `image_tags` it JOIN `tags` t ON t.`id` = it.`tag_id` WHERE it.`image_id` = i.`id`),
  coalesce((SELECT trim(coalesce((SELECT group_concat(json_extract(l.value, '$.label'), ' ') FROM json_each(a.`labels`) l), '') || ' ' || coalesce(a.`caption`, '') || ' ' || coalesce(a.`ocr_text`, '')) FROM `image_ai` a WHERE a.`image_id` = i.`id`), '')
FROM `images` i;
--> statement-breakpoint
CREATE TRIGGER `images_fts_after_ai_insert` AFTER INSERT ON `image_ai` BEGIN
  UPDATE `images_fts`
  SET `ai_text` = trim(coalesce((SELECT group_concat(json_extract(l.value, '$.label'), ' ') FROM json_each(new.`labels`) l), '') || ' ' || coalesce(new.`caption`, '') || ' ' || coalesce(new.`ocr_text`, ''))
  WHERE `image_id` = new.`image_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `images_fts_after_ai_update` AFTER UPDATE OF `labels`, `caption`, `ocr_text` ON `image_ai` BEGIN
  UPDATE `images_fts`
  SET `ai_text` = trim(coalesce((SELECT group_concat(json_extract(l.value, '$.label'), ' ') FROM json_each(new.`labels`) l), '') || ' ' || coalesce(new.`caption`, '') || ' ' || coalesce(new.`ocr_text`, ''))
  WHERE `image_id` = new.`image_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `images_fts_after_ai_delete` AFTER DELETE ON `image_ai` BEGIN
  UPDATE `images_fts` SET `ai_text` = '' WHERE `image_id` = old.`image_id`;
END;
