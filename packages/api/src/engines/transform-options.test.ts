import { env } from 'cloudflare:workers';
import { resolveTransform, type TransformInput } from '@pixelflare/shared';
import exifr from 'exifr';
import { GifReader, GifWriter } from 'omggif';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BLUE,
  GREEN,
  RED,
  colourAt,
  isClose,
  makeJpeg,
  makeOrientedJpeg,
  storeImage,
  type Rgb,
  type StoredImage,
} from '../../test/fixtures/cdn/images';
import { requestWith } from '../../test/fixtures/cdn/request';
import { authed, call, createUser, type TestUser } from '../../test/helpers';
import { signCdnPath } from '../services/variants/signing';
import { readImageHeader } from './image-size';
import { createImagesBindingEngine } from './images-binding';
import { exifOfJpeg } from './metadata';
import type { ImageEngine, OutputFormat } from './types';
import { createWasmEngine } from './wasm';

/**
 * `trim`, `metadata` and `onerror` on every engine that claims them (the WebAssembly engine and the Images
 * binding, locally Miniflare's), on real pixels and bytes, and through the CDN.
 */

const ENGINES: Record<'wasm' | 'images-binding', () => ImageEngine> = {
  wasm: () => createWasmEngine(),
  'images-binding': () => createImagesBindingEngine(env.IMAGES!),
};

/** Quadrants of 400×200: red | green over blue | white. */
const quadrants = makeJpeg(400, 200);

async function transform(
  engine: ImageEngine,
  input: TransformInput,
  output: OutputFormat,
  source = quadrants,
  size = { width: 400, height: 200 },
) {
  return engine.transform({
    source,
    sourceType: 'image/jpeg',
    sourceSize: size,
    sourceAnimated: false,
    transform: resolveTransform(input),
    output,
  });
}

const near = (bytes: Uint8Array, x: number, y: number, colour: Rgb) => isClose(colourAt(bytes, x, y), colour);

/** A big-endian EXIF APP1 with ASCII and SHORT tags in IFD0, inserted after the JPEG's SOI. */
function withExif(
  jpeg: Uint8Array,
  tags: { orientation?: number; ascii: Record<number, string> },
): Uint8Array {
  const entries: { tag: number; type: number; count: number; value: Uint8Array }[] = [];
  if (tags.orientation)
    entries.push({ tag: 0x0112, type: 3, count: 1, value: new Uint8Array([0, tags.orientation, 0, 0]) });
  for (const [tag, text] of Object.entries(tags.ascii)) {
    const value = new TextEncoder().encode(`${text}\0`);
    entries.push({ tag: Number(tag), type: 2, count: value.length, value });
  }
  entries.sort((a, b) => a.tag - b.tag);
  const ifdSize = 2 + entries.length * 12 + 4;
  const extra = entries.filter((e) => e.value.length > 4).reduce((sum, e) => sum + e.value.length, 0);
  const tiff = new Uint8Array(8 + ifdSize + extra);
  const view = new DataView(tiff.buffer);
  tiff.set([0x4d, 0x4d]);
  view.setUint16(2, 42);
  view.setUint32(4, 8);
  view.setUint16(8, entries.length);
  let data = 8 + ifdSize;
  entries.forEach((entry, i) => {
    const at = 10 + i * 12;
    view.setUint16(at, entry.tag);
    view.setUint16(at + 2, entry.type);
    view.setUint32(at + 4, entry.count);
    if (entry.value.length <= 4) tiff.set(entry.value, at + 8);
    else {
      view.setUint32(at + 8, data);
      tiff.set(entry.value, data);
      data += entry.value.length;
    }
  });
  const length = 2 + 6 + tiff.length;
  const app1 = new Uint8Array([0xff, 0xe1, length >> 8, length & 0xff, 0x45, 0x78, 0x69, 0x66, 0, 0]);
  const out = new Uint8Array(jpeg.length + app1.length + tiff.length);
  out.set(jpeg.subarray(0, 2));
  out.set(app1, 2);
  out.set(tiff, 2 + app1.length);
  out.set(jpeg.subarray(2), 2 + app1.length + tiff.length);
  return out;
}

const COPYRIGHT = 0x8298;
const ARTIST = 0x013b;
/** Stored 32×64 and turned upright (orientation 6) to 64×32, with a copyright and an artist. */
const tagged = withExif(makeJpeg(32, 64), {
  orientation: 6,
  ascii: { [COPYRIGHT]: '(c) Erin Example 2026', [ARTIST]: 'Erin Example' },
});

