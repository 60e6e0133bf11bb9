import { sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { createdAt, json, updatedAt } from './columns';
import { users } from './users';

/** Named transforms (`?t=name`): a saved set of transform parameters per owner. */
export const namedTransforms = sqliteTable(
  'named_transforms',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    params: json<Record<string, string>>('params').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('named_transforms_owner_name_unique').on(t.ownerId, t.name)],
);
