import { integer, text } from 'drizzle-orm/sqlite-core';

/** Millisecond timestamps, read back as `Date`. */
export const timestamp = (name: string) => integer(name, { mode: 'timestamp_ms' });
export const createdAt = () =>
  timestamp('created_at')
    .notNull()
    .$defaultFn(() => new Date());
export const updatedAt = () =>
  timestamp('updated_at')
    .notNull()
    .$defaultFn(() => new Date())
    .$onUpdateFn(() => new Date());
export const bool = (name: string) => integer(name, { mode: 'boolean' });
/** JSON stored as text, typed on read. */
export const json = <T>(name: string) => text(name, { mode: 'json' }).$type<T>();
