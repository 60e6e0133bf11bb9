import { sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { createdAt, json, timestamp, updatedAt } from './columns';
import { images } from './images';

/** AI classification output per image. */
export const imageAi = sqliteTable('image_ai', {
  imageId: text('image_id')
    .primaryKey()
    .references(() => images.id, { onDelete: 'cascade' }),
  ownerId: text('owner_id').notNull(),
  labels: json<{ label: string; score: number }[]>('labels'),
  caption: text('caption'),
  dominantColours: json<string[]>('dominant_colours'),
  model: text('model'),
  analyzedAt: timestamp('analyzed_at'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});
