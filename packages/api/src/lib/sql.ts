import { sql, type Column, type SQL } from 'drizzle-orm';

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
 * Rows of values as one bound JSON array, for `insert ... select` (D1's 100-parameter limit counts every column of
 * every row of a multi-row `values`). `jsonRows(rows)` is a FROM item; column `i` of each row is `jsonColumn(i)`.
 */
export function jsonRows(rows: readonly (readonly (string | number | null)[])[]): SQL {
  return sql`json_each(${JSON.stringify(rows)})`;
}

export function jsonColumn<T>(index: number): SQL<T> {
  return sql<T>`json_extract(value, ${sql.raw(`'$[${Math.trunc(index)}]'`)})`;
}