async function exifTags(bytes: Uint8Array): Promise<Record<string, unknown> | null> {
  if (!exifOfJpeg(bytes)) return null;
  const tags = (await exifr.parse(bytes, { translateValues: false, mergeOutput: true })) as
    Record<string, unknown> | undefined;
  return tags ?? {};
}

describe.each(Object.keys(ENGINES) as (keyof typeof ENGINES)[])('%s engine', (name) => {
  const engine = ENGINES[name]();

  it('trims top;right;bottom;left from the original before anything else', async () => {
    // Keeps x 50..300, y 0..100 of the 400×200 quadrants: red up to x 200, green after.
    const trimmed = await transform(engine, { trim: { top: 0, right: 100, bottom: 100, left: 50 } }, 'png');
    expect(readImageHeader(trimmed.bytes)).toEqual({ format: 'png', width: 250, height: 100 });
    expect(trimmed).toMatchObject({ width: 250, height: 100 });
    expect(near(trimmed.bytes, 140, 50, RED)).toBe(true);
    expect(near(trimmed.bytes, 160, 50, GREEN)).toBe(true);
    // Before rotation and resizing: turned 90° clockwise the left (red) comes on top, then halved.
    const turned = await transform(
      engine,
      { trim: { top: 0, right: 100, bottom: 100, left: 50 }, rotate: 90, height: 125 },
      'png',
    );
    expect(readImageHeader(turned.bytes)).toMatchObject({ width: 50, height: 125 });
    expect(near(turned.bytes, 25, 65, RED)).toBe(true);
    expect(near(turned.bytes, 25, 85, GREEN)).toBe(true);
  });

  it('trims the upright image, after EXIF orientation', async () => {
    // Stored turned by orientation 6; upright 64×32 quadrants. The left half is red over blue.
    const source = makeOrientedJpeg(6, 64, 32);
    const out = await transform(engine, { trim: { top: 0, right: 32, bottom: 0, left: 0 } }, 'png', source, {
      width: 64,
      height: 32,
    });
    expect(readImageHeader(out.bytes)).toMatchObject({ width: 32, height: 32 });
    expect(near(out.bytes, 16, 6, RED)).toBe(true);
    expect(near(out.bytes, 16, 26, BLUE)).toBe(true);
  });

  it('writes the EXIF metadata= asks for into a JPEG, none into WebP or PNG', async () => {
    const size = { width: 64, height: 32 };
    const none = await transform(engine, { metadata: 'none' }, 'jpeg', tagged, size);
    expect(readImageHeader(none.bytes)).toMatchObject({ format: 'jpeg', width: 64, height: 32 });
    expect(await exifTags(none.bytes)).toBeNull();

    const copyright = await transform(engine, {}, 'jpeg', tagged, size);
    const copyrightTags = await exifTags(copyright.bytes);
    expect(copyrightTags).toMatchObject({ Copyright: '(c) Erin Example 2026' });
    expect(copyrightTags).not.toHaveProperty('Artist');
    expect(copyrightTags).not.toHaveProperty('Orientation');

    const kept = await transform(engine, { metadata: 'keep', width: 32 }, 'jpeg', tagged, size);
    expect(readImageHeader(kept.bytes)).toMatchObject({ width: 32, height: 16 });
    // Everything the original had, its orientation written as 1: the pixels are upright already.
    expect(await exifTags(kept.bytes)).toMatchObject({
      Copyright: '(c) Erin Example 2026',
      Artist: 'Erin Example',
      Orientation: 1,
    });

    for (const format of ['webp', 'png'] as const) {
      const out = await transform(engine, { metadata: 'keep' }, format, tagged, size);
      expect(new TextDecoder('latin1').decode(out.bytes)).not.toMatch(/Exif|EXIF|eXIf|Erin/);
    }
  });
});

describe('metadata with a binding that keeps EXIF of its own (as Cloudflare production may)', () => {
  /** A stand-in binding answering every call with `answer`. */
  const answering = (answer: Uint8Array) => {
    const transformer = {
      transform: () => transformer,
      draw: () => transformer,
      output: async (options: ImageOutputOptions) => ({
        contentType: () => options.format,
        image: () => new Response(answer).body!,
        response: () => new Response(answer),
      }),
    };
    return { input: () => transformer, info: async () => ({}) } as unknown as ImagesBinding;
  };
  const fromBinding = withExif(makeJpeg(64, 32), { ascii: { [ARTIST]: 'Binding Kept This' } });

  it('replaces it with what metadata= asks for', async () => {
    const engine = createImagesBindingEngine(answering(fromBinding));
    const size = { width: 64, height: 32 };
    const none = await transform(engine, { metadata: 'none' }, 'jpeg', tagged, size);
    expect(await exifTags(none.bytes)).toBeNull();
    const copyright = await exifTags((await transform(engine, {}, 'jpeg', tagged, size)).bytes);
    expect(copyright).toMatchObject({ Copyright: '(c) Erin Example 2026' });
    expect(copyright).not.toHaveProperty('Artist');
  });
});

