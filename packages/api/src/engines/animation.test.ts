import { env } from 'cloudflare:workers';
import { ANIMATION_LIMITS } from '@pixelflare/config';
import { resolveTransform } from '@pixelflare/shared';
import { PhotonImage } from '@cf-wasm/photon/workerd';
import { GifReader, GifWriter } from 'omggif';
import { beforeAll, describe, expect, it } from 'vitest';
import { SPIN_WEBP } from '../../test/fixtures/animated/spin-webp.generated';
import { BLUE, GREEN, RED, colourAt, isClose, makePng, type Rgb } from '../../test/fixtures/cdn/images';
import { requestWith } from '../../test/fixtures/cdn/request';
import { uploadForm, upload } from '../../test/fixtures/upload-helpers';
import { authed, call, createUser, type TestUser } from '../../test/helpers';
import { runQueueBatch } from '../../test/queue';
import { createImagesBindingEngine } from './images-binding';
import { createWasmEngine } from './wasm';

// Frames are read here independently of the engines' own readers: omggif decodes GIF answers, and WebP answers
// are split at their ANMF chunks, each frame decoded on its own by Photon. Every frame the engines write covers the
// whole canvas, so each is decoded alone: a pixel it does not draw reads as transparent.

type Rgba = [number, number, number, number];

interface Frames {
  count: number;
  width: number;
  height: number;
  /** Each frame's delay in milliseconds. */
  delays: number[];
  /** How often it plays: 0 forever, `null` for a still. */
  loops: number | null;
  /** Each frame's RGBA pixels. */
  pixels: Uint8Array[];
  /** The colour at the centre of each frame. */
  colours: Rgb[];
  /** The colour near the top-left corner of each frame. */
  corners: Rgb[];
}

function pixelAt(frames: Pick<Frames, 'width' | 'pixels'>, frame: number, x: number, y: number): Rgba {
  const i = (y * frames.width + x) * 4;
  const pixels = frames.pixels[frame]!;
  return [pixels[i]!, pixels[i + 1]!, pixels[i + 2]!, pixels[i + 3]!];
}

function framesFrom(
  width: number,
  height: number,
  pixels: Uint8Array[],
  delays: number[],
  loops: number | null = null,
): Frames {
  const base = { width, pixels };
  const rgb = (frame: number, x: number, y: number) => pixelAt(base, frame, x, y).slice(0, 3) as Rgb;
  return {
    count: pixels.length,
    width,
    height,
    delays,
    loops,
    pixels,
    colours: pixels.map((_, i) => rgb(i, Math.floor(width / 2), Math.floor(height / 2))),
    corners: pixels.map((_, i) => rgb(i, 2, 2)),
  };
}

/** An animated GIF whose frames are solid colours; `frame` may cover only part of the canvas. */
function makeGif(
  colours: Rgb[],
  canvas: { width: number; height: number },
  frame: { width: number; height: number } = canvas,
): Uint8Array {
  const palette = [...colours.map(([r, g, b]) => (r << 16) | (g << 8) | b)];
  while (palette.length < 4 || (palette.length & (palette.length - 1)) !== 0) palette.push(0);
  const buffer = new Uint8Array(1024 + colours.length * (frame.width * frame.height * 2 + 64));
  const writer = new GifWriter(buffer, canvas.width, canvas.height, { palette, loop: 0 });
  colours.forEach((_, index) =>
    writer.addFrame(
      0,
      0,
      frame.width,
      frame.height,
      new Array<number>(frame.width * frame.height).fill(index),
      {
        delay: 10,
      },
    ),
  );
  return buffer.slice(0, writer.end());
}

function gifFrames(bytes: Uint8Array): Frames {
  const reader = new GifReader(bytes);
  const pixels: Uint8Array[] = [];
  const delays: number[] = [];
  for (let i = 0; i < reader.numFrames(); i++) {
    expect(reader.frameInfo(i)).toMatchObject({ x: 0, y: 0, width: reader.width, height: reader.height });
    const frame = new Uint8Array(reader.width * reader.height * 4);
    reader.decodeAndBlitFrameRGBA(i, frame);
    pixels.push(frame);
    delays.push(reader.frameInfo(i).delay * 10);
  }
  return framesFrom(reader.width, reader.height, pixels, delays, reader.loopCount());
}

