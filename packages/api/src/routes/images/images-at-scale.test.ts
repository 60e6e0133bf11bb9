import { UPLOAD_LIMITS } from '@pixelflare/config';
import { albums, createDb } from '@pixelflare/database';
import type { ImageResource } from '@pixelflare/shared';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedLibrary, type SeededImage, type SeedSpec } from '../../../test/fixtures/library';
import { authed, call, createUser, type TestUser } from '../../../test/helpers';

// D1 allows at most 100 bound parameters per query: these tests list, page and change libraries bigger than
// one page, at the documented maximum sizes (limit=100, bulk actions of 100 ids, 50 tags).

const MAX_PAGE = 100;
const BASE_TIME = Date.UTC(2026, 0, 1);
interface Page {
  data: ImageResource[];
  next_cursor: string | null;
}

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

/** Every page of a listing at `limit=100`, following `next_cursor` to the end. */
async function everyPage(user: TestUser, path: string, query: Record<string, string>): Promise<Page[]> {
  const pages: Page[] = [];
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams({ ...query, limit: String(MAX_PAGE) });
    if (cursor) params.set('cursor', cursor);
    const response = await call(`${path}?${params}`, authed(user.key));
    expect(response.status, `${path}?${params} (page ${pages.length + 1})`).toBe(200);
    const page = (await response.json()) as Page;
    expect(page.data.length).toBeLessThanOrEqual(MAX_PAGE);
    pages.push(page);
    cursor = page.next_cursor;
    expect(pages.length, 'more pages than images').toBeLessThan(10);
  } while (cursor);
  return pages;
}

type Sort = 'newest' | 'oldest' | 'name' | 'size';
const SORTS: Sort[] = ['newest', 'oldest', 'name', 'size'];

/** The documented order: the sort's value, then the id in the same direction. */
function sorted(rows: SeededImage[], sort: Sort): SeededImage[] {
  const key = (image: SeededImage): number | string =>
    sort === 'name' ? image.filename : sort === 'size' ? image.bytes : image.createdAt.getTime();
  const direction = sort === 'oldest' || sort === 'name' ? 1 : -1;
  const compare = (a: number | string, b: number | string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...rows].sort((a, b) => direction * (compare(key(a), key(b)) || compare(a.id, b.id)));
}

/** Two thirds PNG (more than a page), the rest WebP and JPEG. */
const CONTENT_TYPES = [
  'image/webp',
  'image/png',
  'image/jpeg',
  'image/png',
  'image/png',
  'image/png',
] as const;
const EXTENSIONS = { 'image/webp': 'webp', 'image/png': 'png', 'image/jpeg': 'jpg' } as const;

/**
 * 250 images: half in album "alpha", a quarter in "beta", the rest in none; 150 favourites, each tagged "red"
 * and some "blue" and "green"; three content types; timestamps, sizes and filenames with ties, so the id
 * tie-break and the cursor are exercised on every sort.
 */
function librarySpecs(count: number): SeedSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const contentType = CONTENT_TYPES[i % CONTENT_TYPES.length]!;
    const favourite = i % 5 < 3;
    return {
      // i and i + 125 share a name (in different albums): ties for `sort=name`.
      filename: `photo-${String(i % 125).padStart(3, '0')}.${EXTENSIONS[contentType]}`,
      album: i % 2 === 0 ? 'alpha' : i % 4 === 1 ? 'beta' : undefined,
      contentType,
      bytes: 1000 + ((i * 7919) % 50),
      createdAt: new Date(BASE_TIME + Math.floor(i / 2) * 1000),
      title: i % 2 === 0 ? `Sunset ${i}` : `Harbour ${i}`,
      favourite,
      tags: favourite ? ['red', ...(i % 2 === 0 ? ['blue'] : []), ...(i % 3 === 0 ? ['green'] : [])] : [],
    };
  });
}

