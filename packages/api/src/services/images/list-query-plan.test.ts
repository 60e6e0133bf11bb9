import { createDb } from '@pixelflare/database';
import { ImageListQuerySchema, type ImageListQuery } from '@pixelflare/shared';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { listImagesQuery } from './manage';

// Every listing the API offers must be served by an index on local D1 (the SQLite D1 runs): no full scan of a
// table, and the ORDER BY read from an index instead of sorted in a temporary B-tree (140 ms for `sort=size`
// over 100k images without one). Built from the real listImages query, so a new filter or sort is checked too.

const db = () => createDb(env.DB);

/** SQLite's plan for the query, one line per step (`SEARCH images USING INDEX ...`). */
async function planOf(
  query: Partial<Record<keyof ImageListQuery, string>>,
  trash = false,
): Promise<string[]> {
  const select = listImagesQuery(db(), 'usr_plan', ImageListQuerySchema.parse(query), { trash });
  if (!select) throw new Error('no query for these parameters');
  const { sql, params } = select.toSQL();
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<{ detail: string }>();
  return results.map((row) => row.detail);
}

/** The cursor `listImages` hands out after a row with this sort value. */
const cursorAfter = (v: number | string) =>
  btoa(JSON.stringify({ v, id: 'img_0000000000000000000000' }))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');

const SORTS = ['newest', 'oldest', 'name', 'size'] as const;
const cursorValue = { newest: Date.UTC(2026, 0, 1), oldest: Date.UTC(2026, 0, 1), name: 'm.png', size: 5000 };

type Sort = (typeof SORTS)[number];
const SORT_COLUMN: Record<Sort, string> = {
  newest: 'created_at',
  oldest: 'created_at',
  name: 'filename',
  size: 'bytes',
};

/**
 * `ownRange`: the filter is itself a range on created_at, which SQLite may prefer to the sort's index (then it sorts
 * the range: no index serves both a created_at range and another order), and which bounds the same column as a
 * newest/oldest cursor (SQLite seeks to one of the two).
 */
const FILTERS: { name: string; query: Partial<Record<keyof ImageListQuery, string>>; ownRange?: boolean }[] =
  [
    { name: 'no filter', query: {} },
    { name: 'album', query: { album: 'trips' } },
    { name: 'tag', query: { tag: 'sea' } },
    { name: 'favourite', query: { favourite: 'true' } },
    { name: 'not favourite', query: { favourite: 'false' } },
    { name: 'content type', query: { content_type: 'image/png' } },
    {
      name: 'from/to',
      query: { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' },
      ownRange: true,
    },
    { name: 'search', query: { q: 'sunset' } },
  ];

describe('image listing query plans', () => {
  for (const filter of FILTERS) {
    for (const sort of SORTS) {
      for (const paged of [false, true]) {
        const label = `${filter.name}, sort=${sort}${paged ? ', next page' : ''}`;
        it(`uses an index for ${label}`, async () => {
          const query = {
            ...filter.query,
            sort,
            ...(paged ? { cursor: cursorAfter(cursorValue[sort]) } : {}),
          };
          const plan = await planOf(query);
          const context = `${label}:\n${plan.join('\n')}`;
          // A virtual table (FTS5) is always "scanned" through its own index; any other SCAN reads every row.
          expect(
            plan.filter((step) => /\bSCAN\b/.test(step) && !/VIRTUAL TABLE/.test(step)),
            context,
          ).toEqual([]);
          expect(
            plan.some((step) => /^SEARCH images USING (COVERING )?INDEX \w+ \(owner_id=\?/.test(step)),
            context,
          ).toBe(true);
          const byCreated = SORT_COLUMN[sort] === 'created_at';
          if (!filter.ownRange || byCreated) {
            expect(
              plan.filter((step) => step.includes('TEMP B-TREE')),
              context,
            ).toEqual([]);
          }
          const search = plan.find((step) => step.startsWith('SEARCH images '))!;
          // An album's images are found through the album's part of an index, not among all of the owner's.
          if (filter.query.album) expect(search, context).toContain('album_slug=?');
          // The next page starts where the cursor points in the index, instead of reading the pages before it
          // (in an album, filenames are unique: the filename alone is the position).
          if (paged && !(filter.ownRange && byCreated)) {
            const column = SORT_COLUMN[sort];
            expect(search, context).toMatch(
              new RegExp(`\\(${column},id\\)[<>]\\(\\?,\\?\\)|\\b${column}[<>]\\?`),
            );
          }
        });
      }
    }
  }

  it('uses an index for the trash, in every sort', async () => {
    for (const sort of SORTS) {
      const plan = await planOf({ sort }, true);
      expect(
        plan.filter((step) => /\bSCAN\b|TEMP B-TREE/.test(step)),
        plan.join('\n'),
      ).toEqual([]);
    }
  });
});