describe('trim on the Images binding engine', () => {
  it('refuses sources above BINDING_TRIM_MAX_SOURCE_PIXELS with 422 (it holds the whole original decoded)', async () => {
    const error = await transform(
      ENGINES['images-binding'](),
      { trim: { top: 1, right: 1, bottom: 1, left: 1 } },
      'webp',
      quadrants,
      { width: 4000, height: 3001 },
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 422, code: 'IMAGE_TOO_LARGE' });
  });
});

describe('trim on an animation (the frame renderer, both engines)', () => {
  it('cuts every frame', async () => {
    const width = 40;
    const height = 20;
    const buffer = new Uint8Array(8192);
    const writer = new GifWriter(buffer, width, height, { palette: [0xe61414, 0x1414e6, 0, 0], loop: 0 });
    // Two frames, red on the left half and blue on the right; the second one brighter.
    const indices = Array.from({ length: width * height }, (_, i) => (i % width < width / 2 ? 0 : 1));
    for (let frame = 0; frame < 2; frame++) writer.addFrame(0, 0, width, height, indices, { delay: 10 });
    const gif = buffer.slice(0, writer.end());
    for (const engine of Object.values(ENGINES)) {
      const out = await engine().transform({
        source: gif,
        sourceType: 'image/gif',
        sourceSize: { width, height },
        sourceAnimated: true,
        transform: resolveTransform({ trim: { top: 0, right: 0, bottom: 0, left: 20 } }),
        output: 'gif',
      });
      expect(out).toMatchObject({ width: 20, height: 20 });
      const reader = new GifReader(out.bytes);
      expect([reader.width, reader.height, reader.numFrames()]).toEqual([20, 20, 2]);
      for (let frame = 0; frame < 2; frame++) {
        const pixels = new Uint8Array(20 * 20 * 4);
        reader.decodeAndBlitFrameRGBA(frame, pixels);
        // Only the blue half is left.
        for (const at of [0, 19, 20 * 19, 20 * 20 - 1])
          expect(isClose([pixels[at * 4]!, pixels[at * 4 + 1]!, pixels[at * 4 + 2]!], BLUE)).toBe(true);
      }
    }
  });
});

