import type { Database } from '@pixelflare/database';
import { and, asc, desc, eq, isNull, type InferSelectModel } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { AppError } from './errors';

/** A table of things an owner has (API keys, S3 access keys, passkeys): an id, the owner, a creation time. */
export type OwnedTable = SQLiteTable & { id: SQLiteColumn; ownerId: SQLiteColumn; createdAt: SQLiteColumn };

/** An owned table whose rows are revoked (kept, with the time) rather than deleted. */
export type RevocableTable = OwnedTable & { revokedAt: SQLiteColumn };

/** The owner's rows, newest first (or oldest first), ties broken by id so the order is stable. */
export async function listOwned<T extends OwnedTable>(
  db: Database,
  table: T,
  ownerId: string,
  order: 'newest' | 'oldest' = 'newest',
): Promise<InferSelectModel<T>[]> {
  const by = order === 'newest' ? desc : asc;
  const rows = await db
    .select()
    .from(table as SQLiteTable)
    .where(eq(table.ownerId, ownerId))
    .orderBy(by(table.createdAt), by(table.id));
  return rows as InferSelectModel<T>[];
}

/**
 * Revokes one of the owner's rows: another owner's row, or an unknown id, is a 404 (`No such <label>`); revoking twice
 * is harmless (the first time stands).
 */
export async function revokeOwned(
  db: Database,
  table: RevocableTable,
  ownerId: string,
  id: string,
  label: string,
  now = new Date(),
): Promise<void> {
  const owned = and(eq(table.id, id), eq(table.ownerId, ownerId));
  const row = await db
    .select({ id: table.id })
    .from(table as SQLiteTable)
    .where(owned)
    .get();
  if (!row) throw new AppError(404, 'NOT_FOUND', `No such ${label}`);
  await db
    .update(table)
    .set({ revokedAt: now } as never)
    .where(and(owned, isNull(table.revokedAt)));
}
