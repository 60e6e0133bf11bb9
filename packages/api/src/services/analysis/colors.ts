import { COLOR_ANALYSIS, type ColorName } from '@pixelflare/config';
import { rgbaToThumbHash } from 'thumbhash';

/** Decoded pixels, 8-bit RGBA, row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

export interface ColorFacts {
  /** Base64 ThumbHash. */
  thumbhash: string;
  /** `#rrggbb`, or null when every pixel is transparent. */
  dominantColor: string | null;
  palette: { color: string; share: number }[];
  colorNames: ColorName[];
}

const hex = (r: number, g: number, b: number) =>
  '#' + [r, g, b].map((c) => Math.round(c).toString(16).padStart(2, '0')).join('');

/** The named colour an RGB colour reads as (hue buckets, with black, gray, white and brown by lightness). */
export function colorNameOf(r: number, g: number, b: number): ColorName {
  const max = Math.max(r, g, b) / 255;
  const min = Math.min(r, g, b) / 255;
  const light = (max + min) / 2;
  const chroma = max - min;
  const sat = chroma === 0 ? 0 : chroma / (1 - Math.abs(2 * light - 1));
  if (light < 0.12) return 'black';
  if (light > 0.92 && sat < 0.5) return 'white';
  if (sat < 0.15 || chroma < 0.08) return light > 0.8 ? 'white' : light < 0.2 ? 'black' : 'gray';
  let hue: number;
  const [R, G, B] = [r / 255, g / 255, b / 255];
  if (max === R) hue = ((G - B) / chroma + 6) % 6;
  else if (max === G) hue = (B - R) / chroma + 2;
  else hue = (R - G) / chroma + 4;
  hue *= 60;
  if (hue >= 10 && hue < 45 && light < 0.4) return 'brown';
  if (hue < 12 || hue >= 345) return 'red';
  if (hue < 40) return 'orange';
  if (hue < 68) return 'yellow';
  if (hue < 160) return 'green';
  if (hue < 195) return 'teal';
  if (hue < 255) return 'blue';
  if (hue < 290) return 'purple';
  return 'pink';
}

// Colours are counted in buckets of 3 bits per channel (512), then buckets whose averages are this close (RGB
// distance) are merged, so a gradient or JPEG noise reads as one colour, not several neighbours.
const BUCKET_SHIFT = 5;
const MERGE_DISTANCE = 56;

/** Dominant colour, palette and colour names of opaque pixels (alpha ≥ 128). */
export function paletteOf(image: RgbaImage): Omit<ColorFacts, 'thumbhash'> {
  const buckets = new Map<number, { n: number; r: number; g: number; b: number }>();
  let total = 0;
  const { rgba } = image;
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i + 3]! < 128) continue;
    const r = rgba[i]!;
    const g = rgba[i + 1]!;
    const b = rgba[i + 2]!;
    const key = ((r >> BUCKET_SHIFT) << 6) | ((g >> BUCKET_SHIFT) << 3) | (b >> BUCKET_SHIFT);
    const bucket = buckets.get(key) ?? { n: 0, r: 0, g: 0, b: 0 };
    bucket.n++;
    bucket.r += r;
    bucket.g += g;
    bucket.b += b;
    buckets.set(key, bucket);
    total++;
  }
  if (total === 0) return { dominantColor: null, palette: [], colorNames: [] };
  // Largest first; ties by key, so the same pixels always give the same palette.
  const sorted = [...buckets.entries()].sort((a, b) => b[1].n - a[1].n || a[0] - b[0]).map(([, v]) => v);
  const merged: { n: number; r: number; g: number; b: number }[] = [];
  for (const bucket of sorted) {
    const [br, bg, bb] = [bucket.r / bucket.n, bucket.g / bucket.n, bucket.b / bucket.n];
    const near = merged.find(
      (m) => Math.hypot(m.r / m.n - br, m.g / m.n - bg, m.b / m.n - bb) < MERGE_DISTANCE,
    );
    if (near) {
      near.n += bucket.n;
      near.r += bucket.r;
      near.g += bucket.g;
      near.b += bucket.b;
    } else merged.push({ ...bucket });
  }
  merged.sort((a, b) => b.n - a.n);
  const names = new Map<ColorName, number>();
  for (const m of merged) {
    const name = colorNameOf(m.r / m.n, m.g / m.n, m.b / m.n);
    names.set(name, (names.get(name) ?? 0) + m.n / total);
  }
  const palette = merged
    .filter((m) => m.n / total >= COLOR_ANALYSIS.minPaletteShare)
    .slice(0, COLOR_ANALYSIS.paletteSize)
    .map((m) => ({
      color: hex(m.r / m.n, m.g / m.n, m.b / m.n),
      share: Math.round((m.n / total) * 1000) / 1000,
    }));
  const first = merged[0]!;
  const dominantName = colorNameOf(first.r / first.n, first.g / first.n, first.b / first.n);
  const colorNames = [...names.entries()]
    .filter(([name, share]) => share >= COLOR_ANALYSIS.minNameShare || name === dominantName)
    .sort((a, b) => b[1] - a[1])
    .map(([name]) => name);
  return {
    dominantColor: palette[0]?.color ?? hex(first.r / first.n, first.g / first.n, first.b / first.n),
    palette,
    colorNames,
  };
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** ThumbHash and colours of a small copy (at most 100 px a side, which ThumbHash requires). */
export function colorFactsOf(image: RgbaImage): ColorFacts {
  if (image.width > 100 || image.height > 100) throw new RangeError('ThumbHash takes at most 100×100 pixels');
  return { thumbhash: base64(rgbaToThumbHash(image.width, image.height, image.rgba)), ...paletteOf(image) };
}
