import type { ImageResource } from '@pixelflare/shared';

/**
 * Whether a preview that failed to load is worth asking the API for again: its signed URLs have expired (a page
 * left open past `previews.expires_at`). A plain URL that fails, or a signed one still valid, would fail again.
 */
export function previewsExpired(image: Pick<ImageResource, 'previews'>, now = Date.now()): boolean {
  const { expires_at } = image.previews;
  return expires_at !== null && new Date(expires_at).getTime() <= now;
}

/** `images` with one image replaced by a fresher copy of itself (same position; the rest untouched). */
export function withImage(images: ImageResource[], fresh: ImageResource): ImageResource[] {
  return images.map((image) => (image.id === fresh.id ? fresh : image));
}