const fourcc = (bytes: Uint8Array, at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
const u24 = (bytes: Uint8Array, at: number) => bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);

function decodeWebp(bytes: Uint8Array): { width: number; height: number; pixels: Uint8Array } {
  const image = PhotonImage.new_from_byteslice(bytes);
  const decoded = { width: image.get_width(), height: image.get_height(), pixels: image.get_raw_pixels() };
  image.free();
  return decoded;
}

/** One ANMF frame's image chunks as a still WebP: VP8X first when they carry ALPH (lossy with alpha). */
function stillWebp(chunks: Uint8Array, width: number, height: number): Uint8Array {
  const extended = fourcc(chunks, 0) === 'ALPH';
  const out = new Uint8Array(12 + (extended ? 18 : 0) + chunks.length);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode('RIFF'), 0);
  view.setUint32(4, out.length - 8, true);
  out.set(new TextEncoder().encode('WEBP'), 8);
  if (extended) {
    out.set(new TextEncoder().encode('VP8X'), 12);
    view.setUint32(16, 10, true);
    out[20] = 0x10;
    out.set([(width - 1) & 0xff, ((width - 1) >> 8) & 0xff, (width - 1) >> 16], 24);
    out.set([(height - 1) & 0xff, ((height - 1) >> 8) & 0xff, (height - 1) >> 16], 27);
  }
  out.set(chunks, out.length - chunks.length);
  return out;
}

function webpFrames(bytes: Uint8Array): Frames {
  expect(fourcc(bytes, 0)).toBe('RIFF');
  expect(fourcc(bytes, 8)).toBe('WEBP');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: { body: Uint8Array }[] = [];
  let canvas: { width: number; height: number } | undefined;
  let loops: number | null = null;
  for (let at = 12; at + 8 <= bytes.length;) {
    const type = fourcc(bytes, at);
    const size = view.getUint32(at + 4, true);
    const body = bytes.subarray(at + 8, at + 8 + size);
    if (type === 'VP8X') canvas = { width: u24(body, 4) + 1, height: u24(body, 7) + 1 };
    if (type === 'ANMF') frames.push({ body });
    if (type === 'ANIM') loops = body[4]! | (body[5]! << 8);
    at += 8 + size + (size & 1);
  }
  if (frames.length === 0) {
    const still = decodeWebp(bytes);
    return framesFrom(still.width, still.height, [still.pixels], [0]);
  }
  const { width, height } = canvas!;
  const pixels = frames.map(({ body }) => {
    expect([u24(body, 0), u24(body, 3), u24(body, 6) + 1, u24(body, 9) + 1]).toEqual([0, 0, width, height]);
    return decodeWebp(stillWebp(body.subarray(16), width, height)).pixels;
  });
  return framesFrom(
    width,
    height,
    pixels,
    frames.map(({ body }) => u24(body, 12)),
    loops,
  );
}

/** Each colour is close to the expected one, frame by frame. */
function expectColours(colours: Rgb[], expected: Rgb[]): void {
  expect(colours.map((colour, i) => isClose(colour, expected[i]!))).toEqual(expected.map(() => true));
}

async function framesOf(response: Response): Promise<Frames> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  const type = response.headers.get('Content-Type');
  if (type === 'image/gif') return gifFrames(bytes);
  if (type === 'image/webp') return webpFrames(bytes);
  return framesFrom(0, 0, [], []);
}

const request = requestWith;

const ACCEPTS = {
  avif: 'image/avif,image/webp,*/*',
  webp: 'image/webp',
  any: '*/*',
} as const;

async function uploadAnimation(owner: TestUser, filename: string, bytes: Uint8Array): Promise<string> {
  const response = await upload(owner, uploadForm(bytes, filename));
  expect(response.status).toBe(201);
  const image = (await response.json()) as { short_id: string; is_animated: boolean };
  expect(image.is_animated).toBe(true);
  return image.short_id;
}

const spin = makeGif([RED, GREEN, BLUE], { width: 512, height: 256 });
const spinWebp = Uint8Array.from(atob(SPIN_WEBP), (char) => char.charCodeAt(0));

