import { CDN_CACHE_CONTROL, VARIANT_NAMES } from '@pixelflare/config';
import { canonicalCdnPath, type CdnImageAddress } from '@pixelflare/shared';
import type { AcceptClass } from './negotiate';

/** Cache API keys live on a host no one can request, so a key is never a real URL. */
const CACHE_ORIGIN = 'https://cdn-cache.pixelflare.invalid';
const ACCEPT_CLASSES: AcceptClass[] = ['avif', 'webp', 'other'];

/** A CDN answer as the Cache API files it: under its canonical path and query, whatever host served it. */
export interface CdnCacheEntry {
  image: CdnImageAddress;
  /** The preset, absent for the original. */
  variant?: string;
  /** The canonical query (`canonicalCdnQuery`), empty for an original or a bare preset. */
  query: string;
  /** What `Accept` allowed when the format is negotiated (AVIF and non-AVIF browsers get separate entries). */
  accept: AcceptClass | null;
}

function cacheKey(entry: CdnCacheEntry, generation?: string): Request {
  const query = [
    entry.query,
    entry.accept ? `_accept=${entry.accept}` : '',
    generation ? `_gen=${generation}` : '',
  ]
    .filter(Boolean)
    .join('&');
  return new Request(
    `${CACHE_ORIGIN}${canonicalCdnPath(entry.image, entry.variant)}${query ? `?${query}` : ''}`,
  );
}

/**
 * Answers with a query string cannot be listed, so they are filed under a generation: a random id kept in the
 * Cache API per image address (path form and short form each). Purging deletes the generation, which strands
 * every answer filed under it; a later request starts a new one. A generation evicted early only costs a miss.
 */
const generationKey = (image: CdnImageAddress) =>
  new Request(`${CACHE_ORIGIN}/_generation${canonicalCdnPath(image)}`);

async function currentGeneration(cache: Cache, image: CdnImageAddress): Promise<string | undefined> {
  return (await cache.match(generationKey(image)))?.text();
}

/** The cached answer to a request, or `undefined`. An original or a preset is one lookup; a query, two. */
export async function matchCdnCache(cache: Cache, entry: CdnCacheEntry): Promise<Response | undefined> {
  if (!entry.query) return cache.match(cacheKey(entry));
  const generation = await currentGeneration(cache, entry.image);
  return generation ? cache.match(cacheKey(entry, generation)) : undefined;
}

/** Files an answer where `matchCdnCache` and `purgeImageFromCdnCache` look for it. */
export async function putCdnCache(cache: Cache, entry: CdnCacheEntry, response: Response): Promise<void> {
  if (!entry.query) return cache.put(cacheKey(entry), response);
  let generation = await currentGeneration(cache, entry.image);
  if (!generation) {
    generation = crypto.randomUUID();
    // Outlives the answers filed under it, which last a day (`CDN_CACHE_CONTROL.transform`).
    const headers = { 'Cache-Control': CDN_CACHE_CONTROL.immutable };
    await cache.put(generationKey(entry.image), new Response(generation, { headers }));
  }
  await cache.put(cacheKey(entry, generation), response);
}

/** Removes one answer filed by `putCdnCache` (an answer under a dropped generation is already unreachable). */
export async function deleteCdnCacheEntry(cache: Cache, entry: CdnCacheEntry): Promise<void> {
  if (!entry.query) {
    await cache.delete(cacheKey(entry));
    return;
  }
  const generation = await currentGeneration(cache, entry.image);
  if (generation) await cache.delete(cacheKey(entry, generation));
}

/**
 * Removes an image's cached answers from this data centre's Cache API: for both URL forms, the original and
 * every preset under each `Accept` class, and every query-string transform (by dropping their generations).
 * Call it when an image is trashed, deleted, replaced, moved or made private.
 */
export async function purgeImageFromCdnCache(
  cache: Cache,
  image: { ownerSlug: string; albumSlug: string; filename: string; shortId: string },
): Promise<void> {
  const addresses: CdnImageAddress[] = [
    { kind: 'path', owner: image.ownerSlug, album: image.albumSlug, filename: image.filename },
    { kind: 'short', shortId: image.shortId },
  ];
  const keys: Request[] = [];
  for (const address of addresses) {
    keys.push(generationKey(address), cacheKey({ image: address, query: '', accept: null }));
    for (const variant of VARIANT_NAMES)
      for (const accept of ACCEPT_CLASSES)
        keys.push(cacheKey({ image: address, variant, query: '', accept }));
  }
  await Promise.all(keys.map((key) => cache.delete(key)));
}
