import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { authed, call, createUser, errorOf, type TestUser } from '../../../test/helpers';
import { makePng, storeImage, type StoredImage } from '../../../test/fixtures/cdn/images';
import { dayOf } from '../../services/analytics/rollup';

let owner: TestUser;
let other: TestUser;
let reader: TestUser;
let photo: StoredImage;
const today = dayOf(Date.now());
const YESTERDAY = dayOf(Date.now() - 86_400_000);

interface Summary {
  sink: string;
  from: string;
  to: string;
  requests: number;
  bandwidth: number;
  hits: number;
  misses: number;
  hit_ratio: number | null;
  top_images: { image_id: string; filename: string | null; thumbnail_url: string | null; requests: number }[];
}

beforeAll(async () => {
  owner = await createUser('stats-owner');
  other = await createUser('stats-other');
  reader = await createUser('stats-reader', { scopes: ['images:read'] });
  photo = await storeImage(owner.id, {
    filename: 'chart.png',
    album: 'site',
    bytes: makePng(40, 30),
    contentType: 'image/png',
    width: 40,
    height: 30,
  });
  // Yesterday, rolled up; today, raw answers only (the D1 sink).
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO analytics_daily (owner_id, date, image_id, variant, country, referrer, requests, bandwidth, hits, misses)
       VALUES (?1, ?2, ?3, 'original', 'DE', 'blog.example.com', 10, 10000, 6, 4),
              (?1, ?2, ?3, 'w256', 'FR', '', 5, 500, 5, 0),
              (?4, ?2, 'img_theirs', 'original', 'US', 'theirs.example', 99, 99, 0, 99)`,
    ).bind(owner.id, YESTERDAY, photo.id, other.id),
    env.DB.prepare(
      'INSERT INTO analytics_rollups (date, next_offset, completed_at, rows) VALUES (?, 3, 1, 3)',
    ).bind(YESTERDAY),
  ]);
  // Today's traffic, through the CDN itself.
  for (const init of [
    { headers: { Referer: 'https://blog.example.com/a' }, cf: { country: 'DE' } },
    { headers: { Referer: 'https://news.example.org/b?q=1' }, cf: { country: 'JP' } },
  ] as RequestInit[]) {
    const response = await call(`/cdn/i/${photo.shortId}`, init);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  }
  // The CDN counts off the response path: wait for both rows.
  const { waitFor } = await import('../../../test/wait-for');
  await waitFor(async () => {
    const row = await env.DB.prepare('SELECT COUNT(*) AS n FROM analytics_events WHERE owner_id = ?')
      .bind(owner.id)
      .first<{ n: number }>();
    expect(row?.n).toBe(2);
  });
});

const get = <T>(user: TestUser, path: string) =>
  call(path, authed(user.key)).then(async (response) => {
    expect(response.status, await response.clone().text()).toBe(200);
    return (await response.json()) as T;
  });

describe('GET /v1/analytics/summary', () => {
  it('adds rolled-up days and today’s raw answers, names the sink, and lists top images', async () => {
    const summary = await get<Summary>(owner, '/v1/analytics/summary');
    expect(summary.sink).toBe('d1');
    expect(summary.to).toBe(today);
    const size = (await env.IMAGES_BUCKET.head(photo.storageKey))!.size;
    // Today: the first answer was a miss, the second a Cache API hit.
    expect(summary).toMatchObject({ requests: 17, bandwidth: 10_500 + 2 * size, hits: 12, misses: 5 });
    expect(summary.hit_ratio).toBeCloseTo(12 / 17);
    expect(summary.top_images).toEqual([
      {
        image_id: photo.id,
        filename: 'chart.png',
        thumbnail_url: `http://localhost:8787/cdn/i/${photo.shortId}/thumb`,
        requests: 17,
        bandwidth: 10_500 + 2 * size,
      },
    ]);
  });

  it('counts nothing of anyone else’s, and answers zeros on a new account', async () => {
    const summary = await get<Summary>(other, `/v1/analytics/summary?from=${YESTERDAY}&to=${YESTERDAY}`);
    expect(summary.requests).toBe(99);
    const fresh = await createUser('stats-new');
    const empty = await get<Summary>(fresh, '/v1/analytics/summary');
    expect(empty).toMatchObject({ requests: 0, bandwidth: 0, hit_ratio: null, top_images: [] });
  });

  it('refuses a reversed or too long range, and a key without analytics:read', async () => {
    const reversed = await call(`/v1/analytics/summary?from=${today}&to=${YESTERDAY}`, authed(owner.key));
    expect(reversed.status).toBe(400);
    expect((await errorOf(reversed)).code).toBe('VALIDATION_FAILED');
    const long = await call('/v1/analytics/summary?from=2020-01-01&to=2026-01-01', authed(owner.key));
    expect(long.status).toBe(400);
    const malformed = await call('/v1/analytics/summary?from=yesterday', authed(owner.key));
    expect(malformed.status).toBe(400);
    expect((await call('/v1/analytics/summary', authed(reader.key))).status).toBe(403);
    expect((await call('/v1/analytics/summary')).status).toBe(401);
  });
});

describe('GET /v1/analytics/timeseries', () => {
  it('gives every day of the range, zeros included', async () => {
    const series = await get<{ granularity: string; points: { t: string; requests: number }[] }>(
      owner,
      `/v1/analytics/timeseries?from=${dayOf(Date.now() - 3 * 86_400_000)}&to=${today}`,
    );
    expect(series.granularity).toBe('day');
    expect(series.points.map((point) => point.requests)).toEqual([0, 0, 15, 2]);
    expect(series.points[3]!.t).toBe(`${today}T00:00:00.000Z`);
  });

  it('gives 48 hourly points from raw answers', async () => {
    const series = await get<{ points: { t: string; requests: number }[] }>(
      owner,
      '/v1/analytics/timeseries?granularity=hour',
    );
    expect(series.points).toHaveLength(48);
    expect(series.points.at(-1)!.requests).toBeGreaterThanOrEqual(0);
    expect(series.points.reduce((sum, point) => sum + point.requests, 0)).toBe(2);
  });
});

describe('referrers, countries and one image', () => {
  it('ranks referrer hosts (host only) and countries', async () => {
    const { referrers } = await get<{ referrers: { host: string; requests: number }[] }>(
      owner,
      '/v1/analytics/referrers',
    );
    expect(referrers).toEqual([
      expect.objectContaining({ host: 'blog.example.com', requests: 11 }),
      expect.objectContaining({ host: '', requests: 5 }),
      expect.objectContaining({ host: 'news.example.org', requests: 1 }),
    ]);
    const { countries } = await get<{ countries: { country: string; requests: number }[] }>(
      owner,
      '/v1/analytics/countries?limit=2',
    );
    expect(countries.map((row) => [row.country, row.requests])).toEqual([
      ['DE', 11],
      ['FR', 5],
    ]);
  });

  it('reports one image by id or short id; another owner’s image is a 404', async () => {
    const byId = await get<{ requests: number; variants: { variant: string; requests: number }[] }>(
      owner,
      `/v1/analytics/images/${photo.id}`,
    );
    expect(byId.requests).toBe(17);
    expect(byId.variants.map((row) => [row.variant, row.requests])).toEqual([
      ['original', 12],
      ['w256', 5],
    ]);
    const byShort = await get<{ image_id: string }>(owner, `/v1/analytics/images/${photo.shortId}`);
    expect(byShort.image_id).toBe(photo.id);
    const foreign = await call(`/v1/analytics/images/${photo.id}`, authed(other.key));
    expect(foreign.status).toBe(404);
  });
});
