import { PhotonImage } from '@cf-wasm/photon/workerd';
import { ANIMATION_LIMITS, type AnimationLimits } from '@pixelflare/config';
import { GIFEncoder, applyPalette, quantize } from 'gifenc';
import { GifReader } from 'omggif';
import { AppError } from '../lib/errors';
import { ANIMATED_SOURCE_TYPES } from './capabilities';
import { rotateBy, transformPixels, trimBy } from './pixels';
import { drawJobWatermark, prepareWatermark, type PreparedWatermark } from './watermark';
import type { OutputFormat, TransformJob } from './types';
import { encodeWebp } from './webp';

/**
 * Animations rendered frame by frame in the Worker: GIF (omggif) and animated WebP sources are decoded one
 * composited frame at a time, each frame goes through the same Photon transform as a still, and the frames are
 * written as animated WebP (each frame encoded by jSquash, then muxed into ANMF chunks) or GIF (gifenc, a
 * palette per frame). Memory stays at about one source frame plus the encoded output, whatever the frame count;
 * the work grows with frames × canvas area, which `ANIMATION_LIMITS` bounds.
 */

/** Frame count and canvas size, read from the container without decoding any frame. */
export interface AnimationInfo {
  frames: number;
  width: number;
  height: number;
  /** Plays: 0 = forever. */
  loops: number;
}

interface Chunk {
  type: string;
  /** The whole chunk: header, payload and padding. */
  bytes: Uint8Array;
  payload: Uint8Array;
}

const fourcc = (bytes: Uint8Array, at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
const u24 = (bytes: Uint8Array, at: number) => bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);
const put24 = (bytes: Uint8Array, at: number, value: number) =>
  bytes.set([value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff], at);
const putText = (bytes: Uint8Array, at: number, value: string) =>
  bytes.set(
    [...value].map((char) => char.charCodeAt(0)),
    at,
  );

function riffChunks(bytes: Uint8Array, from = 12): Chunk[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: Chunk[] = [];
  for (let at = from; at + 8 <= bytes.length;) {
    const size = view.getUint32(at + 4, true);
    const end = at + 8 + size + (size & 1);
    chunks.push({
      type: fourcc(bytes, at),
      bytes: bytes.subarray(at, end),
      payload: bytes.subarray(at + 8, at + 8 + size),
    });
    at = end;
  }
  return chunks;
}

/** An animated GIF's or WebP's frames and canvas; `null` for a still or another format. */
export function readAnimation(bytes: Uint8Array): AnimationInfo | null {
  if (fourcc(bytes, 0) === 'GIF8') {
    try {
      const reader = new GifReader(bytes);
      const loop = reader.loopCount();
      return {
        frames: reader.numFrames(),
        width: reader.width,
        height: reader.height,
        loops: loop === null ? 1 : loop === 0 ? 0 : loop + 1,
      };
    } catch {
      return null;
    }
  }
  if (fourcc(bytes, 0) !== 'RIFF' || fourcc(bytes, 8) !== 'WEBP') return null;
  const chunks = riffChunks(bytes);
  const header = chunks.find((chunk) => chunk.type === 'VP8X');
  if (!header || header.payload.length < 10) return null;
  const anim = chunks.find((chunk) => chunk.type === 'ANIM');
  return {
    frames: chunks.filter((chunk) => chunk.type === 'ANMF').length,
    width: u24(header.payload, 4) + 1,
    height: u24(header.payload, 7) + 1,
    loops: anim && anim.payload.length >= 6 ? anim.payload[4]! | (anim.payload[5]! << 8) : 0,
  };
}

/** How a job with an animated source is rendered: every frame, or only the first when beyond the caps. */
export interface AnimationPlan {
  info: AnimationInfo;
  frames: number;
}

const ANIMATED_OUTPUTS: readonly OutputFormat[] = ['webp', 'gif'];

/**
 * The plan for a job whose answer keeps the animation (animated GIF or WebP source, `anim` not false, a WebP or
 * GIF output); `null` for a still. Beyond any of `limits` the answer is the first frame, as with `anim=false`.
 */
export function planAnimation(
  job: TransformJob,
  limits: AnimationLimits = ANIMATION_LIMITS,
): AnimationPlan | null {
  if (!job.sourceAnimated || !job.transform.anim || !ANIMATED_OUTPUTS.includes(job.output)) return null;
  if (!ANIMATED_SOURCE_TYPES.includes(job.sourceType)) return null;
  const info = readAnimation(job.source);
  if (!info || info.frames < 2) return null;
  const area = info.width * info.height;
  const within =
    info.frames <= limits.maxFrames &&
    area <= limits.maxFramePixels &&
    info.frames * area <= limits.maxTotalPixels;
  return { info, frames: within ? info.frames : 1 };
}

interface Frame {
  /** The whole canvas as shown at this frame (RGBA); valid until the next frame is read. */
  rgba: Uint8Array;
  delayMs: number;
}

