import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Daily CDN usage per owner, image, variant and country (rolled up by the 02:00 UTC cron). */
export const analyticsDaily = sqliteTable(
  'analytics_daily',
  {
    ownerId: text('owner_id').notNull(),
    /** UTC day, `YYYY-MM-DD`. */
    date: text('date').notNull(),
    imageId: text('image_id').notNull(),
    variant: text('variant').notNull(),
    country: text('country').notNull().default('XX'),
    requests: integer('requests').notNull().default(0),
    bandwidth: integer('bandwidth').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.ownerId, t.date, t.imageId, t.variant, t.country] })],
);