// Both engines that claim animation (the engine table in docs/guide/cdn.md). The Images binding is Miniflare's
// here, which reads only the first frame and writes no GIF: the engine notices and renders the frames itself.
describe.each([
  { engine: 'images-binding', path: '/w256' },
  // A query width of its own, so a preset rendered by the variants queue (with the default engine) is not served.
  { engine: 'wasm', path: '?w=256&q=84' },
])('animated GIF through the CDN, $engine engine', ({ engine, path }) => {
  let shortId: string;
  const vars = { IMAGE_ENGINE: engine };
  const get = (suffix: string, accept: string) =>
    request(`/cdn/i/${shortId}${suffix}`, vars, { Accept: accept });

  let webpShortId: string;

  beforeAll(async () => {
    const owner = await createUser(`anim-${engine}`);
    shortId = await uploadAnimation(owner, 'spin.gif', spin);
    webpShortId = await uploadAnimation(owner, 'spin.webp', spinWebp);
  });

  it.each([
    ['avif', 'image/webp'],
    ['webp', 'image/webp'],
    ['any', 'image/gif'],
  ] as const)(
    'stays animated for Accept %s (%s), every frame in order and timing kept',
    async (accept, type) => {
      const response = await get(path, ACCEPTS[accept]);
      expect(response.status).toBe(200);
      expect(response.headers.get('Content-Type')).toBe(type);
      const frames = await framesOf(response);
      expect(frames).toMatchObject({ count: 3, width: 256, height: 128, delays: [100, 100, 100], loops: 0 });
      expectColours(frames.colours, [RED, GREEN, BLUE]);
    },
  );

  it('keeps animating with an explicit format=webp or avif (no engine writes animated AVIF)', async () => {
    for (const format of ['webp', 'avif']) {
      const response = await get(`${path}${path.includes('?') ? '&' : '?'}format=${format}`, ACCEPTS.avif);
      expect(response.headers.get('Content-Type')).toBe('image/webp');
      expect((await framesOf(response)).count).toBe(3);
    }
  });

  it('gives the first frame with anim=false', async () => {
    const sep = path.includes('?') ? '&' : '?';
    for (const accept of Object.values(ACCEPTS)) {
      const response = await get(`${path}${sep}anim=false`, accept);
      expect(response.status).toBe(200);
      const bytes = new Uint8Array(await response.clone().arrayBuffer());
      const type = response.headers.get('Content-Type');
      expect(type).not.toBe('image/gif');
      if (type === 'image/webp') expect((await framesOf(response)).count).toBe(1);
      if (type !== 'image/avif') expect(isClose(colourAt(bytes, 128, 64), RED)).toBe(true);
    }
  });

  it('gives the first frame of an animation beyond the frame cap or the total pixel cap', async () => {
    const owner = await createUser(`anim-caps-${engine}`);
    const tooManyFrames = Array.from({ length: ANIMATION_LIMITS.maxFrames + 1 }, (_, i) =>
      i === 0 ? RED : BLUE,
    );
    const long = await uploadAnimation(owner, 'long.gif', makeGif(tooManyFrames, { width: 64, height: 32 }));
    // Frames that cover a corner of a large canvas still cost the whole canvas each to decode and resize.
    const side = Math.floor(Math.sqrt(ANIMATION_LIMITS.maxFramePixels));
    const frameCount = Math.floor(ANIMATION_LIMITS.maxTotalPixels / (side * side)) + 1;
    expect(frameCount).toBeLessThanOrEqual(ANIMATION_LIMITS.maxFrames);
    const colours = Array.from({ length: frameCount }, (_, i) => [RED, GREEN, BLUE][i % 3]!);
    const large = await uploadAnimation(
      owner,
      'large.gif',
      makeGif(colours, { width: side, height: side }, { width: 8, height: 8 }),
    );
    for (const id of [long, large]) {
      for (const accept of [ACCEPTS.webp, ACCEPTS.any]) {
        const response = await request(`/cdn/i/${id}?w=32`, vars, { Accept: accept });
        expect(response.status).toBe(200);
        const frames = await framesOf(response);
        expect(frames.count).toBe(1);
      }
    }
  });

  // Written by libwebp (sharp): frame 2 is a 43×43 sub-frame blended over frame 1, so compositing shows.
  it.each([
    ['webp', 'image/webp'],
    ['any', 'image/gif'],
  ] as const)(
    'keeps an animated WebP animated for Accept %s (%s), sub-frames composited',
    async (accept, type) => {
      const response = await request(`/cdn/i/${webpShortId}?w=80&q=83`, vars, { Accept: ACCEPTS[accept] });
      expect(response.headers.get('Content-Type')).toBe(type);
      const frames = await framesOf(response);
      expect(frames).toMatchObject({ count: 3, width: 80, height: 40, delays: [100, 100, 100] });
      expectColours(frames.colours, [RED, GREEN, BLUE]);
      expectColours(frames.corners, [RED, RED, BLUE]);
    },
  );

  it('gives the first frame of an animated WebP with anim=false', async () => {
    const response = await request(`/cdn/i/${webpShortId}?w=80&anim=false`, vars, { Accept: ACCEPTS.webp });
    expect(response.headers.get('Content-Type')).toBe('image/webp');
    const frames = await framesOf(response);
    expect(frames.count).toBe(1);
    expect(
      isClose(
        colourAt(
          new Uint8Array(
            await (
              await request(`/cdn/i/${webpShortId}?w=80&anim=false`, vars, { Accept: '*/*' })
            ).arrayBuffer(),
          ),
          40,
          20,
        ),
        RED,
      ),
    ).toBe(true);
  });
});