function clearRect(
  canvas: Uint8Array,
  width: number,
  rect: { x: number; y: number; width: number; height: number },
) {
  for (let y = rect.y; y < rect.y + rect.height; y++)
    canvas.fill(0, (y * width + rect.x) * 4, (y * width + rect.x + rect.width) * 4);
}

function* gifFrames(bytes: Uint8Array, limit: number): Generator<Frame> {
  const reader = new GifReader(bytes);
  const { width } = reader;
  const canvas = new Uint8Array(width * reader.height * 4);
  for (let i = 0; i < Math.min(limit, reader.numFrames()); i++) {
    const info = reader.frameInfo(i);
    const previous = info.disposal === 3 ? canvas.slice() : undefined;
    reader.decodeAndBlitFrameRGBA(i, canvas);
    yield { rgba: canvas, delayMs: info.delay * 10 };
    if (info.disposal === 2) clearRect(canvas, width, info);
    else if (previous) canvas.set(previous);
  }
}

/** One ANMF frame's image chunks (ALPH + VP8, or VP8L) as a still WebP that Photon decodes. */
function stillWebp(imageChunks: Uint8Array, width: number, height: number, alpha: boolean): Uint8Array {
  const vp8x = alpha ? 18 : 0;
  const out = new Uint8Array(12 + vp8x + imageChunks.length);
  const view = new DataView(out.buffer);
  putText(out, 0, 'RIFF');
  view.setUint32(4, out.length - 8, true);
  putText(out, 8, 'WEBP');
  if (alpha) {
    putText(out, 12, 'VP8X');
    view.setUint32(16, 10, true);
    out[20] = 0x10;
    put24(out, 24, width - 1);
    put24(out, 27, height - 1);
  }
  out.set(imageChunks, 12 + vp8x);
  return out;
}

function* webpFrames(bytes: Uint8Array, info: AnimationInfo, limit: number): Generator<Frame> {
  const canvas = new Uint8Array(info.width * info.height * 4);
  const frames = riffChunks(bytes).filter((chunk) => chunk.type === 'ANMF');
  for (const frame of frames.slice(0, limit)) {
    const p = frame.payload;
    const rect = { x: u24(p, 0) * 2, y: u24(p, 3) * 2, width: u24(p, 6) + 1, height: u24(p, 9) + 1 };
    const blend = (p[15]! & 0x02) === 0;
    const disposeToBackground = (p[15]! & 0x01) !== 0;
    const images = p.subarray(16);
    const alpha = riffChunks(images, 0).some((chunk) => chunk.type === 'ALPH');
    const decoded = PhotonImage.new_from_byteslice(stillWebp(images, rect.width, rect.height, alpha));
    const pixels = decoded.get_raw_pixels();
    decoded.free();
    for (let y = 0; y < rect.height && rect.y + y < info.height; y++) {
      for (let x = 0; x < rect.width && rect.x + x < info.width; x++) {
        const from = (y * rect.width + x) * 4;
        const to = ((rect.y + y) * info.width + rect.x + x) * 4;
        const a = pixels[from + 3]! / 255;
        if (!blend || a === 1 || canvas[to + 3] === 0) canvas.set(pixels.subarray(from, from + 4), to);
        else if (a > 0) {
          const below = (canvas[to + 3]! / 255) * (1 - a);
          const out = a + below;
          for (let c = 0; c < 3; c++)
            canvas[to + c] = Math.round((pixels[from + c]! * a + canvas[to + c]! * below) / out);
          canvas[to + 3] = Math.round(out * 255);
        }
      }
    }
    yield { rgba: canvas, delayMs: u24(p, 12) };
    if (disposeToBackground) clearRect(canvas, info.width, rect);
  }
}

interface FrameSink {
  add(pixels: Uint8Array, width: number, height: number, delayMs: number): Promise<void>;
  finish(): Uint8Array;
}

function gifSink(loops: number): FrameSink {
  const gif = GIFEncoder();
  return {
    async add(pixels, width, height, delayMs) {
      const transparent = pixels.some((value, i) => i % 4 === 3 && value < 128);
      const format = transparent ? 'rgba4444' : 'rgb565';
      const palette = quantize(pixels, 256, { format, oneBitAlpha: transparent });
      const index = applyPalette(pixels, palette, format);
      const transparentIndex = transparent ? palette.findIndex((colour) => colour[3] === 0) : -1;
      gif.writeFrame(index, width, height, {
        palette,
        delay: delayMs,
        // gifenc: 0 plays forever, -1 once, n repeats n more times.
        repeat: loops === 0 ? 0 : loops - 1 || -1,
        transparent: transparentIndex >= 0,
        transparentIndex: Math.max(0, transparentIndex),
      });
    },
    finish() {
      gif.finish();
      return gif.bytes();
    },
  };
}

