import { ANIMATION_LIMITS, BINDING_TRIM_MAX_SOURCE_PIXELS, type AnimationLimits } from '@pixelflare/config';
import type { ResolvedTransform } from '@pixelflare/shared';
import { AppError } from '../lib/errors';
import { planAnimation, readAnimation, renderAnimation, type AnimationPlan } from './animation';
import { PhotonImage } from '@cf-wasm/photon/workerd';
import { layoutFor, rotatedSize } from './geometry';
import { readImageHeader } from './image-size';
import { withOutputMetadata } from './metadata';
import { applyEffects, decode, transformPixels, trimBy } from './pixels';
import { drawJobWatermark, watermarkPlacement, watermarkSize } from './watermark';
import {
  OUTPUT_CONTENT_TYPES,
  needsPixelOperations,
  type EngineOutput,
  type ImageEngine,
  type TransformJob,
} from './types';

const streamOf = (bytes: Uint8Array) => new Response(bytes).body as ReadableStream<Uint8Array>;
const bytesOf = async (stream: ReadableStream<Uint8Array>) =>
  new Uint8Array(await new Response(stream).arrayBuffer());

/**
 * What the binding itself runs. A focal-point crop is done by Photon afterwards (the local binding has no
 * focal points), so the binding then only shrinks the source to a size that still covers the output box.
 */
function bindingStep(job: TransformJob, focalCrop: boolean): ImageTransform {
  const t: ResolvedTransform = job.transform;
  const step: ImageTransform = {};
  if (t.rotate) step.rotate = t.rotate;
  if (focalCrop) {
    const { width, height } = job.sourceSize;
    const aspect = Math.max(width, height) / Math.max(1, Math.min(width, height));
    const box = Math.ceil(Math.max(t.width ?? 0, t.height ?? 0) * aspect) + 1;
    if (box < Math.max(width, height)) Object.assign(step, { width: box, height: box, fit: 'scale-down' });
    return step;
  }
  if (t.width !== undefined) step.width = t.width;
  if (t.height !== undefined) step.height = t.height;
  if (t.width !== undefined || t.height !== undefined) step.fit = t.fit;
  if (typeof t.gravity === 'string') step.gravity = t.gravity;
  if (t.background) step.background = t.background;
  return step;
}

/**
 * The binding's own animation (`anim: true`, documented for Cloudflare's binding), kept only if it has every
 * frame. Miniflare's local binding reads the first frame alone (sharp without `animated: true`) and refuses GIF
 * output, so there this is `null` and the frames are rendered in the Worker instead.
 */
async function bindingAnimation(
  images: ImagesBinding,
  job: TransformJob,
  plan: AnimationPlan,
  timeoutMs: number,
): Promise<Uint8Array | null> {
  try {
    const bytes = await callBinding(timeoutMs, () =>
      images
        .input(streamOf(job.source))
        .transform(bindingStep(job, false))
        .output({
          format: OUTPUT_CONTENT_TYPES[job.output],
          quality: job.transform.quality,
          anim: true,
          ...(job.transform.background ? { background: job.transform.background } : {}),
        }),
    );
    return readAnimation(bytes)?.frames === plan.frames ? bytes : null;
  } catch {
    // Any failure here (a hang included, bounded by the timeout) falls back to the frame renderer.
    return null;
  }
}

/** How long one call of the binding may take before the request gives up on it (503, retryable). */
export const IMAGES_BINDING_TIMEOUT_MS = 15_000;

/**
 * Cloudflare Images error codes that blame the input image (published in the Images troubleshooting
 * reference, and what Miniflare's local binding answers): too large (9402, 9413), not an image (9412), an
 * unsupported or malformed format (9520, 9523). Every other failure is the service's, not the user's.
 */
const INPUT_ERROR_CODES = new Set([9402, 9412, 9413, 9520, 9523]);

/** The Images error code of a binding failure: its `code`, or the `ERROR 9412:` its message carries. */
function imagesErrorCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'number') return code;
  const match = /\b(9\d{3})\b/.exec(error instanceof Error ? error.message : String(error));
  return match ? Number(match[1]) : undefined;
}

class BindingTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`the Images binding did not answer within ${timeoutMs} ms`);
    this.name = 'BindingTimeout';
  }
}

/** Answers of a failed service are never cached by anyone: the next request must try again. */
const RETRY_HEADERS = { 'Retry-After': '5', 'Cache-Control': 'no-store' };

/**
 * What a failed binding call means for the request: the user's image (422, as the input error codes say), or
 * the service (502 when it failed, 503 when it did not answer in time), which the next request retries.
 */