describe('passthrough engine', () => {
  it('serves the animated original, every frame, for every variant', async () => {
    const owner = await createUser('anim-passthrough');
    const shortId = await uploadAnimation(owner, 'as-is.gif', spin);
    const response = await request(
      `/cdn/i/${shortId}/w256`,
      { IMAGE_ENGINE: 'passthrough' },
      {
        Accept: ACCEPTS.avif,
      },
    );
    expect(response.headers.get('Content-Type')).toBe('image/gif');
    expect(await framesOf(response)).toMatchObject({ count: 3, width: 512, height: 256 });
  });
});

describe('animated presets rendered ahead by the variants queue', () => {
  it('stores w256 of an animated GIF as animated WebP, which the CDN then serves to AVIF and WebP browsers', async () => {
    const owner = await createUser('anim-queue');
    const response = await upload(owner, uploadForm(spin, 'queued.gif'));
    const image = (await response.json()) as { id: string; short_id: string };
    const results = await runQueueBatch('pixelflare-variants', [
      { type: 'generate', imageId: image.id, ownerId: owner.id, variants: ['w256'] },
    ]);
    expect(results.explicitAcks).toEqual(['msg-1']);
    const variants = (await (await call(`/v1/images/${image.id}/variants`, authed(owner.key))).json()) as {
      data: { preset: string; formats: { format: string; status: string }[] }[];
    };
    expect(variants.data.find((variant) => variant.preset === 'w256')?.formats).toEqual([
      expect.objectContaining({ format: 'webp', status: 'ready' }),
    ]);
    for (const accept of [ACCEPTS.avif, ACCEPTS.webp]) {
      const served = await request(`/cdn/i/${image.short_id}/w256`, {}, { Accept: accept });
      expect(served.headers.get('X-Cache')).toBe('stored');
      expect(await framesOf(served)).toMatchObject({ count: 3, width: 256, height: 128 });
    }
  });
});