describe('an owner with 250 images, 150 of them favourites and tagged', () => {
  let owner: TestUser;
  let library: SeededImage[];

  beforeAll(async () => {
    owner = await createUser('scale-owner');
    library = (await seedLibrary(owner.id, librarySpecs(250))).images;
    // Another owner's images with the same album, tags and words must never show up.
    const other = await createUser('scale-other');
    await seedLibrary(other.id, librarySpecs(20));
  });

  const from = new Date(BASE_TIME + 30 * 1000);
  const to = new Date(BASE_TIME + 100 * 1000);
  const filters: { name: string; query: Record<string, string>; keep: (image: SeededImage) => boolean }[] = [
    { name: 'no filter', query: {}, keep: () => true },
    { name: 'album', query: { album: 'alpha' }, keep: (image) => image.albumSlug === 'alpha' },
    { name: 'tag', query: { tag: 'red' }, keep: (image) => image.tags.includes('red') },
    { name: 'favourite', query: { favourite: 'true' }, keep: (image) => image.favourite },
    { name: 'not favourite', query: { favourite: 'false' }, keep: (image) => !image.favourite },
    {
      name: 'content type',
      query: { content_type: 'image/png' },
      keep: (image) => image.contentType === 'image/png',
    },
    {
      name: 'from/to',
      query: { from: from.toISOString(), to: to.toISOString() },
      keep: (image) => image.createdAt >= from && image.createdAt < to,
    },
    { name: 'search', query: { q: 'sunset' }, keep: (image) => image.title?.startsWith('Sunset') ?? false },
  ];

  for (const filter of filters) {
    for (const sort of SORTS) {
      it(`lists every image once, in order, at limit=100: ${filter.name}, sort=${sort}`, async () => {
        const expected = sorted(library.filter(filter.keep), sort);
        const pages = await everyPage(owner, '/v1/images', { ...filter.query, sort });
        const seen = pages.flatMap((page) => page.data);
        expect(seen.map((image) => image.id)).toEqual(expected.map((image) => image.id));
        expect(pages.length).toBe(Math.max(1, Math.ceil(expected.length / MAX_PAGE)));
        // Favourite flags and tags are looked up for a whole page at once.
        expect(seen.map((image) => [image.favourite, image.tags])).toEqual(
          expected.map((image) => [image.favourite, image.tags]),
        );
      });
    }
  }

  it('has filters that cut across pages (the seed is what the assertions assume)', () => {
    for (const filter of filters) {
      if (filter.name === 'not favourite') expect(library.filter(filter.keep)).toHaveLength(100);
      else expect(library.filter(filter.keep).length, filter.name).toBeGreaterThan(MAX_PAGE);
    }
  });
});

describe('bulk actions at their maximum size (100 ids and short ids, 50 tags)', () => {
  let owner: TestUser;
  let library: SeededImage[];

  beforeAll(async () => {
    owner = await createUser('scale-bulk');
    library = (await seedLibrary(owner.id, librarySpecs(240))).images;
    await createDb(env.DB)
      .insert(albums)
      .values({ id: 'alb_scale_gamma', ownerId: owner.id, slug: 'gamma', title: 'Gamma' });
  });

  /** Half the images by id, half by short id, interleaved. */
  const mixedIds = (rows: SeededImage[]) => rows.map((image, i) => (i % 2 ? image.shortId : image.id));

  async function bulk(body: unknown): Promise<{ updated: string[]; not_found: string[] }> {
    const response = await call('/v1/images/bulk', authed(owner.key, json('POST', body)));
    expect(response.status).toBe(200);
    return (await response.json()) as { updated: string[]; not_found: string[] };
  }

  it('moves 100 images into an album', async () => {
    const chosen = library.slice(0, 100);
    const result = await bulk({ action: 'move', ids: mixedIds(chosen), album: 'gamma' });
    expect(result.not_found).toEqual([]);
    expect(new Set(result.updated)).toEqual(new Set(chosen.map((image) => image.id)));
    const pages = await everyPage(owner, '/v1/images', { album: 'gamma', sort: 'oldest' });
    expect(pages.flatMap((page) => page.data.map((image) => image.id))).toEqual(
      sorted(chosen, 'oldest').map((image) => image.id),
    );
    const [gamma] = await createDb(env.DB).select().from(albums).where(eq(albums.slug, 'gamma'));
    expect(gamma!.imageCount).toBe(100);
  });

  it('adds 50 tags to 99 images and reports the one id that is not there', async () => {
    const chosen = library.slice(100, 199);
    const names = Array.from({ length: UPLOAD_LIMITS.maxTags }, (_, i) => `bulk-${i}`);
    const result = await bulk({ action: 'tag', ids: [...mixedIds(chosen), 'img_missing'], tags: names });
    expect(result.not_found).toEqual(['img_missing']);
    expect(new Set(result.updated)).toEqual(new Set(chosen.map((image) => image.id)));
    const tagged = await everyPage(owner, '/v1/images', { tag: 'bulk-49', sort: 'oldest' });
    const seen = tagged.flatMap((page) => page.data);
    expect(seen.map((image) => image.id)).toEqual(sorted(chosen, 'oldest').map((image) => image.id));
    for (const [i, image] of seen.entries()) {
      const before = sorted(chosen, 'oldest')[i]!.tags;
      expect(image.tags).toEqual([...new Set([...before, ...names])].sort());
    }
  });

  it('changes an image named by both its id and its short id once', async () => {
    const image = library[230]!;
    const result = await bulk({ action: 'tag', ids: [image.id, image.shortId], tags: ['twice'] });
    expect(result).toEqual({ updated: [image.id], not_found: [] });
  });

  it('moves 100 images to the trash, listed there at limit=100', async () => {
    const chosen = [...library.slice(0, 50), ...library.slice(150, 200)];
    const result = await bulk({ action: 'delete', ids: mixedIds(chosen) });
    expect(result.not_found).toEqual([]);
    expect(new Set(result.updated)).toEqual(new Set(chosen.map((image) => image.id)));
    const trash = await everyPage(owner, '/v1/trash', { sort: 'newest' });
    expect(trash.flatMap((page) => page.data.map((image) => image.id))).toEqual(
      sorted(chosen, 'newest').map((image) => image.id),
    );
    const live = await everyPage(owner, '/v1/images', { sort: 'newest' });
    const trashed = new Set(chosen.map((image) => image.id));
    expect(live.flatMap((page) => page.data.map((image) => image.id))).toEqual(
      sorted(
        library.filter((image) => !trashed.has(image.id)),
        'newest',
      ).map((image) => image.id),
    );
  });
});

