import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../app';
import type { Bindings } from '../lib/env';
import { BASE, createUser, type TestUser } from '../../test/helpers';
import { faulty } from '../../test/fixtures/faults';
import { makePng, storeImage, type StoredImage } from '../../test/fixtures/cdn/images';

interface EventRow {
  owner_id: string;
  image_id: string;
  variant: string;
  status: number;
  bytes: number;
  cache: string;
  engine: string;
  country: string;
  referrer: string;
  format: string;
  duration_ms: number;
}

let owner: TestUser;
let logo: StoredImage;
let logoBytes: Uint8Array;

beforeAll(async () => {
  owner = await createUser('ana');
  logoBytes = makePng(64, 48);
  logo = await storeImage(owner.id, {
    filename: 'logo.png',
    album: 'site',
    bytes: logoBytes,
    contentType: 'image/png',
    width: 64,
    height: 48,
  });
});

beforeEach(async () => {
  await env.DB.prepare('DELETE FROM analytics_events').run();
});
afterEach(() => vi.restoreAllMocks());

/** One request through the whole app, returning once its answer and every `waitUntil` are done. */
async function cdn(path: string, init: RequestInit = {}, bindings: Partial<Bindings> = {}) {
  const ctx = createExecutionContext();
  const response = await createApp().fetch(
    new Request(BASE + path, init),
    { ...env, ...bindings } as Bindings,
    ctx,
  );
  const body = new Uint8Array(await response.arrayBuffer());
  await waitOnExecutionContext(ctx);
  return { response, body };
}

const events = async () =>
  (await env.DB.prepare('SELECT * FROM analytics_events ORDER BY id').all<EventRow>()).results;

const FROM_GERMANY = {
  cf: { country: 'DE' },
  headers: { Referer: 'https://Blog.Example.com/posts/42?utm=secret#top' },
} as RequestInit;

describe('CDN answers counted in the D1 sink (ANALYTICS_SINK=d1, the default)', () => {
  it('writes one row for a miss and one for the Cache API hit after it, with the documented fields', async () => {
    const image = await storeImage(owner.id, {
      filename: `p-${crypto.randomUUID()}.png`,
      album: 'site',
      bytes: makePng(300, 200),
      contentType: 'image/png',
      width: 300,
      height: 200,
    });
    const url = `/cdn/ana/site/${image.filename}/w128`;
    const miss = await cdn(url, {
      ...FROM_GERMANY,
      headers: { ...FROM_GERMANY.headers, Accept: 'image/webp' },
    });
    expect(miss.response.status).toBe(200);
    expect(miss.response.headers.get('X-Cache')).toBe('miss');
    const hit = await cdn(url, { headers: { Accept: 'image/webp' } });
    expect(hit.response.headers.get('X-Cache')).toBe('hit');
    // The stamp that attributes a hit never leaves the Worker.
    for (const { response } of [miss, hit]) expect(response.headers.get('X-Pixelflare-Image')).toBeNull();

    const rows = await events();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      owner_id: owner.id,
      image_id: image.id,
      variant: 'w128',
      status: 200,
      bytes: miss.body.byteLength,
      cache: 'miss',
      engine: 'images-binding',
      country: 'DE',
      referrer: 'blog.example.com',
      format: 'image/webp',
    });
    expect(rows[0]!.duration_ms).toBeGreaterThanOrEqual(0);
    expect(rows[1]).toMatchObject({
      owner_id: owner.id,
      image_id: image.id,
      variant: 'w128',
      status: 200,
      bytes: hit.body.byteLength,
      cache: 'hit',
      engine: '',
      country: 'XX',
      referrer: '',
      format: 'image/webp',
    });
  });

  it('counts an original, a 304, a HEAD, a 400 and a 404 once each', async () => {
    const original = await cdn(`/cdn/i/${logo.shortId}`);
    expect(original.body).toEqual(logoBytes);
    const etag = original.response.headers.get('ETag')!;
    const notModified = await cdn(`/cdn/i/${logo.shortId}`, { headers: { 'If-None-Match': etag } });
    expect(notModified.response.status).toBe(304);
    expect((await cdn(`/cdn/i/${logo.shortId}`, { method: 'HEAD' })).response.status).toBe(200);
    expect((await cdn(`/cdn/i/${logo.shortId}?w=nope`)).response.status).toBe(400);
    expect((await cdn('/cdn/ana/site/missing.png')).response.status).toBe(404);

    const rows = await events();
    expect(rows.map((row) => [row.status, row.bytes, row.variant, row.owner_id === owner.id])).toEqual([
      [200, logoBytes.byteLength, 'original', true],
      [304, 0, 'original', true],
      [200, 0, 'original', true],
      // A malformed transform is refused before the image is looked up: nobody's answer.
      [400, 0, 'transform', false],
      [404, 0, 'original', false],
    ]);
    expect(rows[0]).toMatchObject({ image_id: logo.id, format: 'image/png' });
    expect(rows[4]).toMatchObject({ owner_id: '', image_id: '', cache: 'none', format: '' });
  });
});

