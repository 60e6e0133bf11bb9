import { createDb, images } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, createUser, errorOf, type TestUser } from '../../test/helpers';
import {
  BLUE,
  GREEN,
  RED,
  WHITE,
  colourAt,
  isClose,
  makeJpeg,
  makeOrientedJpeg,
  makePng,
  storeImage,
  type StoredImage,
} from '../../test/fixtures/cdn/images';
import { readImageHeader } from '../engines/image-size';
import { purgeImageFromCdnCache } from '../services/variants/cdn-cache';

const WEBP = { Accept: 'image/webp,image/*' };
const AVIF = { Accept: 'image/avif,image/webp,image/*' };
const bytesOf = async (response: Response) => new Uint8Array(await response.arrayBuffer());

let owner: TestUser;
let photo: StoredImage;
let photoBytes: Uint8Array;
let pngImage: StoredImage;

beforeAll(async () => {
  owner = await createUser('alice');
  photoBytes = makeJpeg(1600, 1200);
  photo = await storeImage(owner.id, {
    filename: 'beach.jpg',
    album: 'holiday',
    bytes: photoBytes,
    contentType: 'image/jpeg',
    width: 1600,
    height: 1200,
  });
  pngImage = await storeImage(owner.id, {
    filename: 'logo.png',
    bytes: makePng(200, 100),
    contentType: 'image/png',
    width: 200,
    height: 100,
  });
});

