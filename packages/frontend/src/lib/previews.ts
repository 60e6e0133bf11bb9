import type { AlbumResource, ImageResource } from '@pixelflare/shared';

/** Whether a signed URL that stops working at `expiresAt` (null: unsigned, never expires) has stopped. */
function expired(expiresAt: string | null, now: number): boolean {
  return expiresAt !== null && new Date(expiresAt).getTime() <= now;
}

/**
 * Whether a preview that failed to load is worth asking the API for again: its signed URLs have expired (a page
 * left open past `previews.expires_at`). A URL that failed for another reason is asked for again as it is
 * (`retryOnError`): the API would hand out the same one.
 */
export function previewsExpired(image: Pick<ImageResource, 'previews'>, now = Date.now()): boolean {
  // An encrypted image has no previews of its own: its token URLs are kept fresh apart (encrypted-previews).
  return image.previews !== null && expired(image.previews.expires_at, now);
}

/** The same question for an album's cover thumbnail (`cover.expires_at`). */
export function coverExpired(album: Pick<AlbumResource, 'cover'>, now = Date.now()): boolean {
  return album.cover !== null && expired(album.cover.expires_at, now);
}

/** `items` with one replaced by a fresher copy of itself (same position, matched by id; the rest untouched). */
export function withFresh<T extends { id: string }>(items: T[], fresh: T): T[] {
  return items.map((item) => (item.id === fresh.id ? fresh : item));
}
