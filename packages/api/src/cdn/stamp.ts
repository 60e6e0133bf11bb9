/**
 * Whose image a Cache API copy is. Only the filed copy carries it (never an answer that leaves), so a hit tells
 * the custom-host check, the hotlink check and analytics whose image it is without reading D1. Slugs and ids are
 * not secret, but they are ours: the header is removed before a hit is served.
 */
const STAMP_HEADER = 'X-Pixelflare-Image';

export interface CachedImageStamp {
  ownerSlug: string;
  ownerId: string;
  imageId: string;
}

/** The copy to file in the Cache API: `response`'s status, headers and body, plus the stamp. */
export function stampCachedAnswer(
  response: Response,
  image: { ownerSlug: string; ownerId: string; id: string },
): Response {
  const headers = new Headers(response.headers);
  headers.set(STAMP_HEADER, `${image.ownerSlug} ${image.ownerId} ${image.id}`);
  return new Response(response.body, { status: response.status, headers });
}

/**
 * A cached copy's stamp and its headers without it; `null` for a copy filed without one (before stamps
 * existed), which serveCdn treats as a miss so that it is filed again, stamped.
 */
export function readCachedStamp(cached: Headers): { stamp: CachedImageStamp; headers: Headers } | null {
  const [ownerSlug, ownerId, imageId, extra] = (cached.get(STAMP_HEADER) ?? '').split(' ');
  if (!ownerSlug || !ownerId || !imageId || extra !== undefined) return null;
  const headers = new Headers(cached);
  headers.delete(STAMP_HEADER);
  return { stamp: { ownerSlug, ownerId, imageId }, headers };
}
