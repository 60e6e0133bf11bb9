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
