import {
  PhotonImage,
  SamplingFilter,
  apply_sharpening,
  crop,
  fliph,
  flipv,
  gaussian_blur,
  resize,
  watermark,
} from '@cf-wasm/photon/workerd';
import type { ResolvedTransform, TransformTrim } from '@pixelflare/shared';
import { badRequest } from '../lib/errors';
import { layoutFor, type Layout } from './geometry';

/**
 * Pixel operations on decoded images with Photon (WebAssembly): what the WebAssembly engine does in full and
 * what completes the Images binding where it lacks an operation (blur, sharpen, flip, focal-point crops).
 * Every function frees what it replaces: Photon memory lives outside the JS heap.
 */
export function decode(bytes: Uint8Array): PhotonImage {
  return PhotonImage.new_from_byteslice(bytes);
}

function replace(old: PhotonImage, next: PhotonImage): PhotonImage {
  if (old !== next) old.free();
  return next;
}

/**
 * Where each output pixel comes from for EXIF orientations 2–8 (`rotate` 90/180/270 clockwise are 6, 3, 8).
 * Done on whole pixels in JS rather than with Photon's `rotate`, which works for any angle by resampling.
 */
function sourceOf(orientation: number, x: number, y: number, outW: number, outH: number): [number, number] {
  switch (orientation) {
    case 2:
      return [outW - 1 - x, y];
    case 3:
      return [outW - 1 - x, outH - 1 - y];
    case 4:
      return [x, outH - 1 - y];
    case 5:
      return [y, x];
    case 6:
      return [y, outW - 1 - x];
    case 7:
      return [outH - 1 - y, outW - 1 - x];
    case 8:
      return [outH - 1 - y, x];
    default:
      return [x, y];
  }
}

function remap(image: PhotonImage, orientation: number): PhotonImage {
  if (orientation < 2 || orientation > 8) return image;
  const inW = image.get_width();
  const inH = image.get_height();
  const swap = orientation >= 5;
  const outW = swap ? inH : inW;
  const outH = swap ? inW : inH;
  const input = new Uint32Array(image.get_raw_pixels().buffer);
  const output = new Uint32Array(outW * outH);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const [sx, sy] = sourceOf(orientation, x, y, outW, outH);
      output[y * outW + x] = input[sy * inW + sx]!;
    }
  }
  return replace(image, new PhotonImage(new Uint8Array(output.buffer), outW, outH));
}

/** EXIF orientation (1–8) turned upright. */
export function orient(image: PhotonImage, orientation: number): PhotonImage {
  return remap(image, orientation);
}

/**
 * `trim`: the sides cut off an upright image, before `rotate` and the layout (Cloudflare's order). One that
 * leaves no pixel is refused (resolution refuses it first, against the image row's size).
 */
export function trimBy(image: PhotonImage, trim: TransformTrim | undefined): PhotonImage {
  if (!trim) return image;
  const right = image.get_width() - trim.right;
  const bottom = image.get_height() - trim.bottom;
  if (right - trim.left < 1 || bottom - trim.top < 1) {
    const message = `trim leaves no pixel of this ${image.get_width()}×${image.get_height()} image`;
    throw badRequest(`Invalid transform: ${message}`, [{ path: 'trim', message }]);
  }
  return replace(image, crop(image, trim.left, trim.top, right, bottom));
}

const ROTATION_ORIENTATION: Record<number, number> = { 90: 6, 180: 3, 270: 8 };

/** `rotate` of 90, 180 or 270 degrees clockwise. */
export function rotateBy(image: PhotonImage, degrees: number | undefined): PhotonImage {
  return degrees ? remap(image, ROTATION_ORIENTATION[degrees] ?? 1) : image;
}

function parseColour(colour: string | undefined): [number, number, number, number] {
  const hex = colour?.startsWith('#') ? colour.slice(1) : undefined;
  if (hex) {
    const full = hex.length <= 4 ? [...hex].map((c) => c + c).join('') : hex;
    const channel = (i: number) => parseInt(full.slice(i * 2, i * 2 + 2), 16);
    return [channel(0), channel(1), channel(2), full.length === 8 ? channel(3) : 255];
  }
  const rgb = colour?.match(/\d+(\.\d+)?/g)?.map(Number);
  if (rgb && rgb.length >= 3)
    return [rgb[0]!, rgb[1]!, rgb[2]!, rgb[3] === undefined ? 255 : Math.round(rgb[3] * 255)];
  if (colour === 'black') return [0, 0, 0, 255];
  if (colour === 'transparent') return [0, 0, 0, 0];
  return [255, 255, 255, 255];
}

/** Resizes, crops or pads to the layout. */
export function applyLayout(image: PhotonImage, layout: Layout, background?: string): PhotonImage {
  let out = image;
  const { scaled, canvas, offset } = layout;
  if (scaled.width !== out.get_width() || scaled.height !== out.get_height())
    out = replace(out, resize(out, scaled.width, scaled.height, SamplingFilter.Lanczos3));
  if (offset.x <= 0 && offset.y <= 0 && (canvas.width < scaled.width || canvas.height < scaled.height)) {
    const x = -offset.x;
    const y = -offset.y;
    out = replace(out, crop(out, x, y, x + canvas.width, y + canvas.height));
  } else if (canvas.width > scaled.width || canvas.height > scaled.height) {
    const fill = parseColour(background);
    const pixels = new Uint8Array(canvas.width * canvas.height * 4);
    for (let i = 0; i < pixels.length; i += 4) pixels.set(fill, i);
    const padded = new PhotonImage(pixels, canvas.width, canvas.height);
    watermark(padded, out, BigInt(offset.x), BigInt(offset.y));
    out = replace(out, padded);
  }
  return out;
}

/** Flip, blur and sharpen, in that order. */
export function applyEffects(image: PhotonImage, transform: ResolvedTransform): PhotonImage {
  if (transform.flip === 'h' || transform.flip === 'hv') fliph(image);
  if (transform.flip === 'v' || transform.flip === 'hv') flipv(image);
  if (transform.blur) gaussian_blur(image, Math.max(1, Math.round(transform.blur / 2)));
  // Cloudflare's sharpen is 0–10; Photon's unsharp-mask amount is 0–150.
  if (transform.sharpen) apply_sharpening(image, transform.sharpen * 15, 1, 0, 0);
  return image;
}

/** The whole transform, minus encoding, on an upright image. */
export function transformPixels(image: PhotonImage, transform: ResolvedTransform): PhotonImage {
  const size = { width: image.get_width(), height: image.get_height() };
  const laidOut = applyLayout(image, layoutFor(size, transform), transform.background);
  return applyEffects(laidOut, transform);
}
