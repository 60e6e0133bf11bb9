import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { ANIMATION_LIMITS } from '@pixelflare/config';
import { GifReader, GifWriter } from 'omggif';
import { beforeAll, describe, expect, it } from 'vitest';
import { BLUE, GREEN, RED, colourAt, isClose, type Rgb } from '../../test/fixtures/cdn/images';
import { uploadForm, upload } from '../../test/fixtures/upload-helpers';
import { createUser, type TestUser } from '../../test/helpers';
import { createApp } from '../app';
import type { Bindings } from '../lib/env';

// Frame counting here is independent of the engines' own readers: omggif decodes GIF answers, and WebP answers
// are split at their ANMF chunks and each frame decoded on its own.

interface Frames {
  count: number;
  width: number;
  height: number;
  /** The colour at the centre of each frame, as shown (composited). */
  colours: Rgb[];
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
  const delays: number[] = [];
  const centre = (Math.floor(reader.height / 2) * reader.width + Math.floor(reader.width / 2)) * 4;
  for (let i = 0; i < reader.numFrames(); i++) {
    reader.decodeAndBlitFrameRGBA(i, pixels);
    colours.push([pixels[centre]!, pixels[centre + 1]!, pixels[centre + 2]!]);
    delays.push(reader.frameInfo(i).delay * 10);
  }
  return { count: reader.numFrames(), width: reader.width, height: reader.height, colours, delays };
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
    return { count: 1, width: 0, height: 0, colours: [colourAt(bytes, 0, 0)], delays: [0] };
  const colours = frames.map(({ payload }) => {
    const riff = new Uint8Array(12 + payload.length);
    riff.set(new TextEncoder().encode('RIFF'), 0);
    new DataView(riff.buffer).setUint32(4, 4 + payload.length, true);
    riff.set(new TextEncoder().encode('WEBP'), 8);
    riff.set(payload, 12);
    return colourAt(riff, Math.floor(canvas!.width / 2), Math.floor(canvas!.height / 2));
  });
  return { count: frames.length, ...canvas!, colours, delays: frames.map(({ delay }) => delay) };
}

async function framesOf(response: Response): Promise<Frames> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  const type = response.headers.get('Content-Type');
  if (type === 'image/gif') return gifFrames(bytes);
  if (type === 'image/webp') return webpFrames(bytes);
  return { count: 1, width: 0, height: 0, colours: [], delays: [] };
}

const request = async (path: string, vars: Record<string, unknown>, headers: Record<string, string>) => {
  const ctx = createExecutionContext();
  const response = await createApp().request(
    path,
    { headers },
    { ...env, ...vars } as unknown as Bindings,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
};

const ACCEPTS = {
  avif: 'image/avif,image/webp,*/*',
  webp: 'image/webp',
  any: '*/*',
} as const;

async function uploadGif(owner: TestUser, filename: string, bytes: Uint8Array): Promise<string> {
  const response = await upload(owner, uploadForm(bytes, filename));
  expect(response.status).toBe(201);
  const image = (await response.json()) as { short_id: string; is_animated: boolean };
  expect(image.is_animated).toBe(true);
  return image.short_id;
}

const spin = makeGif([RED, GREEN, BLUE], { width: 512, height: 256 });

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

  beforeAll(async () => {
    const owner = await createUser(`anim-${engine}`);
    shortId = await uploadGif(owner, 'spin.gif', spin);
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
    const long = await uploadGif(owner, 'long.gif', makeGif(tooManyFrames, { width: 64, height: 32 }));
    // Frames that cover a corner of a large canvas still cost the whole canvas each to decode and resize.
    const side = Math.floor(Math.sqrt(ANIMATION_LIMITS.maxFramePixels));
    const frameCount = Math.floor(ANIMATION_LIMITS.maxTotalPixels / (side * side)) + 1;
    expect(frameCount).toBeLessThanOrEqual(ANIMATION_LIMITS.maxFrames);
    const colours = Array.from({ length: frameCount }, (_, i) => [RED, GREEN, BLUE][i % 3]!);
    const large = await uploadGif(
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
});
