import { createDb } from '@pixelflare/database';
import { ImageListQuerySchema, type ImageListQuery } from '@pixelflare/shared';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedLibrary } from '../../../test/fixtures/library';
import { createUser } from '../../../test/helpers';
import { imagesByIdOrShortId, listImagesQuery } from './manage';

// Every listing the API offers must be served by an index on local D1 (the SQLite D1 runs): no full scan of a
// table, and the ORDER BY read from an index instead of sorted in a temporary B-tree (140 ms for `sort=size`
// over 100k images without one). Built from the real listImages query, so a new filter or sort is checked too.

const db = () => createDb(env.DB);

/** SQLite's plan for the query, one line per step (`SEARCH images USING INDEX ...`). */
async function planOf(
  query: Partial<Record<keyof ImageListQuery, string>>,
  ownerId: string,
  trash = false,
): Promise<string[]> {
  const select = listImagesQuery(db(), ownerId, ImageListQuerySchema.parse(query), { trash });
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
 * A filter with an index of its own, which SQLite may rightly prefer to the sort's index when its statistics say
 * the filter is selective, and then sort what it found: `from`/`to` is a range on created_at (no index serves both
 * that range and another order; for newest/oldest it is the sort's own index), a search starts from the FTS5
 * index's matches.
 */
type OwnIndex = 'created range' | 'full text';
const FILTERS: { name: string; query: Partial<Record<keyof ImageListQuery, string>>; ownIndex?: OwnIndex }[] =
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
      ownIndex: 'created range',
    },
    { name: 'search', query: { q: 'sunset' }, ownIndex: 'full text' },
  ];

/** Checks the plan of one listing: see the comments for what each expectation guards. */
async function expectIndexed(filter: (typeof FILTERS)[number], sort: Sort, paged: boolean, ownerId: string) {
  const label = `${filter.name}, sort=${sort}${paged ? ', next page' : ''}`;
  const query = { ...filter.query, sort, ...(paged ? { cursor: cursorAfter(cursorValue[sort]) } : {}) };
  const plan = await planOf(query, ownerId);
  const context = `${label}:\n${plan.join('\n')}`;
  // A virtual table (FTS5) is always "scanned" through its own index; any other SCAN reads every row.
  expect(
    plan.filter((step) => /\bSCAN\b/.test(step) && !/VIRTUAL TABLE/.test(step)),
    context,
  ).toEqual([]);
  // The sort's index (or the filter's own, see OwnIndex) orders the rows: none is sorted afterwards.
  const sortedByFilter =
    filter.ownIndex === 'full text' || (filter.ownIndex && SORT_COLUMN[sort] !== 'created_at');
  if (!sortedByFilter) {
    expect(
      plan.filter((step) => step.includes('TEMP B-TREE')),
      context,
    ).toEqual([]);
  }
  if (filter.ownIndex) return;
  const search = plan.find((step) => step.startsWith('SEARCH images '));
  // The owner's rows are found through an index that starts with owner_id.
  expect(search, context).toMatch(/^SEARCH images USING (COVERING )?INDEX \w+ \(owner_id=\?/);
  // An album's images are found through the album's part of an index, not among all of the owner's.
  if (filter.query.album) expect(search, context).toContain('album_slug=?');
  // The next page starts where the cursor points in the index, instead of reading the pages before it
  // (in an album, filenames are unique: the filename alone is the position).
  if (paged) {
    const column = SORT_COLUMN[sort];
    expect(search, context).toMatch(new RegExp(`\\(${column},id\\)[<>]\\(\\?,\\?\\)|\\b${column}[<>]\\?`));
  }
}

function everyListing(ownerId: () => string) {
  for (const filter of FILTERS) {
    for (const sort of SORTS) {
      for (const paged of [false, true]) {
        it(`uses an index for ${filter.name}, sort=${sort}${paged ? ', next page' : ''}`, () =>
          expectIndexed(filter, sort, paged, ownerId()));
      }
    }
  }

  it('uses an index for the trash, in every sort', async () => {
    for (const sort of SORTS) {
      const plan = await planOf({ sort }, ownerId(), true);
      expect(
        plan.filter((step) => /\bSCAN\b|TEMP B-TREE/.test(step)),
        plan.join('\n'),
      ).toEqual([]);
    }
  });
}

describe('image listing query plans, on a new database', () => {
  everyListing(() => 'usr_plan');
});

describe('image listing query plans, with statistics (ANALYZE) over several libraries', () => {
  let ownerId = '';
  beforeAll(async () => {
    // Three owners of different sizes, with albums, tags and favourites, so the planner's statistics are not
    // those of one uniform library; D1 keeps what ANALYZE (or PRAGMA optimize) records.
    const libraries = await Promise.all(
      ['plan-big', 'plan-mid', 'plan-small'].map((slug) => createUser(slug)),
    );
    for (const [n, owner] of libraries.entries()) {
      const count = [600, 150, 20][n]!;
      await seedLibrary(
        owner.id,
        Array.from({ length: count }, (_, i) => ({
          filename: `photo-${i}.png`,
          album: i % 3 === 0 ? undefined : `album-${i % 7}`,
          contentType: i % 4 === 0 ? 'image/webp' : 'image/png',
          bytes: 1000 + ((i * 7919) % 5000),
          createdAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
          title: i % 2 === 0 ? 'Sunset' : 'Harbour',
          favourite: i % 5 === 0,
          tags: i % 4 === 0 ? ['sea'] : i % 4 === 1 ? ['sky', 'sea'] : [],
        })),
      );
    }
    ownerId = libraries[0]!.id;
    await env.DB.prepare('ANALYZE').run();
  });

  everyListing(() => ownerId);
});

describe('bulk action lookup plan', () => {
  it('looks each id up by id and by short id, never reading the owner’s whole library', async () => {
    const select = imagesByIdOrShortId(db(), 'usr_plan', ['img_a', 'abc234']);
    const { sql, params } = select.toSQL();
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...params)
      .all<{ detail: string }>();
    const plan = results.map((row) => row.detail);
    expect(plan.filter((step) => step.startsWith('SEARCH images')).sort(), plan.join('\n')).toEqual([
      'SEARCH images USING INDEX images_short_id_unique (short_id=?)',
      'SEARCH images USING INDEX sqlite_autoindex_images_1 (id=?)',
    ]);
  });
});
