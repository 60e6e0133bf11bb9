import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Daily CDN usage per owner, day, image, variant, country and referrer host, rolled up at 02:00 UTC from the
 * analytics sink (services/analytics/rollup.ts). A day's rows are replaced whole when it is rolled up again.
 */
export const analyticsDaily = sqliteTable(
  'analytics_daily',
  {
    ownerId: text('owner_id').notNull(),
    /** UTC day, `YYYY-MM-DD`. */
    date: text('date').notNull(),
    imageId: text('image_id').notNull(),
    /** `original`, a preset name, or `transform` for query-string transforms. */
    variant: text('variant').notNull(),
    /** ISO 3166 alpha-2 from `request.cf.country`; `XX` when unknown. */
    country: text('country').notNull().default('XX'),
    /** The referring page's host name only; empty for direct requests. */
    referrer: text('referrer').notNull().default(''),
    requests: integer('requests').notNull().default(0),
    /** Bytes sent (response bodies). */
    bandwidth: integer('bandwidth').notNull().default(0),
    /** Answers from the Cache API; `misses` are every other answer. */
    hits: integer('hits').notNull().default(0),
    misses: integer('misses').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.ownerId, t.date, t.imageId, t.variant, t.country, t.referrer] }),
    index('analytics_daily_owner_date_idx').on(t.ownerId, t.date),
  ],
);

/**
 * Raw CDN answers, one row each, written by the D1 analytics sink (`ANALYTICS_SINK=d1`, the local default).
 * The same fields as the Analytics Engine data point (see services/analytics/point.ts). Kept for
 * `ANALYTICS_RETENTION_DAYS`; the dashboard's hourly series and today's numbers read them.
 */
export const analyticsEvents = sqliteTable(
  'analytics_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Epoch milliseconds. */
    ts: integer('ts').notNull(),
    /** Empty when the request named no live image (a 404). */
    ownerId: text('owner_id').notNull().default(''),
    imageId: text('image_id').notNull().default(''),
    variant: text('variant').notNull(),
    status: integer('status').notNull(),
    bytes: integer('bytes').notNull().default(0),
    /** `hit` (Cache API), `stored` (rendition from R2), `miss` (rendered now), `original`, or `none` (an error). */
    cache: text('cache').notNull(),
    engine: text('engine').notNull().default(''),
    country: text('country').notNull().default('XX'),
    referrer: text('referrer').notNull().default(''),
    format: text('format').notNull().default(''),
    durationMs: integer('duration_ms').notNull().default(0),
  },
  (t) => [
    index('analytics_events_ts_idx').on(t.ts),
    index('analytics_events_owner_ts_idx').on(t.ownerId, t.ts),
  ],
);

/** One row per UTC day the rollup has worked on: where it stopped, and whether the day is complete. */
export const analyticsRollups = sqliteTable('analytics_rollups', {
  date: text('date').primaryKey(),
  /** Groups already written for this day; the next run resumes here. */
  nextOffset: integer('next_offset').notNull().default(0),
  completedAt: integer('completed_at', { mode: 'timestamp_ms' }),
  rows: integer('rows').notNull().default(0),
});
