import type { Database } from '@pixelflare/database';
import { deleteCdnCacheEntry, putCdnCache, type CdnCacheEntry } from './cdn-cache';
import { findCdnImage, type CdnImage } from './lookup';

/**
 * Files a miss's answer in the Cache API, then reads its image again. A purge (trash, move, rename, private,
 * replace) deletes what is cached when it runs; an answer made from the row as it was before the change and filed
 * after the purge would outlive it for the cache's whole life (a year for an original). So when the row changed
 * meanwhile, the copy is taken out again. Costs one D1 read per miss, off the response path.
 */
export async function fillCdnCache(
  db: Database,
  cache: Cache,
  entry: CdnCacheEntry,
  answer: Response,
  servedFrom: Pick<CdnImage, 'id' | 'storageKey'>,
): Promise<void> {
  await putCdnCache(cache, entry, answer);
  const current = await findCdnImage(db, entry.image);
  const unchanged =
    current !== null &&
    !current.isPrivate &&
    current.id === servedFrom.id &&
    current.storageKey === servedFrom.storageKey;
  if (!unchanged) await deleteCdnCacheEntry(cache, entry);
}
