import type { ImagePlaceholder } from '@pixelflare/shared';
import { thumbHashToDataURL } from 'thumbhash';

// Decoding a ThumbHash costs a fraction of a millisecond, but a grid re-renders its cards as it scrolls: each hash
// is decoded once per page.
const decoded = new Map<string, string>();

function dataUrlOf(thumbhash: string): string | null {
  let url = decoded.get(thumbhash);
  if (url === undefined) {
    try {
      url = thumbHashToDataURL(Uint8Array.from(atob(thumbhash), (c) => c.charCodeAt(0)));
    } catch {
      // A hash the decoder cannot read: the dominant colour alone.
      url = '';
    }
    decoded.set(thumbhash, url);
  }
  return url || null;
}

/**
 * The inline style that shows an image's placeholder behind its thumbnail while that loads: the dominant colour
 * at once, and the blurred ThumbHash picture over it. Empty without a placeholder.
 */
export function placeholderStyle(placeholder: ImagePlaceholder | null | undefined): string {
  if (!placeholder) return '';
  const parts: string[] = [];
  if (placeholder.dominant_color) parts.push(`background-color: ${placeholder.dominant_color}`);
  const url = dataUrlOf(placeholder.thumbhash);
  if (url)
    parts.push(`background-image: url(${url})`, 'background-size: cover', 'background-position: center');
  return parts.join('; ');
}
