import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { albums } from './albums';
import { bool, createdAt, timestamp } from './columns';
import { images } from './images';
import { users } from './users';

/**
 * A share link (`/s/{token}`) to one image or one album. Only the token's SHA-256 is stored, so the table never
 * holds a usable link; the password, when set, is a memory-hard KDF hash (PHC-style string naming its parameters).
 */
export const shareLinks = sqliteTable(
  'share_links',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Hex SHA-256 of the token in the URL. */
    tokenHash: text('token_hash').notNull(),
    /** Exactly one of image and album is set. */
    imageId: text('image_id').references(() => images.id, { onDelete: 'cascade' }),
    albumId: text('album_id').references(() => albums.id, { onDelete: 'cascade' }),
    expiresAt: timestamp('expires_at'),
    passwordHash: text('password_hash'),
    /** Null: no limit; 1: a one-time link. */
    maxViews: integer('max_views'),
    /** Counted by a conditional update, so it never passes max_views under concurrency. */
    views: integer('views').notNull().default(0),
    allowDownload: bool('allow_download').notNull().default(false),
    lastViewedAt: timestamp('last_viewed_at'),
    revokedAt: timestamp('revoked_at'),
    /** When `share.expired` was written (at most once per link). */
    expiredEventAt: timestamp('expired_event_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('share_links_token_hash_unique').on(t.tokenHash),
    index('share_links_owner_created_idx').on(t.ownerId, t.createdAt),
    // The expiry sweep: links past their time whose event is not yet written.
    index('share_links_expiry_idx').on(t.expiredEventAt, t.expiresAt),
  ],
);
