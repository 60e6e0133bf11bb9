-- One user per Auth.js identity (provider:account): two first sign-ins racing can no longer create two users.
DROP INDEX `users_authjs_user_idx`;--> statement-breakpoint
CREATE UNIQUE INDEX `users_authjs_user_unique` ON `users` (`authjs_user_id`);