import { PAGINATION } from '@pixelflare/config';
import { z } from 'zod';

export const IsoDateTime = z.iso.datetime().meta({ example: '2026-11-22T10:00:00.000Z' });

/** Query-string booleans: only `true`/`false`/`1`/`0` are accepted, anything else is a 400. */
export const QueryBoolean = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

export const CursorPaginationQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(PAGINATION.maxLimit)
    .default(PAGINATION.defaultLimit)
    .meta({ description: `Page size (1–${PAGINATION.maxLimit})` }),
  cursor: z.string().max(200).optional().meta({ description: 'Opaque cursor from the previous page' }),
});

export const paginated = <T extends z.ZodType>(item: T, id: string) =>
  z
    .object({
      data: z.array(item),
      next_cursor: z.string().nullable(),
    })
    .meta({ id });

/** One page of a listing, as every listing answers (`paginated`): `next_cursor` is null on the last page. */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/**
 * The page in `rows`, read with one row past `limit` to learn whether another page follows; the cursor names the
 * page's last row.
 */
export function pageOf<T>(rows: T[], limit: number, cursorOf: (last: T) => string): Page<T> {
  const data = rows.slice(0, limit);
  const last = data.at(-1);
  return { data, next_cursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}

/** The same page with each item converted (a row to its API resource). */
export async function mapPage<T, U>(
  page: Page<T>,
  convert: (items: T[]) => U[] | Promise<U[]>,
): Promise<Page<U>> {
  return { data: await convert(page.data), next_cursor: page.next_cursor };
}