function bindingError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof BindingTimeout) {
    return new AppError(
      503,
      'SERVICE_UNAVAILABLE',
      `The image service did not answer within ${error.timeoutMs / 1000} s; try again`,
      undefined,
      RETRY_HEADERS,
    );
  }
  const code = imagesErrorCode(error);
  if (code !== undefined && INPUT_ERROR_CODES.has(code)) {
    return new AppError(422, 'UNPROCESSABLE_IMAGE', `The image could not be transformed: ${String(error)}`);
  }
  return new AppError(
    502,
    'SERVICE_UNAVAILABLE',
    `The image service failed${code === undefined ? '' : ` (error ${code})`}; try again`,
    undefined,
    RETRY_HEADERS,
  );
}

/** One call of the binding, bytes read in full, within `timeoutMs`; failures as `bindingError` words them. */
async function callBinding(
  timeoutMs: number,
  call: () => Promise<ImageTransformationResult>,
): Promise<Uint8Array> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BindingTimeout(timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([call().then((result) => bytesOf(result.image())), timeout]);
  } catch (error) {
    throw bindingError(error);
  } finally {
    clearTimeout(timer);
  }
}

/** Failures of our own pixel work on the source (Photon decoding it) are the image's: 422. */
async function run<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError(422, 'UNPROCESSABLE_IMAGE', `The image could not be transformed: ${String(error)}`);
  }
}

const solidPng = (width: number, height: number, rgba: number[]) => {
  const pixels = new Uint8Array(width * height * 4);
  for (let i = 0; i < pixels.length; i += 4) pixels.set(rgba, i);
  const image = new PhotonImage(pixels, width, height);
  const png = image.get_bytes();
  image.free();
  return png;
};

/** Whether each binding really draws overlays, found out once per binding object (`drawsOverlays`). */
const drawProbes = new WeakMap<ImagesBinding, Promise<boolean>>();

/**
 * Whether this binding's `.draw()` draws: a white dot drawn at the top-left of a black 2×1 PNG must come back
 * white. Cloudflare's binding draws; Miniflare's local one accepts the call and ignores it (it applies only the
 * base image's transforms). A binding that does not draw (or fails the probe) gets its watermarks drawn in the
 * Worker instead (watermark.ts), so no answer ever lacks its watermark.
 */
function drawsOverlays(images: ImagesBinding, timeoutMs: number): Promise<boolean> {
  let probe = drawProbes.get(images);
  if (!probe) {
    probe = (async () => {
      const bytes = await callBinding(timeoutMs, () =>
        images
          .input(streamOf(solidPng(2, 1, [0, 0, 0, 255])))
          .draw(streamOf(solidPng(1, 1, [255, 255, 255, 255])), { top: 0, left: 0, opacity: 1 })
          .output({ format: 'image/png' }),
      );
      const image = decode(bytes);
      const pixels = image.get_raw_pixels();
      image.free();
      return pixels[0]! > 200 && pixels[4]! < 50;
    })().catch(() => false);
    drawProbes.set(images, probe);
  }
  return probe;
}

/**
 * The binding's `.draw()` of the job's watermark over the transformed image: the overlay resized to its share of
 * the output's width (`.transform({ width, height })` on its own input), placed by the edges `watermarkPlacement`
 * gives, `repeat: true` for tile, at the watermark's opacity.
 */
function withBindingWatermark(
  images: ImagesBinding,
  job: TransformJob,
  base: ImageTransformer,
): ImageTransformer {
  const spec = job.transform.watermark;
  const overlay = job.watermark;
  if (!spec || !overlay) return base;
  const header = readImageHeader(overlay.bytes);
  if (!header) throw new AppError(422, 'UNPROCESSABLE_IMAGE', 'The watermark image could not be read');
  const canvas = layoutFor(rotatedSize(job.sourceSize, job.transform.rotate), job.transform).canvas;
  const size = watermarkSize(header, canvas, spec);
  return base.draw(
    images
      .input(streamOf(overlay.bytes))
      .transform({ width: size.width, height: size.height, fit: 'squeeze' }),
    { opacity: spec.opacity, ...watermarkPlacement(canvas, size, spec) },
  );
}

/**
 * The Cloudflare Images binding (locally Miniflare's, backed by sharp). It applies EXIF orientation itself.
 * Operations it lacks locally (trim, blur, sharpen, flip, focal points) run in Photon on a lossless intermediate,
 * which the binding then encodes. An animation that keeps its frames comes from the binding when it writes
 * them all, else from the frame-by-frame renderer (animation.ts), as do all animations needing Photon.
 */
