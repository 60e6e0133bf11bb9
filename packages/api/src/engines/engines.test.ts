import { env } from 'cloudflare:workers';
import { resolveTransform, type TransformInput } from '@pixelflare/shared';
import { beforeAll, describe, expect, it } from 'vitest';
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
import { requestWith } from '../../test/fixtures/cdn/request';
import { createUser } from '../../test/helpers';
import { AppError } from '../lib/errors';
import { signCdnPath } from '../services/variants/signing';
import { readImageHeader } from './image-size';
import { passthroughEngine } from './passthrough';
import type { OutputFormat } from './types';
import { createWasmEngine } from './wasm';

const jpeg = makeJpeg(1600, 1200);
const run = (
  input: TransformInput,
  output: OutputFormat = 'png',
  source = jpeg,
  size = { width: 1600, height: 1200 },
) =>
  createWasmEngine().transform({
    source,
    sourceType: 'image/jpeg',
    sourceSize: size,
    sourceAnimated: false,
    transform: resolveTransform(input),
    output,
  });

describe('WebAssembly engine', () => {
  it('resizes and encodes lossy WebP, JPEG and PNG', async () => {
    for (const format of ['webp', 'jpeg', 'png'] as const) {
      const out = await run({ width: 400 }, format);
      expect(readImageHeader(out.bytes)).toEqual({ format, width: 400, height: 300 });
      expect(out).toMatchObject({ width: 400, height: 300, engine: 'wasm' });
    }
    // Lossy WebP of a flat image is tiny; Photon's lossless WebP would not be.
    expect((await run({ width: 400 }, 'webp')).bytes.byteLength).toBeLessThan(5000);
  });

  it('covers, pads, flips, blurs and sharpens', async () => {
    const cover = await run({ width: 200, height: 200, fit: 'cover', gravity: { x: 0, y: 0 } });
    expect(readImageHeader(cover.bytes)).toMatchObject({ width: 200, height: 200 });
    expect(isClose(colourAt(cover.bytes, 110, 20), RED)).toBe(true);
    const pad = await run({ width: 300, height: 300, fit: 'pad', background: '#000000' });
    expect(readImageHeader(pad.bytes)).toMatchObject({ width: 300, height: 300 });
    expect(isClose(colourAt(pad.bytes, 150, 5), [0, 0, 0])).toBe(true);
    const rotated = await run({ width: 300, rotate: 90 });
    expect(readImageHeader(rotated.bytes)).toMatchObject({ width: 300, height: 400 });
    expect(isClose(colourAt(rotated.bytes, 20, 20), BLUE)).toBe(true);
    const flipped = await run({ width: 400, flip: 'v' });
    expect(isClose(colourAt(flipped.bytes, 20, 20), BLUE)).toBe(true);
    const blurred = await run({ width: 400, blur: 40, sharpen: 2 });
    const edge = colourAt(blurred.bytes, 200, 50);
    expect(edge[0]).toBeGreaterThan(60);
    expect(edge[1]).toBeGreaterThan(60);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('turns EXIF orientation %i upright', async (orientation) => {
    const source = makeOrientedJpeg(orientation, 64, 32);
    const size = orientation >= 5 ? { width: 32, height: 64 } : { width: 64, height: 32 };
    const out = await run({ width: 64 }, 'png', source, size);
    expect(readImageHeader(out.bytes)).toMatchObject({ width: 64, height: 32 });
    expect(isClose(colourAt(out.bytes, 8, 8), RED)).toBe(true);
    expect(isClose(colourAt(out.bytes, 56, 8), GREEN)).toBe(true);
    expect(isClose(colourAt(out.bytes, 8, 24), BLUE)).toBe(true);
    expect(isClose(colourAt(out.bytes, 56, 24), WHITE)).toBe(true);
  });

  it('refuses sources above its pixel cap with 422', async () => {
    const error = await createWasmEngine(1_000_000)
      .transform({
        source: jpeg,
        sourceType: 'image/jpeg',
        sourceSize: { width: 1600, height: 1200 },
        sourceAnimated: false,
        transform: resolveTransform({ width: 100 }),
        output: 'webp',
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ status: 422, code: 'IMAGE_TOO_LARGE' });
  });
});

describe('engine selection through the CDN', () => {
  let stored: StoredImage;
  let ownerId: string;
  const request = requestWith;

  beforeAll(async () => {
    const owner = await createUser('erin');
    ownerId = owner.id;
    stored = await storeImage(owner.id, {
      filename: 'photo.png',
      bytes: makePng(400, 200),
      contentType: 'image/png',
      width: 400,
      height: 200,
    });
  });

  it('uses the WebAssembly engine when asked, negotiating WebP since it writes no AVIF', async () => {
    const response = await request(
      `/cdn/i/${stored.shortId}?w=100`,
      { IMAGE_ENGINE: 'wasm' },
      { Accept: 'image/avif,image/webp' },
    );
    expect(response.status).toBe(200);
    expect(readImageHeader(new Uint8Array(await response.arrayBuffer()))).toEqual({
      format: 'webp',
      width: 100,
      height: 50,
    });
  });

  it('serves the original for every variant in passthrough mode', async () => {
    const response = await request(`/cdn/i/${stored.shortId}/w128`, { IMAGE_ENGINE: 'passthrough' });
    expect(readImageHeader(new Uint8Array(await response.arrayBuffer()))).toEqual({
      format: 'png',
      width: 400,
      height: 200,
    });
    const out = await passthroughEngine.transform({
      source: jpeg,
      sourceType: 'image/jpeg',
      sourceSize: { width: 1600, height: 1200 },
      sourceAnimated: false,
      transform: resolveTransform({ width: 10 }),
      output: 'webp',
    });
    expect(out.bytes).toBe(jpeg);
  });

  it('answers 503 naming the problem when images-binding is chosen but not bound', async () => {
    const response = await request(`/cdn/i/${stored.shortId}?w=37`, {
      IMAGE_ENGINE: 'images-binding',
      IMAGES: undefined,
    });
    expect(response.status).toBe(503);
  });

  it('serves CDN paths without the /cdn prefix on CDN_HOSTNAME', async () => {
    const response = await request(`http://img.example.test/erin/default/photo.png`, {
      CDN_HOSTNAME: 'img.example.test',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('image/png');
    expect(response.headers.get('Content-Security-Policy')).toContain("default-src 'none'");
    const elsewhere = await request(`http://api.example.test/erin/default/photo.png`, {
      CDN_HOSTNAME: 'img.example.test',
    });
    expect(elsewhere.status).toBe(404);
  });

  it('refuses unsigned custom transforms with REQUIRE_SIGNED_TRANSFORMS, but not presets', async () => {
    const vars = { REQUIRE_SIGNED_TRANSFORMS: 'true' };
    const unsigned = await request(`/cdn/i/${stored.shortId}?w=90`, vars);
    expect(unsigned.status).toBe(403);
    expect((await request(`/cdn/i/${stored.shortId}/w128`, vars)).status).toBe(200);
    const path = `/cdn/i/${stored.shortId}`;
    const expires = Math.floor(Date.now() / 1000) + 60;
    const sig = await signCdnPath({
      kv: env.KV,
      serverSecret: env.API_HASH_SECRET,
      ownerId,
      path,
      query: [['w', '90']],
      expires,
    });
    const signed = await request(`${path}?w=90&exp=${expires}&sig=${sig}`, vars, { Accept: 'image/webp' });
    expect(signed.status).toBe(200);
    expect(readImageHeader(new Uint8Array(await signed.arrayBuffer()))).toMatchObject({
      width: 90,
      height: 45,
    });
  });

  it('rate-limits only requests that run the engine, answering 429 with Retry-After', async () => {
    const ip = '203.0.113.77';
    // Empty, and refilling only from a minute ahead: the bucket refills 1,000 a minute, so an empty bucket stamped
    // now would hold a token again after 60 ms, whatever a loaded machine makes of that.
    await env.KV.put(`rl:cdn:${ip}`, JSON.stringify({ tokens: 0, updatedAt: Date.now() + 60_000 }));
    const limited = await request(`/cdn/i/${stored.shortId}?w=123`, {}, { 'CF-Connecting-IP': ip });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(0);
    // The original and an already stored variant need no engine, so they are served.
    expect((await request(`/cdn/i/${stored.shortId}`, {}, { 'CF-Connecting-IP': ip })).status).toBe(200);
    expect(
      (
        await request(
          `/cdn/i/${stored.shortId}?w=100`,
          { IMAGE_ENGINE: 'wasm' },
          { 'CF-Connecting-IP': ip, Accept: 'image/webp' },
        )
      ).status,
    ).toBe(200);
  });
});
