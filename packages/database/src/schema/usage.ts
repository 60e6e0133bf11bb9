import type { UsageLimitName } from '@pixelflare/config';
import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { createdAt, timestamp } from './columns';

/**
 * Metered usage per account and UTC day, written by the 02:00 metering (services/quotas/metering.ts). CDN
 * numbers (requests, bytes served, transforms rendered) come from the analytics sink's store; the storage
 * columns are a snapshot of the account's counters taken when the day is metered (null for a day metered
 * later than the next night, whose snapshot would not be that day's).
 */
export const usageDaily = sqliteTable(
  'usage_daily',
  {
    ownerId: text('owner_id').notNull(),
    /** UTC day, `YYYY-MM-DD`. */
    date: text('date').notNull(),
    requests: integer('requests').notNull().default(0),
    /** CDN response body bytes served. */
    bandwidthBytes: integer('bandwidth_bytes').notNull().default(0),
    /** Renditions computed by an engine (CDN answers `X-Cache: miss`). */
    transforms: integer('transforms').notNull().default(0),
    images: integer('images'),
    originalBytes: integer('original_bytes'),
    renditionBytes: integer('rendition_bytes'),
  },
  (t) => [primaryKey({ columns: [t.ownerId, t.date] })],
);

/** One row per UTC day the metering has worked on (resumable like analytics_rollups). */
export const usageMeteredDays = sqliteTable('usage_metered_days', {
  date: text('date').primaryKey(),
  nextOffset: integer('next_offset').notNull().default(0),
  completedAt: timestamp('completed_at'),
});

/** A `usage.threshold` event already sent: at most one per account, period, limit and level. */
export const usageThresholds = sqliteTable(
  'usage_thresholds',
  {
    ownerId: text('owner_id').notNull(),
    /** The billing period, `YYYY-MM` (calendar month, UTC). */
    period: text('period').notNull(),
    limitName: text('limit_name').$type<UsageLimitName>().notNull(),
    /** Percent reached: 80 or 100. */
    level: integer('level').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.ownerId, t.period, t.limitName, t.level] })],
);

/** Stripe webhook events already applied, by Stripe's event id: a redelivery changes nothing. */
export const stripeEvents = sqliteTable('stripe_events', {
  id: text('id').primaryKey(),
  type: text('type').notNull(),
  createdAt: createdAt(),
});
