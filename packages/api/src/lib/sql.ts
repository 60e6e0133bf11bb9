import type { Database } from '@pixelflare/database';
import { getTableColumns, sql, type Column, type SQL } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';

/**
 * `column IN (values)` with the whole list bound as ONE parameter, a JSON array read back by `json_each`. D1 allows
 * at most 100 bound parameters per query, so matching a page of ids (or a request's list) must not bind one per
 * value; this keeps the query at the same parameter count for 1 value or 10,000. SQLite still searches `column`'s
 * index with the list. An empty list matches nothing.
 */
export function inList(column: Column | SQL, values: readonly (string | number)[]): SQL {
  return sql`${column} in (select value from json_each(${JSON.stringify(values)}))`;
}

/**
 * A list as a table, bound as one JSON array (for the same reason as `inList`): a FROM item with a row per
 * element, whose element is `jsonValue` (or, for an element that is itself an array, column `i` is
 * `jsonColumn(i)`). Used to insert many rows in one `insert ... select` (a multi-row `values` binds every column
 * of every row) and to drive a lookup from the list.
 */
export function jsonEach(values: readonly unknown[]): SQL {
  return sql`json_each(${JSON.stringify(values)})`;
}

export const jsonValue = sql<string>`value`;

export function jsonColumn<T>(index: number): SQL<T> {
  return sql<T>`json_extract(value, ${sql.raw(`'$[${Math.trunc(index)}]'`)})`;
}

/**
 * An insert of one row that happens only if `condition` holds when the statement runs (an insert-select with no
 * FROM). In a `db.batch` it sees the batch's earlier statements: `changes() = 1` makes the row depend on the
 * statement just before it having changed a row (a compare-and-swap that a concurrent writer may win). `row`
 * names every column, defaults included, as the select supplies them all.
 */
export function insertWhen<T extends SQLiteTable>(
  db: Database,
  table: T,
  row: Record<keyof T['_']['columns'], unknown>,
  condition: SQL,
) {
  const columns = getTableColumns(table);
  // Values in the table's column order (the order drizzle lists for the insert), encoded by each column.
  const values = Object.entries(columns).map(([key, column]) => sql.param(row[key], column));
  return db.insert(table).select(sql`select ${sql.join(values, sql`, `)} where ${condition}`);
}

/** Whether a D1 error is a UNIQUE constraint failing (D1 wraps SQLite's message, sometimes in `cause`). */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return /UNIQUE constraint failed/i.test(`${error.message} ${String(error.cause ?? '')}`);
}