describe('originals', () => {
  it('serves the original by path and by short id with exact type, strong ETag and immutable caching', async () => {
    for (const path of ['/cdn/alice/holiday/beach.jpg', `/cdn/i/${photo.shortId}`]) {
      const response = await call(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('Content-Type')).toBe('image/jpeg');
      expect(response.headers.get('ETag')).toMatch(/^"[0-9a-f]+"$/);
      expect(response.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
      expect(response.headers.get('Content-Security-Policy')).toBe(
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
      );
      expect(await bytesOf(response)).toEqual(photoBytes);
    }
  });

  it('answers HEAD without a body, 304 for a matching If-None-Match, 206 for a byte range', async () => {
    const head = await call('/cdn/alice/holiday/beach.jpg', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('Content-Length')).toBe(String(photoBytes.length));
    expect((await bytesOf(head)).length).toBe(0);

    const etag = head.headers.get('ETag')!;
    const cached = await call('/cdn/alice/holiday/beach.jpg', { headers: { 'If-None-Match': etag } });
    expect(cached.status).toBe(304);

    const range = await call('/cdn/alice/holiday/beach.jpg', { headers: { Range: 'bytes=10-19' } });
    expect(range.status).toBe(206);
    expect(range.headers.get('Content-Range')).toBe(`bytes 10-19/${photoBytes.length}`);
    expect(await bytesOf(range)).toEqual(photoBytes.subarray(10, 20));

    const outside = await call('/cdn/alice/holiday/beach.jpg', { headers: { Range: 'bytes=99999999-' } });
    expect(outside.status).toBe(416);
  });

  it('answers 404 JSON, cached for five minutes, for unknown owners, albums, files and short ids', async () => {
    for (const path of [
      '/cdn/nobody/holiday/beach.jpg',
      '/cdn/alice/other/beach.jpg',
      '/cdn/alice/holiday/missing.jpg',
      '/cdn/i/zzzzzz',
      '/cdn/alice',
    ]) {
      const response = await call(path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('Cache-Control')).toBe('public, max-age=300');
      expect((await errorOf(response)).code).toBe('NOT_FOUND');
    }
  });

  it('stops serving a trashed image at once', async () => {
    const doomed = await storeImage(owner.id, {
      filename: 'doomed.png',
      bytes: makePng(20, 20),
      contentType: 'image/png',
      width: 20,
      height: 20,
    });
    expect((await call(`/cdn/i/${doomed.shortId}`)).status).toBe(200);
    // What the trash route does: mark the row, then purge the Cache API.
    await createDb(env.DB).update(images).set({ deletedAt: new Date() }).where(eq(images.id, doomed.id));
    await purgeImageFromCdnCache(caches.default, { ownerSlug: 'alice', ...doomed });
    expect((await call(`/cdn/i/${doomed.shortId}`)).status).toBe(404);
    expect((await call('/cdn/alice/default/doomed.png')).status).toBe(404);
  });

  it('serves SVG as drawn, sandboxed so its scripts cannot run', async () => {
    const svg = new TextEncoder().encode(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>',
    );
    const stored = await storeImage(owner.id, {
      filename: 'icon.svg',
      bytes: svg,
      contentType: 'image/svg+xml',
      width: 10,
      height: 10,
    });
    for (const path of [`/cdn/i/${stored.shortId}`, `/cdn/i/${stored.shortId}/w128`]) {
      const response = await call(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('Content-Type')).toBe('image/svg+xml');
      expect(response.headers.get('Content-Security-Policy')).toContain('sandbox');
      expect(response.headers.get('Content-Security-Policy')).toContain("default-src 'none'");
    }
  });
});

describe('presets', () => {
  it.each([
    ['w128', 128, 96],
    ['w256', 256, 192],
    ['w512', 512, 384],
    ['w1024', 1024, 768],
    ['w1536', 1536, 1152],
    ['thumb', 128, 128],
    ['og-image', 1200, 630],
  ])('%s comes out at its real size as WebP', async (preset, width, height) => {
    const response = await call(`/cdn/alice/holiday/beach.jpg/${preset}`, { headers: WEBP });
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('image/webp');
    expect(response.headers.get('Vary')).toBe('Accept');
    expect(response.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
    expect(readImageHeader(await bytesOf(response))).toEqual({ format: 'webp', width, height });
  });

  it('w2048 never enlarges a smaller original', async () => {
    const response = await call('/cdn/alice/holiday/beach.jpg/w2048', { headers: WEBP });
    expect(readImageHeader(await bytesOf(response))).toMatchObject({ width: 1600, height: 1200 });
  });

  it('negotiates AVIF, then WebP, then the original format, and AVIF wider than 1200 px falls back to WebP', async () => {
    const avif = await call('/cdn/alice/holiday/beach.jpg/w512', { headers: AVIF });
    expect(avif.headers.get('Content-Type')).toBe('image/avif');
    expect(readImageHeader(await bytesOf(avif))).toEqual({ format: 'avif', width: 512, height: 384 });

    const wide = await call('/cdn/alice/holiday/beach.jpg/w1536', { headers: AVIF });
    expect(wide.headers.get('Content-Type')).toBe('image/webp');

    const plain = await call('/cdn/alice/holiday/beach.jpg/w256', { headers: { Accept: '*/*' } });
    expect(plain.headers.get('Content-Type')).toBe('image/jpeg');
    expect(readImageHeader(await bytesOf(plain))).toEqual({ format: 'jpeg', width: 256, height: 192 });
  });

  it('serves a repeated request without running the engine again', async () => {
    const first = await call('/cdn/alice/holiday/beach.jpg/w256?q=60', { headers: WEBP });
    expect(first.headers.get('X-Cache')).toBe('miss');
    const body = await bytesOf(first);
    const second = await call('/cdn/alice/holiday/beach.jpg/w256?q=60', { headers: WEBP });
    expect(['hit', 'stored']).toContain(second.headers.get('X-Cache'));
    expect(await bytesOf(second)).toEqual(body);
    expect(second.headers.get('ETag')).toBe(first.headers.get('ETag'));
    const revalidated = await call('/cdn/alice/holiday/beach.jpg/w256?q=60', {
      headers: { ...WEBP, 'If-None-Match': first.headers.get('ETag')! },
    });
    expect(revalidated.status).toBe(304);
  });

  it('refuses an unknown variant naming it', async () => {
    const response = await call('/cdn/alice/holiday/beach.jpg/w999');
    expect(response.status).toBe(400);
    expect((await errorOf(response)).message).toContain('w999');
  });
});

describe('transform parameters', () => {
  const png = (query: string) => call(`/cdn/i/${photo.shortId}?${query}&format=png`);

  it('resizes with w, h, dpr and each fit', async () => {
    const cases: [string, number, number][] = [
      ['w=300', 300, 225],
      ['h=150', 200, 150],
      ['w=100&dpr=2', 200, 150],
      ['w=300&h=300&fit=cover', 300, 300],
      ['w=300&h=300&fit=contain', 300, 225],
      ['w=300&h=300&fit=squeeze', 300, 300],
      ['w=300&h=300&fit=pad&bg=%23000000', 300, 300],
      ['w=4000&fit=scale-down', 1600, 1200],
      ['w=2000&h=2000&fit=crop', 1600, 1200],
    ];
    for (const [query, width, height] of cases) {
      const response = await png(query);
      expect(response.status, query).toBe(200);
      expect(response.headers.get('Cache-Control')).toBe('public, max-age=86400');
      expect(readImageHeader(await bytesOf(response)), query).toEqual({ format: 'png', width, height });
    }
  });

  it('pads with the background colour', async () => {
    const bytes = await bytesOf(await png('w=300&h=300&fit=pad&bg=%23000000'));
    expect(isClose(colourAt(bytes, 150, 5), [0, 0, 0])).toBe(true);
    expect(isClose(colourAt(bytes, 10, 60), RED)).toBe(true);
  });

  it('rotates, flips and crops around a focal point', async () => {
    const rotated = await bytesOf(await png('w=400&rotate=90'));
    expect(readImageHeader(rotated)).toMatchObject({ width: 400, height: 533 });
    // Turned clockwise, the bottom-left (blue) quadrant comes to the top left.
    expect(isClose(colourAt(rotated, 20, 20), BLUE)).toBe(true);

    const flipped = await bytesOf(await png('w=400&flip=h'));
    expect(isClose(colourAt(flipped, 20, 20), GREEN)).toBe(true);
    const both = await bytesOf(await png('w=400&flip=hv'));
    expect(isClose(colourAt(both, 20, 20), WHITE)).toBe(true);

    // Cover scales 1600×1200 to 267×200 and keeps 200 px of its width: where depends on the focal point.
    const centre = await bytesOf(await png('w=200&h=200&fit=cover'));
    expect(isClose(colourAt(centre, 110, 20), GREEN)).toBe(true);
    expect(isClose(colourAt(centre, 70, 180), BLUE)).toBe(true);
    const left = await bytesOf(await png('w=200&h=200&fit=cover&g=0x0'));
    expect(readImageHeader(left)).toMatchObject({ width: 200, height: 200 });
    expect(isClose(colourAt(left, 110, 20), RED)).toBe(true);
    const right = await bytesOf(await png('w=200&h=200&fit=cover&gravity=1x1'));
    expect(isClose(colourAt(right, 70, 180), WHITE)).toBe(true);
  });

  it('blurs and sharpens at the requested size', async () => {
    const sharp = await bytesOf(await png('w=400&sharpen=5'));
    expect(readImageHeader(sharp)).toMatchObject({ width: 400, height: 300 });
    const blurred = await bytesOf(await png('w=400&blur=40'));
    expect(readImageHeader(blurred)).toMatchObject({ width: 400, height: 300 });
    // At the red/green border the blur mixes both colours; unblurred it stays sharp.
    const edge = colourAt(blurred, 200, 50);
    expect(edge[0]).toBeGreaterThan(60);
    expect(edge[1]).toBeGreaterThan(60);
  });

  it('encodes the requested format and quality', async () => {
    const jpeg = await call(`/cdn/i/${pngImage.shortId}?w=100&format=jpeg&q=50`);
    expect(jpeg.headers.get('Content-Type')).toBe('image/jpeg');
    expect(jpeg.headers.get('Vary')).toBeNull();
    expect(readImageHeader(await bytesOf(jpeg))).toEqual({ format: 'jpeg', width: 100, height: 50 });
    const avif = await call(`/cdn/i/${pngImage.shortId}?w=100&f=avif`);
    expect(readImageHeader(await bytesOf(avif))).toEqual({ format: 'avif', width: 100, height: 50 });
  });

  it.each([
    ['w=0', 'w'],
    ['w=5000', 'w'],
    ['q=0', 'q'],
    ['fit=fill', 'fit'],
    ['blur=300', 'blur'],
    ['rotate=45', 'rotate'],
    ['colour=red', 'colour'],
    ['t=missing', 't'],
  ])('refuses %s with 400 naming %s', async (query, name) => {
    const response = await call(`/cdn/alice/holiday/beach.jpg?${query}`);
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.issues?.map((issue) => issue.path)).toContain(name);
    expect(error.message).toContain(name);
  });
});

describe('EXIF orientation', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'orientation %i comes out upright, before any crop',
    async (orientation) => {
      const stored = await storeImage(owner.id, {
        filename: `oriented-${orientation}.jpg`,
        bytes: makeOrientedJpeg(orientation, 64, 32),
        contentType: 'image/jpeg',
        width: orientation >= 5 ? 32 : 64,
        height: orientation >= 5 ? 64 : 32,
      });
      const bytes = await bytesOf(await call(`/cdn/i/${stored.shortId}?format=png&w=64`));
      expect(readImageHeader(bytes)).toMatchObject({ width: 64, height: 32 });
      expect(isClose(colourAt(bytes, 8, 8), RED)).toBe(true);
      expect(isClose(colourAt(bytes, 56, 8), GREEN)).toBe(true);
      expect(isClose(colourAt(bytes, 8, 24), BLUE)).toBe(true);
      expect(isClose(colourAt(bytes, 56, 24), WHITE)).toBe(true);
    },
  );
});
