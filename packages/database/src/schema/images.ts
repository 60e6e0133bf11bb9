import type { ImageContentType } from '@pixelflare/config';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { albums } from './albums';
import { bool, createdAt, json, timestamp, updatedAt } from './columns';
import { users } from './users';

export type ImageStatus = 'pending' | 'ready' | 'failed';

/** What ingest kept and removed from the original's metadata, shown on the image page. */
export interface ExifSummary {
  kept: string[];
  stripped: string[];
  camera?: string;
  takenAt?: string;
}

export const images = sqliteTable(
  'images',
  {
    id: text('id').primaryKey(),
    shortId: text('short_id').notNull(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    albumId: text('album_id').references(() => albums.id, { onDelete: 'set null' }),
    /** Album slug as it appears in the public path (denormalised: the hot CDN path reads one row). */
    albumSlug: text('album_slug').notNull().default('default'),
    filename: text('filename').notNull(),
    contentType: text('content_type').$type<ImageContentType>().notNull(),
    bytes: integer('bytes').notNull().default(0),
    width: integer('width').notNull().default(0),
    height: integer('height').notNull().default(0),
    /** Lower-case hex SHA-256 of the stored original. */
    contentHash: text('content_hash'),
    storageKey: text('storage_key').notNull(),
    title: text('title'),
    alt: text('alt'),
    description: text('description'),
    isPrivate: bool('is_private').notNull().default(false),
    isAnimated: bool('is_animated').notNull().default(false),
    isEncrypted: bool('is_encrypted').notNull().default(false),
    nsfw: bool('nsfw').notNull().default(false),
    license: text('license'),
    /** `pending` until bytes arrive through a two-step or resumable upload. */
    status: text('status').$type<ImageStatus>().notNull().default('ready'),
    exif: json<ExifSummary>('exif'),
    /** Wrapped per-image content key when encrypted at rest. */
    wrappedKey: text('wrapped_key'),
    /** `none` while the owner has no backup destination; then `pending`, `done` or `failed` (see backupError). */
    backupStatus: text('backup_status')
      .$type<'none' | 'pending' | 'done' | 'failed'>()
      .notNull()
      .default('none'),
    backupError: text('backup_error'),
    /** When the last backup attempt ended (success or failure). */
    backupAt: timestamp('backup_at'),
    /** Failed attempts in a row; the 03:00 catch-up backs off by it. */
    backupAttempts: integer('backup_attempts').notNull().default(0),
    /** The backup object's ETag and size after the last success: a redelivery that finds them unchanged uploads nothing. */
    backupEtag: text('backup_etag'),
    /**
     * Where the original's bytes are: `r2` (Pixelflare's bucket, always for a new upload) or `byos` (only in the
     * owner's own bucket, at its backup key, once the backups job has copied and verified it there).
     */
    originalIn: text('original_in').$type<'r2' | 'byos'>().notNull().default('r2'),
    deletedAt: timestamp('deleted_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('images_short_id_unique').on(t.shortId),
    uniqueIndex('images_owner_path_unique').on(t.ownerId, t.albumSlug, t.filename),
    // One index per listing sort, ending in the id tie-break, so a page (and the next one, from its cursor) is
    // read in order from the index: `sort=newest|oldest`, `name`, `size`, and the same inside an album (whose
    // `name` order is images_owner_path_unique). list-query-plan.test.ts checks every sort and filter.
    index('images_owner_created_idx').on(t.ownerId, t.createdAt, t.id),
    index('images_owner_filename_idx').on(t.ownerId, t.filename, t.id),
    index('images_owner_bytes_idx').on(t.ownerId, t.bytes, t.id),
    index('images_owner_album_slug_created_idx').on(t.ownerId, t.albumSlug, t.createdAt, t.id),
    index('images_owner_album_slug_bytes_idx').on(t.ownerId, t.albumSlug, t.bytes, t.id),
    index('images_owner_album_idx').on(t.ownerId, t.albumId, t.createdAt),
    index('images_owner_hash_idx').on(t.ownerId, t.contentHash),
    index('images_deleted_idx').on(t.deletedAt),
    index('images_owner_backup_idx').on(t.ownerId, t.backupStatus, t.backupAt),
  ],
);

export const tags = sqliteTable(
  'tags',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('tags_owner_name_unique').on(t.ownerId, t.name)],
);

export const imageTags = sqliteTable(
  'image_tags',
  {
    imageId: text('image_id')
      .notNull()
      .references(() => images.id, { onDelete: 'cascade' }),
    tagId: text('tag_id')
      .notNull()
      .references(() => tags.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.imageId, t.tagId] }), index('image_tags_tag_idx').on(t.tagId)],
);

export const favourites = sqliteTable(
  'favourites',
  {
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    imageId: text('image_id')
      .notNull()
      .references(() => images.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.ownerId, t.imageId] }), index('favourites_image_idx').on(t.imageId)],
);

export type VariantStatus = 'pending' | 'ready' | 'failed';

/** A generated rendition: a preset or a canonical transform, keyed by the SHA-256 of its parameters. */
export const imageVariants = sqliteTable(
  'image_variants',
  {
    id: text('id').primaryKey(),
    imageId: text('image_id')
      .notNull()
      .references(() => images.id, { onDelete: 'cascade' }),
    ownerId: text('owner_id').notNull(),
    /** Preset name, or `custom` for query-string transforms. */
    name: text('name').notNull(),
    variantKey: text('variant_key').notNull(),
    format: text('format').notNull(),
    status: text('status').$type<VariantStatus>().notNull().default('pending'),
    storageKey: text('storage_key'),
    bytes: integer('bytes'),
    width: integer('width'),
    height: integer('height'),
    engine: text('engine'),
    error: text('error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('image_variants_key_unique').on(t.imageId, t.variantKey, t.format),
    index('image_variants_owner_idx').on(t.ownerId),
  ],
);

/** Single-use tokens for the second step of a two-step upload. Only the token's hash is stored. */
export const uploadTokens = sqliteTable(
  'upload_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    imageId: text('image_id')
      .notNull()
      .references(() => images.id, { onDelete: 'cascade' }),
    ownerId: text('owner_id').notNull(),
    expiresAt: timestamp('expires_at').notNull(),
    usedAt: timestamp('used_at'),
    createdAt: createdAt(),
  },
  (t) => [index('upload_tokens_expires_idx').on(t.expiresAt)],
);
