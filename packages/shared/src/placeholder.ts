import { rgbaToDataURL, thumbHashToRGBA } from 'thumbhash';
import type { ImagePlaceholder } from './images';

// Decoding a ThumbHash costs a fraction of a millisecond, but a grid re-renders its cards as it scrolls and a page
// may be rendered often: each hash is decoded once per isolate or page (bounded, so a long session stays small).
const decoded = new Map<string, string>();
const MAX_DECODED = 2000;

/** Box-averages an RGBA picture down so its longer side is at most `maxSide` pixels. */
function shrink(picture: { w: number; h: number; rgba: Uint8Array }, maxSide: number) {
  const scale = Math.max(picture.w, picture.h) / maxSide;
  if (scale <= 1) return picture;
  const w = Math.max(1, Math.round(picture.w / scale));
  const h = Math.max(1, Math.round(picture.h / scale));
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const sum = [0, 0, 0, 0];
      let count = 0;
      for (let sy = Math.floor((y * picture.h) / h); sy < Math.floor(((y + 1) * picture.h) / h); sy++)
        for (let sx = Math.floor((x * picture.w) / w); sx < Math.floor(((x + 1) * picture.w) / w); sx++) {
          for (let c = 0; c < 4; c++) sum[c]! += picture.rgba[(sy * picture.w + sx) * 4 + c]!;
          count++;
        }
      for (let c = 0; c < 4; c++) rgba[(y * w + x) * 4 + c] = Math.round(sum[c]! / Math.max(1, count));
    }
  return { w, h, rgba };
}

/**
 * The ThumbHash as a PNG data URL, or null when the hash cannot be read. Full size (at most 32 px a side, about
 * 5 KB) by default; `maxSide` 8 gives about 400 bytes, which a browser blurs as smoothly when it scales it up
 * (what the public pages use: a grid of 48 stays light).
 */
export function placeholderDataUrl(thumbhash: string, maxSide = 32): string | null {
  const key = `${maxSide}:${thumbhash}`;
  let url = decoded.get(key);
  if (url === undefined) {
    try {
      const picture = shrink(
        thumbHashToRGBA(Uint8Array.from(atob(thumbhash), (c) => c.charCodeAt(0))),
        maxSide,
      );
      url = rgbaToDataURL(picture.w, picture.h, picture.rgba);
    } catch {
      // A hash the decoder cannot read: the dominant colour alone.
      url = '';
    }
    if (decoded.size >= MAX_DECODED) decoded.clear();
    decoded.set(key, url);
  }
  return url || null;
}

/** Which placeholder a snippet carries: none, the dominant colour, or the blurred ThumbHash picture over it. */
export type PlaceholderKind = 'none' | 'color' | 'thumbhash';

/**
 * The inline style that shows an image's placeholder behind it while it loads: the dominant colour at once, and
 * (kind `thumbhash`) the blurred ThumbHash picture over it. Empty without a placeholder. The one builder of this
 * style, for the dashboard's grids, the snippets it offers and the public pages.
 */
export function placeholderStyle(
  placeholder: ImagePlaceholder | null | undefined,
  options: { kind?: Exclude<PlaceholderKind, 'none'>; maxSide?: number } = {},
): string {
  if (!placeholder) return '';
  const parts: string[] = [];
  if (placeholder.dominant_color) parts.push(`background-color: ${placeholder.dominant_color}`);
  const url =
    (options.kind ?? 'thumbhash') === 'thumbhash'
      ? placeholderDataUrl(placeholder.thumbhash, options.maxSide)
      : null;
  if (url)
    parts.push(`background-image: url(${url})`, 'background-size: cover', 'background-position: center');
  return parts.join('; ');
}