function webpSink(quality: number, loops: number): FrameSink {
  const frames: { chunks: Uint8Array[]; delayMs: number }[] = [];
  let size = { width: 0, height: 0 };
  let alpha = false;
  let first: Uint8Array | undefined;
  return {
    async add(pixels, width, height, delayMs) {
      size = { width, height };
      const still = await encodeWebp(pixels, width, height, quality);
      first ??= still;
      // A still WebP is VP8 or VP8L alone, or VP8X then ALPH + VP8; a frame carries the image chunks.
      const chunks = riffChunks(still).filter((chunk) => chunk.type !== 'VP8X');
      alpha ||= chunks.some((chunk) => chunk.type === 'ALPH' || chunk.type === 'VP8L');
      frames.push({ chunks: chunks.map((chunk) => chunk.bytes), delayMs });
    },
    finish() {
      if (frames.length === 1 && first) return first;
      const frameBytes = frames.map(({ chunks }) => chunks.reduce((sum, chunk) => sum + chunk.length, 0));
      const total = 12 + 18 + 14 + frameBytes.reduce((sum, length) => sum + 24 + length, 0);
      const out = new Uint8Array(total);
      const view = new DataView(out.buffer);
      const text = (at: number, value: string) => putText(out, at, value);
      const put = (at: number, value: number) => put24(out, at, value);
      text(0, 'RIFF');
      view.setUint32(4, total - 8, true);
      text(8, 'WEBP');
      text(12, 'VP8X');
      view.setUint32(16, 10, true);
      out[20] = 0x02 | (alpha ? 0x10 : 0);
      put(24, size.width - 1);
      put(27, size.height - 1);
      text(30, 'ANIM');
      view.setUint32(34, 6, true);
      // Background colour 0 (transparent black), then the loop count.
      view.setUint16(42, loops, true);
      let at = 44;
      frames.forEach(({ chunks, delayMs }, i) => {
        text(at, 'ANMF');
        view.setUint32(at + 4, 16 + frameBytes[i]!, true);
        put(at + 8, 0);
        put(at + 11, 0);
        put(at + 14, size.width - 1);
        put(at + 17, size.height - 1);
        put(at + 20, Math.min(delayMs, 0xffffff));
        // Each frame is the whole composited canvas: replace (no blending), keep (no disposal).
        out[at + 23] = 0x02;
        at += 24;
        for (const chunk of chunks) {
          out.set(chunk, at);
          at += chunk.length;
        }
      });
      return out;
    },
  };
}

/**
 * The first frame of an animated WebP, shown as a still (what `anim=false` and stills of it start from):
 * Photon's own decoder does not read animated WebP. `null` for anything else, which Photon decodes itself.
 */
export function firstWebpFrame(source: Uint8Array): PhotonImage | null {
  const info = fourcc(source, 0) === 'RIFF' ? readAnimation(source) : null;
  if (!info || info.frames === 0) return null;
  for (const frame of webpFrames(source, info, 1))
    return new PhotonImage(frame.rgba, info.width, info.height);
  return null;
}

/**
 * Renders `plan.frames` frames of an animated GIF or WebP with the job's transform and writes them as the job's
 * output (`webp` or `gif`). A single frame is a still in that format.
 */
export async function renderAnimation(
  job: TransformJob,
  plan: AnimationPlan,
): Promise<{ bytes: Uint8Array; width: number; height: number }> {
  const { info } = plan;
  // Whatever caps the engine was given, the renderer never holds a frame larger than this (one canvas in JS, one
  // in Photon's memory): an animation past the frame cap is still asked for here as its first frame (GIF output).
  if (info.width * info.height > ANIMATION_LIMITS.maxFramePixels) {
    throw new AppError(
      422,
      'IMAGE_TOO_LARGE',
      `Animation frames are rendered up to ${(ANIMATION_LIMITS.maxFramePixels / 1e6).toFixed(1)} MP; this one is ${((info.width * info.height) / 1e6).toFixed(1)} MP`,
    );
  }
  const sink = job.output === 'gif' ? gifSink(info.loops) : webpSink(job.transform.quality, info.loops);
  const frames =
    job.sourceType === 'image/gif'
      ? gifFrames(job.source, plan.frames)
      : webpFrames(job.source, info, plan.frames);
  let size = { width: info.width, height: info.height };
  // Every frame has the same canvas, so the watermark is decoded and resized once, for the first.
  let overlay: PreparedWatermark | null | undefined;
  try {
    for (const frame of frames) {
      let image = new PhotonImage(frame.rgba, info.width, info.height);
      image = trimBy(image, job.transform.trim);
      image = rotateBy(image, job.transform.rotate);
      image = transformPixels(image, job.transform);
      overlay ??= prepareWatermark(job, { width: image.get_width(), height: image.get_height() });
      image = drawJobWatermark(image, job, overlay);
      size = { width: image.get_width(), height: image.get_height() };
      const pixels = image.get_raw_pixels();
      image.free();
      await sink.add(pixels, size.width, size.height, frame.delayMs);
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError(422, 'UNPROCESSABLE_IMAGE', `The animation could not be rendered: ${String(error)}`);
  }
  return { bytes: sink.finish(), ...size };
}
