import { ANIMATION_LIMITS } from '@pixelflare/config';
import { GifReader, GifWriter } from 'omggif';
import { beforeAll, describe, expect, it } from 'vitest';
import { SPIN_WEBP } from '../../test/fixtures/animated/spin-webp.generated';
import { BLUE, GREEN, RED, colourAt, isClose, type Rgb } from '../../test/fixtures/cdn/images';
import { requestWith } from '../../test/fixtures/cdn/request';
import { uploadForm, upload } from '../../test/fixtures/upload-helpers';
import { authed, call, createUser, type TestUser } from '../../test/helpers';
import { runQueueBatch } from '../../test/queue';

// Frame counting here is independent of the engines' own readers: omggif decodes GIF answers, and WebP answers
// are split at their ANMF chunks and each frame decoded on its own.

interface Frames {
  count: number;
  width: number;
  height: number;
  /** The colour at the centre of each frame, as shown (composited). */
  colours: Rgb[];
  /** The colour near the top-left corner of each frame. */
  corners: Rgb[];
  /** Each frame's delay in milliseconds. */
  delays: number[];
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
  const pixels = new Uint8Array(reader.width * reader.height * 4);
  const colours: Rgb[] = [];
  const corners: Rgb[] = [];
  const delays: number[] = [];
  const at = (x: number, y: number): Rgb => {
    const i = (y * reader.width + x) * 4;
    return [pixels[i]!, pixels[i + 1]!, pixels[i + 2]!];
  };
  for (let i = 0; i < reader.numFrames(); i++) {
    reader.decodeAndBlitFrameRGBA(i, pixels);
    colours.push(at(Math.floor(reader.width / 2), Math.floor(reader.height / 2)));
    corners.push(at(2, 2));
    delays.push(reader.frameInfo(i).delay * 10);
  }
  return { count: reader.numFrames(), width: reader.width, height: reader.height, colours, corners, delays };
}

const fourcc = (bytes: Uint8Array, at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
const u24 = (bytes: Uint8Array, at: number) => bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);

/** A WebP's frames: one for a still, one per ANMF chunk for an animation (frames of opaque, full-canvas images). */
function webpFrames(bytes: Uint8Array): Frames {
  expect(fourcc(bytes, 0)).toBe('RIFF');
  expect(fourcc(bytes, 8)).toBe('WEBP');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: { payload: Uint8Array; delay: number }[] = [];
  let canvas: { width: number; height: number } | undefined;
  for (let at = 12; at + 8 <= bytes.length;) {
    const type = fourcc(bytes, at);
    const size = view.getUint32(at + 4, true);
    const body = bytes.subarray(at + 8, at + 8 + size);
    if (type === 'VP8X') canvas = { width: u24(body, 4) + 1, height: u24(body, 7) + 1 };
    if (type === 'ANMF') frames.push({ payload: body.subarray(16), delay: u24(body, 12) });
    at += 8 + size + (size & 1);
  }
  if (frames.length === 0)
    return { count: 1, width: 0, height: 0, colours: [colourAt(bytes, 0, 0)], corners: [], delays: [0] };
  const stills = frames.map(({ payload }) => {
    const riff = new Uint8Array(12 + payload.length);
    riff.set(new TextEncoder().encode('RIFF'), 0);
    new DataView(riff.buffer).setUint32(4, 4 + payload.length, true);
    riff.set(new TextEncoder().encode('WEBP'), 8);
    riff.set(payload, 12);
    return riff;
  });
  const { width, height } = canvas!;
  return {
    count: frames.length,
    width,
    height,
    colours: stills.map((still) => colourAt(still, Math.floor(width / 2), Math.floor(height / 2))),
    corners: stills.map((still) => colourAt(still, 2, 2)),
    delays: frames.map(({ delay }) => delay),
  };
}

async function framesOf(response: Response): Promise<Frames> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  const type = response.headers.get('Content-Type');
  if (type === 'image/gif') return gifFrames(bytes);
  if (type === 'image/webp') return webpFrames(bytes);
  return { count: 1, width: 0, height: 0, colours: [], corners: [], delays: [] };
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
      expect(frames).toMatchObject({ count: 3, width: 256, height: 128, delays: [100, 100, 100] });
      expect(frames.colours.map((colour, i) => isClose(colour, [RED, GREEN, BLUE][i]!))).toEqual([
        true,
        true,
        true,
      ]);
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
      expect(frames.colours.map((colour, i) => isClose(colour, [RED, GREEN, BLUE][i]!))).toEqual([
        true,
        true,
        true,
      ]);
      expect(frames.corners.map((colour, i) => isClose(colour, [RED, RED, BLUE][i]!))).toEqual([
        true,
        true,
        true,
      ]);
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