describe('CDN answers counted in Analytics Engine (ANALYTICS_SINK=engine)', () => {
  const engine = {
    ANALYTICS_SINK: 'engine',
    CLOUDFLARE_ACCOUNT_ID: 'acc',
    CLOUDFLARE_ANALYTICS_TOKEN: 'token',
  } as Partial<Bindings>;

  it('writes exactly one data point per answer in the documented blob/double/index layout', async () => {
    const fresh = await storeImage(owner.id, {
      filename: 'fresh.png',
      bytes: logoBytes,
      contentType: 'image/png',
      width: 64,
      height: 48,
    });
    const write = vi.spyOn(env.ANALYTICS!, 'writeDataPoint');
    const url = `/cdn/i/${fresh.shortId}`;
    const first = await cdn(url, FROM_GERMANY, engine);
    expect(first.response.status).toBe(200);
    expect(write).toHaveBeenCalledTimes(1);
    const point = write.mock.calls[0]![0]!;
    expect(point.indexes).toEqual([owner.id]);
    expect(point.blobs).toEqual([
      fresh.id,
      'original',
      'original',
      'DE',
      'blog.example.com',
      'image/png',
      '',
    ]);
    expect(point.doubles!.slice(0, 2)).toEqual([logoBytes.byteLength, 200]);
    expect(point.doubles![3]).toBe(0);

    // The original is in the Cache API now: the hit is one more point, attributed without D1.
    const second = await cdn(url, {}, engine);
    expect(second.response.headers.get('X-Cache')).toBe('hit');
    expect(write).toHaveBeenCalledTimes(2);
    const hit = write.mock.calls[1]![0]!;
    expect(hit.indexes).toEqual([owner.id]);
    expect(hit.blobs!.slice(0, 4)).toEqual([fresh.id, 'original', 'hit', 'XX']);
    expect(hit.doubles![3]).toBe(1);
    expect(await events()).toHaveLength(0);
  });

  it('answers in full when writeDataPoint throws', async () => {
    const dataset = faulty(env.ANALYTICS!);
    dataset.fail('writeDataPoint');
    const { response, body } = await cdn(
      `/cdn/i/${logo.shortId}`,
      {},
      { ...engine, ANALYTICS: dataset.binding },
    );
    expect(response.status).toBe(200);
    expect(body).toEqual(logoBytes);
    expect(dataset.calls('writeDataPoint')).toBe(1);
  });
});

describe('ANALYTICS_ENABLED=false', () => {
  it('counts nothing', async () => {
    const { response } = await cdn(`/cdn/i/${logo.shortId}`, {}, {
      ANALYTICS_ENABLED: 'false',
    } as Partial<Bindings>);
    expect(response.status).toBe(200);
    expect(await events()).toHaveLength(0);
  });
});

describe('a failing sink never fails or delays the answer', () => {
  const eventInsert = (args: unknown[]) => String(args[0]).includes('analytics_events');

  it('serves the image when the D1 sink throws, and counts nothing', async () => {
    const db = faulty(env.DB);
    db.fail('prepare', 'throw', { when: eventInsert });
    const { response, body } = await cdn(`/cdn/i/${logo.shortId}`, {}, { DB: db.binding });
    expect(response.status).toBe(200);
    expect(body).toEqual(logoBytes);
    expect(db.calls('prepare')).toBeGreaterThan(0);
    expect(await events()).toHaveLength(0);
  });

  it('answers while the sink hangs; the point is written once it resumes', async () => {
    const db = faulty(env.DB);
    db.fail('prepare', 'hang', { when: eventInsert });
    const ctx = createExecutionContext();
    const response = await createApp().fetch(
      new Request(`${BASE}/cdn/i/${logo.shortId}`),
      { ...env, DB: db.binding } as Bindings,
      ctx,
    );
    // The answer is complete while the sink's write is still hanging.
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(logoBytes);
    await db.hanging('prepare');
    expect(await events()).toHaveLength(0);
    db.release();
    await waitOnExecutionContext(ctx);
    expect(await events()).toHaveLength(1);
  });
});
