import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { createdAt, json, timestamp } from './columns';
import { users } from './users';

export type DataExportStatus = 'queued' | 'building' | 'ready' | 'failed';

/** One ZIP archive of an export in R2; an account too large for one archive gets several, in order. */
export interface DataExportArchive {
  key: string;
  bytes: number;
  images: number;
}

/**
 * `POST /v1/me/export`: an archive of the account (originals, every image's metadata, albums, tags) built in R2
 * by a queue job, downloadable until `expires_at`, then removed by the scheduled cleanup.
 */
export const dataExports = sqliteTable(
  'data_exports',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    status: text('status').$type<DataExportStatus>().notNull().default('queued'),
    archives: json<DataExportArchive[]>('archives').notNull().default([]),
    imageCount: integer('image_count').notNull().default(0),
    bytes: integer('bytes').notNull().default(0),
    error: text('error'),
    createdAt: createdAt(),
    completedAt: timestamp('completed_at'),
    expiresAt: timestamp('expires_at'),
  },
  (t) => [index('data_exports_owner_created').on(t.ownerId, t.createdAt)],
);

export type DataExport = typeof dataExports.$inferSelect;
