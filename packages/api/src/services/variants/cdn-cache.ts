import { VARIANT_NAMES } from '@pixelflare/config';
import type { AcceptClass } from './negotiate';

/** Cache API keys live on a host no one can request, so a key is never a real URL. */
const CACHE_ORIGIN = 'https://cdn-cache.pixelflare.invalid';
const ACCEPT_CLASSES: AcceptClass[] = ['avif', 'webp', 'other'];

/**
 * The Cache API key of a CDN answer: the canonical path, the sorted query and, when the format is negotiated,
 * what `Accept` allowed (so browsers that take AVIF and those that do not get separate entries).
 */
export function cdnCacheKey(canonicalPath: string, sortedQuery: string, accept: AcceptClass | null): Request {
  const query = [sortedQuery, accept ? `_accept=${accept}` : ''].filter(Boolean).join('&');
  return new Request(`${CACHE_ORIGIN}${canonicalPath}${query ? `?${query}` : ''}`);
}

/**
 * Removes an image's original and preset answers from this data centre's Cache API, for both URL forms and every
 * `Accept` class. Call it when an image is trashed, deleted, replaced, moved or made private. Query-string
 * transforms are not enumerable here; they expire within a day (`CDN_CACHE_CONTROL.transform`).
 */
export async function purgeImageFromCdnCache(
  cache: Cache,
  image: { ownerSlug: string; albumSlug: string; filename: string; shortId: string },
): Promise<void> {
  const bases = [
    `/cdn/${[image.ownerSlug, image.albumSlug, image.filename].map(encodeURIComponent).join('/')}`,
    `/cdn/i/${encodeURIComponent(image.shortId)}`,
  ];
  const keys: Request[] = [];
  for (const base of bases) {
    keys.push(cdnCacheKey(base, '', null));
    for (const variant of VARIANT_NAMES)
      for (const accept of ACCEPT_CLASSES) keys.push(cdnCacheKey(`${base}/${variant}`, '', accept));
  }
  await Promise.all(keys.map((key) => cache.delete(key)));
}
