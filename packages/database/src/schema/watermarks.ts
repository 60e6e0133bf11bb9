import { sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { createdAt, updatedAt } from './columns';
import { images } from './images';
import { users } from './users';

/**
 * Images an owner marked as watermarks, each under a name unique per owner (`?wm=name`). `version` is new on every
 * mark and every replacement: it is part of each watermarked variant's key, so a replaced watermark never serves
 * renditions drawn with the image it replaced. Permanently deleting the image unmarks it.
 */
export const watermarks = sqliteTable(
  'watermarks',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    imageId: text('image_id')
      .notNull()
      .references(() => images.id, { onDelete: 'cascade' }),
    version: text('version').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('watermarks_owner_name_unique').on(t.ownerId, t.name),
    uniqueIndex('watermarks_image_unique').on(t.imageId),
  ],
);
export type Watermark = typeof watermarks.$inferSelect;