describe('through the CDN', () => {
  let owner: TestUser;
  let photo: StoredImage;
  let tooLarge: StoredImage;
  let secret: StoredImage;

  beforeAll(async () => {
    owner = await createUser('tilda');
    const jpeg = { contentType: 'image/jpeg' as const, width: 400, height: 200 };
    photo = await storeImage(owner.id, { ...jpeg, filename: 'quadrants.jpg', bytes: quadrants });
    // A row claiming 6 MP: the WebAssembly engine refuses it (422), which is the failure onerror answers.
    const huge = { contentType: 'image/jpeg' as const, width: 3000, height: 2000, bytes: quadrants };
    tooLarge = await storeImage(owner.id, { ...huge, filename: 'huge.jpg' });
    secret = await storeImage(owner.id, { ...huge, filename: 'secret.jpg', isPrivate: true });
  });

  it.each(['wasm', 'images-binding'])('trims in the query and path forms (%s)', async (engine) => {
    const vars = { IMAGE_ENGINE: engine };
    const query = await requestWith(`/cdn/i/${photo.shortId}?trim=0;100;100;50&f=png`, vars);
    expect(query.status).toBe(200);
    const bytes = new Uint8Array(await query.arrayBuffer());
    expect(readImageHeader(bytes)).toEqual({ format: 'png', width: 250, height: 100 });
    expect(near(bytes, 140, 50, RED)).toBe(true);
    expect(near(bytes, 160, 50, GREEN)).toBe(true);
    // A preset by path with a trim: trimmed first, then the preset's scale-down to 128 wide.
    const preset = await requestWith(
      `/cdn/tilda/default/quadrants.jpg/w128?trim=0%3B100%3B100%3B50&f=png`,
      vars,
    );
    expect(preset.status).toBe(200);
    expect(readImageHeader(new Uint8Array(await preset.arrayBuffer()))).toMatchObject({
      width: 128,
      height: 51,
    });
  });

  it.each(['wasm', 'images-binding'])(
    'takes a focal point as a point of the original (%s)',
    async (engine) => {
      // Trimmed to x 100..400 (red up to 200, then green). The original's centre, x = 200, is a third of the way
      // into what is left: the 50-wide crop of the 150×100 scaled image is centred there, red on its left.
      const url = `/cdn/i/${photo.shortId}?trim=0;0;0;100&w=50&h=100&fit=cover&g=0.5x0.5&f=png`;
      const response = await requestWith(url, { IMAGE_ENGINE: engine });
      expect(response.status).toBe(200);
      const bytes = new Uint8Array(await response.arrayBuffer());
      expect(readImageHeader(bytes)).toMatchObject({ width: 50, height: 100 });
      expect(near(bytes, 8, 25, RED)).toBe(true);
      expect(near(bytes, 42, 25, GREEN)).toBe(true);
    },
  );

  it('refuses a malformed trim and one that leaves no pixel with 400 naming trim', async () => {
    for (const trim of ['1;2;3', '0;0;200;0', '0;200;0;200']) {
      const response = await requestWith(`/cdn/i/${photo.shortId}?trim=${trim}`, {});
      expect(response.status, trim).toBe(400);
      const body = (await response.json()) as { error: { code: string; issues: { path: string }[] } };
      expect(body.error.code).toBe('VALIDATION_FAILED');
      expect(body.error.issues.map((issue) => issue.path)).toEqual(['trim']);
    }
    const metadata = await requestWith(`/cdn/i/${photo.shortId}?metadata=all`, {});
    expect(metadata.status).toBe(400);
  });

  it('onerror=redirect answers a failed transform with a redirect to the original, never cached', async () => {
    const vars = { IMAGE_ENGINE: 'wasm' };
    const failed = await requestWith(`/cdn/i/${tooLarge.shortId}?w=100`, vars);
    expect(failed.status).toBe(422);
    for (let attempt = 0; attempt < 2; attempt++) {
      const redirect = await requestWith(`/cdn/i/${tooLarge.shortId}?w=100&onerror=redirect`, vars);
      expect(redirect.status).toBe(302);
      expect(redirect.headers.get('Location')).toBe(`http://localhost/cdn/i/${tooLarge.shortId}`);
      expect(redirect.headers.get('Cache-Control')).toBe('no-store');
      expect(redirect.headers.get('X-Cache')).toBeNull();
    }
    // The path form, a preset, on a dedicated CDN host: the variant segment and the query are dropped.
    const onHost = await requestWith(`http://img.options.test/tilda/default/huge.jpg/w256?onerror=redirect`, {
      ...vars,
      CDN_HOSTNAME: 'img.options.test',
    });
    expect(onHost.status).toBe(302);
    expect(onHost.headers.get('Location')).toBe('http://img.options.test/tilda/default/huge.jpg');
    const original = await requestWith(`/cdn/i/${tooLarge.shortId}`, vars);
    expect(original.status).toBe(200);
    // A URL's own mistake is still its error.
    expect((await requestWith(`/cdn/i/${tooLarge.shortId}?w=0&onerror=redirect`, vars)).status).toBe(400);
  });

  it('onerror=redirect never sends a signed transform of a private image to its unsigned original', async () => {
    const path = `/cdn/i/${secret.shortId}`;
    const query: [string, string][] = [
      ['onerror', 'redirect'],
      ['w', '100'],
    ];
    const expires = Math.floor(Date.now() / 1000) + 600;
    const sig = await signCdnPath({
      kv: env.KV,
      serverSecret: env.API_HASH_SECRET,
      ownerId: owner.id,
      path,
      query,
      expires,
    });
    const response = await requestWith(`${path}?w=100&onerror=redirect&exp=${expires}&sig=${sig}`, {
      IMAGE_ENGINE: 'wasm',
    });
    expect(response.status).toBe(422);
    expect(response.headers.get('Location')).toBeNull();
  });

  it('keeps onerror out of named transforms', async () => {
    const response = await call(
      '/v1/transforms',
      authed(owner.key, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'fallback', params: { w: '100', onerror: 'redirect' } }),
      }),
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { issues: { path: string }[] } };
    expect(body.error.issues.map((issue) => issue.path)).toEqual(['params.onerror']);
  });
});