describe('the frame renderer', () => {
  // 64×32: A fills red (kept); B draws green over the top-left 16×16 and is then cleared to transparent (disposal
  // 2); C draws blue over the bottom-right 16×16 and is then undone (disposal 3); D draws white in the middle.
  const palette = [0xe61414, 0x14c814, 0x1414e6, 0xfafafa];
  function disposalGif(): Uint8Array {
    const buffer = new Uint8Array(16_384);
    const writer = new GifWriter(buffer, 64, 32, { palette, loop: 0 });
    const solid = (index: number, size: number) => new Array<number>(size * size).fill(index);
    writer.addFrame(0, 0, 64, 32, new Array<number>(64 * 32).fill(0), { delay: 5, disposal: 1 });
    writer.addFrame(0, 0, 16, 16, solid(1, 16), { delay: 5, disposal: 2 });
    writer.addFrame(48, 16, 16, 16, solid(2, 16), { delay: 5, disposal: 3 });
    writer.addFrame(28, 12, 8, 8, solid(3, 8), { delay: 5, disposal: 1 });
    return buffer.slice(0, writer.end());
  }
  const WHITE: Rgb = [250, 250, 250];
  const expected: [Rgb | 'clear', Rgb, Rgb][] = [
    // top-left, bottom-right, centre
    [RED, RED, RED],
    [GREEN, RED, RED],
    ['clear', BLUE, RED],
    ['clear', RED, WHITE],
  ];
  const engines = {
    wasm: () => createWasmEngine(),
    'images-binding': () => createImagesBindingEngine(env.IMAGES!),
  };

  it.each(
    (Object.keys(engines) as (keyof typeof engines)[]).flatMap((engine) =>
      (['webp', 'gif'] as const).map((output) => [engine, output] as const),
    ),
  )('%s: applies GIF disposal and keeps transparency as %s', async (engine, output) => {
    const out = await engines[engine]().transform({
      source: disposalGif(),
      sourceType: 'image/gif',
      sourceSize: { width: 64, height: 32 },
      sourceAnimated: true,
      transform: resolveTransform({}),
      output,
    });
    const frames = output === 'gif' ? gifFrames(out.bytes) : webpFrames(out.bytes);
    expect(frames).toMatchObject({ count: 4, width: 64, height: 32, delays: [50, 50, 50, 50] });
    expected.forEach(([topLeft, bottomRight, centre], frame) => {
      const at = (x: number, y: number) => pixelAt(frames, frame, x, y);
      if (topLeft === 'clear') expect(at(4, 4)[3]).toBe(0);
      else expect([at(4, 4)[3], isClose(at(4, 4).slice(0, 3) as Rgb, topLeft)]).toEqual([255, true]);
      expect(isClose(at(60, 28).slice(0, 3) as Rgb, bottomRight)).toBe(true);
      expect(isClose(at(32, 16).slice(0, 3) as Rgb, centre)).toBe(true);
    });
  });
});

describe("the Images binding engine with the production binding's animation", () => {
  // Miniflare's binding cannot animate, so this stands in for Cloudflare's, which documents `anim: true` as keeping
  // every frame: it answers every output with the bytes given, and records what it was asked.
  function bindingAnswering(answer: Uint8Array, asked: ImageOutputOptions[]): ImagesBinding {
    const transformer = {
      transform: () => transformer,
      draw: () => transformer,
      output: async (options: ImageOutputOptions) => {
        asked.push(options);
        return {
          contentType: () => options.format,
          image: () => new Response(answer).body!,
          response: () => new Response(answer),
        };
      },
    };
    return { input: () => transformer, info: async () => ({}) } as unknown as ImagesBinding;
  }
  const job = {
    source: spin,
    sourceType: 'image/gif',
    sourceSize: { width: 512, height: 256 },
    sourceAnimated: true,
    transform: resolveTransform({ width: 256 }),
    output: 'webp',
  } as const;

  it("keeps the binding's answer when it has every frame", async () => {
    const asked: ImageOutputOptions[] = [];
    const threeFrames = Uint8Array.from(atob(SPIN_WEBP), (char) => char.charCodeAt(0));
    const out = await createImagesBindingEngine(bindingAnswering(threeFrames, asked)).transform(job);
    expect(out.bytes).toEqual(threeFrames);
    expect(asked).toEqual([expect.objectContaining({ format: 'image/webp', anim: true })]);
  });

  it('renders the frames itself when the binding answers with fewer', async () => {
    const asked: ImageOutputOptions[] = [];
    const still = makePng(256, 128);
    const out = await createImagesBindingEngine(bindingAnswering(still, asked)).transform(job);
    expect(webpFrames(out.bytes)).toMatchObject({ count: 3, width: 256, height: 128 });
    expect(asked).toHaveLength(1);
  });
});
