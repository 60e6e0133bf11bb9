import { PhotonImage, SamplingFilter, resize } from '@cf-wasm/photon/workerd';
import { WATERMARK_MARGIN } from '@pixelflare/config';
import type { ResolvedWatermark } from '@pixelflare/shared';
import { AppError } from '../lib/errors';
import type { Size } from './geometry';
import { jpegOrientation } from './image-size';
import { decode, orient } from './pixels';
import type { TransformJob } from './types';

/**
 * Watermarks drawn in the Worker (Photon decodes and resizes the overlay, the blend is ours on raw RGBA): what
 * the WebAssembly engine, the frame renderer and the Images binding engine (where its binding does not draw:
 * Miniflare's ignores `.draw()`) use. Geometry is shared with the binding's `.draw()` (`watermarkPlacement`), so
 * every engine puts the overlay in the same place.
 */

/** The overlay, resized for one output size, as straight RGBA. */
export interface PreparedWatermark {
  rgba: Uint8Array;
  width: number;
  height: number;
}

/** The overlay's size on an output of `canvas`: `scale` of its width, aspect kept, never taller than the output. */
export function watermarkSize(overlay: Size, canvas: Size, spec: ResolvedWatermark): Size {
  let width = Math.max(1, Math.round(canvas.width * spec.scale));
  let height = Math.max(1, Math.round((overlay.height * width) / overlay.width));
  if (height > canvas.height) {
    height = canvas.height;
    width = Math.max(1, Math.round((overlay.width * height) / overlay.height));
  }
  return { width, height };
}

/**
 * Where the overlay goes: the corners `WATERMARK_MARGIN` of the output's width from both edges, the centre, or
 * (tile) repeated from the top-left corner with no gap, as the edges of the binding's `.draw()` options say it.
 */
export function watermarkPlacement(
  canvas: Size,
  overlay: Size,
  spec: ResolvedWatermark,
): { top?: number; left?: number; bottom?: number; right?: number; repeat?: true } {
  const margin = Math.round(canvas.width * WATERMARK_MARGIN);
  switch (spec.position) {
    case 'top-left':
      return { top: margin, left: margin };
    case 'top-right':
      return { top: margin, right: margin };
    case 'bottom-left':
      return { bottom: margin, left: margin };
    case 'bottom-right':
      return { bottom: margin, right: margin };
    case 'center':
      return {
        top: Math.floor((canvas.height - overlay.height) / 2),
        left: Math.floor((canvas.width - overlay.width) / 2),
      };
    case 'tile':
      return { top: 0, left: 0, repeat: true };
  }
}

/** Top-left corners of every copy of the overlay on the canvas. */
function origins(canvas: Size, overlay: Size, spec: ResolvedWatermark): { x: number; y: number }[] {
  const place = watermarkPlacement(canvas, overlay, spec);
  if (place.repeat) {
    const out: { x: number; y: number }[] = [];
    for (let y = 0; y < canvas.height; y += overlay.height)
      for (let x = 0; x < canvas.width; x += overlay.width) out.push({ x, y });
    return out;
  }
  const x = place.left ?? canvas.width - overlay.width - (place.right ?? 0);
  const y = place.top ?? canvas.height - overlay.height - (place.bottom ?? 0);
  return [{ x, y }];
}

/** The watermark image of a job decoded upright (marking refuses animated images). */
function decodeOverlay(watermark: NonNullable<TransformJob['watermark']>): PhotonImage {
  try {
    const image = decode(watermark.bytes);
    return orient(image, watermark.contentType === 'image/jpeg' ? jpegOrientation(watermark.bytes) : 1);
  } catch (error) {
    throw new AppError(422, 'UNPROCESSABLE_IMAGE', `The watermark could not be decoded: ${String(error)}`);
  }
}

/** The job's watermark decoded and resized for an output of `canvas` (once per job: every frame shares it). */
export function prepareWatermark(job: TransformJob, canvas: Size): PreparedWatermark | null {
  const spec = job.transform.watermark;
  if (!spec) return null;
  // Never a rendition without the watermark its transform names: a caller that forgot its bytes is a bug.
  if (!job.watermark)
    throw new Error('the transform draws a watermark but the job carries no watermark image');
  let overlay = decodeOverlay(job.watermark);
  try {
    const size = watermarkSize({ width: overlay.get_width(), height: overlay.get_height() }, canvas, spec);
    if (size.width !== overlay.get_width() || size.height !== overlay.get_height()) {
      const resized = resize(overlay, size.width, size.height, SamplingFilter.Lanczos3);
      overlay.free();
      overlay = resized;
    }
    return { rgba: overlay.get_raw_pixels(), ...size };
  } finally {
    overlay.free();
  }
}

/**
 * Blends the overlay over the image ("over" with the overlay's alpha times `opacity`), at every placement, clipped
 * to the image. Returns a new image and frees the one given.
 */
export function compositeWatermark(
  image: PhotonImage,
  overlay: PreparedWatermark,
  spec: ResolvedWatermark,
): PhotonImage {
  const canvas = { width: image.get_width(), height: image.get_height() };
  const base = image.get_raw_pixels();
  image.free();
  for (const origin of origins(canvas, overlay, spec)) {
    for (let oy = 0; oy < overlay.height; oy++) {
      const y = origin.y + oy;
      if (y < 0 || y >= canvas.height) continue;
      for (let ox = 0; ox < overlay.width; ox++) {
        const x = origin.x + ox;
        if (x < 0 || x >= canvas.width) continue;
        const o = (oy * overlay.width + ox) * 4;
        const alpha = (overlay.rgba[o + 3]! / 255) * spec.opacity;
        if (alpha <= 0) continue;
        const b = (y * canvas.width + x) * 4;
        const baseAlpha = base[b + 3]! / 255;
        const outAlpha = alpha + baseAlpha * (1 - alpha);
        for (let c = 0; c < 3; c++) {
          const mixed = overlay.rgba[o + c]! * alpha + base[b + c]! * baseAlpha * (1 - alpha);
          base[b + c] = Math.round(outAlpha > 0 ? mixed / outAlpha : 0);
        }
        base[b + 3] = Math.round(outAlpha * 255);
      }
    }
  }
  return new PhotonImage(base, canvas.width, canvas.height);
}

/** The job's watermark drawn over a finished image (a still, or one frame); the image itself when there is none. */
export function drawJobWatermark(
  image: PhotonImage,
  job: TransformJob,
  prepared?: PreparedWatermark | null,
): PhotonImage {
  const spec = job.transform.watermark;
  if (!spec) return image;
  const overlay = prepared ?? prepareWatermark(job, { width: image.get_width(), height: image.get_height() });
  return overlay ? compositeWatermark(image, overlay, spec) : image;
}
