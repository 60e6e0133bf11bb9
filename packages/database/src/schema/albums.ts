import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { bool, createdAt, timestamp, updatedAt } from './columns';
import { users } from './users';

export const albums = sqliteTable(
  'albums',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The album segment of public URLs, unique per owner. */
    slug: text('slug').notNull(),
    title: text('title').notNull(),
    description: text('description'),
    isPrivate: bool('is_private').notNull().default(false),
    /** Public by URL, but not listed on the owner's public profile (ignored when private). */
    isUnlisted: bool('is_unlisted').notNull().default(false),
    coverImageId: text('cover_image_id'),
    /**
     * A named transform (by name) applied over every public rendition of the album's images, its watermark
     * locked: the plain original URL answers it too. Signed URLs are the owner's and skip it.
     */
    forcedTransform: text('forced_transform'),
    imageCount: integer('image_count').notNull().default(0),
    deletedAt: timestamp('deleted_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('albums_owner_slug_unique').on(t.ownerId, t.slug),
    index('albums_owner_created_idx').on(t.ownerId, t.createdAt),
  ],
);