describe('an image given the most tags allowed', () => {
  it('keeps all 50', async () => {
    const owner = await createUser('scale-many-tags');
    const [image] = (await seedLibrary(owner.id, [{ filename: 'one.png', createdAt: new Date(BASE_TIME) }]))
      .images;
    const names = Array.from({ length: UPLOAD_LIMITS.maxTags }, (_, i) => `t${String(i).padStart(2, '0')}`);
    const response = await call(`/v1/images/${image!.id}`, authed(owner.key, json('PATCH', { tags: names })));
    expect(response.status).toBe(200);
    expect(((await response.json()) as ImageResource).tags).toEqual(names);
  });
});

describe('an owner with 120 albums, each with a cover', () => {
  let owner: TestUser;
  let library: SeededImage[];
  const slugs = Array.from({ length: 120 }, (_, i) => `album-${String(i).padStart(3, '0')}`);
  const privateAlbums = slugs.filter((_, i) => i % 3 === 0);

  beforeAll(async () => {
    owner = await createUser('scale-albums');
    const seeded = await seedLibrary(
      owner.id,
      slugs.map((slug, i) => ({
        filename: 'cover.png',
        album: slug,
        createdAt: new Date(BASE_TIME + i * 1000),
      })),
      { privateAlbums },
    );
    library = seeded.images;
    const db = createDb(env.DB);
    const statements = library.map((image) =>
      db.update(albums).set({ coverImageId: image.id }).where(eq(albums.id, image.albumId!)),
    );
    await db.batch(statements as [(typeof statements)[number], ...typeof statements]);
  });

  it('lists the albums 100 at a time, each with its cover (signed for private ones)', async () => {
    const pages = await everyPage(owner, '/v1/albums', {});
    expect(pages).toHaveLength(2);
    const listed = pages.flatMap((page) => page.data) as unknown as {
      slug: string;
      cover_image_id: string;
      cover: { id: string; thumb_url: string; expires_at: string | null } | null;
    }[];
    expect(listed.map((album) => album.slug)).toEqual(slugs);
    for (const [i, album] of listed.entries()) {
      expect(album.cover?.id, album.slug).toBe(library[i]!.id);
      expect(album.cover?.expires_at !== null, album.slug).toBe(privateAlbums.includes(album.slug));
    }
  });

  it('lists a page of 100 images from 100 different albums with each album’s visibility', async () => {
    const pages = await everyPage(owner, '/v1/images', { sort: 'oldest' });
    const seen = pages.flatMap((page) => page.data);
    expect(seen.map((image) => image.id)).toEqual(library.map((image) => image.id));
    expect(seen.map((image) => image.access)).toEqual(
      slugs.map((slug) => (privateAlbums.includes(slug) ? 'signed' : 'public')),
    );
  });
});