export function createImagesBindingEngine(
  images: ImagesBinding,
  animationLimits: AnimationLimits = ANIMATION_LIMITS,
  { timeoutMs = IMAGES_BINDING_TIMEOUT_MS }: { timeoutMs?: number } = {},
): ImageEngine {
  /**
   * `trim` comes first, before rotation and resizing. Miniflare's binding has no trim (and where Cloudflare's
   * applies its own against EXIF orientation is not documented), so the binding turns the original upright as a
   * lossless PNG, Photon cuts the sides off, and the rest of the transform runs on that as its source; the EXIF
   * `metadata` asks for still comes from the original.
   */
  async function trimmed(job: TransformJob): Promise<EngineOutput> {
    const { width, height } = job.sourceSize;
    if (width * height > BINDING_TRIM_MAX_SOURCE_PIXELS)
      throw new AppError(
        422,
        'IMAGE_TOO_LARGE',
        `trim works on images of up to ${BINDING_TRIM_MAX_SOURCE_PIXELS / 1e6} MP here; this one has ${((width * height) / 1e6).toFixed(1)} MP`,
      );
    const upright = await callBinding(timeoutMs, () =>
      images.input(streamOf(job.source)).output({ format: 'image/png', anim: false }),
    );
    const image = trimBy(decode(upright), job.transform.trim);
    const size = { width: image.get_width(), height: image.get_height() };
    const png = image.get_bytes();
    image.free();
    const out = await engine.transform({
      ...job,
      source: png,
      sourceType: 'image/png',
      sourceSize: size,
      sourceAnimated: false,
      transform: { ...job.transform, trim: undefined, metadata: 'none' },
    });
    const { metadata } = job.transform;
    return {
      ...out,
      bytes: withOutputMetadata(out.bytes, out.contentType, metadata, job.source, job.sourceType),
    };
  }

  const engine: ImageEngine = {
    name: 'images-binding',
    transform: (job) =>
      run(async (): Promise<EngineOutput> => {
        const t = job.transform;
        // A watermark is the binding's `.draw()` where it really draws, else Photon's on the lossless intermediate.
        const bindingDraws = t.watermark !== undefined && (await drawsOverlays(images, timeoutMs));
        const pixelWork = needsPixelOperations(t) || (t.watermark !== undefined && !bindingDraws);
        const animation = planAnimation(job, animationLimits);
        if (animation && (animation.frames > 1 || job.output === 'gif')) {
          // The frame renderer draws the watermark on every frame.
          const native =
            !pixelWork &&
            !t.watermark &&
            animation.frames > 1 &&
            (await bindingAnimation(images, job, animation, timeoutMs));
          const out = native
            ? { bytes: native, ...(readImageHeader(native) ?? { width: 0, height: 0 }) }
            : await renderAnimation(job, animation);
          return {
            bytes: out.bytes,
            width: out.width,
            height: out.height,
            contentType: OUTPUT_CONTENT_TYPES[job.output],
            engine: 'images-binding',
          };
        }
        if (t.trim) return trimmed(job);
        const focalCrop = typeof t.gravity === 'object' && (t.fit === 'cover' || t.fit === 'crop');
        const finalType = OUTPUT_CONTENT_TYPES[job.output];
        let bytes = await callBinding(timeoutMs, () => {
          const transformed = images.input(streamOf(job.source)).transform(bindingStep(job, focalCrop));
          return (pixelWork ? transformed : withBindingWatermark(images, job, transformed)).output({
            format: pixelWork ? 'image/png' : finalType,
            quality: t.quality,
            // Animations that keep their frames were answered above; this is a still (or its first frame).
            anim: false,
            ...(t.background ? { background: t.background } : {}),
          });
        });
        if (pixelWork) {
          const image = decode(bytes);
          const processed = drawJobWatermark(
            focalCrop ? transformPixels(image, t) : applyEffects(image, t),
            job,
          );
          const png = processed.get_bytes();
          processed.free();
          bytes =
            job.output === 'png'
              ? png
              : await callBinding(timeoutMs, () =>
                  images.input(streamOf(png)).output({ format: finalType, quality: t.quality }),
                );
        }
        // The EXIF `metadata` asks for, from the original, in place of whatever the binding kept (metadata.ts).
        bytes = withOutputMetadata(bytes, finalType, t.metadata, job.source, job.sourceType);
        const header = readImageHeader(bytes);
        if (!header) throw bindingError(new Error('the binding returned an unreadable image'));
        return {
          bytes,
          contentType: finalType,
          width: header.width,
          height: header.height,
          engine: 'images-binding',
        };
      }),
  };
  return engine;
}
