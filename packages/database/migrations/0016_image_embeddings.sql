ALTER TABLE `image_ai` ADD `nsfw_score` real;--> statement-breakpoint
ALTER TABLE `image_ai` ADD `nsfw_model` text;--> statement-breakpoint
ALTER TABLE `image_ai` ADD `embedding_model` text;--> statement-breakpoint
ALTER TABLE `image_ai` ADD `embedding_index` text;